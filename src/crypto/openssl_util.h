// Private to the OpenSSL backend: RAII wrappers for OpenSSL objects, error translation, and the
// provider class whose methods are split over openssl_provider.cpp (hash, HMAC, HKDF, AEAD) and
// openssl_keys.cpp (signatures and Diffie-Hellman).
#pragma once

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string_view>

#include "conclave/base/error.h"
#include "conclave/crypto/provider.h"

namespace conclave::crypto::ossl {

template <auto Free>
struct Deleter {
  template <typename T>
  void operator()(T* p) const noexcept {
    Free(p);
  }
};

using MdPtr = std::unique_ptr<EVP_MD, Deleter<EVP_MD_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX_free>>;
using MacPtr = std::unique_ptr<EVP_MAC, Deleter<EVP_MAC_free>>;
using MacCtxPtr = std::unique_ptr<EVP_MAC_CTX, Deleter<EVP_MAC_CTX_free>>;
using CipherPtr = std::unique_ptr<EVP_CIPHER, Deleter<EVP_CIPHER_free>>;
using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, Deleter<EVP_CIPHER_CTX_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX_free>>;
using GroupPtr = std::unique_ptr<EC_GROUP, Deleter<EC_GROUP_free>>;
using PointPtr = std::unique_ptr<EC_POINT, Deleter<EC_POINT_free>>;
// BN_clear_free: the BIGNUMs we own are mostly private scalars.
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BN_clear_free>>;
using BnCtxPtr = std::unique_ptr<BN_CTX, Deleter<BN_CTX_free>>;
using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD_free>>;
using ParamsPtr = std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM_free>>;

// Throws Error(code) with `what` and the first queued OpenSSL error; clears the thread's queue.
[[noreturn]] void fail(ErrorCode code, std::string_view what);
// Shorthand for an unexpected OpenSSL failure.
[[noreturn]] inline void backend_fail(std::string_view what) {
  fail(ErrorCode::kCryptoBackend, what);
}
inline void check(int ok, std::string_view what) {
  if (ok != 1) backend_fail(what);
}
template <typename T>
T* check_ptr(T* p, std::string_view what) {
  if (p == nullptr) backend_fail(what);
  return p;
}

// Some OpenSSL entry points treat a NULL buffer as "absent" even when the length is 0; an empty
// span may well have a NULL data pointer, so hand them a valid address instead.
inline const uint8_t* data_or_empty(BytesView v) {
  static const uint8_t kEmpty = 0;
  return v.empty() ? &kEmpty : v.data();
}

// A prime-order NIST curve (cofactor 1), used both for ECDSA and for the DHKEMs.
struct EcCurve {
  const char* group_name = nullptr;  // OSSL_PKEY_PARAM_GROUP_NAME
  size_t scalar_len = 0;             // Nsk, also the field size and Ndh
  GroupPtr group;                    // read-only after construction, shared by all threads
};

class OpenSslProvider final : public CryptoProvider {
 public:
  OpenSslProvider();

  void random_bytes(std::span<uint8_t> out) const override;

  Bytes hash(HashAlg alg, BytesView data) const override;
  Bytes hmac(HashAlg alg, BytesView key, BytesView data) const override;
  SecretBytes hkdf_extract(HashAlg alg, BytesView salt, BytesView ikm) const override;
  SecretBytes hkdf_expand(HashAlg alg, BytesView prk, BytesView info, size_t length) const override;

  Bytes aead_seal(AeadId aead, BytesView key, BytesView nonce, BytesView aad,
                  BytesView plaintext) const override;
  Bytes aead_open(AeadId aead, BytesView key, BytesView nonce, BytesView aad,
                  BytesView ciphertext) const override;

  KeyPair signature_generate(SignatureScheme scheme) const override;
  Bytes signature_public_key(SignatureScheme scheme, BytesView private_key) const override;
  Bytes sign(SignatureScheme scheme, BytesView private_key, BytesView message) const override;
  bool verify(SignatureScheme scheme, BytesView public_key, BytesView message,
              BytesView signature) const override;

  KeyPair dh_generate(KemId kem) const override;
  Bytes dh_public_key(KemId kem, BytesView private_key) const override;
  SecretBytes dh(KemId kem, BytesView private_key, BytesView peer_public_key) const override;
  void dh_check_public_key(KemId kem, BytesView public_key) const override;
  SecretBytes dh_with_public_key(KemId kem, BytesView private_key, BytesView public_key,
                                 BytesView peer_public_key) const override;

 private:
  struct HashSlot {
    MdPtr md;
    // An HMAC context with the digest already set; each call duplicates it, so the digest is
    // never looked up by name again.
    MacCtxPtr hmac_template;
  };

  const HashSlot& hash_slot(HashAlg alg) const;
  const EVP_CIPHER* cipher(AeadId aead) const;

  // HMAC(key, parts[0] || parts[1] || ...) written to out, which holds hash_length(alg) bytes.
  void hmac_into(HashAlg alg, BytesView key, std::initializer_list<BytesView> parts,
                 uint8_t* out) const;
  void digest_into(HashAlg alg, BytesView data, uint8_t* out) const;

  // Key handling behind the signature and DH methods (openssl_keys.cpp).
  SecretBytes ec_random_scalar(const EcCurve& c) const;
  Bytes ec_sign(const EcCurve& c, HashAlg h, BytesView private_key, BytesView message) const;
  bool ec_verify(const EcCurve& c, HashAlg h, BytesView public_key, BytesView message,
                 BytesView signature) const;
  SecretBytes ec_dh(const EcCurve& c, BytesView private_key, BytesView peer_public_key) const;

  std::array<HashSlot, 3> hashes_;
  MacPtr hmac_;
  std::array<CipherPtr, 3> ciphers_;
  std::array<EcCurve, 3> curves_;  // P-256, P-384, P-521
};

}  // namespace conclave::crypto::ossl
