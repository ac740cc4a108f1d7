// A CryptoProvider that forwards each pure virtual method to the OpenSSL provider and keeps the
// base class's defaults (dh_with_public_key, random, random_secret). Tests derive from it to
// watch the calls the library makes: seen() runs before each forwarded call.
#pragma once

#include <memory>

#include "conclave/crypto/openssl_provider.h"
#include "conclave/crypto/provider.h"

namespace conclave::testing {

using crypto::AeadId;
using crypto::CryptoProvider;
using crypto::HashAlg;
using crypto::KemId;
using crypto::KeyPair;
using crypto::SignatureScheme;

class ForwardingProvider : public CryptoProvider {
 public:
  void random_bytes(std::span<uint8_t> out) const override {
    seen();
    base().random_bytes(out);
  }
  Bytes hash(HashAlg alg, BytesView data) const override {
    seen();
    return base().hash(alg, data);
  }
  Bytes hmac(HashAlg alg, BytesView key, BytesView data) const override {
    seen();
    return base().hmac(alg, key, data);
  }
  SecretBytes hkdf_extract(HashAlg alg, BytesView salt, BytesView ikm) const override {
    seen();
    return base().hkdf_extract(alg, salt, ikm);
  }
  SecretBytes hkdf_expand(HashAlg alg, BytesView prk, BytesView info,
                          size_t length) const override {
    seen();
    return base().hkdf_expand(alg, prk, info, length);
  }
  Bytes aead_seal(AeadId aead, BytesView key, BytesView nonce, BytesView aad,
                  BytesView plaintext) const override {
    seen();
    return base().aead_seal(aead, key, nonce, aad, plaintext);
  }
  Bytes aead_open(AeadId aead, BytesView key, BytesView nonce, BytesView aad,
                  BytesView ciphertext) const override {
    seen();
    return base().aead_open(aead, key, nonce, aad, ciphertext);
  }
  KeyPair signature_generate(SignatureScheme scheme) const override {
    seen();
    return base().signature_generate(scheme);
  }
  Bytes signature_public_key(SignatureScheme scheme, BytesView private_key) const override {
    seen();
    return base().signature_public_key(scheme, private_key);
  }
  Bytes sign(SignatureScheme scheme, BytesView private_key, BytesView message) const override {
    seen();
    return base().sign(scheme, private_key, message);
  }
  bool verify(SignatureScheme scheme, BytesView public_key, BytesView message,
              BytesView signature) const override {
    seen();
    return base().verify(scheme, public_key, message, signature);
  }
  KeyPair dh_generate(KemId kem) const override {
    seen();
    return base().dh_generate(kem);
  }
  Bytes dh_public_key(KemId kem, BytesView private_key) const override {
    seen();
    return base().dh_public_key(kem, private_key);
  }
  SecretBytes dh(KemId kem, BytesView private_key, BytesView peer_public_key) const override {
    seen();
    return base().dh(kem, private_key, peer_public_key);
  }
  void dh_check_public_key(KemId kem, BytesView public_key) const override {
    seen();
    base().dh_check_public_key(kem, public_key);
  }

  // Called on the calling thread before every forwarded primitive.
  virtual void seen() const {}

  static const CryptoProvider& base() {
    static const std::shared_ptr<const CryptoProvider> openssl = crypto::openssl_provider();
    return *openssl;
  }
};

}  // namespace conclave::testing
