// The methods CryptoProvider implements itself (src/crypto/provider.cpp), which the OpenSSL
// provider overrides or never needs: checked through a provider that forwards every primitive
// to the OpenSSL one and keeps the base class's defaults.
#include "conclave/crypto/provider.h"

#include <gtest/gtest.h>

#include <set>

#include "conclave/base/error.h"
#include "conclave/crypto/openssl_provider.h"
#include "support/error_of.h"

namespace conclave::crypto {
namespace {

using conclave::testing::error_of;

// Forwards each pure virtual method to the OpenSSL provider; dh_with_public_key, random() and
// random_secret() are the base class's.
class ForwardingProvider : public CryptoProvider {
 public:
  void random_bytes(std::span<uint8_t> out) const override { base().random_bytes(out); }
  Bytes hash(HashAlg alg, BytesView data) const override { return base().hash(alg, data); }
  Bytes hmac(HashAlg alg, BytesView key, BytesView data) const override {
    return base().hmac(alg, key, data);
  }
  SecretBytes hkdf_extract(HashAlg alg, BytesView salt, BytesView ikm) const override {
    return base().hkdf_extract(alg, salt, ikm);
  }
  SecretBytes hkdf_expand(HashAlg alg, BytesView prk, BytesView info,
                          size_t length) const override {
    return base().hkdf_expand(alg, prk, info, length);
  }
  Bytes aead_seal(AeadId aead, BytesView key, BytesView nonce, BytesView aad,
                  BytesView plaintext) const override {
    return base().aead_seal(aead, key, nonce, aad, plaintext);
  }
  Bytes aead_open(AeadId aead, BytesView key, BytesView nonce, BytesView aad,
                  BytesView ciphertext) const override {
    return base().aead_open(aead, key, nonce, aad, ciphertext);
  }
  KeyPair signature_generate(SignatureScheme scheme) const override {
    return base().signature_generate(scheme);
  }
  Bytes signature_public_key(SignatureScheme scheme, BytesView private_key) const override {
    return base().signature_public_key(scheme, private_key);
  }
  Bytes sign(SignatureScheme scheme, BytesView private_key, BytesView message) const override {
    return base().sign(scheme, private_key, message);
  }
  bool verify(SignatureScheme scheme, BytesView public_key, BytesView message,
              BytesView signature) const override {
    return base().verify(scheme, public_key, message, signature);
  }
  KeyPair dh_generate(KemId kem) const override { return base().dh_generate(kem); }
  Bytes dh_public_key(KemId kem, BytesView private_key) const override {
    return base().dh_public_key(kem, private_key);
  }
  SecretBytes dh(KemId kem, BytesView private_key, BytesView peer_public_key) const override {
    return base().dh(kem, private_key, peer_public_key);
  }
  void dh_check_public_key(KemId kem, BytesView public_key) const override {
    base().dh_check_public_key(kem, public_key);
  }

  static const CryptoProvider& base() {
    static const std::shared_ptr<const CryptoProvider> openssl = openssl_provider();
    return *openssl;
  }
};

// provider.h: dh_with_public_key "may take [the public key] as given; the result never depends on
// it. The default calls dh()." For the DH group of every suite's KEM the default gives what the
// OpenSSL provider's dh() and its own dh_with_public_key give, also when handed some other
// public key, and refuses a malformed peer key as dh() does.
TEST(ProviderDefaults, DhWithPublicKeyGivesDh) {
  const ForwardingProvider forwarding;
  const CryptoProvider& openssl = ForwardingProvider::base();
  std::set<KemId> kems;
  for (const CipherSuite& suite : all_cipher_suites())
    kems.insert(suite.kem);
  for (KemId kem : kems) {
    SCOPED_TRACE(static_cast<int>(kem));
    const KeyPair a = openssl.dh_generate(kem);
    const KeyPair b = openssl.dh_generate(kem);
    const KeyPair other = openssl.dh_generate(kem);
    const SecretBytes expected = openssl.dh(kem, a.private_key.view(), b.public_key);
    EXPECT_EQ(openssl.dh_with_public_key(kem, a.private_key.view(), a.public_key, b.public_key),
              expected);
    EXPECT_EQ(forwarding.dh_with_public_key(kem, a.private_key.view(), a.public_key, b.public_key),
              expected);
    EXPECT_EQ(
        forwarding.dh_with_public_key(kem, a.private_key.view(), other.public_key, b.public_key),
        expected);
    EXPECT_EQ(forwarding.dh_with_public_key(kem, b.private_key.view(), b.public_key, a.public_key),
              expected);
    const Bytes truncated(b.public_key.begin(), b.public_key.end() - 1);
    EXPECT_EQ(error_of([&] {
                forwarding.dh_with_public_key(kem, a.private_key.view(), a.public_key, truncated);
              }),
              ErrorCode::kInvalidPublicKey);
  }
}

// provider.h: random_bytes is "the only source of randomness in Conclave"; random() and
// random_secret() draw on it for exactly the bytes they return.
TEST(ProviderDefaults, RandomHelpersDrawOnRandomBytes) {
  class Patterned : public ForwardingProvider {
   public:
    void random_bytes(std::span<uint8_t> out) const override {
      for (uint8_t& b : out)
        b = next_++;
      drawn_ += out.size();
    }
    size_t drawn() const { return drawn_; }

   private:
    mutable uint8_t next_ = 1;
    mutable size_t drawn_ = 0;
  };
  const Patterned p;
  EXPECT_EQ(p.random(3), (Bytes{1, 2, 3}));
  EXPECT_EQ(p.random_secret(4), SecretBytes(Bytes{4, 5, 6, 7}));
  EXPECT_TRUE(p.random(0).empty());
  EXPECT_EQ(p.drawn(), 7u);
}

}  // namespace
}  // namespace conclave::crypto
