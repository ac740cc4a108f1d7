/// @file
/// Transport: how a Client talks to the Delivery Service and Authentication Service (RFC 9750
/// §5, §6). The calls mirror conclave-ds's protocol (tools/ds/ds.proto) in library types: the
/// gRPC transport (grpc_transport.h) speaks it to a conclave-ds process, the in-process one
/// (local_delivery.h) serves tests and single-process applications.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "conclave/base/bytes.h"
#include "conclave/base/error.h"
#include "conclave/group/identity.h"

namespace conclave {

/// A device as the Delivery Service names it: a user and one of the user's devices.
struct DeviceRef {
  std::string user;    ///< The user name (a basic credential's identity).
  std::string device;  ///< The device name, unique per user.
  /// Same user and device.
  friend bool operator==(const DeviceRef&, const DeviceRef&) = default;
  /// Ordered by user, then device.
  friend auto operator<=>(const DeviceRef&, const DeviceRef&) = default;
};

/// The Delivery Service's reason for refusing a request (conclave-ds's ErrorCode); new values
/// are only ever appended.
enum class DeliveryErrorCode : uint16_t {
  kUnspecified = 0,
  kMalformedRequest = 1,         ///< The body or a field does not parse.
  kBadSignature = 2,             ///< Unknown device, or the request signature does not verify.
  kStaleTimestamp = 3,           ///< The request's timestamp is outside the server's window.
  kReplayedNonce = 4,            ///< The request's nonce was used before.
  kNameTaken = 5,                ///< The user or device is registered with another key.
  kCredentialRejected = 6,       ///< The credential type or identity is not acceptable.
  kInvalidKeyPackage = 7,        ///< RFC 9420 §10.1 validation failed.
  kNotYourKeyPackage = 8,        ///< A KeyPackage of another key or credential.
  kUnknownUser = 9,              ///< No such user.
  kUnknownDevice = 10,           ///< A roster change names an unregistered device.
  kGroupExists = 11,             ///< CreateGroup of a group id already taken.
  kUnknownGroup = 12,            ///< No such group.
  kNotAMember = 13,              ///< Only member devices may post to a group.
  kMalformedMessage = 14,        ///< Not an MLSMessage the DS can frame.
  kWrongGroup = 15,              ///< The message's group_id is not the request's.
  kStaleEpoch = 16,              ///< A commit for an epoch already decided: catch up first.
  kFutureEpoch = 17,             ///< An epoch the group has not reached.
  kRosterInvalid = 18,           ///< The roster change does not fit the commit.
  kIdReused = 19,                ///< A client message id reused for different bytes.
  kExternalJoinNotAllowed = 20,  ///< The group does not allow external joins.
  kNoGroupInfo = 21,             ///< No GroupInfo stored for the group yet.
  kInvalidGroupInfo = 22,        ///< Not a GroupInfo of the group's new epoch.
  kMessageTooLarge = 23,         ///< A message over the server's size limit.
  kTooManyKeyPackages = 24,      ///< The device would hold more KeyPackages than allowed.
  kQueueFull = 25,               ///< A recipient's queue is full.
  kRateLimited = 26,             ///< Too many requests per second from the device.
};

/// A short stable name for the code, e.g. "stale-epoch".
std::string_view delivery_error_code_name(DeliveryErrorCode code);

/// A request the Delivery Service refused, or could not be asked. code() is
/// ErrorCode::kDeliveryStaleEpoch for a commit that lost the epoch race, kDeliveryUnavailable
/// when the service could not be reached (worth retrying) and kDeliveryRejected otherwise.
class DeliveryError : public Error {
 public:
  /// `code` as in the class comment; `reason` the service's; `current_epoch` for the epoch
  /// errors (0 otherwise).
  DeliveryError(ErrorCode code, DeliveryErrorCode reason, uint64_t current_epoch,
                const std::string& detail);
  /// The service's reason (kUnspecified when it could not be reached).
  DeliveryErrorCode reason() const noexcept { return reason_; }
  /// For kStaleEpoch and kFutureEpoch: the group's current epoch at the service.
  uint64_t current_epoch() const noexcept { return current_epoch_; }

 private:
  DeliveryErrorCode reason_;
  uint64_t current_epoch_;
};

/// A KeyPackage the Delivery Service handed out for one device of a user.
struct DeviceKeyPackage {
  std::string device;        ///< The device it belongs to.
  Bytes key_package;         ///< An encoded MLSMessage holding the KeyPackage.
  bool last_resort = false;  ///< Reused, not consumed (RFC 9420 §16.8).
};

/// What FetchKeyPackages returns: one KeyPackage per device that has one left.
struct FetchedKeyPackages {
  std::vector<DeviceKeyPackage> key_packages;  ///< In the service's device order.
  std::vector<std::string> exhausted_devices;  ///< Devices of the user with none left.
};

/// One message for the Delivery Service to order and deliver.
struct SendRequest {
  Bytes group_id;  ///< The group the message belongs to.
  Bytes message;   ///< An encoded MLSMessage: PublicMessage or PrivateMessage.
  /// Chosen by the client, 1 to 64 bytes; a retry with the same id is delivered once.
  Bytes client_message_id;
  std::vector<DeviceRef> added;    ///< For a commit: the devices it adds.
  std::vector<DeviceRef> removed;  ///< For a commit: the devices it removes.
  Bytes welcome;                   ///< For a commit that adds: the Welcome (MLSMessage).
  Bytes group_info;                ///< For a commit, optional: the new epoch's GroupInfo.
};

/// The service's answer to a Send.
struct SendResult {
  uint64_t sequence = 0;  ///< The message's position in the service's order.
  uint64_t epoch = 0;     ///< The group's epoch once the message is accepted.
};

/// What a queue entry holds.
enum class QueueEntryKind : uint8_t {
  kMessage = 1,  ///< A group message (PublicMessage or PrivateMessage).
  kWelcome = 2,  ///< A Welcome for this device.
};

/// One entry of this device's queue, in the service's order.
struct QueueEntry {
  uint64_t sequence = 0;  ///< Increasing along the queue.
  /// A group message or a Welcome.
  QueueEntryKind kind = QueueEntryKind::kMessage;
  Bytes group_id;    ///< The group the entry belongs to.
  Bytes message;     ///< An encoded MLSMessage.
  DeviceRef sender;  ///< The device that sent it.
};

/// A group's latest GroupInfo as the service keeps it.
struct StoredGroupInfo {
  Bytes group_info;  ///< An encoded MLSMessage holding a GroupInfo.
  /// The epoch it describes.
  uint64_t epoch = 0;
};

/// The connection of one device to the Delivery Service. Every call either returns the
/// service's answer or throws DeliveryError; a call that throws kDeliveryUnavailable may or may
/// not have taken effect (Send is safe to repeat with the same client_message_id).
///
/// Threads: one Transport serves one Client; calls come from the Client's thread, except
/// wait_for_entries(), which another thread may call while the Client works.
class Transport {
 public:
  virtual ~Transport() = default;

  /// Makes the transport act as `device`, signing with `identity`'s key. Called by the Client
  /// before any other call.
  virtual void bind(const DeviceRef& device, const Identity& identity) = 0;

  /// RFC 9750 §6: registers the bound device's credential and signature key (proof of
  /// possession). Registering the same key again changes nothing.
  virtual void register_device() = 0;
  /// Publishes KeyPackages (each an encoded MLSMessage) of the bound device; returns how many
  /// the service stored.
  virtual uint32_t publish_key_packages(const std::vector<Bytes>& key_packages) = 0;
  /// Takes one KeyPackage of each device of `user` (consumed unless last-resort).
  virtual FetchedKeyPackages fetch_key_packages(const std::string& user) = 0;
  /// Creates the group with the bound device as its only member, at epoch 0.
  virtual uint64_t create_group(BytesView group_id, bool allow_external_join) = 0;
  /// Hands a message over for ordering and delivery; returns once the service stored it.
  virtual SendResult send(const SendRequest& request) = 0;
  /// The device's queue after `after` (and after what was acknowledged), at most `limit`
  /// entries (0: the service's default).
  virtual std::vector<QueueEntry> fetch(uint64_t after, uint32_t limit) = 0;
  /// Drops the device's queue entries up to `cursor`.
  virtual void ack(uint64_t cursor) = 0;
  /// The group's latest GroupInfo (for external joins, RFC 9420 §12.4.3.2).
  virtual StoredGroupInfo fetch_group_info(BytesView group_id) = 0;
  /// Blocks until the queue may hold entries after `after`, or `timeout` passes. A transport
  /// without push may simply sleep; returning early is always allowed.
  virtual void wait_for_entries(uint64_t after, std::chrono::milliseconds timeout) = 0;
  /// Ends a wait_for_entries() in progress on another thread.
  virtual void interrupt_wait() = 0;
};

}  // namespace conclave
