/**
 * @file
 * The C API (conclave.h), part 1: the export marker, the version, the status codes (the numbers
 * of conclave::ErrorCode), the last error, library buffers and the opaque handle types.
 */
#ifndef CONCLAVE_CONCLAVE_BASE_H
#define CONCLAVE_CONCLAVE_BASE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Marks a function of the C API: exported from libconclave.so, everything else is hidden. */
#if defined(CONCLAVE_C_API_BUILD)
#define CONCLAVE_API __attribute__((visibility("default")))
#else
#define CONCLAVE_API
#endif

/** The version of the library this header belongs to: major. */
#define CONCLAVE_VERSION_MAJOR 0
/** The version of the library this header belongs to: minor. */
#define CONCLAVE_VERSION_MINOR 1
/** The version of the library this header belongs to: patch. */
#define CONCLAVE_VERSION_PATCH 0

/** What a function returns: CONCLAVE_OK or one of the conclave_error_code values. */
typedef int conclave_status;

/**
 * The status codes: 0 for success, then the numbers of conclave::ErrorCode (stable: codes are
 * added, never renumbered), with the C API's own at 1000-1099 and the extensions draft's from
 * 1100.
 */
enum conclave_error_code {
  CONCLAVE_OK = 0, /**< success */
  /* base */
  CONCLAVE_ERR_INVALID_HEX = 1,      /**< a hex string of odd length or with a non-hex digit */
  CONCLAVE_ERR_INVALID_ARGUMENT = 2, /**< an argument outside what the function accepts */
  CONCLAVE_ERR_INTERNAL = 3,         /**< a broken internal invariant: a bug in Conclave */
  /* codec: RFC 9420 §2.1 presentation language */
  CONCLAVE_ERR_TRUNCATED = 100, /**< a read went past the end of its input */
  CONCLAVE_ERR_VARINT_PREFIX_INVALID =
      101,                               /**< §2.1.2: prefix 0b11 marks a length of 2^30 or more */
  CONCLAVE_ERR_VARINT_NOT_MINIMAL = 102, /**< §2.1.2: a length not encoded in the fewest bytes */
  CONCLAVE_ERR_LENGTH_TOO_LARGE =
      103, /**< §2.1.2: a vector of 2^30 bytes or more cannot be encoded */
  CONCLAVE_ERR_LENGTH_BEYOND_INPUT = 104, /**< a vector length larger than the bytes left */
  CONCLAVE_ERR_TRAILING_BYTES =
      105, /**< bytes left over after a top-level message or a vector element */
  CONCLAVE_ERR_INVALID_OPTIONAL_FLAG = 106, /**< §2.1.1: presence octet other than 0 or 1 */
  CONCLAVE_ERR_INVALID_ENUM_VALUE = 107,    /**< an enum value the RFC does not allow here */
  /* wire: RFC 9420 message syntax beyond the presentation language */
  CONCLAVE_ERR_UNSUPPORTED_PROTOCOL_VERSION = 150, /**< §6: only mls10 is defined */
  CONCLAVE_ERR_WIRE_FORMAT_MISMATCH = 151, /**< §6: a wire format that cannot carry this content */
  CONCLAVE_ERR_NON_ZERO_PADDING =
      152, /**< §6.3.1: PrivateMessageContent padding must be all zeros */
  CONCLAVE_ERR_MISSING_GROUP_CONTEXT =
      153, /**< §6.1: FramedContentTBS of a member sender needs the GroupContext */
  CONCLAVE_ERR_APPLICATION_AS_PUBLIC_MESSAGE =
      154, /**< §6: application data is only sent as PrivateMessage */
  CONCLAVE_ERR_INVALID_MEMBERSHIP_TAG = 155, /**< §6.2: the membership tag does not verify */
  /* crypto */
  CONCLAVE_ERR_UNSUPPORTED_CIPHER_SUITE = 200, /**< a cipher suite id outside RFC 9420 §17.1 */
  CONCLAVE_ERR_UNSUPPORTED_ALGORITHM =
      201, /**< an algorithm id outside RFC 9180 §7, or not for this use */
  CONCLAVE_ERR_INVALID_PUBLIC_KEY = 202,  /**< malformed or off-curve public key */
  CONCLAVE_ERR_INVALID_PRIVATE_KEY = 203, /**< malformed private key or a scalar out of range */
  CONCLAVE_ERR_INVALID_SIGNATURE = 204,   /**< a signature that does not verify */
  CONCLAVE_ERR_AEAD_AUTHENTICATION_FAILED = 205, /**< an AEAD tag that does not verify */
  CONCLAVE_ERR_INVALID_KEY_LENGTH =
      206, /**< an AEAD or MAC key of the wrong length for the algorithm */
  CONCLAVE_ERR_INVALID_NONCE_LENGTH =
      207, /**< an AEAD nonce of the wrong length for the algorithm */
  CONCLAVE_ERR_DERIVE_KEY_PAIR_FAILED =
      208,                               /**< RFC 9180 §7.1.3: no valid scalar within 256 tries */
  CONCLAVE_ERR_HPKE_MESSAGE_LIMIT = 209, /**< RFC 9180 §5.2: the sequence number would overflow */
  CONCLAVE_ERR_CRYPTO_BACKEND = 210,     /**< the crypto library reported an unexpected failure */
  /* schedule */
  CONCLAVE_ERR_LEAF_INDEX_OUT_OF_RANGE = 300, /**< §9: a leaf index outside the secret tree */
  CONCLAVE_ERR_GENERATION_TOO_OLD =
      301, /**< §9.2: the generation's key was deleted (outside the window) */
  CONCLAVE_ERR_GENERATION_REUSED = 302, /**< §9.2: the generation's key was already consumed */
  CONCLAVE_ERR_GENERATION_TOO_FAR_AHEAD =
      303, /**< a generation beyond the ratchet's maximum forward distance */
  CONCLAVE_ERR_RATCHET_EXHAUSTED = 304, /**< §9.1: the uint32 generation counter cannot advance */
  CONCLAVE_ERR_INVALID_SECRET_LENGTH = 305, /**< a key schedule secret that is not KDF.Nh bytes */
  CONCLAVE_ERR_TOO_MANY_PSKS = 306,         /**< §8.4: PSKLabel counts PSKs in a uint16 */
  CONCLAVE_ERR_INVALID_SCHEDULE_STATE =
      307, /**< a decoded secret tree or ratchet that breaks an invariant */
  /* tree: RFC 9420 §4, §7 and §12 rules on the ratchet tree, one code per validation rule */
  CONCLAVE_ERR_TREE_EMPTY = 400,          /**< §12.4.3.3: a ratchet tree holds at least one leaf */
  CONCLAVE_ERR_TREE_TRAILING_BLANK = 401, /**< §12.4.3.3: the last node sent must be non-blank */
  CONCLAVE_ERR_TREE_NODE_TYPE_MISMATCH =
      402, /**< §12.4.3.3: leaves at even positions, parent nodes at odd ones */
  CONCLAVE_ERR_TREE_NOT_TRUNCATED =
      403, /**< §7.7: the last non-blank node is a leaf of the right subtree */
  CONCLAVE_ERR_TREE_TOO_LARGE = 404,   /**< more than 2^31 leaves */
  CONCLAVE_ERR_LEAF_NOT_IN_TREE = 405, /**< a leaf index at or beyond the tree's leaf count */
  CONCLAVE_ERR_LEAF_BLANK = 406, /**< §12.1.2, §12.1.3: the operation needs a non-blank leaf */
  CONCLAVE_ERR_PARENT_HASH_INVALID =
      407, /**< §7.9.2: a non-blank parent node is not parent-hash valid */
  CONCLAVE_ERR_LEAF_PARENT_HASH_MISMATCH =
      408, /**< §7.9.2: a committer's leaf parent_hash is not the computed one */
  CONCLAVE_ERR_UNMERGED_LEAVES_UNSORTED = 409, /**< §7.1: unmerged_leaves strictly increasing */
  CONCLAVE_ERR_UNMERGED_LEAF_NOT_DESCENDANT =
      410, /**< §12.4.3.1: an unmerged leaf lies below its parent node */
  CONCLAVE_ERR_UNMERGED_LEAF_BLANK = 411, /**< §12.4.3.1: an unmerged leaf is a non-blank leaf */
  CONCLAVE_ERR_UNMERGED_LEAF_NOT_IN_BETWEEN =
      412, /**< §12.4.3.1: non-blank nodes in between list the leaf too */
  CONCLAVE_ERR_LEAF_SIGNATURE_INVALID = 413,  /**< §7.3: LeafNode signature over its LeafNodeTBS */
  CONCLAVE_ERR_DUPLICATE_SIGNATURE_KEY = 414, /**< §7.3: signature keys unique among members */
  CONCLAVE_ERR_DUPLICATE_ENCRYPTION_KEY =
      415, /**< §7.3, §12.4.3.1: encryption keys unique among nodes */
  CONCLAVE_ERR_CREDENTIAL_TYPE_UNSUPPORTED =
      416, /**< §7.3: every member supports every credential type in use */
  CONCLAVE_ERR_REQUIRED_CAPABILITY_MISSING =
      417, /**< §7.3, §11.1: a leaf lacks a required capability */
  CONCLAVE_ERR_LEAF_EXTENSION_UNSUPPORTED =
      418, /**< §7.2, §7.3: leaf extensions are listed in its capabilities */
  CONCLAVE_ERR_LEAF_LIFETIME_INVALID =
      419, /**< §7.3: the current time outside a key_package leaf's lifetime */
  CONCLAVE_ERR_LEAF_LIFETIME_TOO_LONG =
      420, /**< §7.2: a lifetime longer than the application's maximum */
  CONCLAVE_ERR_CREDENTIAL_REJECTED =
      421, /**< §5.3.1: the application's credential validation failed */
  CONCLAVE_ERR_LEAF_NODE_SOURCE_MISMATCH =
      422, /**< §7.3: the leaf_node_source the context requires */
  CONCLAVE_ERR_ENCRYPTION_KEY_NOT_UPDATED =
      423, /**< §7.3, §12.4.2: a replacing leaf reuses the old encryption key */
  CONCLAVE_ERR_UPDATE_PATH_LENGTH_MISMATCH =
      424, /**< §7.6: one UpdatePathNode per filtered direct path node */
  CONCLAVE_ERR_UPDATE_PATH_CIPHERTEXT_COUNT =
      425, /**< §7.6: one ciphertext per resolution node of the copath child */
  CONCLAVE_ERR_UPDATE_PATH_KEY_REUSED =
      426, /**< §12.4.2: UpdatePath keys appear nowhere in the tree */
  CONCLAVE_ERR_UPDATE_PATH_KEY_MISMATCH =
      427, /**< §7.5: a derived public key differs from the one sent */
  CONCLAVE_ERR_NO_DECRYPTION_KEY =
      428, /**< §7.5: no private key for the copath child's resolution */
  CONCLAVE_ERR_PRIVATE_KEY_MISMATCH =
      429, /**< §12.4.3.1: a private key that does not fit the tree's key */
  /* group */
  CONCLAVE_ERR_KEY_PACKAGE_VERSION_MISMATCH =
      600, /**< §10.1: a KeyPackage's version is not the group's */
  CONCLAVE_ERR_KEY_PACKAGE_CIPHER_SUITE_MISMATCH =
      601, /**< §10.1: a KeyPackage's cipher suite is not the group's */
  CONCLAVE_ERR_KEY_PACKAGE_SIGNATURE_INVALID =
      602, /**< §10.1: the KeyPackageTBS signature does not verify */
  CONCLAVE_ERR_KEY_PACKAGE_INIT_KEY_REUSED =
      603,                                /**< §10.1: init_key equals the leaf's encryption_key */
  CONCLAVE_ERR_DUPLICATE_EXTENSION = 604, /**< §13.4: an extension type appears twice in one list */
  CONCLAVE_ERR_WRONG_GROUP = 605,         /**< §6: a message for another group */
  CONCLAVE_ERR_WRONG_EPOCH = 606, /**< §6, §12.4.2: a handshake message for another epoch */
  CONCLAVE_ERR_EPOCH_NOT_RETAINED =
      607, /**< an application message from an epoch whose keys were deleted */
  CONCLAVE_ERR_UNKNOWN_SENDER =
      608, /**< §6: a sender that is not a member (blank or outside the tree) */
  CONCLAVE_ERR_SENDER_NOT_ALLOWED =
      609, /**< §6, §12.1.8: a sender type not allowed for this content */
  CONCLAVE_ERR_UNKNOWN_PROPOSAL_REF =
      610, /**< §12.4: a Commit references a proposal not received this epoch */
  CONCLAVE_ERR_INVALID_PROPOSAL =
      611, /**< §12.1: a proposal invalid on its own (e.g. removing a blank leaf) */
  CONCLAVE_ERR_UPDATE_BY_COMMITTER =
      612, /**< §12.2: a Commit covers an Update from its own sender */
  CONCLAVE_ERR_REMOVE_OF_COMMITTER = 613,        /**< §12.2: a Commit removes its own sender */
  CONCLAVE_ERR_CONFLICTING_LEAF_PROPOSALS = 614, /**< §12.2: two Updates/Removes for one leaf */
  CONCLAVE_ERR_DUPLICATE_ADD = 615,              /**< §12.2: two Adds for the same client */
  CONCLAVE_ERR_ADD_OF_MEMBER = 616, /**< §12.2: an Add of a client already in the group */
  CONCLAVE_ERR_DUPLICATE_PSK = 617, /**< §12.2: two PreSharedKey proposals for one PSK id */
  CONCLAVE_ERR_MULTIPLE_GROUP_CONTEXT_EXTENSIONS =
      618,                             /**< §12.2: more than one GroupContextExtensions */
  CONCLAVE_ERR_REINIT_NOT_ALONE = 619, /**< §12.2: ReInit together with other proposals */
  CONCLAVE_ERR_EXTERNAL_INIT_IN_MEMBER_COMMIT = 620, /**< §12.2: ExternalInit in a regular Commit */
  CONCLAVE_ERR_PROPOSAL_TYPE_UNSUPPORTED =
      621,                          /**< §12.2: a proposal type some member does not support */
  CONCLAVE_ERR_PATH_REQUIRED = 622, /**< §12.4: the Commit needs an UpdatePath and has none */
  CONCLAVE_ERR_CONFIRMATION_TAG_INVALID =
      623, /**< §6.1, §12.4.2: the confirmation tag does not verify */
  CONCLAVE_ERR_PSK_NOT_FOUND =
      624, /**< §12.4.2: a PSK the Commit or Welcome names is not available */
  CONCLAVE_ERR_PSK_NONCE_INVALID = 625, /**< §8.4: psk_nonce is not KDF.Nh bytes */
  CONCLAVE_ERR_WELCOME_NOT_FOR_US =
      626, /**< §12.4.3.1: no EncryptedGroupSecrets for our KeyPackage */
  CONCLAVE_ERR_WELCOME_CIPHER_SUITE_MISMATCH =
      627, /**< §12.4.3.1: the Welcome's suite is not the KeyPackage's */
  CONCLAVE_ERR_TREE_HASH_MISMATCH =
      628, /**< §12.4.3.1: the tree does not hash to the GroupContext's tree_hash */
  CONCLAVE_ERR_MISSING_RATCHET_TREE =
      629, /**< §12.4.3.1: no ratchet tree in the Welcome or supplied */
  CONCLAVE_ERR_JOINER_NOT_IN_TREE = 630, /**< §12.4.3.1: our KeyPackage's leaf is not in the tree */
  CONCLAVE_ERR_GROUP_INFO_INVALID =
      631, /**< §12.4.3.1: the GroupInfo breaks a rule (signer, epoch, ...) */
  CONCLAVE_ERR_NO_PENDING_COMMIT = 632, /**< merge or discard without a pending commit */
  CONCLAVE_ERR_PENDING_COMMIT = 633,    /**< a new commit while one is pending */
  CONCLAVE_ERR_NOT_A_MEMBER = 634, /**< the member was removed: the group can send nothing more */
  CONCLAVE_ERR_GROUP_STATE_INVALID =
      635, /**< a serialized group state that fails to decode or check */
  CONCLAVE_ERR_UNSUPPORTED_FEATURE =
      636, /**< a protocol feature this build does not implement yet */
  CONCLAVE_ERR_EXTERNAL_COMMIT_INVALID =
      637, /**< §12.2, §12.4.3.2: an external commit breaks a rule of its own */
  CONCLAVE_ERR_EXTERNAL_SENDER_UNKNOWN =
      638, /**< §12.1.8: no such sender in the external_senders extension */
  /* resumption: PSK usage (§8.4, §12.1.4), ReInit (§11.2), subgroup branching (§11.3) */
  CONCLAVE_ERR_GROUP_REINITIALIZED =
      639, /**< §11.2: a ReInit commit ended the group: it sends nothing more */
  CONCLAVE_ERR_PSK_USAGE_INVALID =
      640, /**< §12.1.4: a resumption PSK of usage reinit/branch outside them */
  CONCLAVE_ERR_RESUMPTION_PSK_INVALID =
      641, /**< §11.2, §11.3: the Welcome's reinit/branch PSK does not fit */
  CONCLAVE_ERR_RESUMPTION_EPOCH_INVALID =
      642, /**< §11.2, §11.3: a reinit or branch Welcome's epoch is not 1 */
  CONCLAVE_ERR_REINIT_VERSION_MISMATCH =
      643, /**< §11.2: the new group's version is not the ReInit's */
  CONCLAVE_ERR_REINIT_CIPHER_SUITE_MISMATCH =
      644, /**< §11.2: the new group's cipher suite is not the ReInit's */
  CONCLAVE_ERR_REINIT_GROUP_ID_MISMATCH =
      645, /**< §11.2: the new group's group_id is not the ReInit's */
  CONCLAVE_ERR_REINIT_EXTENSIONS_MISMATCH =
      646, /**< §11.2: the new group's extensions are not the ReInit's */
  CONCLAVE_ERR_BRANCH_VERSION_MISMATCH =
      647, /**< §11.3: a subgroup's version is not the old group's */
  CONCLAVE_ERR_BRANCH_CIPHER_SUITE_MISMATCH =
      648, /**< §11.3: a subgroup's cipher suite is not the old group's */
  CONCLAVE_ERR_BRANCH_MEMBER_UNKNOWN =
      649, /**< §11.3: a subgroup leaf matches no member of the old group */
  CONCLAVE_ERR_GROUP_EXTENSION_UNSUPPORTED =
      650, /**< §13.4: the joiner does not support a GroupContext extension. */
  CONCLAVE_ERR_CREDENTIAL_VALIDATOR_MISSING =
      651, /**< §5.3.1: no credential validator is set (GroupPolicy::credential_validator) and the
              application has not opted in to accepting every credential
              (insecure_accept_any_credential()). */
  CONCLAVE_ERR_STAGED_COMMIT_MISMATCH = 652, /**< merge() of a StagedCommit that another group,
                                                another member or another epoch staged. */
  /* x509: RFC 9420 §5.3 X.509 credentials, RFC 5280 path validation */
  CONCLAVE_ERR_X509_MALFORMED =
      700, /**< an empty chain, or an entry that is not exactly one DER certificate */
  CONCLAVE_ERR_X509_UNTRUSTED =
      701, /**< §5.3.1: no path from the leaf to a configured trust anchor */
  CONCLAVE_ERR_X509_EXPIRED = 702, /**< a certificate on the path outside its validity period */
  CONCLAVE_ERR_X509_SIGNATURE_INVALID =
      703, /**< a certificate's signature does not verify under its issuer's key */
  CONCLAVE_ERR_X509_CHAIN_INVALID =
      704, /**< another path validation failure (non-CA issuer, path length, ...) */
  CONCLAVE_ERR_X509_KEY_MISMATCH =
      705, /**< §5.3: the leaf's public key is not the member's signature_key */
  CONCLAVE_ERR_STORAGE_CONFLICT = 800, /**< the stored state changed underneath: reload and retry */
  CONCLAVE_ERR_STORAGE_CORRUPT =
      801, /**< a stored record is damaged, misplaced or does not decode */
  CONCLAVE_ERR_STORAGE_KEY_INVALID =
      802, /**< the store's encryption key is wrong, missing or unexpected */
  CONCLAVE_ERR_STORAGE_SCHEMA_UNSUPPORTED =
      803, /**< the store was written by a newer schema version */
  CONCLAVE_ERR_STORAGE_BACKEND =
      804, /**< the database reported a failure (I/O, full disk, locked) */
  CONCLAVE_ERR_STORAGE_NOT_FOUND = 805, /**< no such group (or record) in the store */
  /* client: the Client and its transport to the Delivery Service (RFC 9750 §5) */
  CONCLAVE_ERR_DELIVERY_UNAVAILABLE =
      900, /**< the Delivery Service could not be reached: retry later */
  CONCLAVE_ERR_DELIVERY_REJECTED =
      901, /**< the Delivery Service refused the request (its reason in detail) */
  CONCLAVE_ERR_DELIVERY_STALE_EPOCH =
      902,                         /**< another commit took the epoch first (RFC 9750 §5.2) */
  CONCLAVE_ERR_UNKNOWN_USER = 903, /**< the Delivery Service knows no such user */
  CONCLAVE_ERR_NO_KEY_PACKAGE =
      904, /**< a device of the user has no KeyPackage left (RFC 9420 §10) */
  CONCLAVE_ERR_UNKNOWN_GROUP = 905, /**< this client holds no such group */
  CONCLAVE_ERR_NOT_REGISTERED =
      906, /**< the client has not registered with the Delivery Service yet */
  CONCLAVE_ERR_COMMIT_VETOED = 907,     /**< the application's policy refused a received commit */
  CONCLAVE_ERR_RETRIES_EXHAUSTED = 908, /**< a commit lost the epoch race more often than allowed */
  /* the C API's own */
  CONCLAVE_ERR_OUT_OF_MEMORY = 1000, /**< an allocation failed */
  CONCLAVE_ERR_UNEXPECTED = 1001,    /**< an exception that is not a conclave::Error */
  /* the extensions draft (draft-ietf-mls-extensions) */
  CONCLAVE_ERR_APP_DATA_DICTIONARY_UNSORTED =
      1100, /**< app_data_dictionary entries not sorted by component, or one twice */
  CONCLAVE_ERR_APP_ACK_RANGE_INVALID =
      1110, /**< an AppAck range whose first generation is above its last */
  CONCLAVE_ERR_SELF_REMOVE_NOT_PUBLIC_MESSAGE =
      1111, /**< a SelfRemove proposal not sent as a PublicMessage */
  CONCLAVE_ERR_SELF_REMOVE_BY_VALUE = 1112, /**< a SelfRemove proposal in a commit by value */
  CONCLAVE_ERR_SELF_REMOVE_SENDER_NOT_MEMBER =
      1113, /**< a SelfRemove proposal from a sender that is not a member */
  CONCLAVE_ERR_SELF_REMOVE_GROUP_NOT_CAPABLE =
      1114, /**< a SelfRemove proposal in a group not every member of which supports it */
  CONCLAVE_ERR_SELF_REMOVE_TWICE =
      1115, /**< a second SelfRemove proposal of one member in one epoch */
  CONCLAVE_ERR_REMOVE_OF_SELF_REMOVED =
      1116, /**< a Remove proposal of a member whose SelfRemove is pending */
  CONCLAVE_ERR_APP_COMPONENT_UNKNOWN =
      1120, /**< an AppDataUpdate or AppEphemeral of a component the application does not know */
  CONCLAVE_ERR_APP_DATA_UPDATE_VETOED =
      1121, /**< the component's application logic considers the AppDataUpdates invalid */
  CONCLAVE_ERR_APP_EPHEMERAL_VETOED =
      1122, /**< the component's application logic considers the AppEphemeral's data invalid */
  CONCLAVE_ERR_APP_DATA_REMOVE_ABSENT =
      1123, /**< an AppDataUpdate removes the state of a component that has none */
  CONCLAVE_ERR_APP_DATA_UPDATE_CONFLICT =
      1124, /**< two removes, or update and remove, of one component in one commit */
  CONCLAVE_ERR_APP_DATA_DICTIONARY_NOT_BY_GCE =
      1125, /**< a GroupContextExtensions changes app_data_dictionary while AppDataUpdate is
               required */
  CONCLAVE_ERR_REQUIRED_WIRE_FORMAT_UNSUPPORTED =
      1140, /**< a leaf lacks a wire format the group requires (required_wire_formats) */
  CONCLAVE_ERR_REQUIRED_COMPONENT_UNSUPPORTED =
      1141, /**< a leaf lacks a component the group requires (app_components, safe_aad) */
  CONCLAVE_ERR_APP_COMPONENTS_MISSING =
      1142, /**< a leaf supports app_data_dictionary but does not advertise app_components */
  CONCLAVE_ERR_GREASE_REQUIRED =
      1143, /**< a GREASE value among the group's required wire formats or components */
  CONCLAVE_ERR_SAFE_AAD_MALFORMED =
      1150, /**< safe_aad is required and authenticated_data is not a SafeAAD */
  CONCLAVE_ERR_SAFE_AAD_UNSORTED = 1151, /**< SafeAAD items not sorted by component, or one twice */
  CONCLAVE_ERR_SAFE_EXPORT_CONSUMED =
      1152, /**< the component's safe exported secret was already taken this epoch */
  CONCLAVE_ERR_SAFE_EXPORT_UNAVAILABLE =
      1153, /**< no application_export_secret this epoch (state from an earlier build) */
  CONCLAVE_ERR_SAFE_KEY_UNAVAILABLE = 1154,    /**< a blank leaf, or a private key not held */
  CONCLAVE_ERR_MULTI_CREDENTIAL_NESTED = 1160, /**< a credential binding holds a multi-credential */
  CONCLAVE_ERR_CREDENTIAL_BINDING_INVALID =
      1161, /**< a credential binding's signature does not verify */
  CONCLAVE_ERR_CREDENTIAL_BINDING_UNSUPPORTED =
      1162, /**< a member cannot use a multi-credential's binding(s) */
  CONCLAVE_ERR_MEDIA_TYPE_LIST_EMPTY = 1170, /**< a content_media_types component lists no type */
  CONCLAVE_ERR_APPLICATION_FRAMING_MALFORMED =
      1171, /**< application_data is not an ApplicationFraming */
  CONCLAVE_ERR_MEDIA_TYPE_UNSUPPORTED =
      1172 /**< a client does not advertise a media type the group requires */
};

/** The library's version, "major.minor.patch"; a static string. */
CONCLAVE_API const char* conclave_version(void);
/** A short stable name for a status, e.g. "varint-not-minimal" ("ok" for CONCLAVE_OK). */
CONCLAVE_API const char* conclave_status_name(conclave_status status);
/**
 * The message of the last failed call on this thread ("" when the last call succeeded): the
 * rule's name, a colon and the detail. Valid until the next call of the C API on this thread.
 */
CONCLAVE_API const char* conclave_last_error_message(void);
/** The status of the last call on this thread that returns a conclave_status. */
CONCLAVE_API conclave_status conclave_last_error(void);

/** Wipes and frees bytes the library allocated (NULL is ignored). */
CONCLAVE_API void conclave_free_bytes(uint8_t* bytes);
/** Wipes and frees a string the library allocated (NULL is ignored). */
CONCLAVE_API void conclave_free_string(char* string);

/* ---------------------------------------------------------------------------------------- */
/** @name Handles */
/** @{ */
/** The crypto provider: primitives and randomness (OpenSSL 3). Thread-safe. */
typedef struct conclave_provider conclave_provider;
/** A StorageProvider: in memory or SQLite. Thread-safe; several groups and clients may share. */
typedef struct conclave_store conclave_store;
/** A client's credential and signature key pair in one cipher suite. Immutable. */
typedef struct conclave_identity conclave_identity;
/** A KeyPackage and its private keys (a KeyPackageBundle, RFC 9420 §10). Immutable. */
typedef struct conclave_key_package conclave_key_package;
/** The KeyPackages a client published, kept in a store (KeyPackageStore). One thread at a time. */
typedef struct conclave_key_package_store conclave_key_package_store;
/** How a group behaves: its configuration and the application's policy. One thread at a time. */
typedef struct conclave_group_options conclave_group_options;
/** One member's state in one group. One thread at a time. */
typedef struct conclave_group conclave_group;
/** What a commit puts in besides the proposals received this epoch. One thread at a time. */
typedef struct conclave_commit_options conclave_commit_options;
/** What conclave_group_commit() produces for the Delivery Service. Immutable. */
typedef struct conclave_commit_output conclave_commit_output;
/** What conclave_group_process() found in a message. Immutable. */
typedef struct conclave_processed conclave_processed;
/** A verified commit not applied yet (RFC 9420 §12.4.2), to inspect, then merge. Immutable. */
typedef struct conclave_staged_commit conclave_staged_commit;
/** A snapshot of a group's members. Immutable. */
typedef struct conclave_members conclave_members;
/** A list of byte strings (group ids). Immutable. */
typedef struct conclave_bytes_list conclave_bytes_list;
/** A Delivery Service inside this process (LocalDeliveryService), for tests and demos. */
typedef struct conclave_delivery_service conclave_delivery_service;
/** How a client talks to the Delivery Service: in process, or gRPC to a conclave-ds. */
typedef struct conclave_transport conclave_transport;
/** How a client behaves (ClientOptions). One thread at a time. */
typedef struct conclave_client_options conclave_client_options;
/** One device of one user (Client). One thread at a time, but see conclave_client_wait(). */
typedef struct conclave_client conclave_client;
/** Something that happened in a client's group (Event). Immutable. */
typedef struct conclave_event conclave_event;
/** @} */

#ifdef __cplusplus
}
#endif

#endif /* CONCLAVE_CONCLAVE_BASE_H */
