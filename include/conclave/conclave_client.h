/**
 * @file
 * The C API (conclave.h), part 3: transports to the Delivery Service and clients (the Client
 * API): register, create, invite, remove, leave, update, send, sync, events.
 */
#ifndef CONCLAVE_CONCLAVE_CLIENT_H
#define CONCLAVE_CONCLAVE_CLIENT_H

#include "conclave/conclave_base.h"

#ifdef __cplusplus
extern "C" {
#endif

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

/**
 * The application's look at every received commit before it is merged: non-zero merges it, 0
 * refuses it (CONCLAVE_EVENT_COMMIT_VETOED: the group stays at its epoch and can follow the
 * others no more). `staged` is valid during the call only. Called on the thread of
 * conclave_client_sync(); it must not call the C API on this client.
 */
typedef int (*conclave_commit_filter)(void* user_data, const uint8_t* group_id, size_t group_id_len,
                                      const conclave_staged_commit* staged);
/** Sets the commit filter (Client::set_commit_filter); NULL: every valid commit is merged.
 * `user_data` is passed to it and must outlive the client. */
CONCLAVE_API void conclave_client_set_commit_filter(conclave_client* client,
                                                    conclave_commit_filter filter, void* user_data);

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

#endif /* CONCLAVE_CONCLAVE_CLIENT_H */
