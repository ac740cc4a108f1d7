#include <gtest/gtest.h>

#include <type_traits>

#include "conclave/base/bytes.h"
#include "conclave/base/error.h"
#include "conclave/base/secret_bytes.h"

namespace conclave {
namespace {

TEST(Hex, RoundTrip) {
  EXPECT_EQ(to_hex(from_hex("00ff10Ab")), "00ff10ab");
  EXPECT_TRUE(from_hex("").empty());
}

TEST(Hex, MalformedInputIsTypedError) {
  for (const char* bad : {"0", "zz", "0g"}) {
    try {
      (void)from_hex(bad);
      FAIL() << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidHex);
    }
  }
}

TEST(ConstantTimeEqual, ComparesContentAndLength) {
  EXPECT_TRUE(constant_time_equal(from_hex("0102"), from_hex("0102")));
  EXPECT_FALSE(constant_time_equal(from_hex("0102"), from_hex("0103")));
  EXPECT_FALSE(constant_time_equal(from_hex("0102"), from_hex("010200")));
  EXPECT_TRUE(constant_time_equal(Bytes{}, Bytes{}));
}

TEST(SecretBytes, MoveLeavesSourceEmpty) {
  SecretBytes a(from_hex("010203"));
  SecretBytes b(std::move(a));
  EXPECT_EQ(b.size(), 3u);
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): the wipe is what is tested
  SecretBytes c;
  c = std::move(b);
  EXPECT_TRUE(b.empty());  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(c, SecretBytes(from_hex("010203")));
}

TEST(SecretBytes, WipeClearsTheBuffer) {
  SecretBytes s(from_hex("a1a2a3a4"));
  const uint8_t* storage = s.data();
  s.wipe();
  EXPECT_TRUE(s.empty());
  // clear() keeps the allocation, so the old storage is still ours to inspect: it is zeroed.
  for (size_t i = 0; i < 4; ++i)
    EXPECT_EQ(storage[i], 0) << i;
}

TEST(SecretBytes, ShrinkWipesTheTail) {
  SecretBytes s(from_hex("a1a2a3a4"));
  const uint8_t* storage = s.data();
  s.resize(1);
  EXPECT_EQ(s.size(), 1u);
  EXPECT_EQ(storage[0], 0xa1);
  for (size_t i = 1; i < 4; ++i)
    EXPECT_EQ(storage[i], 0) << i;
}

// A secret becomes a view only through view(), so every place one is handed on says so; a
// const one too, which std::span's range constructor would otherwise take.
static_assert(!std::is_convertible_v<SecretBytes&, BytesView>);
static_assert(!std::is_convertible_v<const SecretBytes&, BytesView>);
static_assert(!std::is_convertible_v<SecretBytes&&, BytesView>);

TEST(SecretBytes, ViewShowsTheBytes) {
  const SecretBytes s(from_hex("a1a2a3"));
  EXPECT_EQ(s.view().data(), s.data());
  EXPECT_EQ(to_hex(s.view()), "a1a2a3");
}

TEST(Error, NamesTheRule) {
  const Error e(ErrorCode::kVarintNotMinimal, "value 5 in 2 bytes");
  EXPECT_EQ(e.code(), ErrorCode::kVarintNotMinimal);
  EXPECT_STREQ(e.what(), "varint-not-minimal: value 5 in 2 bytes");
}

}  // namespace
}  // namespace conclave
