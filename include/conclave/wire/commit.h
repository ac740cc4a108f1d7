// Commits and update paths (RFC 9420 §7.6, §12.4).
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

using HpkeCiphertext = crypto::HpkeCiphertext;  // §7.6

struct UpdatePathNode {  // §7.6
  HpkePublicKey encryption_key;
  std::vector<HpkeCiphertext> encrypted_path_secret;
  CONCLAVE_TLS_FIELDS(encryption_key, encrypted_path_secret)
  friend bool operator==(const UpdatePathNode&, const UpdatePathNode&) = default;
};

struct UpdatePath {  // §7.6
  LeafNode leaf_node;
  std::vector<UpdatePathNode> nodes;
  CONCLAVE_TLS_FIELDS(leaf_node, nodes)
  friend bool operator==(const UpdatePath&, const UpdatePath&) = default;
};

// §12.4: a proposal inline, or a reference to one sent earlier in the epoch.
struct ProposalOrRef {
  std::variant<Proposal, ProposalRef> value;

  const Proposal* proposal() const { return std::get_if<Proposal>(&value); }
  const ProposalRef* reference() const { return std::get_if<ProposalRef>(&value); }

  void tls_encode(codec::Writer& w) const;
  void tls_decode(codec::Reader& r);
  friend bool operator==(const ProposalOrRef&, const ProposalOrRef&) = default;
};

struct Commit {  // §12.4
  std::vector<ProposalOrRef> proposals;
  std::optional<UpdatePath> path;
  CONCLAVE_TLS_FIELDS(proposals, path)
  friend bool operator==(const Commit&, const Commit&) = default;
};

}  // namespace conclave::wire
