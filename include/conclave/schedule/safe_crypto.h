/// @file
/// The Safe Application Interface's labeled operations (draft-ietf-mls-extensions §Component
/// IDs, §HPKE Keys, §Signature Keys): MLS's EncryptWithLabel and SignWithLabel with the label
/// replaced by the TLS-encoded ComponentOperationLabel of the component performing the
/// operation, so that no component's ciphertexts or signatures are valid for MLS itself or
/// for another component.
#pragma once

#include <string_view>

#include "conclave/base/bytes.h"
#include "conclave/crypto/suite.h"
#include "conclave/wire/component.h"

namespace conclave::schedule {

/// Draft §Component IDs: the TLS encoding of ComponentOperationLabel{"MLS Component",
/// component_id, label}.
Bytes component_operation_label(wire::ComponentId component_id, std::string_view label);

/// Draft §HPKE Keys: SafeEncryptWithLabel(PublicKey, ComponentID, Label, Context, Plaintext) =
/// EncryptWithLabel(PublicKey, ComponentOperationLabel, Context, Plaintext), i.e. HPKE
/// SealBase with info = EncryptContext{"MLS 1.0 " + ComponentOperationLabel, Context}.
crypto::HpkeCiphertext safe_encrypt_with_label(const crypto::Suite& suite, BytesView public_key,
                                               wire::ComponentId component_id,
                                               std::string_view label, BytesView context,
                                               BytesView plaintext);
/// Draft §HPKE Keys: SafeDecryptWithLabel. Throws Error(kAeadAuthenticationFailed) when the
/// ciphertext was not made for this key, component, label and context.
Bytes safe_decrypt_with_label(const crypto::Suite& suite, BytesView private_key,
                              wire::ComponentId component_id, std::string_view label,
                              BytesView context, const crypto::HpkeCiphertext& ciphertext);

/// Draft §Signature Keys: SafeSignWithLabel(SignatureKey, ComponentID, Label, Content) =
/// SignWithLabel(SignatureKey, ComponentOperationLabel, Content).
Bytes safe_sign_with_label(const crypto::Suite& suite, BytesView signature_private_key,
                           wire::ComponentId component_id, std::string_view label,
                           BytesView content);
/// Draft §Signature Keys: SafeVerifyWithLabel; false when the signature does not verify.
bool safe_verify_with_label(const crypto::Suite& suite, BytesView signature_public_key,
                            wire::ComponentId component_id, std::string_view label,
                            BytesView content, BytesView signature);

}  // namespace conclave::schedule
