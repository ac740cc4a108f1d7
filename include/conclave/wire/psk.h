/// @file
/// Pre-shared key identifiers (RFC 9420 §8.4).
#pragma once

#include <cstdint>

#include "conclave/base/bytes.h"
#include "conclave/codec/codec.h"
#include "conclave/wire/component.h"
#include "conclave/wire/types.h"

namespace conclave::wire {

/// §8.4: names one pre-shared key, with a fresh nonce, in a PreSharedKey proposal or in
/// GroupSecrets. Only the fields of its psktype are encoded.
struct PreSharedKeyId {
  PskType psktype = PskType::kExternal;  ///< external, resumption or application
  /// application (extensions draft §Pre-Shared Keys): the component the PSK belongs to.
  ComponentId component_id{};
  /// external and application: the PSK's id, as agreed with the application (for an
  /// application PSK, within its component).
  Bytes psk_id;
  /// resumption: what the PSK is injected for.
  ResumptionPskUsage usage = ResumptionPskUsage::kApplication;
  Bytes psk_group_id;      ///< resumption: the group whose epoch's resumption_psk it is
  uint64_t psk_epoch = 0;  ///< resumption: that epoch

  Bytes psk_nonce;  ///< KDF.Nh fresh random bytes

  /// An external PSK id.
  static PreSharedKeyId external(Bytes id, Bytes nonce);
  /// A resumption PSK id: the resumption_psk of `group_id` at `epoch`.
  static PreSharedKeyId resumption(ResumptionPskUsage usage, Bytes group_id, uint64_t epoch,
                                   Bytes nonce);
  /// Extensions draft §Pre-Shared Keys: component `component_id`'s PSK `id`, domain-separated
  /// from external PSKs and from every other component's.
  static PreSharedKeyId application(ComponentId component_id, Bytes id, Bytes nonce);

  /// Writes the wire encoding.
  void tls_encode(codec::Writer& w) const;
  /// Reads the wire encoding; throws Error naming the rule a malformed input breaks.
  void tls_decode(codec::Reader& r);
  /// Field by field.
  friend bool operator==(const PreSharedKeyId&, const PreSharedKeyId&) = default;
};

/// §8.4: the label under which each PSK is folded into psk_secret.
struct PskLabel {
  PreSharedKeyId id;   ///< the PSK
  uint16_t index = 0;  ///< its position in the list of PSKs
  uint16_t count = 0;  ///< how many PSKs the list holds
  CONCLAVE_TLS_FIELDS(id, index, count)
};

}  // namespace conclave::wire
