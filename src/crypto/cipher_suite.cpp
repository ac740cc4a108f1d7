#include "conclave/crypto/cipher_suite.h"

#include <array>
#include <string>

#include "conclave/base/error.h"

namespace conclave::crypto {

namespace {

// RFC 9180 §7.1, Table 2.
constexpr std::array<KemInfo, 5> kKems{{
    {KemId::kDhkemP256Sha256, KdfId::kHkdfSha256, 32, 65, 65, 32},
    {KemId::kDhkemP384Sha384, KdfId::kHkdfSha384, 48, 97, 97, 48},
    {KemId::kDhkemP521Sha512, KdfId::kHkdfSha512, 64, 133, 133, 66},
    {KemId::kDhkemX25519Sha256, KdfId::kHkdfSha256, 32, 32, 32, 32},
    {KemId::kDhkemX448Sha512, KdfId::kHkdfSha512, 64, 56, 56, 56},
}};

// RFC 9180 §7.3, Table 5.
constexpr std::array<AeadInfo, 4> kAeads{{
    {AeadId::kAes128Gcm, 16, 12, 16},
    {AeadId::kAes256Gcm, 32, 12, 16},
    {AeadId::kChaCha20Poly1305, 32, 12, 16},
    {AeadId::kExportOnly, 0, 0, 0},
}};

// RFC 9420 §17.1.
constexpr std::array<CipherSuite, 7> kSuites{{
    {0x0001, "MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519", KemId::kDhkemX25519Sha256,
     KdfId::kHkdfSha256, AeadId::kAes128Gcm, HashAlg::kSha256, SignatureScheme::kEd25519},
    {0x0002, "MLS_128_DHKEMP256_AES128GCM_SHA256_P256", KemId::kDhkemP256Sha256, KdfId::kHkdfSha256,
     AeadId::kAes128Gcm, HashAlg::kSha256, SignatureScheme::kEcdsaSecp256r1Sha256},
    {0x0003, "MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519", KemId::kDhkemX25519Sha256,
     KdfId::kHkdfSha256, AeadId::kChaCha20Poly1305, HashAlg::kSha256, SignatureScheme::kEd25519},
    {0x0004, "MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448", KemId::kDhkemX448Sha512,
     KdfId::kHkdfSha512, AeadId::kAes256Gcm, HashAlg::kSha512, SignatureScheme::kEd448},
    {0x0005, "MLS_256_DHKEMP521_AES256GCM_SHA512_P521", KemId::kDhkemP521Sha512, KdfId::kHkdfSha512,
     AeadId::kAes256Gcm, HashAlg::kSha512, SignatureScheme::kEcdsaSecp521r1Sha512},
    {0x0006, "MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_Ed448", KemId::kDhkemX448Sha512,
     KdfId::kHkdfSha512, AeadId::kChaCha20Poly1305, HashAlg::kSha512, SignatureScheme::kEd448},
    {0x0007, "MLS_256_DHKEMP384_AES256GCM_SHA384_P384", KemId::kDhkemP384Sha384, KdfId::kHkdfSha384,
     AeadId::kAes256Gcm, HashAlg::kSha384, SignatureScheme::kEcdsaSecp384r1Sha384},
}};

}  // namespace

size_t hash_length(HashAlg alg) {
  switch (alg) {
    case HashAlg::kSha256: return 32;
    case HashAlg::kSha384: return 48;
    case HashAlg::kSha512: return 64;
  }
  throw Error(ErrorCode::kUnsupportedAlgorithm, "hash algorithm");
}

HashAlg kdf_hash(KdfId kdf) {
  switch (kdf) {
    case KdfId::kHkdfSha256: return HashAlg::kSha256;
    case KdfId::kHkdfSha384: return HashAlg::kSha384;
    case KdfId::kHkdfSha512: return HashAlg::kSha512;
  }
  throw Error(ErrorCode::kUnsupportedAlgorithm, "KDF id " + std::to_string(static_cast<int>(kdf)));
}

const KemInfo& kem_info(KemId kem) {
  for (const auto& k : kKems)
    if (k.id == kem) return k;
  throw Error(ErrorCode::kUnsupportedAlgorithm, "KEM id " + std::to_string(static_cast<int>(kem)));
}

const AeadInfo& aead_info(AeadId aead) {
  for (const auto& a : kAeads)
    if (a.id == aead) return a;
  throw Error(ErrorCode::kUnsupportedAlgorithm,
              "AEAD id " + std::to_string(static_cast<int>(aead)));
}

size_t CipherSuite::hash_len() const {
  return hash_length(kdf_hash(kdf));
}
const KemInfo& CipherSuite::kem_info() const {
  return crypto::kem_info(kem);
}
const AeadInfo& CipherSuite::aead_info() const {
  return crypto::aead_info(aead);
}

const CipherSuite* find_cipher_suite(uint16_t id) noexcept {
  for (const auto& s : kSuites)
    if (s.id == id) return &s;
  return nullptr;
}

const CipherSuite& cipher_suite(uint16_t id) {
  if (const auto* s = find_cipher_suite(id)) return *s;
  throw Error(ErrorCode::kUnsupportedCipherSuite, "cipher suite " + std::to_string(id));
}

std::span<const CipherSuite> all_cipher_suites() {
  return kSuites;
}

}  // namespace conclave::crypto
