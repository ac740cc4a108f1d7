// The Client's state and the records it keeps in its store besides the groups' own and the
// KeyPackages': the client record (who it is, whether it registered, its queue cursor) and the
// outbox (messages handed to the Delivery Service and not yet acknowledged by it).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "conclave/client/client.h"
#include "conclave/codec/codec.h"
#include "conclave/crypto/suite.h"
#include "conclave/group/key_package_store.h"

namespace conclave::client_detail {

inline std::string text_of(BytesView b) {
  return std::string(b.begin(), b.end());
}

// Orders byte strings; std::less<Bytes> goes through operator<=>, which GCC 12 warns about.
struct BytesLess {
  bool operator()(const Bytes& a, const Bytes& b) const {
    return std::string_view(reinterpret_cast<const char*>(a.data()), a.size()) <
           std::string_view(reinterpret_cast<const char*>(b.data()), b.size());
  }
};

// Kinds of the client's records, in its scope 'c' (the group layer uses 'g', 'k', 'p', 'i').
enum ClientRecordKind : uint16_t {
  kClientRecord = 32,  // id empty
  kOutboxRecord = 33,  // id outbox_prefix(group_id) || u64 position: a send in flight
};
const Bytes& client_scope();

struct ClientRecord {
  Bytes user;
  Bytes device;
  uint8_t registered = 0;
  uint64_t acked = 0;  // the queue cursor acknowledged to the Delivery Service
  CONCLAVE_TLS_FIELDS(user, device, registered, acked)
};

// What a group's Group::application_state() holds for the Client: written in the same
// transaction as the group's change, so after a crash the two agree.
struct WireDevice {
  Bytes user;
  Bytes device;
  CONCLAVE_TLS_FIELDS(user, device)
};

// A decrypted application message not yet handed to the application: stored in the same
// transaction that deletes its key, dropped once the event handler has returned.
struct Undelivered {
  uint64_t sequence = 0;
  WireDevice sender;
  uint64_t epoch = 0;
  Bytes data;
  CONCLAVE_TLS_FIELDS(sequence, sender, epoch, data)
};

struct GroupAppState {
  uint64_t last_sequence = 0;  // the last queue entry handled for this group
  uint64_t last_update = 0;    // Unix seconds of this member's last commit with a path
  std::vector<Undelivered> undelivered;
  CONCLAVE_TLS_FIELDS(last_sequence, last_update, undelivered)
};

// What a commit is for, so that it can be made again in the next epoch after losing the race.
enum class IntentKind : uint8_t { kInvite = 1, kRemove = 2, kUpdate = 3, kProposals = 4 };
inline bool tls_enum_known(IntentKind k) {
  return k >= IntentKind::kInvite && k <= IntentKind::kProposals;
}
struct InviteKeyPackage {
  WireDevice device;
  Bytes key_package;  // encoded MLSMessage
  CONCLAVE_TLS_FIELDS(device, key_package)
};
struct CommitIntent {
  IntentKind kind = IntentKind::kUpdate;
  std::vector<InviteKeyPackage> adds;
  std::vector<Bytes> remove_users;
  CONCLAVE_TLS_FIELDS(kind, adds, remove_users)
};

// A send in flight: replayed with the same client message id until the service answers.
struct OutboxRecord {
  Bytes group_id;
  Bytes message;
  Bytes client_message_id;
  std::vector<WireDevice> added;
  std::vector<WireDevice> removed;
  Bytes welcome;
  Bytes group_info;
  uint8_t is_commit = 0;
  CommitIntent intent;
  CONCLAVE_TLS_FIELDS(group_id, message, client_message_id, added, removed, welcome, group_info,
                      is_commit, intent)
};

// u32 length || group_id: no group's prefix is another's.
Bytes outbox_prefix(BytesView group_id);
Bytes outbox_group_of(const Bytes& record_id);

WireDevice to_wire(const DeviceRef& d);
DeviceRef from_wire(const WireDevice& d);
SendRequest to_request(const OutboxRecord& r);

}  // namespace conclave::client_detail

namespace conclave {

struct Client::State {
  std::shared_ptr<const crypto::CryptoProvider> provider;
  std::shared_ptr<storage::StorageProvider> store;
  std::shared_ptr<Transport> transport;
  ClientOptions options;
  std::optional<crypto::Suite> suite;
  Identity identity;
  DeviceRef me;
  client_detail::ClientRecord record;
  KeyPackageStore key_packages;
  std::map<Bytes, Group, client_detail::BytesLess> groups;
  std::function<void(const Event&)> on_event;
  std::function<bool(BytesView, const StagedCommit&)> commit_filter;
  // The cursor wait() starts from; written by the client's thread, read by wait()'s.
  std::atomic<uint64_t> wait_cursor{0};
  // Groups whose state may hold messages not yet handed to the application; all of them once
  // after open (a crash may have left some), then those this process decrypted into.
  std::set<Bytes, client_detail::BytesLess> undelivered_groups;
  bool undelivered_scan_all = true;

  // --- client.cpp ---
  void save_record();
  void emit(Event event) const;
  Group& group(BytesView group_id);
  KeyPackageOptions leaf_options() const;
  GroupPolicy policy() const;
  // The user and device of a leaf: the credential's identity and the device name extension.
  DeviceRef device_of(const wire::LeafNode& leaf) const;
  uint64_t now() const;

  // --- client_commits.cpp ---
  // Makes the commit `intent` asks for in the group's current epoch and sends it; after losing
  // the epoch race catches up and makes it again. False when nothing was left to commit.
  bool commit(BytesView group_id, const client_detail::CommitIntent& intent, InviteResult* out);
  // Sends what the outbox holds for the group (after a crash or an outage). For a commit, the
  // result is merged (accepted) or discarded and made again (stale epoch).
  void flush_outbox(BytesView group_id);
  void flush_all_outboxes();
  // Whether this member's own Remove proposal is pending (it asked to leave, §12.1.3).
  bool asked_to_leave(const Group& g) const;
  // The leaves of the members whose credential names one of `users`, with their devices.
  std::vector<std::pair<tree::LeafIndex, DeviceRef>> leaves_of(
      const Group& g, const std::vector<Bytes>& users) const;
  // The outbox is a queue per group: record ids are outbox_prefix(group) || u64 position.
  void send_outbox(const Bytes& key, const client_detail::OutboxRecord& record);
  Bytes put_outbox(const client_detail::OutboxRecord& record);  // returns its id
  void erase_outbox(const Bytes& key);
  void erase_group_outbox(BytesView group_id);
  bool outbox_holds_commit(BytesView group_id) const;
  // In the order they were queued.
  std::vector<std::pair<Bytes, client_detail::OutboxRecord>> get_outbox(BytesView group_id) const;

  // --- client_sync.cpp ---
  // Fetches and handles the queue until it is empty; acknowledges. No commits of its own.
  SyncResult receive();
  void handle(const QueueEntry& entry, SyncResult& result);
  void handle_welcome(const QueueEntry& entry);
  void handle_message(const QueueEntry& entry, SyncResult& result);
  void merge_received(Group& g, StagedCommit staged, SyncResult& result);
  void remove_group(BytesView group_id);
  // Hands the application the messages decrypted but not delivered (a crash in between, or
  // this batch's), then forgets them.
  void deliver_pending();
};

}  // namespace conclave
