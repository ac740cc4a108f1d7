/// @file
/// One sender ratchet of the secret tree (RFC 9420 §9.1), with the deletion schedule of §9.2
/// and a bounded window for out-of-order delivery.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string_view>

#include "conclave/base/secret_bytes.h"
#include "conclave/codec/codec.h"
#include "conclave/crypto/cipher_suite.h"
#include "conclave/crypto/suite.h"
#include "conclave/schedule/key_and_nonce.h"

namespace conclave::schedule {

/// RFC 9420 §9: each leaf has a ratchet for handshake messages (proposals, commits) and one
/// for application messages.
enum class RatchetType : uint8_t { kHandshake = 1, kApplication = 2 };
/// Decoding accepts the two defined values only.
inline bool tls_enum_known(RatchetType t) {
  return t == RatchetType::kHandshake || t == RatchetType::kApplication;
}
/// "handshake" or "application", the label of §9 that roots the ratchet.
std::string_view ratchet_label(RatchetType type);

/// How far a receiver accommodates reordering (§9.2: unconsumed keys MAY be kept "for some
/// reasonable amount of time to handle out-of-order message delivery").
struct RatchetWindow {
  /// Keys of skipped generations kept, counted back from the newest generation handed out.
  /// 0 accepts only in-order generations.
  uint32_t out_of_order_tolerance = 5;
  /// How far past the next unused generation a request may jump; bounds the work an incoming
  /// message can cause.
  uint32_t maximum_forward_distance = 1000;
  CONCLAVE_TLS_FIELDS(out_of_order_tolerance, maximum_forward_distance)
  /// Field by field.
  friend bool operator==(const RatchetWindow&, const RatchetWindow&) = default;
};

/// A ratchet key with the generation it belongs to (a sender puts the generation in SenderData).
struct GenerationKey {
  uint32_t generation = 0;  ///< the generation
  KeyAndNonce key;          ///< its key and nonce
  /// Field by field.
  friend bool operator==(const GenerationKey&, const GenerationKey&) = default;
};

/// One sender's ratchet of one type: a key per generation, each handed out once.
///
/// RFC 9420 §9.1: from ratchet_secret_[j]
/// @code{.unparsed}
///   ratchet_key_[j]        = DeriveTreeSecret(ratchet_secret_[j], "key", j, AEAD.Nk)
///   ratchet_nonce_[j]      = DeriveTreeSecret(ratchet_secret_[j], "nonce", j, AEAD.Nn)
///   ratchet_secret_[j + 1] = DeriveTreeSecret(ratchet_secret_[j], "secret", j, KDF.Nh)
/// @endcode
///
/// The ratchet holds ratchet_secret_[next] and the unconsumed keys of skipped generations that
/// are still inside the window; every other secret and key is wiped as soon as it is passed
/// (§9.2). Errors, for a generation g:
///  - kGenerationReused: g's key was handed out already (consumed), and g is inside the window;
///  - kGenerationTooOld: g is behind the window, its key deleted;
///  - kGenerationTooFarAhead: g - next_generation() > maximum_forward_distance.
class HashRatchet {
 public:
  HashRatchet() = default;
  /// Starts at generation 0 with ratchet_secret_[0].
  explicit HashRatchet(SecretBytes initial_secret) : secret_(std::move(initial_secret)) {}

  /// Sender side: the key of the next unused generation, consumed (the caller must use it for
  /// exactly one message, §9.1). Throws Error(kRatchetExhausted) after generation 2^32 - 1.
  GenerationKey next(const crypto::Suite& suite, const RatchetWindow& window);

  /// Receiver side: the key for `generation`, consumed: it cannot be obtained again. Keys of
  /// generations jumped over are kept within the window.
  KeyAndNonce take(const crypto::Suite& suite, uint32_t generation, const RatchetWindow& window);

  /// The key `take` would return, without consuming anything or moving the ratchet. Lets a
  /// receiver consume (with `take`) only once the message has decrypted and verified.
  KeyAndNonce peek(const crypto::Suite& suite, uint32_t generation,
                   const RatchetWindow& window) const;

  /// The generation of the ratchet secret held: every generation below it was handed out or
  /// skipped. 2^32 once the ratchet is exhausted.
  uint64_t next_generation() const { return next_; }
  /// Keys kept for skipped generations.
  size_t retained_key_count() const { return retained_.size(); }
  /// True when the key of a skipped `generation` is still kept.
  bool retains(uint32_t generation) const { return retained_.count(generation) != 0; }

  /// Serialized as { uint64 next_generation; opaque secret<V>; RetainedKey retained<V>; } with
  /// struct { uint32 generation; KeyAndNonce key; } RetainedKey in ascending generation order.
  void tls_encode(codec::Writer& w) const;
  /// Decoding checks the structure (Error(kInvalidScheduleState)); validate() the lengths.
  void tls_decode(codec::Reader& r);
  /// Throws Error(kInvalidScheduleState) when the secret, a key or a nonce has the wrong length
  /// for the suite.
  void validate(const crypto::CipherSuite& suite) const;

  /// Field by field.
  friend bool operator==(const HashRatchet&, const HashRatchet&) = default;

 private:
  /// The key of the current generation; then moves to the next ratchet secret.
  KeyAndNonce advance(const crypto::Suite& suite);
  /// Moves to the next ratchet secret without deriving the current key.
  void skip(const crypto::Suite& suite);
  /// Drops retained keys that fell behind the window.
  void trim(const RatchetWindow& window);
  [[noreturn]] void throw_behind(uint32_t generation, const RatchetWindow& window) const;
  void check_ahead(uint32_t generation, const RatchetWindow& window) const;

  uint64_t next_ = 0;
  SecretBytes secret_;
  std::map<uint32_t, KeyAndNonce> retained_;
};

}  // namespace conclave::schedule
