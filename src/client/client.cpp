// Client: opening a store, the identity, registration and the KeyPackage stock (RFC 9420 §10,
// RFC 9750 §6), and what every other part of the client uses.
#include "conclave/client/client.h"

#include <algorithm>

#include "client_state.h"
#include "conclave/group/client_records.h"

namespace conclave {

using namespace client_detail;

namespace client_detail {

const Bytes& client_scope() {
  static const Bytes scope{'c'};
  return scope;
}

Bytes outbox_prefix(BytesView group_id) {
  const auto n = static_cast<uint32_t>(group_id.size());
  Bytes out(4 + group_id.size());
  for (size_t i = 0; i < 4; ++i)
    out[i] = static_cast<uint8_t>(n >> (24 - 8 * i));
  std::copy(group_id.begin(), group_id.end(), out.begin() + 4);
  return out;
}

Bytes outbox_group_of(const Bytes& record_id) {
  if (record_id.size() < 12) throw Error(ErrorCode::kStorageCorrupt, "an outbox record id");
  size_t n = 0;
  for (size_t i = 0; i < 4; ++i)
    n = (n << 8) | record_id[i];
  if (record_id.size() != 4 + n + 8) throw Error(ErrorCode::kStorageCorrupt, "an outbox record id");
  return Bytes(record_id.data() + 4, record_id.data() + 4 + n);
}

WireDevice to_wire(const DeviceRef& d) {
  return WireDevice{to_bytes(d.user), to_bytes(d.device)};
}
DeviceRef from_wire(const WireDevice& d) {
  return DeviceRef{text_of(d.user), text_of(d.device)};
}

SendRequest to_request(const OutboxRecord& r) {
  SendRequest req;
  req.group_id = r.group_id;
  req.message = r.message;
  req.client_message_id = r.client_message_id;
  for (const auto& d : r.added)
    req.added.push_back(from_wire(d));
  for (const auto& d : r.removed)
    req.removed.push_back(from_wire(d));
  req.welcome = r.welcome;
  req.group_info = r.group_info;
  return req;
}

}  // namespace client_detail

namespace {

constexpr std::string_view kIdentityName = "client";

}  // namespace

Client::Client(std::unique_ptr<State> state) : state_(std::move(state)) {}
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;
Client::~Client() = default;

Client Client::open(std::shared_ptr<const crypto::CryptoProvider> provider,
                    std::shared_ptr<storage::StorageProvider> store,
                    std::shared_ptr<Transport> transport, ClientOptions options) {
  if (!provider || !store || !transport)
    throw Error(ErrorCode::kInvalidArgument, "a client needs a provider, a store and a transport");
  // RFC 9420 §5.3.1: every member's credential is checked by the application's
  // Authentication Service; a client without one would admit anybody.
  if (!options.policy.credential_validator)
    throw Error(ErrorCode::kCredentialValidatorMissing,
                "ClientOptions::policy.credential_validator is not set");
  auto s = std::make_unique<State>();
  s->provider = provider;
  s->store = store;
  s->transport = std::move(transport);

  const auto stored = store->get({client_scope(), kClientRecord, {}});
  if (stored) {
    try {
      s->record = codec::decode<ClientRecord>(stored->view());
    } catch (const Error& e) {
      throw Error(ErrorCode::kStorageCorrupt, std::string("the client record: ") + e.what());
    }
    if (!options.user.empty() && options.user != text_of(s->record.user))
      throw Error(ErrorCode::kInvalidArgument,
                  "the store belongs to user " + text_of(s->record.user) + ", not " + options.user);
    auto identity = load_identity(*store, kIdentityName);
    if (!identity) throw Error(ErrorCode::kStorageCorrupt, "the client's identity is missing");
    s->identity = std::move(*identity);
  } else {
    if (options.user.empty())
      throw Error(ErrorCode::kInvalidArgument, "a new client needs ClientOptions::user");
    if (options.device.empty())
      throw Error(ErrorCode::kInvalidArgument, "a new client needs ClientOptions::device");
    if (options.identity) {
      s->identity = *options.identity;
    } else {
      const crypto::Suite suite(provider, options.cipher_suite);
      s->identity =
          Identity::generate(suite, options.credential.value_or(basic_credential(options.user)));
    }
    s->record.user = to_bytes(options.user);
    s->record.device = to_bytes(options.device);
    // The identity first: a client record without one would be unusable.
    store_identity(*store, kIdentityName, s->identity);
    s->save_record();
  }
  s->me = DeviceRef{text_of(s->record.user), text_of(s->record.device)};
  s->options = std::move(options);
  s->suite.emplace(provider, s->identity.cipher_suite);
  s->key_packages = KeyPackageStore::open(provider, store);
  for (const Bytes& id : Group::stored_groups(*store))
    s->groups.emplace(id, Group::load(provider, store, id, s->policy()));
  s->wait_cursor = s->record.acked;
  s->transport->bind(s->me, s->identity);
  return Client(std::move(s));
}

const DeviceRef& Client::device() const {
  return state_->me;
}
const Identity& Client::identity() const {
  return state_->identity;
}

void Client::on_event(std::function<void(const Event&)> handler) {
  state_->on_event = std::move(handler);
}
void Client::set_commit_filter(std::function<bool(BytesView, const StagedCommit&)> filter) {
  state_->commit_filter = std::move(filter);
}

void Client::register_device() {
  State& s = *state_;
  s.transport->register_device();
  if (!s.record.registered) {
    s.record.registered = 1;
    s.save_record();
  }
  replenish_key_packages();
}

size_t Client::replenish_key_packages() {
  State& s = *state_;
  if (!s.record.registered) throw Error(ErrorCode::kNotRegistered, "register the device first");
  size_t one_time = 0;
  bool have_last_resort = false;
  const uint64_t now = s.now();
  for (const Bytes& ref : s.key_packages.refs()) {
    const KeyPackageBundle* b = s.key_packages.find(ref);
    if (!b) continue;
    // Expired packages are of no use to anyone: the service drops them too.
    if (b->key_package.leaf_node.lifetime.not_after < now) {
      s.key_packages.remove(ref);
      continue;
    }
    if (is_last_resort(b->key_package))
      have_last_resort = true;
    else
      ++one_time;
  }
  std::vector<KeyPackageBundle> fresh;
  KeyPackageOptions kp_options = s.leaf_options();
  if (one_time * 2 < s.options.key_package_stock) {
    for (size_t i = one_time; i < s.options.key_package_stock; ++i)
      fresh.push_back(create_key_package(*s.suite, s.identity, now, kp_options));
  }
  if (s.options.last_resort_key_package && !have_last_resort) {
    kp_options.last_resort = true;
    fresh.push_back(create_key_package(*s.suite, s.identity, now, kp_options));
  }
  if (fresh.empty()) return 0;
  // Stored before they are published: a Welcome may arrive for any published package.
  std::vector<Bytes> encoded;
  for (auto& b : fresh) {
    encoded.push_back(wire::MlsMessage{b.key_package}.to_bytes());
    s.key_packages.add(*s.suite, std::move(b));
  }
  s.transport->publish_key_packages(encoded);
  return encoded.size();
}

std::vector<Bytes> Client::groups() const {
  std::vector<Bytes> out;
  for (const auto& [id, g] : state_->groups)
    if (g.active()) out.push_back(id);
  return out;
}

bool Client::has_group(BytesView group_id) const {
  return state_->groups.count(to_bytes(group_id)) != 0;
}

const Group& Client::group(BytesView group_id) const {
  return state_->group(group_id);
}

std::vector<Member> Client::members(BytesView group_id) const {
  const Group& g = state_->group(group_id);
  std::vector<Member> out;
  for (const MemberInfo& m : g.members()) {
    const wire::LeafNode* leaf = g.tree().leaf(m.leaf);
    out.push_back(
        Member{m.leaf, state_->device_of(*leaf), m.signature_key, m.leaf == g.own_leaf()});
  }
  return out;
}

// --- State ---

void Client::State::save_record() {
  storage::WriteBatch batch;
  batch.put(client_scope(), kClientRecord, {}, codec::encode_secret(record));
  store->apply(batch);
}

void Client::State::emit(Event event) const {
  if (on_event) on_event(event);
}

Group& Client::State::group(BytesView group_id) {
  auto it = groups.find(to_bytes(group_id));
  if (it == groups.end())
    throw Error(ErrorCode::kUnknownGroup,
                "this client holds no group " + std::string(group_id.begin(), group_id.end()));
  return it->second;
}

KeyPackageOptions Client::State::leaf_options() const {
  KeyPackageOptions o = key_package_options_for(options.group_config);
  o.leaf_extensions.push_back(
      wire::Extension{static_cast<wire::ExtensionType>(kDeviceNameExtensionType),
                      codec::encode(to_bytes(me.device))});
  return o;
}

GroupPolicy Client::State::policy() const {
  return options.policy;
}

DeviceRef Client::State::device_of(const wire::LeafNode& leaf) const {
  DeviceRef d;
  if (options.user_of)
    d.user = options.user_of(leaf.credential);
  else if (const Bytes* identity = leaf.credential.identity())
    d.user = std::string(identity->begin(), identity->end());
  if (const auto* ext = wire::find_extension(
          leaf.extensions, static_cast<wire::ExtensionType>(kDeviceNameExtensionType))) {
    try {
      const Bytes name = codec::decode<Bytes>(ext->extension_data);
      d.device = std::string(name.begin(), name.end());
    } catch (const Error&) {
      // A malformed name leaves the device unnamed; the member is still shown.
    }
  }
  return d;
}

uint64_t Client::State::now() const {
  return options.policy.clock ? options.policy.clock() : unix_time_now();
}

}  // namespace conclave
