/// @file
/// TreeKEM (RFC 9420 §7.4-§7.6): a member's private view of the ratchet tree, creating an
/// UpdatePath when committing, and applying one received in a commit.
///
/// Both directions compute everything first and change the tree and the private view only once
/// every check passed, so a rejected commit leaves them untouched. For a full tree each costs
/// O(log n) HPKE and hash operations.
#pragma once

#include <map>
#include <optional>
#include <span>
#include <vector>

#include "conclave/base/bytes.h"
#include "conclave/base/secret_bytes.h"
#include "conclave/crypto/suite.h"
#include "conclave/tree/ratchet_tree.h"
#include "conclave/wire/commit.h"
#include "conclave/wire/group_context.h"

namespace conclave::tree {

/// The HPKE key pair of one tree node.
struct NodeKeyPair {
  SecretBytes private_key;  ///< the private key
  Bytes public_key;         ///< the public key the tree should show at the node
  /// Field by field.
  friend bool operator==(const NodeKeyPair&, const NodeKeyPair&) = default;
};

/// The private keys a member holds (§4.2): its leaf's and those of the parent nodes above it
/// whose path secret it learned. Each key remembers its public half and is used only while the
/// tree still shows that public key at its node, so keys of nodes blanked or replaced since are
/// ignored (and dropped by prune()).
class TreeKemPrivate {
 public:
  /// Leaf 0, no keys.
  TreeKemPrivate() = default;
  /// A member at `leaf` with no keys yet (an external joiner before its commit).
  explicit TreeKemPrivate(LeafIndex leaf) : leaf_(leaf) {}
  /// A member at `leaf` whose leaf HPKE private key is known; the public key is derived.
  TreeKemPrivate(const crypto::Suite& suite, LeafIndex leaf, SecretBytes leaf_private_key);

  LeafIndex leaf() const { return leaf_; }  ///< the member's leaf
  /// Every key held, by node, whether or not the tree still shows it.
  const std::map<NodeIndex, NodeKeyPair>& keys() const { return keys_; }

  /// The private key for node x if held and still matching the tree's public key; else null.
  const SecretBytes* private_key(const RatchetTree& tree, NodeIndex x) const;

  /// §7.4: sets node x's key pair from its path secret.
  void set_path_secret(const crypto::Suite& suite, NodeIndex x, BytesView path_secret);
  /// §12.4.3.1 (Welcome) and §7.5: sets the key of `start` from the path secret, then derives
  /// the next path secret for every non-blank node above it, checking each derived public key
  /// against the tree (kPrivateKeyMismatch). Returns the commit secret, the path secret one
  /// step past the root.
  SecretBytes implant(const RatchetTree& tree, NodeIndex start, SecretBytes path_secret);
  /// Holds `key` for node x, replacing any key held for it.
  void set_key(NodeIndex x, NodeKeyPair key);
  /// §7.5: drops keys of nodes that are blank, gone, or no longer hold the matching public key.
  void prune(const RatchetTree& tree);
  /// §12.4.3.1: every held key is for a non-blank node showing its public key, the leaf's
  /// included. kPrivateKeyMismatch otherwise.
  void check_consistent(const RatchetTree& tree) const;

  /// Field by field.
  friend bool operator==(const TreeKemPrivate&, const TreeKemPrivate&) = default;

 private:
  LeafIndex leaf_;
  std::map<NodeIndex, NodeKeyPair> keys_;
};

/// The result of creating an UpdatePath.
struct CreatedUpdatePath {
  wire::UpdatePath path;      ///< the UpdatePath for the Commit
  SecretBytes commit_secret;  ///< §12.4.2: the path secret one step past the last one
  /// The path secret of each filtered direct path node, in path order: a new member gets the
  /// one of its lowest common ancestor with the committer in its Welcome (§12.4.3.1).
  std::vector<std::pair<NodeIndex, SecretBytes>> path_secrets;
  wire::GroupContext provisional_context;  ///< the context the path secrets were encrypted with

  /// The path secret for `joiner`'s Welcome (that of its lowest common ancestor with the
  /// committer); null when the joiner's ancestor is not on the filtered direct path.
  const SecretBytes* path_secret_for(LeafIndex committer, LeafIndex joiner) const;
};

/// §7.4-§7.6, §12.4.2 (Creating a Commit): updates the committer's direct path. `tree` is the
/// tree after the commit's proposals; the committer is me.leaf() (for an external commit, a
/// blank leaf the tree already holds, see RatchetTree::extend_to_hold). `leaf_template` gives
/// the new leaf's signature key, credential, capabilities and extensions; its encryption key,
/// source (commit), parent hash and signature are set here. `provisional` is the provisional
/// GroupContext; its tree_hash is replaced by the hash of the updated tree before it encrypts
/// the path secrets. Path secrets are not encrypted to `joiners` (leaves added by this commit).
/// `leaf_secret` fixes the fresh randomness (tests only). The path secrets are encrypted on up to
/// `max_threads` threads, the caller's included (0: one per core). Afterwards the tree holds the
/// merged path and `me` the new keys.
CreatedUpdatePath create_update_path(RatchetTree& tree, TreeKemPrivate& me,
                                     const wire::LeafNode& leaf_template,
                                     BytesView signature_private_key,
                                     wire::GroupContext provisional,
                                     std::span<const LeafIndex> joiners = {},
                                     std::optional<SecretBytes> leaf_secret = std::nullopt,
                                     unsigned max_threads = 0);

/// §7.5 and §12.4.2 (Processing a Commit), first part: the merge a received UpdatePath makes,
/// checked without changing the tree: one node per filtered direct path node
/// (kUpdatePathLengthMismatch), a commit-source leaf (kLeafNodeSourceMismatch), no key already
/// in the tree (kUpdatePathKeyReused), and the leaf's parent hash (kLeafParentHashMismatch).
/// Validating the new leaf's other §7.3 rules is the caller's (validate_leaf_node).
PathMerge plan_update_path(const RatchetTree& tree, LeafIndex sender, const wire::UpdatePath& path);

/// What decrypting an UpdatePath gives a receiver.
struct DecryptedUpdatePath {
  NodeIndex decrypted_node;   ///< the lowest common ancestor of sender and receiver
  SecretBytes path_secret;    ///< its path secret, as decrypted
  SecretBytes commit_secret;  ///< §12.4.2: the path secret one step past the root
  std::vector<std::pair<NodeIndex, NodeKeyPair>> keys;  ///< from decrypted_node to the root
};

/// §7.5 second part: decrypts the path secret for the receiver `me` from the resolution of its
/// copath child (kNoDecryptionKey when it holds no key there, kUpdatePathCiphertextCount when a
/// node's ciphertexts do not match its copath child's resolution less `joiners`), derives the
/// path secrets above, and checks every derived public key against the path
/// (kUpdatePathKeyMismatch). `context` is the encoded provisional GroupContext. Changes nothing.
DecryptedUpdatePath decrypt_update_path(const RatchetTree& tree, const TreeKemPrivate& me,
                                        const PathMerge& plan, const wire::UpdatePath& path,
                                        BytesView context, std::span<const LeafIndex> joiners = {});

/// The result of applying an UpdatePath.
struct AppliedUpdatePath {
  SecretBytes commit_secret;               ///< §12.4.2: the path secret one step past the root
  NodeIndex decrypted_node;                ///< the lowest common ancestor of sender and receiver
  SecretBytes path_secret;                 ///< the path secret decrypted at decrypted_node
  wire::GroupContext provisional_context;  ///< `provisional` with the merged tree's tree_hash
};

/// All of §7.5 for a receiver: plan_update_path, then decrypt_update_path with `provisional`
/// (tree_hash replaced by the merged tree's), then the merge into `tree` and the new keys
/// into `me`. Nothing changes when a check fails.
AppliedUpdatePath apply_update_path(RatchetTree& tree, TreeKemPrivate& me, LeafIndex sender,
                                    const wire::UpdatePath& path, wire::GroupContext provisional,
                                    std::span<const LeafIndex> joiners = {});

}  // namespace conclave::tree
