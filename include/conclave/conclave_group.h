/**
 * @file
 * The C API (conclave.h), part 2: the crypto provider, stores, identities, KeyPackages, group
 * options and groups (the Group API): create, join, propose, commit, process, merge, protect,
 * export, persist.
 */
#ifndef CONCLAVE_CONCLAVE_GROUP_H
#define CONCLAVE_CONCLAVE_GROUP_H

#include "conclave/conclave_base.h"

#ifdef __cplusplus
extern "C" {
#endif

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

#ifdef __cplusplus
}
#endif

#endif /* CONCLAVE_CONCLAVE_GROUP_H */
