// RFC 9420 §7.3 leaf node validation.
#include "conclave/tree/leaf_validation.h"

#include <algorithm>
#include <string>

#include "conclave/base/error.h"
#include "conclave/codec/codec.h"
#include "conclave/tree/multi_credential.h"
#include "conclave/tree/negotiation.h"

namespace conclave::tree {

namespace {

std::string at(LeafIndex index) {
  return "leaf " + std::to_string(index.value);
}

std::string type_name(uint16_t type) {
  return std::to_string(type);
}

template <class T>
bool lists(const std::vector<T>& list, T value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

const char* source_name(wire::LeafNodeSource source) {
  switch (source) {
    case wire::LeafNodeSource::kKeyPackage: return "key_package";
    case wire::LeafNodeSource::kUpdate: return "update";
    case wire::LeafNodeSource::kCommit: return "commit";
  }
  return "unknown";
}

}  // namespace

bool is_default_extension_type(wire::ExtensionType type) {
  const auto v = static_cast<uint16_t>(type);
  return v >= 1 && v <= 5;  // application_id .. external_senders
}

bool is_default_proposal_type(wire::ProposalType type) {
  const auto v = static_cast<uint16_t>(type);
  return v >= 1 && v <= 7;  // add .. group_context_extensions
}

void check_leaf_signature(const crypto::Suite& suite, const wire::LeafNode& leaf, LeafIndex index,
                          BytesView group_id) {
  // §7.2: update and commit leaves are bound to their group and position.
  std::optional<wire::LeafNodeGroupBinding> binding;
  if (leaf.leaf_node_source != wire::LeafNodeSource::kKeyPackage)
    binding = wire::LeafNodeGroupBinding{to_bytes(group_id), index.value};
  bool valid = false;
  try {
    valid = suite.verify_with_label(leaf.signature_key, "LeafNodeTBS", leaf.to_be_signed(binding),
                                    leaf.signature);
  } catch (const Error& e) {
    throw Error(ErrorCode::kLeafSignatureInvalid, at(index) + ": " + e.what());
  }
  if (!valid)
    throw Error(ErrorCode::kLeafSignatureInvalid,
                at(index) + ": the signature over LeafNodeTBS does not verify");
  // extensions draft §Verifying a Multi-Credential: the bindings are signatures of the leaf too.
  check_credential_bindings(suite, leaf, index);
}

void check_required_capabilities(const wire::LeafNode& leaf, LeafIndex index,
                                 const wire::ExtensionList& group_context_extensions) {
  // §13.4: "The capabilities field MUST indicate support for each extension in the
  // GroupContext" (default types are supported by every client, §7.2).
  for (const wire::Extension& e : group_context_extensions)
    if (!is_default_extension_type(e.extension_type) &&
        !lists(leaf.capabilities.extensions, e.extension_type))
      throw Error(ErrorCode::kRequiredCapabilityMissing,
                  at(index) + ": does not support group extension type " +
                      type_name(static_cast<uint16_t>(e.extension_type)));
  // Extensions draft §Negotiating Extensions and Components: wire formats and components.
  check_negotiated_support(leaf, index, group_context_extensions);
  const wire::Extension* ext =
      wire::find_extension(group_context_extensions, wire::ExtensionType::kRequiredCapabilities);
  if (ext == nullptr) return;
  const auto required = codec::decode<wire::RequiredCapabilities>(ext->extension_data);
  const wire::Capabilities& caps = leaf.capabilities;
  // §11.1: default extension and proposal types are implemented by every client; credential
  // types have no defaults.
  for (wire::ExtensionType t : required.extension_types)
    if (!is_default_extension_type(t) && !lists(caps.extensions, t))
      throw Error(ErrorCode::kRequiredCapabilityMissing,
                  at(index) + ": extension type " + type_name(static_cast<uint16_t>(t)));
  for (wire::ProposalType t : required.proposal_types)
    if (!is_default_proposal_type(t) && !lists(caps.proposals, t))
      throw Error(ErrorCode::kRequiredCapabilityMissing,
                  at(index) + ": proposal type " + type_name(static_cast<uint16_t>(t)));
  for (wire::CredentialType t : required.credential_types)
    if (!lists(caps.credentials, t))
      throw Error(ErrorCode::kRequiredCapabilityMissing,
                  at(index) + ": credential type " + type_name(static_cast<uint16_t>(t)));
}

void check_leaf_extensions(const wire::LeafNode& leaf, LeafIndex index) {
  // §7.2: non-default extension types in the leaf must appear in its capabilities.
  for (const wire::Extension& e : leaf.extensions)
    if (!is_default_extension_type(e.extension_type) &&
        !lists(leaf.capabilities.extensions, e.extension_type))
      throw Error(ErrorCode::kLeafExtensionUnsupported,
                  at(index) + ": extension type " +
                      type_name(static_cast<uint16_t>(e.extension_type)) +
                      " is not in its capabilities");
  // Extensions draft §Attaching Application Data: app_data_dictionary brings app_components.
  check_app_components_advertised(leaf, index);
}

void check_leaf_lifetime(const wire::LeafNode& leaf, LeafIndex index, std::optional<uint64_t> now,
                         std::optional<uint64_t> max_lifetime) {
  if (leaf.leaf_node_source != wire::LeafNodeSource::kKeyPackage) return;
  const wire::Lifetime& life = leaf.lifetime;
  if (max_lifetime &&
      (life.not_after < life.not_before || life.not_after - life.not_before > *max_lifetime))
    throw Error(ErrorCode::kLeafLifetimeTooLong, at(index) + ": lifetime " +
                                                     std::to_string(life.not_before) + ".." +
                                                     std::to_string(life.not_after) + " exceeds " +
                                                     std::to_string(*max_lifetime) + " seconds");
  if (now && (*now < life.not_before || *now > life.not_after))
    throw Error(ErrorCode::kLeafLifetimeInvalid, at(index) + ": time " + std::to_string(*now) +
                                                     " outside " + std::to_string(life.not_before) +
                                                     ".." + std::to_string(life.not_after));
}

void check_encryption_key(const crypto::Suite& suite, BytesView key,
                          const std::function<std::string()>& owner) {
  try {
    suite.check_hpke_public_key(key);
  } catch (const Error& e) {
    if (e.code() != ErrorCode::kInvalidPublicKey) throw;
    throw Error(ErrorCode::kInvalidPublicKey, owner() + ": encryption key: " + e.what());
  }
}

void check_leaf_credential(const wire::LeafNode& leaf, LeafIndex index, const LeafPolicy& policy) {
  // extensions draft §Verifying a Multi-Credential: the Authentication Service judges each bound
  // credential with its own key; the multi-credential itself names no one.
  if (const wire::MultiCredential* multi = leaf.credential.multi_credential()) {
    if (policy.credential_validator &&
        !bound_credentials_accepted(*multi, policy.credential_validator))
      throw Error(ErrorCode::kCredentialRejected,
                  at(index) + ": a bound credential was not accepted");
    return;
  }
  if (policy.credential_validator &&
      !policy.credential_validator(leaf.credential, leaf.signature_key))
    throw Error(ErrorCode::kCredentialRejected, at(index) + ": the credential was not accepted");
}

namespace {

void validate_leaf(const RatchetTree& tree, const wire::LeafNode& leaf, LeafNodeContext context,
                   LeafIndex index, const LeafPolicy& policy, bool arrival_checks) {
  // §7.3 "Verify the leaf_node_source field".
  const wire::LeafNodeSource expected =
      context == LeafNodeContext::kKeyPackage ? wire::LeafNodeSource::kKeyPackage
      : context == LeafNodeContext::kUpdate   ? wire::LeafNodeSource::kUpdate
                                              : wire::LeafNodeSource::kCommit;
  if (leaf.leaf_node_source != expected)
    throw Error(ErrorCode::kLeafNodeSourceMismatch, at(index) + ": source " +
                                                        source_name(leaf.leaf_node_source) +
                                                        ", expected " + source_name(expected));
  check_leaf_credential(leaf, index, policy);
  if (arrival_checks) check_leaf_signature(tree.suite(), leaf, index, policy.group_id);
  check_required_capabilities(leaf, index, policy.group_context_extensions);

  // §7.3: the leaf's credential type is supported by all other members, and it supports every
  // type they use (and its own, §7.2). The replaced leaf, if any, no longer counts.
  const wire::LeafNode* replaced =
      context == LeafNodeContext::kKeyPackage ? nullptr : tree.leaf(index);
  const wire::CredentialType own = leaf.credential.credential_type;
  const uint32_t others = tree.member_count() - (replaced ? 1 : 0);
  const uint32_t supporting = tree.credential_type_supporters(own) -
                              (replaced && lists(replaced->capabilities.credentials, own) ? 1 : 0);
  if (supporting != others)
    throw Error(ErrorCode::kCredentialTypeUnsupported, at(index) + ": credential type " +
                                                           type_name(static_cast<uint16_t>(own)) +
                                                           " is not supported by every member");
  for (wire::CredentialType t : tree.credential_types_in_use()) {
    const uint32_t users =
        tree.credential_type_users(t) - (replaced && replaced->credential.credential_type == t);
    if (users > 0 && !lists(leaf.capabilities.credentials, t))
      throw Error(ErrorCode::kCredentialTypeUnsupported,
                  at(index) + ": does not support credential type " +
                      type_name(static_cast<uint16_t>(t)) + ", which members use");
  }
  if (!lists(leaf.capabilities.credentials, own))
    throw Error(ErrorCode::kCredentialTypeUnsupported,
                at(index) + ": its own credential type is not in its capabilities");

  // extensions draft §Verifying a Multi-Credential: which bindings the members support.
  check_multi_credential_support(tree, leaf, index, context == LeafNodeContext::kKeyPackage);

  check_leaf_extensions(leaf, index);
  check_leaf_lifetime(leaf, index, policy.now, policy.max_lifetime);
  if (arrival_checks)
    check_encryption_key(tree.suite(), leaf.encryption_key, [&] { return at(index); });

  // §7.3 (Update) and §12.4.2 (Commit): a replacing leaf brings a new encryption key.
  if (replaced && replaced->encryption_key == leaf.encryption_key)
    throw Error(ErrorCode::kEncryptionKeyNotUpdated,
                at(index) + ": the encryption key is the one of the leaf it replaces");
  // §7.3: keys unique among the members; a replacing leaf may keep its own signature key.
  size_t signature_uses = tree.signature_key_count(leaf.signature_key);
  if (replaced && replaced->signature_key == leaf.signature_key) --signature_uses;
  if (signature_uses > 0)
    throw Error(ErrorCode::kDuplicateSignatureKey,
                at(index) + ": the signature key is already used by a member");
  if (tree.encryption_key_count(leaf.encryption_key) > 0)
    throw Error(ErrorCode::kDuplicateEncryptionKey,
                at(index) + ": the encryption key is already in the tree");
}

}  // namespace

void validate_leaf_node(const RatchetTree& tree, const wire::LeafNode& leaf,
                        LeafNodeContext context, LeafIndex index, const LeafPolicy& policy) {
  validate_leaf(tree, leaf, context, index, policy, true);
}

void validate_leaf_node_verified(const RatchetTree& tree, const wire::LeafNode& leaf,
                                 LeafNodeContext context, LeafIndex index,
                                 const LeafPolicy& policy) {
  validate_leaf(tree, leaf, context, index, policy, false);
}

}  // namespace conclave::tree
