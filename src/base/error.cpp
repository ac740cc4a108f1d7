#include "conclave/base/error.h"

namespace conclave {

std::string_view error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidHex: return "invalid-hex";
    case ErrorCode::kInvalidArgument: return "invalid-argument";
    case ErrorCode::kInternal: return "internal";
    case ErrorCode::kTruncated: return "truncated";
    case ErrorCode::kVarintPrefixInvalid: return "varint-prefix-invalid";
    case ErrorCode::kVarintNotMinimal: return "varint-not-minimal";
    case ErrorCode::kLengthTooLarge: return "length-too-large";
    case ErrorCode::kLengthBeyondInput: return "length-beyond-input";
    case ErrorCode::kTrailingBytes: return "trailing-bytes";
    case ErrorCode::kInvalidOptionalFlag: return "invalid-optional-flag";
    case ErrorCode::kInvalidEnumValue: return "invalid-enum-value";
    case ErrorCode::kUnsupportedProtocolVersion: return "unsupported-protocol-version";
    case ErrorCode::kWireFormatMismatch: return "wire-format-mismatch";
    case ErrorCode::kNonZeroPadding: return "non-zero-padding";
    case ErrorCode::kMissingGroupContext: return "missing-group-context";
    case ErrorCode::kApplicationAsPublicMessage: return "application-as-public-message";
    case ErrorCode::kInvalidMembershipTag: return "invalid-membership-tag";
    case ErrorCode::kUnsupportedCipherSuite: return "unsupported-cipher-suite";
    case ErrorCode::kUnsupportedAlgorithm: return "unsupported-algorithm";
    case ErrorCode::kInvalidPublicKey: return "invalid-public-key";
    case ErrorCode::kInvalidPrivateKey: return "invalid-private-key";
    case ErrorCode::kInvalidSignature: return "invalid-signature";
    case ErrorCode::kAeadAuthenticationFailed: return "aead-authentication-failed";
    case ErrorCode::kInvalidKeyLength: return "invalid-key-length";
    case ErrorCode::kInvalidNonceLength: return "invalid-nonce-length";
    case ErrorCode::kDeriveKeyPairFailed: return "derive-key-pair-failed";
    case ErrorCode::kHpkeMessageLimit: return "hpke-message-limit";
    case ErrorCode::kCryptoBackend: return "crypto-backend";
    case ErrorCode::kLeafIndexOutOfRange: return "leaf-index-out-of-range";
    case ErrorCode::kGenerationTooOld: return "generation-too-old";
    case ErrorCode::kGenerationReused: return "generation-reused";
    case ErrorCode::kGenerationTooFarAhead: return "generation-too-far-ahead";
    case ErrorCode::kRatchetExhausted: return "ratchet-exhausted";
    case ErrorCode::kInvalidSecretLength: return "invalid-secret-length";
    case ErrorCode::kTooManyPsks: return "too-many-psks";
    case ErrorCode::kInvalidScheduleState: return "invalid-schedule-state";
  }
  return "unknown";
}

Error::Error(ErrorCode code, const std::string& detail)
    : std::runtime_error(std::string(error_code_name(code)) + ": " + detail),
      code_(code),
      detail_(detail) {}

}  // namespace conclave
