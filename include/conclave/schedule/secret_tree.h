/// @file
/// The secret tree of an epoch (RFC 9420 §9), built lazily for groups of any size.
///
/// Starting an epoch stores one secret (encryption_secret at the root): no work or memory
/// grows with the group. A leaf's secrets are derived on its first use by walking down from
/// its lowest stored ancestor; each step stores both children and deletes the parent (§9.2: a
/// parent's secret is consumed once both children are derived), and the leaf secret is
/// deleted once its handshake and application ratchets exist. Reaching one leaf of a tree of
/// 2^k leaves thus costs 2k expansions and leaves k sibling secrets stored.
///
/// The tree is a plain value: copyable, comparable, TLS-serializable. It holds no provider;
/// each operation takes the group's Suite, which must be the one the tree was made with
/// (Error(kInvalidArgument) otherwise).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "conclave/base/secret_bytes.h"
#include "conclave/codec/codec.h"
#include "conclave/crypto/suite.h"
#include "conclave/schedule/hash_ratchet.h"
#include "conclave/schedule/key_and_nonce.h"
#include "conclave/tree/tree_math.h"

namespace conclave::schedule {

/// The secret tree of one epoch and its sender ratchets (see the file comment above). Keys
/// are consumed as they are handed out. next_key(), take_key() and peek_key() throw
/// Error(kLeafIndexOutOfRange) for a leaf at or past leaf_count().
class SecretTree {
 public:
  /// An empty tree of no leaves.
  SecretTree() = default;
  /// RFC 9420 §9: the tree of the group's ratchet tree shape, `leaf_count` leaves (1 to 2^31;
  /// a count that is not a power of two is laid out as in the full tree), encryption_secret at
  /// the root. O(1). Throws Error(kInvalidArgument) for a leaf count out of range,
  /// Error(kInvalidSecretLength) for a secret that is not KDF.Nh bytes.
  SecretTree(const crypto::Suite& suite, tree::LeafCount leaf_count, SecretBytes encryption_secret,
             RatchetWindow window = {});

  /// Sender side (§6.3.1): the key of the next generation of `leaf`'s ratchet, consumed.
  GenerationKey next_key(const crypto::Suite& suite, tree::LeafIndex leaf, RatchetType type);
  /// Receiver side: the key of `generation`, consumed (§9.2). See HashRatchet for the errors.
  KeyAndNonce take_key(const crypto::Suite& suite, tree::LeafIndex leaf, RatchetType type,
                       uint32_t generation);
  /// The key take_key would return, consuming nothing and changing nothing.
  KeyAndNonce peek_key(const crypto::Suite& suite, tree::LeafIndex leaf, RatchetType type,
                       uint32_t generation) const;
  // Every one of these throws Error(kLeafIndexOutOfRange) for a leaf at or past leaf_count().

  uint32_t leaf_count() const { return leaf_count_; }      ///< as given at construction
  uint16_t cipher_suite() const { return suite_id_; }      ///< the suite it was made with
  const RatchetWindow& window() const { return window_; }  ///< the receivers' window
  /// The window applies to requests made from now on.
  void set_window(const RatchetWindow& window) { window_ = window; }

  /// Tree node secrets currently stored (parents and leaves whose ratchets are not set up).
  size_t stored_node_count() const { return nodes_.size(); }
  /// True when the secret of `node` is stored.
  bool holds_node_secret(tree::NodeIndex node) const { return nodes_.count(node.value) != 0; }
  /// Leaves whose ratchets are set up.
  size_t initialized_leaf_count() const { return leaves_.size(); }
  /// nullptr until the leaf's ratchets are set up.
  const HashRatchet* ratchet(tree::LeafIndex leaf, RatchetType type) const;

  /// Serialized as { uint16 cipher_suite; uint32 leaf_count; RatchetWindow window;
  /// NodeSecret nodes<V>; LeafRatchets leaves<V>; }, both lists in ascending index order.
  void tls_encode(codec::Writer& w) const;
  /// Decoding checks every invariant (Error(kInvalidScheduleState)): indices in range and
  /// ascending, lengths right for the suite, every leaf covered exactly once by a stored
  /// ancestor or its ratchets.
  void tls_decode(codec::Reader& r);

  // --- incremental storage: what changed, and one record per node secret or leaf ---

  /// Node secrets and leaf ratchets to write (or to delete, when no longer held).
  struct Changes {
    std::set<uint32_t> nodes;   ///< node indices
    std::set<uint32_t> leaves;  ///< leaf indices
    /// True when nothing changed.
    bool empty() const { return nodes.empty() && leaves.empty(); }
  };
  /// The node secrets and leaf ratchets created, changed or deleted since the last call (a new
  /// tree reports its root): persisting them persists the whole change.
  Changes take_changes();
  /// Every node secret and leaf ratchet held, as Changes (to write the whole tree once).
  Changes everything() const;
  /// nullptr when the node's secret is not stored.
  const SecretBytes* node_secret(tree::NodeIndex node) const;
  /// The leaf's two ratchets encoded; empty when its ratchets are not set up.
  SecretBytes encode_leaf(tree::LeafIndex leaf) const;
  /// The tree from its parts, every invariant of tls_decode checked (kInvalidScheduleState).
  static SecretTree restore(uint16_t cipher_suite, uint32_t leaf_count, RatchetWindow window,
                            std::map<uint32_t, SecretBytes> nodes,
                            const std::vector<std::pair<uint32_t, BytesView>>& leaves);

  /// Change tracking is not part of the value.
  friend bool operator==(const SecretTree& a, const SecretTree& b) {
    return a.suite_id_ == b.suite_id_ && a.leaf_count_ == b.leaf_count_ && a.window_ == b.window_ &&
           a.nodes_ == b.nodes_ && a.leaves_ == b.leaves_;
  }

 private:
  struct LeafRatchets {
    HashRatchet handshake;
    HashRatchet application;
    /// Field by field.
    friend bool operator==(const LeafRatchets&, const LeafRatchets&) = default;
  };

  void check_suite(const crypto::Suite& suite) const;
  /// The leaf's ratchet, deriving the path down to it on first use.
  HashRatchet& ratchet_for(const crypto::Suite& suite, tree::LeafIndex leaf, RatchetType type);
  LeafRatchets& init_leaf(const crypto::Suite& suite, tree::LeafIndex leaf);
  /// The one stored node secret at or above a leaf whose ratchets are not set up.
  std::map<uint32_t, SecretBytes>::const_iterator lowest_stored_ancestor(
      tree::LeafIndex leaf) const;
  void validate() const;

  uint16_t suite_id_ = 0;
  uint32_t leaf_count_ = 0;
  RatchetWindow window_;
  std::map<uint32_t, SecretBytes> nodes_;    ///< node index -> tree_node_[N]_secret
  std::map<uint32_t, LeafRatchets> leaves_;  ///< leaf index -> its two ratchets
  Changes changes_;
};

}  // namespace conclave::schedule
