// Journaled tree changes: a commit is checked on the group's tree, undone, and redone on merge.
// Undo and redo must restore the exact tree (nodes, hashes, key indexes, leaf count).
#include <gtest/gtest.h>

#include "conclave/tree/ratchet_tree.h"
#include "tree_test_util.h"

namespace conclave::tree {
namespace {

using testing::TestGroup;

struct Snapshot {
  wire::RatchetTreeNodes nodes;
  Bytes hash;
  uint32_t members;
  explicit Snapshot(const RatchetTree& t)
      : nodes(t.to_nodes()), hash(t.tree_hash()), members(t.member_count()) {}
  bool operator==(const Snapshot&) const = default;
};

void expect_undo_redo(RatchetTree& tree, const std::function<void(RatchetTree&)>& change) {
  const Snapshot before(tree);
  tree.begin_journal();
  change(tree);
  const TreeJournal journal = tree.end_journal();
  const Snapshot after(tree);
  const RatchetTree after_tree = tree;

  tree.undo(journal);
  EXPECT_TRUE(Snapshot(tree) == before);
  tree.redo(journal);
  EXPECT_TRUE(Snapshot(tree) == after);
  EXPECT_TRUE(tree == after_tree);
  // The key indexes follow the nodes: every leaf is found by its keys again.
  for (LeafIndex l : tree.members()) {
    EXPECT_EQ(tree.find_leaf_by_signature_key(tree.leaf(l)->signature_key), l);
    EXPECT_EQ(tree.find_node_by_encryption_key(tree.leaf(l)->encryption_key), l.node());
  }
}

TEST(TreeJournal, AddThatExtendsTheTree) {
  TestGroup g = TestGroup::grown(4);
  const auto joiner = g.new_member("new");
  expect_undo_redo(g.tree, [&](RatchetTree& t) { t.add_leaf(joiner.leaf); });
  EXPECT_EQ(g.tree.leaf_count().value, 8u);
  const auto before_undo = g.tree.member_count();
  EXPECT_EQ(before_undo, 5u);
}

TEST(TreeJournal, GrowthByTwoDoublingsKeepsSubtreeCounts) {
  // 2 leaves to 8 in one journal: redo must rebuild the counts of every new ancestor.
  TestGroup g = TestGroup::grown(2);
  const auto m2 = g.new_member("m2");
  const auto m3 = g.new_member("m3");
  const auto m4 = g.new_member("m4");
  expect_undo_redo(g.tree, [&](RatchetTree& t) {
    t.add_leaf(m2.leaf);
    t.add_leaf(m3.leaf);
    t.add_leaf(m4.leaf);
  });
  EXPECT_EQ(g.tree.leaf_count().value, 8u);
  EXPECT_EQ(g.tree.member_count(), 5u);
  EXPECT_EQ(g.tree.leftmost_blank_leaf(), LeafIndex(5));
  EXPECT_EQ(g.tree.credential_type_supporters(wire::CredentialType::kBasic), 5u);
  EXPECT_FALSE(g.tree.resolution_empty(g.tree.root()));
}

TEST(TreeJournal, RemoveThatTruncatesTheTree) {
  TestGroup g = TestGroup::grown(5);
  ASSERT_EQ(g.tree.leaf_count().value, 8u);
  expect_undo_redo(g.tree, [&](RatchetTree& t) { t.remove_leaf(LeafIndex(4)); });
  EXPECT_EQ(g.tree.leaf_count().value, 4u);
}

TEST(TreeJournal, UnmergedLeavesAndUpdatesAndPathMerge) {
  TestGroup g = TestGroup::grown(8);
  const auto a = g.new_member("a");
  const auto b = g.new_member("b");
  const auto c = g.new_member("c");
  expect_undo_redo(g.tree, [&](RatchetTree& t) {
    t.remove_leaf(LeafIndex(2));
    t.add_leaf(a.leaf);  // fills leaf 2, unmerged at the non-blank parents above it
    t.add_leaf(b.leaf);  // extends to 16 leaves
    t.update_leaf(LeafIndex(5), c.leaf);  // blanks leaf 5's direct path
  });
}

TEST(TreeJournal, CommitWithUpdatePath) {
  TestGroup g = TestGroup::grown(6);
  wire::GroupContext provisional = g.context();
  ++provisional.epoch;
  TreeKemPrivate me = g.privates.at(3);
  expect_undo_redo(g.tree, [&](RatchetTree& t) {
    create_update_path(t, me, *t.leaf(LeafIndex(3)), g.signature_keys.at(3), provisional);
  });
}

TEST(TreeJournal, MisuseIsRejected) {
  TestGroup g = TestGroup::grown(2);
  EXPECT_EQ(testing::error_of([&] { g.tree.end_journal(); }), ErrorCode::kInvalidArgument);
  g.tree.begin_journal();
  EXPECT_EQ(testing::error_of([&] { g.tree.begin_journal(); }), ErrorCode::kInvalidArgument);
  const TreeJournal empty;
  EXPECT_EQ(testing::error_of([&] { g.tree.undo(empty); }), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(g.tree.end_journal().leaves_before.empty());
}

}  // namespace
}  // namespace conclave::tree
