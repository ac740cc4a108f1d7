// How a persistent store protects each record (internal to storage/): an integrity check bound
// to the record's name, or, with a key, an AEAD seal with the name as associated data.
#pragma once

#include <memory>

#include "conclave/base/bytes.h"
#include "conclave/base/secret_bytes.h"
#include "conclave/crypto/provider.h"

namespace conclave::storage::detail {

// value || check, where check is a 64-bit hash of (identity, value). Guards against damage and
// records moved under another name; not against a deliberate edit (that needs the key).
Bytes checksum_record(BytesView identity, BytesView value);
// Error(kStorageCorrupt) when the envelope is short or the check fails.
SecretBytes open_checksummed(BytesView identity, BytesView envelope);

// nonce (12 bytes) || AES-256-GCM(key, nonce, aad = identity, value).
Bytes seal_record(const crypto::CryptoProvider& provider, const SecretBytes& key,
                  BytesView identity, BytesView value);
// Error(kStorageCorrupt) when the record is short or its tag does not verify.
SecretBytes open_sealed(const crypto::CryptoProvider& provider, const SecretBytes& key,
                        BytesView identity, BytesView envelope);

}  // namespace conclave::storage::detail
