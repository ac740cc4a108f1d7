// RFC 9420 §4.1, §7.7, §12.1.1-§12.1.3, §12.4.3.3: the tree's structure and membership
// operations. Hashing lives in tree_hash.cpp, path merging in path_merge.cpp.
#include "conclave/tree/ratchet_tree.h"

#include <algorithm>
#include <string>
#include <string_view>

#include "conclave/base/error.h"

namespace conclave::tree {

namespace {

bool equal(BytesView a, BytesView b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

std::string leaf_name(LeafIndex l) {
  return "leaf " + std::to_string(l.value);
}

}  // namespace

RatchetTree::RatchetTree(crypto::Suite suite)
    : suite_(std::move(suite)), tree_hashes_(suite_.hash_len()) {}

// The hash caches' width: the tree's extension (§7.7), so that the blank right half the next
// doubling adds can be hashed ahead. A tree of the largest size has none.
uint32_t RatchetTree::cache_width(LeafCount n) {
  return n.value >= kMaxLeaves ? node_width(n) : node_width(LeafCount(2 * n.value));
}

// Tree hash rows for a width: one per parent node (row x / 2), none for leaves.
uint32_t RatchetTree::hash_rows(uint32_t width) {
  return (width + 1) / 2;
}

void RatchetTree::resize_to(LeafCount n) {
  const uint32_t old_width = width();
  const NodeIndex old_root = empty() ? NodeIndex() : root();
  const bool shrinking = n < leaf_count_;
  if (n.value != 0 && shrinking) {
    // The right half the smaller tree's extension keeps is blank now, so its valid slots hold
    // blank hashes already; hash the others (the paths changed since it was last hashed) while
    // it is still in the tree, and the next doubling finds the whole half hashed.
    const NodeIndex kept_half(3 * n.value - 1);  // right(root(2n))
    if (nodes_below_[kept_half.value] != 0)
      throw Error(ErrorCode::kInternal, "the part of the tree dropped is not blank");
    if (!kept_half.is_leaf()) cached_tree_hash(kept_half);  // a leaf has no row to fill
    extension_hashed_ = n.value;
  } else if (n > leaf_count_) {
    extension_hashed_ = 0;  // a new extension, beyond the cached width
  }
  leaf_count_ = n;
  // Storage grows by segments, each a doubling's worth, so nothing moves and new slots are zero
  // (blank, counts 0, caches invalid) without being written. Slots a shrink drops stay for the
  // next doubling (blank, their tree hashes kept); those more than a doubling away are freed.
  const uint32_t new_width = node_width(n);
  leaves_.cover(n.value);
  parents_.cover(n.value);
  nodes_below_.cover(new_width);
  members_below_.cover(new_width);
  tree_hashes_.cover(hash_rows(cache_width(n)));
  cache_flags_.cover(cache_width(n));
  if (shrinking && n.value < kMaxLeaves / 2) {
    const LeafCount slack(2 * std::max(n.value, 1u));
    leaves_.release_from(slack.value);
    parents_.release_from(slack.value);
    nodes_below_.release_from(node_width(slack));
    members_below_.release_from(node_width(slack));
    tree_hashes_.release_from(hash_rows(cache_width(slack)));
    cache_flags_.release_from(cache_width(slack));
  }
  if (new_width > old_width && old_width > 0) {
    // §7.7: the old tree becomes the leftmost subtree under new blank parents (one per
    // doubling); everything right of it is blank, so each new parent counts what the old root
    // counted. The right halves keep their cached (blank) hashes; the new roots cover the old
    // tree, so theirs are recomputed.
    const NodeIndex new_root = root();
    for (NodeIndex x = old_root; x != new_root;) {
      x = parent(x, n);
      nodes_below_[x.value] = nodes_below_[old_root.value];
      members_below_[x.value] = members_below_[old_root.value];
      cache_flags_[x.value] = 0;
    }
  }
  ++version_;
}

void RatchetTree::adjust_counts(NodeIndex x, int nodes, int members) {
  const NodeIndex r = root();
  while (true) {
    nodes_below_[x.value] += nodes;
    members_below_[x.value] += members;
    if (x == r) break;
    x = parent(x, leaf_count_);
  }
}

void RatchetTree::invalidate(NodeIndex x) {
  // A node's hashes summarize its subtree, so every ancestor's go stale with it.
  const NodeIndex r = root();
  while (true) {
    cache_flags_[x.value] = 0;
    if (x == r) break;
    x = parent(x, leaf_count_);
  }
  ++version_;
}

BytesView RatchetTree::encryption_key_at(uint32_t node) const {
  if (NodeIndex(node).is_leaf()) return leaves_.get(node >> 1)->encryption_key;
  return parents_.get(node >> 1)->encryption_key;
}

BytesView RatchetTree::signature_key_at(uint32_t leaf) const {
  return leaves_.get(leaf)->signature_key;
}

void RatchetTree::index_leaf(const wire::LeafNode& leaf, LeafIndex l, int delta) {
  if (delta > 0) {
    encryption_keys_.insert(leaf.encryption_key, l.node().value);
    signature_keys_.insert(leaf.signature_key, l.value);
  } else {
    encryption_keys_.erase(leaf.encryption_key, l.node().value);
    signature_keys_.erase(leaf.signature_key, l.value);
  }
  const auto count = [delta](std::map<uint16_t, uint32_t>& counts, uint16_t type) {
    auto& n = counts[type];
    n += delta;
    if (n == 0) counts.erase(type);
  };
  count(credential_users_, static_cast<uint16_t>(leaf.credential.credential_type));
  // A capabilities list may name a type twice; the member supports it once.
  std::vector<wire::CredentialType> supported = leaf.capabilities.credentials;
  std::sort(supported.begin(), supported.end());
  supported.erase(std::unique(supported.begin(), supported.end()), supported.end());
  for (wire::CredentialType t : supported)
    count(credential_supporters_, static_cast<uint16_t>(t));
  std::vector<wire::ProposalType> proposals = leaf.capabilities.proposals;
  std::sort(proposals.begin(), proposals.end());
  proposals.erase(std::unique(proposals.begin(), proposals.end()), proposals.end());
  for (wire::ProposalType t : proposals)
    count(proposal_supporters_, static_cast<uint16_t>(t));
}

uint32_t RatchetTree::credential_type_users(wire::CredentialType type) const {
  const auto it = credential_users_.find(static_cast<uint16_t>(type));
  return it == credential_users_.end() ? 0 : it->second;
}

uint32_t RatchetTree::credential_type_supporters(wire::CredentialType type) const {
  const auto it = credential_supporters_.find(static_cast<uint16_t>(type));
  return it == credential_supporters_.end() ? 0 : it->second;
}

uint32_t RatchetTree::proposal_type_supporters(wire::ProposalType type) const {
  const auto it = proposal_supporters_.find(static_cast<uint16_t>(type));
  return it == proposal_supporters_.end() ? 0 : it->second;
}

std::vector<wire::CredentialType> RatchetTree::credential_types_in_use() const {
  std::vector<wire::CredentialType> out;
  for (const auto& [type, users] : credential_users_)
    out.push_back(static_cast<wire::CredentialType>(type));
  return out;
}

template <class T>
std::optional<T> RatchetTree::copy_of(const T* node) {
  return node ? std::optional<T>(*node) : std::nullopt;
}

void RatchetTree::record_leaf(LeafIndex l) {
  if (journal_ && !journal_->leaves_before.count(l.value))
    journal_->leaves_before.emplace(l.value, copy_of(leaves_.get(l.value)));
}

void RatchetTree::record_parent(NodeIndex x) {
  if (journal_ && !journal_->parents_before.count(x.value))
    journal_->parents_before.emplace(x.value, copy_of(parents_.get(x.value >> 1)));
}

void RatchetTree::set_leaf(LeafIndex l, std::optional<wire::LeafNode> leaf) {
  record_leaf(l);
  const NodeIndex x = l.node();
  const wire::LeafNode* old = leaves_.get(l.value);
  const int was = old ? 1 : 0;
  const int now = leaf ? 1 : 0;
  if (old) index_leaf(*old, l, -1);
  leaves_.set(l.value, std::move(leaf));
  if (const wire::LeafNode* fresh = leaves_.get(l.value)) index_leaf(*fresh, l, +1);
  if (now != was) adjust_counts(x, now - was, now - was);
  invalidate(x);
}

void RatchetTree::set_parent(NodeIndex x, std::optional<wire::ParentNode> node) {
  record_parent(x);
  const wire::ParentNode* old = parents_.get(x.value >> 1);
  const int was = old ? 1 : 0;
  const int now = node ? 1 : 0;
  if (old) encryption_keys_.erase(old->encryption_key, x.value);
  parents_.set(x.value >> 1, std::move(node));
  if (const wire::ParentNode* fresh = parents_.get(x.value >> 1))
    encryption_keys_.insert(fresh->encryption_key, x.value);
  if (now != was) adjust_counts(x, now - was, 0);
  invalidate(x);
}

void RatchetTree::check_leaf(LeafIndex l) const {
  if (!contains(l))
    throw Error(ErrorCode::kLeafNotInTree,
                leaf_name(l) + " of a tree of " + std::to_string(leaf_count_.value) + " leaves");
  if (!leaves_.get(l.value)) throw Error(ErrorCode::kLeafBlank, leaf_name(l) + " is blank");
}

uint32_t RatchetTree::member_count() const {
  return empty() ? 0 : members_below_[root().value];
}

bool RatchetTree::is_blank(NodeIndex x) const {
  if (!contains(x))
    throw Error(ErrorCode::kInvalidArgument, "node " + std::to_string(x.value) + " not in tree");
  return x.is_leaf() ? !leaves_.get(x.leaf().value) : !parents_.get(x.value >> 1);
}

const wire::LeafNode* RatchetTree::leaf(LeafIndex l) const {
  return contains(l) ? leaves_.get(l.value) : nullptr;
}

const wire::ParentNode* RatchetTree::parent_node(NodeIndex x) const {
  return x.is_leaf() || !contains(x) ? nullptr : parents_.get(x.value >> 1);
}

const wire::HpkePublicKey* RatchetTree::encryption_key(NodeIndex x) const {
  if (x.is_leaf()) {
    const wire::LeafNode* l = leaf(x.leaf());
    return l ? &l->encryption_key : nullptr;
  }
  const wire::ParentNode* p = parent_node(x);
  return p ? &p->encryption_key : nullptr;
}

std::vector<LeafIndex> RatchetTree::members() const {
  std::vector<LeafIndex> out;
  out.reserve(member_count());
  for (uint32_t i = 0; i < leaf_count_.value; ++i)
    if (leaves_.get(i)) out.push_back(LeafIndex(i));
  return out;
}

bool RatchetTree::resolution_empty(NodeIndex x) const {
  if (!contains(x))
    throw Error(ErrorCode::kInvalidArgument, "node " + std::to_string(x.value) + " not in tree");
  return nodes_below_[x.value] == 0;
}

void RatchetTree::collect_resolution(NodeIndex x, std::span<const LeafIndex> exclude,
                                     std::vector<NodeIndex>& out) const {
  if (nodes_below_[x.value] == 0) return;  // §4.1.1: nothing non-blank below
  const auto excluded = [&](LeafIndex l) {
    return std::binary_search(exclude.begin(), exclude.end(), l);
  };
  if (x.is_leaf()) {
    if (!excluded(x.leaf())) out.push_back(x);
    return;
  }
  if (const wire::ParentNode* node = parents_.get(x.value >> 1)) {
    // A non-blank node stands for its subtree, together with the leaves it does not cover.
    out.push_back(x);
    for (uint32_t u : node->unmerged_leaves)
      if (!excluded(LeafIndex(u))) out.push_back(LeafIndex(u).node());
    return;
  }
  collect_resolution(left(x), exclude, out);
  collect_resolution(right(x), exclude, out);
}

std::vector<NodeIndex> RatchetTree::resolution(NodeIndex x,
                                               std::span<const LeafIndex> exclude) const {
  if (!contains(x))
    throw Error(ErrorCode::kInvalidArgument, "node " + std::to_string(x.value) + " not in tree");
  std::vector<LeafIndex> sorted(exclude.begin(), exclude.end());
  std::sort(sorted.begin(), sorted.end());
  std::vector<NodeIndex> out;
  collect_resolution(x, sorted, out);
  return out;
}

std::vector<PathStep> RatchetTree::filtered_direct_path(LeafIndex l) const {
  if (!contains(l))
    throw Error(ErrorCode::kLeafNotInTree,
                leaf_name(l) + " of a tree of " + std::to_string(leaf_count_.value) + " leaves");
  std::vector<PathStep> out;
  const NodeIndex r = root();
  NodeIndex x = l.node();
  while (x != r) {
    const NodeIndex p = parent(x, leaf_count_);
    const NodeIndex copath_child = x < p ? right(p) : left(p);
    // §4.1.2: a node whose copath child resolves to nothing would encrypt to no one.
    if (!resolution_empty(copath_child)) out.push_back(PathStep{p, copath_child});
    x = p;
  }
  return out;
}

std::optional<LeafIndex> RatchetTree::find_leaf_by_signature_key(BytesView key) const {
  std::optional<LeafIndex> found;
  signature_keys_.for_each_candidate(key, [&](uint32_t l) {
    if (!equal(signature_key_at(l), key)) return false;
    found = LeafIndex(l);
    return true;
  });
  return found;
}

std::optional<NodeIndex> RatchetTree::find_node_by_encryption_key(BytesView key) const {
  std::optional<NodeIndex> found;
  encryption_keys_.for_each_candidate(key, [&](uint32_t x) {
    if (!equal(encryption_key_at(x), key)) return false;
    found = NodeIndex(x);
    return true;
  });
  return found;
}

size_t RatchetTree::signature_key_count(BytesView key) const {
  size_t count = 0;
  signature_keys_.for_each_candidate(key, [&](uint32_t l) {
    count += equal(signature_key_at(l), key) ? 1 : 0;
    return false;
  });
  return count;
}

size_t RatchetTree::encryption_key_count(BytesView key) const {
  size_t count = 0;
  encryption_keys_.for_each_candidate(key, [&](uint32_t x) {
    count += equal(encryption_key_at(x), key) ? 1 : 0;
    return false;
  });
  return count;
}

LeafIndex RatchetTree::leftmost_blank_leaf() const {
  if (empty() || members_below_[root().value] == leaf_count_.value)
    return LeafIndex(leaf_count_.value);
  // Descend towards the left whenever the left subtree still has a blank leaf.
  NodeIndex x = root();
  while (!x.is_leaf()) {
    const NodeIndex l = left(x);
    x = members_below_[l.value] < leaves_under(l).count ? l : right(x);
  }
  return x.leaf();
}

void RatchetTree::extend_to_hold(LeafIndex l) {
  if (l.value >= kMaxLeaves) throw Error(ErrorCode::kTreeTooLarge, leaf_name(l));
  while (!contains(l))
    resize_to(LeafCount(empty() ? 1 : leaf_count_.value * 2));
}

LeafIndex RatchetTree::add_leaf(wire::LeafNode leaf) {
  const LeafIndex l = leftmost_blank_leaf();
  extend_to_hold(l);
  set_leaf(l, std::move(leaf));
  // §12.1.1: the new member does not know the keys of the non-blank nodes above it.
  const NodeIndex r = root();
  NodeIndex x = l.node();
  while (x != r) {
    x = parent(x, leaf_count_);
    wire::ParentNode* node = parents_.get(x.value >> 1);
    if (!node) continue;
    record_parent(x);
    auto& unmerged = node->unmerged_leaves;
    const auto pos = std::lower_bound(unmerged.begin(), unmerged.end(), l.value);
    if (pos == unmerged.end() || *pos != l.value) unmerged.insert(pos, l.value);  // §7.1: sorted
    invalidate(x);
  }
  hash_extension_ahead();
  return l;
}

void RatchetTree::blank_direct_path(LeafIndex l) {
  const NodeIndex r = root();
  NodeIndex x = l.node();
  while (x != r) {
    x = parent(x, leaf_count_);
    if (parents_.get(x.value >> 1)) set_parent(x, std::nullopt);
  }
}

void RatchetTree::update_leaf(LeafIndex l, wire::LeafNode leaf) {
  check_leaf(l);
  set_leaf(l, std::move(leaf));
  blank_direct_path(l);  // §12.1.2
}

void RatchetTree::remove_leaf(LeafIndex l) {
  check_leaf(l);
  set_leaf(l, std::nullopt);
  blank_direct_path(l);  // §12.1.3
  truncate();
}

void RatchetTree::blank_subtree(NodeIndex x) {
  // Only where the counts say a node is set: the work is that of blanking those nodes.
  if (nodes_below_[x.value] == 0) return;
  if (x.is_leaf()) {
    set_leaf(x.leaf(), std::nullopt);
    return;
  }
  if (parents_.get(x.value >> 1)) set_parent(x, std::nullopt);
  blank_subtree(left(x));
  blank_subtree(right(x));
}

void RatchetTree::truncate() {
  // §7.7, §12.1.3: drop the right half while it holds no member. Its parent nodes are blank in a
  // tree whose parents all cover a member; any other is blanked (and journaled) first.
  while (leaf_count_.value > 1 && members_below_[right(root()).value] == 0) {
    blank_subtree(right(root()));
    resize_to(LeafCount(leaf_count_.value / 2));
  }
}

void RatchetTree::begin_journal() {
  if (journal_) throw Error(ErrorCode::kInvalidArgument, "a tree journal is already open");
  journal_.emplace();
  journal_->count_before = leaf_count_;
}

TreeJournal RatchetTree::end_journal() {
  if (!journal_) throw Error(ErrorCode::kInvalidArgument, "no tree journal is open");
  TreeJournal j = std::move(*journal_);
  journal_.reset();
  j.count_after = leaf_count_;
  for (const auto& [l, before] : j.leaves_before)
    j.leaves_after.emplace(l, copy_of(leaf(LeafIndex(l))));
  for (const auto& [x, before] : j.parents_before)
    j.parents_after.emplace(x, copy_of(parent_node(NodeIndex(x))));
  return j;
}

void RatchetTree::apply_journal_side(const TreeJournal& j, bool after) {
  if (journal_) throw Error(ErrorCode::kInvalidArgument, "undo or redo inside an open journal");
  const LeafCount target = after ? j.count_after : j.count_before;
  // Grow first so every node of the target state has a slot; nodes past the target's width
  // become blank below, which leaves the part a shrink drops blank.
  // One doubling at a time: each new root inherits the counts of the root below it.
  while (target.value > leaf_count_.value)
    resize_to(LeafCount(empty() ? 1 : leaf_count_.value * 2));
  const auto& leaves = after ? j.leaves_after : j.leaves_before;
  const auto& parents = after ? j.parents_after : j.parents_before;
  for (const auto& [l, value] : leaves)
    if (l < leaf_count_.value && (leaves_.get(l) || value.has_value()))
      set_leaf(LeafIndex(l), l < target.value ? value : std::nullopt);
  for (const auto& [x, value] : parents)
    if (x < width() && (parents_.get(x >> 1) || value.has_value()))
      set_parent(NodeIndex(x), x < node_width(target) ? value : std::nullopt);
  if (target.value < leaf_count_.value) resize_to(target);
  hash_extension_ahead();
}

void RatchetTree::undo(const TreeJournal& journal) {
  apply_journal_side(journal, false);
}

void RatchetTree::redo(const TreeJournal& journal) {
  apply_journal_side(journal, true);
}

RatchetTree RatchetTree::from_nodes(crypto::Suite suite, wire::RatchetTreeNodes nodes) {
  // §12.4.3.3
  if (nodes.empty()) throw Error(ErrorCode::kTreeEmpty, "the ratchet tree has no nodes");
  if (!nodes.back()) throw Error(ErrorCode::kTreeTrailingBlank, "the last node is blank");
  if (nodes.size() % 2 == 0)
    throw Error(ErrorCode::kTreeNotTruncated,
                "the last non-blank node is a parent node, with only blank leaves to its right");
  const uint64_t leaves_needed = (uint64_t{nodes.size()} + 1) / 2;
  if (leaves_needed > kMaxLeaves)
    throw Error(ErrorCode::kTreeTooLarge, std::to_string(nodes.size()) + " nodes");

  RatchetTree tree(std::move(suite));
  tree.resize_to(full_leaf_count(static_cast<uint32_t>(leaves_needed)));
  tree.encryption_keys_.reserve(nodes.size());
  tree.signature_keys_.reserve(static_cast<size_t>(leaves_needed));
  for (uint32_t i = 0; i < nodes.size(); ++i) {
    if (!nodes[i]) continue;
    const NodeIndex x(i);
    if (x.is_leaf() != (nodes[i]->node_type() == wire::NodeType::kLeaf))
      throw Error(ErrorCode::kTreeNodeTypeMismatch,
                  "node " + std::to_string(i) + " holds a " + (x.is_leaf() ? "parent" : "leaf") +
                      " node at a " + (x.is_leaf() ? "leaf" : "parent") + " position");
    if (x.is_leaf()) {
      const LeafIndex l = x.leaf();
      tree.leaves_.set(l.value, std::move(std::get<wire::LeafNode>(nodes[i]->value)));
      tree.index_leaf(*tree.leaves_.get(l.value), l, +1);
      tree.nodes_below_[i] = 1;
      tree.members_below_[i] = 1;
    } else {
      tree.parents_.set(i >> 1, std::move(std::get<wire::ParentNode>(nodes[i]->value)));
      tree.encryption_keys_.insert(tree.parents_.get(i >> 1)->encryption_key, i);
      tree.nodes_below_[i] = 1;
    }
  }
  // Subtree counts, one level at a time from the leaves up: O(n).
  const uint32_t top = level(tree.root());
  const uint32_t width = tree.width();
  for (uint32_t k = 1; k <= top; ++k) {
    const uint32_t first = (uint32_t{1} << k) - 1;
    const uint64_t stride = uint64_t{1} << (k + 1);
    for (uint64_t x = first; x < width; x += stride) {
      const NodeIndex p(static_cast<uint32_t>(x));
      tree.nodes_below_[x] += tree.nodes_below_[left(p).value] + tree.nodes_below_[right(p).value];
      tree.members_below_[x] =
          tree.members_below_[left(p).value] + tree.members_below_[right(p).value];
    }
  }
  tree.hash_extension_ahead();  // what the adds that filled the tree would have hashed
  return tree;
}

wire::RatchetTreeNodes RatchetTree::to_nodes() const {
  wire::RatchetTreeNodes out;
  const uint32_t w = width();
  uint32_t end = 0;  // one past the last non-blank node
  for (uint32_t i = w; i > 0; --i) {
    if (!is_blank(NodeIndex(i - 1))) {
      end = i;
      break;
    }
  }
  out.resize(end);
  for (uint32_t i = 0; i < end; ++i) {
    const NodeIndex x(i);
    if (x.is_leaf()) {
      if (const wire::LeafNode* l = leaves_.get(i >> 1)) out[i] = wire::Node{*l};
    } else if (const wire::ParentNode* p = parents_.get(i >> 1)) {
      out[i] = wire::Node{*p};
    }
  }
  return out;
}

bool operator==(const RatchetTree& a, const RatchetTree& b) {
  if (a.suite_.id() != b.suite_.id() || a.leaf_count_ != b.leaf_count_) return false;
  const auto same = [](const auto* x, const auto* y) { return x && y ? *x == *y : x == y; };
  for (uint32_t i = 0; i < a.width(); ++i) {
    const NodeIndex x(i);
    if (x.is_leaf() ? !same(a.leaf(x.leaf()), b.leaf(x.leaf()))
                    : !same(a.parent_node(x), b.parent_node(x)))
      return false;
  }
  return true;
}

}  // namespace conclave::tree
