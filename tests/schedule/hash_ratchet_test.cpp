// RFC 9420 §9.1 and §9.2: sender ratchets, the out-of-order window and key deletion.
#include "conclave/schedule/hash_ratchet.h"

#include <gtest/gtest.h>

#include <functional>

#include "conclave/base/error.h"
#include "conclave/codec/codec.h"
#include "conclave/crypto/openssl_provider.h"
#include "support/error_of.h"

namespace conclave::schedule {
namespace {

using conclave::testing::error_of;

class HashRatchetTest : public ::testing::Test {
 protected:
  HashRatchetTest() : suite_(crypto::openssl_provider(), 1), secret0_(Bytes(32, 0x33)) {}

  HashRatchet fresh() const { return HashRatchet(secret0_); }
  // The key of a generation, from a ratchet nobody has touched.
  KeyAndNonce reference(uint32_t generation) const {
    return fresh().peek(suite_, generation, RatchetWindow{0, 1u << 20});
  }

  crypto::Suite suite_;
  SecretBytes secret0_;
};

// §9.1: key_j, nonce_j and secret_{j+1} come from secret_j via DeriveTreeSecret with j.
TEST_F(HashRatchetTest, Section9_1_SenderRatchetAdvances) {
  HashRatchet ratchet = fresh();
  const auto& aead = suite_.info().aead_info();
  SecretBytes secret = secret0_;
  for (uint32_t j = 0; j < 4; ++j) {
    const GenerationKey key = ratchet.next(suite_, {});
    EXPECT_EQ(key.generation, j);
    EXPECT_EQ(key.key.key, suite_.derive_tree_secret(secret.view(), "key", j, aead.key_len));
    EXPECT_EQ(key.key.nonce, suite_.derive_tree_secret(secret.view(), "nonce", j, aead.nonce_len));
    secret = suite_.derive_tree_secret(secret.view(), "secret", j, suite_.hash_len());
    EXPECT_EQ(ratchet.next_generation(), j + 1u);
  }
  EXPECT_EQ(ratchet.retained_key_count(), 0u);
}

// §9.2: unconsumed keys of skipped generations MAY be kept for out-of-order delivery.
TEST_F(HashRatchetTest, Section9_2_OutOfOrderWithinTheWindow) {
  HashRatchet ratchet = fresh();
  const RatchetWindow window{5, 1000};
  EXPECT_EQ(ratchet.take(suite_, 4, window), reference(4));
  EXPECT_EQ(ratchet.retained_key_count(), 4u);  // generations 0-3
  EXPECT_EQ(ratchet.take(suite_, 1, window), reference(1));
  EXPECT_EQ(ratchet.take(suite_, 3, window), reference(3));
  EXPECT_EQ(ratchet.take(suite_, 0, window), reference(0));
  EXPECT_EQ(ratchet.take(suite_, 5, window), reference(5));
  EXPECT_EQ(ratchet.take(suite_, 2, window), reference(2));
  EXPECT_EQ(ratchet.retained_key_count(), 0u);
}

// §9.2: keys behind the window are deleted; asking for one is a typed error.
TEST_F(HashRatchetTest, Section9_2_GenerationBehindTheWindowFails) {
  HashRatchet ratchet = fresh();
  const RatchetWindow window{2, 1000};
  ratchet.take(suite_, 10, window);
  EXPECT_EQ(ratchet.retained_key_count(), 2u);  // 8 and 9
  EXPECT_EQ(error_of([&] { ratchet.take(suite_, 7, window); }), ErrorCode::kGenerationTooOld);
  EXPECT_EQ(error_of([&] { ratchet.take(suite_, 0, window); }), ErrorCode::kGenerationTooOld);
  EXPECT_EQ(ratchet.take(suite_, 8, window), reference(8));
  // Moving on slides the window: 9 falls out once 12 is the newest generation.
  ratchet.take(suite_, 12, window);
  EXPECT_FALSE(ratchet.retains(9));
  EXPECT_EQ(error_of([&] { ratchet.take(suite_, 9, window); }), ErrorCode::kGenerationTooOld);
  EXPECT_EQ(ratchet.take(suite_, 11, window), reference(11));
}

// §9.2: a consumed key is deleted at once; replaying its generation fails.
TEST_F(HashRatchetTest, Section9_2_ReplayedGenerationFails) {
  HashRatchet ratchet = fresh();
  const RatchetWindow window{5, 1000};
  ratchet.take(suite_, 0, window);
  EXPECT_EQ(error_of([&] { ratchet.take(suite_, 0, window); }), ErrorCode::kGenerationReused);
  ratchet.take(suite_, 3, window);
  ratchet.take(suite_, 1, window);  // a retained key, now consumed
  EXPECT_EQ(error_of([&] { ratchet.take(suite_, 1, window); }), ErrorCode::kGenerationReused);
  EXPECT_EQ(error_of([&] { ratchet.take(suite_, 3, window); }), ErrorCode::kGenerationReused);
  // Peeking cannot recover a consumed key either.
  EXPECT_EQ(error_of([&] { ratchet.peek(suite_, 3, window); }), ErrorCode::kGenerationReused);
  EXPECT_TRUE(ratchet.retains(2));
}

// A sender's own consumed generations are replays too.
TEST_F(HashRatchetTest, Section9_2_SentGenerationCannotBeTakenAgain) {
  HashRatchet ratchet = fresh();
  ratchet.next(suite_, {});
  EXPECT_EQ(error_of([&] { ratchet.take(suite_, 0, {}); }), ErrorCode::kGenerationReused);
}

// Bounding the forward jump bounds the work one message can cause.
TEST_F(HashRatchetTest, GenerationTooFarAheadFails) {
  HashRatchet ratchet = fresh();
  const RatchetWindow window{5, 10};
  EXPECT_EQ(error_of([&] { ratchet.take(suite_, 11, window); }), ErrorCode::kGenerationTooFarAhead);
  EXPECT_EQ(error_of([&] { ratchet.peek(suite_, 11, window); }), ErrorCode::kGenerationTooFarAhead);
  EXPECT_EQ(ratchet.next_generation(), 0u);  // the refused request changed nothing
  EXPECT_EQ(ratchet.take(suite_, 10, window), reference(10));
  EXPECT_EQ(ratchet.take(suite_, 21, window), reference(21));  // 21 - 11 = 10
  // Next is now 22: 33 is 11 ahead.
  EXPECT_EQ(error_of([&] { ratchet.take(suite_, 33, window); }), ErrorCode::kGenerationTooFarAhead);
  EXPECT_EQ(error_of([&] { ratchet.take(suite_, 0xFFFFFFFF, window); }),
            ErrorCode::kGenerationTooFarAhead);
}

// With no tolerance only in-order generations are accepted, and no key is retained.
TEST_F(HashRatchetTest, Section9_2_ZeroToleranceKeepsNothing) {
  HashRatchet ratchet = fresh();
  const RatchetWindow window{0, 1000};
  ratchet.take(suite_, 2, window);
  EXPECT_EQ(ratchet.retained_key_count(), 0u);
  EXPECT_EQ(error_of([&] { ratchet.take(suite_, 1, window); }), ErrorCode::kGenerationTooOld);
  EXPECT_EQ(error_of([&] { ratchet.take(suite_, 2, window); }), ErrorCode::kGenerationReused);
}

// Peeking consumes nothing: the receiver consumes only after the message verified.
TEST_F(HashRatchetTest, PeekConsumesNothing) {
  HashRatchet ratchet = fresh();
  ratchet.take(suite_, 3, {});
  const HashRatchet before = ratchet;
  EXPECT_EQ(ratchet.peek(suite_, 1, {}), reference(1));
  EXPECT_EQ(ratchet.peek(suite_, 9, {}), reference(9));
  EXPECT_EQ(ratchet, before);
  EXPECT_EQ(ratchet.take(suite_, 9, {}), reference(9));
}

// A long jump keeps only the window's worth of keys (§9.2: delete what is not kept).
TEST_F(HashRatchetTest, Section9_2_RetainedKeysAreBounded) {
  HashRatchet ratchet = fresh();
  ratchet.take(suite_, 1000, RatchetWindow{5, 1000});
  EXPECT_EQ(ratchet.retained_key_count(), 5u);
  for (uint32_t g = 995; g < 1000; ++g)
    EXPECT_TRUE(ratchet.retains(g)) << g;
}

// §9.1: generations are uint32; after 2^32 - 1 the ratchet is spent.
TEST_F(HashRatchetTest, Section9_1_RatchetExhausts) {
  codec::Writer w;
  w.u64(0xFFFFFFFF);
  w.opaque(secret0_.view());
  w.vector([](codec::Writer&) {});
  HashRatchet ratchet = codec::decode<HashRatchet>(w.bytes());
  EXPECT_EQ(ratchet.next(suite_, {}).generation, 0xFFFFFFFFu);
  EXPECT_EQ(ratchet.next_generation(), uint64_t{1} << 32);
  EXPECT_EQ(error_of([&] { ratchet.next(suite_, {}); }), ErrorCode::kRatchetExhausted);
  EXPECT_EQ(error_of([&] { ratchet.take(suite_, 0xFFFFFFFF, {}); }), ErrorCode::kGenerationReused);
  EXPECT_EQ(codec::decode<HashRatchet>(codec::encode(ratchet)), ratchet);
}

TEST_F(HashRatchetTest, SerializationRoundTripAndChecks) {
  HashRatchet ratchet = fresh();
  ratchet.take(suite_, 6, {});
  const HashRatchet decoded = codec::decode<HashRatchet>(codec::encode(ratchet));
  EXPECT_EQ(decoded, ratchet);
  EXPECT_NO_THROW(decoded.validate(suite_.info()));
  // Suite 3 has Nh = 32 too, but its ChaCha20 keys are 32 bytes, not AES-128's 16.
  EXPECT_EQ(error_of([&] { decoded.validate(crypto::cipher_suite(3)); }),
            ErrorCode::kInvalidScheduleState);

  const auto state = [&](uint64_t next, std::vector<uint32_t> retained) {
    codec::Writer w;
    w.u64(next);
    w.opaque(secret0_.view());
    w.vector([&](codec::Writer& inner) {
      for (uint32_t g : retained) {
        inner.u32(g);
        codec::write(inner, reference(0));
      }
    });
    return w.take();
  };
  const auto code = [](const Bytes& bytes) {
    return error_of([&] { codec::decode<HashRatchet>(bytes); });
  };
  EXPECT_NO_THROW(codec::decode<HashRatchet>(state(5, {1, 3})));
  EXPECT_EQ(code(state(5, {3, 1})), ErrorCode::kInvalidScheduleState);  // order
  EXPECT_EQ(code(state(5, {5})), ErrorCode::kInvalidScheduleState);     // not reached yet
  EXPECT_EQ(code(state(uint64_t{1} << 32, {})), ErrorCode::kInvalidScheduleState);  // spent
}

}  // namespace
}  // namespace conclave::schedule
