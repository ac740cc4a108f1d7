// LocalDeliveryService: conclave-ds's ordering and delivery rules (tools/ds/README.md, RFC 9750
// §5) in memory, behind the Transport interface.
#include "conclave/client/local_delivery.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <set>

#include "conclave/codec/codec.h"
#include "conclave/wire/message.h"

namespace conclave {

namespace {

[[noreturn]] void refuse(DeliveryErrorCode reason, const std::string& detail,
                         uint64_t current_epoch = 0) {
  throw DeliveryError(reason == DeliveryErrorCode::kStaleEpoch ? ErrorCode::kDeliveryStaleEpoch
                                                               : ErrorCode::kDeliveryRejected,
                      reason, current_epoch, detail);
}

// What the service reads of a group message: the public framing only (RFC 9750 §5).
std::string key_of(BytesView b) {
  return std::string(b.begin(), b.end());
}

struct Framing {
  Bytes group_id;
  uint64_t epoch = 0;
  wire::ContentType type = wire::ContentType::kApplication;
  bool external_commit = false;
};

Framing framing_of(const Bytes& message) {
  wire::MlsMessage m;
  try {
    m = wire::MlsMessage::from_bytes(message);
  } catch (const Error& e) {
    refuse(DeliveryErrorCode::kMalformedMessage, e.what());
  }
  if (const auto* pub = m.get<wire::PublicMessage>()) {
    return Framing{pub->content.group_id, pub->content.epoch, pub->content.content_type(),
                   pub->content.sender.sender_type == wire::SenderType::kNewMemberCommit};
  }
  if (const auto* priv = m.get<wire::PrivateMessage>())
    return Framing{priv->group_id, priv->epoch, priv->content_type, false};
  refuse(DeliveryErrorCode::kMalformedMessage, "not a PublicMessage or PrivateMessage");
}

}  // namespace

struct LocalDeliveryService::State {
  struct Device {
    Bytes signature_key;
    std::deque<QueueEntry> queue;
    uint64_t acked = 0;
    std::vector<std::pair<Bytes, bool>> key_packages;  // (MLSMessage, last_resort)
  };
  struct GroupRecord {
    uint64_t epoch = 0;
    std::set<DeviceRef> members;
    bool allow_external_join = false;
    std::optional<StoredGroupInfo> group_info;
  };
  mutable std::mutex mutex;
  std::condition_variable queued;
  std::map<DeviceRef, Device> devices;
  std::map<std::string, GroupRecord> groups;
  std::map<std::pair<DeviceRef, std::string>, std::pair<Bytes, SendResult>> sent;  // by message id
  uint64_t next_sequence = 1;
  bool unavailable = false;

  void check_up() const {
    if (unavailable)
      throw DeliveryError(ErrorCode::kDeliveryUnavailable, DeliveryErrorCode::kUnspecified, 0,
                          "the local delivery service is down");
  }
  Device& device(const DeviceRef& d) {
    auto it = devices.find(d);
    if (it == devices.end()) refuse(DeliveryErrorCode::kBadSignature, "unknown device");
    return it->second;
  }
  GroupRecord& group(BytesView id) {
    auto it = groups.find(key_of(id));
    if (it == groups.end()) refuse(DeliveryErrorCode::kUnknownGroup, "no such group");
    return it->second;
  }
  void enqueue(const DeviceRef& to, QueueEntry entry) {
    auto it = devices.find(to);
    if (it != devices.end()) it->second.queue.push_back(std::move(entry));
  }
};

class LocalTransport : public Transport {
 public:
  explicit LocalTransport(std::shared_ptr<LocalDeliveryService> service)
      : service_(std::move(service)) {}

  void bind(const DeviceRef& device, const Identity& identity) override {
    me_ = device;
    identity_ = identity;
  }

  void register_device() override {
    auto& s = state();
    std::lock_guard lock(s.mutex);
    s.check_up();
    auto it = s.devices.find(me_);
    if (it != s.devices.end()) {
      if (it->second.signature_key != identity_.signature_public_key)
        refuse(DeliveryErrorCode::kNameTaken, "the device is registered with another key");
      return;
    }
    s.devices[me_].signature_key = identity_.signature_public_key;
  }

  uint32_t publish_key_packages(const std::vector<Bytes>& key_packages) override {
    auto& s = state();
    std::lock_guard lock(s.mutex);
    s.check_up();
    auto& device = s.device(me_);
    std::vector<std::pair<Bytes, bool>> parsed;
    for (const Bytes& kp : key_packages) {
      const wire::KeyPackage* package = nullptr;
      wire::MlsMessage m;
      try {
        m = wire::MlsMessage::from_bytes(kp);
        package = m.get<wire::KeyPackage>();
      } catch (const Error&) {
      }
      if (!package) refuse(DeliveryErrorCode::kInvalidKeyPackage, "not a KeyPackage");
      if (package->leaf_node.signature_key != device.signature_key)
        refuse(DeliveryErrorCode::kNotYourKeyPackage, "a KeyPackage of another key");
      parsed.emplace_back(kp, is_last_resort(*package));
    }
    for (auto& p : parsed)
      device.key_packages.push_back(std::move(p));
    return static_cast<uint32_t>(parsed.size());
  }

  FetchedKeyPackages fetch_key_packages(const std::string& user) override {
    auto& s = state();
    std::lock_guard lock(s.mutex);
    s.check_up();
    s.device(me_);
    FetchedKeyPackages out;
    bool known = false;
    for (auto& [ref, device] : s.devices) {
      if (ref.user != user) continue;
      known = true;
      auto& kps = device.key_packages;
      // One-time packages first; a last-resort one only when none is left, and kept.
      auto it = std::find_if(kps.begin(), kps.end(), [](const auto& p) { return !p.second; });
      if (it != kps.end()) {
        out.key_packages.push_back(DeviceKeyPackage{ref.device, it->first, false});
        kps.erase(it);
      } else if (!kps.empty()) {
        out.key_packages.push_back(DeviceKeyPackage{ref.device, kps.front().first, true});
      } else {
        out.exhausted_devices.push_back(ref.device);
      }
    }
    if (!known) refuse(DeliveryErrorCode::kUnknownUser, "no user " + user);
    return out;
  }

  uint64_t create_group(BytesView group_id, bool allow_external_join) override {
    auto& s = state();
    std::lock_guard lock(s.mutex);
    s.check_up();
    s.device(me_);
    if (s.groups.count(key_of(group_id))) refuse(DeliveryErrorCode::kGroupExists, "taken");
    auto& g = s.groups[key_of(group_id)];
    g.members.insert(me_);
    g.allow_external_join = allow_external_join;
    return 0;
  }

  SendResult send(const SendRequest& request) override {
    auto& s = state();
    std::lock_guard lock(s.mutex);
    s.check_up();
    s.device(me_);
    const auto key = std::make_pair(me_, key_of(request.client_message_id));
    if (auto it = s.sent.find(key); it != s.sent.end()) {
      if (it->second.first != request.message)
        refuse(DeliveryErrorCode::kIdReused, "a message id reused for other bytes");
      return it->second.second;  // a retry: delivered once
    }
    auto& g = s.group(request.group_id);
    const Framing f = framing_of(request.message);
    if (f.group_id != request.group_id) refuse(DeliveryErrorCode::kWrongGroup, "another group's");
    const bool member = g.members.count(me_) != 0;
    if (f.external_commit) {
      if (!g.allow_external_join)
        refuse(DeliveryErrorCode::kExternalJoinNotAllowed, "the group is closed");
    } else if (!member) {
      refuse(DeliveryErrorCode::kNotAMember, "not a member");
    }
    const bool commit = f.type == wire::ContentType::kCommit;
    if (f.type != wire::ContentType::kApplication) {
      if (f.epoch < g.epoch) refuse(DeliveryErrorCode::kStaleEpoch, "epoch decided", g.epoch);
      if (f.epoch > g.epoch) refuse(DeliveryErrorCode::kFutureEpoch, "epoch not reached", g.epoch);
    } else if (f.epoch > g.epoch) {
      refuse(DeliveryErrorCode::kFutureEpoch, "epoch not reached", g.epoch);
    }
    if (!commit && (!request.added.empty() || !request.removed.empty() ||
                    !request.welcome.empty() || !request.group_info.empty()))
      refuse(DeliveryErrorCode::kRosterInvalid, "a roster change without a commit");
    for (const auto& d : request.added) {
      if (!s.devices.count(d)) refuse(DeliveryErrorCode::kUnknownDevice, d.user + "/" + d.device);
      if (g.members.count(d)) refuse(DeliveryErrorCode::kRosterInvalid, "adds a member");
    }
    for (const auto& d : request.removed) {
      if (!g.members.count(d) || d == me_)
        refuse(DeliveryErrorCode::kRosterInvalid, "removes a non-member or the committer");
    }
    if (!request.added.empty() && request.welcome.empty())
      refuse(DeliveryErrorCode::kRosterInvalid, "added devices without a Welcome");

    // Everything checked: order it, queue it, apply the roster change.
    SendResult result;
    result.sequence = s.next_sequence++;
    const std::set<DeviceRef> recipients = g.members;
    for (const auto& d : recipients)
      if (d != me_)
        s.enqueue(d, QueueEntry{result.sequence, QueueEntryKind::kMessage, request.group_id,
                                request.message, me_});
    if (commit) {
      ++g.epoch;
      for (const auto& d : request.removed)
        g.members.erase(d);
      for (const auto& d : request.added) {
        g.members.insert(d);
        s.enqueue(d, QueueEntry{result.sequence, QueueEntryKind::kWelcome, request.group_id,
                                request.welcome, me_});
      }
      if (f.external_commit) g.members.insert(me_);
      if (request.group_info.empty())
        g.group_info.reset();
      else
        g.group_info = StoredGroupInfo{request.group_info, g.epoch};
    }
    result.epoch = g.epoch;
    s.sent[key] = {request.message, result};
    s.queued.notify_all();
    return result;
  }

  std::vector<QueueEntry> fetch(uint64_t after, uint32_t limit) override {
    auto& s = state();
    std::lock_guard lock(s.mutex);
    s.check_up();
    auto& device = s.device(me_);
    std::vector<QueueEntry> out;
    const uint64_t from = std::max(after, device.acked);
    for (const auto& e : device.queue) {
      if (e.sequence <= from) continue;
      out.push_back(e);
      if (limit != 0 && out.size() >= limit) break;
    }
    return out;
  }

  void ack(uint64_t cursor) override {
    auto& s = state();
    std::lock_guard lock(s.mutex);
    s.check_up();
    auto& device = s.device(me_);
    device.acked = std::max(device.acked, cursor);
    while (!device.queue.empty() && device.queue.front().sequence <= device.acked)
      device.queue.pop_front();
  }

  StoredGroupInfo fetch_group_info(BytesView group_id) override {
    auto& s = state();
    std::lock_guard lock(s.mutex);
    s.check_up();
    s.device(me_);
    auto& g = s.group(group_id);
    if (!g.members.count(me_) && !g.allow_external_join)
      refuse(DeliveryErrorCode::kExternalJoinNotAllowed, "the group is closed");
    if (!g.group_info) refuse(DeliveryErrorCode::kNoGroupInfo, "no GroupInfo stored");
    return *g.group_info;
  }

  void wait_for_entries(uint64_t after, std::chrono::milliseconds timeout) override {
    auto& s = state();
    std::unique_lock lock(s.mutex);
    s.queued.wait_for(lock, timeout, [&] {
      if (interrupted_) return true;
      auto it = s.devices.find(me_);
      if (it == s.devices.end()) return false;
      const uint64_t from = std::max(after, it->second.acked);
      return std::any_of(it->second.queue.begin(), it->second.queue.end(),
                         [&](const QueueEntry& e) { return e.sequence > from; });
    });
    interrupted_ = false;
  }

  // An interrupt while no wait runs ends the next one at once: one racing the start of a
  // wait is not lost.
  void interrupt_wait() override {
    auto& s = state();
    std::lock_guard lock(s.mutex);
    interrupted_ = true;
    s.queued.notify_all();
  }

 private:
  LocalDeliveryService::State& state() { return *service_->state_; }
  std::shared_ptr<LocalDeliveryService> service_;
  DeviceRef me_;
  Identity identity_;
  bool interrupted_ = false;  // guarded by the service's mutex
};

LocalDeliveryService::LocalDeliveryService() : state_(std::make_unique<State>()) {}
LocalDeliveryService::~LocalDeliveryService() = default;

std::shared_ptr<LocalDeliveryService> LocalDeliveryService::create() {
  return std::shared_ptr<LocalDeliveryService>(new LocalDeliveryService());
}

std::shared_ptr<Transport> LocalDeliveryService::connect() {
  return std::make_shared<LocalTransport>(shared_from_this());
}

uint64_t LocalDeliveryService::epoch(BytesView group_id) const {
  std::lock_guard lock(state_->mutex);
  return state_->group(group_id).epoch;
}

std::vector<DeviceRef> LocalDeliveryService::roster(BytesView group_id) const {
  std::lock_guard lock(state_->mutex);
  const auto& g = state_->group(group_id);
  return {g.members.begin(), g.members.end()};
}

void LocalDeliveryService::set_unavailable(bool unavailable) {
  std::lock_guard lock(state_->mutex);
  state_->unavailable = unavailable;
}

}  // namespace conclave
