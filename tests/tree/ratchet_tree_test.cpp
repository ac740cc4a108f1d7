// RFC 9420 §4.1, §7.7, §7.8, §7.9, §12.1.1-§12.1.3, §12.4.3.3: the public ratchet tree.
#include "conclave/tree/ratchet_tree.h"

#include <gtest/gtest.h>

#include <random>

#include "tree/tree_test_util.h"

namespace conclave::tree {
namespace {

using testing::error_of;
using testing::TestGroup;

crypto::Suite suite1() {
  return crypto::Suite(crypto::openssl_provider(), 1);
}

// Nodes with made-up content: enough for structure, resolution and hashing tests.
wire::LeafNode fake_leaf(uint8_t id) {
  wire::LeafNode l;
  l.encryption_key = Bytes{0xE0, id};
  l.signature_key = Bytes{0x50, id};
  l.credential = wire::Credential::basic(Bytes{id});
  l.capabilities.credentials = {wire::CredentialType::kBasic};
  return l;
}
wire::ParentNode fake_parent(uint8_t id, std::vector<uint32_t> unmerged = {}) {
  return wire::ParentNode{Bytes{0xA0, id}, {}, std::move(unmerged)};
}
std::optional<wire::Node> leaf_node(uint8_t id) {
  return wire::Node{fake_leaf(id)};
}
std::optional<wire::Node> parent_node(uint8_t id, std::vector<uint32_t> unmerged = {}) {
  return wire::Node{fake_parent(id, std::move(unmerged))};
}

std::vector<uint32_t> values(const std::vector<NodeIndex>& nodes) {
  std::vector<uint32_t> out;
  for (NodeIndex x : nodes)
    out.push_back(x.value);
  return out;
}

std::vector<uint32_t> path_nodes(const std::vector<PathStep>& path) {
  std::vector<uint32_t> out;
  for (const PathStep& s : path)
    out.push_back(s.node.value);
  return out;
}

TEST(RatchetTree, ResolutionOfTheSection4_1_1Example) {
  // §4.1.1 figure: A B _ D | E F _ H with X[B] over leaves 0-3 (node 3) and Y over 4-5 (node 9).
  const std::optional<wire::Node> blank;
  const wire::RatchetTreeNodes nodes = {
      leaf_node(0), blank, leaf_node(1), parent_node(3, {1}), blank,        blank,
      leaf_node(3), blank, leaf_node(4), parent_node(9),      leaf_node(5), blank,
      blank,        blank, leaf_node(7)};
  const RatchetTree tree = RatchetTree::from_nodes(suite1(), nodes);
  EXPECT_EQ(values(tree.resolution(NodeIndex(3))), (std::vector<uint32_t>{3, 2}));  // [X, B]
  EXPECT_TRUE(tree.resolution(NodeIndex(4)).empty());                               // leaf 2
  EXPECT_TRUE(tree.resolution(NodeIndex(12)).empty());                              // leaf 6
  EXPECT_EQ(values(tree.resolution(NodeIndex(7))), (std::vector<uint32_t>{3, 2, 9, 14}));
  // Leaves added by the commit are left out (§12.4.2).
  const std::vector<LeafIndex> joiners{LeafIndex(1), LeafIndex(7)};
  EXPECT_EQ(values(tree.resolution(NodeIndex(7), joiners)), (std::vector<uint32_t>{3, 9}));
  EXPECT_TRUE(tree.resolution_empty(NodeIndex(4)));
  EXPECT_FALSE(tree.resolution_empty(NodeIndex(5)));  // D
  EXPECT_FALSE(tree.resolution_empty(NodeIndex(11)));
}

TEST(RatchetTree, FilteredDirectPathsOfTheSection4_1_2Example) {
  // §4.1.2 figure: A B _ _ E F G _ with T (1), X (9), Y (11) and W (7) set; U, V, Z blank.
  const std::optional<wire::Node> blank;
  const wire::RatchetTreeNodes nodes = {leaf_node(0), parent_node(1), leaf_node(1), blank,
                                        blank,        blank,          blank,        parent_node(7),
                                        leaf_node(4), parent_node(9), leaf_node(5), parent_node(11),
                                        leaf_node(6)};
  const RatchetTree tree = RatchetTree::from_nodes(suite1(), nodes);
  EXPECT_EQ(path_nodes(tree.filtered_direct_path(LeafIndex(0))), (std::vector<uint32_t>{1, 7}));
  EXPECT_EQ(path_nodes(tree.filtered_direct_path(LeafIndex(1))), (std::vector<uint32_t>{1, 7}));
  EXPECT_EQ(path_nodes(tree.filtered_direct_path(LeafIndex(4))), (std::vector<uint32_t>{9, 11, 7}));
  EXPECT_EQ(path_nodes(tree.filtered_direct_path(LeafIndex(5))), (std::vector<uint32_t>{9, 11, 7}));
  EXPECT_EQ(path_nodes(tree.filtered_direct_path(LeafIndex(6))), (std::vector<uint32_t>{11, 7}));
  // Each step names its copath child: for A, B (leaf 1) under T and Y (11) under W.
  const auto a = tree.filtered_direct_path(LeafIndex(0));
  EXPECT_EQ(a[0].copath_child, NodeIndex(2));
  EXPECT_EQ(a[1].copath_child, NodeIndex(11));
}

TEST(RatchetTree, AddTakesTheLeftmostBlankLeafElseExtends) {
  // §12.1.1, §7.7
  RatchetTree tree(suite1());
  EXPECT_TRUE(tree.empty());
  EXPECT_EQ(tree.add_leaf(fake_leaf(0)), LeafIndex(0));
  EXPECT_EQ(tree.leaf_count(), LeafCount(1));
  EXPECT_EQ(tree.add_leaf(fake_leaf(1)), LeafIndex(1));
  EXPECT_EQ(tree.add_leaf(fake_leaf(2)), LeafIndex(2));
  EXPECT_EQ(tree.leaf_count(), LeafCount(4));
  EXPECT_EQ(tree.leftmost_blank_leaf(), LeafIndex(3));
  EXPECT_EQ(tree.add_leaf(fake_leaf(3)), LeafIndex(3));
  EXPECT_EQ(tree.leftmost_blank_leaf(), LeafIndex(4));  // full: the next add extends
  tree.remove_leaf(LeafIndex(1));
  EXPECT_EQ(tree.leftmost_blank_leaf(), LeafIndex(1));
  EXPECT_EQ(tree.add_leaf(fake_leaf(9)), LeafIndex(1));
  EXPECT_EQ(tree.member_count(), 4u);
}

TEST(RatchetTree, AddListsTheNewLeafAsUnmergedAtNonBlankParentsInOrder) {
  // §12.1.1: every non-blank parent above the new leaf lists it; §7.1: lists stay sorted.
  const std::optional<wire::Node> blank;
  const wire::RatchetTreeNodes nodes = {leaf_node(0),        parent_node(1), leaf_node(1),
                                        parent_node(3, {3}), blank,          blank,
                                        leaf_node(3)};  // leaf 2 blank, root lists leaf 3
  RatchetTree tree = RatchetTree::from_nodes(suite1(), nodes);
  EXPECT_EQ(tree.add_leaf(fake_leaf(2)), LeafIndex(2));
  EXPECT_EQ(tree.parent_node(NodeIndex(3))->unmerged_leaves, (std::vector<uint32_t>{2, 3}));
  EXPECT_TRUE(tree.parent_node(NodeIndex(1))->unmerged_leaves.empty());  // not above leaf 2
  EXPECT_TRUE(tree.is_blank(NodeIndex(5)));                              // blank: no list
}

TEST(RatchetTree, UpdateReplacesTheLeafAndBlanksItsDirectPath) {
  // §12.1.2
  const wire::RatchetTreeNodes nodes = {leaf_node(0), parent_node(1), leaf_node(1), parent_node(3),
                                        leaf_node(2), parent_node(5), leaf_node(3)};
  RatchetTree tree = RatchetTree::from_nodes(suite1(), nodes);
  tree.update_leaf(LeafIndex(2), fake_leaf(42));
  EXPECT_EQ(*tree.leaf(LeafIndex(2)), fake_leaf(42));
  EXPECT_TRUE(tree.is_blank(NodeIndex(5)));
  EXPECT_TRUE(tree.is_blank(NodeIndex(3)));
  EXPECT_FALSE(tree.is_blank(NodeIndex(1)));
  EXPECT_EQ(tree.find_leaf_by_signature_key(fake_leaf(42).signature_key), LeafIndex(2));
  EXPECT_FALSE(tree.find_leaf_by_signature_key(fake_leaf(2).signature_key));
  EXPECT_EQ(error_of([&] { tree.update_leaf(LeafIndex(9), fake_leaf(1)); }),
            ErrorCode::kLeafNotInTree);
}

TEST(RatchetTree, RemoveBlanksThePathAndTruncates) {
  // §12.1.3, §7.7: the tree shrinks to 2^d leaves, d smallest with 2^d > the last member.
  RatchetTree tree(suite1());
  for (uint8_t i = 0; i < 5; ++i)
    tree.add_leaf(fake_leaf(i));
  EXPECT_EQ(tree.leaf_count(), LeafCount(8));
  tree.remove_leaf(LeafIndex(4));
  EXPECT_EQ(tree.leaf_count(), LeafCount(4));
  tree.remove_leaf(LeafIndex(1));
  EXPECT_EQ(tree.leaf_count(), LeafCount(4));  // leaf 3 still holds the right half
  tree.remove_leaf(LeafIndex(3));
  EXPECT_EQ(tree.leaf_count(), LeafCount(4));  // leaf 2 does
  tree.remove_leaf(LeafIndex(2));
  EXPECT_EQ(tree.leaf_count(), LeafCount(1));
  EXPECT_EQ(tree.member_count(), 1u);
  EXPECT_EQ(error_of([&] {
              tree.remove_leaf(LeafIndex(0));
              tree.remove_leaf(LeafIndex(0));
            }),
            ErrorCode::kLeafBlank);
}

TEST(RatchetTree, RemoveBlanksTheDirectPathOfTheRemovedLeaf) {
  // §12.1.3
  const wire::RatchetTreeNodes nodes = {leaf_node(0), parent_node(1), leaf_node(1), parent_node(3),
                                        leaf_node(2), parent_node(5), leaf_node(3)};
  RatchetTree tree = RatchetTree::from_nodes(suite1(), nodes);
  tree.remove_leaf(LeafIndex(0));
  EXPECT_TRUE(tree.is_blank(NodeIndex(0)));
  EXPECT_TRUE(tree.is_blank(NodeIndex(1)));
  EXPECT_TRUE(tree.is_blank(NodeIndex(3)));
  EXPECT_FALSE(tree.is_blank(NodeIndex(5)));
  EXPECT_FALSE(tree.find_node_by_encryption_key(Bytes{0xA0, 1}));
  EXPECT_EQ(tree.find_node_by_encryption_key(Bytes{0xA0, 5}), NodeIndex(5));
}

TEST(RatchetTree, ExportStripsTrailingBlanksAndRoundTrips) {
  // §12.4.3.3
  RatchetTree tree(suite1());
  for (uint8_t i = 0; i < 3; ++i)
    tree.add_leaf(fake_leaf(i));
  const wire::RatchetTreeNodes nodes = tree.to_nodes();
  EXPECT_EQ(nodes.size(), 5u);  // 4 leaves, 7 nodes, the last two blank
  const RatchetTree back = RatchetTree::from_nodes(suite1(), nodes);
  EXPECT_TRUE(back == tree);
  EXPECT_EQ(back.tree_hash(), tree.tree_hash());
  EXPECT_EQ(back.leaf_count(), LeafCount(4));
  // The ratchet_tree extension written from the stored encodings: the same bytes.
  EXPECT_EQ(tree.encoded_nodes(), codec::encode(nodes));
  EXPECT_EQ(RatchetTree(suite1()).encoded_nodes(), codec::encode(wire::RatchetTreeNodes{}));
}

TEST(RatchetTree, ImportRejectsMalformedTrees) {
  // §12.4.3.3: non-empty, no trailing blank, leaves at even and parents at odd positions; a
  // last node that is a parent would mean untruncated blank leaves (§7.7).
  const std::optional<wire::Node> blank;
  const auto import = [](wire::RatchetTreeNodes nodes) {
    return error_of([&] { RatchetTree::from_nodes(suite1(), nodes); });
  };
  EXPECT_EQ(import({}), ErrorCode::kTreeEmpty);
  EXPECT_EQ(import({leaf_node(0), blank, blank}), ErrorCode::kTreeTrailingBlank);
  EXPECT_EQ(import({leaf_node(0), leaf_node(1), leaf_node(2)}), ErrorCode::kTreeNodeTypeMismatch);
  EXPECT_EQ(import({parent_node(0)}), ErrorCode::kTreeNodeTypeMismatch);
  EXPECT_EQ(import({leaf_node(0), parent_node(1)}), ErrorCode::kTreeNotTruncated);
  EXPECT_EQ(import({leaf_node(0), blank, blank, blank, leaf_node(2)}),
            ErrorCode::kInternal);  // well formed: accepted
}

TEST(RatchetTree, KeyLookupsFollowEveryChange) {
  RatchetTree tree(suite1());
  for (uint8_t i = 0; i < 4; ++i)
    tree.add_leaf(fake_leaf(i));
  EXPECT_EQ(tree.find_leaf_by_signature_key(Bytes{0x50, 3}), LeafIndex(3));
  EXPECT_EQ(tree.find_node_by_encryption_key(Bytes{0xE0, 2}), NodeIndex(4));
  tree.remove_leaf(LeafIndex(3));
  EXPECT_FALSE(tree.find_leaf_by_signature_key(Bytes{0x50, 3}));
  EXPECT_EQ(tree.signature_key_count(Bytes{0x50, 0}), 1u);
  tree.add_leaf(fake_leaf(0));  // a duplicate key: counted, found by validation
  EXPECT_EQ(tree.signature_key_count(Bytes{0x50, 0}), 2u);
  EXPECT_EQ(tree.encryption_key_count(Bytes{0xE0, 0}), 2u);
}

TEST(RatchetTree, CredentialTypeCountsFollowEveryChange) {
  // §7.3 bookkeeping.
  RatchetTree tree(suite1());
  wire::LeafNode x509 = fake_leaf(1);
  x509.credential = wire::Credential::x509({});
  x509.capabilities.credentials = {wire::CredentialType::kX509, wire::CredentialType::kBasic,
                                   wire::CredentialType::kX509};
  tree.add_leaf(fake_leaf(0));
  tree.add_leaf(x509);
  EXPECT_EQ(tree.credential_type_users(wire::CredentialType::kBasic), 1u);
  EXPECT_EQ(tree.credential_type_users(wire::CredentialType::kX509), 1u);
  EXPECT_EQ(tree.credential_type_supporters(wire::CredentialType::kBasic), 2u);
  EXPECT_EQ(tree.credential_type_supporters(wire::CredentialType::kX509), 1u);
  tree.update_leaf(LeafIndex(1), fake_leaf(2));
  EXPECT_EQ(tree.credential_type_users(wire::CredentialType::kX509), 0u);
  EXPECT_EQ(tree.credential_types_in_use(),
            (std::vector<wire::CredentialType>{wire::CredentialType::kBasic}));
}

// §7.8: the cached hashes after any sequence of changes equal those of a fresh import.
TEST(RatchetTree, CachedHashesMatchRecomputationAfterEveryChange) {
  std::mt19937 rng(7);
  RatchetTree tree(suite1());
  uint8_t next = 0;
  for (int step = 0; step < 120; ++step) {
    const uint32_t members = tree.member_count();
    const int op = members < 2 ? 0 : static_cast<int>(rng() % 4);
    if (op == 0 || op == 3) {
      tree.add_leaf(fake_leaf(next++));
    } else {
      std::vector<LeafIndex> all = tree.members();
      const LeafIndex l = all[rng() % all.size()];
      if (op == 1) {
        tree.remove_leaf(l);
      } else {
        // A merged path: new keys along the filtered direct path.
        std::vector<wire::HpkePublicKey> keys;
        for (size_t i = 0; i < tree.filtered_direct_path(l).size(); ++i)
          keys.push_back(Bytes{0xC0, next, static_cast<uint8_t>(i)});
        PathMerge plan = tree.plan_path(l, keys);
        plan.leaf = fake_leaf(next++);
        const Bytes predicted = tree.tree_hash_after(plan);
        tree.merge(plan);
        ASSERT_EQ(tree.tree_hash(), predicted) << "step " << step;
      }
    }
    const RatchetTree fresh = RatchetTree::from_nodes(suite1(), tree.to_nodes());
    ASSERT_EQ(tree.tree_hash(), fresh.tree_hash()) << "step " << step;
    // §12.4.3.3: blanks, parents with unmerged leaves, trailing blanks left out.
    ASSERT_EQ(tree.encoded_nodes(), codec::encode(tree.to_nodes())) << "step " << step;
    for (uint32_t i = 0; i < tree.width(); ++i) {
      const NodeIndex x(i);
      ASSERT_EQ(tree.tree_hash(x), fresh.tree_hash(x)) << "step " << step << " node " << i;
      if (tree.parent_node(x) != nullptr) {
        ASSERT_EQ(tree.parent_hash(x, left(x)), fresh.parent_hash(x, left(x)));
        ASSERT_EQ(tree.parent_hash(x, right(x)), fresh.parent_hash(x, right(x)));
      }
    }
  }
}

TEST(RatchetTree, OriginalSiblingTreeHashLeavesOutUnmergedLeaves) {
  // §7.9 figure: W [F] over U and Y [F]; the original sibling tree hash of Y for W is the tree
  // hash of Y with F blanked and removed from Y's unmerged leaves.
  const std::optional<wire::Node> blank;
  const wire::RatchetTreeNodes with_f = {
      leaf_node(0), parent_node(1),       leaf_node(1),        parent_node(3), leaf_node(2),
      blank,        leaf_node(3),         parent_node(7, {5}), leaf_node(4),   blank,
      leaf_node(5), parent_node(11, {5}), leaf_node(6)};
  wire::RatchetTreeNodes without_f = with_f;
  without_f[10].reset();
  std::get<wire::ParentNode>(without_f[11]->value).unmerged_leaves.clear();
  std::get<wire::ParentNode>(without_f[7]->value).unmerged_leaves.clear();
  const RatchetTree tree = RatchetTree::from_nodes(suite1(), with_f);
  const RatchetTree reduced = RatchetTree::from_nodes(suite1(), without_f);
  EXPECT_EQ(tree.original_sibling_tree_hash(NodeIndex(7), NodeIndex(11)),
            reduced.tree_hash(NodeIndex(11)));
  EXPECT_NE(tree.tree_hash(NodeIndex(11)), reduced.tree_hash(NodeIndex(11)));
  // U's side holds none of W's unmerged leaves: its current tree hash is the original one.
  EXPECT_EQ(tree.original_sibling_tree_hash(NodeIndex(7), NodeIndex(3)),
            tree.tree_hash(NodeIndex(3)));
}

TEST(RatchetTree, PlanRejectsAWrongNumberOfKeysAndStalePlansAreRefused) {
  // §7.6: one UpdatePathNode per node of the filtered direct path.
  RatchetTree tree(suite1());
  for (uint8_t i = 0; i < 3; ++i)
    tree.add_leaf(fake_leaf(i));
  const std::vector<wire::HpkePublicKey> one{Bytes{1}};
  EXPECT_EQ(error_of([&] { (void)tree.plan_path(LeafIndex(0), one); }),
            ErrorCode::kUpdatePathLengthMismatch);
  const std::vector<wire::HpkePublicKey> two{Bytes{1}, Bytes{2}};
  PathMerge plan = tree.plan_path(LeafIndex(0), two);
  tree.add_leaf(fake_leaf(7));
  EXPECT_EQ(error_of([&] { tree.merge(plan); }), ErrorCode::kInvalidArgument);
}

TEST(RatchetTree, CopiesAreIndependentValues) {
  TestGroup g = TestGroup::grown(4);
  RatchetTree copy = g.tree;
  EXPECT_TRUE(copy == g.tree);
  copy.remove_leaf(LeafIndex(3));
  EXPECT_FALSE(copy == g.tree);
  EXPECT_NE(copy.tree_hash(), g.tree.tree_hash());
  EXPECT_EQ(g.tree.member_count(), 4u);
}

TEST(RatchetTree, ExtendToHoldMakesRoomForAnExternalJoiner) {
  // §12.4.3.2 with §7.7: an external joiner takes the leftmost blank leaf, extending if needed.
  RatchetTree tree(suite1());
  tree.add_leaf(fake_leaf(0));
  tree.add_leaf(fake_leaf(1));
  const LeafIndex l = tree.leftmost_blank_leaf();
  EXPECT_EQ(l, LeafIndex(2));
  tree.extend_to_hold(l);
  EXPECT_EQ(tree.leaf_count(), LeafCount(4));
  EXPECT_TRUE(tree.is_blank(l.node()));
}

}  // namespace
}  // namespace conclave::tree
