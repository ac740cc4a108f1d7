// Ratchet tree validation (RFC 9420 §7.9.2, §12.4.3.1, §7.3): what a client checks of a tree it
// receives, e.g. when joining. Each rule is a named check throwing its own ErrorCode;
// validate_tree() runs them all. Total work is O(n + U log n) hashing for n nodes and U
// unmerged-leaf entries, plus one signature verification per leaf, spread over threads.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

#include "conclave/base/detail/chunked_work.h"
#include "conclave/tree/leaf_validation.h"
#include "conclave/tree/ratchet_tree.h"

namespace conclave::tree {

struct TreeValidationOptions {
  LeafPolicy policy;
  // Threads for the leaf signatures, at most std::thread::hardware_concurrency() (also what
  // 0 means).
  unsigned max_threads = 0;
};

// §7.9.2: every non-blank parent node is parent-hash valid, i.e. exactly one node below it
// (in the resolution of one child, the rest of that resolution being the parent's unmerged
// leaves there) carries its parent hash. kParentHashInvalid. `nodes` as for
// check_leaf_policies: a leaf's parent hash is read from them.
void check_parent_hashes(const RatchetTree& tree, const wire::RatchetTreeNodes* nodes = nullptr);
// §7.1, §12.4.3.1: unmerged_leaves lists are strictly increasing (kUnmergedLeavesUnsorted) and
// name non-blank leaves (kUnmergedLeafBlank) below the node (kUnmergedLeafNotDescendant) that
// every non-blank node in between lists too (kUnmergedLeafNotInBetween).
void check_unmerged_leaves(const RatchetTree& tree);
// §7.3, §12.4.3.1: no signature key on two leaves (kDuplicateSignatureKey), no encryption key
// on two nodes (kDuplicateEncryptionKey).
void check_unique_keys(const RatchetTree& tree);
// RFC 9180 §7.1.4: every leaf's and parent's encryption key can be encrypted to
// (kInvalidPublicKey, see check_encryption_key).
void check_encryption_keys(const RatchetTree& tree);
// §7.3: every credential type in use is supported by every member. kCredentialTypeUnsupported.
void check_credential_support(const RatchetTree& tree);
// §7.3 per leaf: signatures, run on up to max_threads threads (kLeafSignatureInvalid).
void check_leaf_signatures(const RatchetTree& tree, BytesView group_id, unsigned max_threads = 0);
// §7.3 per leaf: required capabilities, extensions, lifetime, credential (see leaf_validation.h).
// `nodes`, when given, are the nodes the tree was built from (from_nodes): their decoded leaves
// are read instead of decoding the tree's own.
void check_leaf_policies(const RatchetTree& tree, const LeafPolicy& policy,
                         const wire::RatchetTreeNodes* nodes = nullptr);

// All of the above but the signatures, in that order; throws the first broken rule. `nodes` as
// for check_leaf_policies.
void check_tree_structure(const RatchetTree& tree, const LeafPolicy& policy,
                          const wire::RatchetTreeNodes* nodes = nullptr);

// All of the above, in that order; throws the first broken rule. The signatures are checked on
// other threads while this one checks the rest.
void validate_tree(const RatchetTree& tree, const TreeValidationOptions& options);

// §7.3: the signatures of `leaves`, checked by worker threads from construction on, so that the
// caller can do other work meanwhile (a joiner builds and hashes the tree) and then help with
// what is left in finish(). The leaves must outlive the object. The destructor stops the workers
// without checking the rest, for a caller that found another error first.
class LeafSignatureCheck {
 public:
  using Leaves = std::vector<std::pair<LeafIndex, const wire::LeafNode*>>;
  // `max_threads` counts the caller's thread too (0: one per core).
  LeafSignatureCheck(const crypto::Suite& suite, Leaves leaves, BytesView group_id,
                     unsigned max_threads = 0);
  ~LeafSignatureCheck();
  LeafSignatureCheck(const LeafSignatureCheck&) = delete;
  LeafSignatureCheck& operator=(const LeafSignatureCheck&) = delete;

  // Checks the leaves no worker has taken, waits for the workers, and throws the error of the
  // lowest failing leaf (kLeafSignatureInvalid), as a check in leaf order would.
  void finish();

 private:
  crypto::Suite suite_;
  Leaves leaves_;
  Bytes group_id_;
  ChunkedWork work_;  // last: its workers stop before the leaves they read go
};

}  // namespace conclave::tree
