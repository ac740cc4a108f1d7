// Client: receiving (RFC 9750 §5: the Delivery Service's order), joining from a Welcome
// (RFC 9420 §12.4.3.1) or by external commit (§12.4.3.2), and the periodic work of sync().
#include <algorithm>

#include "client_state.h"

namespace conclave {

using namespace client_detail;

namespace {

GroupAppState app_state_of(const Group& g) {
  if (g.application_state().empty()) return {};
  try {
    return codec::decode<GroupAppState>(g.application_state());
  } catch (const Error& e) {
    throw Error(ErrorCode::kStorageCorrupt, std::string("a group's client state: ") + e.what());
  }
}

Event event(EventKind kind, BytesView group_id, uint64_t epoch, DeviceRef member = {}) {
  Event e;
  e.kind = kind;
  e.group_id = to_bytes(group_id);
  e.epoch = epoch;
  e.member = std::move(member);
  return e;
}

// A message of an epoch this member has left behind: expected after a commit race or a
// rejoin, and not worth an event.
bool is_stale(const Error& e) {
  return e.code() == ErrorCode::kWrongEpoch || e.code() == ErrorCode::kEpochNotRetained;
}

}  // namespace

SyncResult Client::sync() {
  State& s = *state_;
  // Sends in flight first: an accepted commit of ours must be merged before what follows it.
  s.deliver_pending();
  s.flush_all_outboxes();
  SyncResult result = s.receive();
  if (s.record.registered) replenish_key_packages();
  std::vector<Bytes> ids;
  for (const auto& [id, g] : s.groups)
    ids.push_back(id);
  for (const Bytes& id : ids) {
    auto it = s.groups.find(id);
    if (it == s.groups.end() || !it->second.active()) continue;
    const Group& g = it->second;
    if (s.options.commit_received_proposals && !g.pending_proposals().empty() &&
        !s.asked_to_leave(g)) {
      if (s.commit(id, CommitIntent{IntentKind::kProposals, {}, {}}, nullptr)) ++result.commits;
      continue;
    }
    if (s.options.update_interval_seconds != 0 &&
        s.now() >= app_state_of(g).last_update + s.options.update_interval_seconds) {
      if (s.commit(id, CommitIntent{IntentKind::kUpdate, {}, {}}, nullptr)) ++result.commits;
    }
  }
  return result;
}

void Client::wait(std::chrono::milliseconds timeout) {
  state_->transport->wait_for_entries(state_->wait_cursor.load(), timeout);
}

void Client::interrupt() {
  state_->transport->interrupt_wait();
}

void Client::join_external(BytesView group_id) {
  State& s = *state_;
  if (!s.record.registered) throw Error(ErrorCode::kNotRegistered, "register the device first");
  for (unsigned attempt = 0; attempt < std::max(1u, s.options.commit_attempts); ++attempt) {
    const StoredGroupInfo stored = s.transport->fetch_group_info(group_id);
    const wire::MlsMessage message = wire::MlsMessage::from_bytes(stored.group_info);
    const auto* info = message.get<wire::GroupInfo>();
    if (!info) throw Error(ErrorCode::kWireFormatMismatch, "the service's GroupInfo is not one");
    ExternalJoinOptions options;
    options.config = s.options.group_config;
    options.leaf = s.leaf_options();
    // §12.4.3.2: a client that is still in the tree (its store was lost) rejoins by a resync
    // that removes its old leaf.
    if (const auto* ext =
            wire::find_extension(info->extensions, wire::ExtensionType::kRatchetTree)) {
      const auto nodes = codec::decode<wire::RatchetTreeNodes>(ext->extension_data);
      for (size_t i = 0; i < nodes.size(); i += 2) {
        const wire::LeafNode* leaf = nodes[i] ? nodes[i]->leaf() : nullptr;
        if (leaf && leaf->signature_key == s.identity.signature_public_key)
          options.remove_leaf = tree::LeafIndex{static_cast<uint32_t>(i / 2)};
      }
    }
    ExternalJoin join = Group::join_external(s.provider, s.identity, message, options, s.policy());
    SendRequest request;
    request.group_id = to_bytes(group_id);
    request.message = join.commit.to_bytes();
    request.client_message_id = s.provider->random(16);
    request.group_info = join.group.group_info(true).to_bytes();
    try {
      s.transport->send(request);
    } catch (const DeliveryError& e) {
      if (e.code() == ErrorCode::kDeliveryStaleEpoch) continue;  // a commit came first: again
      throw;
    }
    // Accepted: only now is the group stored (a refused join leaves nothing behind). What the
    // queue holds from before is of older epochs and is skipped.
    if (s.groups.count(request.group_id))
      s.remove_group(request.group_id);
    else
      Group::erase_stored(*s.store, request.group_id);
    join.group.set_application_state(codec::encode(GroupAppState{s.record.acked, s.now(), {}}));
    join.group.attach_storage(s.store);
    const uint64_t epoch = join.group.epoch();
    s.groups.insert_or_assign(request.group_id, std::move(join.group));
    Event joined = event(EventKind::kGroupJoined, group_id, epoch, s.me);
    joined.by = s.me;
    s.emit(std::move(joined));
    return;
  }
  throw Error(ErrorCode::kRetriesExhausted, "the external commit lost the epoch race " +
                                                std::to_string(s.options.commit_attempts) +
                                                " times");
}

// --- State: receiving ---

SyncResult Client::State::receive() {
  SyncResult result;
  for (;;) {
    const std::vector<QueueEntry> entries = transport->fetch(record.acked, 0);
    if (entries.empty()) break;
    uint64_t last = record.acked;
    for (const QueueEntry& entry : entries) {
      handle(entry, result);
      last = std::max(last, entry.sequence);
      ++result.entries;
    }
    // Acknowledged only once every change it caused is stored: after a crash before this, the
    // entries come again and the groups' own cursors skip what was handled.
    deliver_pending();
    transport->ack(last);
    record.acked = last;
    save_record();
    wait_cursor = last;
  }
  return result;
}

void Client::State::handle(const QueueEntry& entry, SyncResult& result) {
  if (entry.kind == QueueEntryKind::kWelcome) {
    handle_welcome(entry);
  } else if (groups.count(entry.group_id)) {
    handle_message(entry, result);
  }
  // A message of a group this client does not hold (it left, or lost it) is of no use.
}

void Client::State::handle_welcome(const QueueEntry& entry) {
  if (groups.count(entry.group_id)) return;  // joined before a crash, acknowledged after it
  try {
    const wire::MlsMessage welcome = wire::MlsMessage::from_bytes(entry.message);
    Group g = Group::join(provider, identity, key_packages, welcome, std::nullopt,
                          options.group_config, policy());
    g.set_application_state(codec::encode(GroupAppState{entry.sequence, now(), {}}));
    g.save_application_state();
    const Bytes id = g.group_id();
    const uint64_t epoch = g.epoch();
    groups.insert_or_assign(id, std::move(g));
    Event joined = event(EventKind::kGroupJoined, id, epoch, me);
    joined.by = entry.sender;
    emit(std::move(joined));
  } catch (const Error& e) {
    Event ev = event(EventKind::kMessageRejected, entry.group_id, 0, entry.sender);
    ev.error = e.code();
    ev.detail = std::string("a Welcome: ") + e.what();
    emit(std::move(ev));
  }
}

void Client::State::handle_message(const QueueEntry& entry, SyncResult& result) {
  Group& g = groups.at(entry.group_id);
  GroupAppState app = app_state_of(g);
  if (entry.sequence <= app.last_sequence) return;  // handled before a crash
  app.last_sequence = entry.sequence;
  // Stored with the change the message makes (or alone when it makes none).
  g.set_application_state(codec::encode(app));
  ProcessResult processed;
  try {
    processed = g.process(wire::MlsMessage::from_bytes(entry.message), [&](const ProcessResult& r) {
      GroupAppState next = app;
      if (const auto* m = std::get_if<ApplicationMessage>(&r)) {
        DeviceRef sender = entry.sender;
        if (const wire::LeafNode* leaf = g.tree().leaf(m->sender)) sender = device_of(*leaf);
        next.undelivered.push_back(Undelivered{entry.sequence, to_wire(sender), m->epoch, m->data});
      }
      return codec::encode(next);
    });
  } catch (const Error& e) {
    g.save_application_state();
    if (is_stale(e)) return;
    Event ev = event(EventKind::kMessageRejected, entry.group_id, g.epoch(), entry.sender);
    ev.error = e.code();
    ev.detail = e.what();
    emit(std::move(ev));
    return;
  }
  if (std::holds_alternative<ApplicationMessage>(processed)) {
    undelivered_groups.insert(entry.group_id);
    ++result.messages;
  } else if (auto* staged = std::get_if<StagedCommit>(&processed)) {
    merge_received(g, std::move(*staged), result);
  }
  // A proposal is kept by the group for the epoch's commit (sync() commits it).
}

void Client::State::merge_received(Group& g, StagedCommit staged, SyncResult& result) {
  const Bytes id = g.group_id();
  if (commit_filter && !commit_filter(id, staged)) {
    g.save_application_state();
    Event ev = event(EventKind::kCommitVetoed, id, g.epoch());
    ev.detail =
        "the commit filter refused the commit to epoch " + std::to_string(staged.new_epoch());
    emit(std::move(ev));
    return;
  }
  if (staged.removes_me()) {
    const uint64_t epoch = staged.new_epoch();
    // Nothing more can be read or sent in this group: its keys go with it.
    remove_group(id);
    emit(event(EventKind::kRemovedFromGroup, id, epoch, me));
    return;
  }
  std::vector<DeviceRef> added, removed;
  for (const auto& a : staged.added())
    added.push_back(device_of(a.key_package.leaf_node));
  for (const auto& r : staged.removed())
    removed.push_back(device_of(r.leaf_node));
  const bool external = staged.external();
  const tree::LeafIndex committer = staged.committer();
  DeviceRef by;
  if (const wire::LeafNode* leaf = g.tree().leaf(committer)) by = device_of(*leaf);
  g.merge(std::move(staged));
  ++result.commits;
  const uint64_t epoch = g.epoch();
  // An external commit adds its sender without an Add (§12.4.3.2).
  if (external) {
    if (const wire::LeafNode* leaf = g.tree().leaf(committer)) by = device_of(*leaf);
    added.push_back(by);
  }
  const auto changed = [&](EventKind kind, DeviceRef member) {
    Event e = event(kind, id, epoch, std::move(member));
    e.by = by;
    emit(std::move(e));
  };
  for (auto& d : removed)
    changed(EventKind::kMemberRemoved, std::move(d));
  for (auto& d : added)
    changed(EventKind::kMemberAdded, std::move(d));
  changed(EventKind::kEpochChanged, {});
}

void Client::State::deliver_pending() {
  std::vector<Bytes> ids;
  if (undelivered_scan_all)
    for (const auto& [id, g] : groups)
      ids.push_back(id);
  else
    ids.assign(undelivered_groups.begin(), undelivered_groups.end());
  for (const Bytes& id : ids) {
    auto it = groups.find(id);
    if (it == groups.end() || it->second.application_state().empty()) continue;
    Group& g = it->second;
    GroupAppState app = app_state_of(g);
    if (app.undelivered.empty()) {
      undelivered_groups.erase(id);
      continue;
    }
    for (Undelivered& u : app.undelivered) {
      Event ev = event(EventKind::kMessageReceived, id, u.epoch, from_wire(u.sender));
      ev.data = std::move(u.data);
      emit(std::move(ev));
    }
    // At least once: a crash before this write hands them over again.
    app.undelivered.clear();
    g.set_application_state(codec::encode(app));
    g.save_application_state();
    undelivered_groups.erase(id);  // only once handed over: a throwing handler leaves it listed
  }
  undelivered_scan_all = false;
}

void Client::State::remove_group(BytesView group_id) {
  deliver_pending();  // what arrived before the group ends
  const Bytes id = to_bytes(group_id);
  Group::erase_stored(*store, id);
  erase_group_outbox(id);
  groups.erase(id);
}

}  // namespace conclave
