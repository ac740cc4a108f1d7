/// @file
/// LocalDeliveryService: a Delivery Service inside the application's process, with
/// conclave-ds's ordering rules (RFC 9750 §5): one commit per epoch (the first), every message
/// stored before it is acknowledged and queued to every other member device in one order,
/// Welcomes to the added devices, one KeyPackage per device handed out once (last-resort ones
/// kept), the group's latest GroupInfo for external joins, sends retried with the same client
/// message id delivered once. For tests and single-process applications; it keeps everything
/// in memory and authenticates no one (the transport's bind() names the caller).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "conclave/base/bytes.h"
#include "conclave/client/transport.h"

namespace conclave {

/// A Delivery Service in the application's process (see the file comment above).
class LocalDeliveryService : public std::enable_shared_from_this<LocalDeliveryService> {
 public:
  /// Made only as a shared object: its transports hold it.
  static std::shared_ptr<LocalDeliveryService> create();
  ~LocalDeliveryService();

  /// A transport to this service for one device (named by its bind()).
  std::shared_ptr<Transport> connect();

  /// The group's current epoch at the service (kDeliveryRejected for an unknown group).
  uint64_t epoch(BytesView group_id) const;
  /// The group's member devices, sorted.
  std::vector<DeviceRef> roster(BytesView group_id) const;
  /// While set, every call of every transport throws DeliveryError(kDeliveryUnavailable)
  /// without taking effect: an outage, for tests.
  void set_unavailable(bool unavailable);

 private:
  LocalDeliveryService();
  struct State;
  friend class LocalTransport;
  std::unique_ptr<State> state_;
};

}  // namespace conclave
