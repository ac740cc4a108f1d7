// The fixture of the extensions draft's application-data tests (§Updating Application Data in
// the GroupContext, §Attaching Application Data to a Commit, §AppAck): Alice (leaf 0), Bob (1)
// and Carol (2), whose leaves support the app_data_dictionary extension and whose policies
// register three components; the GroupContext lists an external sender (the "DS").
#pragma once

#include <string>
#include <vector>

#include "group/negative_test_util.h"

namespace conclave::group_testing {

// The components every member registers.
inline constexpr wire::ComponentId kLog = 0x8001;      // update: appends; 0xff vetoes
inline constexpr wire::ComponentId kPlain = 0x8002;    // no hooks: the last update wins
inline constexpr wire::ComponentId kChecked = 0x8003;  // ephemeral: 0xff-first data vetoed
inline constexpr wire::ComponentId kUnknown = 0x9999;  // registered by nobody
inline constexpr uint8_t kVeto = 0xff;

// kLog's update logic: the current data followed by each update, in the order given; an update
// starting with kVeto makes the whole list invalid. Deterministic, so every member agrees.
inline std::optional<Bytes> log_update(std::optional<BytesView> current,
                                       const std::vector<Bytes>& updates) {
  Bytes out = current ? to_bytes(*current) : Bytes{};
  for (const Bytes& u : updates) {
    if (!u.empty() && u[0] == kVeto) return std::nullopt;
    out.insert(out.end(), u.begin(), u.end());
  }
  return out;
}

inline bool checked_ephemeral(BytesView data) {
  return data.empty() || data[0] != kVeto;
}

// The application's registry; `permissive`: kLog and kChecked accept everything (a member
// whose logic differs, to make genuine messages the others refuse), `extra`: one more
// component.
inline GroupPolicy app_policy(bool permissive = false,
                              std::optional<wire::ComponentId> extra = std::nullopt) {
  GroupPolicy policy = accept_any_policy();
  AppComponent log{kLog, log_update, nullptr};
  AppComponent checked{kChecked, nullptr, checked_ephemeral};
  if (permissive) {
    log.update = [](std::optional<BytesView> current, const std::vector<Bytes>& updates) {
      Bytes out = current ? to_bytes(*current) : Bytes{};
      for (const Bytes& u : updates)
        out.insert(out.end(), u.begin(), u.end());
      return std::optional<Bytes>(std::move(out));
    };
    checked.ephemeral = nullptr;
  }
  policy.components = {log, AppComponent{kPlain, nullptr, nullptr}, checked};
  if (extra) policy.components.push_back(AppComponent{*extra, nullptr, nullptr});
  return policy;
}

inline KeyPackageOptions app_data_leaf() {
  KeyPackageOptions o;
  o.extension_types = {wire::ExtensionType::kAppDataDictionary};
  return o;
}

inline wire::AppDataUpdate update_of(wire::ComponentId id, const std::string& hex) {
  return wire::AppDataUpdate{id, wire::AppDataUpdateOperation::kUpdate, from_hex(hex)};
}
inline wire::AppDataUpdate remove_of(wire::ComponentId id) {
  return wire::AppDataUpdate{id, wire::AppDataUpdateOperation::kRemove, {}};
}

class AppDataTest : public NegativeGroupTest {
 protected:
  void SetUp() override { build_app_group(public_handshakes()); }

  // `config` for everyone; `more_extensions` join the GroupContext's at creation.
  void build_app_group(GroupConfig config, wire::ExtensionList more_extensions = {}) {
    config_ = config;
    alice = make_client(suite, "alice", app_data_leaf());
    bob = make_client(suite, "bob", app_data_leaf());
    carol = make_client(suite, "carol", app_data_leaf());
    CreateOptions create;
    create.config = config;
    create.leaf = app_data_leaf();
    create.extensions = {
        external_senders_extension({wire::ExternalSender{ds.signature_public_key, ds.credential}})};
    for (auto& e : more_extensions)
      create.extensions.push_back(std::move(e));
    a.emplace(Group::create(provider, alice.identity, create, app_policy()));
    CommitOptions add;
    add.add = {bob.key_package.key_package, carol.key_package.key_package};
    const CommitOutput out = a->commit(add);
    a->merge_pending_commit();
    b.emplace(Group::join(provider, bob.identity, bob.key_package, *out.welcome, std::nullopt,
                          config, app_policy()));
    c.emplace(Group::join(provider, carol.identity, carol.key_package, *out.welcome, std::nullopt,
                          config, app_policy()));
    ASSERT_EQ(a->epoch_authenticator(), c->epoch_authenticator());
  }

  // A copy of `member` whose application logic is `policy` (its state unchanged).
  static Group with_policy(const Group& member, GroupPolicy policy) {
    Group copy = member;
    copy.set_policy(std::move(policy));
    return copy;
  }

  // `message` received by every member but its sender (`except`).
  void receive_all(const wire::MlsMessage& message, const Group* except) {
    for (Group* g : {&*a, &*b, &*c})
      if (g != except) std::get<ReceivedProposal>(g->process(over_the_wire(message)));
  }

  // Bob and Carol stage Alice's genuine commit `g` (their StagedCommits returned), then all
  // three merge it and agree on the epoch and on the app_data_dictionary.
  std::vector<StagedCommit> everyone_takes(GenuineCommit& g) {
    std::vector<StagedCommit> staged;
    for (Group* r : {&*b, &*c})
      staged.push_back(std::get<StagedCommit>(r->process(over_the_wire(g.out.commit))));
    b->merge(staged[0]);
    c->merge(staged[1]);
    g.committer.merge_pending_commit();
    a.emplace(std::move(g.committer));
    for (const Group* r : {&*b, &*c}) {
      EXPECT_EQ(r->epoch_authenticator(), a->epoch_authenticator());
      EXPECT_EQ(r->context(), a->context());
      EXPECT_EQ(r->app_data_dictionary(), a->app_data_dictionary());
    }
    return staged;
  }

  // Alice's commit with `options`, without an UpdatePath unless the proposals need one.
  GenuineCommit commit_without_path(const CommitOptions& options = {}) const {
    Group committer = *a;
    GroupConfig config = committer.config();
    EXPECT_EQ(config.always_send_path, 0) << "build the group with always_send_path = 0";
    Forger forger(suite, committer);
    CommitOutput out = committer.commit(options);
    return GenuineCommit{std::move(committer), std::move(forger), std::move(out)};
  }

  Identity ds = Identity::generate(suite, basic_credential("ds"));
};

inline GroupConfig public_without_path() {
  GroupConfig config = public_handshakes();
  config.always_send_path = 0;
  return config;
}

inline CommitOptions app_updates(std::vector<wire::AppDataUpdate> updates) {
  CommitOptions o;
  o.app_data_updates = std::move(updates);
  return o;
}
inline CommitOptions app_ephemerals(std::vector<wire::AppEphemeral> ephemerals) {
  CommitOptions o;
  o.app_ephemerals = std::move(ephemerals);
  return o;
}

}  // namespace conclave::group_testing
