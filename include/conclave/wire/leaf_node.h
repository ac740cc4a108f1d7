/// @file
/// Leaf nodes, parent nodes and the ratchet tree's wire form (RFC 9420 §7.1, §7.2, §12.4.3.3).
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

/// §7.2: what a client supports beyond the defaults, listed in its leaf.
struct Capabilities {
  std::vector<ProtocolVersion> versions;     ///< protocol versions
  std::vector<CipherSuiteId> cipher_suites;  ///< cipher suites
  std::vector<ExtensionType> extensions;     ///< non-default extension types
  std::vector<ProposalType> proposals;       ///< non-default proposal types
  std::vector<CredentialType> credentials;   ///< credential types
  CONCLAVE_TLS_FIELDS(versions, cipher_suites, extensions, proposals, credentials)
  /// Field by field.
  friend bool operator==(const Capabilities&, const Capabilities&) = default;
};

/// §7.2: when a KeyPackage's leaf is valid, in seconds since the Unix epoch.
struct Lifetime {
  uint64_t not_before = 0;  ///< first valid second
  uint64_t not_after = 0;   ///< last valid second
  CONCLAVE_TLS_FIELDS(not_before, not_after)
  /// Field by field.
  friend bool operator==(const Lifetime&, const Lifetime&) = default;
};

/// §7.2: what LeafNodeTBS adds for leaves that are bound to a group position.
struct LeafNodeGroupBinding {
  Bytes group_id;           ///< the group the leaf is in
  uint32_t leaf_index = 0;  ///< the leaf's position
};

/// §7.2: a member's leaf: its keys, credential and capabilities, signed with its signature key.
struct LeafNode {
  HpkePublicKey encryption_key;      ///< the leaf's HPKE key (TreeKEM encrypts to it)
  SignaturePublicKey signature_key;  ///< the member's signature key
  Credential credential;             ///< binds the signature key to an identity (§5.3)
  Capabilities capabilities;         ///< what the client supports
  /// What it was made for: a KeyPackage, an Update or a Commit.
  LeafNodeSource leaf_node_source = LeafNodeSource::kKeyPackage;
  Lifetime lifetime;         ///< only for source key_package
  Bytes parent_hash;         ///< only for source commit
  ExtensionList extensions;  ///< leaf extensions (§13)
  Bytes signature;           ///< over LeafNodeTBS

  /// §7.2: LeafNodeTBS, the content signed with label "LeafNodeTBS". `binding` is required for
  /// the update and commit sources and ignored for key_package.
  Bytes to_be_signed(const std::optional<LeafNodeGroupBinding>& binding) const;

  /// Writes the wire encoding.
  void tls_encode(codec::Writer& w) const;
  /// Reads the wire encoding; throws Error naming the rule a malformed input breaks.
  void tls_decode(codec::Reader& r);
  /// Field by field.
  friend bool operator==(const LeafNode&, const LeafNode&) = default;

 private:
  void encode_content(codec::Writer& w) const;  ///< every field up to the signature
};

/// §7.1: an interior node of the ratchet tree.
struct ParentNode {
  HpkePublicKey encryption_key;           ///< the node's HPKE key
  Bytes parent_hash;                      ///< binds the node to its parent (§7.9)
  std::vector<uint32_t> unmerged_leaves;  ///< leaves added below since the key was set (§7.1)
  CONCLAVE_TLS_FIELDS(encryption_key, parent_hash, unmerged_leaves)
  /// Field by field.
  friend bool operator==(const ParentNode&, const ParentNode&) = default;
};

/// §12.4.3.3: a non-blank node of the ratchet tree as sent.
struct Node {
  std::variant<LeafNode, ParentNode> value;  ///< a leaf or a parent

  /// Which of the two it is.
  NodeType node_type() const {
    return std::holds_alternative<LeafNode>(value) ? NodeType::kLeaf : NodeType::kParent;
  }
  const LeafNode* leaf() const { return std::get_if<LeafNode>(&value); }  ///< null for a parent
  const ParentNode* parent() const { return std::get_if<ParentNode>(&value); }  ///< null for a leaf

  /// Writes the wire encoding.
  void tls_encode(codec::Writer& w) const;
  /// Reads the wire encoding; throws Error naming the rule a malformed input breaks.
  void tls_decode(codec::Reader& r);
  /// Field by field.
  friend bool operator==(const Node&, const Node&) = default;
};

/// §12.4.3.3: optional<Node> ratchet_tree<V>, the content of the ratchet_tree extension.
using RatchetTreeNodes = std::vector<std::optional<Node>>;

}  // namespace conclave::wire
