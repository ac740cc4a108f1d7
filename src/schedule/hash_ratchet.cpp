#include "conclave/schedule/hash_ratchet.h"

#include <limits>
#include <string>

#include "conclave/base/error.h"

namespace conclave::schedule {

namespace {

// Generations are uint32 (§9.1: DeriveTreeSecret encodes them so); next_ reaches 2^32 once
// the last one is handed out.
constexpr uint64_t kExhausted = uint64_t{std::numeric_limits<uint32_t>::max()} + 1;

[[noreturn]] void bad_state(const std::string& detail) {
  throw Error(ErrorCode::kInvalidScheduleState, detail);
}

}  // namespace

std::string_view ratchet_label(RatchetType type) {
  return type == RatchetType::kHandshake ? "handshake" : "application";
}

KeyAndNonce HashRatchet::advance(const crypto::Suite& suite) {
  if (next_ >= kExhausted) throw Error(ErrorCode::kRatchetExhausted, "generation 2^32");
  if (secret_.empty()) throw Error(ErrorCode::kInvalidArgument, "ratchet without a secret");
  const auto j = static_cast<uint32_t>(next_);
  const auto& aead = suite.info().aead_info();
  KeyAndNonce out{suite.derive_tree_secret(secret_.view(), "key", j, aead.key_len),
                  suite.derive_tree_secret(secret_.view(), "nonce", j, aead.nonce_len)};
  skip(suite);
  return out;
}

void HashRatchet::skip(const crypto::Suite& suite) {
  if (next_ >= kExhausted) throw Error(ErrorCode::kRatchetExhausted, "generation 2^32");
  const auto j = static_cast<uint32_t>(next_);
  // §9.2: ratchet_secret_[j] is consumed; assigning over it wipes it.
  if (j == std::numeric_limits<uint32_t>::max())
    secret_.wipe();  // no generation is left to use ratchet_secret_[2^32]
  else
    secret_ = suite.derive_tree_secret(secret_.view(), "secret", j, suite.hash_len());
  ++next_;
}

void HashRatchet::trim(const RatchetWindow& window) {
  // Keep generations j with (next_ - 1) - j <= tolerance; keep_from < 2^32 as next_ <= 2^32.
  const uint64_t keep_from = next_ > uint64_t{window.out_of_order_tolerance} + 1
                                 ? next_ - 1 - window.out_of_order_tolerance
                                 : 0;
  retained_.erase(retained_.begin(), retained_.lower_bound(static_cast<uint32_t>(keep_from)));
}

void HashRatchet::throw_behind(uint32_t generation, const RatchetWindow& window) const {
  const uint64_t behind = next_ - 1 - generation;  // generation < next_
  if (behind <= window.out_of_order_tolerance)
    throw Error(ErrorCode::kGenerationReused,
                "generation " + std::to_string(generation) + " was already consumed");
  throw Error(ErrorCode::kGenerationTooOld, "generation " + std::to_string(generation) +
                                                " is behind the window (next generation " +
                                                std::to_string(next_) + ")");
}

void HashRatchet::check_ahead(uint32_t generation, const RatchetWindow& window) const {
  if (generation - next_ > window.maximum_forward_distance)
    throw Error(ErrorCode::kGenerationTooFarAhead,
                "generation " + std::to_string(generation) + " is more than " +
                    std::to_string(window.maximum_forward_distance) + " past generation " +
                    std::to_string(next_));
}

GenerationKey HashRatchet::next(const crypto::Suite& suite, const RatchetWindow& window) {
  if (next_ >= kExhausted) throw Error(ErrorCode::kRatchetExhausted, "generation 2^32");
  const auto generation = static_cast<uint32_t>(next_);
  GenerationKey out{generation, advance(suite)};
  trim(window);
  return out;
}

KeyAndNonce HashRatchet::take(const crypto::Suite& suite, uint32_t generation,
                              const RatchetWindow& window) {
  if (generation < next_) {
    auto it = retained_.find(generation);
    if (it == retained_.end()) throw_behind(generation, window);
    // §9.2: a consumed key is deleted at once; the map node's copy is wiped on erase.
    KeyAndNonce out = std::move(it->second);
    retained_.erase(it);
    return out;
  }
  check_ahead(generation, window);
  // Keep the keys of skipped generations that stay inside the window; for the others only the
  // ratchet secret is stepped.
  while (next_ < generation) {
    const auto j = static_cast<uint32_t>(next_);
    if (generation - j <= window.out_of_order_tolerance)
      retained_.emplace(j, advance(suite));
    else
      skip(suite);
  }
  KeyAndNonce out = advance(suite);
  trim(window);
  return out;
}

KeyAndNonce HashRatchet::peek(const crypto::Suite& suite, uint32_t generation,
                              const RatchetWindow& window) const {
  if (generation < next_) {
    const auto it = retained_.find(generation);
    if (it == retained_.end()) throw_behind(generation, window);
    return it->second;
  }
  check_ahead(generation, window);
  if (secret_.empty()) throw Error(ErrorCode::kInvalidArgument, "ratchet without a secret");
  SecretBytes secret = secret_;
  for (uint64_t j = next_; j < generation; ++j)
    secret = suite.derive_tree_secret(secret.view(), "secret", static_cast<uint32_t>(j),
                                      suite.hash_len());
  const auto& aead = suite.info().aead_info();
  return KeyAndNonce{suite.derive_tree_secret(secret.view(), "key", generation, aead.key_len),
                     suite.derive_tree_secret(secret.view(), "nonce", generation, aead.nonce_len)};
}

void HashRatchet::tls_encode(codec::Writer& w) const {
  w.u64(next_);
  codec::write(w, secret_);
  w.vector([&](codec::Writer& inner) {
    for (const auto& [generation, key] : retained_) {
      inner.u32(generation);
      codec::write(inner, key);
    }
  });
}

void HashRatchet::tls_decode(codec::Reader& r) {
  HashRatchet out;
  out.next_ = r.u64();
  codec::read(r, out.secret_);
  codec::Reader inner = r.vector();
  while (!inner.empty()) {
    const uint32_t generation = inner.u32();
    KeyAndNonce key;
    codec::read(inner, key);
    if (generation >= out.next_) bad_state("retained key for a generation not yet reached");
    if (!out.retained_.empty() && generation <= out.retained_.rbegin()->first)
      bad_state("retained keys out of order");
    out.retained_.emplace_hint(out.retained_.end(), generation, std::move(key));
  }
  if (out.next_ > kExhausted) bad_state("generation past 2^32");
  if (out.secret_.empty() != (out.next_ == kExhausted))
    bad_state("ratchet secret present exactly when the ratchet is not exhausted");
  *this = std::move(out);
}

void HashRatchet::validate(const crypto::CipherSuite& suite) const {
  if (next_ < kExhausted && secret_.size() != suite.hash_len())
    bad_state("ratchet secret of " + std::to_string(secret_.size()) + " bytes");
  const auto& aead = suite.aead_info();
  for (const auto& [generation, key] : retained_) {
    if (key.key.size() != aead.key_len || key.nonce.size() != aead.nonce_len)
      bad_state("retained key of generation " + std::to_string(generation) +
                " has the wrong length");
  }
}

}  // namespace conclave::schedule
