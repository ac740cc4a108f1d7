// The methods CryptoProvider implements itself (src/crypto/provider.cpp), which the OpenSSL
// provider overrides or never needs: checked through a provider that forwards every primitive
// to the OpenSSL one and keeps the base class's defaults.
#include "conclave/crypto/provider.h"

#include <gtest/gtest.h>

#include <set>

#include "conclave/base/error.h"
#include "conclave/crypto/openssl_provider.h"
#include "support/error_of.h"
#include "support/forwarding_provider.h"

namespace conclave::crypto {
namespace {

using conclave::testing::error_of;

using ForwardingProvider = conclave::testing::ForwardingProvider;

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
