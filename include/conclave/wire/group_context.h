/// @file
/// GroupContext (RFC 9420 §8.1).
#pragma once

#include <cstdint>

#include "conclave/base/bytes.h"
#include "conclave/codec/codec.h"
#include "conclave/wire/extension.h"
#include "conclave/wire/types.h"

namespace conclave::wire {

/// §8.1: the state every member of an epoch agrees on; it enters the key schedule, and each
/// handshake message of the epoch is signed over it.
struct GroupContext {
  ProtocolVersion version = ProtocolVersion::kMls10;  ///< mls10
  CipherSuiteId cipher_suite = 0;                     ///< the group's cipher suite
  Bytes group_id;                                     ///< chosen at creation, never changes
  uint64_t epoch = 0;                                 ///< 0 at creation, +1 per commit
  Bytes tree_hash;                                    ///< the ratchet tree's root tree hash (§7.8)
  Bytes confirmed_transcript_hash;                    ///< over the commits up to this epoch (§8.2)
  ExtensionList extensions;                           ///< the group's extensions (§13)
  CONCLAVE_TLS_FIELDS(version, cipher_suite, group_id, epoch, tree_hash, confirmed_transcript_hash,
                      extensions)
  /// Field by field.
  friend bool operator==(const GroupContext&, const GroupContext&) = default;
};

}  // namespace conclave::wire
