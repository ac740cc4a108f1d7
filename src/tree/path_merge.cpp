// RFC 9420 §7.5 and §7.9: planning the merge of an UpdatePath without touching the tree, the
// tree hash it will give, and the merge itself.
#include <string>

#include "conclave/base/error.h"
#include "conclave/tree/ratchet_tree.h"

namespace conclave::tree {

PathMerge RatchetTree::plan_path(LeafIndex sender,
                                 std::span<const wire::HpkePublicKey> keys) const {
  PathMerge plan;
  plan.sender = sender;
  plan.path = filtered_direct_path(sender);
  if (keys.size() != plan.path.size())
    throw Error(ErrorCode::kUpdatePathLengthMismatch,
                std::to_string(keys.size()) + " path nodes for a filtered direct path of " +
                    std::to_string(plan.path.size()));
  plan.parents.resize(keys.size());
  // §7.9: each node's parent_hash is the parent hash of the next node up, so hash from the root
  // down. The new nodes have no unmerged leaves and their copath children are not on the path,
  // so each original sibling tree hash is the copath child's current tree hash.
  Bytes above;  // the root's parent_hash is empty
  Bytes scratch;
  for (size_t i = keys.size(); i-- > 0;) {
    plan.parents[i].encryption_key = keys[i];
    plan.parents[i].parent_hash = above;
    above = hash_parent_hash_input(keys[i], above, node_hash(plan.path[i].copath_child, scratch));
  }
  plan.leaf_parent_hash = std::move(above);
  plan.tree_version = version_;
  return plan;
}

Bytes RatchetTree::tree_hash_after(const PathMerge& plan) const {
  if (plan.tree_version != version_)
    throw Error(ErrorCode::kInvalidArgument, "the tree changed since the path was planned");
  // Hash up the sender's direct path as it will be; everything off the path keeps its hash.
  Bytes h = hash_leaf(plan.sender, &plan.leaf);
  const NodeIndex r = root();
  NodeIndex x = plan.sender.node();
  size_t next = 0;
  Bytes scratch;
  while (x != r) {
    const NodeIndex p = parent(x, leaf_count_);
    const wire::ParentNode* node = nullptr;
    if (next < plan.path.size() && plan.path[next].node == p) node = &plan.parents[next++];
    h = x < p ? hash_parent(node, h, node_hash(right(p), scratch))
              : hash_parent(node, node_hash(left(p), scratch), h);
    x = p;
  }
  return h;
}

void RatchetTree::merge(const PathMerge& plan) {
  if (plan.tree_version != version_)
    throw Error(ErrorCode::kInvalidArgument, "the tree changed since the path was planned");
  // §7.5: blank the direct path, set the filtered direct path (unmerged lists empty), then
  // the leaf.
  blank_direct_path(plan.sender);
  for (size_t i = 0; i < plan.path.size(); ++i)
    set_parent(plan.path[i].node, plan.parents[i]);
  set_leaf(plan.sender, plan.leaf);
}

}  // namespace conclave::tree
