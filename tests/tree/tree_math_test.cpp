// RFC 9420 §4.1 and Appendix C: array-based tree arithmetic.
#include "conclave/tree/tree_math.h"

#include <gtest/gtest.h>

#include "conclave/base/error.h"

namespace conclave::tree {
namespace {

std::vector<uint32_t> values(const std::vector<NodeIndex>& nodes) {
  std::vector<uint32_t> out;
  for (auto n : nodes)
    out.push_back(n.value);
  return out;
}

TEST(TreeMath, LevelsAndWidths) {
  EXPECT_EQ(level(NodeIndex(0)), 0u);
  EXPECT_EQ(level(NodeIndex(1)), 1u);
  EXPECT_EQ(level(NodeIndex(3)), 2u);
  EXPECT_EQ(level(NodeIndex(7)), 3u);
  EXPECT_EQ(level(NodeIndex(11)), 2u);
  EXPECT_EQ(node_width(LeafCount(0)), 0u);
  EXPECT_EQ(node_width(LeafCount(1)), 1u);
  EXPECT_EQ(node_width(LeafCount(8)), 15u);
  EXPECT_EQ(root(LeafCount(1)).value, 0u);
  EXPECT_EQ(root(LeafCount(8)).value, 7u);
}

TEST(TreeMath, EightMemberExampleOfSection4_1) {
  // §4.1: leaves A..H at nodes 0..14 (even). A's direct path is T, U, W = 1, 3, 7 and its
  // copath B, V, Y = 2, 5, 11; E's direct path X, Y, W = 9, 11, 7, copath F, Z, U = 10, 13, 3.
  const LeafCount n(8);
  EXPECT_EQ(values(direct_path(NodeIndex(0), n)), (std::vector<uint32_t>{1, 3, 7}));
  EXPECT_EQ(values(copath(NodeIndex(0), n)), (std::vector<uint32_t>{2, 5, 11}));
  EXPECT_EQ(values(direct_path(NodeIndex(8), n)), (std::vector<uint32_t>{9, 11, 7}));
  EXPECT_EQ(values(copath(NodeIndex(8), n)), (std::vector<uint32_t>{10, 13, 3}));
  EXPECT_TRUE(direct_path(NodeIndex(7), n).empty());
}

TEST(TreeMath, CommonAncestor) {
  EXPECT_EQ(common_ancestor(NodeIndex(0), NodeIndex(2)).value, 1u);
  EXPECT_EQ(common_ancestor(NodeIndex(0), NodeIndex(14)).value, 7u);
  EXPECT_EQ(common_ancestor(NodeIndex(8), NodeIndex(12)).value, 11u);
  EXPECT_EQ(common_ancestor(NodeIndex(3), NodeIndex(4)).value, 3u);  // 4 lies under 3
  EXPECT_EQ(common_ancestor(NodeIndex(11), NodeIndex(3)).value, 7u);
  EXPECT_EQ(common_ancestor(NodeIndex(6), NodeIndex(6)).value, 6u);
}

TEST(TreeMath, SubtreeMembership) {
  EXPECT_TRUE(is_in_subtree(NodeIndex(3), NodeIndex(0)));
  EXPECT_TRUE(is_in_subtree(NodeIndex(3), NodeIndex(6)));
  EXPECT_FALSE(is_in_subtree(NodeIndex(3), NodeIndex(7)));
  EXPECT_FALSE(is_in_subtree(NodeIndex(3), NodeIndex(8)));
}

TEST(TreeMath, LargestTreeDoesNotOverflow) {
  // 2^31 leaves: node indices up to 2^32 - 2, the root at 2^31 - 1.
  const LeafCount n(kMaxLeaves);
  EXPECT_EQ(node_width(n), 0xffffffffu);
  EXPECT_EQ(root(n).value, 0x7fffffffu);
  const NodeIndex last_leaf = LeafIndex(kMaxLeaves - 1).node();
  EXPECT_EQ(last_leaf.value, 0xfffffffeu);
  const auto path = direct_path(last_leaf, n);
  ASSERT_EQ(path.size(), 31u);
  EXPECT_EQ(path.back().value, 0x7fffffffu);
  EXPECT_EQ(right(root(n)).value, 0xbfffffffu);
  EXPECT_EQ(sibling(last_leaf, n).value, 0xfffffffcu);
  EXPECT_EQ(common_ancestor(NodeIndex(0), last_leaf).value, 0x7fffffffu);
}

TEST(TreeMath, InvalidQueriesAreTypedErrors) {
  auto code_of = [](auto fn) {
    try {
      fn();
    } catch (const Error& e) {
      return e.code();
    }
    return ErrorCode::kInternal;
  };
  EXPECT_EQ(code_of([] { left(NodeIndex(4)); }), ErrorCode::kInvalidArgument);
  EXPECT_EQ(code_of([] { parent(NodeIndex(7), LeafCount(8)); }), ErrorCode::kInvalidArgument);
  EXPECT_EQ(code_of([] { parent(NodeIndex(15), LeafCount(8)); }), ErrorCode::kInvalidArgument);
  EXPECT_EQ(code_of([] { root(LeafCount(0)); }), ErrorCode::kInvalidArgument);
  EXPECT_EQ(code_of([] { node_width(LeafCount(kMaxLeaves + 1)); }), ErrorCode::kInvalidArgument);
}

TEST(TreeMath, FullLeafCount) {
  EXPECT_EQ(full_leaf_count(0).value, 1u);
  EXPECT_EQ(full_leaf_count(1).value, 1u);
  EXPECT_EQ(full_leaf_count(5).value, 8u);
  EXPECT_EQ(full_leaf_count(8).value, 8u);
}

}  // namespace
}  // namespace conclave::tree
