// Pre-shared keys in commits and Welcomes (RFC 9420 §8.4, §8.6, §12.1.4): external PSKs from the
// application's policy, resumption PSKs of earlier epochs, how many of those are kept, and the
// rejections (unknown PSK, usage reinit/branch outside a reinit or branch).
#include <gtest/gtest.h>

#include "negative_test_util.h"

namespace conclave::group_testing {
namespace {

// An application's external PSK store (§8.4): ids and values, looked up by GroupPolicy.
GroupPolicy external_psks(std::vector<std::pair<Bytes, Bytes>> store) {
  GroupPolicy policy = accept_any_policy();
  policy.external_psk = [store = std::move(store)](BytesView id) -> std::optional<SecretBytes> {
    for (const auto& [key, value] : store)
      if (key == to_bytes(id)) return SecretBytes(BytesView(value));
    return std::nullopt;
  };
  return policy;
}

class Psk : public NegativeGroupTest {
 protected:
  wire::PreSharedKeyId external(std::string_view id) const {
    return wire::PreSharedKeyId::external(to_bytes(id), suite.random(suite.hash_len()));
  }
  wire::PreSharedKeyId resumption(wire::ResumptionPskUsage usage, uint64_t epoch) const {
    return wire::PreSharedKeyId::resumption(usage, a->group_id(), epoch,
                                            suite.random(suite.hash_len()));
  }
  // An empty commit by Alice that everyone merges.
  void advance() {
    auto g = genuine_commit(*a);
    advance_all(g);
  }
  // The code of the error a plain join of `welcome` throws (kInternal: none).
  ErrorCode error_of_join(const Client& client, const wire::MlsMessage& welcome) const {
    return outcome_of([&] {
             Group::join(provider, client.identity, client.key_package, over_the_wire(welcome),
                         std::nullopt, {}, accept_any_policy());
           })
        .code;
  }
  void expect_all_agree() {
    EXPECT_EQ(a->epoch_authenticator(), b->epoch_authenticator());
    EXPECT_EQ(a->epoch_authenticator(), c->epoch_authenticator());
  }

  const Bytes kPskValue = to_bytes("an out-of-band secret, 32 bytes.");
};

// §8.4: an external PSK named by a PreSharedKey proposal is injected into the key schedule of
// every member, and, through GroupSecrets.psks, of the members the same commit adds.
TEST_P(Psk, Rfc8_4_ExternalPskCommitAndWelcome) {
  const GroupPolicy policy = external_psks({{to_bytes("k1"), kPskValue}});
  for (Group* g : {&*a, &*b, &*c})
    g->set_policy(policy);
  const Client dave = make_client(suite, "dave");
  CommitOptions options;
  options.psks = {external("k1")};
  options.add = {dave.key_package.key_package};
  auto g = genuine_commit(*a, options);
  const auto staged = std::get<StagedCommit>(b->process(over_the_wire(g.out.commit)));
  EXPECT_EQ(staged.psks(), options.psks);
  advance_all(g);
  const Group d = Group::join(provider, dave.identity, dave.key_package, *g.out.welcome,
                              std::nullopt, config_, policy);
  EXPECT_EQ(d.epoch_authenticator(), a->epoch_authenticator());
  expect_all_agree();
}

// §8.4: "the psk_nonce of its PreSharedKeyID MUST be set to a fresh random value of length
// KDF.Nh". commit() fills an empty nonce (CommitOptions::psks), so every member and the joiner
// agree on the epoch; injecting the same PSK again gets another nonce.
TEST_P(Psk, Rfc8_4_CommitFillsAnEmptyPskNonce) {
  const GroupPolicy policy = external_psks({{to_bytes("k1"), kPskValue}});
  for (Group* g : {&*a, &*b, &*c})
    g->set_policy(policy);
  const Client dave = make_client(suite, "dave");
  CommitOptions options;
  options.psks = {wire::PreSharedKeyId::external(to_bytes("k1"), {})};
  options.add = {dave.key_package.key_package};
  auto g = genuine_commit(*a, options);
  const auto staged = std::get<StagedCommit>(b->process(over_the_wire(g.out.commit)));
  ASSERT_EQ(staged.psks().size(), 1u);
  EXPECT_EQ(staged.psks()[0].psk_id, to_bytes("k1"));
  EXPECT_EQ(staged.psks()[0].psk_nonce.size(), suite.hash_len());
  advance_all(g);
  const Group d = Group::join(provider, dave.identity, dave.key_package, *g.out.welcome,
                              std::nullopt, config_, policy);
  EXPECT_EQ(d.epoch_authenticator(), a->epoch_authenticator());
  expect_all_agree();

  CommitOptions again;
  again.psks = {wire::PreSharedKeyId::external(to_bytes("k1"), {})};
  auto g2 = genuine_commit(*a, again);
  const auto staged2 = std::get<StagedCommit>(b->process(over_the_wire(g2.out.commit)));
  ASSERT_EQ(staged2.psks().size(), 1u);
  EXPECT_EQ(staged2.psks()[0].psk_nonce.size(), suite.hash_len());
  EXPECT_NE(staged2.psks()[0].psk_nonce, staged.psks()[0].psk_nonce);
  advance_all(g2);
  expect_all_agree();
}

// §8.4: the PSK changes the epoch: the same commit without the right PSK value gives another
// key schedule, which the confirmation tag exposes (§12.4.2).
TEST_P(Psk, Rfc8_4_WrongExternalPskValueFailsTheConfirmationTag) {
  a->set_policy(external_psks({{to_bytes("k1"), kPskValue}}));
  b->set_policy(external_psks({{to_bytes("k1"), to_bytes("another value")}}));
  CommitOptions options;
  options.psks = {external("k1")};
  auto g = genuine_commit(*a, options);
  EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kConfirmationTagInvalid,
                                [&] { b->process(over_the_wire(g.out.commit)); }));
}

// §8.6: the resumption_psk of an earlier epoch, usage application, proves membership then;
// every member that kept it computes the same epoch.
TEST_P(Psk, Rfc8_6_ResumptionPskOfAnEarlierEpoch) {
  const uint64_t earlier = a->epoch();
  advance();
  advance();
  const auto psk_a = a->resumption_psk(earlier);
  ASSERT_TRUE(psk_a.has_value());
  EXPECT_EQ(psk_a, b->resumption_psk(earlier));
  EXPECT_EQ(psk_a, c->resumption_psk(earlier));
  CommitOptions options;
  options.psks = {resumption(wire::ResumptionPskUsage::kApplication, earlier)};
  auto g = genuine_commit(*a, options);
  advance_all(g);
  EXPECT_EQ(a->epoch(), earlier + 3);
  expect_all_agree();
}

// §8.6: "The application SHOULD specify an upper limit on the number of past epochs for which
// the resumption_psk may be stored": GroupConfig::resumption_psks_kept, plus the current one.
TEST_P(Psk, Rfc8_6_ResumptionPsksKeptIsTheConfiguredNumber) {
  GroupConfig config = public_handshakes();
  config.resumption_psks_kept = 1;
  build(config);
  const uint64_t first = a->epoch();
  ASSERT_TRUE(a->resumption_psk(first).has_value());  // the current epoch's
  EXPECT_FALSE(a->resumption_psk(first + 1).has_value());
  advance();
  advance();
  EXPECT_FALSE(a->resumption_psk(first).has_value());
  EXPECT_TRUE(a->resumption_psk(first + 1).has_value());
  EXPECT_TRUE(a->resumption_psk(first + 2).has_value());
  // A commit naming the deleted one cannot be made (§12.4.2: the PSK is not available).
  CommitOptions options;
  options.psks = {resumption(wire::ResumptionPskUsage::kApplication, first)};
  EXPECT_TRUE(rejects_unchanged(*a, ErrorCode::kPskNotFound, [&] { a->commit(options); }));
  // The setting is state: it survives serialization.
  EXPECT_EQ(Group::deserialize(provider, a->serialize().view()).config().resumption_psks_kept, 1u);
  expect_all_agree();
}

// §12.1.4, §11.2, §11.3: a PreSharedKey proposal of type resumption with usage reinit or branch
// is invalid, whether received alone, sent, or carried by value in a commit.
TEST_P(Psk, Rfc12_1_4_ResumptionPskProposalOfUsageReinitOrBranchIsInvalid) {
  for (const auto usage : {wire::ResumptionPskUsage::kReinit, wire::ResumptionPskUsage::kBranch}) {
    const wire::Proposal proposal{wire::PreSharedKey{resumption(usage, a->epoch())}};
    const auto forged = Forger(suite, *c).propose(proposal);
    EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kPskUsageInvalid, [&] { b->process(forged); }));
    CommitOptions options;
    options.psks = {std::get<wire::PreSharedKey>(proposal.content).psk};
    EXPECT_TRUE(rejects_unchanged(*a, ErrorCode::kPskUsageInvalid, [&] { a->commit(options); }));
    // A genuine commit of Alice's with the proposal added by value, signed and MACed again.
    auto g = genuine_commit(*a);
    const auto bad = g.forger.reseal_commit(g.out.commit, [&](wire::Commit& commit) {
      commit.proposals.push_back(wire::ProposalOrRef{proposal});
    });
    EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kPskUsageInvalid, [&] { b->process(bad); }));
  }
  // The group goes on.
  auto g = genuine_commit(*a);
  advance_all(g);
  expect_all_agree();
}

// §12.4.2: a commit naming a PSK the receiver does not have is rejected (kPskNotFound), the
// receiver unchanged; so is a commit the committer itself cannot resolve, and a Welcome whose
// GroupSecrets name an unknown PSK (§12.4.3.1).
TEST_P(Psk, Rfc12_4_2_MissingPskIsRejected) {
  a->set_policy(external_psks({{to_bytes("k1"), kPskValue}}));
  const Client dave = make_client(suite, "dave");
  CommitOptions options;
  options.psks = {external("k1")};
  options.add = {dave.key_package.key_package};
  auto g = genuine_commit(*a, options);
  EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kPskNotFound,
                                [&] { b->process(over_the_wire(g.out.commit)); }));
  EXPECT_EQ(error_of_join(dave, *g.out.welcome), ErrorCode::kPskNotFound);
  CommitOptions unknown;
  unknown.psks = {external("k2")};
  EXPECT_TRUE(rejects_unchanged(*a, ErrorCode::kPskNotFound, [&] { a->commit(unknown); }));
  // A resumption PSK of an epoch that never was.
  CommitOptions future;
  future.psks = {resumption(wire::ResumptionPskUsage::kApplication, a->epoch() + 5)};
  EXPECT_TRUE(rejects_unchanged(*a, ErrorCode::kPskNotFound, [&] { a->commit(future); }));

  // With the PSK given to Bob and Carol, the same commit goes through.
  for (Group* m : {&*b, &*c})
    m->set_policy(external_psks({{to_bytes("k1"), kPskValue}}));
  advance_all(g);
  expect_all_agree();
}

// §12.4.2: a commit covering a PSK its committer cannot resolve would fail, so a committer leaves
// out a received PreSharedKey proposal naming such a PSK and commits the rest: one member's
// PSK proposal cannot keep the others from committing.
TEST_P(Psk, Rfc12_4_2_CommitterLeavesOutAProposedPskItLacks) {
  b->set_policy(external_psks({{to_bytes("k1"), kPskValue}}));
  deliver(b->propose_psk(external("k1")), {&*a, &*c});
  deliver(b->propose_remove(c->own_leaf()), {&*a, &*c});
  auto g = genuine_commit(*a);
  const StagedCommit* staged = g.committer.pending_commit();
  ASSERT_NE(staged, nullptr);
  EXPECT_TRUE(staged->psks().empty());
  EXPECT_EQ(staged->removed().size(), 1u);
  const auto received = std::get<StagedCommit>(b->process(over_the_wire(g.out.commit)));
  EXPECT_TRUE(received.psks().empty());
  b->merge(received);
  g.committer.merge_pending_commit();
  EXPECT_EQ(g.committer.epoch_authenticator(), b->epoch_authenticator());
}

// §8.6, §12.4.3.1: a joiner has no epoch of the group it joins; a plain join() of a Welcome
// naming a resumption PSK finds none (Group::join_resumed is for reinit and branch Welcomes).
TEST_P(Psk, Rfc8_6_PlainJoinFindsNoResumptionPsk) {
  const Client dave = make_client(suite, "dave");
  CommitOptions options;
  options.psks = {resumption(wire::ResumptionPskUsage::kApplication, a->epoch())};
  options.add = {dave.key_package.key_package};
  auto g = genuine_commit(*a, options);
  EXPECT_EQ(error_of_join(dave, *g.out.welcome), ErrorCode::kPskNotFound);
  advance_all(g);
  expect_all_agree();
}

INSTANTIATE_TEST_SUITE_P(AllSuites, Psk, ::testing::Range<uint16_t>(1, 8), suite_name);

}  // namespace
}  // namespace conclave::group_testing
