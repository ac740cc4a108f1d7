#include "device_approval.h"

#include "conclave/base/error.h"

namespace conclave::ds {

Bytes device_approval_tbs(std::string_view user, std::string_view device, uint16_t cipher_suite,
                          BytesView credential, BytesView signature_key) {
  DeviceApprovalTbs tbs;
  tbs.user = to_bytes(user);
  tbs.device = to_bytes(device);
  tbs.cipher_suite = cipher_suite;
  tbs.credential = to_bytes(credential);
  tbs.signature_key = to_bytes(signature_key);
  return codec::encode(tbs);
}

Bytes sign_device_approval(const crypto::Suite& suite, BytesView private_key, std::string_view user,
                           std::string_view device, uint16_t cipher_suite, BytesView credential,
                           BytesView signature_key) {
  return suite.sign_with_label(
      private_key, kApprovalLabel,
      device_approval_tbs(user, device, cipher_suite, credential, signature_key));
}

bool verify_device_approval(const crypto::Suite& suite, BytesView public_key, std::string_view user,
                            std::string_view device, uint16_t cipher_suite, BytesView credential,
                            BytesView signature_key, BytesView signature) {
  try {
    return suite.verify_with_label(
        public_key, kApprovalLabel,
        device_approval_tbs(user, device, cipher_suite, credential, signature_key), signature);
  } catch (const Error&) {
    return false;  // a malformed key verifies nothing
  }
}

}  // namespace conclave::ds
