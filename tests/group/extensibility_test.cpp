// Extensibility (RFC 9420 §13): custom proposal types registered in the GroupConfig (§13.2,
// §12.2, §12.4), custom extensions in the GroupContext, leaves and KeyPackages (§7.2, §11.1,
// §13.4) and GREASE (§13.5). End-to-end tests end with every member agreeing on the
// epoch_authenticator (§8.7); negative ones check the receiver's state is unchanged.
#include <gtest/gtest.h>

#include <algorithm>

#include "conclave/schedule/detail/welcome.h"
#include "group/negative_test_util.h"

namespace conclave::group_testing {
namespace {

constexpr uint16_t kCustomProposalValue = 0xF0A1;  // private-use range (§17.4)
constexpr auto kCustomProposal = static_cast<wire::ProposalType>(kCustomProposalValue);
constexpr auto kCustomExtension = static_cast<wire::ExtensionType>(0xF0A2);  // §17.3
constexpr auto kOtherExtension = static_cast<wire::ExtensionType>(0xF0A3);

template <class T>
bool lists(const std::vector<T>& list, T value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

template <class T>
size_t grease_count(const std::vector<T>& list) {
  return static_cast<size_t>(std::count_if(
      list.begin(), list.end(), [](T v) { return wire::is_grease(static_cast<uint16_t>(v)); }));
}

size_t grease_extensions(const wire::ExtensionList& list) {
  return static_cast<size_t>(std::count_if(list.begin(), list.end(), [](const wire::Extension& e) {
    return wire::is_grease(static_cast<uint16_t>(e.extension_type));
  }));
}

// PublicMessage handshakes (so a Forger can re-sign), no UpdatePath unless required, and the
// custom proposal type registered with the given path rule.
GroupConfig registered(uint8_t requires_path) {
  GroupConfig config = public_handshakes();
  config.always_send_path = 0;
  config.custom_proposals = {CustomProposalType{kCustomProposalValue, requires_path}};
  return config;
}

class Extensibility : public ::testing::TestWithParam<uint16_t> {
 protected:
  struct Member {
    KeyPackageOptions key_package;  // Bob's and Carol's KeyPackages
    GroupConfig config;
  };

  // Alice creates the group with `create`; she adds Bob and Carol, who join with their configs.
  void build(const CreateOptions& create, const Member& bob_member, const Member& carol_member) {
    alice = make_client(suite, "alice");
    bob = make_client(suite, "bob", bob_member.key_package);
    carol = make_client(suite, "carol", carol_member.key_package);
    a.emplace(Group::create(provider, alice.identity, create, accept_any_policy()));
    CommitOptions add;
    add.add = {bob.key_package.key_package, carol.key_package.key_package};
    const CommitOutput out = a->commit(add);
    a->merge_pending_commit();
    b.emplace(Group::join(provider, bob.identity, bob.key_package, *out.welcome, std::nullopt,
                          bob_member.config, accept_any_policy()));
    c.emplace(Group::join(provider, carol.identity, carol.key_package, *out.welcome, std::nullopt,
                          carol_member.config, accept_any_policy()));
    expect_agreement();
  }

  // Everyone registers the custom proposal type (with `requires_path`) and supports it.
  void build_registered(uint8_t requires_path) {
    const GroupConfig config = registered(requires_path);
    CreateOptions create;
    create.config = config;
    build(create, {key_package_options_for(config), config},
          {key_package_options_for(config), config});
  }

  // `committer` commits `options`; each receiver processes and merges it. Returns the staged
  // commit of the first receiver.
  StagedCommit commit_to_all(Group& committer, const CommitOptions& options,
                             std::initializer_list<Group*> receivers) {
    const CommitOutput out = committer.commit(options);
    std::optional<StagedCommit> first;
    for (Group* g : receivers) {
      ProcessResult result = g->process(over_the_wire(out.commit));
      EXPECT_TRUE(std::holds_alternative<StagedCommit>(result));
      StagedCommit staged = std::get<StagedCommit>(std::move(result));
      if (!first) first = staged;
      g->merge(std::move(staged));
    }
    committer.merge_pending_commit();
    return std::move(*first);
  }

  void expect_agreement() {
    ASSERT_EQ(a->epoch(), b->epoch());
    ASSERT_EQ(a->epoch(), c->epoch());
    EXPECT_EQ(a->epoch_authenticator(), b->epoch_authenticator());
    EXPECT_EQ(a->epoch_authenticator(), c->epoch_authenticator());
  }

  std::shared_ptr<const crypto::CryptoProvider> provider = crypto::openssl_provider();
  crypto::Suite suite{provider, GetParam()};
  Client alice, bob, carol;
  std::optional<Group> a, b, c;
};

// --- custom proposals (§13.2) --------------------------------------------------------------------

// §13.2, §12.4: a custom proposal sent by Bob and committed by reference by Alice; the type is
// registered as not requiring a path, so the Commit has none, and every receiver's StagedCommit
// exposes the proposal with its sender.
TEST_P(Extensibility, Rfc13_2_CustomProposalCommittedByReference) {
  build_registered(0);
  const Bytes data = to_bytes("custom payload");
  const wire::MlsMessage proposal = b->propose_custom(kCustomProposal, data);
  for (Group* g : {&*a, &*c}) {
    const ProcessResult r = g->process(over_the_wire(proposal));
    ASSERT_TRUE(std::holds_alternative<ReceivedProposal>(r));
    EXPECT_EQ(std::get<ReceivedProposal>(r).proposal.proposal_type(), kCustomProposal);
  }
  const StagedCommit staged = commit_to_all(*a, {}, {&*b, &*c});
  EXPECT_FALSE(staged.has_path());  // §12.4: registered requires_path = 0
  ASSERT_EQ(staged.custom_proposals().size(), 1u);
  EXPECT_EQ(staged.custom_proposals()[0].sender, wire::Sender::member(b->own_leaf().value));
  EXPECT_EQ(staged.custom_proposals()[0].proposal, (wire::CustomProposal{kCustomProposal, data}));
  expect_agreement();
}

// §13.2, §12.4: a custom proposal by value; registered as requiring a path, so the Commit
// carries one even though the configuration would leave it out.
TEST_P(Extensibility, Rfc13_2_CustomProposalCommittedByValue) {
  build_registered(1);
  CommitOptions options;
  options.custom_proposals = {{kCustomProposal, to_bytes("by value")}};
  const StagedCommit staged = commit_to_all(*a, options, {&*b, &*c});
  EXPECT_TRUE(staged.has_path());
  ASSERT_EQ(staged.custom_proposals().size(), 1u);
  EXPECT_EQ(staged.custom_proposals()[0].sender, wire::Sender::member(a->own_leaf().value));
  EXPECT_EQ(staged.custom_proposals()[0].proposal.data, to_bytes("by value"));
  expect_agreement();
}

// §12.4: the path rule of a custom type is the registered one. Bob registers it as requiring a
// path; Alice's commit without one is rejected by Bob (state unchanged) and accepted by Carol.
TEST_P(Extensibility, Rfc12_4_RegisteredPathRuleIsEnforcedOnReceipt) {
  const GroupConfig lax = registered(0);
  const GroupConfig strict = registered(1);
  CreateOptions create;
  create.config = lax;
  build(create, {key_package_options_for(strict), strict}, {key_package_options_for(lax), lax});
  CommitOptions options;
  options.custom_proposals = {{kCustomProposal, to_bytes("x")}};
  const CommitOutput out = a->commit(options);
  EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kPathRequired,
                                [&] { b->process(over_the_wire(out.commit)); }));
  const ProcessResult r = c->process(over_the_wire(out.commit));
  ASSERT_TRUE(std::holds_alternative<StagedCommit>(r));
  EXPECT_FALSE(std::get<StagedCommit>(r).has_path());
}

// §13.2: a member rejects a custom proposal of a type it has not registered, on its own and in
// a Commit by value, even though its leaf lists the type; the group stays as it was.
TEST_P(Extensibility, Rfc13_2_UnregisteredCustomProposalIsRejected) {
  const GroupConfig config = registered(1);
  GroupConfig unregistered = config;
  unregistered.custom_proposals.clear();
  CreateOptions create;
  create.config = config;
  build(create, {key_package_options_for(config), config},
        {key_package_options_for(config), unregistered});
  const auto proposal = b->propose_custom(kCustomProposal, to_bytes("p"));
  EXPECT_TRUE(rejects_unchanged(*c, ErrorCode::kProposalTypeUnsupported,
                                [&] { c->process(over_the_wire(proposal)); }));
  CommitOptions options;
  options.custom_proposals = {{kCustomProposal, to_bytes("v")}};
  const CommitOutput out = a->commit(options);
  EXPECT_TRUE(rejects_unchanged(*c, ErrorCode::kProposalTypeUnsupported,
                                [&] { c->process(over_the_wire(out.commit)); }));
  // Carol cannot send it either.
  EXPECT_TRUE(rejects_unchanged(*c, ErrorCode::kProposalTypeUnsupported,
                                [&] { c->propose_custom(kCustomProposal, to_bytes("p")); }));
}

// §13.2, §13.5: propose_custom refuses default types, the reserved 0 and GREASE values (which
// "MUST NOT be sent in Proposal.proposal_type"), and the extensions draft's types (8-10, §IANA
// Considerations: structs of their own); a received proposal of a GREASE type is an
// unsupported type like any other.
TEST_P(Extensibility, Rfc13_5_GreaseAndDefaultProposalTypesAreNotCustom) {
  build_registered(1);
  for (const uint16_t type : {uint16_t{0}, uint16_t{1}, uint16_t{7}, uint16_t{8}, uint16_t{9},
                              uint16_t{10}, uint16_t{0x0A0A}, uint16_t{0xEAEA}})
    EXPECT_TRUE(rejects_unchanged(*a, ErrorCode::kInvalidArgument, [&] {
      a->propose_custom(static_cast<wire::ProposalType>(type), to_bytes("x"));
    })) << type;
  const auto grease = Forger(suite, *a).propose(
      wire::Proposal{wire::CustomProposal{static_cast<wire::ProposalType>(0x3A3A), {}}});
  EXPECT_TRUE(
      rejects_unchanged(*b, ErrorCode::kProposalTypeUnsupported, [&] { b->process(grease); }));
  CommitOptions options;
  options.custom_proposals = {{static_cast<wire::ProposalType>(0x3A3A), {}}};
  EXPECT_TRUE(
      rejects_unchanged(*a, ErrorCode::kProposalTypeUnsupported, [&] { a->commit(options); }));
}

// §12.2: every member that stays must support a custom proposal type (its capabilities). Carol
// does not: proposing and committing it fail, a forged commit is rejected, and a commit that
// removes Carol may carry it.
TEST_P(Extensibility, Rfc12_2_CustomProposalNeedsEveryMembersSupport) {
  const GroupConfig config = registered(1);
  CreateOptions create;
  create.config = config;
  build(create, {key_package_options_for(config), config}, {KeyPackageOptions{}, config});
  EXPECT_TRUE(rejects_unchanged(*a, ErrorCode::kProposalTypeUnsupported,
                                [&] { a->propose_custom(kCustomProposal, to_bytes("x")); }));
  CommitOptions options;
  options.custom_proposals = {{kCustomProposal, to_bytes("x")}};
  EXPECT_TRUE(
      rejects_unchanged(*a, ErrorCode::kProposalTypeUnsupported, [&] { a->commit(options); }));
  // A commit carrying what Alice's own checks refuse, forged with her keys.
  Group committer = *a;
  const Forger forger(suite, committer);
  const CommitOutput genuine = committer.commit({});
  const auto forged = forger.reseal_commit(genuine.commit, [&](wire::Commit& commit) {
    commit.proposals.push_back(
        wire::ProposalOrRef{wire::Proposal{wire::CustomProposal{kCustomProposal, {}}}});
  });
  EXPECT_TRUE(
      rejects_unchanged(*b, ErrorCode::kProposalTypeUnsupported, [&] { b->process(forged); }));
  // Removing Carol in the same commit exempts her (§12.2).
  options.remove = {c->own_leaf()};
  const CommitOutput out = a->commit(options);
  b->merge(std::get<StagedCommit>(b->process(over_the_wire(out.commit))));
  a->merge_pending_commit();
  EXPECT_EQ(a->epoch_authenticator(), b->epoch_authenticator());
  EXPECT_EQ(a->members().size(), 2u);
}

// --- custom extensions (§13.4, §11.1, §7.2) ------------------------------------------------------

// §13.4, §12.1.7: a custom GroupContext extension set at creation reaches the joiners byte-exact
// and is changed by a GroupContextExtensions proposal; every member ends with the same
// extensions and epoch.
TEST_P(Extensibility, Rfc13_4_CustomGroupContextExtensionChangedByProposal) {
  KeyPackageOptions supports;
  supports.extension_types = {kCustomExtension, kOtherExtension};
  CreateOptions create;
  create.config = public_handshakes();
  create.extensions = {{kCustomExtension, to_bytes("version 1")}};
  create.leaf.extension_types = {kOtherExtension};
  build(create, {supports, create.config}, {supports, create.config});
  for (const Group* g : {&*a, &*b, &*c})
    EXPECT_EQ(g->context().extensions, create.extensions);

  // Bob commits the new list (§12.1.7), the types and their order kept as sent.
  const wire::ExtensionList next = {{kOtherExtension, to_bytes("other")},
                                    {kCustomExtension, to_bytes("version 2")}};
  CommitOptions options;
  options.group_context_extensions = next;
  const StagedCommit staged = commit_to_all(*b, options, {&*a, &*c});
  EXPECT_TRUE(staged.has_path());  // §12.4: GroupContextExtensions requires a path
  EXPECT_EQ(staged.new_context().extensions, next);
  for (const Group* g : {&*a, &*b, &*c})
    EXPECT_EQ(codec::encode(g->context().extensions), codec::encode(next));
  expect_agreement();
  EXPECT_EQ(Group::deserialize(provider, c->serialize().view()).context().extensions, next);
}

// §13.4: "The capabilities field MUST indicate support for each extension in the GroupContext":
// an Add of a client whose KeyPackage does not list the group's custom extension is refused
// (by value and by reference), and a GroupContextExtensions that a member does not support is
// refused, unless the same commit removes that member (§12.1.7).
TEST_P(Extensibility, Rfc13_4_MembersMustSupportGroupContextExtensions) {
  KeyPackageOptions supports;
  supports.extension_types = {kCustomExtension};
  CreateOptions create;
  create.config = public_handshakes();
  create.extensions = {{kCustomExtension, to_bytes("v")}};
  build(create, {supports, create.config}, {supports, create.config});

  const Client dave = make_client(suite, "dave");  // supports no custom extension
  CommitOptions add;
  add.add = {dave.key_package.key_package};
  EXPECT_TRUE(
      rejects_unchanged(*a, ErrorCode::kRequiredCapabilityMissing, [&] { a->commit(add); }));
  const auto proposal =
      Forger(suite, *a).propose(wire::Proposal{wire::Add{dave.key_package.key_package}});
  EXPECT_TRUE(
      rejects_unchanged(*b, ErrorCode::kRequiredCapabilityMissing, [&] { b->process(proposal); }));

  CommitOptions gce;
  gce.group_context_extensions = wire::ExtensionList{{kOtherExtension, to_bytes("o")}};
  EXPECT_TRUE(
      rejects_unchanged(*a, ErrorCode::kRequiredCapabilityMissing, [&] { a->commit(gce); }));
  // A member that supports nothing custom may be added once the group drops its extension.
  gce.group_context_extensions = wire::ExtensionList{};
  gce.add = {dave.key_package.key_package};
  const CommitOutput out = a->commit(gce);
  for (Group* g : {&*b, &*c})
    g->merge(std::get<StagedCommit>(g->process(over_the_wire(out.commit))));
  a->merge_pending_commit();
  const Group d = Group::join(provider, dave.identity, dave.key_package, *out.welcome, std::nullopt,
                              create.config, accept_any_policy());
  EXPECT_EQ(d.epoch_authenticator(), a->epoch_authenticator());
  expect_agreement();
}

// §11.1: a required_capabilities extension naming a custom extension type and a custom proposal
// type; an Add of a KeyPackage that lacks one of them is refused, one that lists both joins.
TEST_P(Extensibility, Rfc11_1_RequiredCapabilitiesNameCustomTypes) {
  const GroupConfig config = registered(1);
  wire::RequiredCapabilities required;
  required.extension_types = {kCustomExtension};
  required.proposal_types = {kCustomProposal};
  KeyPackageOptions supports = key_package_options_for(config);
  supports.extension_types = {kCustomExtension};
  CreateOptions create;
  create.config = config;
  create.extensions = {{wire::ExtensionType::kRequiredCapabilities, codec::encode(required)}};
  create.leaf = supports;
  build(create, {supports, config}, {supports, config});

  KeyPackageOptions no_proposal;
  no_proposal.extension_types = {kCustomExtension};
  const Client dave = make_client(suite, "dave", no_proposal);
  CommitOptions add;
  add.add = {dave.key_package.key_package};
  EXPECT_TRUE(
      rejects_unchanged(*a, ErrorCode::kRequiredCapabilityMissing, [&] { a->commit(add); }));
  const Client erin = make_client(suite, "erin", supports);
  add.add = {erin.key_package.key_package};
  const CommitOutput out = a->commit(add);
  for (Group* g : {&*b, &*c})
    g->merge(std::get<StagedCommit>(g->process(over_the_wire(out.commit))));
  a->merge_pending_commit();
  const Group e = Group::join(provider, erin.identity, erin.key_package, *out.welcome, std::nullopt,
                              config, accept_any_policy());
  EXPECT_EQ(e.epoch_authenticator(), a->epoch_authenticator());
  expect_agreement();
}

// §13.4, §7.2: unknown extensions in a KeyPackage and its leaf are kept and encoded back
// byte-exact: the leaf every member holds for the new client is the one the client signed.
TEST_P(Extensibility, Rfc13_4_UnknownExtensionsArePreservedByteExact) {
  build_registered(1);
  KeyPackageOptions options;
  options.extensions = {{kCustomExtension, to_bytes("kp extension")}};
  options.leaf_extensions = {{kOtherExtension, Bytes{0x00, 0x01, 0xFF}}};
  const Client dave = make_client(suite, "dave", options);
  const wire::KeyPackage& kp = dave.key_package.key_package;
  // §10: the extensions' types are listed in the capabilities.
  EXPECT_TRUE(lists(kp.leaf_node.capabilities.extensions, kCustomExtension));
  EXPECT_TRUE(lists(kp.leaf_node.capabilities.extensions, kOtherExtension));
  const Bytes encoded = codec::encode(kp);
  EXPECT_EQ(codec::encode(codec::decode<wire::KeyPackage>(encoded)), encoded);

  CommitOptions add;
  add.add = {codec::decode<wire::KeyPackage>(encoded)};
  const StagedCommit staged = commit_to_all(*a, add, {&*b, &*c});
  ASSERT_EQ(staged.added().size(), 1u);
  EXPECT_EQ(codec::encode(staged.added()[0].key_package), encoded);
  for (const Group* g : {&*a, &*b, &*c}) {
    const wire::LeafNode* leaf = g->tree().leaf(staged.added()[0].leaf);
    ASSERT_NE(leaf, nullptr);
    EXPECT_EQ(codec::encode(*leaf), codec::encode(kp.leaf_node));
  }
  expect_agreement();
}

// §7.3: "Verify that the extensions in the LeafNode are supported by checking that the ID for
// each extension in the extensions field is listed in the capabilities.extensions field" --
// with normal logic for a GREASE type too (§13.5): one not listed is refused.
TEST_P(Extensibility, Rfc7_3_UnlistedLeafExtensionIsRejectedGreaseIncluded) {
  build_registered(1);
  for (const auto type : {kCustomExtension, static_cast<wire::ExtensionType>(0x5A5A)}) {
    Client dave = make_client(suite, "dave");
    wire::KeyPackage& kp = dave.key_package.key_package;
    auto& caps = kp.leaf_node.capabilities.extensions;
    caps.erase(std::remove(caps.begin(), caps.end(), type), caps.end());
    kp.leaf_node.extensions.push_back({type, to_bytes("unlisted")});
    sign_key_package_leaf(suite, kp.leaf_node, dave.identity.signature_private_key.view());
    sign_key_package(suite, kp, dave.identity.signature_private_key.view());
    CommitOptions add;
    add.add = {kp};
    EXPECT_TRUE(
        rejects_unchanged(*a, ErrorCode::kLeafExtensionUnsupported, [&] { a->commit(add); }));
    const auto proposal = Forger(suite, *a).propose(wire::Proposal{wire::Add{kp}});
    EXPECT_TRUE(
        rejects_unchanged(*b, ErrorCode::kLeafExtensionUnsupported, [&] { b->process(proposal); }));
  }
}

// §13.4: "A client processing a GroupInfo object MUST ignore all unrecognized extensions in the
// extensions field"; §13.5 lets senders put GREASE extensions there. A Welcome whose GroupInfo
// carries an unknown and a GREASE extension (signed by Alice, encrypted again) is joined.
TEST_P(Extensibility, Rfc13_4_UnknownGroupInfoExtensionsAreIgnored) {
  build_registered(1);
  const Client dave = make_client(suite, "dave");
  CommitOptions add;
  add.add = {dave.key_package.key_package};
  const Forger alice_keys(suite, *a);
  const CommitOutput out = a->commit(add);
  a->merge_pending_commit();

  wire::Welcome welcome = *out.welcome->get<wire::Welcome>();
  const wire::KeyPackage& kp = dave.key_package.key_package;
  const auto* entry = schedule::find_group_secrets(welcome, dave.key_package.ref(suite));
  ASSERT_NE(entry, nullptr);
  const wire::GroupSecrets secrets = schedule::decrypt_group_secrets(
      suite, *entry, dave.key_package.init_private_key.view(), welcome.encrypted_group_info);
  const SecretBytes welcome_secret = schedule::derive_welcome_secret(
      suite, secrets.joiner_secret.view(), schedule::zero_secret(suite).view());  // no PSKs
  wire::GroupInfo info =
      schedule::decrypt_group_info(suite, welcome_secret.view(), welcome.encrypted_group_info);
  info.extensions.push_back({kCustomExtension, to_bytes("unknown")});
  info.extensions.push_back({static_cast<wire::ExtensionType>(0x7A7A), suite.random(5)});
  schedule::sign_group_info(suite, info, alice_keys.keys().signature_private_key.view());
  welcome.encrypted_group_info = schedule::encrypt_group_info(suite, welcome_secret.view(), info);
  // The group secrets are encrypted with the encrypted GroupInfo as context (§12.4.3.1).
  const std::vector<const wire::KeyPackage*> kps{&kp};
  const std::vector<wire::GroupSecrets> all{secrets};
  welcome.secrets =
      schedule::encrypt_group_secrets_many(suite, kps, all, welcome.encrypted_group_info);

  const Group d = Group::join(provider, dave.identity, dave.key_package,
                              over_the_wire(wire::MlsMessage{welcome}), std::nullopt, registered(1),
                              accept_any_policy());
  EXPECT_EQ(d.epoch_authenticator(), a->epoch_authenticator());
}

// --- GREASE (§13.5) ------------------------------------------------------------------------------

// §13.5: "When generating the following fields, an MLS client SHOULD include a random selection
// of values chosen from these GREASE values": capabilities.cipher_suites, .extensions,
// .proposals, .credentials, LeafNode.extensions, KeyPackage.extensions; the leaf's GREASE
// extensions are listed in its capabilities (§7.3). grease = false sends none.
TEST_P(Extensibility, Rfc13_5_KeyPackagesAndLeavesCarryGrease) {
  const Identity id = Identity::generate(suite, basic_credential("gina"));
  const KeyPackageBundle with = create_key_package(suite, id, unix_time_now());
  const wire::LeafNode& leaf = with.key_package.leaf_node;
  EXPECT_GE(grease_count(leaf.capabilities.cipher_suites), 1u);
  EXPECT_GE(grease_count(leaf.capabilities.extensions), 2u);
  EXPECT_GE(grease_count(leaf.capabilities.proposals), 1u);
  EXPECT_GE(grease_count(leaf.capabilities.credentials), 1u);
  EXPECT_EQ(grease_extensions(with.key_package.extensions), 1u);
  EXPECT_EQ(grease_extensions(leaf.extensions), 1u);
  for (const auto& e : leaf.extensions)
    EXPECT_TRUE(lists(leaf.capabilities.extensions, e.extension_type));
  for (const auto& e : with.key_package.extensions)
    EXPECT_TRUE(lists(leaf.capabilities.extensions, e.extension_type));
  tree::LeafPolicy policy;
  policy.now = unix_time_now();
  EXPECT_NO_THROW(validate_key_package(suite, with.key_package, policy));

  KeyPackageOptions off;
  off.grease = false;
  const KeyPackageBundle without = create_key_package(suite, id, unix_time_now(), off);
  EXPECT_EQ(without.key_package.leaf_node.capabilities, default_capabilities());
  EXPECT_TRUE(without.key_package.extensions.empty());
  EXPECT_TRUE(without.key_package.leaf_node.extensions.empty());

  // The creator's leaf too, unless turned off.
  const Group g = Group::create(provider, id, {}, accept_any_policy());
  EXPECT_EQ(grease_extensions(g.tree().leaf(g.own_leaf())->extensions), 1u);
  CreateOptions create;
  create.leaf.grease = false;
  const Group plain = Group::create(provider, id, create, accept_any_policy());
  EXPECT_EQ(plain.tree().leaf(plain.own_leaf())->capabilities, default_capabilities());
}

// §13.5: GREASE values are ignored by a correct receiver: a group whose members all send
// GREASE (and one whose KeyPackage lists every GREASE value in every capability list) adds,
// updates, commits and exchanges messages, and the leaves keep their GREASE values.
TEST_P(Extensibility, Rfc13_5_GreaseIsToleratedEverywhere) {
  build_registered(1);
  KeyPackageOptions every;
  every.capabilities = default_capabilities();
  for (uint16_t n = 0; n < 15; ++n) {
    const auto v = static_cast<uint16_t>(n << 12 | 0x0A00 | n << 4 | 0x0A);
    every.capabilities->cipher_suites.push_back(v);
    every.capabilities->extensions.push_back(static_cast<wire::ExtensionType>(v));
    every.capabilities->proposals.push_back(static_cast<wire::ProposalType>(v));
    every.capabilities->credentials.push_back(static_cast<wire::CredentialType>(v));
  }
  every.grease = false;
  every.extensions = {{static_cast<wire::ExtensionType>(0x1A1A), to_bytes("grease kp")}};
  every.leaf_extensions = {{static_cast<wire::ExtensionType>(0x2A2A), to_bytes("grease leaf")}};
  const Client dave = make_client(suite, "dave", every);
  CommitOptions add;
  add.add = {dave.key_package.key_package};
  const CommitOutput out = a->commit(add);
  for (Group* g : {&*b, &*c})
    g->merge(std::get<StagedCommit>(g->process(over_the_wire(out.commit))));
  a->merge_pending_commit();
  Group d = Group::join(provider, dave.identity, dave.key_package, *out.welcome, std::nullopt,
                        registered(1), accept_any_policy());
  // Dave updates (his leaf keeps its GREASE capabilities and extension) and Bob commits it.
  const auto update = d.propose_update();
  for (Group* g : {&*a, &*b, &*c})
    g->process(over_the_wire(update));
  const CommitOutput commit = b->commit({});
  for (Group* g : {&*a, &*c, &d})
    g->merge(std::get<StagedCommit>(g->process(over_the_wire(commit.commit))));
  b->merge_pending_commit();
  const wire::LeafNode* leaf = a->tree().leaf(d.own_leaf());
  ASSERT_NE(leaf, nullptr);
  EXPECT_EQ(grease_count(leaf->capabilities.proposals), 15u);
  EXPECT_EQ(grease_extensions(leaf->extensions), 1u);
  const auto message = d.protect(to_bytes("hello"));
  EXPECT_EQ(std::get<ApplicationMessage>(a->process(over_the_wire(message))).data,
            to_bytes("hello"));
  expect_agreement();
  EXPECT_EQ(d.epoch_authenticator(), a->epoch_authenticator());
}

// §13.5: "representations of a client's own capabilities MUST NOT contain GREASE values". A
// GREASE value in the GroupContext (which senders MUST NOT put there) passes the other members'
// normal capability checks when every leaf happens to list it, but a joiner does not count its
// own GREASE capability as support and refuses the Welcome (§13.4).
TEST_P(Extensibility, Rfc13_5_GreaseCapabilityIsNoSupportForTheJoiner) {
  constexpr auto kGrease = static_cast<wire::ExtensionType>(0x6A6A);
  KeyPackageOptions lists_grease;
  lists_grease.extension_types = {kGrease};
  CreateOptions create;
  create.config = public_handshakes();
  create.leaf = lists_grease;
  build(create, {lists_grease, create.config}, {lists_grease, create.config});
  // The creator refuses GREASE GroupContext extensions outright.
  CreateOptions grease_create = create;
  grease_create.extensions = {{kGrease, {}}};
  EXPECT_TRUE(rejects(ErrorCode::kInvalidArgument, [&] {
    Group::create(provider, alice.identity, grease_create, accept_any_policy());
  }));

  const Client dave = make_client(suite, "dave", lists_grease);
  CommitOptions options;
  options.group_context_extensions = wire::ExtensionList{{kGrease, {}}};
  options.add = {dave.key_package.key_package};
  const CommitOutput out = a->commit(options);
  a->merge_pending_commit();
  EXPECT_TRUE(rejects(ErrorCode::kGroupExtensionUnsupported, [&] {
    Group::join(provider, dave.identity, dave.key_package, *out.welcome, std::nullopt,
                create.config, accept_any_policy());
  }));
}

INSTANTIATE_TEST_SUITE_P(AllSuites, Extensibility, ::testing::Range<uint16_t>(1, 8), suite_name);

}  // namespace
}  // namespace conclave::group_testing
