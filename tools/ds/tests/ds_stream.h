// A Subscribe stream of conclave-ds for the integration tests, read with deadlines.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "ds_client.h"

namespace ds_test {

// One Subscribe stream of `client`'s device, on a channel of its own to `address`.
class Stream {
 public:
  Stream(const DsClient& client, const std::string& address, uint64_t after = 0)
      : stub_(v1::DeliveryService::NewStub(
            grpc::CreateChannel(address, grpc::InsecureChannelCredentials()))) {
    v1::SubscribeBody body;
    body.set_after(after);
    reader_ = stub_->Subscribe(&context_, client.sign("Subscribe", body));
  }
  Stream(const std::string& address, const v1::SignedRequest& request)
      : stub_(v1::DeliveryService::NewStub(
            grpc::CreateChannel(address, grpc::InsecureChannelCredentials()))) {
    reader_ = stub_->Subscribe(&context_, request);
  }
  ~Stream() {
    context_.TryCancel();
    v1::QueueEntry rest;
    if (finished_) return;
    while (reader_->Read(&rest)) {
    }
    reader_->Finish().ok();
  }

  // The next entry, or nothing once the stream ended or `within` passed (then it is
  // cancelled: a stream that stays silent past a deadline failed to push).
  std::optional<v1::QueueEntry> next(
      std::chrono::milliseconds within = std::chrono::milliseconds(10000)) {
    auto pending = std::make_shared<std::promise<std::optional<v1::QueueEntry>>>();
    auto result = pending->get_future();
    // Read() blocks; it runs on a thread so that the wait has a deadline.
    std::thread([this, pending] {
      v1::QueueEntry entry;
      pending->set_value(reader_->Read(&entry) ? std::optional(entry) : std::nullopt);
    }).detach();
    if (result.wait_for(within) == std::future_status::ready) return result.get();
    context_.TryCancel();
    result.wait();
    return std::nullopt;
  }
  // The stream's final status (after next() returned nothing).
  grpc::Status finish() {
    finished_ = true;
    return reader_->Finish();
  }

 private:
  std::unique_ptr<v1::DeliveryService::Stub> stub_;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReader<v1::QueueEntry>> reader_;
  bool finished_ = false;
};

}  // namespace ds_test
