/// @file
/// The Exporter Tree of the extensions draft (draft-ietf-mls-extensions §Exported Secrets):
/// the safe exporter's forward-secure secrets, one per ComponentID.
///
/// The tree has the shape of RFC 9420 §9's secret tree with 2^16 leaves, one per ComponentID,
/// and application_export_secret at its root. Nodes are derived on demand as in §9 (left:
/// ExpandWithLabel(parent, "tree", "left", KDF.Nh), right: "right"); each step stores both
/// children and deletes the parent, and a leaf's secret is deleted as it is handed out
/// (§9.2). A component's secret can thus be had once per epoch: a second request finds no
/// stored ancestor and fails with Error(kSafeExportConsumed). Reaching a leaf costs 32
/// expansions and leaves at most 16 sibling secrets stored.
#pragma once

#include <cstdint>
#include <map>

#include "conclave/base/secret_bytes.h"
#include "conclave/codec/codec.h"
#include "conclave/crypto/suite.h"
#include "conclave/wire/component.h"

namespace conclave::schedule {

/// The Exporter Tree of one epoch (see the file comment). A plain value: copyable,
/// comparable, TLS-serializable; each operation takes the Suite it was made with
/// (Error(kInvalidArgument) otherwise).
class ExporterTree {
 public:
  /// Leaves of every Exporter Tree: one per ComponentID.
  static constexpr uint32_t kLeafCount = 1u << 16;

  /// A tree with nothing stored: every export fails.
  ExporterTree() = default;
  /// application_export_secret at the root. Error(kInvalidSecretLength) unless KDF.Nh bytes.
  ExporterTree(const crypto::Suite& suite, SecretBytes application_export_secret);

  /// SafeExportSecret(ComponentID) = tree_node_[LeafIndex(ComponentID)]_secret, consumed:
  /// Error(kSafeExportConsumed) when it was already taken.
  SecretBytes take(const crypto::Suite& suite, wire::ComponentId component_id);
  /// True when the component's secret can still be taken.
  bool available(wire::ComponentId component_id) const;

  uint16_t cipher_suite() const { return suite_id_; }         ///< the suite it was made with
  size_t stored_node_count() const { return nodes_.size(); }  ///< node secrets held

  /// Serialized as { uint16 cipher_suite; NodeSecret nodes<V>; } (NodeSecret: uint32 node,
  /// opaque secret<V>), in ascending node order.
  void tls_encode(codec::Writer& w) const;
  /// Checks every invariant (Error(kInvalidScheduleState)): nodes inside the tree and
  /// ascending, no stored node above another, secrets of the suite's length.
  void tls_decode(codec::Reader& r);

  /// Field by field.
  friend bool operator==(const ExporterTree&, const ExporterTree&) = default;

 private:
  void validate() const;

  uint16_t suite_id_ = 0;
  std::map<uint32_t, SecretBytes> nodes_;  ///< node index -> tree_node_[N]_secret
};

}  // namespace conclave::schedule
