/// @file
/// Leaf node validation (RFC 9420 §7.3): the rules one LeafNode must meet, for a leaf already in a
/// tree and for one about to enter it from a KeyPackage, an Update or a Commit. Each rule is a
/// named check that throws its own ErrorCode.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "conclave/base/bytes.h"
#include "conclave/tree/ratchet_tree.h"
#include "conclave/wire/extension.h"
#include "conclave/wire/leaf_node.h"

namespace conclave::tree {

/// The group's parameters and the application's policies that leaf validation needs.
struct LeafPolicy {
  /// §7.2: the group_id that update and commit leaves sign in their LeafNodeTBS.
  Bytes group_id;
  /// §7.3, §11.1: the GroupContext extensions; a required_capabilities extension among them
  /// names what every leaf must support.
  wire::ExtensionList group_context_extensions;
  /// §7.3: seconds since the Unix epoch. When set, key_package leaves must be within their
  /// lifetime (mandatory for leaves a client sends, recommended for those it receives).
  std::optional<uint64_t> now;
  /// §7.2: the application's maximum total lifetime (not_after - not_before), in seconds.
  std::optional<uint64_t> max_lifetime;
  /// §5.3.1: the application's credential validation (the Authentication Service). Unset
  /// accepts every credential.
  std::function<bool(const wire::Credential&, BytesView signature_key)> credential_validator;
};

/// The message a LeafNode arrives in (§7.3 "Verify the leaf_node_source field").
enum class LeafNodeContext { kKeyPackage, kUpdate, kCommit };

/// @{
/// §7.2: default proposal and extension types, which capabilities need not (must not) list.
bool is_default_extension_type(wire::ExtensionType type);
bool is_default_proposal_type(wire::ProposalType type);
/// @}

/// The individual rules. Each throws its own code with the leaf index in the detail.
/// kLeafSignatureInvalid: the signature over LeafNodeTBS (group_id and leaf index bound for the
/// update and commit sources).
void check_leaf_signature(const crypto::Suite& suite, const wire::LeafNode& leaf, LeafIndex index,
                          BytesView group_id);
/// kRequiredCapabilityMissing: the leaf supports every non-default GroupContext extension
/// (§13.4) and what a required_capabilities extension names (§11.1: default types count as
/// supported), then the extensions draft's required wire formats and components
/// (check_negotiated_support: kRequiredWireFormatUnsupported, kRequiredComponentUnsupported).
void check_required_capabilities(const wire::LeafNode& leaf, LeafIndex index,
                                 const wire::ExtensionList& group_context_extensions);
/// kLeafExtensionUnsupported: every non-default extension of the leaf is in its capabilities;
/// kAppComponentsMissing: one supporting app_data_dictionary advertises app_components
/// (check_app_components_advertised).
void check_leaf_extensions(const wire::LeafNode& leaf, LeafIndex index);
/// kLeafLifetimeInvalid, kLeafLifetimeTooLong (key_package leaves only; others carry none).
void check_leaf_lifetime(const wire::LeafNode& leaf, LeafIndex index, std::optional<uint64_t> now,
                         std::optional<uint64_t> max_lifetime);
/// kInvalidPublicKey: `key` is a public key HPKE can encrypt to (RFC 9180 §7.1.4). Checked for
/// every key that enters the tree or a KeyPackage: one that is not would make each later commit
/// whose path encrypts to it fail, for every member. `owner()` names the key's owner in the
/// error; it is called only then.
void check_encryption_key(const crypto::Suite& suite, BytesView key,
                          const std::function<std::string()>& owner);
/// kCredentialRejected.
void check_leaf_credential(const wire::LeafNode& leaf, LeafIndex index, const LeafPolicy& policy);

/// §7.3 for a LeafNode entering `tree` at `index` from a KeyPackage (an Add), an Update or a
/// Commit's UpdatePath; for the last two it replaces the leaf at `index`. Checks every rule,
/// including kLeafNodeSourceMismatch, kEncryptionKeyNotUpdated (Update, Commit),
/// kCredentialTypeUnsupported against the other members, and kDuplicateSignatureKey /
/// kDuplicateEncryptionKey against the rest of the tree. O(log n) apart from the signature.
void validate_leaf_node(const RatchetTree& tree, const wire::LeafNode& leaf,
                        LeafNodeContext context, LeafIndex index, const LeafPolicy& policy);
/// validate_leaf_node without the checks of the leaf alone (check_leaf_signature,
/// check_encryption_key), for a leaf that passed them when it arrived: a proposal is checked on
/// receipt, and checked again against the tree (and the extensions) of the commit that applies
/// it, where the leaf cannot have changed.
void validate_leaf_node_verified(const RatchetTree& tree, const wire::LeafNode& leaf,
                                 LeafNodeContext context, LeafIndex index,
                                 const LeafPolicy& policy);

}  // namespace conclave::tree
