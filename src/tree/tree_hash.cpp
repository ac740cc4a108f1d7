// RFC 9420 §7.8 tree hashes, cached per node, and §7.9 parent hashes. A tree hash slot is
// recomputed only after invalidate() cleared it, which happens along the path of a changed node.
#include <algorithm>
#include <string>

#include "conclave/base/error.h"
#include "conclave/codec/codec.h"
#include "conclave/tree/ratchet_tree.h"

namespace conclave::tree {

namespace {

constexpr uint8_t kTreeHashValid = 1;

// §7.8: TreeHashInput{leaf, LeafNodeHashInput{leaf_index, optional<LeafNode>}}, from the leaf's
// encoding (empty for a blank leaf: no LeafNode encodes to nothing).
Bytes hash_of_leaf_encoding(const crypto::Suite& suite, LeafIndex l, BytesView encoded) {
  codec::Writer w;
  codec::write(w, wire::NodeType::kLeaf);
  w.u32(l.value);
  w.u8(encoded.empty() ? 0 : 1);
  w.raw(encoded);
  return suite.hash(w.bytes());
}

}  // namespace

Bytes RatchetTree::hash_leaf(LeafIndex l, const wire::LeafNode* leaf) const {
  return hash_of_leaf_encoding(suite_, l, leaf ? codec::encode(*leaf) : Bytes());
}

Bytes RatchetTree::hash_stored_leaf(LeafIndex l) const {
  return hash_of_leaf_encoding(suite_, l, encoded_leaf(l));
}

Bytes RatchetTree::hash_parent(const wire::ParentNode* node, BytesView left_hash,
                               BytesView right_hash) const {
  // §7.8: TreeHashInput{parent, ParentNodeHashInput{optional<ParentNode>, left, right}}
  codec::Writer w;
  codec::write(w, wire::NodeType::kParent);
  w.u8(node ? 1 : 0);
  if (node) codec::write(w, *node);
  w.opaque(left_hash);
  w.opaque(right_hash);
  return suite_.hash(w.bytes());
}

Bytes RatchetTree::hash_parent_hash_input(BytesView key, BytesView parent_hash,
                                          BytesView sibling_hash) const {
  // §7.9: ParentHashInput{encryption_key, parent_hash, original_sibling_tree_hash}
  codec::Writer w;
  w.opaque(key);
  w.opaque(parent_hash);
  w.opaque(sibling_hash);
  return suite_.hash(w.bytes());
}

BytesView RatchetTree::node_hash(NodeIndex x, Bytes& scratch) const {
  // A leaf's tree hash is one hash of its encoding, and every path recomputation needs at most
  // one leaf's: cheaper to recompute than to keep a row for every leaf of the tree.
  if (x.is_leaf()) {
    scratch = hash_stored_leaf(x.leaf());
    return scratch;
  }
  return cached_tree_hash(x);
}

BytesView RatchetTree::cached_tree_hash(NodeIndex x) const {
  const size_t hash_len = suite_.hash_len();
  uint8_t* slot = tree_hashes_.row(x.value >> 1);
  if ((cache_flags_[x.value] & kTreeHashValid) == 0) {
    // Nodes of the extension, outside the tree, are blank. The children's views point into
    // tree_hashes_, whose rows never move, or into the scratch buffers of a leaf child.
    Bytes left_scratch, right_scratch;
    const BytesView left_hash = node_hash(left(x), left_scratch);
    const BytesView right_hash = node_hash(right(x), right_scratch);
    const Bytes h = hash_parent(parent_node(x), left_hash, right_hash);
    std::copy(h.begin(), h.end(), slot);
    cache_flags_[x.value] |= kTreeHashValid;
  }
  return BytesView(slot, hash_len);
}

void RatchetTree::hash_extension(uint32_t target) const {
  // §7.8: a blank node's tree hash depends on its index only, so the right half that the next
  // doubling adds (§7.7) can be hashed before it is in the tree. Leaves go from the left, each
  // parent as soon as its right child is done; subtrees whose hash is valid (a halving kept
  // them) are skipped whole.
  const uint32_t c = leaf_count_.value;
  if (c == 0 || c >= kMaxLeaves) return;
  const LeafCount wider(2 * c);
  const NodeIndex half = right(tree::root(wider));
  target = std::min(target, c);
  while (extension_hashed_ < target) {
    const uint32_t done = extension_hashed_;
    // The largest subtree starting at leaf c + done, or its leftmost part that is valid.
    uint32_t size = done == 0 ? c : done & (~done + 1);
    NodeIndex x(2 * (c + done) + size - 1);
    while (size > 1 && (cache_flags_[x.value] & kTreeHashValid) == 0) {
      x = left(x);
      size /= 2;
    }
    // A leaf has no row; a parent's is valid here already.
    extension_hashed_ = done + size;
    // The parents x completes: their left children lie before it and are done already.
    while (x != half && parent(x, wider) < x) {
      x = parent(x, wider);
      cached_tree_hash(x);
    }
  }
}

void RatchetTree::hash_extension_ahead() const {
  // Two leaves of the extension for each member past half the tree: the whole right half is
  // hashed when the tree is full, by adds in proportion to their number.
  const uint64_t c = leaf_count_.value;
  const uint64_t members = member_count();
  if (2 * members > c) hash_extension(static_cast<uint32_t>(std::min(c, 2 * members - c)));
}

RatchetTree RatchetTree::restore(crypto::Suite suite, wire::RatchetTreeNodes nodes,
                                 BytesView tree_hashes) {
  while (!nodes.empty() && !nodes.back())
    nodes.pop_back();
  RatchetTree tree = from_nodes(std::move(suite), std::move(nodes));
  const size_t expected = size_t{tree.width()} * tree.suite_.hash_len();
  if (tree_hashes.size() != expected)
    throw Error(ErrorCode::kInvalidArgument,
                "tree hashes for " + std::to_string(tree_hashes.size()) + " bytes, the tree has " +
                    std::to_string(expected));
  const size_t hash_len = tree.suite_.hash_len();
  for (uint32_t x = 1; x < tree.width(); x += 2) {  // parents only: leaves have no row
    std::copy_n(tree_hashes.begin() + size_t{x} * hash_len, hash_len,
                tree.tree_hashes_.row(x >> 1));
    tree.cache_flags_[x] |= kTreeHashValid;
  }
  return tree;
}

Bytes RatchetTree::tree_hash() const {
  if (empty()) return {};
  return tree_hash(root());
}

Bytes RatchetTree::tree_hash(NodeIndex x) const {
  if (!contains(x))
    throw Error(ErrorCode::kInvalidArgument, "node " + std::to_string(x.value) + " not in tree");
  Bytes scratch;
  return to_bytes(node_hash(x, scratch));
}

Bytes RatchetTree::hash_excluding(NodeIndex x, std::span<const uint32_t> excluded) const {
  // The tree hash of x's subtree with the excluded leaves blanked and dropped from every
  // unmerged list; subtrees without excluded leaves reuse their cached hash (§7.9).
  const LeafSpan span = leaves_under(x);
  const auto first = std::lower_bound(excluded.begin(), excluded.end(), span.first);
  const auto last = std::lower_bound(first, excluded.end(), uint64_t{span.first} + span.count);
  if (x.is_leaf()) return first == last ? hash_stored_leaf(x.leaf()) : hash_leaf(x.leaf(), nullptr);
  if (first == last) return to_bytes(cached_tree_hash(x));
  const std::span<const uint32_t> inside(first, last);
  const Bytes left_hash = hash_excluding(left(x), inside);
  const Bytes right_hash = hash_excluding(right(x), inside);
  const wire::ParentNode* node = parents_.get(x.value >> 1);
  if (!node) return hash_parent(nullptr, left_hash, right_hash);
  wire::ParentNode reduced = *node;
  std::erase_if(reduced.unmerged_leaves,
                [&](uint32_t u) { return std::binary_search(inside.begin(), inside.end(), u); });
  return hash_parent(&reduced, left_hash, right_hash);
}

Bytes RatchetTree::original_sibling_tree_hash(NodeIndex p, NodeIndex s) const {
  const wire::ParentNode* node = parent_node(p);
  if (node == nullptr)
    throw Error(ErrorCode::kInvalidArgument,
                "node " + std::to_string(p.value) + " is not a non-blank parent node");
  if (p.is_leaf() || (s != left(p) && s != right(p)))
    throw Error(ErrorCode::kInvalidArgument, "node " + std::to_string(s.value) +
                                                 " is not a child of " + std::to_string(p.value));
  const LeafSpan span = leaves_under(s);
  std::vector<uint32_t> excluded;
  for (uint32_t u : node->unmerged_leaves)
    if (span.contains(LeafIndex(u))) excluded.push_back(u);
  if (excluded.empty()) {
    Bytes scratch;
    return to_bytes(node_hash(s, scratch));
  }
  std::sort(excluded.begin(), excluded.end());
  return hash_excluding(s, excluded);
}

Bytes RatchetTree::parent_hash(NodeIndex p, NodeIndex s) const {
  if (parent_node(p) == nullptr)
    throw Error(ErrorCode::kInvalidArgument,
                "node " + std::to_string(p.value) + " is not a non-blank parent node");
  if (s != left(p) && s != right(p))
    throw Error(ErrorCode::kInvalidArgument, "node " + std::to_string(s.value) +
                                                 " is not a child of " + std::to_string(p.value));
  // Not cached: validation (§7.9.2) asks for each (p, s) once, and a slot per parent would hold
  // two hashes for every parent of the tree for the rest of the epoch.
  const wire::ParentNode& node = *parent_node(p);
  return hash_parent_hash_input(node.encryption_key, node.parent_hash,
                                original_sibling_tree_hash(p, s));
}

}  // namespace conclave::tree
