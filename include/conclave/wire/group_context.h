// GroupContext (RFC 9420 §8.1).
#pragma once

#include <cstdint>

#include "conclave/base/bytes.h"
#include "conclave/codec/codec.h"
#include "conclave/wire/extension.h"
#include "conclave/wire/types.h"

namespace conclave::wire {

struct GroupContext {
  ProtocolVersion version = ProtocolVersion::kMls10;
  CipherSuiteId cipher_suite = 0;
  Bytes group_id;
  uint64_t epoch = 0;
  Bytes tree_hash;
  Bytes confirmed_transcript_hash;
  ExtensionList extensions;
  CONCLAVE_TLS_FIELDS(version, cipher_suite, group_id, epoch, tree_hash, confirmed_transcript_hash,
                      extensions)
  friend bool operator==(const GroupContext&, const GroupContext&) = default;
};

}  // namespace conclave::wire
