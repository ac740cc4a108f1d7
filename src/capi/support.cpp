// The C API's status codes, last error, buffers and shared helpers (conclave.h, "Conventions").
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

#include "capi/handles.h"
#include "conclave/codec/codec.h"

using namespace conclave;

// Every CONCLAVE_ERR_* value is the number of its ErrorCode.
static_assert(CONCLAVE_ERR_INVALID_HEX == static_cast<int>(ErrorCode::kInvalidHex));
static_assert(CONCLAVE_ERR_INVALID_ARGUMENT == static_cast<int>(ErrorCode::kInvalidArgument));
static_assert(CONCLAVE_ERR_INTERNAL == static_cast<int>(ErrorCode::kInternal));
static_assert(CONCLAVE_ERR_TRUNCATED == static_cast<int>(ErrorCode::kTruncated));
static_assert(CONCLAVE_ERR_VARINT_PREFIX_INVALID ==
              static_cast<int>(ErrorCode::kVarintPrefixInvalid));
static_assert(CONCLAVE_ERR_VARINT_NOT_MINIMAL == static_cast<int>(ErrorCode::kVarintNotMinimal));
static_assert(CONCLAVE_ERR_LENGTH_TOO_LARGE == static_cast<int>(ErrorCode::kLengthTooLarge));
static_assert(CONCLAVE_ERR_LENGTH_BEYOND_INPUT == static_cast<int>(ErrorCode::kLengthBeyondInput));
static_assert(CONCLAVE_ERR_TRAILING_BYTES == static_cast<int>(ErrorCode::kTrailingBytes));
static_assert(CONCLAVE_ERR_INVALID_OPTIONAL_FLAG ==
              static_cast<int>(ErrorCode::kInvalidOptionalFlag));
static_assert(CONCLAVE_ERR_INVALID_ENUM_VALUE == static_cast<int>(ErrorCode::kInvalidEnumValue));
static_assert(CONCLAVE_ERR_UNSUPPORTED_PROTOCOL_VERSION ==
              static_cast<int>(ErrorCode::kUnsupportedProtocolVersion));
static_assert(CONCLAVE_ERR_WIRE_FORMAT_MISMATCH ==
              static_cast<int>(ErrorCode::kWireFormatMismatch));
static_assert(CONCLAVE_ERR_NON_ZERO_PADDING == static_cast<int>(ErrorCode::kNonZeroPadding));
static_assert(CONCLAVE_ERR_MISSING_GROUP_CONTEXT ==
              static_cast<int>(ErrorCode::kMissingGroupContext));
static_assert(CONCLAVE_ERR_APPLICATION_AS_PUBLIC_MESSAGE ==
              static_cast<int>(ErrorCode::kApplicationAsPublicMessage));
static_assert(CONCLAVE_ERR_INVALID_MEMBERSHIP_TAG ==
              static_cast<int>(ErrorCode::kInvalidMembershipTag));
static_assert(CONCLAVE_ERR_UNSUPPORTED_CIPHER_SUITE ==
              static_cast<int>(ErrorCode::kUnsupportedCipherSuite));
static_assert(CONCLAVE_ERR_UNSUPPORTED_ALGORITHM ==
              static_cast<int>(ErrorCode::kUnsupportedAlgorithm));
static_assert(CONCLAVE_ERR_INVALID_PUBLIC_KEY == static_cast<int>(ErrorCode::kInvalidPublicKey));
static_assert(CONCLAVE_ERR_INVALID_PRIVATE_KEY == static_cast<int>(ErrorCode::kInvalidPrivateKey));
static_assert(CONCLAVE_ERR_INVALID_SIGNATURE == static_cast<int>(ErrorCode::kInvalidSignature));
static_assert(CONCLAVE_ERR_AEAD_AUTHENTICATION_FAILED ==
              static_cast<int>(ErrorCode::kAeadAuthenticationFailed));
static_assert(CONCLAVE_ERR_INVALID_KEY_LENGTH == static_cast<int>(ErrorCode::kInvalidKeyLength));
static_assert(CONCLAVE_ERR_INVALID_NONCE_LENGTH ==
              static_cast<int>(ErrorCode::kInvalidNonceLength));
static_assert(CONCLAVE_ERR_DERIVE_KEY_PAIR_FAILED ==
              static_cast<int>(ErrorCode::kDeriveKeyPairFailed));
static_assert(CONCLAVE_ERR_HPKE_MESSAGE_LIMIT == static_cast<int>(ErrorCode::kHpkeMessageLimit));
static_assert(CONCLAVE_ERR_CRYPTO_BACKEND == static_cast<int>(ErrorCode::kCryptoBackend));
static_assert(CONCLAVE_ERR_LEAF_INDEX_OUT_OF_RANGE ==
              static_cast<int>(ErrorCode::kLeafIndexOutOfRange));
static_assert(CONCLAVE_ERR_GENERATION_TOO_OLD == static_cast<int>(ErrorCode::kGenerationTooOld));
static_assert(CONCLAVE_ERR_GENERATION_REUSED == static_cast<int>(ErrorCode::kGenerationReused));
static_assert(CONCLAVE_ERR_GENERATION_TOO_FAR_AHEAD ==
              static_cast<int>(ErrorCode::kGenerationTooFarAhead));
static_assert(CONCLAVE_ERR_RATCHET_EXHAUSTED == static_cast<int>(ErrorCode::kRatchetExhausted));
static_assert(CONCLAVE_ERR_INVALID_SECRET_LENGTH ==
              static_cast<int>(ErrorCode::kInvalidSecretLength));
static_assert(CONCLAVE_ERR_TOO_MANY_PSKS == static_cast<int>(ErrorCode::kTooManyPsks));
static_assert(CONCLAVE_ERR_INVALID_SCHEDULE_STATE ==
              static_cast<int>(ErrorCode::kInvalidScheduleState));
static_assert(CONCLAVE_ERR_TREE_EMPTY == static_cast<int>(ErrorCode::kTreeEmpty));
static_assert(CONCLAVE_ERR_TREE_TRAILING_BLANK == static_cast<int>(ErrorCode::kTreeTrailingBlank));
static_assert(CONCLAVE_ERR_TREE_NODE_TYPE_MISMATCH ==
              static_cast<int>(ErrorCode::kTreeNodeTypeMismatch));
static_assert(CONCLAVE_ERR_TREE_NOT_TRUNCATED == static_cast<int>(ErrorCode::kTreeNotTruncated));
static_assert(CONCLAVE_ERR_TREE_TOO_LARGE == static_cast<int>(ErrorCode::kTreeTooLarge));
static_assert(CONCLAVE_ERR_LEAF_NOT_IN_TREE == static_cast<int>(ErrorCode::kLeafNotInTree));
static_assert(CONCLAVE_ERR_LEAF_BLANK == static_cast<int>(ErrorCode::kLeafBlank));
static_assert(CONCLAVE_ERR_PARENT_HASH_INVALID == static_cast<int>(ErrorCode::kParentHashInvalid));
static_assert(CONCLAVE_ERR_LEAF_PARENT_HASH_MISMATCH ==
              static_cast<int>(ErrorCode::kLeafParentHashMismatch));
static_assert(CONCLAVE_ERR_UNMERGED_LEAVES_UNSORTED ==
              static_cast<int>(ErrorCode::kUnmergedLeavesUnsorted));
static_assert(CONCLAVE_ERR_UNMERGED_LEAF_NOT_DESCENDANT ==
              static_cast<int>(ErrorCode::kUnmergedLeafNotDescendant));
static_assert(CONCLAVE_ERR_UNMERGED_LEAF_BLANK == static_cast<int>(ErrorCode::kUnmergedLeafBlank));
static_assert(CONCLAVE_ERR_UNMERGED_LEAF_NOT_IN_BETWEEN ==
              static_cast<int>(ErrorCode::kUnmergedLeafNotInBetween));
static_assert(CONCLAVE_ERR_LEAF_SIGNATURE_INVALID ==
              static_cast<int>(ErrorCode::kLeafSignatureInvalid));
static_assert(CONCLAVE_ERR_DUPLICATE_SIGNATURE_KEY ==
              static_cast<int>(ErrorCode::kDuplicateSignatureKey));
static_assert(CONCLAVE_ERR_DUPLICATE_ENCRYPTION_KEY ==
              static_cast<int>(ErrorCode::kDuplicateEncryptionKey));
static_assert(CONCLAVE_ERR_CREDENTIAL_TYPE_UNSUPPORTED ==
              static_cast<int>(ErrorCode::kCredentialTypeUnsupported));
static_assert(CONCLAVE_ERR_REQUIRED_CAPABILITY_MISSING ==
              static_cast<int>(ErrorCode::kRequiredCapabilityMissing));
static_assert(CONCLAVE_ERR_LEAF_EXTENSION_UNSUPPORTED ==
              static_cast<int>(ErrorCode::kLeafExtensionUnsupported));
static_assert(CONCLAVE_ERR_LEAF_LIFETIME_INVALID ==
              static_cast<int>(ErrorCode::kLeafLifetimeInvalid));
static_assert(CONCLAVE_ERR_LEAF_LIFETIME_TOO_LONG ==
              static_cast<int>(ErrorCode::kLeafLifetimeTooLong));
static_assert(CONCLAVE_ERR_CREDENTIAL_REJECTED == static_cast<int>(ErrorCode::kCredentialRejected));
static_assert(CONCLAVE_ERR_LEAF_NODE_SOURCE_MISMATCH ==
              static_cast<int>(ErrorCode::kLeafNodeSourceMismatch));
static_assert(CONCLAVE_ERR_ENCRYPTION_KEY_NOT_UPDATED ==
              static_cast<int>(ErrorCode::kEncryptionKeyNotUpdated));
static_assert(CONCLAVE_ERR_UPDATE_PATH_LENGTH_MISMATCH ==
              static_cast<int>(ErrorCode::kUpdatePathLengthMismatch));
static_assert(CONCLAVE_ERR_UPDATE_PATH_CIPHERTEXT_COUNT ==
              static_cast<int>(ErrorCode::kUpdatePathCiphertextCount));
static_assert(CONCLAVE_ERR_UPDATE_PATH_KEY_REUSED ==
              static_cast<int>(ErrorCode::kUpdatePathKeyReused));
static_assert(CONCLAVE_ERR_UPDATE_PATH_KEY_MISMATCH ==
              static_cast<int>(ErrorCode::kUpdatePathKeyMismatch));
static_assert(CONCLAVE_ERR_NO_DECRYPTION_KEY == static_cast<int>(ErrorCode::kNoDecryptionKey));
static_assert(CONCLAVE_ERR_PRIVATE_KEY_MISMATCH ==
              static_cast<int>(ErrorCode::kPrivateKeyMismatch));
static_assert(CONCLAVE_ERR_KEY_PACKAGE_VERSION_MISMATCH ==
              static_cast<int>(ErrorCode::kKeyPackageVersionMismatch));
static_assert(CONCLAVE_ERR_KEY_PACKAGE_CIPHER_SUITE_MISMATCH ==
              static_cast<int>(ErrorCode::kKeyPackageCipherSuiteMismatch));
static_assert(CONCLAVE_ERR_KEY_PACKAGE_SIGNATURE_INVALID ==
              static_cast<int>(ErrorCode::kKeyPackageSignatureInvalid));
static_assert(CONCLAVE_ERR_KEY_PACKAGE_INIT_KEY_REUSED ==
              static_cast<int>(ErrorCode::kKeyPackageInitKeyReused));
static_assert(CONCLAVE_ERR_DUPLICATE_EXTENSION == static_cast<int>(ErrorCode::kDuplicateExtension));
static_assert(CONCLAVE_ERR_WRONG_GROUP == static_cast<int>(ErrorCode::kWrongGroup));
static_assert(CONCLAVE_ERR_WRONG_EPOCH == static_cast<int>(ErrorCode::kWrongEpoch));
static_assert(CONCLAVE_ERR_EPOCH_NOT_RETAINED == static_cast<int>(ErrorCode::kEpochNotRetained));
static_assert(CONCLAVE_ERR_UNKNOWN_SENDER == static_cast<int>(ErrorCode::kUnknownSender));
static_assert(CONCLAVE_ERR_SENDER_NOT_ALLOWED == static_cast<int>(ErrorCode::kSenderNotAllowed));
static_assert(CONCLAVE_ERR_UNKNOWN_PROPOSAL_REF ==
              static_cast<int>(ErrorCode::kUnknownProposalRef));
static_assert(CONCLAVE_ERR_INVALID_PROPOSAL == static_cast<int>(ErrorCode::kInvalidProposal));
static_assert(CONCLAVE_ERR_UPDATE_BY_COMMITTER == static_cast<int>(ErrorCode::kUpdateByCommitter));
static_assert(CONCLAVE_ERR_REMOVE_OF_COMMITTER == static_cast<int>(ErrorCode::kRemoveOfCommitter));
static_assert(CONCLAVE_ERR_CONFLICTING_LEAF_PROPOSALS ==
              static_cast<int>(ErrorCode::kConflictingLeafProposals));
static_assert(CONCLAVE_ERR_DUPLICATE_ADD == static_cast<int>(ErrorCode::kDuplicateAdd));
static_assert(CONCLAVE_ERR_ADD_OF_MEMBER == static_cast<int>(ErrorCode::kAddOfMember));
static_assert(CONCLAVE_ERR_DUPLICATE_PSK == static_cast<int>(ErrorCode::kDuplicatePsk));
static_assert(CONCLAVE_ERR_MULTIPLE_GROUP_CONTEXT_EXTENSIONS ==
              static_cast<int>(ErrorCode::kMultipleGroupContextExtensions));
static_assert(CONCLAVE_ERR_REINIT_NOT_ALONE == static_cast<int>(ErrorCode::kReInitNotAlone));
static_assert(CONCLAVE_ERR_EXTERNAL_INIT_IN_MEMBER_COMMIT ==
              static_cast<int>(ErrorCode::kExternalInitInMemberCommit));
static_assert(CONCLAVE_ERR_PROPOSAL_TYPE_UNSUPPORTED ==
              static_cast<int>(ErrorCode::kProposalTypeUnsupported));
static_assert(CONCLAVE_ERR_PATH_REQUIRED == static_cast<int>(ErrorCode::kPathRequired));
static_assert(CONCLAVE_ERR_CONFIRMATION_TAG_INVALID ==
              static_cast<int>(ErrorCode::kConfirmationTagInvalid));
static_assert(CONCLAVE_ERR_PSK_NOT_FOUND == static_cast<int>(ErrorCode::kPskNotFound));
static_assert(CONCLAVE_ERR_PSK_NONCE_INVALID == static_cast<int>(ErrorCode::kPskNonceInvalid));
static_assert(CONCLAVE_ERR_WELCOME_NOT_FOR_US == static_cast<int>(ErrorCode::kWelcomeNotForUs));
static_assert(CONCLAVE_ERR_WELCOME_CIPHER_SUITE_MISMATCH ==
              static_cast<int>(ErrorCode::kWelcomeCipherSuiteMismatch));
static_assert(CONCLAVE_ERR_TREE_HASH_MISMATCH == static_cast<int>(ErrorCode::kTreeHashMismatch));
static_assert(CONCLAVE_ERR_MISSING_RATCHET_TREE ==
              static_cast<int>(ErrorCode::kMissingRatchetTree));
static_assert(CONCLAVE_ERR_JOINER_NOT_IN_TREE == static_cast<int>(ErrorCode::kJoinerNotInTree));
static_assert(CONCLAVE_ERR_GROUP_INFO_INVALID == static_cast<int>(ErrorCode::kGroupInfoInvalid));
static_assert(CONCLAVE_ERR_NO_PENDING_COMMIT == static_cast<int>(ErrorCode::kNoPendingCommit));
static_assert(CONCLAVE_ERR_PENDING_COMMIT == static_cast<int>(ErrorCode::kPendingCommit));
static_assert(CONCLAVE_ERR_NOT_A_MEMBER == static_cast<int>(ErrorCode::kNotAMember));
static_assert(CONCLAVE_ERR_GROUP_STATE_INVALID == static_cast<int>(ErrorCode::kGroupStateInvalid));
static_assert(CONCLAVE_ERR_UNSUPPORTED_FEATURE == static_cast<int>(ErrorCode::kUnsupportedFeature));
static_assert(CONCLAVE_ERR_EXTERNAL_COMMIT_INVALID ==
              static_cast<int>(ErrorCode::kExternalCommitInvalid));
static_assert(CONCLAVE_ERR_EXTERNAL_SENDER_UNKNOWN ==
              static_cast<int>(ErrorCode::kExternalSenderUnknown));
static_assert(CONCLAVE_ERR_GROUP_REINITIALIZED == static_cast<int>(ErrorCode::kGroupReInitialized));
static_assert(CONCLAVE_ERR_PSK_USAGE_INVALID == static_cast<int>(ErrorCode::kPskUsageInvalid));
static_assert(CONCLAVE_ERR_RESUMPTION_PSK_INVALID ==
              static_cast<int>(ErrorCode::kResumptionPskInvalid));
static_assert(CONCLAVE_ERR_RESUMPTION_EPOCH_INVALID ==
              static_cast<int>(ErrorCode::kResumptionEpochInvalid));
static_assert(CONCLAVE_ERR_REINIT_VERSION_MISMATCH ==
              static_cast<int>(ErrorCode::kReInitVersionMismatch));
static_assert(CONCLAVE_ERR_REINIT_CIPHER_SUITE_MISMATCH ==
              static_cast<int>(ErrorCode::kReInitCipherSuiteMismatch));
static_assert(CONCLAVE_ERR_REINIT_GROUP_ID_MISMATCH ==
              static_cast<int>(ErrorCode::kReInitGroupIdMismatch));
static_assert(CONCLAVE_ERR_REINIT_EXTENSIONS_MISMATCH ==
              static_cast<int>(ErrorCode::kReInitExtensionsMismatch));
static_assert(CONCLAVE_ERR_BRANCH_VERSION_MISMATCH ==
              static_cast<int>(ErrorCode::kBranchVersionMismatch));
static_assert(CONCLAVE_ERR_BRANCH_CIPHER_SUITE_MISMATCH ==
              static_cast<int>(ErrorCode::kBranchCipherSuiteMismatch));
static_assert(CONCLAVE_ERR_BRANCH_MEMBER_UNKNOWN ==
              static_cast<int>(ErrorCode::kBranchMemberUnknown));
static_assert(CONCLAVE_ERR_GROUP_EXTENSION_UNSUPPORTED ==
              static_cast<int>(ErrorCode::kGroupExtensionUnsupported));
static_assert(CONCLAVE_ERR_CREDENTIAL_VALIDATOR_MISSING ==
              static_cast<int>(ErrorCode::kCredentialValidatorMissing));
static_assert(CONCLAVE_ERR_STAGED_COMMIT_MISMATCH ==
              static_cast<int>(ErrorCode::kStagedCommitMismatch));
static_assert(CONCLAVE_ERR_X509_MALFORMED == static_cast<int>(ErrorCode::kX509Malformed));
static_assert(CONCLAVE_ERR_X509_UNTRUSTED == static_cast<int>(ErrorCode::kX509Untrusted));
static_assert(CONCLAVE_ERR_X509_EXPIRED == static_cast<int>(ErrorCode::kX509Expired));
static_assert(CONCLAVE_ERR_X509_SIGNATURE_INVALID ==
              static_cast<int>(ErrorCode::kX509SignatureInvalid));
static_assert(CONCLAVE_ERR_X509_CHAIN_INVALID == static_cast<int>(ErrorCode::kX509ChainInvalid));
static_assert(CONCLAVE_ERR_X509_KEY_MISMATCH == static_cast<int>(ErrorCode::kX509KeyMismatch));
static_assert(CONCLAVE_ERR_STORAGE_CONFLICT == static_cast<int>(ErrorCode::kStorageConflict));
static_assert(CONCLAVE_ERR_STORAGE_CORRUPT == static_cast<int>(ErrorCode::kStorageCorrupt));
static_assert(CONCLAVE_ERR_STORAGE_KEY_INVALID == static_cast<int>(ErrorCode::kStorageKeyInvalid));
static_assert(CONCLAVE_ERR_STORAGE_SCHEMA_UNSUPPORTED ==
              static_cast<int>(ErrorCode::kStorageSchemaUnsupported));
static_assert(CONCLAVE_ERR_STORAGE_BACKEND == static_cast<int>(ErrorCode::kStorageBackend));
static_assert(CONCLAVE_ERR_STORAGE_NOT_FOUND == static_cast<int>(ErrorCode::kStorageNotFound));
static_assert(CONCLAVE_ERR_DELIVERY_UNAVAILABLE ==
              static_cast<int>(ErrorCode::kDeliveryUnavailable));
static_assert(CONCLAVE_ERR_DELIVERY_REJECTED == static_cast<int>(ErrorCode::kDeliveryRejected));
static_assert(CONCLAVE_ERR_DELIVERY_STALE_EPOCH ==
              static_cast<int>(ErrorCode::kDeliveryStaleEpoch));
static_assert(CONCLAVE_ERR_UNKNOWN_USER == static_cast<int>(ErrorCode::kUnknownUser));
static_assert(CONCLAVE_ERR_NO_KEY_PACKAGE == static_cast<int>(ErrorCode::kNoKeyPackage));
static_assert(CONCLAVE_ERR_UNKNOWN_GROUP == static_cast<int>(ErrorCode::kUnknownGroup));
static_assert(CONCLAVE_ERR_NOT_REGISTERED == static_cast<int>(ErrorCode::kNotRegistered));
static_assert(CONCLAVE_ERR_COMMIT_VETOED == static_cast<int>(ErrorCode::kCommitVetoed));
static_assert(CONCLAVE_ERR_RETRIES_EXHAUSTED == static_cast<int>(ErrorCode::kRetriesExhausted));
static_assert(CONCLAVE_ERR_APP_DATA_DICTIONARY_UNSORTED ==
              static_cast<int>(ErrorCode::kAppDataDictionaryUnsorted));
static_assert(CONCLAVE_ERR_APP_ACK_RANGE_INVALID ==
              static_cast<int>(ErrorCode::kAppAckRangeInvalid));
static_assert(CONCLAVE_ERR_SELF_REMOVE_NOT_PUBLIC_MESSAGE ==
              static_cast<int>(ErrorCode::kSelfRemoveNotPublicMessage));
static_assert(CONCLAVE_ERR_SELF_REMOVE_BY_VALUE == static_cast<int>(ErrorCode::kSelfRemoveByValue));
static_assert(CONCLAVE_ERR_SELF_REMOVE_SENDER_NOT_MEMBER ==
              static_cast<int>(ErrorCode::kSelfRemoveSenderNotMember));
static_assert(CONCLAVE_ERR_SELF_REMOVE_GROUP_NOT_CAPABLE ==
              static_cast<int>(ErrorCode::kSelfRemoveGroupNotCapable));
static_assert(CONCLAVE_ERR_SELF_REMOVE_TWICE == static_cast<int>(ErrorCode::kSelfRemoveTwice));
static_assert(CONCLAVE_ERR_REMOVE_OF_SELF_REMOVED ==
              static_cast<int>(ErrorCode::kRemoveOfSelfRemoved));
static_assert(CONCLAVE_ERR_APP_COMPONENT_UNKNOWN ==
              static_cast<int>(ErrorCode::kAppComponentUnknown));
static_assert(CONCLAVE_ERR_APP_DATA_UPDATE_VETOED ==
              static_cast<int>(ErrorCode::kAppDataUpdateVetoed));
static_assert(CONCLAVE_ERR_APP_EPHEMERAL_VETOED ==
              static_cast<int>(ErrorCode::kAppEphemeralVetoed));
static_assert(CONCLAVE_ERR_APP_DATA_REMOVE_ABSENT ==
              static_cast<int>(ErrorCode::kAppDataRemoveAbsent));
static_assert(CONCLAVE_ERR_APP_DATA_UPDATE_CONFLICT ==
              static_cast<int>(ErrorCode::kAppDataUpdateConflict));
static_assert(CONCLAVE_ERR_APP_DATA_DICTIONARY_NOT_BY_GCE ==
              static_cast<int>(ErrorCode::kAppDataDictionaryNotByGce));
static_assert(CONCLAVE_ERR_REQUIRED_WIRE_FORMAT_UNSUPPORTED ==
              static_cast<int>(ErrorCode::kRequiredWireFormatUnsupported));
static_assert(CONCLAVE_ERR_REQUIRED_COMPONENT_UNSUPPORTED ==
              static_cast<int>(ErrorCode::kRequiredComponentUnsupported));
static_assert(CONCLAVE_ERR_APP_COMPONENTS_MISSING ==
              static_cast<int>(ErrorCode::kAppComponentsMissing));
static_assert(CONCLAVE_ERR_GREASE_REQUIRED == static_cast<int>(ErrorCode::kGreaseRequired));
static_assert(CONCLAVE_ERR_SAFE_AAD_MALFORMED == static_cast<int>(ErrorCode::kSafeAadMalformed));
static_assert(CONCLAVE_ERR_SAFE_AAD_UNSORTED == static_cast<int>(ErrorCode::kSafeAadUnsorted));
static_assert(CONCLAVE_ERR_SAFE_EXPORT_CONSUMED ==
              static_cast<int>(ErrorCode::kSafeExportConsumed));
static_assert(CONCLAVE_ERR_SAFE_EXPORT_UNAVAILABLE ==
              static_cast<int>(ErrorCode::kSafeExportUnavailable));
static_assert(CONCLAVE_ERR_SAFE_KEY_UNAVAILABLE ==
              static_cast<int>(ErrorCode::kSafeKeyUnavailable));
static_assert(CONCLAVE_ERR_MULTI_CREDENTIAL_NESTED ==
              static_cast<int>(ErrorCode::kMultiCredentialNested));
static_assert(CONCLAVE_ERR_CREDENTIAL_BINDING_INVALID ==
              static_cast<int>(ErrorCode::kCredentialBindingInvalid));
static_assert(CONCLAVE_ERR_CREDENTIAL_BINDING_UNSUPPORTED ==
              static_cast<int>(ErrorCode::kCredentialBindingUnsupported));
static_assert(CONCLAVE_ERR_MEDIA_TYPE_LIST_EMPTY ==
              static_cast<int>(ErrorCode::kMediaTypeListEmpty));
static_assert(CONCLAVE_ERR_APPLICATION_FRAMING_MALFORMED ==
              static_cast<int>(ErrorCode::kApplicationFramingMalformed));
static_assert(CONCLAVE_ERR_MEDIA_TYPE_UNSUPPORTED ==
              static_cast<int>(ErrorCode::kMediaTypeUnsupported));
namespace conclave::capi {
namespace {

thread_local conclave_status last_status = CONCLAVE_OK;
thread_local std::string last_message;

/// Library-owned buffers carry their length in front, so conclave_free_bytes() can wipe them.
constexpr size_t kHeader = alignof(std::max_align_t) > sizeof(size_t) ? alignof(std::max_align_t)
                                                                      : sizeof(size_t);

}  // namespace

conclave_status set_last_error(conclave_status status, const char* message) {
  last_status = status;
  if (status == CONCLAVE_OK) {
    last_message.clear();
    return status;
  }
  try {
    last_message = message;
  } catch (...) {
    last_message.clear();  // out of memory: the status says enough
  }
  return status;
}

BytesView input(const uint8_t* data, size_t len, const char* what) {
  if (data == nullptr && len != 0)
    throw Error(ErrorCode::kInvalidArgument, std::string(what) + " is NULL with a length");
  if (data == nullptr) return {};
  return {data, len};
}

std::string text(const char* s, const char* what) {
  if (s == nullptr) throw Error(ErrorCode::kInvalidArgument, std::string(what) + " is NULL");
  return std::string(s);
}

uint8_t* allocate(BytesView bytes) {
  auto* base = static_cast<uint8_t*>(std::malloc(kHeader + bytes.size() + 1));
  if (base == nullptr) throw std::bad_alloc();
  const size_t size = bytes.size();
  std::memcpy(base, &size, sizeof size);
  if (!bytes.empty()) std::memcpy(base + kHeader, bytes.data(), bytes.size());
  base[kHeader + bytes.size()] = 0;
  return base + kHeader;
}

void give(BytesView bytes, uint8_t** out, size_t* out_len) {
  need(out, "out");
  need(out_len, "out_len");
  *out = allocate(bytes);
  *out_len = bytes.size();
}

void clear(uint8_t** out, size_t* out_len) {
  if (out != nullptr) *out = nullptr;
  if (out_len != nullptr) *out_len = 0;
}

const uint8_t* view_of(const Bytes* bytes, size_t* len) {
  if (len != nullptr) *len = bytes == nullptr ? 0 : bytes->size();
  if (bytes == nullptr) return nullptr;
  // A non-NULL pointer for present but empty bytes.
  static const uint8_t empty = 0;
  return bytes->empty() ? &empty : bytes->data();
}

std::string user_of(const wire::Credential& credential) {
  const Bytes* identity = credential.identity();
  return identity == nullptr ? std::string() : std::string(identity->begin(), identity->end());
}

wire::KeyPackage key_package_of(BytesView message) {
  const auto decoded = wire::MlsMessage::from_bytes(message);
  const auto* key_package = decoded.get<wire::KeyPackage>();
  if (key_package == nullptr)
    throw Error(ErrorCode::kInvalidArgument, "the MLSMessage holds no KeyPackage");
  return *key_package;
}

std::optional<wire::RatchetTreeNodes> tree_of(const uint8_t* data, size_t len) {
  if (data == nullptr && len == 0) return std::nullopt;
  return codec::decode<wire::RatchetTreeNodes>(input(data, len, "ratchet_tree"));
}

GroupPolicy policy_of(const conclave_group_options* options) {
  return options == nullptr ? GroupPolicy{} : options->policy;
}

GroupConfig config_of(const conclave_group_options* options) {
  return options == nullptr ? GroupConfig{} : options->config;
}

std::unique_ptr<conclave_staged_commit> make_staged(StagedCommit staged) {
  auto handle = std::make_unique<conclave_staged_commit>();
  for (const auto& added : staged.added()) {
    const Bytes* identity = added.key_package.leaf_node.credential.identity();
    handle->added.emplace_back(added.leaf.value, identity ? *identity : Bytes{});
  }
  for (const auto& removed : staged.removed()) {
    const Bytes* identity = removed.leaf_node.credential.identity();
    handle->removed.emplace_back(removed.leaf.value, identity ? *identity : Bytes{});
  }
  handle->staged = std::move(staged);
  return handle;
}

}  // namespace conclave::capi

using namespace conclave::capi;

extern "C" {

const char* conclave_version(void) {
  return "0.1.0";
}

const char* conclave_status_name(conclave_status status) {
  switch (status) {
    case CONCLAVE_OK: return "ok";
    case CONCLAVE_ERR_OUT_OF_MEMORY: return "out-of-memory";
    case CONCLAVE_ERR_UNEXPECTED: return "unexpected";
    default: break;
  }
  if (status < 0 || status > 0xFFFF) return "unknown";
  // error_code_name() returns views of string literals: NUL-terminated.
  return error_code_name(static_cast<ErrorCode>(status)).data();
}

const char* conclave_last_error_message(void) {
  return last_message.c_str();
}

conclave_status conclave_last_error(void) {
  return last_status;
}

void conclave_free_bytes(uint8_t* bytes) {
  if (bytes == nullptr) return;
  uint8_t* base = bytes - kHeader;
  size_t size = 0;
  std::memcpy(&size, base, sizeof size);
  secure_wipe(base, kHeader + size + 1);
  std::free(base);
}

void conclave_free_string(char* string) {
  conclave_free_bytes(reinterpret_cast<uint8_t*>(string));
}

}  // extern "C"
