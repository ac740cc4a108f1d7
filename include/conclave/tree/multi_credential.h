/// @file
/// Verifying multi-credentials (draft-ietf-mls-extensions §Multi-Credentials, §Credential
/// Bindings, §Verifying a Multi-Credential): the signatures of a leaf's credential bindings,
/// the Authentication Service's verdict on each bound credential, and the rules on which
/// bindings the group's members must support.
#pragma once

#include <functional>

#include "conclave/base/bytes.h"
#include "conclave/base/secret_bytes.h"
#include "conclave/crypto/suite.h"
#include "conclave/tree/ratchet_tree.h"
#include "conclave/wire/credential.h"
#include "conclave/wire/leaf_node.h"

namespace conclave::tree {

/// §Credential Bindings: the binding of `credential` (whose key pair, of `credential_suite`,
/// is credential_private_key / credential_key) to the leaf signature key `signature_key`:
/// SignWithLabel(credential_private_key, "CredentialBindingTBS", CredentialBindingTBS).
wire::CredentialBinding make_credential_binding(const crypto::Suite& credential_suite,
                                                wire::Credential credential,
                                                BytesView credential_private_key,
                                                Bytes credential_key, BytesView signature_key);

/// §Verifying a Multi-Credential: "A credential binding is supported by a client if the client
/// supports the credential type and cipher suite of the binding": `capabilities` (a member's)
/// list both.
bool supports_binding(const wire::Capabilities& capabilities, const wire::CredentialBinding& b);

/// Whether this client can verify the binding: its cipher suite is one of RFC 9420 §17.1,
/// which every provider runs (a nested multi-credential never decodes).
bool client_supports_binding(const wire::CredentialBinding& binding);

/// §Verifying a Multi-Credential, the leaf alone: each binding's signature verifies with its
/// credential_key over CredentialBindingTBS and the leaf's signature_key
/// (kCredentialBindingInvalid). multi: every binding, and this client must support them all
/// (kCredentialBindingUnsupported); weak-multi: "Every binding that this client supports".
/// Nothing for other credential types.
void check_credential_bindings(const crypto::Suite& suite, const wire::LeafNode& leaf,
                               LeafIndex index);

/// §Verifying a Multi-Credential: "The credential is valid according to the MLS
/// Authentication Service" and credential_key corresponds to it: the validator is asked about
/// each binding this client supports, as (credential, credential_key). False on the first no.
bool bound_credentials_accepted(
    const wire::MultiCredential& multi,
    const std::function<bool(const wire::Credential&, BytesView)>& validator);

/// §Verifying a Multi-Credential, the members: the multi-credential of `leaf` (at `index`)
/// against a member's capabilities: multi, the member supports every binding; weak-multi, at
/// least one. kCredentialBindingUnsupported otherwise.
void check_member_supports(const wire::Credential& credential, LeafIndex index,
                           const wire::Capabilities& member, LeafIndex member_index);

/// The member rules for `leaf` entering `tree` at `index` (replacing the leaf there unless
/// `adding`): its multi-credential against every member (itself included), and every
/// member's multi-credential against its capabilities. O(n) when multi-credentials are in
/// use, O(1) otherwise.
void check_multi_credential_support(const RatchetTree& tree, const wire::LeafNode& leaf,
                                    LeafIndex index, bool adding);

/// The member rules over a whole tree (a joiner's, §12.4.3.1).
void check_tree_multi_credentials(const RatchetTree& tree);

}  // namespace conclave::tree
