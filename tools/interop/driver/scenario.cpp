#include "scenario.h"

#include <algorithm>
#include <map>

#include "conclave/base/error.h"
#include "conclave/codec/codec.h"
#include "conclave/wire/message.h"

namespace interop_driver {

using namespace mls_client;

namespace {

std::string hex_prefix(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < bytes.size() && i < 8; ++i) {
    out.push_back(digits[static_cast<uint8_t>(bytes[i]) >> 4]);
    out.push_back(digits[static_cast<uint8_t>(bytes[i]) & 15]);
  }
  return out + (bytes.size() > 8 ? "..." : "");
}

}  // namespace

Member& Group::at(const std::string& name) {
  for (auto& m : members)
    if (m.name == name) return m;
  throw CheckFailed("driver: no member " + name);
}

bool Group::has(const std::string& name) const {
  return std::any_of(members.begin(), members.end(), [&](auto& m) { return m.name == name; });
}

void Group::erase(const std::string& name) {
  std::erase_if(members, [&](const Member& m) { return m.name == name; });
}

void expect_error(const grpc::Status& status, const std::string& what) {
  if (status.ok()) throw CheckFailed(what + ": OK where an error was expected");
}

Scenario::Scenario(std::vector<Client*> servers, uint16_t suite, bool encrypt, uint32_t seed)
    : servers_(std::move(servers)), suite_(suite), encrypt_(encrypt), rng_(seed) {}

Scenario::~Scenario() {
  for (auto& [client, state] : owned_) {
    FreeRequest request;
    request.set_state_id(state);
    FreeResponse response;
    // Not counted toward coverage either way, and a state a server already dropped (a
    // replaced or freed one) is no failure here.
    (void)client->try_call("Free", &Stub::Free, request, &response);
  }
}

Client& Scenario::home(const std::string& name) const {
  static const std::map<std::string, size_t> homes = {
      {"alice", 0}, {"bob", 1},   {"carol", 2}, {"dave", 0}, {"eve", 1}, {"frank", 2},
      {"grace", 0}, {"heidi", 1}, {"ivan", 2},  {"judy", 0}, {"ds", 2},  {"ds2", 0},
  };
  auto it = homes.find(name);
  size_t index = it != homes.end() ? it->second : std::hash<std::string>()(name);
  return server(index);
}

std::string Scenario::random_bytes(size_t n) {
  std::string out(n, '\0');
  for (auto& c : out)
    c = static_cast<char>(rng_() & 0xff);
  return out;
}

std::string Scenario::group_id() {
  return "conclave-interop-" + std::to_string(suite_) + (encrypt_ ? "-private-" : "-public-") +
         std::to_string(++counter_) + "-" + random_bytes(4);
}

Group Scenario::create_group(const std::string& creator) {
  step(creator + " creates the group");
  Client& client = home(creator);
  CreateGroupRequest request;
  request.set_group_id(group_id());
  request.set_cipher_suite(suite_);
  request.set_encrypt_handshake(encrypt_);
  request.set_identity(creator);
  auto response = RPC(client, CreateGroup, request);
  track(client, response.state_id());
  Group group;
  group.members.push_back({creator, &client, response.state_id()});
  StateAuthRequest auth;
  auth.set_state_id(response.state_id());
  group.epoch_authenticator = RPC(client, StateAuth, auth).state_auth_secret();
  return group;
}

Joiner Scenario::key_package(const std::string& name, uint16_t suite) {
  Client& client = home(name);
  CreateKeyPackageRequest request;
  request.set_cipher_suite(suite ? suite : suite_);
  request.set_identity(name);
  auto response = RPC(client, CreateKeyPackage, request);
  check_wire_format(response.key_package(), kKeyPackage, name + "'s KeyPackage");
  return {name, &client, response.transaction_id(), response.key_package()};
}

Group Scenario::make_group(const std::vector<std::string>& names) {
  Group group = create_group(names.at(0));
  if (names.size() > 1) {
    std::vector<Joiner> joiners;
    CommitSpec spec;
    for (size_t i = 1; i < names.size(); ++i) {
      joiners.push_back(key_package(names[i]));
      spec.by_value.push_back(add_description(joiners.back().key_package));
    }
    step(names[0] + " adds the first members");
    commit(group, names[0], spec, joiners);
  }
  verify(group);
  return group;
}

CommitResult Scenario::commit(Group& group, const std::string& committer, const CommitSpec& spec,
                              const std::vector<Joiner>& joiners) {
  Member& from = group.at(committer);
  CommitRequest request;
  request.set_state_id(from.state);
  for (auto& p : spec.by_reference)
    request.add_by_reference(p);
  for (auto& d : spec.by_value)
    *request.add_by_value() = d;
  request.set_force_path(spec.force_path);
  request.set_external_tree(spec.external_tree);
  auto response = RPC(*from.client, Commit, request);
  check_wire_format(response.commit(), handshake_format(), "the commit of " + committer);
  if (!joiners.empty()) check_wire_format(response.welcome(), kWelcome, "the Welcome");
  if (spec.external_tree && !joiners.empty())
    check(!response.ratchet_tree().empty(), "Commit with external_tree returned no ratchet_tree");

  CommitResult result{response.commit(), response.welcome(), response.ratchet_tree(), ""};
  HandlePendingCommitRequest pending;
  pending.set_state_id(from.state);
  auto merged = RPC(*from.client, HandlePendingCommit, pending);
  from.state = merged.state_id();
  track(*from.client, from.state);
  result.epoch_authenticator = merged.epoch_authenticator();
  check(!result.epoch_authenticator.empty(), "HandlePendingCommit returned no epoch_authenticator");
  check(result.epoch_authenticator != group.epoch_authenticator,
        "the epoch authenticator did not change with the commit");

  for (auto& name : spec.removed)
    group.erase(name);
  for (auto& m : group.members) {
    if (m.name == committer) continue;
    HandleCommitRequest handle;
    handle.set_state_id(m.state);
    for (auto& p : spec.by_reference)
      handle.add_proposal(p);
    handle.set_commit(response.commit());
    auto handled = RPC(*m.client, HandleCommit, handle);
    m.state = handled.state_id();
    track(*m.client, m.state);
    check(handled.epoch_authenticator() == result.epoch_authenticator,
          m.name + "'s epoch authenticator after HandleCommit differs from " + committer + "'s");
  }
  group.epoch_authenticator = result.epoch_authenticator;
  for (auto& j : joiners)
    join(group, j, response.welcome(), spec.external_tree ? response.ratchet_tree() : "");
  return result;
}

void Scenario::join(Group& group, const Joiner& joiner, const std::string& welcome,
                    const std::string& ratchet_tree) {
  JoinGroupRequest request;
  request.set_transaction_id(joiner.transaction);
  request.set_welcome(welcome);
  request.set_encrypt_handshake(encrypt_);
  request.set_identity(joiner.name);
  request.set_ratchet_tree(ratchet_tree);
  auto joined = RPC(*joiner.client, JoinGroup, request);
  track(*joiner.client, joined.state_id());
  check(joined.epoch_authenticator() == group.epoch_authenticator,
        joiner.name + "'s epoch authenticator after JoinGroup differs from the group's");
  group.members.push_back({joiner.name, joiner.client, joined.state_id()});
}

void Scenario::handle_commit_everywhere(Group& group, const std::string& commit,
                                        const std::string& auth, const std::string& except,
                                        const std::vector<std::string>& proposals) {
  for (auto& m : group.members) {
    if (m.name == except) continue;
    HandleCommitRequest handle;
    handle.set_state_id(m.state);
    for (auto& p : proposals)
      handle.add_proposal(p);
    handle.set_commit(commit);
    auto handled = RPC(*m.client, HandleCommit, handle);
    m.state = handled.state_id();
    track(*m.client, m.state);
    check(handled.epoch_authenticator() == auth,
          m.name + "'s epoch authenticator after HandleCommit differs from the committer's");
  }
  group.epoch_authenticator = auth;
}

void Scenario::verify(Group& group) {
  std::string saved = step_;
  step_ = saved + " / verify group state";
  // One authentication secret.
  for (auto& m : group.members) {
    StateAuthRequest request;
    request.set_state_id(m.state);
    auto auth = RPC(*m.client, StateAuth, request).state_auth_secret();
    check(!auth.empty(), m.name + "'s StateAuth is empty");
    check(auth == group.epoch_authenticator, m.name + "'s StateAuth " + hex_prefix(auth) +
                                                 " differs from the group's " +
                                                 hex_prefix(group.epoch_authenticator));
  }
  // One exported secret.
  std::string exported;
  for (auto& m : group.members) {
    ExportRequest request;
    request.set_state_id(m.state);
    request.set_label("conclave interop");
    request.set_context("context " + std::to_string(group.members.size()));
    request.set_key_length(42);
    auto secret = RPC(*m.client, Export, request).exported_secret();
    check(secret.size() == 42,
          m.name + "'s Export returned " + std::to_string(secret.size()) + " bytes instead of 42");
    if (exported.empty()) exported = secret;
    check(secret == exported,
          m.name + "'s exported secret differs from " + group.members.front().name + "'s");
  }
  // Every member's message reaches every other member with its authenticated data.
  for (auto& sender : group.members) {
    ProtectRequest protect;
    protect.set_state_id(sender.state);
    protect.set_authenticated_data("aad of " + sender.name + " " + random_bytes(3));
    protect.set_plaintext("hello from " + sender.name + " " + random_bytes(16));
    auto ciphertext = RPC(*sender.client, Protect, protect).ciphertext();
    check_wire_format(ciphertext, kPrivateMessage, sender.name + "'s application message");
    for (auto& receiver : group.members) {
      if (receiver.name == sender.name) continue;
      UnprotectRequest unprotect;
      unprotect.set_state_id(receiver.state);
      unprotect.set_ciphertext(ciphertext);
      auto opened = RPC(*receiver.client, Unprotect, unprotect);
      check(opened.plaintext() == protect.plaintext(),
            receiver.name + " read another plaintext from " + sender.name + "'s message");
      check(opened.authenticated_data() == protect.authenticated_data(),
            receiver.name + " read other authenticated data from " + sender.name + "'s message");
    }
  }
  step_ = saved;
}

void Scenario::check_wire_format(const std::string& message, uint16_t format,
                                 const std::string& what) {
  static const char* names[] = {"?",       "PublicMessage", "PrivateMessage",
                                "Welcome", "GroupInfo",     "KeyPackage"};
  check(message.size() >= 4, what + " is " + std::to_string(message.size()) + " bytes");
  auto byte = [&](size_t i) { return static_cast<uint8_t>(message[i]); };
  uint16_t version = static_cast<uint16_t>(byte(0) << 8 | byte(1));
  uint16_t got = static_cast<uint16_t>(byte(2) << 8 | byte(3));
  check(version == 1, what + " has protocol version " + std::to_string(version));
  check(got == format, what + " is wire format " + std::to_string(got) + " instead of " +
                           std::to_string(format) + " (" + names[format] + ")");
}

Extension Scenario::extension(uint16_t type, std::string data) {
  Extension e;
  e.set_extension_type(type);
  e.set_extension_data(std::move(data));
  return e;
}

ProposalDescription Scenario::add_description(const std::string& key_package) {
  ProposalDescription d;
  d.set_proposal_type("add");
  d.set_key_package(key_package);
  return d;
}

ProposalDescription Scenario::remove_description(const std::string& identity) {
  ProposalDescription d;
  d.set_proposal_type("remove");
  d.set_removed_id(identity);
  return d;
}

ProposalDescription Scenario::external_psk_description(const std::string& psk_id) {
  ProposalDescription d;
  d.set_proposal_type("externalPSK");
  d.set_psk_id(psk_id);
  return d;
}

ProposalDescription Scenario::resumption_psk_description(uint64_t epoch) {
  ProposalDescription d;
  d.set_proposal_type("resumptionPSK");
  d.set_epoch_id(epoch);
  return d;
}

ProposalDescription Scenario::gce_description(const std::vector<Extension>& extensions) {
  ProposalDescription d;
  d.set_proposal_type("groupContextExtensions");
  for (auto& e : extensions)
    *d.add_extensions() = e;
  return d;
}

Scenario::ContextView Scenario::context_of(const Member& member) {
  GroupInfoRequest request;
  request.set_state_id(member.state);
  auto response = RPC(*member.client, GroupInfo, request);
  check_wire_format(response.group_info(), kGroupInfo, member.name + "'s GroupInfo");
  ContextView view;
  try {
    auto bytes = conclave::Bytes(response.group_info().begin(), response.group_info().end());
    auto message = conclave::codec::decode<conclave::wire::MlsMessage>(bytes);
    const auto* info = message.get<conclave::wire::GroupInfo>();
    check(info != nullptr, member.name + "'s GroupInfo is not a GroupInfo");
    view.cipher_suite = info->group_context.cipher_suite;
    view.epoch = info->group_context.epoch;
    view.group_id.assign(info->group_context.group_id.begin(), info->group_context.group_id.end());
    for (auto& e : info->group_context.extensions) {
      view.extensions.push_back({static_cast<uint16_t>(e.extension_type),
                                 std::string(e.extension_data.begin(), e.extension_data.end())});
    }
    for (auto& e : info->extensions)
      if (e.extension_type == conclave::wire::ExtensionType::kRatchetTree)
        view.ratchet_tree_in_group_info = true;
  } catch (const conclave::Error& e) {
    throw CheckFailed(member.name + "'s GroupInfo does not decode: " + e.what());
  }
  return view;
}

}  // namespace interop_driver
