#include "record_protection.h"

#include <cstring>

#include "conclave/base/error.h"
#include "conclave/crypto/cipher_suite.h"
#include "conclave/storage/storage_provider.h"

namespace conclave::storage {

Bytes record_identity(const RecordKey& key) {
  // Lengths first, so that no two names encode alike.
  Bytes out;
  out.reserve(10 + key.scope.size() + key.id.size());
  const auto put32 = [&](uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8)
      out.push_back(static_cast<uint8_t>(v >> shift));
  };
  put32(static_cast<uint32_t>(key.scope.size()));
  out.insert(out.end(), key.scope.begin(), key.scope.end());
  out.push_back(static_cast<uint8_t>(key.kind >> 8));
  out.push_back(static_cast<uint8_t>(key.kind));
  put32(static_cast<uint32_t>(key.id.size()));
  out.insert(out.end(), key.id.begin(), key.id.end());
  return out;
}

namespace detail {

namespace {

constexpr size_t kCheckSize = 8;
constexpr size_t kNonceSize = 12;
constexpr size_t kTagSize = 16;
constexpr uint64_t kMul = 0x9E3779B97F4A7C15ull;

// A fast 64-bit mix over 8-byte words: one multiply per word, so checking every record of a
// large tree at load costs little next to decoding it.
uint64_t mix(uint64_t h, BytesView data) {
  size_t i = 0;
  for (; i + 8 <= data.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, data.data() + i, 8);
    h = (h ^ w) * kMul;
    h ^= h >> 29;
  }
  uint64_t tail = 0;
  for (size_t k = 0; i + k < data.size(); ++k)
    tail |= uint64_t{data[i + k]} << (8 * k);
  h = (h ^ tail ^ (uint64_t{data.size()} << 56)) * kMul;
  h ^= h >> 32;
  return h;
}

uint64_t record_check(BytesView identity, BytesView value) {
  uint64_t h = mix(0x636f6e636c617665ull, identity);  // "conclave"
  h = mix(h * kMul, value);
  return (h ^ (h >> 31)) * kMul;
}

}  // namespace

Bytes checksum_record(BytesView identity, BytesView value) {
  Bytes out(value.begin(), value.end());
  const uint64_t check = record_check(identity, value);
  for (int shift = 56; shift >= 0; shift -= 8)
    out.push_back(static_cast<uint8_t>(check >> shift));
  return out;
}

SecretBytes open_checksummed(BytesView identity, BytesView envelope) {
  if (envelope.size() < kCheckSize)
    throw Error(ErrorCode::kStorageCorrupt, "a record shorter than its integrity check");
  const BytesView value = envelope.first(envelope.size() - kCheckSize);
  uint64_t stored = 0;
  for (uint8_t b : envelope.last(kCheckSize))
    stored = (stored << 8) | b;
  if (stored != record_check(identity, value))
    throw Error(ErrorCode::kStorageCorrupt,
                "a record fails its integrity check (damaged, or stored under another name)");
  return SecretBytes(value);
}

Bytes seal_record(const crypto::CryptoProvider& provider, const SecretBytes& key,
                  BytesView identity, BytesView value) {
  Bytes out = provider.random(kNonceSize);
  const Bytes sealed =
      provider.aead_seal(crypto::AeadId::kAes256Gcm, key.view(), out, identity, value);
  out.insert(out.end(), sealed.begin(), sealed.end());
  return out;
}

SecretBytes open_sealed(const crypto::CryptoProvider& provider, const SecretBytes& key,
                        BytesView identity, BytesView envelope) {
  if (envelope.size() < kNonceSize + kTagSize)
    throw Error(ErrorCode::kStorageCorrupt, "a sealed record shorter than its nonce and tag");
  try {
    return SecretBytes(provider.aead_open(crypto::AeadId::kAes256Gcm, key.view(),
                                          envelope.first(kNonceSize), identity,
                                          envelope.subspan(kNonceSize)));
  } catch (const Error& e) {
    if (e.code() != ErrorCode::kAeadAuthenticationFailed) throw;
    throw Error(ErrorCode::kStorageCorrupt,
                "a sealed record does not open (damaged, or stored under another name)");
  }
}

}  // namespace detail
}  // namespace conclave::storage
