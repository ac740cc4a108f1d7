#include "delivery.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "authenticator.h"
#include "conclave/crypto/suite.h"
#include "conclave/wire/types.h"
#include "ds_error.h"
#include "framing.h"

namespace conclave::ds {
namespace {

constexpr size_t kMaxGroupIdBytes = 255;
constexpr size_t kMaxClientIdBytes = 64;
constexpr uint32_t kDefaultFetchLimit = 100;
constexpr uint32_t kMaxFetchLimit = 1000;

enum class Kind : int64_t { kMessage = 1, kWelcome = 2 };

struct GroupRow {
  int64_t id = 0;
  uint64_t epoch = 0;
  bool allow_external_join = false;
};

std::optional<GroupRow> find_group(Database& db, BytesView group_id) {
  Statement s(db, "SELECT id, epoch, allow_external_join FROM groups WHERE group_id = ?1");
  s.bind(1, group_id);
  if (!s.step()) return std::nullopt;
  return GroupRow{s.column_int(0), static_cast<uint64_t>(s.column_int(1)), s.column_int(2) != 0};
}

DsError unknown_group() {
  return DsError(grpc::StatusCode::NOT_FOUND, v1::ERROR_CODE_UNKNOWN_GROUP, "no such group");
}

DsError external_join_not_allowed() {
  return DsError(grpc::StatusCode::PERMISSION_DENIED, v1::ERROR_CODE_EXTERNAL_JOIN_NOT_ALLOWED,
                 "the group does not allow external joins");
}

std::vector<int64_t> members_of(Database& db, int64_t group) {
  Statement s(db, "SELECT device_id FROM members WHERE group_ref = ?1 ORDER BY device_id");
  s.bind(1, group);
  std::vector<int64_t> out;
  while (s.step())
    out.push_back(s.column_int(0));
  return out;
}

bool contains(const std::vector<int64_t>& ids, int64_t id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

DsError bad_request(v1::ErrorCode code, const std::string& message) {
  return DsError(grpc::StatusCode::INVALID_ARGUMENT, code, message);
}

DsError stale_epoch(uint64_t current) {
  std::string message = "the epoch was already decided; the group is at epoch ";
  message += std::to_string(current);
  // ABORTED: a lost race; the client catches up (fetches, merges) and tries again.
  return DsError(grpc::StatusCode::ABORTED, v1::ERROR_CODE_STALE_EPOCH, message, current);
}

DsError future_epoch(uint64_t current) {
  std::string message = "the group has not reached that epoch; it is at epoch ";
  message += std::to_string(current);
  return DsError(grpc::StatusCode::FAILED_PRECONDITION, v1::ERROR_CODE_FUTURE_EPOCH, message,
                 current);
}

// RFC 9750 §5.2: handshake messages belong to exactly the current epoch; application messages
// also to a few past ones (late senders), never to a future one.
void check_epoch(const PublicFraming& framing, uint64_t current, uint64_t past_epochs) {
  if (framing.epoch > current) throw future_epoch(current);
  if (framing.content_type == wire::ContentType::kApplication) {
    if (current - framing.epoch > past_epochs) throw stale_epoch(current);
  } else if (framing.epoch < current) {
    throw stale_epoch(current);
  }
}

// The devices a roster change names, resolved against the registered ones.
std::vector<int64_t> resolve(Database& db,
                             const google::protobuf::RepeatedPtrField<v1::DeviceRef>& refs) {
  std::vector<int64_t> out;
  for (const auto& ref : refs) {
    const auto device = find_device(db, ref.user(), ref.device());
    if (!device) {
      std::string message = "no such device: ";
      message += ref.user();
      message += "/";
      message += ref.device();
      throw bad_request(v1::ERROR_CODE_UNKNOWN_DEVICE, message);
    }
    if (contains(out, device->id))
      throw bad_request(v1::ERROR_CODE_ROSTER_INVALID, "a device is named twice");
    out.push_back(device->id);
  }
  return out;
}

// RFC 9750 §5.2 with RFC 9420 §12.1.1, §12.1.3: where the DS can read a commit (a member's
// PublicMessage), the roster change attached to it must be the one the commit makes: the
// added devices are exactly those whose signature keys the Adds carry, and as many devices
// are removed as the Removes name. (Leaves are not mapped to devices, so which ones is
// checked by the members' MLS clients.) With proposals by reference, which the DS does not
// follow, the Adds by value must be among the added devices and the Removes at most as many.
void check_against_commit(Database& db, BytesView message, const std::vector<int64_t>& added,
                          const std::vector<int64_t>& removed) {
  const std::optional<MemberCommit> commit = read_member_commit(message);
  if (!commit) return;
  auto mismatch = [](const char* why) { return bad_request(v1::ERROR_CODE_ROSTER_INVALID, why); };
  // As strings: GCC 12 warns falsely when sorting vectors of bytes.
  auto key = [](BytesView bytes) { return std::string(bytes.begin(), bytes.end()); };
  std::multiset<std::string> keys;
  for (const int64_t id : added) {
    const auto device = find_device(db, id);
    if (device) keys.insert(key(device->signature_key));
  }
  std::multiset<std::string> adds;
  for (const Bytes& signature_key : commit->added_signature_keys)
    adds.insert(key(signature_key));
  if (commit->by_reference) {
    if (!std::includes(keys.begin(), keys.end(), adds.begin(), adds.end()))
      throw mismatch("the commit adds a device the roster change does not name");
    if (removed.size() < commit->removes)
      throw mismatch("the commit removes more members than the roster change names");
    return;
  }
  if (keys != adds) throw mismatch("the roster change does not name the devices the commit adds");
  if (removed.size() != commit->removes)
    throw mismatch("the roster change does not remove as many devices as the commit");
}

int64_t insert_message(Database& db, int64_t group, int64_t sender, Kind kind, uint64_t epoch,
                       const std::string& data, int64_t stored_ms) {
  Statement s(db,
              "INSERT INTO messages (group_ref, sender, kind, epoch, data, stored_ms) "
              "VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING sequence");
  s.bind(1, group)
      .bind(2, sender)
      .bind(3, static_cast<int64_t>(kind))
      .bind(4, static_cast<int64_t>(epoch))
      .bind(5, as_bytes(data))
      .bind(6, stored_ms);
  if (!s.step()) throw std::runtime_error("the message was not stored");
  return s.column_int(0);
}

DsError limit(v1::ErrorCode code, const std::string& message) {
  return DsError(grpc::StatusCode::RESOURCE_EXHAUSTED, code, message);
}

void check_size(const std::string& bytes, size_t max, const char* what) {
  if (bytes.size() <= max) return;
  std::string message = what;
  message += " is larger than the server's limit of ";
  message += std::to_string(max);
  message += " bytes";
  throw limit(v1::ERROR_CODE_MESSAGE_TOO_LARGE, message);
}

// The sender is refused rather than an entry dropped: the DS promises every member every
// accepted message in order, and a member that misses a commit cannot follow the group. The
// length is the device's maintained count (enqueue, Ack): one row read, not a count of the queue.
void check_queue_room(Database& db, const std::vector<int64_t>& devices, uint64_t max) {
  for (int64_t device : devices) {
    Statement s(db, "SELECT queue_length FROM devices WHERE id = ?1");
    s.bind(1, device);
    if (s.step() && static_cast<uint64_t>(s.column_int(0)) < max) continue;
    const auto full = find_device(db, device);
    std::string message = "the queue of ";
    if (full) {
      message += full->user;
      message += "/";
      message += full->device;
    } else {
      message += "a recipient";
    }
    message += " is full; it must fetch and acknowledge first";
    throw limit(v1::ERROR_CODE_QUEUE_FULL, message);
  }
}

void enqueue(Database& db, const std::vector<int64_t>& devices, int64_t sequence) {
  for (int64_t device : devices) {
    Statement s(db, "INSERT INTO queue (device_id, sequence) VALUES (?1, ?2)");
    s.bind(1, device).bind(2, sequence);
    s.step();
    Statement count(db, "UPDATE devices SET queue_length = queue_length + 1 WHERE id = ?1");
    count.bind(1, device);
    count.step();
  }
}

}  // namespace

Delivery::Delivery(Database& db, std::shared_ptr<const crypto::CryptoProvider> provider,
                   DeliveryOptions options)
    : db_(db), provider_(std::move(provider)), options_(options) {}

v1::CreateGroupReply Delivery::create_group(const Device& device, const v1::CreateGroupBody& body) {
  if (body.group_id().empty() || body.group_id().size() > kMaxGroupIdBytes)
    throw bad_request(v1::ERROR_CODE_MALFORMED_REQUEST, "a group id is 1 to 255 bytes");
  Transaction tx(db_);
  int64_t group = 0;
  {
    Statement insert(db_,
                     "INSERT INTO groups (group_id, epoch, allow_external_join) VALUES (?1, 0, ?2) "
                     "ON CONFLICT DO NOTHING RETURNING id");
    insert.bind(1, as_bytes(body.group_id())).bind(2, int64_t{body.allow_external_join() ? 1 : 0});
    if (!insert.step())
      throw DsError(grpc::StatusCode::ALREADY_EXISTS, v1::ERROR_CODE_GROUP_EXISTS,
                    "the group id is taken");
    group = insert.column_int(0);
  }
  Statement member(db_, "INSERT INTO members (group_ref, device_id) VALUES (?1, ?2)");
  member.bind(1, group).bind(2, device.id);
  member.step();
  tx.commit();
  return {};
}

namespace {

// What the request itself says, checked before the database is read.
struct SendShape {
  PublicFraming framing;
  bool is_commit = false;
  // RFC 9420 §12.4.3.2: an external commit; the DS derives its roster change (the sender
  // joins) from the commit itself rather than from the request.
  bool external = false;
  std::optional<ExternalCommit> joining;
};

SendShape check_request(const Device& device, const v1::SendBody& body,
                        const DeliveryOptions& options) {
  if (body.client_message_id().empty() || body.client_message_id().size() > kMaxClientIdBytes)
    throw bad_request(v1::ERROR_CODE_MALFORMED_REQUEST, "a client message id is 1 to 64 bytes");
  check_size(body.message(), options.max_message_bytes, "the message");
  check_size(body.welcome(), options.max_message_bytes, "the Welcome");
  check_size(body.group_info(), options.max_message_bytes, "the GroupInfo");
  SendShape shape;
  shape.framing = read_framing(as_bytes(body.message()));
  if (shape.framing.group_id != to_bytes(as_bytes(body.group_id())))
    throw bad_request(v1::ERROR_CODE_WRONG_GROUP, "the message is for another group");
  shape.is_commit = shape.framing.content_type == wire::ContentType::kCommit;
  const bool has_roster_change = body.added_size() > 0 || body.removed_size() > 0;
  shape.external = shape.framing.sender_type == wire::SenderType::kNewMemberCommit;
  if (shape.external) {
    shape.joining = read_external_commit(as_bytes(body.message()));
    if (has_roster_change)
      throw bad_request(v1::ERROR_CODE_ROSTER_INVALID,
                        "the roster change of an external commit is its sender's join");
    if (shape.joining->signature_key != device.signature_key ||
        shape.joining->credential != device.credential)
      throw bad_request(v1::ERROR_CODE_ROSTER_INVALID,
                        "an external commit adds exactly its sender's device");
  }
  if (!shape.is_commit && (has_roster_change || !body.welcome().empty()))
    throw bad_request(v1::ERROR_CODE_ROSTER_INVALID, "only a commit changes the roster");
  if (body.added_size() > 0 && body.welcome().empty())
    throw bad_request(v1::ERROR_CODE_ROSTER_INVALID, "added devices need a Welcome");
  if (body.added_size() == 0 && !body.welcome().empty())
    throw bad_request(v1::ERROR_CODE_ROSTER_INVALID, "a Welcome needs added devices");
  if (!body.welcome().empty()) check_welcome(as_bytes(body.welcome()));
  if (!shape.is_commit && !body.group_info().empty())
    throw bad_request(v1::ERROR_CODE_ROSTER_INVALID, "only a commit brings a GroupInfo");
  return shape;
}

// The first reply to an accepted send with this client message id, if there was one.
std::optional<v1::SendReply> prior_reply(Database& db, const Device& device,
                                         const v1::SendBody& body) {
  Statement prior(db,
                  "SELECT s.sequence, s.epoch, m.data FROM sends s JOIN messages m "
                  "ON m.sequence = s.sequence WHERE s.sender = ?1 AND s.client_id = ?2");
  prior.bind(1, device.id).bind(2, as_bytes(body.client_message_id()));
  if (!prior.step()) return std::nullopt;
  if (prior.column_blob(2) != to_bytes(as_bytes(body.message())))
    throw DsError(grpc::StatusCode::ALREADY_EXISTS, v1::ERROR_CODE_ID_REUSED,
                  "the client message id was used for another message");
  v1::SendReply reply;
  reply.set_sequence(static_cast<uint64_t>(prior.column_int(0)));
  reply.set_epoch(static_cast<uint64_t>(prior.column_int(1)));
  return reply;
}

// Who the message goes to and how the roster changes, checked against the group's state.
struct Fanout {
  bool sender_is_member = false;
  std::vector<int64_t> recipients;  // the other members, the removed ones included
  std::vector<int64_t> added;
  std::vector<int64_t> removed;
};

// Extensions draft §SelfRemove Proposal: the devices whose pending SelfRemove proposals an
// external commit includes by reference. Each reference must be the ProposalRef of a
// SelfRemove stored in the group's current epoch (the draft has them sent as PublicMessages,
// so the DS can hash them); a reference to anything else stays refused, as RFC 9420
// §12.4.3.2 has it. The joiner's suite is the group's (its new leaf signs in it).
std::vector<int64_t> self_removers(Database& db, const crypto::Suite& suite, const GroupRow& group,
                                   const std::vector<Bytes>& references) {
  // As strings: GCC 12 warns falsely on maps keyed by bytes.
  auto key = [](BytesView bytes) { return std::string(bytes.begin(), bytes.end()); };
  std::map<std::string, int64_t> senders;  // ProposalRef -> the proposing device
  Statement pending(db,
                    "SELECT sender, data FROM messages WHERE group_ref = ?1 AND epoch = ?2 "
                    "AND kind = ?3");
  pending.bind(1, group.id)
      .bind(2, static_cast<int64_t>(group.epoch))
      .bind(3, static_cast<int64_t>(Kind::kMessage));
  while (pending.step())
    if (const auto ref = self_remove_ref(suite, pending.column_blob(1)))
      senders.emplace(key(*ref), pending.column_int(0));
  std::vector<int64_t> out;
  for (const Bytes& ref : references) {
    const auto it = senders.find(key(ref));
    if (it == senders.end())
      throw bad_request(v1::ERROR_CODE_ROSTER_INVALID,
                        "an external commit refers only to SelfRemove proposals of its epoch");
    // §SelfRemove Proposal: one SelfRemove per member and epoch.
    if (contains(out, it->second))
      throw bad_request(v1::ERROR_CODE_ROSTER_INVALID,
                        "an external commit refers to one SelfRemove per member");
    out.push_back(it->second);
  }
  return out;
}

Fanout plan_fanout(Database& db, const std::shared_ptr<const crypto::CryptoProvider>& provider,
                   const Device& device, const v1::SendBody& body, const SendShape& shape,
                   const GroupRow& group, const DeliveryOptions& options) {
  Fanout out;
  const std::vector<int64_t> members = members_of(db, group.id);
  out.sender_is_member = contains(members, device.id);
  if (shape.external) {
    if (!group.allow_external_join) throw external_join_not_allowed();
    // A non-member joins and removes nobody (one device per user: it has no earlier leaf). A
    // member's external commit is a resync (§12.4.3.2): it removes exactly its own earlier
    // leaf, which the members' MLS clients check (the DS does not map leaves to devices).
    if (!out.sender_is_member && shape.joining->removes != 0)
      throw bad_request(v1::ERROR_CODE_ROSTER_INVALID, "an external join removes nobody");
    if (out.sender_is_member && shape.joining->removes != 1)
      throw bad_request(v1::ERROR_CODE_ROSTER_INVALID,
                        "a resync removes exactly the sender's earlier leaf");
  } else if (!out.sender_is_member) {
    throw DsError(grpc::StatusCode::PERMISSION_DENIED, v1::ERROR_CODE_NOT_A_MEMBER,
                  "only member devices may post to a group");
  }
  check_epoch(shape.framing, group.epoch, options.past_epochs);
  if (!body.group_info().empty())
    check_group_info(as_bytes(body.group_info()), as_bytes(body.group_id()), group.epoch + 1);

  out.added = resolve(db, body.added());
  out.removed = resolve(db, body.removed());
  // An external commit names no roster change (check_request): the members it removes are
  // the senders of the SelfRemoves it refers to, checked below like any removal.
  if (shape.external && !shape.joining->references.empty())
    out.removed = self_removers(db, crypto::Suite(provider, device.cipher_suite), group,
                                shape.joining->references);
  for (int64_t id : out.added)
    if (contains(members, id))
      throw bad_request(v1::ERROR_CODE_ROSTER_INVALID, "an added device is already a member");
  for (int64_t id : out.removed) {
    if (!contains(members, id))
      throw bad_request(v1::ERROR_CODE_ROSTER_INVALID, "a removed device is not a member");
    if (id == device.id)
      throw bad_request(v1::ERROR_CODE_ROSTER_INVALID, "a committer cannot remove itself");
  }
  if (shape.is_commit && !shape.external)
    check_against_commit(db, as_bytes(body.message()), out.added, out.removed);

  // Every device that gets an entry must have room, except the removed ones: their queue ends
  // with the commit that removes them (one entry over the limit at most), and a member whose
  // queue is full must remain removable.
  for (int64_t id : members)
    if (id != device.id) out.recipients.push_back(id);
  std::vector<int64_t> bounded;
  for (int64_t id : out.recipients)
    if (!contains(out.removed, id)) bounded.push_back(id);
  bounded.insert(bounded.end(), out.added.begin(), out.added.end());
  check_queue_room(db, bounded, options.max_queue);
  return out;
}

// The arbiter of RFC 9750 §5.2: the first commit of an epoch takes its row (the epoch check
// already refused a second one, and the constraint holds even if it had not); the group moves
// to the next epoch, which this returns.
uint64_t decide_epoch(Database& db, const GroupRow& group, uint64_t epoch, int64_t sequence) {
  Statement decided(db, "INSERT INTO commits (group_ref, epoch, sequence) VALUES (?1, ?2, ?3)");
  decided.bind(1, group.id).bind(2, static_cast<int64_t>(epoch)).bind(3, sequence);
  if (!decided.step_unique()) throw stale_epoch(group.epoch);
  Statement advance(db, "UPDATE groups SET epoch = ?1 WHERE id = ?2");
  advance.bind(1, static_cast<int64_t>(epoch + 1)).bind(2, group.id);
  advance.step();
  return epoch + 1;
}

void apply_roster(Database& db, int64_t group, const std::vector<int64_t>& removed,
                  const std::vector<int64_t>& joined) {
  for (int64_t id : removed) {
    Statement s(db, "DELETE FROM members WHERE group_ref = ?1 AND device_id = ?2");
    s.bind(1, group).bind(2, id);
    s.step();
  }
  for (int64_t id : joined) {
    Statement s(db, "INSERT INTO members (group_ref, device_id) VALUES (?1, ?2)");
    s.bind(1, group).bind(2, id);
    s.step();
  }
}

// The latest GroupInfo only: one of an earlier epoch cannot be joined from (an external commit
// must be for the current epoch), so a commit without one drops the old one.
void replace_group_info(Database& db, int64_t group, uint64_t epoch, const std::string& info) {
  Statement drop(db, "DELETE FROM group_infos WHERE group_ref = ?1");
  drop.bind(1, group);
  drop.step();
  if (info.empty()) return;
  Statement insert(db, "INSERT INTO group_infos (group_ref, epoch, data) VALUES (?1, ?2, ?3)");
  insert.bind(1, group).bind(2, static_cast<int64_t>(epoch)).bind(3, as_bytes(info));
  insert.step();
}

void record_send(Database& db, const Device& device, const v1::SendBody& body, int64_t sequence,
                 uint64_t epoch, int64_t stored_ms) {
  Statement record(db,
                   "INSERT INTO sends (sender, client_id, sequence, epoch, stored_ms) "
                   "VALUES (?1, ?2, ?3, ?4, ?5)");
  record.bind(1, device.id)
      .bind(2, as_bytes(body.client_message_id()))
      .bind(3, sequence)
      .bind(4, static_cast<int64_t>(epoch))
      .bind(5, stored_ms);
  record.step();
}

}  // namespace

v1::SendReply Delivery::send(const Device& device, const v1::SendBody& body) {
  const SendShape shape = check_request(device, body, options_);
  Transaction tx(db_);
  const std::optional<GroupRow> group = find_group(db_, as_bytes(body.group_id()));
  if (!group) throw unknown_group();
  // A retry of an accepted send gets the first reply and queues nothing again.
  if (auto reply = prior_reply(db_, device, body)) return *reply;
  const Fanout fanout = plan_fanout(db_, provider_, device, body, shape, *group, options_);

  // Everything is checked: from here on, only writes. One time for the message, its Welcome
  // and its idempotency record: the sweep drops the record no later than the message
  // (retention.cpp).
  const auto stored_ms = static_cast<int64_t>(now_ms());
  const int64_t sequence = insert_message(db_, group->id, device.id, Kind::kMessage,
                                          shape.framing.epoch, body.message(), stored_ms);
  uint64_t epoch = group->epoch;
  if (shape.is_commit) epoch = decide_epoch(db_, *group, shape.framing.epoch, sequence);
  enqueue(db_, fanout.recipients, sequence);
  std::vector<int64_t> joined = fanout.added;
  if (shape.external && !fanout.sender_is_member) joined.push_back(device.id);
  apply_roster(db_, group->id, fanout.removed, joined);
  if (shape.is_commit) replace_group_info(db_, group->id, epoch, body.group_info());
  if (!fanout.added.empty()) {
    const int64_t welcome =
        insert_message(db_, group->id, device.id, Kind::kWelcome, epoch, body.welcome(), stored_ms);
    enqueue(db_, fanout.added, welcome);
  }
  record_send(db_, device, body, sequence, epoch, stored_ms);
  std::vector<int64_t> queued = fanout.recipients;
  queued.insert(queued.end(), fanout.added.begin(), fanout.added.end());
  db_.announce(queued);
  // Durable (synchronous = FULL) before the sender hears it was accepted.
  tx.commit();
  if (on_queued_ && !queued.empty()) on_queued_(queued);

  v1::SendReply reply;
  reply.set_sequence(static_cast<uint64_t>(sequence));
  reply.set_epoch(epoch);
  return reply;
}

v1::FetchReply Delivery::fetch(const Device& device, const v1::FetchBody& body) {
  uint32_t limit = body.limit() == 0 ? kDefaultFetchLimit : body.limit();
  limit = std::min(limit, kMaxFetchLimit);
  int64_t after = static_cast<int64_t>(std::min<uint64_t>(body.after(), INT64_MAX));
  {
    Statement cursor(db_, "SELECT acked FROM cursors WHERE device_id = ?1");
    cursor.bind(1, device.id);
    if (cursor.step()) after = std::max(after, cursor.column_int(0));
  }
  Statement s(db_,
              "SELECT q.sequence, m.kind, g.group_id, m.data, d.\"user\", d.device FROM queue q "
              "JOIN messages m ON m.sequence = q.sequence JOIN groups g ON g.id = m.group_ref "
              "JOIN devices d ON d.id = m.sender WHERE q.device_id = ?1 AND q.sequence > ?2 "
              "ORDER BY q.sequence LIMIT ?3");
  s.bind(1, device.id).bind(2, after).bind(3, static_cast<int64_t>(limit));
  v1::FetchReply reply;
  while (s.step()) {
    auto* entry = reply.add_entries();
    entry->set_sequence(static_cast<uint64_t>(s.column_int(0)));
    entry->set_kind(static_cast<Kind>(s.column_int(1)) == Kind::kWelcome ? v1::ENTRY_KIND_WELCOME
                                                                         : v1::ENTRY_KIND_MESSAGE);
    const Bytes group_id = s.column_blob(2);
    const Bytes data = s.column_blob(3);
    entry->set_group_id(std::string(group_id.begin(), group_id.end()));
    entry->set_message(std::string(data.begin(), data.end()));
    entry->mutable_sender()->set_user(s.column_text(4));
    entry->mutable_sender()->set_device(s.column_text(5));
  }
  return reply;
}

v1::FetchGroupInfoReply Delivery::fetch_group_info(const Device& device,
                                                   const v1::FetchGroupInfoBody& body) {
  const std::optional<GroupRow> group = find_group(db_, as_bytes(body.group_id()));
  if (!group) throw unknown_group();
  // RFC 9750 §5: the GroupInfo lets anyone who holds it join by external commit; outsiders
  // get it only where the group allows that.
  if (!group->allow_external_join && !contains(members_of(db_, group->id), device.id))
    throw external_join_not_allowed();
  Statement s(db_, "SELECT epoch, data FROM group_infos WHERE group_ref = ?1");
  s.bind(1, group->id);
  if (!s.step())
    throw DsError(grpc::StatusCode::NOT_FOUND, v1::ERROR_CODE_NO_GROUP_INFO,
                  "no GroupInfo was published for the current epoch");
  v1::FetchGroupInfoReply reply;
  reply.set_epoch(static_cast<uint64_t>(s.column_int(0)));
  const Bytes data = s.column_blob(1);
  reply.set_group_info(std::string(data.begin(), data.end()));
  return reply;
}

v1::AckReply Delivery::ack(const Device& device, const v1::AckBody& body) {
  Transaction tx(db_);
  int64_t last = 0;
  {
    Statement s(db_, "SELECT COALESCE(MAX(sequence), 0) FROM messages");
    if (s.step()) last = s.column_int(0);
  }
  // A cursor past every message would silently skip messages not sent yet. The retention sweep
  // never deletes the newest message, so its sequence is the last one handed out.
  if (body.cursor() > static_cast<uint64_t>(last))
    throw bad_request(v1::ERROR_CODE_MALFORMED_REQUEST, "the cursor is past the last message");
  const auto cursor = static_cast<int64_t>(body.cursor());
  Statement drop(db_,
                 "DELETE FROM queue WHERE device_id = ?1 AND sequence <= ?2 RETURNING sequence");
  drop.bind(1, device.id).bind(2, cursor);
  int64_t dropped = 0;
  while (drop.step())
    ++dropped;
  if (dropped > 0) {
    Statement count(db_, "UPDATE devices SET queue_length = queue_length - ?2 WHERE id = ?1");
    count.bind(1, device.id).bind(2, dropped);
    count.step();
  }
  Statement keep(db_,
                 "INSERT INTO cursors (device_id, acked) VALUES (?1, ?2) ON CONFLICT (device_id) "
                 "DO UPDATE SET acked = excluded.acked WHERE excluded.acked > cursors.acked");
  keep.bind(1, device.id).bind(2, cursor);
  keep.step();
  tx.commit();
  return {};
}

}  // namespace conclave::ds
