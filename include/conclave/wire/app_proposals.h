/// @file
/// The extensions draft's proposals and their payloads (draft-ietf-mls-extensions):
/// AppDataUpdate (§Updating Application Data in the GroupContext), AppEphemeral (§Attaching
/// Application Data to a Commit), SelfRemove (§SelfRemove Proposal), and AppAck (§AppAck), the
/// payload an AppEphemeral of component app_ack carries.
#pragma once

#include <cstdint>
#include <vector>

#include "conclave/base/bytes.h"
#include "conclave/codec/codec.h"
#include "conclave/wire/component.h"

namespace conclave::wire {

/// Draft §AppDataUpdate: enum { invalid(0), update(1), remove(2), (255) } AppDataUpdateOperation.
enum class AppDataUpdateOperation : uint8_t { kUpdate = 1, kRemove = 2 };
/// Decoding accepts update and remove only (invalid(0) and unassigned values are refused).
inline bool tls_enum_known(AppDataUpdateOperation op) {
  return op == AppDataUpdateOperation::kUpdate || op == AppDataUpdateOperation::kRemove;
}

/// Draft §AppDataUpdate: a change of one component's entry in the GroupContext's
/// app_data_dictionary, interpreted by the application registered to the component.
struct AppDataUpdate {
  ComponentId component_id{};                                   ///< the component changed
  AppDataUpdateOperation op = AppDataUpdateOperation::kUpdate;  ///< update or remove
  Bytes update;  ///< op update: the update; op remove: empty (nothing on the wire)

  /// component_id, op, then `opaque update<V>` for update and nothing for remove.
  void tls_encode(codec::Writer& w) const;
  /// Reads the wire encoding; kInvalidEnumValue for an op other than update and remove.
  void tls_decode(codec::Reader& r);
  /// Field by field.
  friend bool operator==(const AppDataUpdate&, const AppDataUpdate&) = default;
};

/// Draft §AppEphemeral: application data bound to one Commit (it changes no MLS state).
struct AppEphemeral {
  ComponentId component_id{};  ///< the component the data is for
  Bytes data;                  ///< the component's own encoding
  CONCLAVE_TLS_FIELDS(component_id, data)
  /// Field by field.
  friend bool operator==(const AppEphemeral&, const AppEphemeral&) = default;
};

/// Draft §SelfRemove: `struct {} SelfRemove;` (zero bytes on the wire). The leaf removed is
/// the proposal's sender.
struct SelfRemove {
  /// Writes nothing.
  void tls_encode(codec::Writer&) const {}
  /// Reads nothing.
  void tls_decode(codec::Reader&) {}
  /// All SelfRemoves are equal.
  friend bool operator==(const SelfRemove&, const SelfRemove&) = default;
};

/// Draft §AppAck: the messages of one sender received with generations first..last inclusive.
struct MessageRange {
  uint32_t sender = 0;            ///< the sender's leaf index
  uint32_t first_generation = 0;  ///< the first generation received
  uint32_t last_generation = 0;   ///< the last one (inclusive)
  CONCLAVE_TLS_FIELDS(sender, first_generation, last_generation)
  /// Field by field.
  friend bool operator==(const MessageRange&, const MessageRange&) = default;
};

/// Draft §AppAck: the application messages the sender received in the current epoch.
struct AppAck {
  std::vector<MessageRange> received_ranges;  ///< the ranges received
  CONCLAVE_TLS_FIELDS(received_ranges)
  /// Field by field.
  friend bool operator==(const AppAck&, const AppAck&) = default;
};

/// Draft §AppAck: throws Error(kAppAckRangeInvalid) for a range whose first_generation is above
/// its last_generation (the range would be empty, not "continuous ... inclusive").
void check_app_ack(const AppAck& ack);
/// Decodes an AppAck (an app_ack AppEphemeral's data) and checks its ranges.
AppAck decode_app_ack(BytesView data);

/// Draft §AppAck: the ranges that cover `received`, a list of (sender, generation) pairs in any
/// order (duplicates allowed): one range per run of consecutive generations of a sender, sorted
/// by sender, then generation.
AppAck make_app_ack(std::vector<std::pair<uint32_t, uint32_t>> received);

}  // namespace conclave::wire
