// One simulated device of conclave-ds-load: an MLS identity that signs its requests, the one
// group it is in (the library's Group), a sender that retries a Send until the DS accepts it,
// and a receiver (Fetch polling or the Subscribe stream) that hands each queue entry to the
// application exactly once.
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "conclave/crypto/provider.h"
#include "conclave/crypto/suite.h"
#include "conclave/group/group.h"
#include "conclave/group/identity.h"
#include "ds.grpc.pb.h"
#include "options.h"
#include "records.h"

namespace conclave::ds::load {

namespace v1 = conclave::ds::v1;
using Stub = v1::DeliveryService::Stub;

// What every client adds to while the load runs.
struct Stats {
  std::atomic<uint64_t> acked{0};          // Sends that returned OK
  std::atomic<uint64_t> send_retries{0};   // Sends tried again with the same body
  std::atomic<uint64_t> other_retries{0};  // Fetch, Ack and setup calls tried again
  std::atomic<uint64_t> reconnects{0};     // Subscribe calls after the first (a broken stream)
  std::atomic<uint64_t> redeliveries{0};   // entries dropped as already handled
  std::atomic<uint64_t> delivered{0};      // application messages decrypted, all clients
  // Set when the server could not be restarted: calls stop retrying.
  std::atomic<bool> abandoned{false};

  // A violation seen while running (the checks at the end add theirs in verify.cpp).
  void finding(const std::string& what);
  std::vector<std::string> findings() const;

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> findings_;
};

// A call that failed for good (not retryable, or retried for too long).
class CallError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class LoadClient {
 public:
  LoadClient(int index, const std::string& address, const Options& options, Stats& stats);

  int index() const { return index_; }
  const std::string& user() const { return user_; }

  // --- setup, one client at a time ---
  void register_device();
  void publish_key_package();
  // Creates the group and adds `others` by one commit and its Welcome through the DS.
  void create_group(const std::string& group_id, const std::vector<LoadClient*>& others);
  // Fetches the Welcome, joins, acknowledges it; then learns who sits at which leaf.
  void join();
  void learn_roster();

  // --- the message phase ---
  // Protects one application message with `pad` bytes of padding and sends it, retrying the
  // same body until the DS accepts it (or fails for good: a finding).
  void send_message(size_t pad);
  // Receives until `stop` is set (and cancel_stream() is called for Subscribe).
  void receive(const std::atomic<bool>& stop);
  void cancel_stream();
  // After the receivers stopped: one last Fetch (anything still queued is handled, so a
  // duplicate would show) and an Ack of everything.
  void final_fetch();

  // --- results, read once the threads are joined (delivered_count() any time) ---
  const std::vector<Sent>& sent() const { return sent_; }
  const std::vector<Delivered>& delivered() const { return delivered_; }
  const std::vector<int64_t>& latencies_ns() const { return latencies_ns_; }
  uint64_t delivered_count() const { return delivered_count_.load(); }

 private:
  using Clock = std::chrono::steady_clock;
  template <class Reply>
  using Method = grpc::Status (Stub::*)(grpc::ClientContext*, const v1::SignedRequest&, Reply*);

  v1::SignedRequest sign(const char* method, const std::string& body) const;
  // One call, retried with a fresh signature over the same body bytes while the server is
  // unreachable; throws CallError otherwise.
  template <class Reply>
  Reply call(const char* name, Method<Reply> method, const google::protobuf::Message& body,
             std::atomic<uint64_t>& retries);
  void poll(const std::atomic<bool>& stop);
  void subscribe(const std::atomic<bool>& stop);
  // Hands one entry to the application unless its sequence was handled already.
  void handle(const v1::QueueEntry& entry);
  void handle_application(const v1::QueueEntry& entry, const ApplicationMessage& app);
  // Acknowledges what was handled: when `ack_every` entries wait for it, or always if `force`.
  void maybe_ack(bool force);
  uint64_t last_handled() const;

  int index_;
  std::string user_;
  const Options& options_;
  Stats& stats_;
  std::shared_ptr<const crypto::CryptoProvider> provider_;
  crypto::Suite suite_;
  Identity identity_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<Stub> stub_;
  std::optional<KeyPackageBundle> bundle_;
  std::string group_id_;

  // The group and what was received, shared by the sender and the receiver thread.
  mutable std::mutex mutex_;
  std::optional<Group> group_;
  std::unordered_map<uint32_t, int> leaf_to_client_;
  std::unordered_set<uint64_t> handled_;
  uint64_t last_handled_ = 0;
  uint64_t acked_cursor_ = 0;
  size_t acked_count_ = 0;  // handled_.size() at the last Ack
  std::vector<Delivered> delivered_;
  std::vector<int64_t> latencies_ns_;
  std::atomic<uint64_t> delivered_count_{0};

  // The sender thread's own.
  uint64_t next_counter_ = 1;
  std::vector<Sent> sent_;

  // The open Subscribe call, for cancel_stream().
  std::mutex stream_mutex_;
  std::shared_ptr<grpc::ClientContext> stream_;
};

}  // namespace conclave::ds::load
