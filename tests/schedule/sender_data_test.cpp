// RFC 9420 §6.3.1 (reuse guard) and §6.3.2 (sender data key and nonce).
#include "conclave/schedule/detail/sender_data.h"

#include <gtest/gtest.h>

#include <functional>

#include "conclave/base/error.h"
#include "conclave/crypto/openssl_provider.h"
#include "conclave/schedule/key_and_nonce.h"
#include "support/error_of.h"

namespace conclave::schedule {
namespace {

using conclave::testing::error_of;

// §6.3.2: the key and nonce depend on the first KDF.Nh bytes of the ciphertext only.
TEST(SenderData, Section6_3_2_SampleIsTheFirstNhBytes) {
  const crypto::Suite suite(crypto::openssl_provider(), 1);
  const SecretBytes secret(Bytes(32, 0x42));
  Bytes ciphertext(100, 0xab);
  const KeyAndNonce base = derive_sender_data_key(suite, secret.view(), ciphertext);
  EXPECT_EQ(base.key.size(), 16u);
  EXPECT_EQ(base.nonce.size(), 12u);
  EXPECT_EQ(base.key,
            suite.expand_with_label(secret.view(), "key", BytesView(ciphertext).first(32), 16));
  EXPECT_EQ(base.nonce,
            suite.expand_with_label(secret.view(), "nonce", BytesView(ciphertext).first(32), 12));

  Bytes tail_changed = ciphertext;
  tail_changed[32] ^= 1;
  EXPECT_EQ(derive_sender_data_key(suite, secret.view(), tail_changed), base);
  Bytes head_changed = ciphertext;
  head_changed[31] ^= 1;
  EXPECT_NE(derive_sender_data_key(suite, secret.view(), head_changed).key, base.key);
}

// §6.3.2: a ciphertext shorter than KDF.Nh is used whole.
TEST(SenderData, Section6_3_2_ShortCiphertextIsUsedWhole) {
  const crypto::Suite suite(crypto::openssl_provider(), 7);  // Nh = 48
  const SecretBytes secret(Bytes(48, 0x42));
  const Bytes ciphertext(20, 0xcd);
  EXPECT_EQ(ciphertext_sample(suite, ciphertext).size(), 20u);
  EXPECT_EQ(
      derive_sender_data_key(suite, secret.view(), ciphertext).key,
      suite.expand_with_label(secret.view(), "key", ciphertext, suite.info().aead_info().key_len));
  EXPECT_EQ(error_of([&] { derive_sender_data_key(suite, SecretBytes(Bytes(32, 1)).view(), {}); }),
            ErrorCode::kInvalidSecretLength);
}

// §6.3.1: the reuse guard is XORed into the first four nonce bytes; the rest is unchanged.
TEST(ReuseGuard, Section6_3_1_XorsTheFirstFourBytes) {
  const Bytes nonce = {0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80, 0x90, 0xa0, 0xb0, 0xc0};
  const std::array<uint8_t, 4> guard = {0xff, 0x0f, 0xf0, 0x01};
  const SecretBytes guarded = apply_reuse_guard(nonce, guard);
  const Bytes expected = {0xef, 0x2f, 0xc0, 0x41, 0x50, 0x60, 0x70, 0x80, 0x90, 0xa0, 0xb0, 0xc0};
  EXPECT_EQ(guarded.copy_out(), expected);
  EXPECT_EQ(apply_reuse_guard(guarded.view(), guard).copy_out(), nonce);  // XOR undoes itself
  EXPECT_EQ(error_of([&] { apply_reuse_guard(Bytes(3, 0), guard); }),
            ErrorCode::kInvalidNonceLength);
}

}  // namespace
}  // namespace conclave::schedule
