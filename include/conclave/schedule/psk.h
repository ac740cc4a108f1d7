/// @file
/// The PSK secret that folds pre-shared keys into the key schedule (RFC 9420 §8.4).
#pragma once

#include <span>

#include "conclave/base/secret_bytes.h"
#include "conclave/crypto/suite.h"
#include "conclave/wire/psk.h"

namespace conclave::schedule {

/// One PSK to inject: its identifier (as listed in the Commit or GroupSecrets) and its value
/// (an external PSK, or the resumption_psk of the epoch the id names).
struct PskInput {
  wire::PreSharedKeyId id;  ///< the PSK's identifier
  SecretBytes psk;          ///< its value
  /// Field by field.
  friend bool operator==(const PskInput&, const PskInput&) = default;
};

/// The psk_secret of a list of PSKs. RFC 9420 §8.4, in the order given:
/// @code{.unparsed}
///   psk_extracted_[i] = KDF.Extract(0, psk_[i])
///   psk_input_[i]     = ExpandWithLabel(psk_extracted_[i], "derived psk", PSKLabel, KDF.Nh)
///   psk_secret_[i+1]  = KDF.Extract(psk_input_[i], psk_secret_[i]),  psk_secret_[0] = 0
/// @endcode
/// An empty list gives psk_secret_[0], KDF.Nh zero bytes. Throws Error(kTooManyPsks) beyond
/// 65535 PSKs (PSKLabel.count is a uint16). Checking psk_nonce lengths (KDF.Nh) is the job of
/// whoever validates the proposal or GroupSecrets carrying the ids.
SecretBytes derive_psk_secret(const crypto::Suite& suite, std::span<const PskInput> psks);

}  // namespace conclave::schedule
