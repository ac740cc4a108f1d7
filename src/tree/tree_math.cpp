// RFC 9420 Appendix C.
#include "conclave/tree/tree_math.h"

#include <bit>
#include <string>

#include "conclave/base/error.h"

namespace conclave::tree {

uint32_t log2_floor(uint64_t x) {
  if (x == 0) return 0;
  return static_cast<uint32_t>(std::bit_width(x) - 1);
}

uint32_t level(NodeIndex x) {
  // The number of trailing one bits.
  return static_cast<uint32_t>(std::countr_one(x.value));
}

uint32_t node_width(LeafCount n) {
  if (n.value == 0) return 0;
  if (n.value > kMaxLeaves) throw Error(ErrorCode::kInvalidArgument, "more than 2^31 leaves");
  return static_cast<uint32_t>(2 * (uint64_t{n.value} - 1) + 1);
}

LeafCount full_leaf_count(uint32_t n) {
  if (n > kMaxLeaves) throw Error(ErrorCode::kInvalidArgument, "more than 2^31 leaves");
  return LeafCount(n <= 1 ? 1 : std::bit_ceil(n));
}

NodeIndex root(LeafCount n) {
  const uint32_t w = node_width(n);
  if (w == 0) throw Error(ErrorCode::kInvalidArgument, "a tree of no leaves has no root");
  return NodeIndex(static_cast<uint32_t>((uint64_t{1} << log2_floor(w)) - 1));
}

NodeIndex left(NodeIndex x) {
  const uint32_t k = level(x);
  if (k == 0) throw Error(ErrorCode::kInvalidArgument, "a leaf node has no children");
  return NodeIndex(x.value ^ (uint32_t{1} << (k - 1)));
}

NodeIndex right(NodeIndex x) {
  const uint32_t k = level(x);
  if (k == 0) throw Error(ErrorCode::kInvalidArgument, "a leaf node has no children");
  return NodeIndex(static_cast<uint32_t>(x.value ^ (uint64_t{3} << (k - 1))));
}

bool in_tree(NodeIndex x, LeafCount n) {
  return x.value < node_width(n);
}

NodeIndex parent(NodeIndex x, LeafCount n) {
  if (!in_tree(x, n))
    throw Error(ErrorCode::kInvalidArgument, "node " + std::to_string(x.value) + " not in tree");
  if (x == root(n)) throw Error(ErrorCode::kInvalidArgument, "the root has no parent");
  const uint32_t k = level(x);
  const uint64_t v = x.value;
  const uint64_t b = (v >> (k + 1)) & 1;
  return NodeIndex(static_cast<uint32_t>((v | (uint64_t{1} << k)) ^ (b << (k + 1))));
}

NodeIndex sibling(NodeIndex x, LeafCount n) {
  const NodeIndex p = parent(x, n);
  return x < p ? right(p) : left(p);
}

std::vector<NodeIndex> direct_path(NodeIndex x, LeafCount n) {
  const NodeIndex r = root(n);
  std::vector<NodeIndex> path;
  path.reserve(log2_floor(n.value) + 1);
  while (x != r) {
    x = parent(x, n);
    path.push_back(x);
  }
  return path;
}

std::vector<NodeIndex> copath(NodeIndex x, LeafCount n) {
  const NodeIndex r = root(n);
  std::vector<NodeIndex> path;
  path.reserve(log2_floor(n.value) + 1);
  while (x != r) {
    path.push_back(sibling(x, n));
    x = parent(x, n);
  }
  return path;
}

bool is_in_subtree(NodeIndex x, NodeIndex y) {
  // The subtree of a node at level k spans the 2^(k+1) - 1 indices centred on it.
  const uint64_t half = (uint64_t{1} << level(x)) - 1;
  const uint64_t lo = uint64_t{x.value} - half;  // never below 0: x's subtree starts at >= 0
  return uint64_t{y.value} >= lo && uint64_t{y.value} <= uint64_t{x.value} + half;
}

LeafSpan leaves_under(NodeIndex x) {
  const uint32_t k = level(x);
  const uint64_t first_node = uint64_t{x.value} - ((uint64_t{1} << k) - 1);
  return LeafSpan{static_cast<uint32_t>(first_node >> 1), static_cast<uint32_t>(uint64_t{1} << k)};
}

NodeIndex common_ancestor(NodeIndex x, NodeIndex y) {
  if (is_in_subtree(x, y)) return x;
  if (is_in_subtree(y, x)) return y;
  uint64_t xn = x.value;
  uint64_t yn = y.value;
  uint32_t k = 0;
  while (xn != yn) {
    xn >>= 1;
    yn >>= 1;
    ++k;
  }
  return NodeIndex(static_cast<uint32_t>((xn << k) + (uint64_t{1} << (k - 1)) - 1));
}

}  // namespace conclave::tree
