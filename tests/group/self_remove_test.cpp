// Extensions draft §SelfRemove Proposal: a member removes itself with a proposal (always a
// PublicMessage) that another member, or an external joiner, commits by reference with an
// UpdatePath. Alice (leaf 0), Bob (1) and Carol (2); every rejection leaves the receiver as it was.
#include <gtest/gtest.h>

#include "group/negative_test_util.h"

namespace conclave::group_testing {
namespace {

using wire::Proposal;
using wire::ProposalOrRef;

ProposalOrRef by_ref(const Bytes& ref) {
  return ProposalOrRef{ref};
}

class SelfRemoveTest : public NegativeGroupTest {
 protected:
  // Carol's SelfRemove, received by Alice and Bob; returns its ProposalRef.
  Bytes carol_self_removes(wire::MlsMessage* message = nullptr) {
    const wire::MlsMessage sent = c->propose_self_remove();
    if (message != nullptr) *message = sent;
    Bytes ref;
    for (Group* g : {&*a, &*b})
      ref = std::get<ReceivedProposal>(g->process(over_the_wire(sent))).ref;
    return ref;
  }

  // Everyone takes Alice's commit `g`; Carol learns she was removed.
  void expect_carol_removed(GenuineCommit& g) {
    auto staged_c = std::get<StagedCommit>(c->process(over_the_wire(g.out.commit)));
    EXPECT_TRUE(staged_c.removes_me());
    EXPECT_EQ(staged_c.self_removed(), std::vector<tree::LeafIndex>{tree::LeafIndex(2)});
    c->merge(std::move(staged_c));
    EXPECT_FALSE(c->active());
    expect_commit_accepted(*b, g.committer, g.out.commit);
    a.emplace(std::move(g.committer));
    EXPECT_EQ(a->members().size(), 2u);
    EXPECT_EQ(a->tree().leaf(tree::LeafIndex(2)), nullptr);
  }

  Client dave = make_client(suite, "dave");
};

// "such a group is a self-remove-capable group": Conclave lists self_remove by default.
TEST_P(SelfRemoveTest, GroupOfConclaveClientsIsSelfRemoveCapable) {
  EXPECT_TRUE(a->self_remove_capable());
  EXPECT_TRUE(c->self_remove_capable());
}

// The whole flow: proposed, committed by reference with an UpdatePath, the leaver told.
TEST_P(SelfRemoveTest, CommittedByReferenceRemovesTheSender) {
  const Bytes ref = carol_self_removes();
  auto g = genuine_commit(*a);
  const auto& commit =
      std::get<wire::Commit>(g.out.commit.get<wire::PublicMessage>()->content.content);
  ASSERT_EQ(commit.proposals.size(), 1u);
  EXPECT_EQ(commit.proposals[0], by_ref(ref));
  // IANA "Path Required: Y".
  EXPECT_TRUE(commit.path.has_value());
  expect_carol_removed(g);
}

// "these proposals MUST be sent in an MLS PublicMessage", whatever the handshake format.
TEST_P(SelfRemoveTest, SentAsPublicMessageInAPrivateHandshakeGroup) {
  build(GroupConfig{});  // PrivateMessage handshakes
  wire::MlsMessage sent;
  carol_self_removes(&sent);
  EXPECT_NE(sent.get<wire::PublicMessage>(), nullptr);
  auto g = genuine_commit(*a);
  EXPECT_NE(g.out.commit.get<wire::PrivateMessage>(), nullptr);
  expect_carol_removed(g);
}

// "MUST be sent in an MLS PublicMessage": a SelfRemove in a PrivateMessage is refused.
TEST_P(SelfRemoveTest, InPrivateMessageIsRejected) {
  build(GroupConfig{});
  const Forger carol_forger(suite, *c);
  const wire::MlsMessage update = c->propose_update();
  const auto forged = carol_forger.reseal_private(update, [](wire::AuthenticatedContent& content) {
    content.content.content = Proposal{wire::SelfRemove{}};
  });
  EXPECT_TRUE(
      rejects_unchanged(*b, ErrorCode::kSelfRemoveNotPublicMessage, [&] { b->process(forged); }));
}

// "SelfRemove proposals are only allowed in a Commit by reference."
TEST_P(SelfRemoveTest, ByValueIsRejected) {
  auto g = genuine_commit(*a, with_path());
  const auto forged = g.forger.reseal_commit(g.out.commit, [&](wire::Commit& commit) {
    commit.proposals = {ProposalOrRef{Proposal{wire::SelfRemove{}}}};
  });
  EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kSelfRemoveByValue, [&] { b->process(forged); }));
  advance_all(g);
}

// IANA "Path Required: Y": a commit of a SelfRemove without an UpdatePath is refused.
TEST_P(SelfRemoveTest, CommitWithoutPathIsRejected) {
  carol_self_removes();
  auto g = genuine_commit(*a);
  const auto forged =
      g.forger.reseal_commit(g.out.commit, [](wire::Commit& commit) { commit.path.reset(); });
  EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kPathRequired, [&] { b->process(forged); }));
  expect_carol_removed(g);
}

// "If there is a pending SelfRemove proposal for a specific leaf node and a pending Remove
// proposal for the same leaf node, the Remove proposal is invalid."
TEST_P(SelfRemoveTest, RemoveOfTheSameLeafIsInvalid) {
  const Bytes self_remove = carol_self_removes();
  // Bob's Remove of Carol, pending too: Alice's commit leaves it out.
  const auto remove = b->propose_remove(tree::LeafIndex(2));
  const Bytes remove_ref = std::get<ReceivedProposal>(a->process(over_the_wire(remove))).ref;
  // Alice's own Remove of Carol by value is refused.
  EXPECT_TRUE(rejects_unchanged(*a, ErrorCode::kRemoveOfSelfRemoved,
                                [&] { a->commit(removing(tree::LeafIndex(2))); }));
  auto g = genuine_commit(*a);
  const auto& commit =
      std::get<wire::Commit>(g.out.commit.get<wire::PublicMessage>()->content.content);
  EXPECT_EQ(commit.proposals, std::vector<ProposalOrRef>{by_ref(self_remove)});
  // A list holding both, in either order, is refused.
  for (const auto& list : {std::vector<ProposalOrRef>{by_ref(self_remove), by_ref(remove_ref)},
                           std::vector<ProposalOrRef>{by_ref(remove_ref), by_ref(self_remove)},
                           std::vector<ProposalOrRef>{by_ref(self_remove),
                                                      ProposalOrRef{Proposal{wire::Remove{2}}}}}) {
    const auto forged =
        g.forger.reseal_commit(g.out.commit, [&](wire::Commit& c2) { c2.proposals = list; });
    EXPECT_TRUE(
        rejects_unchanged(*b, ErrorCode::kRemoveOfSelfRemoved, [&] { b->process(forged); }));
  }
  expect_carol_removed(g);
}

// "A client MUST NOT issue more than one SelfRemove proposal per epoch."
TEST_P(SelfRemoveTest, AtMostOnePerMemberPerEpoch) {
  const Forger carol_forger(suite, *c);
  const Bytes ref = carol_self_removes();
  EXPECT_TRUE(
      rejects_unchanged(*c, ErrorCode::kSelfRemoveTwice, [&] { c->propose_self_remove(); }));
  // A second, different SelfRemove of Carol's (other authenticated data).
  wire::FramedContent second = carol_forger.frame(Proposal{wire::SelfRemove{}});
  second.authenticated_data = to_bytes("again");
  const auto again = carol_forger.seal(second);
  EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kSelfRemoveTwice, [&] { b->process(again); }));
  // The same message delivered twice is no second proposal.
  auto g = genuine_commit(*a);
  const auto twice = g.forger.reseal_commit(g.out.commit, [&](wire::Commit& commit) {
    commit.proposals = {by_ref(ref), by_ref(ref)};
  });
  EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kSelfRemoveTwice, [&] { b->process(twice); }));
  expect_carol_removed(g);
}

// A committer cannot commit its own SelfRemove (§12.2: a commit never removes its sender).
TEST_P(SelfRemoveTest, CommitterCannotCommitItsOwnSelfRemove) {
  const wire::MlsMessage sent = c->propose_self_remove();
  a->process(over_the_wire(sent));
  b->process(over_the_wire(sent));
  // Carol's own commit leaves her SelfRemove out (it would remove its sender).
  auto own = genuine_commit(*c);
  const auto& commit =
      std::get<wire::Commit>(own.out.commit.get<wire::PublicMessage>()->content.content);
  EXPECT_TRUE(commit.proposals.empty());
  const Bytes ref = std::get<ReceivedProposal>(a->process(over_the_wire(sent))).ref;
  const auto forged = own.forger.reseal_commit(
      own.out.commit, [&](wire::Commit& c2) { c2.proposals = {by_ref(ref)}; });
  EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kRemoveOfCommitter, [&] { b->process(forged); }));
}

// Only a self-remove-capable group: every member lists self_remove in its capabilities.
TEST_P(SelfRemoveTest, OnlyInSelfRemoveCapableGroup) {
  KeyPackageOptions without;
  without.capabilities = default_capabilities();
  without.capabilities->proposals.clear();
  build(public_handshakes(), without);  // Bob and Carol do not support it
  EXPECT_FALSE(a->self_remove_capable());
  EXPECT_TRUE(rejects_unchanged(*a, ErrorCode::kSelfRemoveGroupNotCapable,
                                [&] { a->propose_self_remove(); }));
  const auto forged = Forger(suite, *c).propose(Proposal{wire::SelfRemove{}});
  EXPECT_TRUE(
      rejects_unchanged(*a, ErrorCode::kSelfRemoveGroupNotCapable, [&] { a->process(forged); }));
}

// "SelfRemove cannot be sent as an external proposal."
TEST_P(SelfRemoveTest, NotAnExternalProposal) {
  const auto signer = Identity::generate(suite, basic_credential("ds"));
  EXPECT_TRUE(rejects(ErrorCode::kSenderNotAllowed, [&] {
    external_proposal(suite, a->group_id(), a->epoch(), 0, signer.signature_private_key.view(),
                      Proposal{wire::SelfRemove{}});
  }));
}

// "allowed in external Commits": the joiner includes the pending SelfRemoves by reference,
// validated except for the membership tag; the members accept it and Carol is removed.
TEST_P(SelfRemoveTest, ExternalCommitIncludesPendingSelfRemove) {
  wire::MlsMessage sent;
  const Bytes ref = carol_self_removes(&sent);
  ExternalJoin joined = Group::join_external_with_self_removes(
      provider, dave.identity, a->group_info(), {over_the_wire(sent)}, {}, accept_any_policy());
  const auto& commit =
      std::get<wire::Commit>(joined.commit.get<wire::PublicMessage>()->content.content);
  EXPECT_NE(std::find(commit.proposals.begin(), commit.proposals.end(), by_ref(ref)),
            commit.proposals.end());
  auto staged_c = std::get<StagedCommit>(c->process(over_the_wire(joined.commit)));
  EXPECT_TRUE(staged_c.removes_me());
  for (Group* g : {&*a, &*b}) {
    auto staged = std::get<StagedCommit>(g->process(over_the_wire(joined.commit)));
    EXPECT_TRUE(staged.external());
    EXPECT_EQ(staged.self_removed(), std::vector<tree::LeafIndex>{tree::LeafIndex(2)});
    g->merge(std::move(staged));
    EXPECT_EQ(g->epoch_authenticator(), joined.group.epoch_authenticator());
    EXPECT_EQ(g->members().size(), 3u);  // Alice, Bob, Dave
  }
}

// The joiner validates each SelfRemove before it includes it.
TEST_P(SelfRemoveTest, ExternalJoinerValidatesSelfRemoves) {
  wire::MlsMessage sent;
  carol_self_removes(&sent);
  const auto info = a->group_info();
  const auto join = [&](std::vector<wire::MlsMessage> self_removes,
                        const ExternalJoinOptions& options = {}) {
    return [&, self_removes, options] {
      Group::join_external_with_self_removes(provider, dave.identity, info, self_removes, options,
                                             accept_any_policy());
    };
  };
  wire::PublicMessage bad_signature = *sent.get<wire::PublicMessage>();
  flip_last_byte(bad_signature.auth.signature);
  EXPECT_TRUE(rejects(ErrorCode::kInvalidSignature, join({wire::MlsMessage{bad_signature}})));
  wire::PublicMessage other_epoch = *sent.get<wire::PublicMessage>();
  other_epoch.content.epoch += 1;
  EXPECT_TRUE(rejects(ErrorCode::kWrongEpoch, join({wire::MlsMessage{other_epoch}})));
  EXPECT_TRUE(rejects(ErrorCode::kInvalidProposal, join({b->propose_update()})));
  EXPECT_TRUE(rejects(ErrorCode::kSelfRemoveTwice, join({sent, sent})));
  // A member's membership tag is not checked (a joiner cannot): a wrong one is accepted.
  wire::PublicMessage bad_tag = *sent.get<wire::PublicMessage>();
  flip_last_byte(*bad_tag.membership_tag);
  EXPECT_FALSE(outcome_of(join({wire::MlsMessage{bad_tag}})).threw);
  // A resync of Carol's leaf together with her SelfRemove: the Remove is invalid.
  ExternalJoinOptions resync;
  resync.remove_leaf = tree::LeafIndex(2);
  EXPECT_TRUE(rejects(ErrorCode::kRemoveOfSelfRemoved, join({sent}, resync)));
}

INSTANTIATE_TEST_SUITE_P(AllSuites, SelfRemoveTest, ::testing::Range<uint16_t>(1, 8), suite_name);

}  // namespace
}  // namespace conclave::group_testing
