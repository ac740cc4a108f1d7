/// @file
/// The public ratchet tree (RFC 9420 §4, §7): nodes by array index, the membership operations
/// of §7.7 and §12.1, resolutions and filtered direct paths, tree hashes cached per
/// node, and the ratchet_tree extension form of §12.4.3.3.
///
/// Work per operation is logarithmic in the leaf count for a full tree: a change to one path
/// invalidates the cached hashes of that path only; subtree counters answer "is this subtree
/// empty" and "where is the leftmost blank leaf" without scanning; keys are indexed by value.
/// The blank right half a doubling adds (§7.7) is hashed ahead, a little with each add once the
/// tree is more than half full, and a halving keeps the hashes of the half it drops, so crossing
/// a power of two hashes no more than any other change. Only import touches every node.
///
/// Threads: copies are independent values (sharing only the suite's thread-safe CryptoProvider),
/// so distinct trees may be used on distinct threads at once. One tree used from several threads
/// at once needs external synchronization, even when every call is const, with one exception:
/// tree_hash(), parent_hash(), original_sibling_tree_hash(), plan_path(), tree_hash_after() and
/// the checks of tree_validation.h fill the hash caches, but the node accessors (leaf(),
/// parent_node(), encryption_key(), members(), resolution(), filtered_direct_path(), the key
/// lookups and counts) read no cache, so while nothing changes the tree they may run on any
/// threads beside one thread that hashes. validate_tree() relies on it: its signature workers
/// read leaves while the calling thread fills the caches.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <vector>

#include "conclave/base/bytes.h"
#include "conclave/crypto/suite.h"
#include "conclave/tree/key_index.h"
#include "conclave/tree/segmented.h"
#include "conclave/tree/tree_math.h"
#include "conclave/wire/leaf_node.h"

namespace conclave::tree {

/// One node of a filtered direct path (§4.1.2) with its child on the copath.
struct PathStep {
  NodeIndex node;          ///< the node on the filtered direct path
  NodeIndex copath_child;  ///< its child not on the path
  /// Field by field.
  friend bool operator==(const PathStep&, const PathStep&) = default;
};

/// Everything merging an UpdatePath sets (§7.5), computed from the tree without changing it, so
/// a commit can be checked and decrypted before anything is committed to the tree.
struct PathMerge {
  LeafIndex sender;                       ///< the committer's leaf
  std::vector<PathStep> path;             ///< the sender's filtered direct path
  std::vector<wire::ParentNode> parents;  ///< the new node for each step, parent_hash set (§7.9)
  Bytes leaf_parent_hash;                 ///< what the sender's new leaf must carry (§7.9.2)
  wire::LeafNode leaf;                    ///< the sender's new leaf; set by the caller
  uint64_t tree_version = 0;              ///< the tree state the plan was computed on
};

/// The changes made to a tree between begin_journal() and end_journal(): every node touched, with
/// its value before and after, and the leaf counts. A commit is checked on the group's own tree
/// inside a journal, undone at once (the group is unchanged until the commit is merged) and
/// redone on merge: O(nodes touched), never a copy of the whole tree.
struct TreeJournal {
  LeafCount count_before;  ///< the leaf count when the journal began
  LeafCount count_after;   ///< the leaf count when it ended
  std::map<uint32_t, std::optional<wire::LeafNode>> leaves_before;     ///< by leaf index
  std::map<uint32_t, std::optional<wire::LeafNode>> leaves_after;      ///< by leaf index
  std::map<uint32_t, std::optional<wire::ParentNode>> parents_before;  ///< by node index
  std::map<uint32_t, std::optional<wire::ParentNode>> parents_after;   ///< by node index
  /// Field by field.
  friend bool operator==(const TreeJournal&, const TreeJournal&) = default;
};

/// The public ratchet tree of a group: what every member knows (the file comment above says
/// how it is kept and what each operation costs). The private keys are TreeKemPrivate's.
class RatchetTree {
 public:
  /// An empty tree (no leaves) for the suite; add_leaf gives it its first leaf.
  explicit RatchetTree(crypto::Suite suite);

  /// §12.4.3.3: the receiver's side of the ratchet_tree extension. Checks the structure only
  /// (kTreeEmpty, kTreeTrailingBlank, kTreeNodeTypeMismatch, kTreeNotTruncated, kTreeTooLarge);
  /// validate_tree() checks the rest. O(n).
  static RatchetTree from_nodes(crypto::Suite suite, wire::RatchetTreeNodes nodes);
  /// A tree kept by this member's own storage: from_nodes() with the tree hash of every node
  /// (width() slots of hash_len bytes, in node order) taken as given instead of recomputed, so
  /// loading costs no hashing. The caller checks the root against the GroupContext.
  static RatchetTree restore(crypto::Suite suite, wire::RatchetTreeNodes nodes,
                             BytesView tree_hashes);
  /// §12.4.3.3: blank nodes after the last non-blank one are left out.
  wire::RatchetTreeNodes to_nodes() const;

  const crypto::Suite& suite() const { return suite_; }           ///< the group's cipher suite
  LeafCount leaf_count() const { return leaf_count_; }            ///< 0 or a power of two
  uint32_t width() const { return node_width(leaf_count_); }      ///< nodes, blank ones included
  bool empty() const { return leaf_count_.value == 0; }           ///< no leaves at all
  NodeIndex root() const { return tree::root(leaf_count_); }      ///< the root's node index
  uint32_t member_count() const;                                  ///< non-blank leaves
  bool contains(NodeIndex x) const { return x.value < width(); }  ///< x lies in the tree
  bool contains(LeafIndex l) const { return l.value < leaf_count_.value; }  ///< l lies in the tree

  /// True for a blank node. Throws Error(kInvalidArgument) for a node outside the tree.
  bool is_blank(NodeIndex x) const;
  /// Null when blank or outside the tree.
  const wire::LeafNode* leaf(LeafIndex l) const;
  /// The parent node at x; null when blank, outside the tree, or a leaf.
  const wire::ParentNode* parent_node(NodeIndex x) const;
  /// The HPKE public key of a non-blank node; null when blank or outside the tree.
  const wire::HpkePublicKey* encryption_key(NodeIndex x) const;
  /// Non-blank leaves, in index order. O(n).
  std::vector<LeafIndex> members() const;

  /// §4.1.1. `exclude` lists leaves left out of it (those added by the commit, §12.4.2).
  std::vector<NodeIndex> resolution(NodeIndex x, std::span<const LeafIndex> exclude = {}) const;
  /// True when the resolution of x is empty: no non-blank node below or at x. O(1).
  bool resolution_empty(NodeIndex x) const;
  /// §4.1.2: the direct path of the leaf without nodes whose copath child has an empty
  /// resolution, from the leaf's parent up.
  std::vector<PathStep> filtered_direct_path(LeafIndex l) const;

  /// Lookups by key value (each O(1) on average). A well-formed tree holds every key once; an
  /// imported tree may hold one twice until validate_tree() rejects it.
  /// @{
  std::optional<LeafIndex> find_leaf_by_signature_key(BytesView signature_key) const;
  std::optional<NodeIndex> find_node_by_encryption_key(BytesView encryption_key) const;
  size_t signature_key_count(BytesView signature_key) const;
  size_t encryption_key_count(BytesView encryption_key) const;
  /// @}
  /// The leftmost blank leaf, or leaf_count() when every leaf is taken (then adding extends).
  LeafIndex leftmost_blank_leaf() const;

  /// §7.3 bookkeeping, kept current on every change: how many members hold a credential of the
  /// type, and how many list it in their capabilities.
  /// @{
  uint32_t credential_type_users(wire::CredentialType type) const;
  uint32_t credential_type_supporters(wire::CredentialType type) const;
  /// @}
  /// §12.2: how many members list the proposal type in their capabilities (so a commit checks
  /// "every member supports it" in O(1) when all do).
  uint32_t proposal_type_supporters(wire::ProposalType type) const;
  /// The credential types members hold, in ascending order.
  std::vector<wire::CredentialType> credential_types_in_use() const;

  /// §12.1.1: the new member goes to the leftmost blank leaf (extending the tree when there is
  /// none) and is listed as unmerged at every non-blank parent above it.
  LeafIndex add_leaf(wire::LeafNode leaf);
  /// §12.1.2: replaces the leaf and blanks its direct path. Throws kLeafNotInTree, kLeafBlank.
  void update_leaf(LeafIndex l, wire::LeafNode leaf);
  /// §12.1.3: blanks the leaf and its direct path, then truncates (§7.7). Throws kLeafNotInTree,
  /// kLeafBlank.
  void remove_leaf(LeafIndex l);
  /// §7.7: doubles the tree until it has leaf l (used for the leaf of an external joiner,
  /// §12.4.3.2).
  void extend_to_hold(LeafIndex l);

  /// @{
  /// §7.8: the tree hash of the root (empty for an empty tree) or of any node.
  Bytes tree_hash() const;
  Bytes tree_hash(NodeIndex x) const;
  /// @}
  /// §7.9: the parent hash of non-blank parent p with copath child s (a child of p), using the
  /// original sibling tree hash of s. Throws kInvalidArgument when p is blank or s not a child.
  Bytes parent_hash(NodeIndex p, NodeIndex s) const;
  /// §7.9: the tree hash of s with p's unmerged leaves blanked and removed from unmerged lists.
  Bytes original_sibling_tree_hash(NodeIndex p, NodeIndex s) const;

  /// §7.5, §7.9: the parent nodes and leaf parent hash that setting `keys` along the sender's
  /// filtered direct path produces (parent hashes chained from the root down). Throws
  /// kUpdatePathLengthMismatch when keys.size() differs from the filtered direct path's length.
  PathMerge plan_path(LeafIndex sender, std::span<const wire::HpkePublicKey> keys) const;
  /// §7.8: the root tree hash once `plan` (with its leaf) is merged. O(log n).
  Bytes tree_hash_after(const PathMerge& plan) const;
  /// §7.5: blanks the sender's direct path, sets the filtered direct path and the leaf. Throws
  /// kInvalidArgument when the tree changed since the plan was made.
  void merge(const PathMerge& plan);

  /// Increases with every change; plans remember it.
  uint64_t version() const { return version_; }

  /// Starts recording changes (throws kInvalidArgument when a journal is already open).
  void begin_journal();
  /// Stops recording and returns what changed since begin_journal().
  TreeJournal end_journal();
  /// True between begin_journal() and end_journal().
  bool journal_open() const { return journal_.has_value(); }
  /// Puts the tree back to the journal's before state; the tree must be in its after state.
  void undo(const TreeJournal& journal);
  /// Puts the tree in the journal's after state; the tree must be in its before state.
  void redo(const TreeJournal& journal);

  /// Same suite and same nodes; caches and indexes are not compared.
  friend bool operator==(const RatchetTree& a, const RatchetTree& b);

 private:
  static uint32_t cache_width(LeafCount n);
  static uint32_t hash_rows(uint32_t width);
  void resize_to(LeafCount n);
  void set_leaf(LeafIndex l, std::optional<wire::LeafNode> leaf);
  void set_parent(NodeIndex x, std::optional<wire::ParentNode> node);
  void blank_direct_path(LeafIndex l);
  void blank_subtree(NodeIndex x);
  void truncate();
  void adjust_counts(NodeIndex x, int nodes, int members);
  void invalidate(NodeIndex x);
  BytesView encryption_key_at(uint32_t node) const;
  BytesView signature_key_at(uint32_t leaf) const;
  void index_leaf(const wire::LeafNode& leaf, LeafIndex l, int delta);
  void check_leaf(LeafIndex l) const;
  void record_leaf(LeafIndex l);
  void record_parent(NodeIndex x);
  void apply_journal_side(const TreeJournal& j, bool after);
  template <class T>
  static std::optional<T> copy_of(const T* node);

  BytesView cached_tree_hash(NodeIndex x) const;  // a parent's, from its row
  BytesView node_hash(NodeIndex x, Bytes& scratch) const;
  void hash_extension(uint32_t target) const;
  void hash_extension_ahead() const;
  Bytes hash_leaf(LeafIndex l, const wire::LeafNode* leaf) const;
  Bytes hash_parent(const wire::ParentNode* node, BytesView left, BytesView right) const;
  Bytes hash_excluding(NodeIndex x, std::span<const uint32_t> excluded) const;
  Bytes hash_parent_hash_input(BytesView key, BytesView parent_hash, BytesView sibling) const;
  void collect_resolution(NodeIndex x, std::span<const LeafIndex> exclude,
                          std::vector<NodeIndex>& out) const;

  crypto::Suite suite_;
  LeafCount leaf_count_;
  /// Per-node storage grows by doubling without moving (segmented.h). Slots past the tree are
  /// blank with zero counts, except the counts of the roots of larger sizes it had.
  detail::SegmentedSlots<wire::LeafNode> leaves_;     ///< by leaf index
  detail::SegmentedSlots<wire::ParentNode> parents_;  ///< by parent node index / 2
  detail::SegmentedArray<uint32_t> nodes_below_;      ///< per node: non-blank nodes in its subtree
  detail::SegmentedArray<uint32_t> members_below_;    ///< per node: non-blank leaves in its subtree
  KeyIndex encryption_keys_;                          ///< key -> node index
  KeyIndex signature_keys_;                           ///< key -> leaf index
  std::map<uint16_t, uint32_t> credential_users_;     ///< credential type -> members
  std::map<uint16_t, uint32_t> credential_supporters_;  ///< credential type -> members
  std::map<uint16_t, uint32_t> proposal_supporters_;    ///< proposal type -> members
  uint64_t version_ = 0;
  std::optional<TreeJournal> journal_;  ///< open while changes are being recorded

  /// Tree hash cache (§7.8): hash_len bytes per parent node (row x / 2; a leaf's hash is
  /// recomputed when needed); a flag byte per node says whether its row holds a current value.
  /// Rows and flags cover the tree twice as wide (its extension, §7.7): there a current value is
  /// the hash of a blank subtree. A valid parent has valid parent children.
  mutable detail::SegmentedArray<uint8_t> tree_hashes_;  ///< a row of hash_len per parent
  mutable detail::SegmentedArray<uint8_t> cache_flags_;
  /// Leaves of the extension's right half hashed so far, from its left: every node over them only
  /// is valid.
  mutable uint32_t extension_hashed_ = 0;
};

}  // namespace conclave::tree
