#include "conclave/tree/multi_credential.h"

#include <algorithm>
#include <string>

#include "conclave/base/error.h"
#include "conclave/codec/codec.h"
#include "conclave/crypto/cipher_suite.h"

namespace conclave::tree {

namespace {

std::string at(LeafIndex index) {
  return "leaf " + std::to_string(index.value);
}

template <class T>
bool lists(const std::vector<T>& list, T value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

Bytes binding_tbs(const wire::CredentialBinding& b, BytesView signature_key) {
  return codec::encode(wire::CredentialBindingTbs{b.cipher_suite, b.credential, b.credential_key,
                                                  to_bytes(signature_key)});
}

// The binding's own suite, which need not be the group's (§Credential Bindings).
bool binding_signature_valid(std::shared_ptr<const crypto::CryptoProvider> provider,
                             const wire::CredentialBinding& b, BytesView signature_key) {
  const crypto::Suite binding_suite(std::move(provider), b.cipher_suite);
  try {
    return binding_suite.verify_with_label(b.credential_key, wire::kCredentialBindingLabel,
                                           binding_tbs(b, signature_key), b.signature);
  } catch (const Error&) {
    return false;  // a malformed credential_key: no valid signature
  }
}

}  // namespace

wire::CredentialBinding make_credential_binding(const crypto::Suite& credential_suite,
                                                wire::Credential credential,
                                                BytesView credential_private_key,
                                                Bytes credential_key, BytesView signature_key) {
  if (credential.is_multi())
    throw Error(ErrorCode::kMultiCredentialNested, "a binding of a multi-credential");
  wire::CredentialBinding b;
  b.cipher_suite = credential_suite.id();
  b.credential = std::move(credential);
  b.credential_key = std::move(credential_key);
  b.signature = credential_suite.sign_with_label(
      credential_private_key, wire::kCredentialBindingLabel, binding_tbs(b, signature_key));
  return b;
}

bool supports_binding(const wire::Capabilities& capabilities, const wire::CredentialBinding& b) {
  return lists(capabilities.cipher_suites, wire::CipherSuiteId{b.cipher_suite}) &&
         lists(capabilities.credentials, b.credential.credential_type);
}

bool client_supports_binding(const wire::CredentialBinding& binding) {
  // Every provider implements every suite of RFC 9420 §17.1.
  return crypto::find_cipher_suite(binding.cipher_suite) != nullptr &&
         !binding.credential.is_multi();
}

void check_credential_bindings(const crypto::Suite& suite, const wire::LeafNode& leaf,
                               LeafIndex index) {
  const wire::MultiCredential* multi = leaf.credential.multi_credential();
  if (multi == nullptr) return;
  const bool strong = leaf.credential.credential_type == wire::CredentialType::kMulti;
  for (size_t i = 0; i < multi->bindings.size(); ++i) {
    const wire::CredentialBinding& b = multi->bindings[i];
    const std::string which = at(index) + ": credential binding " + std::to_string(i);
    if (!client_supports_binding(b)) {
      if (!strong) continue;  // weak-multi: only the bindings this client supports
      throw Error(ErrorCode::kCredentialBindingUnsupported,
                  which + " is of cipher suite " + std::to_string(b.cipher_suite) +
                      ", which this client does not support");
    }
    if (!binding_signature_valid(suite.provider_ptr(), b, leaf.signature_key))
      throw Error(ErrorCode::kCredentialBindingInvalid,
                  which + ": the signature over CredentialBindingTBS does not verify");
  }
}

bool bound_credentials_accepted(
    const wire::MultiCredential& multi,
    const std::function<bool(const wire::Credential&, BytesView)>& validator) {
  for (const wire::CredentialBinding& b : multi.bindings) {
    if (!client_supports_binding(b)) continue;  // refused above for multi
    if (!validator(b.credential, b.credential_key)) return false;
  }
  return true;
}

void check_member_supports(const wire::Credential& credential, LeafIndex index,
                           const wire::Capabilities& member, LeafIndex member_index) {
  const wire::MultiCredential* multi = credential.multi_credential();
  if (multi == nullptr) return;
  if (credential.credential_type == wire::CredentialType::kMulti) {
    // "Every member of the group supports the cipher suite and credential type values for the
    // binding."
    for (size_t i = 0; i < multi->bindings.size(); ++i)
      if (!supports_binding(member, multi->bindings[i]))
        throw Error(ErrorCode::kCredentialBindingUnsupported,
                    at(member_index) + " does not support credential binding " + std::to_string(i) +
                        " of " + at(index));
    return;
  }
  // weak-multi: "Each member of the group supports at least one binding".
  for (const wire::CredentialBinding& b : multi->bindings)
    if (supports_binding(member, b)) return;
  throw Error(ErrorCode::kCredentialBindingUnsupported,
              at(member_index) + " supports none of the credential bindings of " + at(index));
}

void check_multi_credential_support(const RatchetTree& tree, const wire::LeafNode& leaf,
                                    LeafIndex index, bool adding) {
  const wire::LeafNode* replaced = adding ? nullptr : tree.leaf(index);
  const auto multi_users = [&](wire::CredentialType t) {
    return tree.credential_type_users(t) -
           (replaced != nullptr && replaced->credential.credential_type == t ? 1 : 0);
  };
  const bool others_multi =
      multi_users(wire::CredentialType::kMulti) + multi_users(wire::CredentialType::kWeakMulti) > 0;
  if (!leaf.credential.is_multi() && !others_multi) return;
  check_member_supports(leaf.credential, index, leaf.capabilities, index);
  for (LeafIndex m : tree.members()) {
    if (m == index) continue;  // the replaced leaf no longer counts
    const wire::LeafNode& member = *tree.leaf(m);
    check_member_supports(leaf.credential, index, member.capabilities, m);
    check_member_supports(member.credential, m, leaf.capabilities, index);
  }
}

void check_tree_multi_credentials(const RatchetTree& tree) {
  if (tree.credential_type_users(wire::CredentialType::kMulti) +
          tree.credential_type_users(wire::CredentialType::kWeakMulti) ==
      0)
    return;
  const std::vector<LeafIndex> members = tree.members();
  for (LeafIndex holder : members) {
    const wire::LeafNode& leaf = *tree.leaf(holder);
    if (!leaf.credential.is_multi()) continue;
    for (LeafIndex m : members)
      check_member_supports(leaf.credential, holder, tree.leaf(m)->capabilities, m);
  }
}

}  // namespace conclave::tree
