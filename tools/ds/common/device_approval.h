// What a registered device signs to let a new device join its user (tools/ds/README.md, "More
// than one device per user").
//
// Shared by the server, which verifies, and by clients (the tests), which sign: the signed
// content is defined in exactly one place.
#pragma once

#include <cstdint>
#include <string_view>

#include "conclave/base/bytes.h"
#include "conclave/codec/codec.h"
#include "conclave/crypto/suite.h"

namespace conclave::ds {

// The label of SignWithLabel (RFC 9420 §5.1.2): "MLS 1.0 conclave-ds approve device". Neither
// MLS nor a request signature uses it, so an approval passes for nothing else and back.
inline constexpr std::string_view kApprovalLabel = "conclave-ds approve device";

// struct {
//   opaque user<V>; opaque device<V>;
//   uint16 cipher_suite; opaque credential<V>; opaque signature_key<V>;
// } DeviceApprovalTbs;
// It names the whole registration it approves, so it can only ever register that key under
// that name, which the new device must also prove it holds.
struct DeviceApprovalTbs {
  Bytes user;
  Bytes device;
  uint16_t cipher_suite = 0;
  Bytes credential;  // TLS-encoded MLS Credential, as in RegisterBody
  Bytes signature_key;
  CONCLAVE_TLS_FIELDS(user, device, cipher_suite, credential, signature_key)
};

Bytes device_approval_tbs(std::string_view user, std::string_view device, uint16_t cipher_suite,
                          BytesView credential, BytesView signature_key);

// `suite` and `private_key` are the approving device's.
Bytes sign_device_approval(const crypto::Suite& suite, BytesView private_key, std::string_view user,
                           std::string_view device, uint16_t cipher_suite, BytesView credential,
                           BytesView signature_key);

// False when the signature does not verify, also for a malformed public key.
bool verify_device_approval(const crypto::Suite& suite, BytesView public_key, std::string_view user,
                            std::string_view device, uint16_t cipher_suite, BytesView credential,
                            BytesView signature_key, BytesView signature);

}  // namespace conclave::ds
