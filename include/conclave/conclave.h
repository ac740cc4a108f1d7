/**
 * @file
 * The C API of Conclave: a stable ABI over the Client and Group APIs, for every language that can
 * call C (Python, Swift, Kotlin, Go, Rust...). Pure C99; link with libconclave.so
 * (`pkg-config --cflags --libs conclave`). docs/c-api.md maps each function to its C++ call.
 *
 * Conventions:
 *  - Every object is an opaque handle made by a `conclave_*_new`, `_open`, `_create`... function
 *    and released by the matching `conclave_*_free` (NULL is accepted and ignored). Handles given
 *    as arguments are borrowed: the library keeps what it needs, so a handle may be freed as soon
 *    as the call that took it returns.
 *  - Functions that can fail return a conclave_status: CONCLAVE_OK (0) or the number of the
 *    conclave::ErrorCode that names the broken rule (the CONCLAVE_ERR_* values).
 *    conclave_last_error_message() then says what happened, on the calling thread.
 *    No C++ exception ever leaves the library.
 *  - Results come back through out-parameters, which are left NULL or 0 on failure. Bytes and
 *    strings the library allocates are freed with conclave_free_bytes() and
 *    conclave_free_string(), which wipe them first (secrets among them: exporter outputs, the
 *    serialized state). Pointers returned by an accessor of a handle (`const uint8_t*` with a
 *    length) are owned by that handle and valid until it is freed.
 *  - Byte inputs are a pointer and a length; the pointer may be NULL when the length is 0.
 *
 * Threads: the provider, the stores, identities, KeyPackages and the read-only result handles
 * (commit outputs, processed messages, staged commits, members, events, byte lists) may be used
 * from any thread, concurrently for reading. A group, a client, and the option objects are used
 * by one thread at a time (the caller synchronizes), except conclave_client_wait() and
 * conclave_client_interrupt(), which may run on another thread while the client is in use. The
 * last error is kept per thread.
 */
#ifndef CONCLAVE_CONCLAVE_H
#define CONCLAVE_CONCLAVE_H

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
 * added, never renumbered), then the C API's own from 1000.
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
  CONCLAVE_ERR_UNEXPECTED = 1001     /**< an exception that is not a conclave::Error */
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
/** The status of the last call on this thread. */
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

/* ---------------------------------------------------------------------------------------- */
/** @name Provider and stores */
/** @{ */
/** The OpenSSL 3 provider (all seven cipher suites). */
CONCLAVE_API conclave_status conclave_provider_new(conclave_provider** out);
/** Releases the handle. */
CONCLAVE_API void conclave_provider_free(conclave_provider* provider);
/** Whether the provider implements RFC 9420 cipher suite `suite` (1 or 0). */
CONCLAVE_API int conclave_provider_supports(const conclave_provider* provider, uint16_t suite);

/** A store in memory (MemoryStorage): gone with the process. */
CONCLAVE_API conclave_status conclave_store_new_memory(conclave_store** out);
/**
 * The SQLite store at `path` (SqliteStorage::open), created if needed. `key` of 32 bytes seals
 * every record with AES-256-GCM; NULL with `key_len` 0 for none.
 */
CONCLAVE_API conclave_status conclave_store_open_sqlite(const char* path,
                                                        const conclave_provider* provider,
                                                        const uint8_t* key, size_t key_len,
                                                        conclave_store** out);
/** Releases the handle (the store closes when nothing else holds it). */
CONCLAVE_API void conclave_store_free(conclave_store* store);
/** The ids of the groups the store holds, ascending (Group::stored_groups). */
CONCLAVE_API conclave_status conclave_store_groups(const conclave_store* store,
                                                   conclave_bytes_list** out);
/** Deletes every record of a group from the store (Group::erase_stored). */
CONCLAVE_API conclave_status conclave_store_erase_group(conclave_store* store,
                                                        const uint8_t* group_id,
                                                        size_t group_id_len);
/** The number of byte strings in the list. */
CONCLAVE_API size_t conclave_bytes_list_count(const conclave_bytes_list* list);
/** Byte string `index` (owned by the list); NULL past the end. */
CONCLAVE_API const uint8_t* conclave_bytes_list_get(const conclave_bytes_list* list, size_t index,
                                                    size_t* len);
/** Releases the list. */
CONCLAVE_API void conclave_bytes_list_free(conclave_bytes_list* list);
/** @} */

/* ---------------------------------------------------------------------------------------- */
/** @name Identities and KeyPackages */
/** @{ */
/** A fresh signature key pair in `suite` with a basic credential naming `name` (§5.3). */
CONCLAVE_API conclave_status conclave_identity_generate(const conclave_provider* provider,
                                                        uint16_t suite, const uint8_t* name,
                                                        size_t name_len, conclave_identity** out);
/**
 * The identity of a KeyPackage's leaf (its credential and signature key) with its signature
 * private key, e.g. from test vectors. CONCLAVE_ERR_INVALID_PRIVATE_KEY when the private key
 * does not belong to the leaf's public key.
 */
CONCLAVE_API conclave_status
conclave_identity_from_key_package(const conclave_provider* provider, const uint8_t* key_package,
                                   size_t key_package_len, const uint8_t* signature_private_key,
                                   size_t signature_private_key_len, conclave_identity** out);
/** Stores the identity under `name` in the store (store_identity). */
CONCLAVE_API conclave_status conclave_identity_save(const conclave_identity* identity,
                                                    conclave_store* store, const char* name);
/** The identity stored under `name` (load_identity); *out NULL when there is none. */
CONCLAVE_API conclave_status conclave_identity_load(const conclave_store* store, const char* name,
                                                    conclave_identity** out);
/** Releases the handle; its private key is wiped. */
CONCLAVE_API void conclave_identity_free(conclave_identity* identity);
/** The identity's cipher suite. */
CONCLAVE_API uint16_t conclave_identity_cipher_suite(const conclave_identity* identity);
/** The signature public key, as in its leaves (owned by the identity). */
CONCLAVE_API const uint8_t* conclave_identity_signature_key(const conclave_identity* identity,
                                                            size_t* len);
/** A basic credential's identity (owned by the identity); NULL for other credential types. */
CONCLAVE_API const uint8_t* conclave_identity_name(const conclave_identity* identity, size_t* len);

/**
 * A KeyPackage of the identity (create_key_package, §10) with the default lifetime and
 * capabilities; `last_resort` non-zero adds the last_resort extension.
 */
CONCLAVE_API conclave_status conclave_key_package_create(const conclave_provider* provider,
                                                         const conclave_identity* identity,
                                                         int last_resort,
                                                         conclave_key_package** out);
/**
 * A bundle from its parts: an MLSMessage holding a KeyPackage and the private keys of its
 * init_key and leaf encryption_key (checked against them), e.g. from test vectors.
 */
CONCLAVE_API conclave_status
conclave_key_package_from_parts(const conclave_provider* provider, const uint8_t* key_package,
                                size_t key_package_len, const uint8_t* init_private_key,
                                size_t init_private_key_len, const uint8_t* encryption_private_key,
                                size_t encryption_private_key_len, conclave_key_package** out);
/** Releases the handle; its private keys are wiped. */
CONCLAVE_API void conclave_key_package_free(conclave_key_package* key_package);
/** The public KeyPackage as an MLSMessage, what is published (owned by the handle). */
CONCLAVE_API const uint8_t* conclave_key_package_message(const conclave_key_package* key_package,
                                                         size_t* len);
/** §5.2: its KeyPackageRef (owned by the handle). */
CONCLAVE_API const uint8_t* conclave_key_package_ref(const conclave_key_package* key_package,
                                                     size_t* len);

/** The KeyPackageStore kept in `store` (KeyPackageStore::open). */
CONCLAVE_API conclave_status conclave_key_package_store_open(const conclave_provider* provider,
                                                             conclave_store* store,
                                                             conclave_key_package_store** out);
/** Releases the handle (the stored bundles stay in the store). */
CONCLAVE_API void conclave_key_package_store_free(conclave_key_package_store* kp_store);
/** Adds a bundle, written through to the store (KeyPackageStore::add). */
CONCLAVE_API conclave_status conclave_key_package_store_add(conclave_key_package_store* kp_store,
                                                            const conclave_key_package* bundle);
/** The number of bundles held. */
CONCLAVE_API size_t conclave_key_package_store_count(const conclave_key_package_store* kp_store);
/** @} */

/* ---------------------------------------------------------------------------------------- */
/** @name Group options (GroupConfig and GroupPolicy) */
/** @{ */
/**
 * The application's Authentication Service (§5.3.1): returns non-zero when the credential is
 * acceptable for a member holding `signature_key`. `credential` is a basic credential's
 * identity (`credential_type` 1) or the encoded Credential of another type. Called on the
 * thread of the group call that checks the credential; it must not call the C API on that group.
 */
typedef int (*conclave_credential_validator)(void* user_data, uint16_t credential_type,
                                             const uint8_t* credential, size_t credential_len,
                                             const uint8_t* signature_key,
                                             size_t signature_key_len);

/** Defaults: GroupConfig{} and a GroupPolicy without a credential validator (set one). */
CONCLAVE_API conclave_status conclave_group_options_new(conclave_group_options** out);
/** Releases the handle. */
CONCLAVE_API void conclave_group_options_free(conclave_group_options* options);
/** Sets the credential validator; `user_data` is passed to it and must outlive the groups. */
CONCLAVE_API void conclave_group_options_set_credential_validator(
    conclave_group_options* options, conclave_credential_validator validator, void* user_data);
/** Accepts every credential (insecure_accept_any_credential()): for demos and tests only. */
CONCLAVE_API void conclave_group_options_accept_any_credential(conclave_group_options* options);
/** Handshake messages as PublicMessage (non-zero) or PrivateMessage (0, the default). */
CONCLAVE_API void conclave_group_options_set_public_handshakes(conclave_group_options* options,
                                                               int public_handshakes);
/** §6.3.1: PrivateMessage padding block (default 32; 0 or 1: none). */
CONCLAVE_API void conclave_group_options_set_padding_block(conclave_group_options* options,
                                                           uint32_t padding_block);
/** Past epochs whose application keys are kept (default 2). */
CONCLAVE_API void conclave_group_options_set_past_epochs_kept(conclave_group_options* options,
                                                              uint32_t epochs);
/** §12.4.3.3: the ratchet tree in Welcomes (default non-zero). */
CONCLAVE_API void conclave_group_options_set_ratchet_tree_in_welcome(
    conclave_group_options* options, int in_welcome);
/** §7.3: check KeyPackage lifetimes (default non-zero). */
CONCLAVE_API void conclave_group_options_set_check_lifetimes(conclave_group_options* options,
                                                             int check);
/** §12.4: allow protect() while received proposals wait for a commit (default 0). */
CONCLAVE_API void conclave_group_options_set_allow_application_with_pending_proposals(
    conclave_group_options* options, int allow);
/** Worker threads a call may start (0: none; the default: one per core). */
CONCLAVE_API void conclave_group_options_set_worker_threads(conclave_group_options* options,
                                                            unsigned threads);
/** §8.4: an external PSK the groups can use, by id. */
CONCLAVE_API conclave_status
conclave_group_options_add_external_psk(conclave_group_options* options, const uint8_t* psk_id,
                                        size_t psk_id_len, const uint8_t* psk, size_t psk_len);
/** @} */

/* ---------------------------------------------------------------------------------------- */
/** @name Groups: create, join, persist */
/** @{ */
/** §11: a one-member group at epoch 0; an empty `group_id` becomes random. `options` NULL:
 * defaults, which have no credential validator (CONCLAVE_ERR_CREDENTIAL_VALIDATOR_MISSING). */
CONCLAVE_API conclave_status conclave_group_create(const conclave_provider* provider,
                                                   const conclave_identity* identity,
                                                   const uint8_t* group_id, size_t group_id_len,
                                                   const conclave_group_options* options,
                                                   conclave_group** out);
/**
 * §12.4.3.1: joins with the Welcome (an MLSMessage) addressed to `key_package`. `ratchet_tree`
 * (the encoded tree, as conclave_commit_output_ratchet_tree() gives it) is needed when the
 * Welcome carries none; NULL otherwise.
 */
CONCLAVE_API conclave_status
conclave_group_join(const conclave_provider* provider, const conclave_identity* identity,
                    const conclave_key_package* key_package, const uint8_t* welcome,
                    size_t welcome_len, const uint8_t* ratchet_tree, size_t ratchet_tree_len,
                    const conclave_group_options* options, conclave_group** out);
/** conclave_group_join() with the bundle of `kp_store` the Welcome is addressed to, which the
 * join then deletes from the store (unless it is last-resort). */
CONCLAVE_API conclave_status conclave_group_join_from_store(
    const conclave_provider* provider, const conclave_identity* identity,
    conclave_key_package_store* kp_store, const uint8_t* welcome, size_t welcome_len,
    const uint8_t* ratchet_tree, size_t ratchet_tree_len, const conclave_group_options* options,
    conclave_group** out);
/**
 * §12.4.3.2: joins by external commit from a GroupInfo (an MLSMessage with external_pub).
 * Returns the group in the commit's epoch and the commit (an MLSMessage) for the Delivery
 * Service; free the group if the service refuses the commit.
 */
CONCLAVE_API conclave_status conclave_group_join_external(
    const conclave_provider* provider, const conclave_identity* identity, const uint8_t* group_info,
    size_t group_info_len, const uint8_t* ratchet_tree, size_t ratchet_tree_len,
    const conclave_group_options* options, conclave_group** out_group, uint8_t** out_commit,
    size_t* out_commit_len);
/**
 * §12.4.3.1 up to the GroupInfo, without joining: decrypts the Welcome (an MLSMessage) with the
 * init private key of `key_package` (an MLSMessage holding a KeyPackage), checks the GroupInfo's
 * signature by `signer_key` (NULL: not checked; the signer's key is in the ratchet tree) and its
 * confirmation tag, and returns the group id and epoch it invites to. For a Welcome without PSKs
 * (CONCLAVE_ERR_UNSUPPORTED_FEATURE otherwise).
 */
CONCLAVE_API conclave_status conclave_welcome_inspect(
    const conclave_provider* provider, const uint8_t* key_package, size_t key_package_len,
    const uint8_t* init_private_key, size_t init_private_key_len, const uint8_t* welcome,
    size_t welcome_len, const uint8_t* signer_key, size_t signer_key_len, uint8_t** out_group_id,
    size_t* out_group_id_len, uint64_t* out_epoch);
/** Releases the handle; the group's secrets are wiped (a stored group stays in its store). */
CONCLAVE_API void conclave_group_free(conclave_group* group);
/** Writes the whole state to `store` and keeps it attached: every later change is written
 * before the call returns (Group::attach_storage). */
CONCLAVE_API conclave_status conclave_group_attach_storage(conclave_group* group,
                                                           conclave_store* store);
/** The group `group_id` as stored, attached to `store` (Group::load). */
CONCLAVE_API conclave_status conclave_group_load(const conclave_provider* provider,
                                                 conclave_store* store, const uint8_t* group_id,
                                                 size_t group_id_len,
                                                 const conclave_group_options* options,
                                                 conclave_group** out);
/** The versioned binary state (Group::serialize); holds private keys. */
CONCLAVE_API conclave_status conclave_group_serialize(const conclave_group* group, uint8_t** out,
                                                      size_t* out_len);
/** The group conclave_group_serialize() wrote (Group::deserialize). */
CONCLAVE_API conclave_status conclave_group_deserialize(const conclave_provider* provider,
                                                        const uint8_t* state, size_t state_len,
                                                        const conclave_group_options* options,
                                                        conclave_group** out);
/** @} */

/* ---------------------------------------------------------------------------------------- */
/** @name Groups: state */
/** @{ */
/** The current epoch. */
CONCLAVE_API uint64_t conclave_group_epoch(const conclave_group* group);
/** The group's cipher suite. */
CONCLAVE_API uint16_t conclave_group_cipher_suite(const conclave_group* group);
/** This member's leaf index. */
CONCLAVE_API uint32_t conclave_group_own_leaf(const conclave_group* group);
/** 1 while this member is in the group, 0 once it was removed. */
CONCLAVE_API int conclave_group_active(const conclave_group* group);
/** The group id. */
CONCLAVE_API conclave_status conclave_group_id(const conclave_group* group, uint8_t** out,
                                               size_t* out_len);
/** §8.7: the epoch authenticator (a secret). */
CONCLAVE_API conclave_status conclave_group_epoch_authenticator(const conclave_group* group,
                                                                uint8_t** out, size_t* out_len);
/** §8.5: MLS-Exporter(label, context, length) (a secret). */
CONCLAVE_API conclave_status conclave_group_export_secret(const conclave_group* group,
                                                          const char* label, const uint8_t* context,
                                                          size_t context_len, size_t length,
                                                          uint8_t** out, size_t* out_len);
/** §12.4.3: a signed GroupInfo (an MLSMessage) of the current epoch, with the ratchet tree
 * when `with_ratchet_tree` is non-zero. */
CONCLAVE_API conclave_status conclave_group_group_info(const conclave_group* group,
                                                       int with_ratchet_tree, uint8_t** out,
                                                       size_t* out_len);
/** The members, in leaf order. */
CONCLAVE_API conclave_status conclave_group_members(const conclave_group* group,
                                                    conclave_members** out);
/** The number of proposals received this epoch and not committed yet. */
CONCLAVE_API size_t conclave_group_pending_proposal_count(const conclave_group* group);
/** @} */

/* ---------------------------------------------------------------------------------------- */
/** @name Groups: proposals, commits, messages */
/** @{ */
/** §12.1.1: proposes adding the client of `key_package` (an MLSMessage holding a KeyPackage);
 * the proposal (an MLSMessage) is for every member. */
CONCLAVE_API conclave_status conclave_group_propose_add(conclave_group* group,
                                                        const uint8_t* key_package,
                                                        size_t key_package_len, uint8_t** out,
                                                        size_t* out_len);
/** §12.1.3: proposes removing the member at `leaf` (its own leaf: a request to leave). */
CONCLAVE_API conclave_status conclave_group_propose_remove(conclave_group* group, uint32_t leaf,
                                                           uint8_t** out, size_t* out_len);
/** §12.1.2: proposes a fresh leaf encryption key for this member. */
CONCLAVE_API conclave_status conclave_group_propose_update(conclave_group* group, uint8_t** out,
                                                           size_t* out_len);

/** Defaults: the received proposals included, nothing more. */
CONCLAVE_API conclave_status conclave_commit_options_new(conclave_commit_options** out);
/** Releases the handle. */
CONCLAVE_API void conclave_commit_options_free(conclave_commit_options* options);
/** §12.1.1: adds the client of `key_package` (an MLSMessage holding a KeyPackage). */
CONCLAVE_API conclave_status conclave_commit_options_add(conclave_commit_options* options,
                                                         const uint8_t* key_package,
                                                         size_t key_package_len);
/** §12.1.3: removes the member at `leaf`. */
CONCLAVE_API conclave_status conclave_commit_options_remove(conclave_commit_options* options,
                                                            uint32_t leaf);
/** Includes the proposals received this epoch (non-zero, the default) or not. */
CONCLAVE_API void conclave_commit_options_set_include_pending_proposals(
    conclave_commit_options* options, int include);
/** Forces an UpdatePath (non-zero). */
CONCLAVE_API void conclave_commit_options_set_force_path(conclave_commit_options* options,
                                                         int force);
/** The ratchet tree in this commit's Welcome: 1 yes, 0 no, -1 as the group's configuration. */
CONCLAVE_API void conclave_commit_options_set_ratchet_tree_in_welcome(
    conclave_commit_options* options, int in_welcome);
/** Authenticated, unencrypted data sent with the commit. */
CONCLAVE_API conclave_status conclave_commit_options_set_authenticated_data(
    conclave_commit_options* options, const uint8_t* data, size_t len);

/**
 * §12.4: a commit of the received proposals and those of `options` (NULL: defaults). It becomes
 * the pending commit: send it, then conclave_group_merge_pending_commit() once the Delivery
 * Service accepted it, or conclave_group_discard_pending_commit().
 */
CONCLAVE_API conclave_status conclave_group_commit(conclave_group* group,
                                                   const conclave_commit_options* options,
                                                   conclave_commit_output** out);
/** 1 between conclave_group_commit() and its merge or discard, else 0. */
CONCLAVE_API int conclave_group_has_pending_commit(const conclave_group* group);
/** The pending commit as the members will stage it; *out NULL when none is pending. */
CONCLAVE_API conclave_status conclave_group_pending_commit(const conclave_group* group,
                                                           conclave_staged_commit** out);
/** Moves the group to the pending commit's epoch. */
CONCLAVE_API conclave_status conclave_group_merge_pending_commit(conclave_group* group);
/** Drops the pending commit; the group stays in its epoch. */
CONCLAVE_API conclave_status conclave_group_discard_pending_commit(conclave_group* group);
/** Releases the handle. */
CONCLAVE_API void conclave_commit_output_free(conclave_commit_output* output);
/** The commit (an MLSMessage) for every member (owned by the output). */
CONCLAVE_API const uint8_t* conclave_commit_output_commit(const conclave_commit_output* output,
                                                          size_t* len);
/** The Welcome (an MLSMessage) for the added members; NULL when the commit adds nobody. */
CONCLAVE_API const uint8_t* conclave_commit_output_welcome(const conclave_commit_output* output,
                                                           size_t* len);
/** The new epoch's ratchet tree, when the Welcome leaves it out; else NULL. */
CONCLAVE_API const uint8_t* conclave_commit_output_ratchet_tree(
    const conclave_commit_output* output, size_t* len);
/** The new epoch's GroupInfo (an MLSMessage); NULL for a ReInit commit. */
CONCLAVE_API const uint8_t* conclave_commit_output_group_info(const conclave_commit_output* output,
                                                              size_t* len);

/** §6.3: encrypts application data as a PrivateMessage (an MLSMessage). */
CONCLAVE_API conclave_status conclave_group_protect(conclave_group* group, const uint8_t* data,
                                                    size_t data_len, const uint8_t* aad,
                                                    size_t aad_len, uint8_t** out, size_t* out_len);
/**
 * Verifies a message (an MLSMessage) in full and returns what it carries: application data,
 * a proposal (kept for the epoch's commit) or a staged commit, which changes nothing until
 * conclave_group_merge(). A rejected message leaves the group as it was.
 */
CONCLAVE_API conclave_status conclave_group_process(conclave_group* group, const uint8_t* message,
                                                    size_t message_len, conclave_processed** out);
/** Applies a staged commit of the current epoch that this group staged. */
CONCLAVE_API conclave_status conclave_group_merge(conclave_group* group,
                                                  const conclave_staged_commit* staged);

/** What a processed message carried. */
typedef enum conclave_processed_kind {
  CONCLAVE_PROCESSED_APPLICATION = 1, /**< application data */
  CONCLAVE_PROCESSED_PROPOSAL = 2,    /**< a proposal, kept for the epoch's commit */
  CONCLAVE_PROCESSED_COMMIT = 3       /**< a staged commit */
} conclave_processed_kind;
/** Releases the handle (and the staged commit it holds). */
CONCLAVE_API void conclave_processed_free(conclave_processed* processed);
/** What the message carried. */
CONCLAVE_API conclave_processed_kind
conclave_processed_kind_of(const conclave_processed* processed);
/** Application data: the sender's leaf; a proposal: the proposing member's leaf (or
 * UINT32_MAX for a sender outside the group); a commit: the committer's leaf. */
CONCLAVE_API uint32_t conclave_processed_sender(const conclave_processed* processed);
/** Application data: the epoch it was sent in; otherwise the group's epoch. */
CONCLAVE_API uint64_t conclave_processed_epoch(const conclave_processed* processed);
/** Application data: the bytes (owned by the handle); else NULL. */
CONCLAVE_API const uint8_t* conclave_processed_data(const conclave_processed* processed,
                                                    size_t* len);
/** Application data: its authenticated data (owned by the handle); else NULL. */
CONCLAVE_API const uint8_t* conclave_processed_authenticated_data(
    const conclave_processed* processed, size_t* len);
/** A proposal: its ProposalRef (owned by the handle); else NULL. */
CONCLAVE_API const uint8_t* conclave_processed_proposal_ref(const conclave_processed* processed,
                                                            size_t* len);
/** A commit: the staged commit (owned by the handle); else NULL. */
CONCLAVE_API const conclave_staged_commit* conclave_processed_staged_commit(
    const conclave_processed* processed);

/** Releases a staged commit from conclave_group_pending_commit(). */
CONCLAVE_API void conclave_staged_commit_free(conclave_staged_commit* staged);
/** The committer's leaf (for an external commit: the leaf the new member took). */
CONCLAVE_API uint32_t conclave_staged_commit_committer(const conclave_staged_commit* staged);
/** The epoch it starts. */
CONCLAVE_API uint64_t conclave_staged_commit_new_epoch(const conclave_staged_commit* staged);
/** The number of members it adds. */
CONCLAVE_API size_t conclave_staged_commit_added_count(const conclave_staged_commit* staged);
/** Added member `index`: its leaf; its basic identity in *identity (owned by the handle). */
CONCLAVE_API uint32_t conclave_staged_commit_added(const conclave_staged_commit* staged,
                                                   size_t index, const uint8_t** identity,
                                                   size_t* identity_len);
/** The number of members it removes. */
CONCLAVE_API size_t conclave_staged_commit_removed_count(const conclave_staged_commit* staged);
/** Removed member `index`: its leaf; its basic identity in *identity (owned by the handle). */
CONCLAVE_API uint32_t conclave_staged_commit_removed(const conclave_staged_commit* staged,
                                                     size_t index, const uint8_t** identity,
                                                     size_t* identity_len);
/** The number of Update proposals it covers. */
CONCLAVE_API size_t conclave_staged_commit_updated_count(const conclave_staged_commit* staged);
/** 1 when it carries an UpdatePath. */
CONCLAVE_API int conclave_staged_commit_has_path(const conclave_staged_commit* staged);
/** 1 for an external commit (§12.4.3.2). */
CONCLAVE_API int conclave_staged_commit_external(const conclave_staged_commit* staged);
/** 1 when it removes the receiving member. */
CONCLAVE_API int conclave_staged_commit_removes_me(const conclave_staged_commit* staged);
/** 1 when it carries a ReInit (§11.2): merging it ends the group. */
CONCLAVE_API int conclave_staged_commit_reinit(const conclave_staged_commit* staged);
/** §8.7: the new epoch's authenticator (a secret; empty when it removes this member). */
CONCLAVE_API conclave_status conclave_staged_commit_epoch_authenticator(
    const conclave_staged_commit* staged, uint8_t** out, size_t* out_len);
/** @} */

/* ---------------------------------------------------------------------------------------- */
/** @name Members */
/** @{ */
/** The number of members. */
CONCLAVE_API size_t conclave_members_count(const conclave_members* members);
/** Member `index`'s leaf. */
CONCLAVE_API uint32_t conclave_members_leaf(const conclave_members* members, size_t index);
/** Member `index`'s user: a basic credential's identity ("" for other types). */
CONCLAVE_API const char* conclave_members_user(const conclave_members* members, size_t index);
/** Member `index`'s device name (a client's device extension; "" when it has none). */
CONCLAVE_API const char* conclave_members_device(const conclave_members* members, size_t index);
/** Member `index`'s signature public key (owned by the snapshot). */
CONCLAVE_API const uint8_t* conclave_members_signature_key(const conclave_members* members,
                                                           size_t index, size_t* len);
/** 1 for the member that took the snapshot. */
CONCLAVE_API int conclave_members_is_self(const conclave_members* members, size_t index);
/** Releases the snapshot. */
CONCLAVE_API void conclave_members_free(conclave_members* members);
/** @} */

/* ---------------------------------------------------------------------------------------- */
/** @name Delivery Service transports */
/** @{ */
/** A Delivery Service in this process (LocalDeliveryService::create). */
CONCLAVE_API conclave_status conclave_delivery_service_new(conclave_delivery_service** out);
/** Releases the handle (the service lives on while its transports do). */
CONCLAVE_API void conclave_delivery_service_free(conclave_delivery_service* service);
/** A transport to the in-process service for one client (LocalDeliveryService::connect). */
CONCLAVE_API conclave_status conclave_delivery_service_connect(conclave_delivery_service* service,
                                                               conclave_transport** out);
/** The group's epoch at the in-process service. */
CONCLAVE_API conclave_status
conclave_delivery_service_epoch(const conclave_delivery_service* service, const uint8_t* group_id,
                                size_t group_id_len, uint64_t* out);
/**
 * The gRPC transport to the conclave-ds at `address` ("127.0.0.1:7000"), each call with a
 * deadline of `timeout_ms` (0: 10 s) (make_grpc_transport). CONCLAVE_ERR_UNSUPPORTED_FEATURE
 * when this library was built without it.
 */
CONCLAVE_API conclave_status conclave_transport_new_grpc(const char* address, uint32_t timeout_ms,
                                                         conclave_transport** out);
/** Releases the handle (a client keeps its own reference). */
CONCLAVE_API void conclave_transport_free(conclave_transport* transport);
/** @} */

/* ---------------------------------------------------------------------------------------- */
/** @name Clients */
/** @{ */
/** Defaults of ClientOptions, with the credential validator of `group_options` to set. */
CONCLAVE_API conclave_status conclave_client_options_new(conclave_client_options** out);
/** Releases the handle. */
CONCLAVE_API void conclave_client_options_free(conclave_client_options* options);
/** The user name; required the first time a store is opened. */
CONCLAVE_API conclave_status conclave_client_options_set_user(conclave_client_options* options,
                                                              const char* user);
/** This device's name (default "main"). */
CONCLAVE_API conclave_status conclave_client_options_set_device(conclave_client_options* options,
                                                                const char* device);
/** The cipher suite of a new identity (default 1). */
CONCLAVE_API void conclave_client_options_set_cipher_suite(conclave_client_options* options,
                                                           uint16_t suite);
/** An identity to adopt when the store holds none. */
CONCLAVE_API void conclave_client_options_set_identity(conclave_client_options* options,
                                                       const conclave_identity* identity);
/** The policy and configuration of every group (a copy of `group_options`). */
CONCLAVE_API void conclave_client_options_set_group_options(
    conclave_client_options* options, const conclave_group_options* group_options);
/** One-time KeyPackages kept published (default 8). */
CONCLAVE_API void conclave_client_options_set_key_package_stock(conclave_client_options* options,
                                                                uint32_t stock);
/** Groups this client creates allow external joins (default 0). */
CONCLAVE_API void conclave_client_options_set_allow_external_join(conclave_client_options* options,
                                                                  int allow);
/** sync() commits a key update where this member's last one is older (0: never, the default). */
CONCLAVE_API void conclave_client_options_set_update_interval(conclave_client_options* options,
                                                              uint64_t seconds);
/** sync() commits received proposals (non-zero, the default). */
CONCLAVE_API void conclave_client_options_set_commit_received_proposals(
    conclave_client_options* options, int commit);

/** Opens the client kept in `store`, creating its identity the first time (Client::open). */
CONCLAVE_API conclave_status conclave_client_open(const conclave_provider* provider,
                                                  conclave_store* store,
                                                  conclave_transport* transport,
                                                  const conclave_client_options* options,
                                                  conclave_client** out);
/** Releases the client; everything it did is in its store already. */
CONCLAVE_API void conclave_client_free(conclave_client* client);
/** This device's user name (owned by the client). */
CONCLAVE_API const char* conclave_client_user(const conclave_client* client);
/** This device's name (owned by the client). */
CONCLAVE_API const char* conclave_client_device(const conclave_client* client);
/** A copy of this device's identity. */
CONCLAVE_API conclave_status conclave_client_identity(const conclave_client* client,
                                                      conclave_identity** out);
/** RFC 9750 §6: registers this device and publishes its KeyPackages. */
CONCLAVE_API conclave_status conclave_client_register(conclave_client* client);
/** Publishes KeyPackages when the stock runs low; *published (may be NULL) says how many. */
CONCLAVE_API conclave_status conclave_client_replenish_key_packages(conclave_client* client,
                                                                    size_t* published);
/** §11: creates a group (an empty id: a random one) and registers it with the service. */
CONCLAVE_API conclave_status conclave_client_create_group(conclave_client* client,
                                                          const uint8_t* group_id,
                                                          size_t group_id_len, uint8_t** out_id,
                                                          size_t* out_id_len);
/** Adds every device of `users` in one commit; *added and *skipped (may be NULL) count devices. */
CONCLAVE_API conclave_status conclave_client_invite(conclave_client* client,
                                                    const uint8_t* group_id, size_t group_id_len,
                                                    const char* const* users, size_t user_count,
                                                    size_t* added, size_t* skipped);
/** Removes every device of `users` in one commit. */
CONCLAVE_API conclave_status conclave_client_remove(conclave_client* client,
                                                    const uint8_t* group_id, size_t group_id_len,
                                                    const char* const* users, size_t user_count);
/** Asks to leave (a proposal another member commits). */
CONCLAVE_API conclave_status conclave_client_leave(conclave_client* client, const uint8_t* group_id,
                                                   size_t group_id_len);
/** §12.4: commits new keys for this member. */
CONCLAVE_API conclave_status conclave_client_update(conclave_client* client,
                                                    const uint8_t* group_id, size_t group_id_len);
/** Encrypts and sends an application message. */
CONCLAVE_API conclave_status conclave_client_send(conclave_client* client, const uint8_t* group_id,
                                                  size_t group_id_len, const uint8_t* data,
                                                  size_t data_len);
/** Handles this device's queue; the counts (each may be NULL) as SyncResult. */
CONCLAVE_API conclave_status conclave_client_sync(conclave_client* client, size_t* entries,
                                                  size_t* messages, size_t* commits);
/** Blocks until new entries may wait, `timeout_ms` passes or conclave_client_interrupt(). */
CONCLAVE_API conclave_status conclave_client_wait(conclave_client* client, uint32_t timeout_ms);
/** Ends a conclave_client_wait() in progress on another thread. */
CONCLAVE_API conclave_status conclave_client_interrupt(conclave_client* client);
/** §12.4.3.2: joins a group by external commit from the service's GroupInfo. */
CONCLAVE_API conclave_status conclave_client_join_external(conclave_client* client,
                                                           const uint8_t* group_id,
                                                           size_t group_id_len);
/** The groups this client is a member of, ascending. */
CONCLAVE_API conclave_status conclave_client_groups(const conclave_client* client,
                                                    conclave_bytes_list** out);
/** 1 when the client holds the group. */
CONCLAVE_API int conclave_client_has_group(const conclave_client* client, const uint8_t* group_id,
                                           size_t group_id_len);
/** The group's members in leaf order, with user and device names. */
CONCLAVE_API conclave_status conclave_client_members(const conclave_client* client,
                                                     const uint8_t* group_id, size_t group_id_len,
                                                     conclave_members** out);
/** The group's current epoch. */
CONCLAVE_API conclave_status conclave_client_epoch(const conclave_client* client,
                                                   const uint8_t* group_id, size_t group_id_len,
                                                   uint64_t* out);
/** §8.7: the group's epoch authenticator (a secret). */
CONCLAVE_API conclave_status conclave_client_epoch_authenticator(const conclave_client* client,
                                                                 const uint8_t* group_id,
                                                                 size_t group_id_len, uint8_t** out,
                                                                 size_t* out_len);
/** §8.5: MLS-Exporter of the group's current epoch (a secret). */
CONCLAVE_API conclave_status conclave_client_export_secret(
    const conclave_client* client, const uint8_t* group_id, size_t group_id_len, const char* label,
    const uint8_t* context, size_t context_len, size_t length, uint8_t** out, size_t* out_len);
/** A copy of the group's state, detached from the store: for what the client does not cover.
 * Changing the copy changes neither the client's group nor its store. */
CONCLAVE_API conclave_status conclave_client_group(const conclave_client* client,
                                                   const uint8_t* group_id, size_t group_id_len,
                                                   conclave_group** out);

/** What an event reports (EventKind). */
typedef enum conclave_event_kind {
  CONCLAVE_EVENT_MESSAGE_RECEIVED = 1,   /**< an application message: sender and data */
  CONCLAVE_EVENT_MEMBER_ADDED = 2,       /**< a device joined the group */
  CONCLAVE_EVENT_MEMBER_REMOVED = 3,     /**< a device left or was removed */
  CONCLAVE_EVENT_GROUP_JOINED = 4,       /**< this client joined a group */
  CONCLAVE_EVENT_REMOVED_FROM_GROUP = 5, /**< this client is no longer a member */
  CONCLAVE_EVENT_EPOCH_CHANGED = 6,      /**< the group moved to a new epoch */
  CONCLAVE_EVENT_MESSAGE_REJECTED = 7,   /**< a message that failed verification */
  CONCLAVE_EVENT_COMMIT_VETOED = 8       /**< the commit filter refused a commit */
} conclave_event_kind;
/** The oldest event not taken yet, in the order they happened; *out NULL when none waits. The
 * client queues every event of its calls until taken. */
CONCLAVE_API conclave_status conclave_client_next_event(conclave_client* client,
                                                        conclave_event** out);
/** Releases the event. */
CONCLAVE_API void conclave_event_free(conclave_event* event);
/** What happened. */
CONCLAVE_API conclave_event_kind conclave_event_kind_of(const conclave_event* event);
/** The group it happened in (owned by the event). */
CONCLAVE_API const uint8_t* conclave_event_group_id(const conclave_event* event, size_t* len);
/** The group's epoch after it. */
CONCLAVE_API uint64_t conclave_event_epoch(const conclave_event* event);
/** The sender, or the device added or removed: user (owned by the event; "" when none). */
CONCLAVE_API const char* conclave_event_member_user(const conclave_event* event);
/** The sender, or the device added or removed: device (owned by the event; "" when none). */
CONCLAVE_API const char* conclave_event_member_device(const conclave_event* event);
/** The device whose commit or Welcome made the change: user ("" when none). */
CONCLAVE_API const char* conclave_event_by_user(const conclave_event* event);
/** The device whose commit or Welcome made the change: device ("" when none). */
CONCLAVE_API const char* conclave_event_by_device(const conclave_event* event);
/** A received message's data (owned by the event); NULL for other kinds. */
CONCLAVE_API const uint8_t* conclave_event_data(const conclave_event* event, size_t* len);
/** A rejected message: why (a status); CONCLAVE_OK for other kinds. */
CONCLAVE_API conclave_status conclave_event_error(const conclave_event* event);
/** A rejected message or vetoed commit: the reason in words ("" otherwise). */
CONCLAVE_API const char* conclave_event_detail(const conclave_event* event);
/** @} */

#ifdef __cplusplus
}
#endif

#endif /* CONCLAVE_CONCLAVE_H */
