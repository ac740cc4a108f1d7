#include "conclave/schedule/safe_crypto.h"

#include "conclave/codec/codec.h"

namespace conclave::schedule {
namespace {

Bytes to_bytes(std::string_view s) {
  return Bytes(s.begin(), s.end());
}

// Suite's labeled operations take the label as a string_view of bytes ("MLS 1.0 " is
// prepended there); the encoded ComponentOperationLabel is binary, which a string_view holds.
std::string_view as_label(const Bytes& encoded) {
  return {reinterpret_cast<const char*>(encoded.data()), encoded.size()};
}

}  // namespace

Bytes component_operation_label(wire::ComponentId component_id, std::string_view label) {
  return codec::encode(wire::ComponentOperationLabel{to_bytes(wire::kComponentBaseLabel),
                                                     component_id, to_bytes(label)});
}

crypto::HpkeCiphertext safe_encrypt_with_label(const crypto::Suite& suite, BytesView public_key,
                                               wire::ComponentId component_id,
                                               std::string_view label, BytesView context,
                                               BytesView plaintext) {
  const Bytes op = component_operation_label(component_id, label);
  return suite.encrypt_with_label(public_key, as_label(op), context, plaintext);
}

Bytes safe_decrypt_with_label(const crypto::Suite& suite, BytesView private_key,
                              wire::ComponentId component_id, std::string_view label,
                              BytesView context, const crypto::HpkeCiphertext& ciphertext) {
  const Bytes op = component_operation_label(component_id, label);
  return suite.decrypt_with_label(private_key, as_label(op), context, ciphertext.kem_output,
                                  ciphertext.ciphertext);
}

Bytes safe_sign_with_label(const crypto::Suite& suite, BytesView signature_private_key,
                           wire::ComponentId component_id, std::string_view label,
                           BytesView content) {
  const Bytes op = component_operation_label(component_id, label);
  return suite.sign_with_label(signature_private_key, as_label(op), content);
}

bool safe_verify_with_label(const crypto::Suite& suite, BytesView signature_public_key,
                            wire::ComponentId component_id, std::string_view label,
                            BytesView content, BytesView signature) {
  const Bytes op = component_operation_label(component_id, label);
  return suite.verify_with_label(signature_public_key, as_label(op), content, signature);
}

}  // namespace conclave::schedule
