// Negative tests for proposals (RFC 9420 §12.1) and proposal lists (§12.2): each test gives
// Bob a commit of Alice's whose proposal list breaks one rule (the rest of the commit is her
// genuine one, signed and MACed again), expects the rule's error with Bob left exactly as he was,
// then has him accept the genuine commit. Where Alice's own commit() must refuse the same list,
// that is checked too.
#include <gtest/gtest.h>

#include "group/negative_test_util.h"

namespace conclave::group_testing {
namespace {

using wire::Proposal;
using wire::ProposalOrRef;

constexpr auto kCustomProposalType = static_cast<wire::ProposalType>(0xF0F0);
constexpr auto kCustomExtensionType = static_cast<wire::ExtensionType>(0xF0A0);

// §13.2: every member registers the custom proposal type, so only capabilities decide.
GroupConfig custom_type_registered() {
  GroupConfig config = public_handshakes();
  config.custom_proposals = {CustomProposalType{static_cast<uint16_t>(kCustomProposalType), 1}};
  return config;
}

ProposalOrRef by_value(Proposal p) {
  return ProposalOrRef{std::move(p)};
}
ProposalOrRef by_ref(const Bytes& ref) {
  return ProposalOrRef{ref};
}
ProposalOrRef remove_of(tree::LeafIndex l) {
  return by_value(Proposal{wire::Remove{l.value}});
}

// A proposal list that breaks a rule, and the error it must be rejected with.
struct BadList {
  std::vector<ProposalOrRef> proposals;
  ErrorCode code;
};

class ProposalListValidation : public NegativeGroupTest {
 protected:
  // For each case, Alice's genuine commit (of `options` and the proposals she holds) with its
  // proposal list replaced: Bob rejects it with the case's code and stays as he was. Then
  // everyone accepts the genuine commit.
  void expect_lists_rejected(const std::vector<BadList>& cases, const CommitOptions& options = {}) {
    auto g = genuine_commit(*a, options);
    for (size_t i = 0; i < cases.size(); ++i) {
      const auto forged = g.forger.reseal_commit(
          g.out.commit, [&](wire::Commit& commit) { commit.proposals = cases[i].proposals; });
      EXPECT_TRUE(rejects_unchanged(*b, cases[i].code, [&] { b->process(forged); }))
          << "case " << i;
    }
    advance_all(g);
  }

  // Alice's own commit() refuses `options` with `code` and stays as she was.
  void expect_commit_refused(const CommitOptions& options, ErrorCode code) {
    EXPECT_TRUE(rejects_unchanged(*a, code, [&] { a->commit(options); }));
    EXPECT_FALSE(a->has_pending_commit());
  }

  // Sends a proposal message to every member but `sender`; returns its ProposalRef.
  Bytes send(const wire::MlsMessage& proposal, const Group* sender) {
    std::optional<Bytes> ref;
    for (Group* g : {&*a, &*b, &*c}) {
      if (g == sender) continue;
      const auto got = std::get<ReceivedProposal>(g->process(over_the_wire(proposal)));
      if (ref) {
        EXPECT_EQ(got.ref, *ref);
      }
      ref = got.ref;
    }
    return *ref;
  }

  wire::PreSharedKeyId external_psk(std::string_view id) const {
    return wire::PreSharedKeyId::external(to_bytes(id), suite.random(suite.hash_len()));
  }

  // A LeafNode for an Update of `member`'s leaf, with a fresh encryption key, signed.
  wire::LeafNode update_leaf(const Group& member) const {
    wire::LeafNode leaf = *member.tree().leaf(member.own_leaf());
    leaf.encryption_key = suite.generate_hpke_key_pair().public_key;
    leaf.leaf_node_source = wire::LeafNodeSource::kUpdate;
    leaf.lifetime = {};
    leaf.parent_hash.clear();
    Forger(suite, member).sign_leaf(leaf);
    return leaf;
  }
};

// --- §12.1: individual proposals -----------------------------------------------------------------

TEST_P(ProposalListValidation, Rfc12_1_ProposalEpochAndSignatureMustBeValid) {
  // "a client MUST verify the signature inside FramedContentAuthData and that the epoch field
  // of the enclosing FramedContent is equal to the epoch field of the current GroupContext".
  const Forger carol_forger(suite, *c);
  const auto genuine = c->propose_update();
  const auto next_epoch =
      carol_forger.reseal(genuine, [](wire::PublicMessage& pm) { pm.content.epoch += 1; });
  EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kWrongEpoch, [&] { b->process(next_epoch); }));
  const auto bad_signature = carol_forger.reseal(
      genuine, [](wire::PublicMessage& pm) { flip_last_byte(pm.auth.signature); },
      /*resign=*/false);
  EXPECT_TRUE(
      rejects_unchanged(*b, ErrorCode::kInvalidSignature, [&] { b->process(bad_signature); }));
  wire::PublicMessage bad_tag = *genuine.get<wire::PublicMessage>();
  flip_last_byte(*bad_tag.membership_tag);
  EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kInvalidMembershipTag,
                                [&] { b->process(wire::MlsMessage{bad_tag}); }));
  send(genuine, &*c);
  auto g = genuine_commit(*a);
  advance_all(g);
  EXPECT_EQ(b->tree().leaf(c->own_leaf())->encryption_key,
            c->tree().leaf(c->own_leaf())->encryption_key);
}

TEST_P(ProposalListValidation, Rfc12_1_3_RemoveMustNameANonBlankLeaf) {
  // Leaf 3 is blank; leaf 9 is outside the tree.
  for (const uint32_t leaf : {3u, 9u}) {
    SCOPED_TRACE("leaf " + std::to_string(leaf));
    const auto proposal = Forger(suite, *c).propose(Proposal{wire::Remove{leaf}});
    EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kInvalidProposal, [&] { b->process(proposal); }));
    CommitOptions options;
    options.remove = {tree::LeafIndex(leaf)};
    expect_commit_refused(options, ErrorCode::kInvalidProposal);
    expect_lists_rejected({{{remove_of(tree::LeafIndex(leaf))}, ErrorCode::kInvalidProposal}});
  }
}

TEST_P(ProposalListValidation, Rfc12_1_2_UpdateLeafMustBeValid) {
  const Forger carol_forger(suite, *c);
  // §7.3: an Update brings a new encryption key.
  wire::LeafNode same_key = update_leaf(*c);
  same_key.encryption_key = c->tree().leaf(c->own_leaf())->encryption_key;
  carol_forger.sign_leaf(same_key);
  const auto stale = carol_forger.propose(Proposal{wire::Update{same_key}});
  EXPECT_TRUE(
      rejects_unchanged(*b, ErrorCode::kEncryptionKeyNotUpdated, [&] { b->process(stale); }));
  // §7.3: the leaf's signature.
  wire::LeafNode bad_signature = update_leaf(*c);
  flip_last_byte(bad_signature.signature);
  const auto unsigned_update = carol_forger.propose(Proposal{wire::Update{bad_signature}});
  EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kLeafSignatureInvalid,
                                [&] { b->process(unsigned_update); }));
  // The genuine Update still goes through.
  const Bytes ref = send(c->propose_update(), &*c);
  auto g = genuine_commit(*a);
  EXPECT_EQ(commit_of(*std::get_if<wire::PublicMessage>(&g.out.commit.body)).proposals,
            std::vector<ProposalOrRef>{by_ref(ref)});
  advance_all(g);
}

// RFC 9180 §7.1.4: an Update's leaf key must be one HPKE can encrypt to; otherwise every
// commit covering it (and each later one encrypting to that leaf) would fail.
TEST_P(ProposalListValidation, Rfc9180_7_1_4_UpdateEncryptionKeyMustBeUsable) {
  const Forger carol_forger(suite, *c);
  wire::LeafNode unusable = update_leaf(*c);
  unusable.encryption_key = unusable_encryption_key(suite);
  carol_forger.sign_leaf(unusable);
  const auto update = carol_forger.propose(Proposal{wire::Update{unusable}});
  EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kInvalidPublicKey, [&] { b->process(update); }));
  auto g = genuine_commit(*a);
  advance_all(g);
}

TEST_P(ProposalListValidation, Rfc12_1_4_PskNonceMustBeKdfNhBytes) {
  wire::PreSharedKeyId id = external_psk("psk");
  id.psk_nonce.pop_back();
  const Proposal psk{wire::PreSharedKey{id}};
  const auto proposal = Forger(suite, *c).propose(psk);
  EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kPskNonceInvalid, [&] { b->process(proposal); }));
  CommitOptions options;
  options.psks = {id};
  expect_commit_refused(options, ErrorCode::kPskNonceInvalid);
  expect_lists_rejected({{{by_value(psk)}, ErrorCode::kPskNonceInvalid}});
}

TEST_P(ProposalListValidation, Rfc12_1_4_ResumptionPskOutsideReInitMustUseApplication) {
  std::vector<BadList> cases;
  for (const auto usage : {wire::ResumptionPskUsage::kReinit, wire::ResumptionPskUsage::kBranch}) {
    const auto id =
        wire::PreSharedKeyId::resumption(usage, a->group_id(), 0, suite.random(suite.hash_len()));
    cases.push_back({{by_value(Proposal{wire::PreSharedKey{id}})}, ErrorCode::kPskUsageInvalid});
  }
  expect_lists_rejected(cases);
}

TEST_P(ProposalListValidation, Rfc12_1_5_ReInitMustNotDowngradeTheVersion) {
  const wire::ReInit reinit{
      suite.random(suite.hash_len()), wire::ProtocolVersion::kReserved, suite.id(), {}};
  const auto proposal = Forger(suite, *c).propose(Proposal{reinit});
  EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kInvalidProposal, [&] { b->process(proposal); }));
  expect_lists_rejected({{{by_value(Proposal{reinit})}, ErrorCode::kInvalidProposal}});
}

TEST_P(ProposalListValidation, Rfc12_1_7_GroupContextExtensionsMustBeSupported) {
  // required_capabilities naming an extension type no member supports.
  wire::RequiredCapabilities required;
  required.extension_types = {kCustomExtensionType};
  const wire::ExtensionList extensions{
      {wire::ExtensionType::kRequiredCapabilities, codec::encode(required)}};
  CommitOptions options;
  options.group_context_extensions = extensions;
  expect_commit_refused(options, ErrorCode::kRequiredCapabilityMissing);
  // §13.4: no extension type twice.
  const wire::ExtensionList twice{{kCustomExtensionType, {}}, {kCustomExtensionType, {}}};
  expect_lists_rejected({{{by_value(Proposal{wire::GroupContextExtensions{extensions}})},
                          ErrorCode::kRequiredCapabilityMissing},
                         {{by_value(Proposal{wire::GroupContextExtensions{twice}})},
                          ErrorCode::kDuplicateExtension}});
}

// --- §12.2: the list -----------------------------------------------------------------------------

TEST_P(ProposalListValidation, Rfc12_2_NoUpdateFromTheCommitter) {
  // By reference (Alice proposed an Update earlier in the epoch) and by value.
  const auto own_update = a->propose_update();
  const Bytes ref = std::get<ReceivedProposal>(b->process(over_the_wire(own_update))).ref;
  expect_lists_rejected(
      {{{by_ref(ref)}, ErrorCode::kUpdateByCommitter},
       {{by_value(Proposal{wire::Update{update_leaf(*a)}})}, ErrorCode::kUpdateByCommitter}});
}

TEST_P(ProposalListValidation, Rfc12_2_NoRemoveOfTheCommitter) {
  CommitOptions options;
  options.remove = {a->own_leaf()};
  expect_commit_refused(options, ErrorCode::kRemoveOfCommitter);
  // By value, and by reference to Bob's proposal.
  const Bytes ref = send(b->propose_remove(a->own_leaf()), &*b);
  expect_lists_rejected({{{remove_of(a->own_leaf())}, ErrorCode::kRemoveOfCommitter},
                         {{by_ref(ref)}, ErrorCode::kRemoveOfCommitter}});
}

TEST_P(ProposalListValidation, Rfc12_2_OneUpdateOrRemovePerLeaf) {
  const tree::LeafIndex carol_leaf = c->own_leaf();
  CommitOptions options;
  options.remove = {carol_leaf, carol_leaf};
  expect_commit_refused(options, ErrorCode::kConflictingLeafProposals);

  const Bytes update1 = send(c->propose_update(), &*c);
  const Bytes update2 = send(c->propose_update(), &*c);
  constexpr auto kCode = ErrorCode::kConflictingLeafProposals;
  expect_lists_rejected({{{remove_of(carol_leaf), remove_of(carol_leaf)}, kCode},
                         {{by_ref(update1), by_ref(update2)}, kCode},
                         {{by_ref(update1), by_ref(update1)}, kCode},
                         {{by_ref(update1), remove_of(carol_leaf)}, kCode},
                         {{remove_of(carol_leaf), by_ref(update2)}, kCode}});
}

TEST_P(ProposalListValidation, Rfc12_2_OneAddPerClient) {
  // Two KeyPackages of Dave's: the same signature key.
  const Client dave = make_client(suite, "dave");
  const KeyPackageBundle dave2 = another_key_package(suite, dave);
  CommitOptions options;
  options.add = {dave.key_package.key_package, dave2.key_package};
  expect_commit_refused(options, ErrorCode::kDuplicateAdd);
  expect_lists_rejected({{{by_value(Proposal{wire::Add{dave.key_package.key_package}}),
                           by_value(Proposal{wire::Add{dave2.key_package}})},
                          ErrorCode::kDuplicateAdd}});
}

TEST_P(ProposalListValidation, Rfc12_2_NoAddOfAMember) {
  const KeyPackageBundle carol2 = another_key_package(suite, carol);
  CommitOptions options;
  options.add = {carol2.key_package};
  expect_commit_refused(options, ErrorCode::kAddOfMember);
  // Unless the same commit removes her: that is the genuine commit here.
  CommitOptions replace;
  replace.remove = {c->own_leaf()};
  replace.add = {carol2.key_package};
  expect_lists_rejected(
      {{{by_value(Proposal{wire::Add{carol2.key_package}})}, ErrorCode::kAddOfMember}}, replace);
  EXPECT_FALSE(c->active());
  EXPECT_EQ(b->members().size(), 3u);
}

TEST_P(ProposalListValidation, Rfc12_2_OnePreSharedKeyProposalPerPskId) {
  const wire::PreSharedKeyId id = external_psk("psk");
  CommitOptions options;
  options.psks = {id, id};
  expect_commit_refused(options, ErrorCode::kDuplicatePsk);
  const Proposal psk{wire::PreSharedKey{id}};
  expect_lists_rejected({{{by_value(psk), by_value(psk)}, ErrorCode::kDuplicatePsk}});
}

TEST_P(ProposalListValidation, Rfc12_2_AtMostOneGroupContextExtensions) {
  const Proposal gce{wire::GroupContextExtensions{}};
  expect_lists_rejected(
      {{{by_value(gce), by_value(gce)}, ErrorCode::kMultipleGroupContextExtensions}});
}

TEST_P(ProposalListValidation, Rfc12_2_ReInitMustBeAlone) {
  const Proposal reinit{
      wire::ReInit{suite.random(suite.hash_len()), wire::ProtocolVersion::kMls10, suite.id(), {}}};
  const Client dave = make_client(suite, "dave");
  expect_lists_rejected(
      {{{by_value(reinit), remove_of(c->own_leaf())}, ErrorCode::kReInitNotAlone},
       {{by_value(Proposal{wire::Add{dave.key_package.key_package}}), by_value(reinit)},
        ErrorCode::kReInitNotAlone}});
}

TEST_P(ProposalListValidation, Rfc12_2_NoExternalInitInARegularCommit) {
  const Proposal external_init{wire::ExternalInit{suite.generate_hpke_key_pair().public_key}};
  // §12.1.6: nor as a member's proposal.
  const auto proposal = Forger(suite, *c).propose(external_init);
  EXPECT_TRUE(
      rejects_unchanged(*b, ErrorCode::kExternalInitInMemberCommit, [&] { b->process(proposal); }));
  expect_lists_rejected({{{by_value(external_init)}, ErrorCode::kExternalInitInMemberCommit},
                         {{remove_of(c->own_leaf()), by_value(external_init)},
                          ErrorCode::kExternalInitInMemberCommit}});
}

TEST_P(ProposalListValidation, Rfc12_4_ProposalReferencesMustBeKnown) {
  // A reference to nothing, and one to a proposal received in the previous epoch.
  const Bytes old_ref = send(c->propose_update(), &*c);
  expect_lists_rejected(
      {{{by_ref(suite.random(suite.hash_len()))}, ErrorCode::kUnknownProposalRef}});
  expect_lists_rejected({{{by_ref(old_ref)}, ErrorCode::kUnknownProposalRef}});
}

TEST_P(ProposalListValidation, Rfc12_2_ProposalTypeMustBeSupportedByMembers) {
  build(custom_type_registered());
  const Proposal custom{wire::CustomProposal{kCustomProposalType, to_bytes("x")}};
  // Received alone it is kept (§12.2 judges the list); committed, by value or by reference, it
  // is refused.
  const Bytes ref = send(Forger(suite, *c).propose(custom), nullptr);
  expect_lists_rejected({{{by_value(custom)}, ErrorCode::kProposalTypeUnsupported},
                         {{by_ref(ref)}, ErrorCode::kProposalTypeUnsupported}});
}

// §12.2: "members being added or removed by the Commit do not need to support the proposal
// type", and §12.1.7 likewise for required capabilities. The creator's leaf always has the
// default capabilities, so here Bob, Carol and Dave (who supports nothing extra) stay after
// Alice has been removed; Bob commits.
class SupportOfRemovedMembers : public NegativeGroupTest {
 protected:
  void SetUp() override {
    build(custom_type_registered());
    KeyPackageOptions custom;
    custom.capabilities = default_capabilities();
    custom.capabilities->proposals = {kCustomProposalType};
    custom.capabilities->extensions = {kCustomExtensionType};
    bob = make_client(suite, "bob", custom);
    carol = make_client(suite, "carol", custom);
    dave = make_client(suite, "dave");
    Group creator = *a;
    CommitOptions add;
    add.add = {bob.key_package.key_package, carol.key_package.key_package,
               dave.key_package.key_package};
    // Leaves 1 and 2 are taken by the fixture's Bob and Carol: remove them first.
    add.remove = {tree::LeafIndex(1), tree::LeafIndex(2)};
    const CommitOutput out = creator.commit(add);
    creator.merge_pending_commit();
    b.emplace(Group::join(provider, bob.identity, bob.key_package, *out.welcome, std::nullopt,
                          config_, accept_any_policy()));
    c.emplace(Group::join(provider, carol.identity, carol.key_package, *out.welcome, std::nullopt,
                          config_, accept_any_policy()));
    d.emplace(Group::join(provider, dave.identity, dave.key_package, *out.welcome, std::nullopt,
                          config_, accept_any_policy()));
    CommitOptions remove_alice;
    remove_alice.remove = {creator.own_leaf()};
    const CommitOutput removal = b->commit(remove_alice);
    b->merge_pending_commit();
    for (Group* g : {&*c, &*d})
      g->merge(std::get<StagedCommit>(g->process(removal.commit)));
    ASSERT_EQ(b->members().size(), 3u);
    ASSERT_EQ(b->epoch_authenticator(), c->epoch_authenticator());
  }

  Client dave;
  std::optional<Group> d;
};

TEST_P(SupportOfRemovedMembers, Rfc12_2_RemovedMemberNeedNotSupportTheProposalType) {
  const Proposal custom{wire::CustomProposal{kCustomProposalType, to_bytes("x")}};
  CommitOptions remove_dave;
  remove_dave.remove = {d->own_leaf()};
  auto g = genuine_commit(*b, remove_dave);
  // Dave still supports nothing extra: the custom proposal without his removal is refused.
  const auto with_dave = g.forger.reseal_commit(
      g.out.commit, [&](wire::Commit& commit) { commit.proposals = {by_value(custom)}; });
  EXPECT_TRUE(
      rejects_unchanged(*c, ErrorCode::kProposalTypeUnsupported, [&] { c->process(with_dave); }));
  // With it, in either order, the list is valid: the commit then fails only at the confirmation
  // tag, which the changed list no longer matches.
  for (const bool custom_first : {true, false}) {
    const auto forged = g.forger.reseal_commit(g.out.commit, [&](wire::Commit& commit) {
      if (custom_first)
        commit.proposals.insert(commit.proposals.begin(), by_value(custom));
      else
        commit.proposals.push_back(by_value(custom));
    });
    EXPECT_TRUE(rejects_unchanged(*c, ErrorCode::kConfirmationTagInvalid, [&] {
      c->process(forged);
    })) << (custom_first ? "custom proposal before the Remove" : "after the Remove");
  }
  expect_commit_accepted(*c, g.committer, g.out.commit);
}

TEST_P(SupportOfRemovedMembers, Rfc12_1_7_RemovedMemberNeedNotSupportRequiredCapabilities) {
  wire::RequiredCapabilities required;
  required.extension_types = {kCustomExtensionType};
  const wire::ExtensionList extensions{
      {wire::ExtensionType::kRequiredCapabilities, codec::encode(required)}};
  CommitOptions require_only;
  require_only.group_context_extensions = extensions;
  EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kRequiredCapabilityMissing,
                                [&] { b->commit(require_only); }));
  CommitOptions require_and_remove = require_only;
  require_and_remove.remove = {d->own_leaf()};
  auto g = genuine_commit(*b, require_and_remove);
  expect_commit_accepted(*c, g.committer, g.out.commit);
  EXPECT_EQ(c->context().extensions, extensions);
}

INSTANTIATE_TEST_SUITE_P(AllSuites, ProposalListValidation, ::testing::Range<uint16_t>(1, 8),
                         suite_name);
INSTANTIATE_TEST_SUITE_P(AllSuites, SupportOfRemovedMembers, ::testing::Range<uint16_t>(1, 8),
                         suite_name);

}  // namespace
}  // namespace conclave::group_testing
