// Extensions draft §Pre-Shared Keys (PSKs): the application PSKType, whose PreSharedKeyID names
// the component the PSK belongs to.
#include <gtest/gtest.h>

#include "conclave/base/error.h"
#include "conclave/codec/codec.h"
#include "conclave/wire/psk.h"

namespace conclave::wire {
namespace {

// §Pre-Shared Keys: case application: ComponentID component_id; opaque psk_id<V>; then
// opaque psk_nonce<V>.
TEST(ApplicationPsk, LayoutAndRoundTrip) {
  const PreSharedKeyId id = PreSharedKeyId::application(0x8001, from_hex("aabb"), from_hex("cc"));
  const Bytes encoded = codec::encode(id);
  EXPECT_EQ(to_hex(encoded),
            "03"
            "8001"
            "02aabb"
            "01cc");
  const auto decoded = codec::decode<PreSharedKeyId>(encoded);
  EXPECT_EQ(decoded, id);
  EXPECT_EQ(decoded.psktype, PskType::kApplication);
  EXPECT_EQ(decoded.component_id, 0x8001);
}

// Domain separation: the same psk_id under another component, or as an external PSK, is
// another PreSharedKeyID (and so another PSKLabel in the key schedule).
TEST(ApplicationPsk, ComponentAndTypeSeparateIds) {
  const Bytes a = codec::encode(PreSharedKeyId::application(1, from_hex("aa"), from_hex("cc")));
  const Bytes b = codec::encode(PreSharedKeyId::application(2, from_hex("aa"), from_hex("cc")));
  const Bytes e = codec::encode(PreSharedKeyId::external(from_hex("aa"), from_hex("cc")));
  EXPECT_NE(a, b);
  EXPECT_NE(a, e);
}

// Each field is required: a PreSharedKeyID of type application cut short does not decode,
// and PSKType values past application(3) stay unknown.
TEST(ApplicationPsk, RejectsTruncatedAndUnknownTypes) {
  EXPECT_THROW((void)codec::decode<PreSharedKeyId>(from_hex("0380")), Error);
  EXPECT_THROW((void)codec::decode<PreSharedKeyId>(from_hex("03800102aa")), Error);
  EXPECT_THROW((void)codec::decode<PreSharedKeyId>(from_hex("03800102aabb")), Error)
      << "no psk_nonce";
  EXPECT_THROW((void)codec::decode<PreSharedKeyId>(from_hex("04800102aabb01cc")), Error);
}

}  // namespace
}  // namespace conclave::wire
