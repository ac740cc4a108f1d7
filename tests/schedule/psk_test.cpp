// RFC 9420 §8.4: the PSK secret.
#include "conclave/schedule/psk.h"

#include <gtest/gtest.h>

#include <functional>
#include <vector>

#include "conclave/base/error.h"
#include "conclave/codec/codec.h"
#include "conclave/crypto/openssl_provider.h"
#include "support/error_of.h"

namespace conclave::schedule {
namespace {

using conclave::testing::error_of;

PskInput external(const std::string& id, uint8_t nonce, uint8_t value) {
  return PskInput{wire::PreSharedKeyId::external(to_bytes(id), Bytes(32, nonce)),
                  SecretBytes(Bytes(32, value))};
}

class PskTest : public ::testing::Test {
 protected:
  PskTest() : suite_(crypto::openssl_provider(), 1) {}
  SecretBytes secret(const std::vector<PskInput>& psks) const {
    return derive_psk_secret(suite_, psks);
  }
  crypto::Suite suite_;
};

// §8.4: with no PSK, psk_secret is psk_secret_[0], KDF.Nh zero bytes, in every suite.
TEST_F(PskTest, Section8_4_NoPsksGivesZeros) {
  for (const auto& info : crypto::all_cipher_suites()) {
    const crypto::Suite suite(crypto::openssl_provider(), info.id);
    EXPECT_EQ(derive_psk_secret(suite, {}), SecretBytes(suite.hash_len())) << info.name;
  }
}

// §8.4, written out for one PSK.
TEST_F(PskTest, Section8_4_OnePskFollowsTheRfc) {
  const PskInput psk = external("a", 1, 2);
  const SecretBytes zero(32);
  const SecretBytes extracted = suite_.extract(zero.view(), psk.psk.view());
  const SecretBytes input = suite_.expand_with_label(
      extracted.view(), "derived psk", codec::encode(wire::PskLabel{psk.id, 0, 1}), 32);
  EXPECT_EQ(secret({psk}), suite_.extract(input.view(), zero.view()));
}

// §8.4: PSKs are chained in the order listed; index and count are part of each label.
TEST_F(PskTest, Section8_4_OrderAndCountMatter) {
  const PskInput a = external("a", 1, 2);
  const PskInput b = external("b", 3, 4);
  EXPECT_NE(secret({a, b}), secret({b, a}));
  EXPECT_NE(secret({a}), secret({a, b}));
  EXPECT_NE(secret({a, a}), secret({a}));
}

// §8.4: the nonce makes a reused PSK give a fresh psk_secret; the id type is bound too.
TEST_F(PskTest, Section8_4_NonceAndIdAreBound) {
  EXPECT_NE(secret({external("a", 1, 2)}), secret({external("a", 9, 2)}));
  EXPECT_NE(secret({external("a", 1, 2)}), secret({external("a", 1, 3)}));
  PskInput resumption{wire::PreSharedKeyId::resumption(wire::ResumptionPskUsage::kApplication,
                                                       to_bytes("a"), 0, Bytes(32, 1)),
                      SecretBytes(Bytes(32, 2))};
  EXPECT_NE(secret({external("a", 1, 2)}), secret({resumption}));
}

// §8.4: PSKLabel.count is a uint16.
TEST_F(PskTest, Section8_4_TooManyPsks) {
  const std::vector<PskInput> psks(65536);
  EXPECT_EQ(error_of([&] { derive_psk_secret(suite_, psks); }), ErrorCode::kTooManyPsks);
}

}  // namespace
}  // namespace conclave::schedule
