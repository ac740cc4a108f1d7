/// @file
/// Array-based tree arithmetic (RFC 9420 §4.1 and Appendix C). Leaves sit at even node indices
/// (leaf i at node 2i), parents at odd ones. Trees are full: the leaf count is a power of two,
/// from 1 up to 2^31 leaves (node indices then reach 2^32 - 2).
#pragma once

#include <compare>
#include <cstdint>
#include <vector>

namespace conclave::tree {

struct NodeIndex;

/// A leaf's position among the leaves (0, 1, 2, ...), distinct from its node index.
struct LeafIndex {
  uint32_t value = 0;  ///< the index
  constexpr LeafIndex() = default;
  /// Leaf `v`.
  constexpr explicit LeafIndex(uint32_t v) : value(v) {}
  /// The leaf's node index, 2 * value.
  constexpr NodeIndex node() const;
  /// Ordered by index.
  friend constexpr auto operator<=>(LeafIndex, LeafIndex) = default;
};

/// A node's position in the array form of the tree: leaves even, parents odd.
struct NodeIndex {
  uint32_t value = 0;  ///< the index
  constexpr NodeIndex() = default;
  /// Node `v`.
  constexpr explicit NodeIndex(uint32_t v) : value(v) {}
  /// True for a leaf (an even index).
  constexpr bool is_leaf() const { return (value & 1) == 0; }
  /// Only meaningful for a leaf.
  constexpr LeafIndex leaf() const { return LeafIndex(value >> 1); }
  /// Ordered by index.
  friend constexpr auto operator<=>(NodeIndex, NodeIndex) = default;
};

constexpr NodeIndex LeafIndex::node() const {
  return NodeIndex(value << 1);
}

/// The number of leaves of a tree (for the functions here, a power of two).
struct LeafCount {
  uint32_t value = 0;  ///< the count
  constexpr LeafCount() = default;
  /// `v` leaves.
  constexpr explicit LeafCount(uint32_t v) : value(v) {}
  /// Ordered by count.
  friend constexpr auto operator<=>(LeafCount, LeafCount) = default;
};

/// The largest tree supported: 2^31 leaves.
inline constexpr uint32_t kMaxLeaves = uint32_t{1} << 31;

/// The exponent of the largest power of two not above x (0 for x == 0).
uint32_t log2_floor(uint64_t x);
/// Leaves are level 0; a parent is one above its children.
uint32_t level(NodeIndex x);
/// Number of nodes in a tree of n leaves: 2n - 1 (0 for n == 0).
uint32_t node_width(LeafCount n);
/// The smallest full tree (power-of-two leaf count) holding n leaves.
LeafCount full_leaf_count(uint32_t n);
/// The node index of the root of a tree of n >= 1 leaves.
NodeIndex root(LeafCount n);
/// @{
/// Children of a parent node. Throw Error(kInvalidArgument) on a leaf.
NodeIndex left(NodeIndex x);
NodeIndex right(NodeIndex x);
/// @}
/// @{
/// The parent and the sibling of x in a tree of n leaves. Throw Error(kInvalidArgument) on the
/// root or a node outside the tree.
NodeIndex parent(NodeIndex x, LeafCount n);
NodeIndex sibling(NodeIndex x, LeafCount n);
/// @}
/// True if x is a node of a tree of n leaves.
bool in_tree(NodeIndex x, LeafCount n);
/// From x's parent up to the root; empty for the root.
std::vector<NodeIndex> direct_path(NodeIndex x, LeafCount n);
/// The siblings of x and of each node of its direct path below the root.
std::vector<NodeIndex> copath(NodeIndex x, LeafCount n);
/// The lowest node whose subtree holds both x and y.
NodeIndex common_ancestor(NodeIndex x, NodeIndex y);
/// True if y lies in the subtree rooted at x (including x itself).
bool is_in_subtree(NodeIndex x, NodeIndex y);

/// The leaves of the subtree rooted at x: leaf indices [first, first + count).
struct LeafSpan {
  uint32_t first = 0;  ///< the leftmost leaf
  uint32_t count = 0;  ///< how many leaves
  /// True if leaf l is one of them.
  bool contains(LeafIndex l) const { return l.value - first < count; }
};
/// The leaves of the subtree rooted at x.
LeafSpan leaves_under(NodeIndex x);

}  // namespace conclave::tree
