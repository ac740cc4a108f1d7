// The libsodium CryptoProvider: Ed25519 and X25519 with libsodium, everything else with the base
// provider it wraps (include/conclave/crypto/sodium_provider.h).
#include "conclave/crypto/sodium_provider.h"

#include <string>
#include <utility>

#include "conclave/base/error.h"

#if CONCLAVE_HAVE_SODIUM
#include <sodium.h>

#include <algorithm>
#include <array>
#include <cstdint>
#endif

namespace conclave::crypto {

#if CONCLAVE_HAVE_SODIUM

namespace {

bool sodium_ready() {
  // sodium_init() picks the implementations for this CPU; a magic static runs it once, and
  // libsodium's functions are thread-safe afterwards.
  static const bool ready = sodium_init() >= 0;
  return ready;
}

constexpr size_t kEd25519KeyLen = crypto_sign_ed25519_SEEDBYTES;  // RFC 8032 §5.1.5: 32-byte seed
constexpr size_t kEd25519SigLen = crypto_sign_ed25519_BYTES;      // R || S
constexpr size_t kX25519KeyLen = crypto_scalarmult_curve25519_BYTES;
static_assert(crypto_sign_ed25519_PUBLICKEYBYTES == kEd25519KeyLen);
static_assert(crypto_scalarmult_curve25519_SCALARBYTES == kX25519KeyLen);

std::string length_detail(const char* what, size_t got, size_t want) {
  std::string out(what);
  out += " of ";
  out += std::to_string(got);
  out += " bytes, expected ";
  out += std::to_string(want);
  return out;
}

// libsodium reads `len` bytes from the pointer; an empty span's data() may be null.
const uint8_t* data_or_empty(BytesView v) {
  static const uint8_t kEmpty = 0;
  return v.empty() ? &kEmpty : v.data();
}

// The seed expanded as libsodium signs with it: seed || public key. The secret half is wiped
// when the key goes out of scope.
class ExpandedEd25519Key {
 public:
  explicit ExpandedEd25519Key(BytesView seed) {
    if (seed.size() != kEd25519KeyLen)
      throw Error(ErrorCode::kInvalidPrivateKey,
                  length_detail("Ed25519 private key", seed.size(), kEd25519KeyLen));
    if (crypto_sign_ed25519_seed_keypair(public_key_.data(), secret_key_.data(), seed.data()) !=
        0) {
      sodium_memzero(secret_key_.data(), secret_key_.size());
      throw Error(ErrorCode::kCryptoBackend, "crypto_sign_ed25519_seed_keypair");
    }
  }
  ~ExpandedEd25519Key() { sodium_memzero(secret_key_.data(), secret_key_.size()); }
  ExpandedEd25519Key(const ExpandedEd25519Key&) = delete;
  ExpandedEd25519Key& operator=(const ExpandedEd25519Key&) = delete;

  const uint8_t* secret_key() const { return secret_key_.data(); }
  Bytes public_key() const { return Bytes(public_key_.begin(), public_key_.end()); }

 private:
  std::array<uint8_t, crypto_sign_ed25519_PUBLICKEYBYTES> public_key_{};
  std::array<uint8_t, crypto_sign_ed25519_SECRETKEYBYTES> secret_key_{};
};

// RFC 7748 §5, RFC 9180 §7.1.4: the u-coordinates of the points of small order on Curve25519
// and its twist (0, 1, the two of order 8, p - 1) and the non-canonical u + p that fit in 255
// bits (p, p + 1), little-endian. Every DH output with them is all zero. The OpenSSL provider
// derives the same list (openssl_keys.cpp, small_order_encodings); libsodium refuses it too.
constexpr std::array<std::array<uint8_t, kX25519KeyLen>, 7> kX25519SmallOrder{{
    {0},
    {1},
    {0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3,
     0xfa, 0xf1, 0x9f, 0xc4, 0x6a, 0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32,
     0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49, 0xb8, 0x00},
    {0x5f, 0x9c, 0x95, 0xbc, 0xa3, 0x50, 0x8c, 0x24, 0xb1, 0xd0, 0xb1,
     0x55, 0x9c, 0x83, 0xef, 0x5b, 0x04, 0x44, 0x5c, 0xc4, 0x58, 0x1c,
     0x8e, 0x86, 0xd8, 0x22, 0x4e, 0xdd, 0xd0, 0x9f, 0x11, 0x57},
    {0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
    {0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
    {0xee, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
}};

void check_x25519_public_length(BytesView key) {
  if (key.size() != kX25519KeyLen)
    throw Error(ErrorCode::kInvalidPublicKey,
                length_detail("X25519 public key", key.size(), kX25519KeyLen));
}

void check_x25519_private_length(BytesView key) {
  if (key.size() != kX25519KeyLen)
    throw Error(ErrorCode::kInvalidPrivateKey,
                length_detail("X25519 private key", key.size(), kX25519KeyLen));
}

bool is_x25519(KemId kem) {
  return kem == KemId::kDhkemX25519Sha256;
}

bool is_ed25519(SignatureScheme scheme) {
  return scheme == SignatureScheme::kEd25519;
}

class SodiumProvider final : public CryptoProvider {
 public:
  explicit SodiumProvider(std::shared_ptr<const CryptoProvider> base) : base_(std::move(base)) {}

  // --- handed to the base provider ---------------------------------------------------------

  void random_bytes(std::span<uint8_t> out) const override { base_->random_bytes(out); }
  Bytes hash(HashAlg alg, BytesView data) const override { return base_->hash(alg, data); }
  Bytes hmac(HashAlg alg, BytesView key, BytesView data) const override {
    return base_->hmac(alg, key, data);
  }
  SecretBytes hkdf_extract(HashAlg alg, BytesView salt, BytesView ikm) const override {
    return base_->hkdf_extract(alg, salt, ikm);
  }
  SecretBytes hkdf_expand(HashAlg alg, BytesView prk, BytesView info,
                          size_t length) const override {
    return base_->hkdf_expand(alg, prk, info, length);
  }
  Bytes aead_seal(AeadId aead, BytesView key, BytesView nonce, BytesView aad,
                  BytesView plaintext) const override {
    return base_->aead_seal(aead, key, nonce, aad, plaintext);
  }
  Bytes aead_open(AeadId aead, BytesView key, BytesView nonce, BytesView aad,
                  BytesView ciphertext) const override {
    return base_->aead_open(aead, key, nonce, aad, ciphertext);
  }

  // --- Ed25519 (RFC 8032 §5.1) --------------------------------------------------------------

  KeyPair signature_generate(SignatureScheme scheme) const override {
    if (!is_ed25519(scheme)) return base_->signature_generate(scheme);
    // Any 32-byte string is a seed; the randomness comes from the provider (the base's).
    KeyPair kp;
    kp.private_key = random_secret(kEd25519KeyLen);
    kp.public_key = ExpandedEd25519Key(kp.private_key.view()).public_key();
    return kp;
  }

  Bytes signature_public_key(SignatureScheme scheme, BytesView private_key) const override {
    if (!is_ed25519(scheme)) return base_->signature_public_key(scheme, private_key);
    return ExpandedEd25519Key(private_key).public_key();
  }

  Bytes sign(SignatureScheme scheme, BytesView private_key, BytesView message) const override {
    if (!is_ed25519(scheme)) return base_->sign(scheme, private_key, message);
    const ExpandedEd25519Key key(private_key);
    Bytes sig(kEd25519SigLen);
    // Pure Ed25519 (RFC 8032 §5.1.6), deterministic: the same bytes as any other implementation.
    if (crypto_sign_ed25519_detached(sig.data(), nullptr, data_or_empty(message), message.size(),
                                     key.secret_key()) != 0)
      throw Error(ErrorCode::kCryptoBackend, "crypto_sign_ed25519_detached");
    return sig;
  }

  bool verify(SignatureScheme scheme, BytesView public_key, BytesView message,
              BytesView signature) const override {
    if (!is_ed25519(scheme)) return base_->verify(scheme, public_key, message, signature);
    if (public_key.size() != kEd25519KeyLen)
      throw Error(ErrorCode::kInvalidPublicKey,
                  length_detail("Ed25519 public key", public_key.size(), kEd25519KeyLen));
    if (signature.size() == kEd25519SigLen &&
        crypto_sign_ed25519_verify_detached(signature.data(), data_or_empty(message),
                                            message.size(), public_key.data()) == 0)
      return true;
    // libsodium refuses more than RFC 8032 §5.1.7 does (small-order A or R, non-canonical A);
    // whatever it accepts the base accepts too. Asking the base about a refusal keeps both
    // backends' answers identical, so members on different backends agree on every signature.
    return base_->verify(scheme, public_key, message, signature);
  }

  // --- X25519 (RFC 7748, DHKEM(X25519, HKDF-SHA256) of RFC 9180 §7.1) ------------------------

  KeyPair dh_generate(KemId kem) const override {
    if (!is_x25519(kem)) return base_->dh_generate(kem);
    // RFC 7748 §5: every 32-byte string is a private key (clamped when used).
    KeyPair kp;
    kp.private_key = random_secret(kX25519KeyLen);
    kp.public_key = dh_public_key(kem, kp.private_key.view());
    return kp;
  }

  Bytes dh_public_key(KemId kem, BytesView private_key) const override {
    if (!is_x25519(kem)) return base_->dh_public_key(kem, private_key);
    check_x25519_private_length(private_key);
    Bytes pub(kX25519KeyLen);
    if (crypto_scalarmult_curve25519_base(pub.data(), private_key.data()) != 0)
      throw Error(ErrorCode::kCryptoBackend, "crypto_scalarmult_curve25519_base");
    return pub;
  }

  SecretBytes dh(KemId kem, BytesView private_key, BytesView peer_public_key) const override {
    if (!is_x25519(kem)) return base_->dh(kem, private_key, peer_public_key);
    check_x25519_private_length(private_key);
    check_x25519_public_length(peer_public_key);
    SecretBytes secret(kX25519KeyLen);
    // libsodium fails on a small-order peer key and on an all-zero result; the explicit check
    // below does not depend on that (RFC 9180 §7.1.4, RFC 7748 §6.1).
    if (crypto_scalarmult_curve25519(secret.data(), private_key.data(), peer_public_key.data()) !=
            0 ||
        sodium_is_zero(secret.data(), secret.size()))
      throw Error(ErrorCode::kInvalidPublicKey, "all-zero X25519 shared secret");
    return secret;
  }

  void dh_check_public_key(KemId kem, BytesView public_key) const override {
    if (!is_x25519(kem)) return base_->dh_check_public_key(kem, public_key);
    check_x25519_public_length(public_key);
    std::array<uint8_t, kX25519KeyLen> u;
    std::copy(public_key.begin(), public_key.end(), u.begin());
    u.back() &= 0x7f;  // RFC 7748 §5: the top bit is ignored
    for (const auto& bad : kX25519SmallOrder)
      if (u == bad)
        throw Error(ErrorCode::kInvalidPublicKey, "X25519 public key is a point of small order");
  }

  SecretBytes dh_with_public_key(KemId kem, BytesView private_key, BytesView public_key,
                                 BytesView peer_public_key) const override {
    if (!is_x25519(kem))
      return base_->dh_with_public_key(kem, private_key, public_key, peer_public_key);
    // libsodium never recomputes the public key, so it is only checked as OpenSSL checks it.
    check_x25519_private_length(private_key);
    check_x25519_public_length(public_key);
    return dh(kem, private_key, peer_public_key);
  }

 private:
  std::shared_ptr<const CryptoProvider> base_;
};

}  // namespace

bool sodium_available() {
  return sodium_ready();
}

std::shared_ptr<const CryptoProvider> sodium_provider(std::shared_ptr<const CryptoProvider> base) {
  if (!sodium_ready()) throw Error(ErrorCode::kUnsupportedAlgorithm, "sodium_init() failed");
  if (base == nullptr) throw Error(ErrorCode::kInvalidArgument, "sodium_provider: null base");
  return std::make_shared<const SodiumProvider>(std::move(base));
}

#else  // !CONCLAVE_HAVE_SODIUM

bool sodium_available() {
  return false;
}

std::shared_ptr<const CryptoProvider> sodium_provider(std::shared_ptr<const CryptoProvider>) {
  throw Error(ErrorCode::kUnsupportedAlgorithm,
              "Conclave was built without libsodium (CONCLAVE_WITH_SODIUM=OFF)");
}

#endif

}  // namespace conclave::crypto
