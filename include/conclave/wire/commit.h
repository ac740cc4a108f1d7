/// @file
/// Commits and update paths (RFC 9420 §7.6, §12.4).
#pragma once

#include <optional>
#include <variant>
#include <vector>

#include "conclave/base/bytes.h"
#include "conclave/codec/codec.h"
#include "conclave/crypto/suite.h"
#include "conclave/wire/leaf_node.h"
#include "conclave/wire/proposal.h"
#include "conclave/wire/types.h"

namespace conclave::wire {

using HpkeCiphertext = crypto::HpkeCiphertext;  ///< §7.6

/// §7.6: the new public key of one node of the committer's filtered direct path, and its path
/// secret encrypted to each node of the copath child's resolution.
struct UpdatePathNode {
  HpkePublicKey encryption_key;                       ///< the node's new public key
  std::vector<HpkeCiphertext> encrypted_path_secret;  ///< one per resolution node, in order
  CONCLAVE_TLS_FIELDS(encryption_key, encrypted_path_secret)
  /// Field by field.
  friend bool operator==(const UpdatePathNode&, const UpdatePathNode&) = default;
};

/// §7.6: the committer's new leaf and new keys along its filtered direct path.
struct UpdatePath {
  LeafNode leaf_node;                 ///< the committer's new leaf (source commit)
  std::vector<UpdatePathNode> nodes;  ///< one per filtered direct path node, from the leaf up
  CONCLAVE_TLS_FIELDS(leaf_node, nodes)
  /// Field by field.
  friend bool operator==(const UpdatePath&, const UpdatePath&) = default;
};

/// §12.4: a proposal inline, or a reference to one sent earlier in the epoch.
struct ProposalOrRef {
  std::variant<Proposal, ProposalRef> value;  ///< the proposal, or its ProposalRef (§5.2)

  /// The proposal when carried by value, else null.
  const Proposal* proposal() const { return std::get_if<Proposal>(&value); }
  /// The reference when carried by reference, else null.
  const ProposalRef* reference() const { return std::get_if<ProposalRef>(&value); }

  /// Writes the wire encoding.
  void tls_encode(codec::Writer& w) const;
  /// Reads the wire encoding; throws Error naming the rule a malformed input breaks.
  void tls_decode(codec::Reader& r);
  /// Field by field.
  friend bool operator==(const ProposalOrRef&, const ProposalOrRef&) = default;
};

/// §12.4: the proposals a commit applies and, when needed, the committer's UpdatePath.
struct Commit {
  std::vector<ProposalOrRef> proposals;  ///< applied in the order of §12.3
  std::optional<UpdatePath> path;  ///< required for an empty commit and some proposal types (§12.4)
  CONCLAVE_TLS_FIELDS(proposals, path)
  /// Field by field.
  friend bool operator==(const Commit&, const Commit&) = default;
};

}  // namespace conclave::wire
