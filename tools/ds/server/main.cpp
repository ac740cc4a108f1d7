// conclave-ds: the Delivery Service and Authentication Service (tools/ds/README.md).
//
//   conclave-ds --db PATH|postgresql://... [--port P] [--host H] [--window-seconds S]
//               [--past-epochs N] [--max-message-bytes B] [--max-key-packages N]
//               [--max-queue N] [--rate R] [--subscribe-poll-ms MS]
//               [--trust-anchors FILE.pem] [--retention-seconds S]
//               [--retention-interval-ms M]
//
// --db names a SQLite file (created if missing) or a PostgreSQL connection URI, which several
// conclave-ds processes may share. Serves the DeliveryService of tools/ds/ds.proto over
// plaintext gRPC on H:P (H defaults to 127.0.0.1; P 0, the default, picks a free port), prints
// "listening on HOST:PORT" once it accepts calls, and stops cleanly on SIGINT or SIGTERM.
// gRPC's standard health service (grpc.health.v1.Health) answers SERVING while it runs.
// --trust-anchors names a PEM file of the CA certificates X.509 credentials must chain to;
// without it only basic credentials register.
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <pthread.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <string>
#include <string_view>

#include "conclave/crypto/openssl_provider.h"
#include "credential_check.h"
#include "database.h"
#include "service.h"

namespace {

constexpr const char* kUsage =
    "usage: conclave-ds --db PATH|postgresql://... [--port P] [--host H] [--window-seconds S]\n"
    "                   [--past-epochs N] [--max-message-bytes B] [--max-key-packages N]\n"
    "                   [--max-queue N] [--rate R] [--subscribe-poll-ms MS]\n"
    "                   [--trust-anchors FILE.pem] [--retention-seconds S]\n"
    "                   [--retention-interval-ms M]\n";

int usage(const char* why) {
  std::fprintf(stderr, "conclave-ds: %s\n%s", why, kUsage);
  return 2;
}

bool parse_number(const char* text, unsigned long long max, unsigned long long& out) {
  char* end = nullptr;
  const unsigned long long value = std::strtoull(text, &end, 10);
  if (end == text || *end != '\0' || text[0] == '-' || value > max) return false;
  out = value;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::string host = "127.0.0.1";
  std::string db_path;
  unsigned long long port = 0;
  unsigned long long window_seconds = 300;
  unsigned long long past_epochs = 2;
  unsigned long long max_message_bytes = 1 << 20;
  unsigned long long max_key_packages = 1000;
  unsigned long long max_queue = 100000;
  unsigned long long rate = 0;
  unsigned long long subscribe_poll_ms = 1000;
  std::string trust_anchors;
  unsigned long long retention_seconds = 7 * 86400;
  unsigned long long retention_interval_ms = 60000;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::printf("%s", kUsage);
      return 0;
    }
    if (i + 1 >= argc) return usage("missing value or unknown argument");
    const char* value = argv[++i];
    if (arg == "--db") {
      db_path = value;
    } else if (arg == "--host") {
      host = value;
    } else if (arg == "--port") {
      if (!parse_number(value, 65535, port)) return usage("--port takes 0 to 65535");
    } else if (arg == "--window-seconds") {
      if (!parse_number(value, 86400, window_seconds) || window_seconds == 0)
        return usage("--window-seconds takes 1 to 86400");
    } else if (arg == "--past-epochs") {
      if (!parse_number(value, 1000, past_epochs)) return usage("--past-epochs takes 0 to 1000");
    } else if (arg == "--max-message-bytes") {
      // 64 MiB: three such fields still fit in one gRPC message (under 2 GiB).
      if (!parse_number(value, 64ull << 20, max_message_bytes) || max_message_bytes == 0)
        return usage("--max-message-bytes takes 1 to 67108864");
    } else if (arg == "--max-key-packages") {
      if (!parse_number(value, 1000000, max_key_packages) || max_key_packages == 0)
        return usage("--max-key-packages takes 1 to 1000000");
    } else if (arg == "--max-queue") {
      if (!parse_number(value, 1000000000, max_queue) || max_queue == 0)
        return usage("--max-queue takes 1 to 1000000000");
    } else if (arg == "--rate") {
      if (!parse_number(value, 1000000, rate)) return usage("--rate takes 0 (no limit) to 1000000");
    } else if (arg == "--subscribe-poll-ms") {
      if (!parse_number(value, 3600000, subscribe_poll_ms) || subscribe_poll_ms == 0)
        return usage("--subscribe-poll-ms takes 1 to 3600000");
    } else if (arg == "--trust-anchors") {
      trust_anchors = value;
    } else if (arg == "--retention-seconds") {
      // Ten years at most: the window in milliseconds stays far from overflowing.
      if (!parse_number(value, 315360000, retention_seconds) || retention_seconds == 0)
        return usage("--retention-seconds takes 1 to 315360000");
    } else if (arg == "--retention-interval-ms") {
      if (!parse_number(value, 86400000, retention_interval_ms) || retention_interval_ms == 0)
        return usage("--retention-interval-ms takes 1 to 86400000");
    } else {
      return usage("unknown argument");
    }
  }
  if (db_path.empty()) return usage("--db is required");
  // An IPv6 literal needs brackets in a gRPC address.
  if (host.find(':') != std::string::npos && host.front() != '[') host = "[" + host + "]";

  // Signals go to the main thread only, which waits for them below: block them before gRPC
  // starts its threads, so that every thread inherits the mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  std::unique_ptr<conclave::ds::Database> db;
  conclave::ds::ServiceOptions options;
  try {
    if (!trust_anchors.empty())
      options.trust_anchors = conclave::ds::load_trust_anchors(trust_anchors);
    db = conclave::ds::open_database(db_path);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "conclave-ds: %s\n", e.what());
    return 1;
  }
  options.window_ms = window_seconds * 1000;
  options.delivery.past_epochs = past_epochs;
  options.delivery.max_message_bytes = max_message_bytes;
  options.delivery.max_queue = max_queue;
  options.max_key_packages = max_key_packages;
  options.rate_per_second = rate;
  options.subscribe_poll_ms = subscribe_poll_ms;
  options.retention.retention = std::chrono::seconds(retention_seconds);
  options.retention.interval = std::chrono::milliseconds(retention_interval_ms);
  conclave::ds::Service service(std::move(db), conclave::crypto::openssl_provider(), options);

  // Before the builder: the health service is added to servers built afterwards.
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  // A Send carries up to three fields of --max-message-bytes; room for them and the rest of
  // the request, so that the DS's own typed MESSAGE_TOO_LARGE is what a client sees.
  builder.SetMaxReceiveMessageSize(
      static_cast<int>(std::min<unsigned long long>(INT_MAX, 3 * max_message_bytes + (1 << 20))));
  int bound_port = 0;
  std::string address = host;
  address += ":";
  address += std::to_string(port);
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &bound_port);
  builder.RegisterService(&service);
  // gRPC sets SO_REUSEPORT by default, so a second server on a taken port would start and
  // share it; an operator who picked the port must get an error instead.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  const std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || bound_port == 0) {
    std::fprintf(stderr, "conclave-ds: cannot listen on %s\n", address.c_str());
    return 1;
  }
  std::printf("listening on %s:%d\n", host.c_str(), bound_port);
  std::fflush(stdout);

  int signal = 0;
  sigwait(&stop_signals, &signal);
  // Subscribe streams would otherwise wait out the grace period below.
  service.shutdown();
  // Calls in flight get a moment to finish (each is one transaction: it commits or rolls back
  // whole); then they are cancelled and the database is closed.
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  server->Wait();
  return 0;
}
