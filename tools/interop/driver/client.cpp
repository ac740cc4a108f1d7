#include "client.h"

#include <google/protobuf/descriptor.h>
#include <grpcpp/support/byte_buffer.h>

#include <condition_variable>
#include <cstdio>

namespace interop_driver {

void RpcStats::record(const std::string& rpc, bool ok) {
  std::lock_guard lock(mutex_);
  auto& tally = tallies_[rpc];
  ++tally.calls;
  if (ok) ++tally.ok;
}

std::map<std::string, RpcTally> RpcStats::snapshot() const {
  std::lock_guard lock(mutex_);
  return tallies_;
}

RpcStats& rpc_stats() {
  static RpcStats stats;
  return stats;
}

std::vector<std::string> service_rpcs() {
  const auto* service =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName("mls_client.MLSClient");
  std::vector<std::string> names;
  if (!service) return names;
  for (int i = 0; i < service->method_count(); ++i)
    names.push_back(service->method(i)->name());
  return names;
}

std::string status_code_name(grpc::StatusCode code) {
  switch (code) {
    case grpc::OK: return "OK";
    case grpc::CANCELLED: return "CANCELLED";
    case grpc::UNKNOWN: return "UNKNOWN";
    case grpc::INVALID_ARGUMENT: return "INVALID_ARGUMENT";
    case grpc::DEADLINE_EXCEEDED: return "DEADLINE_EXCEEDED";
    case grpc::NOT_FOUND: return "NOT_FOUND";
    case grpc::ALREADY_EXISTS: return "ALREADY_EXISTS";
    case grpc::PERMISSION_DENIED: return "PERMISSION_DENIED";
    case grpc::RESOURCE_EXHAUSTED: return "RESOURCE_EXHAUSTED";
    case grpc::FAILED_PRECONDITION: return "FAILED_PRECONDITION";
    case grpc::ABORTED: return "ABORTED";
    case grpc::OUT_OF_RANGE: return "OUT_OF_RANGE";
    case grpc::UNIMPLEMENTED: return "UNIMPLEMENTED";
    case grpc::INTERNAL: return "INTERNAL";
    case grpc::UNAVAILABLE: return "UNAVAILABLE";
    case grpc::DATA_LOSS: return "DATA_LOSS";
    case grpc::UNAUTHENTICATED: return "UNAUTHENTICATED";
    default: return "code " + std::to_string(static_cast<int>(code));
  }
}

RpcError::RpcError(const std::string& where, const grpc::Status& status)
    : std::runtime_error(where + ": " + status_code_name(status.error_code()) + ": " +
                         status.error_message()),
      code_(status.error_code()) {}

Client::Client(std::string address, int index, std::chrono::milliseconds deadline, bool verbose)
    : address_(std::move(address)), index_(index), deadline_(deadline), verbose_(verbose) {
  grpc::ChannelArguments args;
  // Ratchet trees of large groups and big application messages exceed the 4 MiB default.
  args.SetMaxReceiveMessageSize(64 << 20);
  channel_ = grpc::CreateCustomChannel(address_, grpc::InsecureChannelCredentials(), args);
  stub_ = mls_client::MLSClient::NewStub(channel_);
  generic_ = std::make_unique<grpc::GenericStub>(channel_);
}

void Client::note(const char* rpc, const grpc::Status& status) {
  rpc_stats().record(rpc, status.ok());
  if (verbose_) {
    std::fprintf(stderr, "  [server %d] %s -> %s%s%s\n", index_, rpc,
                 status_code_name(status.error_code()).c_str(), status.ok() ? "" : ": ",
                 status.error_message().c_str());
  }
}

grpc::Status Client::raw_call(const std::string& rpc, const std::string& body) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + deadline_);
  grpc::Slice slice(body);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  // GenericStub has only the callback form here: wait for the callback.
  std::mutex mutex;
  std::condition_variable done_cv;
  bool done = false;
  grpc::Status result;
  generic_->UnaryCall(&context, "/mls_client.MLSClient/" + rpc, grpc::StubOptions(), &request,
                      &response, [&](grpc::Status status) {
                        std::lock_guard lock(mutex);
                        result = std::move(status);
                        done = true;
                        done_cv.notify_one();
                      });
  std::unique_lock lock(mutex);
  done_cv.wait(lock, [&] { return done; });
  note(rpc.c_str(), result);
  return result;
}

std::string Client::ping() {
  mls_client::NameResponse response;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  // Not counted: liveness checks are the driver's, not the scenarios'.
  grpc::Status status = stub_->Name(&context, mls_client::NameRequest(), &response);
  if (status.ok()) return "";
  return status_code_name(status.error_code()) + ": " + status.error_message();
}

}  // namespace interop_driver
