// Pre-shared key identifiers (RFC 9420 §8.4).
#pragma once

#include <cstdint>

#include "conclave/base/bytes.h"
#include "conclave/codec/codec.h"
#include "conclave/wire/types.h"

namespace conclave::wire {

struct PreSharedKeyId {
  PskType psktype = PskType::kExternal;
  // external
  Bytes psk_id;
  // resumption
  ResumptionPskUsage usage = ResumptionPskUsage::kApplication;
  Bytes psk_group_id;
  uint64_t psk_epoch = 0;

  Bytes psk_nonce;

  static PreSharedKeyId external(Bytes id, Bytes nonce);
  static PreSharedKeyId resumption(ResumptionPskUsage usage, Bytes group_id, uint64_t epoch,
                                   Bytes nonce);

  void tls_encode(codec::Writer& w) const;
  void tls_decode(codec::Reader& r);
  friend bool operator==(const PreSharedKeyId&, const PreSharedKeyId&) = default;
};

// §8.4: the label under which each PSK is folded into psk_secret.
struct PskLabel {
  PreSharedKeyId id;
  uint16_t index = 0;
  uint16_t count = 0;
  CONCLAVE_TLS_FIELDS(id, index, count)
};

}  // namespace conclave::wire
