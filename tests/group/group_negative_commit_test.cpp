// Negative tests for processing a Commit (RFC 9420 §6, §7.5-§7.6, §12.4.2): each test breaks one
// rule in an otherwise genuine commit of Alice's, expects Bob to reject it with the rule's error
// and to be left exactly as he was, then to accept the genuine commit.
#include <gtest/gtest.h>

#include "group/negative_test_util.h"

namespace conclave::group_testing {
namespace {

using CommitProcessing = NegativeGroupTest;

// --- §6 and §12.4.2: the framing -----------------------------------------------------------------

TEST_P(CommitProcessing, Rfc12_4_2_EpochMustBeTheCurrentOne) {
  auto g = genuine_commit(*a);
  for (const uint64_t epoch : {b->epoch() + 1, b->epoch() - 1}) {
    const auto forged =
        g.forger.reseal(g.out.commit, [&](wire::PublicMessage& pm) { pm.content.epoch = epoch; });
    EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kWrongEpoch, [&] { b->process(forged); }))
        << "epoch " << epoch;
  }
  expect_commit_accepted(*b, g.committer, g.out.commit);
}

TEST_P(CommitProcessing, Rfc6_GroupIdMustBeTheGroups) {
  auto g = genuine_commit(*a);
  const auto forged = g.forger.reseal(
      g.out.commit, [](wire::PublicMessage& pm) { flip_last_byte(pm.content.group_id); });
  EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kWrongGroup, [&] { b->process(forged); }));
  expect_commit_accepted(*b, g.committer, g.out.commit);
}

TEST_P(CommitProcessing, Rfc12_4_2_MembershipTagMustVerify) {
  auto g = genuine_commit(*a);
  wire::PublicMessage bad_tag = *g.out.commit.get<wire::PublicMessage>();
  flip_last_byte(*bad_tag.membership_tag);
  EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kInvalidMembershipTag,
                                [&] { b->process(wire::MlsMessage{bad_tag}); }));

  // The tag covers the content: changed (and signed again) under the old tag.
  wire::PublicMessage stale_tag = *g.out.commit.get<wire::PublicMessage>();
  const auto resigned = g.forger.reseal(g.out.commit, [](wire::PublicMessage& pm) {
    pm.content.authenticated_data = to_bytes("changed");
  });
  stale_tag.content = resigned.get<wire::PublicMessage>()->content;
  stale_tag.auth = resigned.get<wire::PublicMessage>()->auth;
  EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kInvalidMembershipTag,
                                [&] { b->process(wire::MlsMessage{stale_tag}); }));
  expect_commit_accepted(*b, g.committer, g.out.commit);
}

TEST_P(CommitProcessing, Rfc12_4_2_SignatureMustVerify) {
  auto g = genuine_commit(*a);
  const auto flipped = g.forger.reseal(
      g.out.commit, [](wire::PublicMessage& pm) { flip_last_byte(pm.auth.signature); },
      /*resign=*/false);
  EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kInvalidSignature, [&] { b->process(flipped); }));

  // Signed by Carol, a member who knows the membership key, in Alice's name.
  const Forger carol_forger(suite, *c);
  const auto by_carol = carol_forger.reseal(g.out.commit, [](wire::PublicMessage&) {});
  ASSERT_EQ(by_carol.get<wire::PublicMessage>()->content.sender, wire::Sender::member(0));
  EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kInvalidSignature, [&] { b->process(by_carol); }));
  expect_commit_accepted(*b, g.committer, g.out.commit);
}

TEST_P(CommitProcessing, Rfc12_4_2_SenderMustBeAMember) {
  auto g = genuine_commit(*a);
  // Leaf 3 is blank; leaf 9 is outside the tree of four leaves.
  for (const uint32_t leaf : {3u, 9u}) {
    const auto forged = g.forger.reseal(g.out.commit, [&](wire::PublicMessage& pm) {
      pm.content.sender = wire::Sender::member(leaf);
    });
    EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kUnknownSender, [&] { b->process(forged); }))
        << "leaf " << leaf;
  }
  expect_commit_accepted(*b, g.committer, g.out.commit);
}

TEST_P(CommitProcessing, Rfc12_4_2_OwnCommitMustBeThePendingOne) {
  // A commit in Alice's name that her group did not create (here: a copy of her state did).
  auto g = genuine_commit(*a);
  EXPECT_TRUE(
      rejects_unchanged(*a, ErrorCode::kSenderNotAllowed, [&] { a->process(g.out.commit); }));
  expect_commit_accepted(*b, g.committer, g.out.commit);
}

// --- §12.4.2: the path
// -----------------------------------------------------------------------------

TEST_P(CommitProcessing, Rfc12_4_2_PathRequiredForEmptyCommit) {
  auto g = genuine_commit(*a);
  ASSERT_TRUE(commit_of(*std::get_if<wire::PublicMessage>(&g.out.commit.body)).path);
  const auto forged =
      g.forger.reseal_commit(g.out.commit, [](wire::Commit& commit) { commit.path.reset(); });
  EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kPathRequired, [&] { b->process(forged); }));
  expect_commit_accepted(*b, g.committer, g.out.commit);
}

TEST_P(CommitProcessing, Rfc12_4_2_PathRequiredForRemove) {
  CommitOptions remove;
  remove.remove = {c->own_leaf()};
  auto g = genuine_commit(*a, remove);
  const auto forged =
      g.forger.reseal_commit(g.out.commit, [](wire::Commit& commit) { commit.path.reset(); });
  EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kPathRequired, [&] { b->process(forged); }));
  expect_commit_accepted(*b, g.committer, g.out.commit);
}

TEST_P(CommitProcessing, Rfc12_4_2_PathRequiredForUpdate) {
  deliver(c->propose_update(), {&*a, &*b});
  auto g = genuine_commit(*a);
  ASSERT_EQ(commit_of(*std::get_if<wire::PublicMessage>(&g.out.commit.body)).proposals.size(), 1u);
  const auto forged =
      g.forger.reseal_commit(g.out.commit, [](wire::Commit& commit) { commit.path.reset(); });
  EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kPathRequired, [&] { b->process(forged); }));
  expect_commit_accepted(*b, g.committer, g.out.commit);
}

TEST_P(CommitProcessing, Rfc12_4_2_CommitterLeafSourceMustBeCommit) {
  auto g = genuine_commit(*a);
  const auto forged = g.forger.reseal_commit(g.out.commit, [&](wire::Commit& commit) {
    wire::LeafNode& leaf = commit.path->leaf_node;
    leaf.leaf_node_source = wire::LeafNodeSource::kUpdate;
    leaf.parent_hash.clear();
    g.forger.sign_leaf(leaf);
  });
  EXPECT_TRUE(
      rejects_unchanged(*b, ErrorCode::kLeafNodeSourceMismatch, [&] { b->process(forged); }));
  expect_commit_accepted(*b, g.committer, g.out.commit);
}

TEST_P(CommitProcessing, Rfc12_4_2_CommitterLeafMustBeValid) {
  // §7.3 through §12.4.2 "Validate the LeafNode": its signature.
  auto g = genuine_commit(*a);
  const auto forged = g.forger.reseal_commit(
      g.out.commit, [](wire::Commit& commit) { flip_last_byte(commit.path->leaf_node.signature); });
  EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kLeafSignatureInvalid, [&] { b->process(forged); }));
  expect_commit_accepted(*b, g.committer, g.out.commit);
}

TEST_P(CommitProcessing, Rfc12_4_2_CommitterEncryptionKeyMustChange) {
  auto g = genuine_commit(*a);
  const Bytes current = b->tree().leaf(a->own_leaf())->encryption_key;
  const auto forged = g.forger.reseal_commit(g.out.commit, [&](wire::Commit& commit) {
    commit.path->leaf_node.encryption_key = current;
    g.forger.sign_leaf(commit.path->leaf_node);
  });
  EXPECT_TRUE(
      rejects_unchanged(*b, ErrorCode::kEncryptionKeyNotUpdated, [&] { b->process(forged); }));
  expect_commit_accepted(*b, g.committer, g.out.commit);
}

TEST_P(CommitProcessing, Rfc12_4_2_UpdatePathKeysMustNotBeInTheTree) {
  auto g = genuine_commit(*a);
  const Bytes bobs_key = b->tree().leaf(b->own_leaf())->encryption_key;
  ASSERT_EQ(commit_of(*std::get_if<wire::PublicMessage>(&g.out.commit.body)).path->nodes.size(),
            2u);

  // A path node with Bob's leaf key.
  const auto node_reuses = g.forger.reseal_commit(
      g.out.commit, [&](wire::Commit& commit) { commit.path->nodes[1].encryption_key = bobs_key; });
  EXPECT_TRUE(
      rejects_unchanged(*b, ErrorCode::kUpdatePathKeyReused, [&] { b->process(node_reuses); }));

  // One fresh key on two path nodes.
  const auto twice = g.forger.reseal_commit(g.out.commit, [&](wire::Commit& commit) {
    commit.path->nodes[1].encryption_key = commit.path->nodes[0].encryption_key;
  });
  EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kUpdatePathKeyReused, [&] { b->process(twice); }));

  // The path's leaf with Bob's key: caught first by the leaf's own validation (§7.3: encryption
  // keys are unique in the tree).
  const auto leaf_reuses = g.forger.reseal_commit(g.out.commit, [&](wire::Commit& commit) {
    commit.path->leaf_node.encryption_key = bobs_key;
    g.forger.sign_leaf(commit.path->leaf_node);
  });
  EXPECT_TRUE(
      rejects_unchanged(*b, ErrorCode::kDuplicateEncryptionKey, [&] { b->process(leaf_reuses); }));
  expect_commit_accepted(*b, g.committer, g.out.commit);
}

// RFC 9180 §7.1.4: an UpdatePath key nobody can encrypt to, on a path node or the committer's
// leaf, would make every later commit whose path encrypts to it fail.
TEST_P(CommitProcessing, Rfc9180_7_1_4_UpdatePathKeysMustBeUsable) {
  auto g = genuine_commit(*a);
  const auto bad_node = g.forger.reseal_commit(g.out.commit, [&](wire::Commit& commit) {
    commit.path->nodes[0].encryption_key = unusable_encryption_key(suite);
  });
  EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kInvalidPublicKey, [&] { b->process(bad_node); }));
  const auto bad_leaf = g.forger.reseal_commit(g.out.commit, [&](wire::Commit& commit) {
    commit.path->leaf_node.encryption_key = unusable_encryption_key(suite);
    g.forger.sign_leaf(commit.path->leaf_node);
  });
  EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kInvalidPublicKey, [&] { b->process(bad_leaf); }));
  expect_commit_accepted(*b, g.committer, g.out.commit);
}

TEST_P(CommitProcessing, Rfc7_6_UpdatePathLengthMustMatchFilteredDirectPath) {
  auto g = genuine_commit(*a);
  const auto shorter = g.forger.reseal_commit(
      g.out.commit, [](wire::Commit& commit) { commit.path->nodes.pop_back(); });
  EXPECT_TRUE(
      rejects_unchanged(*b, ErrorCode::kUpdatePathLengthMismatch, [&] { b->process(shorter); }));
  const auto longer = g.forger.reseal_commit(g.out.commit, [&](wire::Commit& commit) {
    wire::UpdatePathNode extra = commit.path->nodes.back();
    extra.encryption_key = suite.generate_hpke_key_pair().public_key;
    commit.path->nodes.push_back(std::move(extra));
  });
  EXPECT_TRUE(
      rejects_unchanged(*b, ErrorCode::kUpdatePathLengthMismatch, [&] { b->process(longer); }));
  expect_commit_accepted(*b, g.committer, g.out.commit);
}

TEST_P(CommitProcessing, Rfc7_6_OneCiphertextPerResolutionNode) {
  auto g = genuine_commit(*a);
  // Node 3's copath child resolves to Carol's leaf alone; node 1's to Bob's.
  const auto missing = g.forger.reseal_commit(g.out.commit, [](wire::Commit& commit) {
    commit.path->nodes[1].encrypted_path_secret.clear();
  });
  EXPECT_TRUE(
      rejects_unchanged(*b, ErrorCode::kUpdatePathCiphertextCount, [&] { b->process(missing); }));
  const auto extra = g.forger.reseal_commit(g.out.commit, [](wire::Commit& commit) {
    auto& cts = commit.path->nodes[0].encrypted_path_secret;
    cts.push_back(cts.front());
  });
  EXPECT_TRUE(
      rejects_unchanged(*b, ErrorCode::kUpdatePathCiphertextCount, [&] { b->process(extra); }));
  expect_commit_accepted(*b, g.committer, g.out.commit);
}

TEST_P(CommitProcessing, Rfc7_9_2_CommitterLeafParentHashMustMatchPath) {
  auto g = genuine_commit(*a);
  const auto forged = g.forger.reseal_commit(g.out.commit, [&](wire::Commit& commit) {
    flip_last_byte(commit.path->leaf_node.parent_hash);
    g.forger.sign_leaf(commit.path->leaf_node);
  });
  EXPECT_TRUE(
      rejects_unchanged(*b, ErrorCode::kLeafParentHashMismatch, [&] { b->process(forged); }));
  expect_commit_accepted(*b, g.committer, g.out.commit);
}

TEST_P(CommitProcessing, Rfc12_4_2_DecryptedPathSecretMustDeriveThePathKeys) {
  // §7.5 through §12.4.2 "Decrypt the path secrets": a well-formed path (fresh keys, right
  // parent hash, signed leaf, ciphertexts under the right provisional GroupContext) whose
  // secret for Bob does not derive the key it sits at.
  auto g = genuine_commit(*a);
  const tree::LeafIndex alice_leaf = a->own_leaf();
  tree::RatchetTree tree = b->tree();
  const std::vector<wire::HpkePublicKey> keys{suite.generate_hpke_key_pair().public_key,
                                              suite.generate_hpke_key_pair().public_key};
  tree::PathMerge plan = tree.plan_path(alice_leaf, keys);
  wire::UpdatePath path;
  path.leaf_node = *tree.leaf(alice_leaf);
  path.leaf_node.encryption_key = suite.generate_hpke_key_pair().public_key;
  path.leaf_node.parent_hash = plan.leaf_parent_hash;
  g.forger.sign_leaf(path.leaf_node);
  plan.leaf = path.leaf_node;
  wire::GroupContext provisional = b->context();
  provisional.epoch += 1;
  provisional.tree_hash = tree.tree_hash_after(plan);
  const Bytes context = codec::encode(provisional);
  // Node 1's copath child is Bob's leaf, node 3's resolves to Carol's.
  const auto seal_to = [&](const Group& member) {
    return suite.encrypt_with_label(member.tree().leaf(member.own_leaf())->encryption_key,
                                    "UpdatePathNode", context, suite.random(suite.hash_len()));
  };
  path.nodes = {wire::UpdatePathNode{keys[0], {seal_to(*b)}},
                wire::UpdatePathNode{keys[1], {seal_to(*c)}}};
  const auto forged =
      g.forger.reseal_commit(g.out.commit, [&](wire::Commit& commit) { commit.path = path; });
  EXPECT_TRUE(
      rejects_unchanged(*b, ErrorCode::kUpdatePathKeyMismatch, [&] { b->process(forged); }));
  expect_commit_accepted(*b, g.committer, g.out.commit);
}

// --- §12.4.2: PSKs and the confirmation tag
// --------------------------------------------------------

TEST_P(CommitProcessing, Rfc12_4_2_PreSharedKeysMustBeAvailable) {
  const Bytes psk_id = to_bytes("shared out of band");
  const SecretBytes psk(suite.random(suite.hash_len()));
  GroupPolicy with_psk = accept_any_policy();
  with_psk.external_psk = [&](BytesView id) -> std::optional<SecretBytes> {
    if (to_bytes(id) == psk_id) return psk;
    return std::nullopt;
  };
  Group committer = *a;
  committer.set_policy(with_psk);
  CommitOptions options;
  options.psks = {wire::PreSharedKeyId::external(psk_id, suite.random(suite.hash_len()))};
  const CommitOutput out = committer.commit(options);
  EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kPskNotFound, [&] { b->process(out.commit); }));
  b->set_policy(with_psk);
  expect_commit_accepted(*b, committer, out.commit);
}

TEST_P(CommitProcessing, Rfc12_4_2_ConfirmationTagMustVerify) {
  auto g = genuine_commit(*a);
  const auto forged = g.forger.reseal(
      g.out.commit, [](wire::PublicMessage& pm) { flip_last_byte(*pm.auth.confirmation_tag); });
  EXPECT_TRUE(
      rejects_unchanged(*b, ErrorCode::kConfirmationTagInvalid, [&] { b->process(forged); }));
  // (A member the commit removes cannot check the tag: the path secrets are not encrypted to
  // it, so it cannot derive the new epoch's confirmation key.)
  expect_commit_accepted(*b, g.committer, g.out.commit);
}

// --- the same rules for commits sent as PrivateMessage
// ---------------------------------------------

class PrivateCommitProcessing : public NegativeGroupTest {
 protected:
  void SetUp() override {
    build(GroupConfig{});  // handshakes as PrivateMessage (the default)
    // Bob has heard from Alice in this epoch, so her ratchets are set up in his secret tree.
    b->process(a->protect(as_bytes("hello")));
  }
};

TEST_P(PrivateCommitProcessing, Rfc12_4_2_EpochAndGroupMustMatch) {
  auto g = genuine_commit(*a);
  ASSERT_NE(g.out.commit.get<wire::PrivateMessage>(), nullptr);
  for (const uint64_t epoch : {b->epoch() + 1, b->epoch() - 1}) {
    wire::PrivateMessage pm = *g.out.commit.get<wire::PrivateMessage>();
    pm.epoch = epoch;
    EXPECT_TRUE(
        rejects_unchanged(*b, ErrorCode::kWrongEpoch, [&] { b->process(wire::MlsMessage{pm}); }))
        << "epoch " << epoch;
  }
  wire::PrivateMessage other_group = *g.out.commit.get<wire::PrivateMessage>();
  flip_last_byte(other_group.group_id);
  EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kWrongGroup,
                                [&] { b->process(wire::MlsMessage{other_group}); }));
  expect_commit_accepted(*b, g.committer, g.out.commit);
}

TEST_P(PrivateCommitProcessing, Rfc12_4_2_SignatureMustVerify) {
  auto g = genuine_commit(*a);
  const auto forged = g.forger.reseal_private(
      g.out.commit, [](wire::AuthenticatedContent& ac) { flip_last_byte(ac.auth.signature); },
      /*resign=*/false);
  EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kInvalidSignature, [&] { b->process(forged); }));
  expect_commit_accepted(*b, g.committer, g.out.commit);
}

// A commit that decrypts and verifies but breaks a later rule must not use up the generation of
// the sender's handshake ratchet: the genuine commit of that generation still has to open.
TEST_P(PrivateCommitProcessing, Rfc12_4_2_RejectedCommitKeepsTheRatchetKey) {
  auto g = genuine_commit(*a);
  const auto bad_tag = g.forger.reseal_private(g.out.commit, [](wire::AuthenticatedContent& ac) {
    flip_last_byte(*ac.auth.confirmation_tag);
  });
  EXPECT_TRUE(
      rejects_unchanged(*b, ErrorCode::kConfirmationTagInvalid, [&] { b->process(bad_tag); }));
  const auto removes_committer =
      g.forger.reseal_private(g.out.commit, [](wire::AuthenticatedContent& ac) {
        std::get<wire::Commit>(ac.content.content)
            .proposals.push_back(wire::ProposalOrRef{wire::Proposal{wire::Remove{0}}});
      });
  EXPECT_TRUE(
      rejects_unchanged(*b, ErrorCode::kRemoveOfCommitter, [&] { b->process(removes_committer); }));
  expect_commit_accepted(*b, g.committer, g.out.commit);
}

// As above, for the first message Bob receives from Alice in the epoch: Alice's ratchets are
// not yet set up in Bob's secret tree, and looking the key up must not set them up either.
class PrivateCommitFirstContact : public NegativeGroupTest {
 protected:
  void SetUp() override { build(GroupConfig{}); }

  wire::MlsMessage bad_tag(const GenuineCommit& g) const {
    return g.forger.reseal_private(g.out.commit, [](wire::AuthenticatedContent& ac) {
      flip_last_byte(*ac.auth.confirmation_tag);
    });
  }
};

TEST_P(PrivateCommitFirstContact, Rfc12_4_2_RejectedCommitKeepsTheRatchetKey) {
  auto g = genuine_commit(*a);
  const auto forged = bad_tag(g);
  EXPECT_TRUE(rejects(ErrorCode::kConfirmationTagInvalid, [&] { b->process(forged); }));
  expect_commit_accepted(*b, g.committer, g.out.commit);
}

TEST_P(PrivateCommitFirstContact, Rfc12_4_2_RejectedCommitLeavesTheStateUnchanged) {
  auto g = genuine_commit(*a);
  const auto forged = bad_tag(g);
  EXPECT_TRUE(
      rejects_unchanged(*b, ErrorCode::kConfirmationTagInvalid, [&] { b->process(forged); }));
}

INSTANTIATE_TEST_SUITE_P(AllSuites, CommitProcessing, ::testing::Range<uint16_t>(1, 8), suite_name);
INSTANTIATE_TEST_SUITE_P(AllSuites, PrivateCommitProcessing, ::testing::Range<uint16_t>(1, 8),
                         suite_name);
INSTANTIATE_TEST_SUITE_P(AllSuites, PrivateCommitFirstContact, ::testing::Range<uint16_t>(1, 8),
                         suite_name);

}  // namespace
}  // namespace conclave::group_testing
