// RFC 9420 §7.4-§7.6 and the tree steps of §12.4.2: creating and applying UpdatePaths.
#include "conclave/tree/treekem.h"

#include <gtest/gtest.h>

#include "tree/tree_test_util.h"

namespace conclave::tree {
namespace {

using testing::error_of;
using testing::resign;
using testing::TestGroup;

TEST(TreeKem, EveryMemberReachesTheCommittersTreeAndCommitSecret) {
  // §7.5: TestGroup::commit has every receiver apply the path on its own copy and compare.
  TestGroup g = TestGroup::grown(9);
  for (uint32_t committer : {8u, 0u, 5u, 3u})
    g.commit(LeafIndex(committer));
  g.remove(LeafIndex(2));
  g.remove(LeafIndex(6));
  g.add("new 1");
  g.commit(LeafIndex(7));  // blanks, and an unmerged leaf in the resolutions
  g.add("new 2");
  g.commit(LeafIndex(1));
}

TEST(TreeKem, WorksForEverySuite) {
  // §17.1: the seven cipher suites.
  for (uint16_t suite = 1; suite <= 7; ++suite) {
    SCOPED_TRACE(suite);
    TestGroup g = TestGroup::grown(4, suite);
    g.commit(LeafIndex(3));
  }
}

TEST(TreeKem, PathSecretsAndKeysFollowSection7_4) {
  // path_secret[0] = DeriveSecret(leaf_secret, "path"), path_secret[n+1] = DeriveSecret(
  // path_secret[n], "path"), node keys from DeriveSecret(path_secret, "node"); the commit
  // secret is one step past the last path secret.
  TestGroup g = TestGroup::grown(3);  // leaves 0-2: leaf 0's filtered direct path is 1, 3
  const crypto::Suite& s = g.suite;
  const SecretBytes leaf_secret(Bytes(s.hash_len(), 0x11));
  RatchetTree tree = g.tree;
  TreeKemPrivate me = g.privates.at(0);
  const auto created = create_update_path(tree, me, *g.tree.leaf(LeafIndex(0)),
                                          g.signature_keys.at(0), g.context(), {}, leaf_secret);
  const SecretBytes ps0 = s.derive_secret(leaf_secret.view(), "path");
  const SecretBytes ps1 = s.derive_secret(ps0.view(), "path");
  const auto key = [&](const SecretBytes& secret) {
    return s.derive_hpke_key_pair(s.derive_secret(secret.view(), "node").view()).public_key;
  };
  EXPECT_EQ(created.path.leaf_node.encryption_key, key(leaf_secret));
  ASSERT_EQ(created.path.nodes.size(), 2u);
  EXPECT_EQ(created.path.nodes[0].encryption_key, key(ps0));
  EXPECT_EQ(created.path.nodes[1].encryption_key, key(ps1));
  ASSERT_EQ(created.path_secrets.size(), 2u);
  EXPECT_EQ(created.path_secrets[0].first, NodeIndex(1));
  EXPECT_EQ(created.path_secrets[0].second, ps0);
  EXPECT_EQ(created.path_secrets[1].first, NodeIndex(3));
  EXPECT_EQ(created.commit_secret, s.derive_secret(ps1.view(), "path"));
  // §12.4.2: the new leaf is a commit leaf carrying the path's parent hash, signed with the
  // group id and leaf index, and the tree now holds the path.
  EXPECT_EQ(created.path.leaf_node.leaf_node_source, wire::LeafNodeSource::kCommit);
  EXPECT_NO_THROW(check_leaf_signature(s, created.path.leaf_node, LeafIndex(0), g.group_id));
  EXPECT_EQ(tree.parent_node(NodeIndex(3))->encryption_key, key(ps1));
  EXPECT_EQ(created.provisional_context.tree_hash, tree.tree_hash());
  EXPECT_NO_THROW(me.check_consistent(tree));
  EXPECT_EQ(me.keys().size(), 3u);  // leaf, node 1, node 3
}

TEST(TreeKem, LoneMemberCommitsWithAnEmptyPath) {
  // §4.1.2: with no one else the filtered direct path is empty; the commit secret is still one
  // step past the leaf secret.
  TestGroup g;
  g.add("alone");
  const SecretBytes leaf_secret(Bytes(g.suite.hash_len(), 0x22));
  const auto created = create_update_path(g.tree, g.privates.at(0), *g.tree.leaf(LeafIndex(0)),
                                          g.signature_keys.at(0), g.context(), {}, leaf_secret);
  EXPECT_TRUE(created.path.nodes.empty());
  EXPECT_TRUE(created.path.leaf_node.parent_hash.empty());
  EXPECT_EQ(created.commit_secret, g.suite.derive_secret(leaf_secret.view(), "path"));
}

TEST(TreeKem, PathSecretsAreEncryptedToTheCopathResolutionLessNewMembers) {
  // §7.6, §12.4.2: one ciphertext per resolution node of the copath child, leaving out the
  // leaves added by the same commit.
  TestGroup g = TestGroup::grown(4);
  const LeafIndex a = g.add("new a");  // leaves 4, 5: the tree doubles, the new root blank
  const LeafIndex b = g.add("new b");
  RatchetTree tree = g.tree;
  TreeKemPrivate me = g.privates.at(0);
  const auto with_joiners = create_update_path(tree, me, *g.tree.leaf(LeafIndex(0)),
                                               g.signature_keys.at(0), g.context(), {{a, b}});
  ASSERT_EQ(with_joiners.path.nodes.size(), 3u);  // nodes 1, 3 and the root 7
  EXPECT_EQ(with_joiners.path.nodes[0].encrypted_path_secret.size(), 1u);  // leaf 1
  EXPECT_EQ(with_joiners.path.nodes[1].encrypted_path_secret.size(), 1u);  // node 5
  EXPECT_EQ(with_joiners.path.nodes[2].encrypted_path_secret.size(), 0u);  // only joiners
  // Welcome: both joiners' common ancestor with leaf 0 is the root.
  EXPECT_EQ(with_joiners.path_secret_for(LeafIndex(0), a), &with_joiners.path_secrets[2].second);
  const auto created = g.commit(LeafIndex(0));  // not joiners: leaves 4 and 5 are encrypted to
  EXPECT_EQ(created.path.nodes[2].encrypted_path_secret.size(), 2u);
}

TEST(TreeKem, JoinersImplantTheirPathSecret) {
  // §12.4.3.1: the path secret of the common ancestor gives the keys up to the root.
  TestGroup g = TestGroup::grown(5);
  const LeafIndex joiner = g.add("joiner");
  g.commit(LeafIndex(1), {joiner});  // the harness implants and compares commit secrets
  const TreeKemPrivate& me = g.privates.at(joiner.value);
  EXPECT_TRUE(me.keys().count(NodeIndex(7)));  // the root
  EXPECT_NO_THROW(me.check_consistent(g.tree));
  // A wrong path secret does not fit the tree and changes nothing.
  TreeKemPrivate other = g.privates.at(4);
  const TreeKemPrivate before = other;
  EXPECT_EQ(error_of([&] {
              other.implant(g.tree, NodeIndex(7), SecretBytes(Bytes(g.suite.hash_len(), 1)));
            }),
            ErrorCode::kPrivateKeyMismatch);
  EXPECT_TRUE(other == before);
}

TEST(TreeKem, ExternalJoinerCommitsFromANewLeaf) {
  // §12.4.2 (external commit): the joiner takes the leftmost blank leaf, extending the tree.
  TestGroup g = TestGroup::grown(4);
  const LeafIndex slot = g.tree.leftmost_blank_leaf();
  EXPECT_EQ(slot, LeafIndex(4));
  const auto joiner = g.new_member("external");
  RatchetTree theirs = g.tree;
  theirs.extend_to_hold(slot);
  TreeKemPrivate me(slot);
  wire::LeafNode leaf = joiner.leaf;
  const auto created = create_update_path(theirs, me, leaf, joiner.signature_private, g.context());
  EXPECT_EQ(theirs.member_count(), 5u);
  for (uint32_t i = 0; i < 4; ++i) {
    RatchetTree mine = g.tree;
    mine.extend_to_hold(slot);
    TreeKemPrivate receiver = g.privates.at(i);
    const auto applied = apply_update_path(mine, receiver, slot, created.path, g.context());
    EXPECT_EQ(applied.commit_secret, created.commit_secret);
    EXPECT_TRUE(mine == theirs);
  }
}

// A committed path from leaf 0 of grown(4) and the group before it, for the negative tests.
struct Sent {
  TestGroup group = TestGroup::grown(4);
  CreatedUpdatePath created;
  wire::UpdatePath path;
  Sent() {
    RatchetTree after = group.tree;
    TreeKemPrivate me = group.privates.at(0);
    created = create_update_path(after, me, *group.tree.leaf(LeafIndex(0)),
                                 group.signature_keys.at(0), group.context());
    path = created.path;
  }
  // Applies `p` as leaf `receiver`; afterwards the tree and the private state must be as before.
  ErrorCode apply(const wire::UpdatePath& p, uint32_t receiver = 3,
                  std::optional<wire::GroupContext> context = std::nullopt) {
    RatchetTree tree = group.tree;
    TreeKemPrivate me = group.privates.at(receiver);
    const ErrorCode code = error_of(
        [&] { apply_update_path(tree, me, LeafIndex(0), p, context.value_or(group.context())); });
    EXPECT_TRUE(tree == group.tree) << "the tree changed";
    EXPECT_TRUE(me == group.privates.at(receiver)) << "the private state changed";
    return code;
  }
  // Re-signs the path's leaf as leaf 0 would, parent hash taken from the path's keys.
  void reseal(wire::UpdatePath& p) {
    std::vector<wire::HpkePublicKey> keys;
    for (const auto& n : p.nodes)
      keys.push_back(n.encryption_key);
    p.leaf_node.parent_hash = group.tree.plan_path(LeafIndex(0), keys).leaf_parent_hash;
    resign(group.suite, p.leaf_node, LeafIndex(0), group.signature_keys.at(0), group.group_id);
  }
  // Encrypts the path secrets again under the context the (altered) path gives, as a
  // committer sending that path would.
  void reencrypt(wire::UpdatePath& p) {
    const PathMerge plan = plan_update_path(group.tree, LeafIndex(0), p);
    wire::GroupContext context = group.context();
    context.tree_hash = group.tree.tree_hash_after(plan);
    const Bytes encoded = codec::encode(context);
    for (size_t i = 0; i < p.nodes.size(); ++i) {
      p.nodes[i].encrypted_path_secret.clear();
      for (NodeIndex r : group.tree.resolution(plan.path[i].copath_child))
        p.nodes[i].encrypted_path_secret.push_back(
            group.suite.encrypt_with_label(*group.tree.encryption_key(r), "UpdatePathNode", encoded,
                                           created.path_secrets[i].second.view()));
    }
  }
};

TEST(TreeKem, HonestPathApplies) {
  Sent s;
  RatchetTree tree = s.group.tree;
  TreeKemPrivate me = s.group.privates.at(3);
  const auto applied = apply_update_path(tree, me, LeafIndex(0), s.path, s.group.context());
  EXPECT_EQ(applied.commit_secret, s.created.commit_secret);
  EXPECT_EQ(applied.decrypted_node, NodeIndex(3));
  EXPECT_EQ(applied.path_secret, s.created.path_secrets[1].second);
  EXPECT_EQ(*tree.leaf(LeafIndex(0)), s.path.leaf_node);
}

TEST(TreeKem, PathOfTheWrongLengthIsRejected) {
  // §7.6: one UpdatePathNode per filtered direct path node.
  Sent s;
  wire::UpdatePath p = s.path;
  p.nodes.pop_back();
  EXPECT_EQ(s.apply(p), ErrorCode::kUpdatePathLengthMismatch);
}

TEST(TreeKem, LeafWithTheWrongParentHashIsRejected) {
  // §7.9.2: the committer's leaf must carry the parent hash its path produces.
  Sent s;
  wire::UpdatePath p = s.path;
  p.leaf_node.parent_hash.at(0) ^= 1;
  EXPECT_EQ(s.apply(p), ErrorCode::kLeafParentHashMismatch);
}

TEST(TreeKem, PathLeafThatIsNotACommitLeafIsRejected) {
  // §12.4.2: the UpdatePath's leaf_node_source is commit.
  Sent s;
  wire::UpdatePath p = s.path;
  p.leaf_node.leaf_node_source = wire::LeafNodeSource::kUpdate;
  EXPECT_EQ(s.apply(p), ErrorCode::kLeafNodeSourceMismatch);
}

TEST(TreeKem, PathReusingATreeKeyIsRejected) {
  // §12.4.2: no UpdatePath key may appear in the tree; the old leaf key included.
  Sent s;
  wire::UpdatePath p = s.path;
  p.nodes[1].encryption_key = to_bytes(*s.group.tree.encryption_key(NodeIndex(5)));
  s.reseal(p);
  EXPECT_EQ(s.apply(p), ErrorCode::kUpdatePathKeyReused);
  wire::UpdatePath q = s.path;
  q.leaf_node.encryption_key = s.group.tree.leaf(LeafIndex(0))->encryption_key;
  resign(s.group.suite, q.leaf_node, LeafIndex(0), s.group.signature_keys.at(0), s.group.group_id);
  EXPECT_EQ(s.apply(q), ErrorCode::kUpdatePathKeyReused);
}

TEST(TreeKem, WrongNumberOfCiphertextsIsRejected) {
  // §7.6: one ciphertext per resolution node of the copath child, at every node.
  Sent s;
  wire::UpdatePath p = s.path;
  p.nodes[0].encrypted_path_secret.push_back(p.nodes[0].encrypted_path_secret[0]);
  EXPECT_EQ(s.apply(p), ErrorCode::kUpdatePathCiphertextCount);
}

TEST(TreeKem, PublicKeyThatDoesNotFollowFromThePathSecretIsRejected) {
  // §7.5 step 6: a committer that puts a root key unrelated to its path secrets (and signs
  // a matching parent hash) is caught by the receivers that derive it.
  Sent s;
  wire::UpdatePath p = s.path;
  p.nodes.back().encryption_key = s.group.suite.generate_hpke_key_pair().public_key;
  s.reseal(p);
  s.reencrypt(p);
  EXPECT_EQ(s.apply(p, 1), ErrorCode::kUpdatePathKeyMismatch);  // decrypts at node 1
  EXPECT_EQ(s.apply(p, 3), ErrorCode::kUpdatePathKeyMismatch);  // decrypts at the root
}

TEST(TreeKem, ReceiverWithoutAKeyInTheResolutionIsRejected) {
  // §7.5: nothing in the copath child's resolution that the receiver holds a key for.
  Sent s;
  RatchetTree tree = s.group.tree;
  TreeKemPrivate stranger(LeafIndex(2));
  EXPECT_EQ(
      error_of([&] { apply_update_path(tree, stranger, LeafIndex(0), s.path, s.group.context()); }),
      ErrorCode::kNoDecryptionKey);
  EXPECT_TRUE(tree == s.group.tree);
}

TEST(TreeKem, PathEncryptedUnderAnotherContextDoesNotDecrypt) {
  // §7.6: the provisional GroupContext is the HPKE context.
  Sent s;
  wire::GroupContext other = s.group.context();
  other.epoch += 5;
  EXPECT_EQ(s.apply(s.path, 3, other), ErrorCode::kAeadAuthenticationFailed);
}

TEST(TreeKem, KeysOfReplacedOrBlankedNodesAreDropped) {
  // §7.5: outdated key pairs are deleted once the nodes change.
  TestGroup g = TestGroup::grown(4);
  const auto before = g.privates.at(1).keys();
  EXPECT_TRUE(before.count(NodeIndex(3)));  // the root, from leaf 2's commit
  g.commit(LeafIndex(3));
  const auto& after = g.privates.at(1).keys();
  EXPECT_FALSE(after.at(NodeIndex(3)) == before.at(NodeIndex(3)));  // replaced by leaf 3's
  g.remove(LeafIndex(0));                                           // blanks node 1 and the root
  const TreeKemPrivate& me = g.privates.at(1);
  EXPECT_FALSE(me.keys().count(NodeIndex(1)));
  EXPECT_FALSE(me.keys().count(NodeIndex(3)));
  EXPECT_NO_THROW(me.check_consistent(g.tree));
}

TEST(TreeKem, StaleKeysAreIgnoredAndReportedByTheConsistencyCheck) {
  // §12.4.3.1: a private key is only good for the node whose public key matches it.
  TestGroup g = TestGroup::grown(4);
  TreeKemPrivate me = g.privates.at(1);
  RatchetTree tree = g.tree;
  tree.update_leaf(LeafIndex(0), *tree.leaf(LeafIndex(0)));  // blanks node 1 and the root
  EXPECT_EQ(me.private_key(tree, NodeIndex(3)), nullptr);
  EXPECT_NE(me.private_key(tree, NodeIndex(2)), nullptr);  // its own leaf
  EXPECT_EQ(error_of([&] { me.check_consistent(tree); }), ErrorCode::kPrivateKeyMismatch);
  me.prune(tree);
  EXPECT_NO_THROW(me.check_consistent(tree));
}

}  // namespace
}  // namespace conclave::tree
