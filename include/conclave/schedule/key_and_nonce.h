/// @file
/// An AEAD key and nonce taken from the key schedule (RFC 9420 §6.3, §9.1, §12.4.3.1), and the
/// reuse guard that masks a ratchet nonce before use (§6.3.1).
#pragma once

#include <array>
#include <cstdint>

#include "conclave/base/bytes.h"
#include "conclave/base/secret_bytes.h"
#include "conclave/codec/codec.h"

namespace conclave::schedule {

/// An AEAD key and its nonce. Both halves are SecretBytes: §9.2 asks for the nonce to be deleted
/// along with its key.
struct KeyAndNonce {
  SecretBytes key;    ///< AEAD.Nk bytes
  SecretBytes nonce;  ///< AEAD.Nn bytes
  CONCLAVE_TLS_FIELDS(key, nonce)
  /// Field by field.
  friend bool operator==(const KeyAndNonce&, const KeyAndNonce&) = default;
};

/// RFC 9420 §6.3.1: the nonce with its first four bytes XORed with the reuse guard. Throws
/// Error(kInvalidNonceLength) for a nonce shorter than four bytes.
SecretBytes apply_reuse_guard(BytesView nonce, const std::array<uint8_t, 4>& reuse_guard);

}  // namespace conclave::schedule
