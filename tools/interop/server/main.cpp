// conclave-interop: the MLS interop harness client (tools/interop/mls_client.proto) over gRPC.
//
//   conclave-interop --port P [--host H]
//
// Serves plaintext gRPC (the harness uses no TLS) on H:P (H defaults to 127.0.0.1; P 0 picks a
// free port), prints "listening on HOST:PORT" once it accepts calls, and stops cleanly on
// SIGINT or SIGTERM.
#include <grpcpp/grpcpp.h>
#include <pthread.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "service.h"

namespace {

int usage(const char* why) {
  std::fprintf(stderr, "conclave-interop: %s\nusage: conclave-interop --port P [--host H]\n", why);
  return 2;
}

bool parse_port(const char* text, int& port) {
  char* end = nullptr;
  const long value = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || value < 0 || value > 65535) return false;
  port = static_cast<int>(value);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::string host = "127.0.0.1";
  int port = -1;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if ((arg == "--port" || arg == "--host") && i + 1 >= argc) return usage("missing value");
    if (arg == "--port") {
      if (!parse_port(argv[++i], port)) return usage("--port takes 0 to 65535");
    } else if (arg == "--host") {
      host = argv[++i];
    } else if (arg == "--help" || arg == "-h") {
      usage("the MLS interop harness client");
      return 0;
    } else {
      return usage("unknown argument");
    }
  }
  if (port < 0) return usage("--port is required");
  // An IPv6 literal needs brackets in a gRPC address.
  if (host.find(':') != std::string::npos && host.front() != '[') host = "[" + host + "]";

  // Signals go to the main thread only, which waits for them below: block them here, before
  // gRPC starts its threads, so that every thread inherits the mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  conclave::interop::Service service;
  grpc::ServerBuilder builder;
  int bound_port = 0;
  builder.AddListeningPort(host + ":" + std::to_string(port), grpc::InsecureServerCredentials(),
                           &bound_port);
  builder.RegisterService(&service);
  // gRPC sets SO_REUSEPORT by default, so a second server on a taken port would start and
  // share it; a runner that picked the port must get an error instead.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  // Welcomes and trees of large groups exceed gRPC's 4 MiB default.
  builder.SetMaxReceiveMessageSize(256 * 1024 * 1024);
  builder.SetMaxSendMessageSize(256 * 1024 * 1024);
  const std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || bound_port == 0) {
    std::fprintf(stderr, "conclave-interop: cannot listen on %s:%d\n", host.c_str(), port);
    return 1;
  }
  std::printf("listening on %s:%d\n", host.c_str(), bound_port);
  std::fflush(stdout);

  int signal = 0;
  sigwait(&stop_signals, &signal);
  // Calls in flight get a moment to finish; then they are cancelled.
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  server->Wait();
  return 0;
}
