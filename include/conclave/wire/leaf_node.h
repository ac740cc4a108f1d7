// Leaf nodes, parent nodes and the ratchet tree's wire form (RFC 9420 §7.1, §7.2, §12.4.3.3).
#pragma once

#include <cstdint>
#include <optional>
#include <variant>
#include <vector>

#include "conclave/base/bytes.h"
#include "conclave/codec/codec.h"
#include "conclave/wire/credential.h"
#include "conclave/wire/extension.h"
#include "conclave/wire/types.h"

namespace conclave::wire {

// §7.2
struct Capabilities {
  std::vector<ProtocolVersion> versions;
  std::vector<CipherSuiteId> cipher_suites;
  std::vector<ExtensionType> extensions;
  std::vector<ProposalType> proposals;
  std::vector<CredentialType> credentials;
  CONCLAVE_TLS_FIELDS(versions, cipher_suites, extensions, proposals, credentials)
  friend bool operator==(const Capabilities&, const Capabilities&) = default;
};

// §7.2: seconds since the Unix epoch.
struct Lifetime {
  uint64_t not_before = 0;
  uint64_t not_after = 0;
  CONCLAVE_TLS_FIELDS(not_before, not_after)
  friend bool operator==(const Lifetime&, const Lifetime&) = default;
};

// §7.2: what LeafNodeTBS adds for leaves that are bound to a group position.
struct LeafNodeGroupBinding {
  Bytes group_id;
  uint32_t leaf_index = 0;
};

struct LeafNode {
  HpkePublicKey encryption_key;
  SignaturePublicKey signature_key;
  Credential credential;
  Capabilities capabilities;
  LeafNodeSource leaf_node_source = LeafNodeSource::kKeyPackage;
  Lifetime lifetime;  // only for source key_package
  Bytes parent_hash;  // only for source commit
  ExtensionList extensions;
  Bytes signature;

  // §7.2: LeafNodeTBS, the content signed with label "LeafNodeTBS". `binding` is required for
  // the update and commit sources and ignored for key_package.
  Bytes to_be_signed(const std::optional<LeafNodeGroupBinding>& binding) const;

  void tls_encode(codec::Writer& w) const;
  void tls_decode(codec::Reader& r);
  friend bool operator==(const LeafNode&, const LeafNode&) = default;

 private:
  void encode_content(codec::Writer& w) const;  // every field up to the signature
};

// §7.1
struct ParentNode {
  HpkePublicKey encryption_key;
  Bytes parent_hash;
  std::vector<uint32_t> unmerged_leaves;
  CONCLAVE_TLS_FIELDS(encryption_key, parent_hash, unmerged_leaves)
  friend bool operator==(const ParentNode&, const ParentNode&) = default;
};

// §12.4.3.3
struct Node {
  std::variant<LeafNode, ParentNode> value;

  NodeType node_type() const {
    return std::holds_alternative<LeafNode>(value) ? NodeType::kLeaf : NodeType::kParent;
  }
  const LeafNode* leaf() const { return std::get_if<LeafNode>(&value); }
  const ParentNode* parent() const { return std::get_if<ParentNode>(&value); }

  void tls_encode(codec::Writer& w) const;
  void tls_decode(codec::Reader& r);
  friend bool operator==(const Node&, const Node&) = default;
};

// §12.4.3.3: optional<Node> ratchet_tree<V>, the content of the ratchet_tree extension.
using RatchetTreeNodes = std::vector<std::optional<Node>>;

}  // namespace conclave::wire
