// RFC 9420 §2.1: the presentation language, its variable-length headers and strict decoding.
#include "conclave/codec/codec.h"

#include <gtest/gtest.h>

#include <array>
#include <optional>
#include <string>
#include <vector>

namespace conclave::codec {
namespace {

enum class Color : uint8_t { kRed = 1, kGreen = 2 };
bool tls_enum_known(Color c) {
  return c == Color::kRed || c == Color::kGreen;
}

enum class OpenType : uint16_t { kKnown = 1 };  // no tls_enum_known: any value decodes

struct Inner {
  uint16_t id = 0;
  Bytes blob;
  CONCLAVE_TLS_FIELDS(id, blob)
  friend bool operator==(const Inner&, const Inner&) = default;
};

struct Outer {
  uint8_t a = 0;
  uint32_t b = 0;
  uint64_t c = 0;
  Color color = Color::kRed;
  OpenType open = OpenType::kKnown;
  std::optional<Inner> maybe;
  std::vector<Inner> items;
  std::vector<Bytes> nested;
  std::array<uint8_t, 4> fixed{};
  std::string label;
  CONCLAVE_TLS_FIELDS(a, b, c, color, open, maybe, items, nested, fixed, label)
  friend bool operator==(const Outer&, const Outer&) = default;
};

// A type with a `select` layout encodes itself.
struct Tagged {
  uint8_t tag = 0;
  uint16_t small = 0;
  Bytes big;
  void tls_encode(Writer& w) const {
    w.u8(tag);
    if (tag == 1)
      w.u16(small);
    else
      write(w, big);
  }
  void tls_decode(Reader& r) {
    tag = r.u8();
    if (tag == 1)
      small = r.u16();
    else
      read(r, big);
  }
};

ErrorCode decode_error(const Bytes& data, auto decoder) {
  try {
    decoder(data);
  } catch (const Error& e) {
    return e.code();
  }
  return ErrorCode::kInternal;  // no error: the test expecting one fails on this value
}

template <class T>
ErrorCode decode_error_as(const Bytes& data) {
  return decode_error(data, [](const Bytes& d) { (void)decode<T>(d); });
}

Bytes varint_bytes(uint64_t v) {
  Writer w;
  w.varint(v);
  return w.take();
}

uint64_t read_varint(const Bytes& b) {
  Reader r(b);
  uint64_t v = r.varint();
  r.expect_end("varint");
  return v;
}

TEST(Varint, MinimalEncodingsAtEachBoundary) {
  // §2.1.2 summary table: 1 byte up to 63, 2 bytes up to 16383, 4 bytes up to 2^30 - 1.
  EXPECT_EQ(varint_bytes(0), from_hex("00"));
  EXPECT_EQ(varint_bytes(63), from_hex("3f"));
  EXPECT_EQ(varint_bytes(64), from_hex("4040"));
  EXPECT_EQ(varint_bytes(16383), from_hex("7fff"));
  EXPECT_EQ(varint_bytes(16384), from_hex("80004000"));
  EXPECT_EQ(varint_bytes(kMaxVarint), from_hex("bfffffff"));
}

TEST(Varint, RfcExamplesDecode) {
  // §2.1.2 examples.
  EXPECT_EQ(read_varint(from_hex("9d7f3e7d")), 494878333u);
  EXPECT_EQ(read_varint(from_hex("7bbd")), 15293u);
  EXPECT_EQ(read_varint(from_hex("25")), 37u);
}

TEST(Varint, NonMinimalEncodingRejected) {
  // §2.1.2: "values using more bits than necessary MUST be treated as malformed".
  for (const char* hex : {"4025", "403f", "80000025", "80003fff", "40000000"}) {
    EXPECT_EQ(decode_error(from_hex(hex), read_varint), ErrorCode::kVarintNotMinimal) << hex;
  }
}

TEST(Varint, PrefixElevenRejected) {
  // §2.1.2: "Vectors that start with the prefix 11 are invalid and MUST be rejected."
  EXPECT_EQ(decode_error(from_hex("c0000000"), read_varint), ErrorCode::kVarintPrefixInvalid);
  EXPECT_EQ(decode_error(from_hex("ffffffffffffffff"), read_varint),
            ErrorCode::kVarintPrefixInvalid);
}

TEST(Varint, TruncatedHeaderRejected) {
  EXPECT_EQ(decode_error(from_hex("40"), read_varint), ErrorCode::kTruncated);
  EXPECT_EQ(decode_error(from_hex("8000"), read_varint), ErrorCode::kTruncated);
  EXPECT_EQ(decode_error(Bytes{}, read_varint), ErrorCode::kTruncated);
}

TEST(Varint, LengthOfTwoToTheThirtyCannotBeEncoded) {
  Writer w;
  try {
    w.varint(kMaxVarint + 1);
    FAIL() << "encoded a length of 2^30";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kLengthTooLarge);
  }
}

TEST(Vector, LengthBeyondInputRejected) {
  // Header says 5 bytes, 3 follow.
  EXPECT_EQ(decode_error_as<Bytes>(from_hex("05010203")), ErrorCode::kLengthBeyondInput);
  // A 4-byte header claiming ~1 GiB on a short input fails without allocating.
  EXPECT_EQ(decode_error_as<Bytes>(from_hex("bfffffff00")), ErrorCode::kLengthBeyondInput);
}

TEST(Vector, ElementMayNotCrossVectorEnd) {
  // vector<uint16> of declared length 3: the second element would straddle the end.
  EXPECT_EQ(decode_error_as<std::vector<uint16_t>>(from_hex("030001020304")),
            ErrorCode::kTruncated);
}

TEST(Vector, TrailingBytesAfterTopLevelMessageRejected) {
  EXPECT_EQ(decode_error_as<Bytes>(from_hex("0201020304")), ErrorCode::kTrailingBytes);
  EXPECT_EQ(decode_error_as<uint16_t>(from_hex("000100")), ErrorCode::kTrailingBytes);
}

TEST(Optional, PresenceOctetMustBeZeroOrOne) {
  // §2.1.1: "a presence octet with a value other than 0 or 1 MUST be rejected".
  EXPECT_EQ(decode<std::optional<uint8_t>>(from_hex("00")), std::nullopt);
  EXPECT_EQ(decode<std::optional<uint8_t>>(from_hex("0107")), std::optional<uint8_t>(7));
  EXPECT_EQ(decode_error_as<std::optional<uint8_t>>(from_hex("0207")),
            ErrorCode::kInvalidOptionalFlag);
}

TEST(Enum, UnknownValueOfCheckedEnumRejected) {
  EXPECT_EQ(decode<Color>(from_hex("02")), Color::kGreen);
  EXPECT_EQ(decode_error_as<Color>(from_hex("03")), ErrorCode::kInvalidEnumValue);
  // Enums without a check keep unknown values (e.g. extension types, §13).
  EXPECT_EQ(static_cast<uint16_t>(decode<OpenType>(from_hex("abcd"))), 0xabcd);
}

TEST(Integers, BigEndianFixedWidth) {
  EXPECT_EQ(encode(uint16_t{0x0102}), from_hex("0102"));
  EXPECT_EQ(encode(uint32_t{0x01020304}), from_hex("01020304"));
  EXPECT_EQ(encode(uint64_t{0x0102030405060708}), from_hex("0102030405060708"));
  EXPECT_EQ(decode<uint64_t>(from_hex("0102030405060708")), 0x0102030405060708u);
  EXPECT_EQ(decode_error_as<uint32_t>(from_hex("010203")), ErrorCode::kTruncated);
}

Outer sample() {
  Outer o;
  o.a = 7;
  o.b = 0xdeadbeef;
  o.c = 1;
  o.color = Color::kGreen;
  o.maybe = Inner{3, from_hex("aabb")};
  o.items = {Inner{1, {}}, Inner{2, Bytes(100, 0x5a)}};
  o.nested = {from_hex("01"), {}, from_hex("0203")};
  o.fixed = {1, 2, 3, 4};
  o.label = "MLS 1.0 test";
  return o;
}

TEST(Struct, DeclaredFieldsRoundTrip) {
  const Outer o = sample();
  const Bytes encoded = encode(o);
  EXPECT_EQ(decode<Outer>(encoded), o);
  // Spot-check the layout: a, b, c, color, open, then the optional's presence octet and Inner.id.
  EXPECT_EQ(to_hex(BytesView(encoded).first(19)), "07deadbeef0000000000000001020001010003");
}

TEST(Struct, NestedVectorLengthsAreByteCounts) {
  // items<V> holds Inner{1, ""} (3 bytes) and Inner{2, 100 bytes} (2 + 2 + 100 bytes): 107.
  Writer w;
  write(w, sample().items);
  EXPECT_EQ(to_hex(BytesView(w.bytes()).first(2)), "406b");
}

TEST(Struct, EveryTruncationFailsCleanly) {
  // Every proper prefix of a valid encoding is rejected with a codec error, never a crash.
  const Bytes encoded = encode(sample());
  for (size_t n = 0; n < encoded.size(); ++n) {
    const Bytes prefix(encoded.begin(), encoded.begin() + static_cast<std::ptrdiff_t>(n));
    const ErrorCode code = decode_error_as<Outer>(prefix);
    EXPECT_TRUE(code == ErrorCode::kTruncated || code == ErrorCode::kLengthBeyondInput ||
                code == ErrorCode::kTrailingBytes)
        << "prefix " << n << " gave " << error_code_name(code);
  }
}

TEST(Struct, CustomCodecRoundTrip) {
  Tagged t{1, 0x0203, {}};
  EXPECT_EQ(encode(t), from_hex("010203"));
  Tagged u{2, 0, from_hex("ff")};
  EXPECT_EQ(encode(u), from_hex("0201ff"));
  EXPECT_EQ(decode<Tagged>(from_hex("0201ff")).big, from_hex("ff"));
}

TEST(Bytes, SecretBytesEncodeAsOpaque) {
  const SecretBytes s(from_hex("0102"));
  EXPECT_EQ(encode(s), from_hex("020102"));
  EXPECT_EQ(decode<SecretBytes>(from_hex("020102")), s);
}

TEST(Bytes, LargeVectorUsesFourByteHeader) {
  const Bytes big(20000, 1);
  const Bytes encoded = encode(big);
  ASSERT_EQ(encoded.size(), 20004u);
  EXPECT_EQ(to_hex(BytesView(encoded).first(4)), "80004e20");
  EXPECT_EQ(decode<Bytes>(encoded), big);
}

}  // namespace
}  // namespace conclave::codec
