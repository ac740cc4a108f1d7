/// @file
/// Error: the one exception type of Conclave. Its code names the rule that was broken.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace conclave {

/// What went wrong: one code per broken rule, grouped by the layer that checks it. The numbers
/// are stable; new codes are added, never renumbered. RFC 9420 section numbers name the rule.
enum class ErrorCode : uint16_t {
  // base
  kInvalidHex = 1,   ///< a hex string of odd length or with a non-hex digit
  kInvalidArgument,  ///< an argument outside what the function accepts
  kInternal,         ///< a broken internal invariant: a bug in Conclave

  // codec: RFC 9420 §2.1 presentation language
  kTruncated = 100,      ///< a read went past the end of its input
  kVarintPrefixInvalid,  ///< §2.1.2: prefix 0b11 marks a length of 2^30 or more
  kVarintNotMinimal,     ///< §2.1.2: a length not encoded in the fewest bytes
  kLengthTooLarge,       ///< §2.1.2: a vector of 2^30 bytes or more cannot be encoded
  kLengthBeyondInput,    ///< a vector length larger than the bytes left
  kTrailingBytes,        ///< bytes left over after a top-level message or a vector element
  kInvalidOptionalFlag,  ///< §2.1.1: presence octet other than 0 or 1
  kInvalidEnumValue,     ///< an enum value the RFC does not allow here

  // wire: RFC 9420 message syntax beyond the presentation language
  kUnsupportedProtocolVersion = 150,  ///< §6: only mls10 is defined
  kWireFormatMismatch,                ///< §6: a wire format that cannot carry this content
  kNonZeroPadding,                    ///< §6.3.1: PrivateMessageContent padding must be all zeros
  kMissingGroupContext,  ///< §6.1: FramedContentTBS of a member sender needs the GroupContext
  kApplicationAsPublicMessage,  ///< §6: application data is only sent as PrivateMessage
  kInvalidMembershipTag,        ///< §6.2: the membership tag does not verify

  // crypto
  kUnsupportedCipherSuite = 200,  ///< a cipher suite id outside RFC 9420 §17.1
  kUnsupportedAlgorithm,          ///< an algorithm id outside RFC 9180 §7, or not for this use
  kInvalidPublicKey,              ///< malformed or off-curve public key
  kInvalidPrivateKey,             ///< malformed private key or a scalar out of range
  kInvalidSignature,              ///< a signature that does not verify
  kAeadAuthenticationFailed,      ///< an AEAD tag that does not verify
  kInvalidKeyLength,              ///< an AEAD or MAC key of the wrong length for the algorithm
  kInvalidNonceLength,            ///< an AEAD nonce of the wrong length for the algorithm
  kDeriveKeyPairFailed,           ///< RFC 9180 §7.1.3: no valid scalar within 256 tries
  kHpkeMessageLimit,              ///< RFC 9180 §5.2: the sequence number would overflow
  kCryptoBackend,                 ///< the crypto library reported an unexpected failure

  // schedule
  kLeafIndexOutOfRange = 300,  ///< §9: a leaf index outside the secret tree
  kGenerationTooOld,           ///< §9.2: the generation's key was deleted (outside the window)
  kGenerationReused,           ///< §9.2: the generation's key was already consumed
  kGenerationTooFarAhead,      ///< a generation beyond the ratchet's maximum forward distance
  kRatchetExhausted,           ///< §9.1: the uint32 generation counter cannot advance
  kInvalidSecretLength,        ///< a key schedule secret that is not KDF.Nh bytes
  kTooManyPsks,                ///< §8.4: PSKLabel counts PSKs in a uint16
  kInvalidScheduleState,       ///< a decoded secret tree or ratchet that breaks an invariant

  // tree: RFC 9420 §4, §7 and §12 rules on the ratchet tree, one code per validation rule
  kTreeEmpty = 400,            ///< §12.4.3.3: a ratchet tree holds at least one leaf
  kTreeTrailingBlank,          ///< §12.4.3.3: the last node sent must be non-blank
  kTreeNodeTypeMismatch,       ///< §12.4.3.3: leaves at even positions, parent nodes at odd ones
  kTreeNotTruncated,           ///< §7.7: the last non-blank node is a leaf of the right subtree
  kTreeTooLarge,               ///< more than 2^31 leaves
  kLeafNotInTree,              ///< a leaf index at or beyond the tree's leaf count
  kLeafBlank,                  ///< §12.1.2, §12.1.3: the operation needs a non-blank leaf
  kParentHashInvalid,          ///< §7.9.2: a non-blank parent node is not parent-hash valid
  kLeafParentHashMismatch,     ///< §7.9.2: a committer's leaf parent_hash is not the computed one
  kUnmergedLeavesUnsorted,     ///< §7.1: unmerged_leaves strictly increasing
  kUnmergedLeafNotDescendant,  ///< §12.4.3.1: an unmerged leaf lies below its parent node
  kUnmergedLeafBlank,          ///< §12.4.3.1: an unmerged leaf is a non-blank leaf
  kUnmergedLeafNotInBetween,   ///< §12.4.3.1: non-blank nodes in between list the leaf too
  kLeafSignatureInvalid,       ///< §7.3: LeafNode signature over its LeafNodeTBS
  kDuplicateSignatureKey,      ///< §7.3: signature keys unique among members
  kDuplicateEncryptionKey,     ///< §7.3, §12.4.3.1: encryption keys unique among nodes
  kCredentialTypeUnsupported,  ///< §7.3: every member supports every credential type in use
  kRequiredCapabilityMissing,  ///< §7.3, §11.1: a leaf lacks a required capability
  kLeafExtensionUnsupported,   ///< §7.2, §7.3: leaf extensions are listed in its capabilities
  kLeafLifetimeInvalid,        ///< §7.3: the current time outside a key_package leaf's lifetime
  kLeafLifetimeTooLong,        ///< §7.2: a lifetime longer than the application's maximum
  kCredentialRejected,         ///< §5.3.1: the application's credential validation failed
  kLeafNodeSourceMismatch,     ///< §7.3: the leaf_node_source the context requires
  kEncryptionKeyNotUpdated,    ///< §7.3, §12.4.2: a replacing leaf reuses the old encryption key
  kUpdatePathLengthMismatch,   ///< §7.6: one UpdatePathNode per filtered direct path node
  kUpdatePathCiphertextCount,  ///< §7.6: one ciphertext per resolution node of the copath child
  kUpdatePathKeyReused,        ///< §12.4.2: UpdatePath keys appear nowhere in the tree
  kUpdatePathKeyMismatch,      ///< §7.5: a derived public key differs from the one sent
  kNoDecryptionKey,            ///< §7.5: no private key for the copath child's resolution
  kPrivateKeyMismatch,         ///< §12.4.3.1: a private key that does not fit the tree's key

  // group
  kKeyPackageVersionMismatch = 600,  ///< §10.1: a KeyPackage's version is not the group's
  kKeyPackageCipherSuiteMismatch,    ///< §10.1: a KeyPackage's cipher suite is not the group's
  kKeyPackageSignatureInvalid,       ///< §10.1: the KeyPackageTBS signature does not verify
  kKeyPackageInitKeyReused,          ///< §10.1: init_key equals the leaf's encryption_key
  kDuplicateExtension,               ///< §13.4: an extension type appears twice in one list
  kWrongGroup,                       ///< §6: a message for another group
  kWrongEpoch,                       ///< §6, §12.4.2: a handshake message for another epoch
  kEpochNotRetained,    ///< an application message from an epoch whose keys were deleted
  kUnknownSender,       ///< §6: a sender that is not a member (blank or outside the tree)
  kSenderNotAllowed,    ///< §6, §12.1.8: a sender type not allowed for this content
  kUnknownProposalRef,  ///< §12.4: a Commit references a proposal not received this epoch
  kInvalidProposal,     ///< §12.1: a proposal invalid on its own (e.g. removing a blank leaf)
  kUpdateByCommitter,   ///< §12.2: a Commit covers an Update from its own sender
  kRemoveOfCommitter,   ///< §12.2: a Commit removes its own sender
  kConflictingLeafProposals,        ///< §12.2: two Updates/Removes for one leaf
  kDuplicateAdd,                    ///< §12.2: two Adds for the same client
  kAddOfMember,                     ///< §12.2: an Add of a client already in the group
  kDuplicatePsk,                    ///< §12.2: two PreSharedKey proposals for one PSK id
  kMultipleGroupContextExtensions,  ///< §12.2: more than one GroupContextExtensions
  kReInitNotAlone,                  ///< §12.2: ReInit together with other proposals
  kExternalInitInMemberCommit,      ///< §12.2: ExternalInit in a regular Commit
  kProposalTypeUnsupported,         ///< §12.2: a proposal type some member does not support
  kPathRequired,                    ///< §12.4: the Commit needs an UpdatePath and has none
  kConfirmationTagInvalid,          ///< §6.1, §12.4.2: the confirmation tag does not verify
  kPskNotFound,                 ///< §12.4.2: a PSK the Commit or Welcome names is not available
  kPskNonceInvalid,             ///< §8.4: psk_nonce is not KDF.Nh bytes
  kWelcomeNotForUs,             ///< §12.4.3.1: no EncryptedGroupSecrets for our KeyPackage
  kWelcomeCipherSuiteMismatch,  ///< §12.4.3.1: the Welcome's suite is not the KeyPackage's
  kTreeHashMismatch,       ///< §12.4.3.1: the tree does not hash to the GroupContext's tree_hash
  kMissingRatchetTree,     ///< §12.4.3.1: no ratchet tree in the Welcome or supplied
  kJoinerNotInTree,        ///< §12.4.3.1: our KeyPackage's leaf is not in the tree
  kGroupInfoInvalid,       ///< §12.4.3.1: the GroupInfo breaks a rule (signer, epoch, ...)
  kNoPendingCommit,        ///< merge or discard without a pending commit
  kPendingCommit,          ///< a new commit while one is pending
  kNotAMember,             ///< the member was removed: the group can send nothing more
  kGroupStateInvalid,      ///< a serialized group state that fails to decode or check
  kUnsupportedFeature,     ///< a protocol feature this build does not implement yet
  kExternalCommitInvalid,  ///< §12.2, §12.4.3.2: an external commit breaks a rule of its own
  kExternalSenderUnknown,  ///< §12.1.8: no such sender in the external_senders extension
  // resumption: PSK usage (§8.4, §12.1.4), ReInit (§11.2), subgroup branching (§11.3)
  kGroupReInitialized,         ///< §11.2: a ReInit commit ended the group: it sends nothing more
  kPskUsageInvalid,            ///< §12.1.4: a resumption PSK of usage reinit/branch outside them
  kResumptionPskInvalid,       ///< §11.2, §11.3: the Welcome's reinit/branch PSK does not fit
  kResumptionEpochInvalid,     ///< §11.2, §11.3: a reinit or branch Welcome's epoch is not 1
  kReInitVersionMismatch,      ///< §11.2: the new group's version is not the ReInit's
  kReInitCipherSuiteMismatch,  ///< §11.2: the new group's cipher suite is not the ReInit's
  kReInitGroupIdMismatch,      ///< §11.2: the new group's group_id is not the ReInit's
  kReInitExtensionsMismatch,   ///< §11.2: the new group's extensions are not the ReInit's
  kBranchVersionMismatch,      ///< §11.3: a subgroup's version is not the old group's
  kBranchCipherSuiteMismatch,  ///< §11.3: a subgroup's cipher suite is not the old group's
  kBranchMemberUnknown,        ///< §11.3: a subgroup leaf matches no member of the old group
  /// §13.4: the joiner does not support a GroupContext extension.
  kGroupExtensionUnsupported,
  /// §5.3.1: no credential validator is set (GroupPolicy::credential_validator) and the
  /// application has not opted in to accepting every credential
  /// (insecure_accept_any_credential()).
  kCredentialValidatorMissing,
  /// merge() of a StagedCommit that another group, another member or another epoch staged.
  kStagedCommitMismatch,

  // x509: RFC 9420 §5.3 X.509 credentials, RFC 5280 path validation
  kX509Malformed = 700,   ///< an empty chain, or an entry that is not exactly one DER certificate
  kX509Untrusted,         ///< §5.3.1: no path from the leaf to a configured trust anchor
  kX509Expired,           ///< a certificate on the path outside its validity period
  kX509SignatureInvalid,  ///< a certificate's signature does not verify under its issuer's key
  kX509ChainInvalid,      ///< another path validation failure (non-CA issuer, path length, ...)
  kX509KeyMismatch,       ///< §5.3: the leaf's public key is not the member's signature_key

  kStorageConflict = 800,     ///< the stored state changed underneath: reload and retry
  kStorageCorrupt,            ///< a stored record is damaged, misplaced or does not decode
  kStorageKeyInvalid,         ///< the store's encryption key is wrong, missing or unexpected
  kStorageSchemaUnsupported,  ///< the store was written by a newer schema version
  kStorageBackend,            ///< the database reported a failure (I/O, full disk, locked)
  kStorageNotFound,           ///< no such group (or record) in the store

  // client: the Client and its transport to the Delivery Service (RFC 9750 §5)
  kDeliveryUnavailable = 900,  ///< the Delivery Service could not be reached: retry later
  kDeliveryRejected,           ///< the Delivery Service refused the request (its reason in detail)
  kDeliveryStaleEpoch,         ///< another commit took the epoch first (RFC 9750 §5.2)
  kUnknownUser,                ///< the Delivery Service knows no such user
  kNoKeyPackage,               ///< a device of the user has no KeyPackage left (RFC 9420 §10)
  kUnknownGroup,               ///< this client holds no such group
  kNotRegistered,              ///< the client has not registered with the Delivery Service yet
  kCommitVetoed,               ///< the application's policy refused a received commit
  kRetriesExhausted,           ///< a commit lost the epoch race more often than allowed

  // extensions draft (draft-ietf-mls-extensions); 1000-1099 are the C API's own statuses
  /// §Attaching Application Data: app_data_dictionary entries not in strictly increasing
  /// component_id order (unsorted, or a component twice).
  kAppDataDictionaryUnsorted = 1100,
  /// §AppAck: a MessageRange whose first_generation is above its last_generation.
  kAppAckRangeInvalid = 1110,
  /// §SelfRemove Proposal: a SelfRemove not sent as a PublicMessage ("MUST be sent in an
  /// MLS PublicMessage").
  kSelfRemoveNotPublicMessage = 1111,
  /// §SelfRemove Proposal: a SelfRemove in a Commit by value ("only allowed in a Commit by
  /// reference").
  kSelfRemoveByValue = 1112,
  /// §SelfRemove Proposal: a SelfRemove from a sender that is not a member ("cannot be sent
  /// as an external proposal").
  kSelfRemoveSenderNotMember = 1113,
  /// §SelfRemove Proposal: a SelfRemove in a group that is not self-remove-capable (a member
  /// does not list self_remove in its capabilities).
  kSelfRemoveGroupNotCapable = 1114,
  /// §SelfRemove Proposal: a second SelfRemove of one member in one epoch ("MUST NOT issue
  /// more than one SelfRemove proposal per epoch").
  kSelfRemoveTwice = 1115,
  /// §SelfRemove Proposal: a Remove of a leaf that a pending SelfRemove already removes
  /// ("the Remove proposal is invalid").
  kRemoveOfSelfRemoved = 1116,
  /// §Updating Application Data in the GroupContext, §Attaching Application Data to a Commit:
  /// an AppDataUpdate or AppEphemeral whose component_id "references a component that is not
  /// known to the application" (not in GroupPolicy::components).
  kAppComponentUnknown = 1120,
  /// §Updating Application Data in the GroupContext: the application logic of the component
  /// "considers this update invalid", so the proposal list is invalid.
  kAppDataUpdateVetoed = 1121,
  /// §Attaching Application Data to a Commit: the AppEphemeral's data "is considered invalid by
  /// the application logic registered to the indicated component_id".
  kAppEphemeralVetoed = 1122,
  /// §Updating Application Data in the GroupContext: an AppDataUpdate that removes "state for a
  /// component_id that has no state present".
  kAppDataRemoveAbsent = 1123,
  /// §Updating Application Data in the GroupContext: for one component_id, a proposal list
  /// holds two removes, or both update and remove ("valid only if it contains (a) a single
  /// remove operation or (b) one or more update operations").
  kAppDataUpdateConflict = 1124,
  /// §Updating Application Data in the GroupContext: app_data_update is in the
  /// required_capabilities' proposal_types, and a GroupContextExtensions proposal adds,
  /// removes or modifies the app_data_dictionary extension ("MUST NOT").
  kAppDataDictionaryNotByGce = 1125,
  /// §Negotiating Extensions and Components: a leaf's supported_wire_formats lacks a non-default
  /// wire format the GroupContext's required_wire_formats lists (a leaf without the extension
  /// supports only RFC 9420's five).
  kRequiredWireFormatUnsupported = 1140,
  /// §Negotiating Extensions and Components: a leaf's app_components (or safe_aad) component
  /// lacks a component the GroupContext's app_components (or safe_aad) component requires.
  kRequiredComponentUnsupported = 1141,
  /// §Attaching Application Data: a leaf lists app_data_dictionary in its capabilities but its
  /// app_data_dictionary has no app_components component ("MUST understand and advertise").
  kAppComponentsMissing = 1142,
  /// §GREASE (RFC 9420 §13.5): a GREASE value among the GroupContext's required wire formats or
  /// components (GREASE belongs in LeafNodes, KeyPackages and GroupInfos, never required).
  kGreaseRequired = 1143,
  /// §Safe Additional Authenticated Data: the GroupContext's app_data_dictionary holds the
  /// safe_aad component, and a message's authenticated_data is not a SafeAAD.
  kSafeAadMalformed = 1150,
  /// §Safe Additional Authenticated Data: aad_items not in strictly increasing component_id
  /// order (unsorted, or a component twice).
  kSafeAadUnsorted = 1151,
  /// §Exported Secrets: the component's safe exported secret was already generated in this
  /// epoch; it is consumed and its source deleted (RFC 9420 §9.2).
  kSafeExportConsumed = 1152,
  /// §Exported Secrets: this epoch's application_export_secret is not held (a state written
  /// before the safe exporter existed); it is available again from the next epoch on.
  kSafeExportUnavailable = 1153,
  /// §The Safe Application Interface (HPKE Keys): the leaf is blank or its private key is not
  /// held, so there is no key pair to use.
  kSafeKeyUnavailable = 1154,
  /// §Multi-Credentials: a credential binding whose credential is itself a multi or
  /// weak-multi credential (refused so that decoding cannot nest).
  kMultiCredentialNested = 1160,
  /// §Credential Bindings, §Verifying a Multi-Credential: a binding's signature does not
  /// verify with its credential_key over CredentialBindingTBS and the leaf's signature_key.
  kCredentialBindingInvalid = 1161,
  /// §Verifying a Multi-Credential: a member does not support a multi-credential binding's
  /// cipher suite or credential type, or (weak-multi) supports none of its bindings.
  kCredentialBindingUnsupported = 1162,
  /// §Content Advertisement, Syntax: a content_media_types component (MediaTypeList) "must
  /// contain at least one item".
  kMediaTypeListEmpty = 1170,
  /// §Framing of application_data: the group requires content_media_types, and an
  /// application_data is not an ApplicationFraming.
  kApplicationFramingMalformed = 1171,
  /// §Content Advertisement, Expected Behavior: a client to be added (or a member, when the
  /// GroupContext gains content_media_types) does not advertise every required media type.
  kMediaTypeUnsupported = 1172,
};

/// A short stable name for the code, e.g. "varint-not-minimal".
std::string_view error_code_name(ErrorCode code);

/// The exception every Conclave function throws: a code naming the broken rule and a detail
/// in words. what() is the code's name, a colon and the detail.
class Error : public std::runtime_error {
 public:
  /// An error with `code` and `detail` (which should say what was checked, not repeat the code).
  Error(ErrorCode code, const std::string& detail);
  /// The rule that was broken.
  ErrorCode code() const noexcept { return code_; }
  /// The detail without the code's name.
  const std::string& detail() const noexcept { return detail_; }

 private:
  ErrorCode code_;
  std::string detail_;
};

}  // namespace conclave
