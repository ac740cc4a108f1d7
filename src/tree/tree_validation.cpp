// RFC 9420 §7.9.2 and §12.4.3.1: validating a whole ratchet tree.
#include "conclave/tree/detail/tree_validation.h"

#include <algorithm>
#include <string>

#include "conclave/base/detail/parallel.h"
#include "conclave/base/error.h"
#include "conclave/tree/multi_credential.h"

namespace conclave::tree {

namespace {

std::string node_name(NodeIndex x) {
  return "node " + std::to_string(x.value);
}

// Calls f(node index, parent node) for every non-blank parent node, left to right.
template <class F>
void for_each_parent(const RatchetTree& tree, F&& f) {
  const uint32_t width = tree.width();
  for (uint32_t i = 1; i < width; i += 2)
    if (const wire::ParentNode* p = tree.parent_node(NodeIndex(i))) f(NodeIndex(i), *p);
}

// The leaf at x, read from the nodes the tree was built from when they hold it (the tree keeps
// its leaves encoded: reading one there decodes it).
const wire::LeafNode* leaf_at(const RatchetTree& tree, NodeIndex x,
                              const wire::RatchetTreeNodes* nodes) {
  const size_t i = x.value;
  const wire::LeafNode* given =
      nodes != nullptr && i < nodes->size() && (*nodes)[i] ? (*nodes)[i]->leaf() : nullptr;
  return given != nullptr ? given : tree.leaf(x.leaf());
}

// The parent_hash a node carries: a parent's always, a leaf's only for the commit source.
const Bytes* carried_parent_hash(const RatchetTree& tree, NodeIndex x,
                                 const wire::RatchetTreeNodes* nodes) {
  if (!x.is_leaf()) return &tree.parent_node(x)->parent_hash;
  const wire::LeafNode* leaf = leaf_at(tree, x, nodes);
  if (leaf == nullptr) return nullptr;  // a blank leaf named in an unmerged list
  return leaf->leaf_node_source == wire::LeafNodeSource::kCommit ? &leaf->parent_hash : nullptr;
}

bool carries_parent_hash_of(const RatchetTree& tree, NodeIndex d, NodeIndex p, NodeIndex s,
                            const wire::RatchetTreeNodes* nodes) {
  const Bytes* carried = carried_parent_hash(tree, d, nodes);
  return carried != nullptr && *carried == tree.parent_hash(p, s);
}

// §7.9.2: whether some D below child c of p has a parent hash valid with respect to p. D must
// be in the resolution of c with the rest of that resolution exactly p's unmerged leaves under
// c, so there is at most one candidate, and finding it costs the size of the resolution.
bool has_valid_link(const RatchetTree& tree, NodeIndex p, const wire::ParentNode& node, NodeIndex c,
                    NodeIndex s, const wire::RatchetTreeNodes* nodes) {
  // The common case, with nothing to allocate: no unmerged leaves and c set, so the resolution
  // of c is c alone, the only candidate.
  if (node.unmerged_leaves.empty() && !tree.is_blank(c))
    return carries_parent_hash_of(tree, c, p, s, nodes);
  std::vector<NodeIndex> res = tree.resolution(c);
  const LeafSpan span = leaves_under(c);
  std::vector<NodeIndex> unmerged;
  for (uint32_t u : node.unmerged_leaves)
    if (span.contains(LeafIndex(u))) unmerged.push_back(LeafIndex(u).node());
  if (res.size() != unmerged.size() + 1) return false;
  std::sort(res.begin(), res.end());
  std::sort(unmerged.begin(), unmerged.end());
  std::vector<NodeIndex> rest;
  std::set_difference(res.begin(), res.end(), unmerged.begin(), unmerged.end(),
                      std::back_inserter(rest));
  if (rest.size() != 1) return false;  // then the unmerged leaves are not all in res
  return carries_parent_hash_of(tree, rest.front(), p, s, nodes);
}

}  // namespace

void check_parent_hashes(const RatchetTree& tree, const wire::RatchetTreeNodes* nodes) {
  // Top down (§7.9.2): each non-blank parent needs exactly one descendant it is parent-hash
  // valid for. Summed over all parents the resolutions visited cover each node once, so this
  // is O(n + U) plus the parent hashes, which reuse the cached tree hashes.
  for_each_parent(tree, [&](NodeIndex p, const wire::ParentNode& node) {
    const NodeIndex l = left(p);
    const NodeIndex r = right(p);
    const int links = (has_valid_link(tree, p, node, l, r, nodes) ? 1 : 0) +
                      (has_valid_link(tree, p, node, r, l, nodes) ? 1 : 0);
    if (links == 0)
      throw Error(ErrorCode::kParentHashInvalid,
                  node_name(p) + ": no node below carries its parent hash");
    if (links > 1)
      throw Error(ErrorCode::kParentHashInvalid,
                  node_name(p) + ": nodes below both children carry its parent hash");
  });
}

void check_unmerged_leaves(const RatchetTree& tree) {
  // §7.1 first, so the membership tests below can search sorted lists.
  for_each_parent(tree, [&](NodeIndex p, const wire::ParentNode& node) {
    const auto& list = node.unmerged_leaves;
    if (std::adjacent_find(list.begin(), list.end(), std::greater_equal<uint32_t>()) != list.end())
      throw Error(ErrorCode::kUnmergedLeavesUnsorted,
                  node_name(p) + ": unmerged_leaves not strictly increasing");
  });
  // §12.4.3.1
  for_each_parent(tree, [&](NodeIndex p, const wire::ParentNode& node) {
    const LeafSpan span = leaves_under(p);
    for (uint32_t u : node.unmerged_leaves) {
      const LeafIndex l(u);
      const std::string what = node_name(p) + ": unmerged leaf " + std::to_string(u);
      if (!span.contains(l) || !tree.contains(l))
        throw Error(ErrorCode::kUnmergedLeafNotDescendant, what + " is not below it");
      if (tree.leaf(l) == nullptr) throw Error(ErrorCode::kUnmergedLeafBlank, what + " is blank");
      for (NodeIndex x = parent(l.node(), tree.leaf_count()); x != p;
           x = parent(x, tree.leaf_count())) {
        const wire::ParentNode* between = tree.parent_node(x);
        if (between != nullptr && !std::binary_search(between->unmerged_leaves.begin(),
                                                      between->unmerged_leaves.end(), u))
          throw Error(ErrorCode::kUnmergedLeafNotInBetween,
                      what + " is missing from the unmerged leaves of " + node_name(x));
      }
    }
  });
}

void check_unique_keys(const RatchetTree& tree) {
  // The keys are read from the leaves' encodings: no leaf is decoded for this.
  for (LeafIndex l : tree.members()) {
    if (tree.signature_key_count(tree.signature_key(l)) > 1)
      throw Error(ErrorCode::kDuplicateSignatureKey,
                  "leaf " + std::to_string(l.value) + ": its signature key is on another leaf");
    if (tree.encryption_key_count(*tree.encryption_key(l.node())) > 1)
      throw Error(ErrorCode::kDuplicateEncryptionKey,
                  "leaf " + std::to_string(l.value) + ": its encryption key is on another node");
  }
  for_each_parent(tree, [&](NodeIndex p, const wire::ParentNode& node) {
    if (tree.encryption_key_count(node.encryption_key) > 1)
      throw Error(ErrorCode::kDuplicateEncryptionKey,
                  node_name(p) + ": its encryption key is on another node");
  });
}

void check_encryption_keys(const RatchetTree& tree) {
  for (LeafIndex l : tree.members())
    check_encryption_key(tree.suite(), *tree.encryption_key(l.node()),
                         [&] { return "leaf " + std::to_string(l.value); });
  for_each_parent(tree, [&](NodeIndex p, const wire::ParentNode& node) {
    check_encryption_key(tree.suite(), node.encryption_key, [&] { return node_name(p); });
  });
}

void check_credential_support(const RatchetTree& tree) {
  // The tree counts users and supporters of each type, so the check is O(types) unless it
  // fails, when a scan names the first member lacking support.
  for (wire::CredentialType t : tree.credential_types_in_use()) {
    if (tree.credential_type_supporters(t) == tree.member_count()) continue;
    for (LeafIndex l : tree.members()) {
      const auto& supported = tree.leaf(l)->capabilities.credentials;
      if (std::find(supported.begin(), supported.end(), t) == supported.end())
        throw Error(ErrorCode::kCredentialTypeUnsupported,
                    "leaf " + std::to_string(l.value) + ": does not support credential type " +
                        std::to_string(static_cast<uint16_t>(t)) + ", which members use");
    }
  }
  // extensions draft §Verifying a Multi-Credential: the members support the bindings.
  check_tree_multi_credentials(tree);
}

namespace {

// Leaves per unit of work: enough that claiming one costs nothing next to its signatures, few
// enough that the threads finish together.
constexpr size_t kLeavesPerChunk = 32;

LeafSignatureCheck::Leaves members_of(const RatchetTree& tree) {
  LeafSignatureCheck::Leaves leaves;
  for (LeafIndex l : tree.members())
    leaves.emplace_back(l, tree.leaf(l));
  return leaves;
}

}  // namespace

LeafSignatureCheck::LeafSignatureCheck(const crypto::Suite& suite, Leaves leaves,
                                       BytesView group_id, unsigned max_threads)
    : suite_(suite),
      leaves_(std::move(leaves)),
      group_id_(to_bytes(group_id)),
      // The caller's thread is one of them, working in finish(); a small tree gets no other.
      work_(leaves_.size(), kLeavesPerChunk,
            parallel_threads(leaves_.size(), kLeavesPerChunk, max_threads) - 1, [this](size_t i) {
              check_leaf_signature(suite_, *leaves_[i].second, leaves_[i].first, group_id_);
            }) {}

LeafSignatureCheck::~LeafSignatureCheck() = default;

void LeafSignatureCheck::finish() {
  work_.finish();
}

void check_leaf_signatures(const RatchetTree& tree, BytesView group_id, unsigned max_threads) {
  LeafSignatureCheck(tree.suite(), members_of(tree), group_id, max_threads).finish();
}

void check_leaf_policies(const RatchetTree& tree, const LeafPolicy& policy,
                         const wire::RatchetTreeNodes* nodes) {
  for (LeafIndex l : tree.members()) {
    const wire::LeafNode& leaf = *leaf_at(tree, l.node(), nodes);
    check_leaf_credential(leaf, l, policy);
    check_required_capabilities(leaf, l, policy.group_context_extensions);
    check_leaf_extensions(leaf, l);
    check_leaf_lifetime(leaf, l, policy.now, policy.max_lifetime);
  }
}

void check_tree_structure(const RatchetTree& tree, const LeafPolicy& policy,
                          const wire::RatchetTreeNodes* nodes) {
  check_unmerged_leaves(tree);
  check_unique_keys(tree);
  check_encryption_keys(tree);
  check_credential_support(tree);
  check_leaf_policies(tree, policy, nodes);
  check_parent_hashes(tree, nodes);
}

void validate_tree(const RatchetTree& tree, const TreeValidationOptions& options) {
  LeafSignatureCheck signatures(tree.suite(), members_of(tree), options.policy.group_id,
                                options.max_threads);
  check_tree_structure(tree, options.policy);
  signatures.finish();
}

}  // namespace conclave::tree
