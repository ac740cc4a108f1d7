// The records a Group's state is written as (internal to group/): the whole-state blob of
// Group::serialize() and the per-record layout of a StorageProvider share these pieces.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "conclave/base/bytes.h"
#include "conclave/base/secret_bytes.h"
#include "conclave/codec/codec.h"
#include "conclave/group/config.h"
#include "conclave/schedule/key_schedule.h"
#include "conclave/tree/treekem.h"
#include "conclave/wire/credential.h"
#include "conclave/wire/framing.h"
#include "conclave/wire/group_context.h"
#include "conclave/wire/proposal.h"

namespace conclave::detail {

struct NodeKeyRecord {
  uint32_t node = 0;
  SecretBytes private_key;
  Bytes public_key;
  CONCLAVE_TLS_FIELDS(node, private_key, public_key)
};

// A member's path keys as records, and back: the state blob and the pending commit keep them.
inline std::vector<NodeKeyRecord> node_key_records(const tree::TreeKemPrivate& keys) {
  std::vector<NodeKeyRecord> out;
  for (const auto& [node, pair] : keys.keys())
    out.push_back(NodeKeyRecord{node.value, pair.private_key, pair.public_key});
  return out;
}

inline tree::TreeKemPrivate tree_private_of(tree::LeafIndex leaf,
                                            std::vector<NodeKeyRecord>&& records) {
  tree::TreeKemPrivate keys(leaf);
  for (auto& k : records)
    keys.set_key(tree::NodeIndex(k.node),
                 tree::NodeKeyPair{std::move(k.private_key), std::move(k.public_key)});
  return keys;
}

struct ProposalRecord {
  Bytes ref;
  wire::Sender sender;
  wire::Proposal proposal;
  CONCLAVE_TLS_FIELDS(ref, sender, proposal)
};

struct SignatureKeyRecord {
  uint32_t leaf = 0;
  std::optional<Bytes> key;
  CONCLAVE_TLS_FIELDS(leaf, key)
};

struct SecretRecord {
  uint64_t id = 0;
  SecretBytes secret;
  CONCLAVE_TLS_FIELDS(id, secret)
};

struct KeyedSecretRecord {
  Bytes key;
  SecretBytes secret;
  CONCLAVE_TLS_FIELDS(key, secret)
};

// Everything but the ratchet tree's nodes and the secret trees (of this and past epochs).
struct CommonRecord {
  uint16_t cipher_suite = 0;
  GroupConfig config;
  uint32_t own_leaf = 0;
  wire::Credential credential;
  SecretBytes signature_private_key;
  uint8_t active = 1;
  wire::GroupContext context;
  std::vector<NodeKeyRecord> tree_private;
  schedule::EpochSecrets secrets;
  Bytes interim_transcript_hash;
  Bytes confirmation_tag;
  std::vector<ProposalRecord> proposals;
  std::vector<SecretRecord> resumption_psks;
  std::vector<KeyedSecretRecord> update_private_keys;
  std::vector<Bytes> own_proposal_messages;
  std::optional<wire::ReInit> reinit;
  CONCLAVE_TLS_FIELDS(cipher_suite, config, own_leaf, credential, signature_private_key, active,
                      context, tree_private, secrets, interim_transcript_hash, confirmation_tag,
                      proposals, resumption_psks, update_private_keys, own_proposal_messages,
                      reinit)
};

}  // namespace conclave::detail

namespace conclave::detail {

// How a client's state is laid out in a StorageProvider: a scope per group ('g' + group_id)
// and per KeyPackage ('k' + KeyPackageRef, so that consuming one is a version check), the
// client's external PSKs under 'p' and its identities under 'i'.
enum RecordKind : uint16_t {
  kEpochRecord = 1,       // id empty: CommonRecord and the secret trees' shapes
  kTreeNodeRecord = 2,    // id node index (u32): the node (or blank) and its tree hash
  kSecretNodeRecord = 3,  // id epoch (u64) || node index (u32): a secret tree node secret
  kSecretLeafRecord = 4,  // id epoch (u64) || leaf index (u32): a leaf's two ratchets
  kPendingRecord = 5,     // id empty: the pending own commit
  kAppStateRecord = 6,    // id empty: Group::application_state()
  kExporterRecord = 7,    // id empty: optional<ExporterTree> of the current epoch (absent in
                          // stores of earlier builds: that epoch has no safe exporter)
  kKeyPackageRecord = 16,
  kPskRecord = 17,       // id psk_id: an external PSK
  kIdentityRecord = 18,  // id the application's name for it
};

inline Bytes prefixed(uint8_t prefix, BytesView id) {
  Bytes out;
  out.reserve(1 + id.size());
  out.push_back(prefix);
  out.insert(out.end(), id.begin(), id.end());
  return out;
}
inline Bytes group_scope(BytesView group_id) {
  return prefixed('g', group_id);
}
inline Bytes key_package_scope(BytesView ref) {
  return prefixed('k', ref);
}
inline const Bytes& psk_scope() {
  static const Bytes scope{'p'};
  return scope;
}
inline const Bytes& identity_scope() {
  static const Bytes scope{'i'};
  return scope;
}

}  // namespace conclave::detail
