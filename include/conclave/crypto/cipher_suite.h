/// @file
/// The seven cipher suites of RFC 9420 §17.1 and the HPKE algorithms they use (RFC 9180 §7).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace conclave::crypto {

/// The hash functions of the seven suites (SHA-2, FIPS 180-4).
enum class HashAlg : uint8_t { kSha256, kSha384, kSha512 };

/// HPKE KEM identifiers (RFC 9180 §7.1).
enum class KemId : uint16_t {
  kDhkemP256Sha256 = 0x0010,
  kDhkemP384Sha384 = 0x0011,
  kDhkemP521Sha512 = 0x0012,
  kDhkemX25519Sha256 = 0x0020,
  kDhkemX448Sha512 = 0x0021,
};

/// HPKE KDF identifiers (RFC 9180 §7.2).
enum class KdfId : uint16_t {
  kHkdfSha256 = 0x0001,
  kHkdfSha384 = 0x0002,
  kHkdfSha512 = 0x0003,
};

/// HPKE AEAD identifiers (RFC 9180 §7.3).
enum class AeadId : uint16_t {
  kAes128Gcm = 0x0001,
  kAes256Gcm = 0x0002,
  kChaCha20Poly1305 = 0x0003,
  kExportOnly = 0xFFFF,  ///< no AEAD: the context can only export secrets
};

/// TLS SignatureScheme values (RFC 8446 §4.2.3) named by RFC 9420 §17.1.
enum class SignatureScheme : uint16_t {
  kEcdsaSecp256r1Sha256 = 0x0403,
  kEcdsaSecp384r1Sha384 = 0x0503,
  kEcdsaSecp521r1Sha512 = 0x0603,
  kEd25519 = 0x0807,
  kEd448 = 0x0808,
};

/// The sizes of a KEM (RFC 9180 §7.1).
struct KemInfo {
  KemId id;                ///< the KEM
  KdfId kdf;               ///< the KDF inside the DHKEM (RFC 9180 §4.1)
  size_t secret_len;       ///< Nsecret
  size_t enc_len;          ///< Nenc
  size_t public_key_len;   ///< Npk
  size_t private_key_len;  ///< Nsk
};

/// The sizes of an AEAD (RFC 9180 §7.3).
struct AeadInfo {
  AeadId id;         ///< the AEAD
  size_t key_len;    ///< Nk
  size_t nonce_len;  ///< Nn
  size_t tag_len;    ///< Nt
};

/// RFC 9420 §5.1 and §17.1: one row of the cipher suite table.
struct CipherSuite {
  uint16_t id;  ///< the CipherSuite value of §17.1, 1 to 7
  /// Its name in the registry, e.g. MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519.
  std::string_view name;
  KemId kem;                  ///< the HPKE KEM
  KdfId kdf;                  ///< the HPKE KDF, also the key schedule's KDF
  AeadId aead;                ///< the HPKE AEAD, also the message protection's AEAD
  HashAlg hash;               ///< the hash for transcripts, references and HMAC
  SignatureScheme signature;  ///< the signature scheme of credentials and messages

  size_t hash_len() const;            ///< Nh of the KDF, also the MAC and hash output length
  const KemInfo& kem_info() const;    ///< the sizes of the suite's KEM
  const AeadInfo& aead_info() const;  ///< the sizes of the suite's AEAD
};

/// The output length of the hash, in bytes.
size_t hash_length(HashAlg alg);
/// The hash an HKDF is built on. Throws Error(kUnsupportedAlgorithm) for ids outside RFC 9180 §7.
HashAlg kdf_hash(KdfId kdf);
/// Throws Error(kUnsupportedAlgorithm) for ids outside RFC 9180 §7.
const KemInfo& kem_info(KemId kem);
/// Throws Error(kUnsupportedAlgorithm) for ids outside RFC 9180 §7.
const AeadInfo& aead_info(AeadId aead);

/// nullptr for an id that is not one of the seven suites.
const CipherSuite* find_cipher_suite(uint16_t id) noexcept;
/// Throws Error(kUnsupportedCipherSuite) for an id that is not one of the seven suites.
const CipherSuite& cipher_suite(uint16_t id);
/// The seven suites in id order.
std::span<const CipherSuite> all_cipher_suites();

}  // namespace conclave::crypto
