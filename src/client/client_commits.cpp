// Client: what a member sends (RFC 9420 §12: commits and proposals; §6.3: application
// messages), through the outbox, and the epoch race (RFC 9750 §5.2): the Delivery Service
// accepts the first commit of an epoch; a commit that lost is discarded, the client catches up
// and makes it again from what it was for.
#include <algorithm>
#include <set>
#include <tuple>

#include "client_state.h"

namespace conclave {

using namespace client_detail;

namespace {}  // namespace

Bytes Client::create_group(BytesView group_id) {
  State& s = *state_;
  if (!s.record.registered) throw Error(ErrorCode::kNotRegistered, "register the device first");
  Bytes id = group_id.empty() ? s.provider->random(16) : to_bytes(group_id);
  if (s.groups.count(id)) throw Error(ErrorCode::kInvalidArgument, "the group exists already");
  CreateOptions create;
  create.group_id = id;
  create.config = s.options.group_config;
  create.leaf = s.leaf_options();
  Group g = Group::create(s.provider, s.identity, create, s.policy());
  // The service first: it refuses a group id that is taken, and nothing is stored then.
  s.transport->create_group(id, s.options.allow_external_join);
  g.set_application_state(codec::encode(GroupAppState{0, s.now(), {}}));
  g.attach_storage(s.store);
  s.groups.emplace(id, std::move(g));
  Event created;
  created.kind = EventKind::kGroupJoined;
  created.group_id = id;
  created.member = s.me;
  created.by = s.me;
  s.emit(std::move(created));
  return id;
}

InviteResult Client::invite(BytesView group_id, const std::vector<std::string>& users) {
  State& s = *state_;
  s.group(group_id);
  s.flush_outbox(group_id);
  s.receive();
  InviteResult result;
  CommitIntent intent;
  intent.kind = IntentKind::kInvite;
  for (const std::string& user : users) {
    FetchedKeyPackages fetched;
    try {
      fetched = s.transport->fetch_key_packages(user);
    } catch (const DeliveryError& e) {
      if (e.reason() == DeliveryErrorCode::kUnknownUser)
        throw Error(ErrorCode::kUnknownUser, "the delivery service knows no user " + user);
      throw;
    }
    for (const auto& device : fetched.exhausted_devices)
      result.skipped.push_back(DeviceRef{user, device});
    for (auto& kp : fetched.key_packages)
      intent.adds.push_back(InviteKeyPackage{to_wire(DeviceRef{user, kp.device}), kp.key_package});
  }
  if (intent.adds.empty())
    throw Error(ErrorCode::kNoKeyPackage, "no device of the invited users has a KeyPackage left");
  s.commit(group_id, intent, &result);
  return result;
}

void Client::remove(BytesView group_id, const std::vector<std::string>& users) {
  State& s = *state_;
  Group& g = s.group(group_id);
  s.flush_outbox(group_id);
  s.receive();
  CommitIntent intent;
  intent.kind = IntentKind::kRemove;
  for (const std::string& user : users) {
    if (user == s.me.user)
      throw Error(ErrorCode::kInvalidArgument, "a member cannot remove itself: use leave()");
    if (s.leaves_of(g, {to_bytes(user)}).empty())
      throw Error(ErrorCode::kInvalidArgument, user + " is not a member of the group");
    intent.remove_users.push_back(to_bytes(user));
  }
  s.commit(group_id, intent, nullptr);
}

void Client::update(BytesView group_id) {
  State& s = *state_;
  s.group(group_id);
  s.flush_outbox(group_id);
  s.receive();
  s.commit(group_id, CommitIntent{IntentKind::kUpdate, {}, {}}, nullptr);
}

void Client::leave(BytesView group_id) {
  State& s = *state_;
  s.group(group_id);
  s.flush_outbox(group_id);
  s.receive();
  Group& g = s.group(group_id);
  // RFC 9420 §12.2: a commit may not remove its own sender, so the member proposes its removal
  // and another member commits it. Extensions draft §SelfRemove Proposal: in a group where every
  // member supports it, a SelfRemove, which external joiners commit too.
  OutboxRecord r;
  r.group_id = to_bytes(group_id);
  r.message = (g.self_remove_capable() ? g.propose_self_remove() : g.propose_remove(g.own_leaf()))
                  .to_bytes();
  r.client_message_id = s.provider->random(16);
  s.put_outbox(r);
  s.flush_outbox(group_id);
}

void Client::send(BytesView group_id, BytesView data) {
  State& s = *state_;
  s.group(group_id);
  // A commit of ours waiting in the outbox decides the epoch this message is for.
  if (s.outbox_holds_commit(group_id)) s.flush_outbox(group_id);
  Group& g = s.group(group_id);
  if (s.asked_to_leave(g))
    throw Error(ErrorCode::kNotAMember, "this client asked to leave the group");
  // RFC 9420 §12.4: proposals received this epoch are committed before application data.
  if (!g.pending_proposals().empty()) {
    s.commit(group_id, CommitIntent{IntentKind::kProposals, {}, {}}, nullptr);
  }
  Group& current = s.group(group_id);
  if (!current.active())
    throw Error(ErrorCode::kNotAMember, "this client is no longer a member of the group");
  OutboxRecord r;
  r.group_id = to_bytes(group_id);
  r.message = current.protect(data).to_bytes();
  r.client_message_id = s.provider->random(16);
  // Queued behind what waits already (an outage), then everything is sent in order.
  s.put_outbox(r);
  s.flush_outbox(group_id);
}

// --- State: commits and the outbox ---

bool Client::State::commit(BytesView group_id, const CommitIntent& intent, InviteResult* out) {
  for (unsigned attempt = 0; attempt < std::max(1u, options.commit_attempts); ++attempt) {
    Group& g = group(group_id);
    if (!g.active())
      throw Error(ErrorCode::kNotAMember, "this client is no longer a member of the group");
    // Its own Remove would be among the proposals it commits (§12.2 forbids that).
    if (asked_to_leave(g))
      throw Error(ErrorCode::kNotAMember, "this client asked to leave the group");
    CommitOptions co;
    co.ratchet_tree_in_group_info = true;  // the service hands it to external joiners
    co.force_path = intent.kind == IntentKind::kUpdate;
    OutboxRecord r;
    r.group_id = to_bytes(group_id);
    r.is_commit = 1;
    r.intent = intent;
    // The intent, checked against the current epoch: who is still to be added or removed.
    // Only an invite walks the roster: an update or a proposals commit stays O(log n).
    std::set<std::string> member_devices;
    if (!intent.adds.empty()) {
      for (const MemberInfo& m : g.members()) {
        const DeviceRef d = device_of(*g.tree().leaf(m.leaf));
        member_devices.insert(d.user + '\n' + d.device);
      }
    }
    for (const auto& add : intent.adds) {
      const DeviceRef d = from_wire(add.device);
      if (member_devices.count(d.user + '\n' + d.device)) continue;
      auto message = wire::MlsMessage::from_bytes(add.key_package);
      const auto* kp = message.get<wire::KeyPackage>();
      if (!kp) throw Error(ErrorCode::kDeliveryRejected, "the service handed out a non-KeyPackage");
      co.add.push_back(*kp);
      r.added.push_back(add.device);
    }
    if (!intent.remove_users.empty()) {
      for (const auto& [leaf, device] : leaves_of(g, intent.remove_users)) {
        co.remove.push_back(leaf);
        r.removed.push_back(to_wire(device));
      }
    }
    const bool nothing =
        co.add.empty() && co.remove.empty() &&
        (intent.kind == IntentKind::kInvite || intent.kind == IntentKind::kRemove ||
         (intent.kind == IntentKind::kProposals && g.pending_proposals().empty()));
    if (nothing) return false;
    // Proposals received this epoch go in by reference; a Remove among them names devices too.
    for (const ReceivedProposal& p : g.pending_proposals()) {
      if (const auto* rm = std::get_if<wire::Remove>(&p.proposal.content)) {
        if (const wire::LeafNode* leaf = g.tree().leaf(tree::LeafIndex{rm->removed}))
          r.removed.push_back(to_wire(device_of(*leaf)));
      }
    }
    std::sort(r.removed.begin(), r.removed.end(), [](const WireDevice& a, const WireDevice& b) {
      return std::tie(a.user, a.device) < std::tie(b.user, b.device);
    });
    r.removed.erase(std::unique(r.removed.begin(), r.removed.end(),
                                [](const WireDevice& a, const WireDevice& b) {
                                  return a.user == b.user && a.device == b.device;
                                }),
                    r.removed.end());
    CommitOutput output = g.commit(co);
    r.message = output.commit.to_bytes();
    r.client_message_id = provider->random(16);
    if (output.welcome) r.welcome = output.welcome->to_bytes();
    if (output.group_info) r.group_info = output.group_info->to_bytes();
    const Bytes key = put_outbox(r);
    try {
      send_outbox(key, r);
    } catch (const DeliveryError& e) {
      if (e.code() != ErrorCode::kDeliveryStaleEpoch) throw;
      // Lost the race: send_outbox discarded our commit; take in the winner's, then try again.
      receive();
      continue;
    }
    if (out) {
      for (const auto& d : r.added)
        out->added.push_back(from_wire(d));
      out->epoch = group(group_id).epoch();
    }
    return true;
  }
  throw Error(ErrorCode::kRetriesExhausted, "the commit lost the epoch race " +
                                                std::to_string(options.commit_attempts) + " times");
}

std::vector<std::pair<tree::LeafIndex, DeviceRef>> Client::State::leaves_of(
    const Group& g, const std::vector<Bytes>& users) const {
  std::vector<std::pair<tree::LeafIndex, DeviceRef>> out;
  for (const MemberInfo& m : g.members()) {
    const DeviceRef d = device_of(*g.tree().leaf(m.leaf));
    for (const Bytes& u : users)
      if (d.user == text_of(u)) out.emplace_back(m.leaf, d);
  }
  return out;
}

bool Client::State::asked_to_leave(const Group& g) const {
  for (const ReceivedProposal& p : g.pending_proposals()) {
    if (const auto* rm = std::get_if<wire::Remove>(&p.proposal.content))
      if (rm->removed == g.own_leaf().value) return true;
    if (std::holds_alternative<wire::SelfRemove>(p.proposal.content) &&
        p.sender == wire::Sender::member(g.own_leaf().value))
      return true;
  }
  return false;
}

void Client::State::send_outbox(const Bytes& key, const OutboxRecord& r) {
  const Bytes& group_id = r.group_id;
  try {
    transport->send(to_request(r));
  } catch (const DeliveryError& e) {
    if (e.code() == ErrorCode::kDeliveryUnavailable) throw;  // stays in the outbox
    // Refused for good: what it carried will never be delivered.
    auto it = groups.find(group_id);
    if (r.is_commit && it != groups.end() && it->second.has_pending_commit())
      it->second.discard_pending_commit();
    erase_outbox(key);
    throw;
  }
  auto it = groups.find(group_id);
  if (r.is_commit && it != groups.end() && it->second.has_pending_commit()) {
    Group& g = it->second;
    // What the events need, taken before the merge (no copy of the staged epoch).
    const StagedCommit& staged = *g.pending_commit();
    std::vector<DeviceRef> added, removed;
    for (const auto& a : staged.added())
      added.push_back(device_of(a.key_package.leaf_node));
    for (const auto& rm : staged.removed())
      removed.push_back(device_of(rm.leaf_node));
    GroupAppState app = codec::decode<GroupAppState>(g.application_state());
    if (staged.has_path()) app.last_update = now();
    g.set_application_state(codec::encode(app));
    g.merge_pending_commit();
    const auto changed = [&](EventKind kind, DeviceRef member) {
      Event e;
      e.kind = kind;
      e.group_id = group_id;
      e.epoch = g.epoch();
      e.member = std::move(member);
      e.by = me;
      emit(std::move(e));
    };
    for (auto& d : added)
      changed(EventKind::kMemberAdded, std::move(d));
    for (auto& d : removed)
      changed(EventKind::kMemberRemoved, std::move(d));
    changed(EventKind::kEpochChanged, me);
  }
  erase_outbox(key);
}

void Client::State::flush_outbox(BytesView group_id) {
  const auto queued = get_outbox(group_id);
  auto it = groups.find(to_bytes(group_id));
  const bool commit_queued = std::any_of(queued.begin(), queued.end(),
                                         [](const auto& q) { return q.second.is_commit != 0; });
  if (!commit_queued && it != groups.end() && it->second.has_pending_commit()) {
    // A commit made but never handed over (a crash before the outbox write): drop it.
    it->second.discard_pending_commit();
  }
  for (const auto& [key, record] : queued) {
    const bool pending = it != groups.end() && it->second.has_pending_commit();
    if (record.is_commit && !pending) {
      // Merged already: the send was accepted before the crash; repeating it changes nothing.
      erase_outbox(key);
      continue;
    }
    try {
      send_outbox(key, record);
    } catch (const DeliveryError& e) {
      if (e.code() != ErrorCode::kDeliveryStaleEpoch) throw;
      // Nothing is queued behind a commit (send() flushes it first): make it again.
      receive();
      commit(group_id, record.intent, nullptr);
      return;
    }
  }
}

void Client::State::flush_all_outboxes() {
  std::vector<Bytes> group_ids;
  for (const auto& r : store->read_kind(client_scope(), kOutboxRecord)) {
    Bytes id = outbox_group_of(r.id);
    if (group_ids.empty() || group_ids.back() != id) group_ids.push_back(std::move(id));
  }
  for (const Bytes& id : group_ids)
    flush_outbox(id);
}

bool Client::State::outbox_holds_commit(BytesView group_id) const {
  for (const auto& [key, record] : get_outbox(group_id))
    if (record.is_commit) return true;
  return false;
}

Bytes Client::State::put_outbox(const OutboxRecord& record) {
  // Behind the group's last entry: ids sort in the order the messages were made.
  const auto queued = get_outbox(record.group_id);
  uint64_t next = 1;
  if (!queued.empty()) {
    const Bytes& last = queued.back().first;
    next = 0;
    for (size_t i = last.size() - 8; i < last.size(); ++i)
      next = (next << 8) | last[i];
    ++next;
  }
  Bytes key = outbox_prefix(record.group_id);
  for (int shift = 56; shift >= 0; shift -= 8)
    key.push_back(static_cast<uint8_t>(next >> shift));
  storage::WriteBatch batch;
  batch.put(client_scope(), kOutboxRecord, key, codec::encode_secret(record));
  store->apply(batch);
  return key;
}

void Client::State::erase_outbox(const Bytes& key) {
  storage::WriteBatch batch;
  batch.erase.push_back({client_scope(), kOutboxRecord, key});
  store->apply(batch);
}

void Client::State::erase_group_outbox(BytesView group_id) {
  storage::WriteBatch batch;
  batch.erase_prefixes.push_back({client_scope(), kOutboxRecord, outbox_prefix(group_id)});
  store->apply(batch);
}

std::vector<std::pair<Bytes, OutboxRecord>> Client::State::get_outbox(BytesView group_id) const {
  std::vector<std::pair<Bytes, OutboxRecord>> out;
  const Bytes prefix = outbox_prefix(group_id);
  for (auto& r : store->read_kind(client_scope(), kOutboxRecord)) {
    if (r.id.size() != prefix.size() + 8 || !std::equal(prefix.begin(), prefix.end(), r.id.begin()))
      continue;
    try {
      out.emplace_back(std::move(r.id), codec::decode<OutboxRecord>(r.value.view()));
    } catch (const Error& e) {
      throw Error(ErrorCode::kStorageCorrupt, std::string("an outbox record: ") + e.what());
    }
  }
  return out;
}

}  // namespace conclave
