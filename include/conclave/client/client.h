/// @file
/// Client: one device of one user, the level an application builds on. It owns the device's
/// identity, its KeyPackages and its store, talks to the Delivery Service through a Transport,
/// and turns tasks ("invite bob") into the MLS steps behind them: KeyPackage fetch, commit,
/// ordering by the Delivery Service, merge and Welcome, including another try when another
/// member's commit took the epoch first (RFC 9750 §5.2).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "conclave/base/bytes.h"
#include "conclave/client/transport.h"
#include "conclave/crypto/provider.h"
#include "conclave/group/config.h"
#include "conclave/group/group.h"
#include "conclave/group/identity.h"
#include "conclave/group/staged_commit.h"
#include "conclave/storage/storage_provider.h"
#include "conclave/wire/credential.h"

namespace conclave {

/// The leaf extension (private-use range, RFC 9420 §17.3) in which a Client names its device:
/// `opaque device<V>`, the Delivery Service's device name. Members use it to name the devices
/// a commit adds or removes.
inline constexpr uint16_t kDeviceNameExtensionType = 0xF0D1;

/// How a Client behaves. `user` is needed the first time a store is opened; later it must
/// match the stored one (or be empty).
struct ClientOptions {
  std::string user;             ///< The user name (a basic credential's identity).
  std::string device = "main";  ///< This device's name, unique among the user's devices.
  uint16_t cipher_suite = 1;    ///< RFC 9420 §17.1; used when the identity is created.
  /// The credential of a new identity; unset: basic_credential(user).
  std::optional<wire::Credential> credential;
  /// An identity to adopt when the store holds none (one kept from a lost store, say).
  std::optional<Identity> identity;
  /// The user a member's credential names. Unset: a basic credential's identity (and no user
  /// for other credential types); an application with X.509 credentials returns the name its
  /// Authentication Service binds to the certificate (e.g. the subject's commonName, as
  /// conclave-ds does).
  std::function<std::string(const wire::Credential&)> user_of;
  /// Applied to every group; its credential_validator is required (RFC 9420 §5.3.1; for demos
  /// only: insecure_accept_any_credential()).
  GroupPolicy policy;
  /// For the groups this client creates or joins.
  GroupConfig group_config;
  /// One-time KeyPackages the client keeps published; it publishes more when fewer than half
  /// remain unused.
  uint32_t key_package_stock = 8;
  /// Also publish one last-resort KeyPackage (RFC 9420 §16.8) for when the stock runs out.
  bool last_resort_key_package = true;
  /// sync() commits an update of this member's keys (RFC 9420 §12.1.2, §16.6) in every group
  /// where its last one is older than this many seconds; 0: only on request.
  uint64_t update_interval_seconds = 0;
  /// How often a commit is made again after losing the epoch race before giving up
  /// (kRetriesExhausted).
  unsigned commit_attempts = 8;
  /// Groups this client creates let outsiders fetch their GroupInfo and join by external
  /// commit (RFC 9420 §12.4.3.2); fixed at creation. Rejoining after a lost store needs it.
  bool allow_external_join = false;
  /// Commit the proposals received in a group (a member's request to leave, say) at the end of
  /// sync(), so they take effect without waiting for the next commit (RFC 9420 §12.4).
  bool commit_received_proposals = true;
};

/// What an Event reports.
enum class EventKind : uint8_t {
  kMessageReceived = 1,  ///< An application message: sender and data.
  kMemberAdded,          ///< A device joined the group: member.
  kMemberRemoved,        ///< A device left or was removed: member.
  kGroupJoined,          ///< This client joined a group (Welcome or external commit).
  kRemovedFromGroup,     ///< This client is no longer a member of the group.
  kEpochChanged,         ///< The group moved to a new epoch.
  kMessageRejected,      ///< A message that failed verification: error and detail.
  kCommitVetoed,         ///< The commit filter refused a commit: the group stops here.
};

/// Something that happened in a group, for the application.
struct Event {
  /// What happened.
  EventKind kind = EventKind::kMessageReceived;
  Bytes group_id;      ///< The group it happened in.
  uint64_t epoch = 0;  ///< The group's epoch after it.
  DeviceRef member;    ///< The sender, or the device added or removed.
  /// kMemberAdded, kMemberRemoved, kEpochChanged, kGroupJoined: the device whose commit (or
  /// Welcome) made the change; this client's own device for its own commits.
  DeviceRef by;
  Bytes data;                              ///< kMessageReceived: the application data.
  ErrorCode error = ErrorCode::kInternal;  ///< kMessageRejected: why.
  std::string detail;  ///< kMessageRejected, kCommitVetoed: the reason in words.
};

/// A member of a group as the client shows it.
struct Member {
  tree::LeafIndex leaf;  ///< Its leaf in the ratchet tree.
  DeviceRef device;      ///< The user (credential identity) and device (leaf extension).
  Bytes signature_key;   ///< Its leaf's signature public key.
  bool is_self = false;  ///< This client's own leaf.
};

/// What invite() did.
struct InviteResult {
  std::vector<DeviceRef> added;  ///< The devices the commit added.
  /// Devices of the invited users without a KeyPackage left: not added.
  std::vector<DeviceRef> skipped;
  uint64_t epoch = 0;  ///< The group's epoch after the commit.
};

/// What sync() handled.
struct SyncResult {
  size_t entries = 0;   ///< Queue entries handled.
  size_t messages = 0;  ///< Application messages received.
  size_t commits = 0;   ///< Commits merged (received and own).
};

/// One device of one user. Every state change is written to the store before the call
/// returns (the group's own records, the KeyPackages, the queue cursor, the outbox), so a new
/// process that opens the same store carries on where the last one stopped; a message handed
/// to the Delivery Service is sent again after a crash until it is accepted, once.
///
/// Threads: a Client is used from one thread at a time; wait() and interrupt() may be called
/// from another thread meanwhile.
class Client {
 public:
  /// Opens the client kept in `store`, creating its identity the first time (options.user is
  /// then required). kInvalidArgument when options.user names another user than the stored
  /// one; kCredentialValidatorMissing without options.policy.credential_validator.
  static Client open(std::shared_ptr<const crypto::CryptoProvider> provider,
                     std::shared_ptr<storage::StorageProvider> store,
                     std::shared_ptr<Transport> transport, ClientOptions options);
  /// Takes the client over; the moved-from object must not be used again.
  Client(Client&&) noexcept;
  /// Takes the client over; the moved-from object must not be used again.
  Client& operator=(Client&&) noexcept;
  ~Client();

  /// This device.
  const DeviceRef& device() const;
  /// This device's identity (credential and signature key pair).
  const Identity& identity() const;

  /// Called for every Event, on the thread of the call that caused it, after the change it
  /// reports is stored.
  void on_event(std::function<void(const Event&)> handler);
  /// Called with every received commit before it is merged; returning false refuses it
  /// (EventKind::kCommitVetoed): the group stays at its epoch and can follow the others no more.
  void set_commit_filter(std::function<bool(BytesView group_id, const StagedCommit&)> filter);

  /// RFC 9750 §6: registers this device with the Authentication Service (again is harmless)
  /// and publishes its KeyPackages.
  void register_device();
  /// Publishes KeyPackages when fewer than half of options.key_package_stock remain unused,
  /// and the last-resort one if none is published; returns how many it published.
  size_t replenish_key_packages();

  /// RFC 9420 §11: creates a group with this device as its only member and registers it with
  /// the Delivery Service. An empty group_id becomes a random one. Returns the group id.
  Bytes create_group(BytesView group_id = {});
  /// Adds every device of `users` that has a KeyPackage, in one commit, and sends their
  /// Welcome. kUnknownUser for a user the service does not know; kNoKeyPackage when no device
  /// of any invited user could be added.
  InviteResult invite(BytesView group_id, const std::vector<std::string>& users);
  /// Removes every device of `users` in one commit. kInvalidArgument for this client's own user
  /// (leave() is how a member goes) or a user who is not a member.
  void remove(BytesView group_id, const std::vector<std::string>& users);
  /// Asks to leave: sends a proposal removing this member (a member cannot commit its own
  /// removal, RFC 9420 §12.2), which another member commits. The group is erased from the
  /// store once that commit arrives (EventKind::kRemovedFromGroup).
  void leave(BytesView group_id);
  /// RFC 9420 §12.4: commits new keys for this member (an UpdatePath).
  void update(BytesView group_id);
  /// Encrypts and sends an application message (RFC 9420 §6.3). It is queued in the outbox
  /// first: DeliveryError(kDeliveryUnavailable) means it waits there, behind any earlier ones,
  /// and the next call that reaches the service (sync(), send()) sends them in order. Only
  /// when a commit of this client waits in the outbox is that error thrown before the message
  /// is made (the commit decides its epoch).
  void send(BytesView group_id, BytesView data);
  /// Fetches this device's queue and handles it in order: joins from Welcomes, processes and
  /// merges commits, delivers messages; acknowledges what was handled; then commits received
  /// proposals and due key updates (options).
  SyncResult sync();
  /// Blocks until the Delivery Service may hold new entries for this device (a push where the
  /// transport has one), `timeout` passes or interrupt() is called; sync() then handles them.
  /// It may run on another thread while the client is in use: it touches only the transport.
  void wait(std::chrono::milliseconds timeout);
  /// Ends a wait() in progress on another thread.
  void interrupt();

  /// RFC 9420 §12.4.3.2: joins `group_id` by external commit from the GroupInfo the Delivery
  /// Service keeps. When the tree still holds a leaf of this client (its store was lost), the
  /// commit removes it (a resync).
  void join_external(BytesView group_id);

  /// The groups this client is a member of, in ascending id order.
  std::vector<Bytes> groups() const;
  /// Whether the client holds the group.
  bool has_group(BytesView group_id) const;
  /// The group's members in leaf order.
  std::vector<Member> members(BytesView group_id) const;
  /// The group itself, for what the Client does not cover (exporters, GroupInfo...). Do not
  /// change it through this reference.
  const Group& group(BytesView group_id) const;

 private:
  struct State;
  explicit Client(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace conclave
