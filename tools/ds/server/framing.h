// What the DS reads of an MLS message: only its public framing (RFC 9750 §5.2, RFC 9420 §6).
// Confidentiality and integrity rest on MLS; the DS never needs a group secret.
#pragma once

#include <cstdint>

#include "conclave/base/bytes.h"
#include "conclave/wire/types.h"

namespace conclave::ds {

struct PublicFraming {
  Bytes group_id;
  uint64_t epoch = 0;
  wire::ContentType content_type = wire::ContentType::kApplication;
};

// The framing of an MLSMessage holding a PublicMessage or PrivateMessage; throws DsError
// (MALFORMED_MESSAGE) for anything else, including bytes that do not decode in full.
PublicFraming read_framing(BytesView message);

// Throws DsError (MALFORMED_MESSAGE) unless `message` is an MLSMessage holding a Welcome.
void check_welcome(BytesView message);

}  // namespace conclave::ds
