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
    case ErrorCode::kTreeEmpty: return "tree-empty";
    case ErrorCode::kTreeTrailingBlank: return "tree-trailing-blank";
    case ErrorCode::kTreeNodeTypeMismatch: return "tree-node-type-mismatch";
    case ErrorCode::kTreeNotTruncated: return "tree-not-truncated";
    case ErrorCode::kTreeTooLarge: return "tree-too-large";
    case ErrorCode::kLeafNotInTree: return "leaf-not-in-tree";
    case ErrorCode::kLeafBlank: return "leaf-blank";
    case ErrorCode::kParentHashInvalid: return "parent-hash-invalid";
    case ErrorCode::kLeafParentHashMismatch: return "leaf-parent-hash-mismatch";
    case ErrorCode::kUnmergedLeavesUnsorted: return "unmerged-leaves-unsorted";
    case ErrorCode::kUnmergedLeafNotDescendant: return "unmerged-leaf-not-descendant";
    case ErrorCode::kUnmergedLeafBlank: return "unmerged-leaf-blank";
    case ErrorCode::kUnmergedLeafNotInBetween: return "unmerged-leaf-not-in-between";
    case ErrorCode::kLeafSignatureInvalid: return "leaf-signature-invalid";
    case ErrorCode::kDuplicateSignatureKey: return "duplicate-signature-key";
    case ErrorCode::kDuplicateEncryptionKey: return "duplicate-encryption-key";
    case ErrorCode::kCredentialTypeUnsupported: return "credential-type-unsupported";
    case ErrorCode::kRequiredCapabilityMissing: return "required-capability-missing";
    case ErrorCode::kLeafExtensionUnsupported: return "leaf-extension-unsupported";
    case ErrorCode::kLeafLifetimeInvalid: return "leaf-lifetime-invalid";
    case ErrorCode::kLeafLifetimeTooLong: return "leaf-lifetime-too-long";
    case ErrorCode::kCredentialRejected: return "credential-rejected";
    case ErrorCode::kLeafNodeSourceMismatch: return "leaf-node-source-mismatch";
    case ErrorCode::kEncryptionKeyNotUpdated: return "encryption-key-not-updated";
    case ErrorCode::kUpdatePathLengthMismatch: return "update-path-length-mismatch";
    case ErrorCode::kUpdatePathCiphertextCount: return "update-path-ciphertext-count";
    case ErrorCode::kUpdatePathKeyReused: return "update-path-key-reused";
    case ErrorCode::kUpdatePathKeyMismatch: return "update-path-key-mismatch";
    case ErrorCode::kNoDecryptionKey: return "no-decryption-key";
    case ErrorCode::kPrivateKeyMismatch: return "private-key-mismatch";
    case ErrorCode::kKeyPackageVersionMismatch: return "key-package-version-mismatch";
    case ErrorCode::kKeyPackageCipherSuiteMismatch: return "key-package-cipher-suite-mismatch";
    case ErrorCode::kKeyPackageSignatureInvalid: return "key-package-signature-invalid";
    case ErrorCode::kKeyPackageInitKeyReused: return "key-package-init-key-reused";
    case ErrorCode::kDuplicateExtension: return "duplicate-extension";
    case ErrorCode::kWrongGroup: return "wrong-group";
    case ErrorCode::kWrongEpoch: return "wrong-epoch";
    case ErrorCode::kEpochNotRetained: return "epoch-not-retained";
    case ErrorCode::kUnknownSender: return "unknown-sender";
    case ErrorCode::kSenderNotAllowed: return "sender-not-allowed";
    case ErrorCode::kUnknownProposalRef: return "unknown-proposal-ref";
    case ErrorCode::kInvalidProposal: return "invalid-proposal";
    case ErrorCode::kUpdateByCommitter: return "update-by-committer";
    case ErrorCode::kRemoveOfCommitter: return "remove-of-committer";
    case ErrorCode::kConflictingLeafProposals: return "conflicting-leaf-proposals";
    case ErrorCode::kDuplicateAdd: return "duplicate-add";
    case ErrorCode::kAddOfMember: return "add-of-member";
    case ErrorCode::kDuplicatePsk: return "duplicate-psk";
    case ErrorCode::kMultipleGroupContextExtensions: return "multiple-group-context-extensions";
    case ErrorCode::kReInitNotAlone: return "re-init-not-alone";
    case ErrorCode::kExternalInitInMemberCommit: return "external-init-in-member-commit";
    case ErrorCode::kProposalTypeUnsupported: return "proposal-type-unsupported";
    case ErrorCode::kPathRequired: return "path-required";
    case ErrorCode::kConfirmationTagInvalid: return "confirmation-tag-invalid";
    case ErrorCode::kPskNotFound: return "psk-not-found";
    case ErrorCode::kPskNonceInvalid: return "psk-nonce-invalid";
    case ErrorCode::kWelcomeNotForUs: return "welcome-not-for-us";
    case ErrorCode::kWelcomeCipherSuiteMismatch: return "welcome-cipher-suite-mismatch";
    case ErrorCode::kTreeHashMismatch: return "tree-hash-mismatch";
    case ErrorCode::kMissingRatchetTree: return "missing-ratchet-tree";
    case ErrorCode::kJoinerNotInTree: return "joiner-not-in-tree";
    case ErrorCode::kGroupInfoInvalid: return "group-info-invalid";
    case ErrorCode::kNoPendingCommit: return "no-pending-commit";
    case ErrorCode::kPendingCommit: return "pending-commit";
    case ErrorCode::kNotAMember: return "not-a-member";
    case ErrorCode::kGroupStateInvalid: return "group-state-invalid";
    case ErrorCode::kUnsupportedFeature: return "unsupported-feature";
    case ErrorCode::kExternalCommitInvalid: return "external-commit-invalid";
    case ErrorCode::kExternalSenderUnknown: return "external-sender-unknown";
    case ErrorCode::kGroupReInitialized: return "group-re-initialized";
    case ErrorCode::kPskUsageInvalid: return "psk-usage-invalid";
    case ErrorCode::kResumptionPskInvalid: return "resumption-psk-invalid";
    case ErrorCode::kResumptionEpochInvalid: return "resumption-epoch-invalid";
    case ErrorCode::kReInitVersionMismatch: return "re-init-version-mismatch";
    case ErrorCode::kReInitCipherSuiteMismatch: return "re-init-cipher-suite-mismatch";
    case ErrorCode::kReInitGroupIdMismatch: return "re-init-group-id-mismatch";
    case ErrorCode::kReInitExtensionsMismatch: return "re-init-extensions-mismatch";
    case ErrorCode::kBranchVersionMismatch: return "branch-version-mismatch";
    case ErrorCode::kBranchCipherSuiteMismatch: return "branch-cipher-suite-mismatch";
    case ErrorCode::kBranchMemberUnknown: return "branch-member-unknown";
    case ErrorCode::kGroupExtensionUnsupported: return "group-extension-unsupported";
    case ErrorCode::kX509Malformed: return "x509-malformed";
    case ErrorCode::kX509Untrusted: return "x509-untrusted";
    case ErrorCode::kX509Expired: return "x509-expired";
    case ErrorCode::kX509SignatureInvalid: return "x509-signature-invalid";
    case ErrorCode::kX509ChainInvalid: return "x509-chain-invalid";
    case ErrorCode::kX509KeyMismatch: return "x509-key-mismatch";
    case ErrorCode::kStorageConflict: return "storage-conflict";
    case ErrorCode::kStorageCorrupt: return "storage-corrupt";
    case ErrorCode::kStorageKeyInvalid: return "storage-key-invalid";
    case ErrorCode::kStorageSchemaUnsupported: return "storage-schema-unsupported";
    case ErrorCode::kStorageBackend: return "storage-backend";
    case ErrorCode::kStorageNotFound: return "storage-not-found";
  }
  return "unknown";
}

Error::Error(ErrorCode code, const std::string& detail)
    : std::runtime_error(std::string(error_code_name(code)) + ": " + detail),
      code_(code),
      detail_(detail) {}

}  // namespace conclave
