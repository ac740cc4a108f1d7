// A Transport for tests of the client layer: forwards every call, runs `before_send` once just
// before the next Send reaches the service (another member's commit, say: the epoch race of
// RFC 9750 §5.2 on demand), and counts the Sends refused for a stale epoch.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "conclave/client/transport.h"

namespace conclave::testing_support {

class HookedTransport : public Transport {
 public:
  explicit HookedTransport(std::shared_ptr<Transport> inner) : inner_(std::move(inner)) {}
  std::function<void()> before_send;
  std::atomic<int> stale_refusals{0};

  void bind(const DeviceRef& d, const Identity& i) override { inner_->bind(d, i); }
  void register_device() override { inner_->register_device(); }
  uint32_t publish_key_packages(const std::vector<Bytes>& kps) override {
    return inner_->publish_key_packages(kps);
  }
  FetchedKeyPackages fetch_key_packages(const std::string& user) override {
    return inner_->fetch_key_packages(user);
  }
  uint64_t create_group(BytesView id, bool open) override { return inner_->create_group(id, open); }
  SendResult send(const SendRequest& request) override {
    if (before_send) {
      auto hook = std::move(before_send);
      before_send = nullptr;
      hook();
    }
    try {
      return inner_->send(request);
    } catch (const Error& e) {
      if (e.code() == ErrorCode::kDeliveryStaleEpoch) ++stale_refusals;
      throw;
    }
  }
  std::vector<QueueEntry> fetch(uint64_t after, uint32_t limit) override {
    return inner_->fetch(after, limit);
  }
  void ack(uint64_t cursor) override { inner_->ack(cursor); }
  StoredGroupInfo fetch_group_info(BytesView id) override { return inner_->fetch_group_info(id); }
  void wait_for_entries(uint64_t after, std::chrono::milliseconds t) override {
    inner_->wait_for_entries(after, t);
  }
  void interrupt_wait() override { inner_->interrupt_wait(); }

 private:
  std::shared_ptr<Transport> inner_;
};

}  // namespace conclave::testing_support
