// Extensions draft §Attaching Application Data and §Negotiating Extensions and Components: the
// wire layout of AppDataDictionary, ComponentsList and WireFormats, and the dictionary's order.
#include <gtest/gtest.h>

#include "conclave/base/error.h"
#include "conclave/codec/codec.h"
#include "conclave/wire/app_data.h"

namespace conclave::wire {
namespace {

ErrorCode dictionary_error(const Bytes& data) {
  try {
    (void)decode_app_data_dictionary(data);
  } catch (const Error& e) {
    return e.code();
  }
  return ErrorCode::kInternal;  // decoded: a test expecting an error fails on this value
}

// §Attaching Application Data: struct { ComponentID component_id; opaque data<V>; }
// ComponentData; struct { ComponentData component_data<V>; } AppDataDictionary.
TEST(AppDataDictionary, LayoutAndRoundTrip) {
  AppDataDictionary d;
  set_component(d, 0x0003, from_hex("cc"));
  set_component(d, 0x0001, from_hex("aabb"));
  const Bytes encoded = codec::encode(d);
  // length 9 | component 1, data aabb | component 3, data cc
  EXPECT_EQ(to_hex(encoded), "09000102aabb000301cc");
  EXPECT_EQ(decode_app_data_dictionary(encoded), d);
  ASSERT_NE(find_component(d, 0x0003), nullptr);
  EXPECT_EQ(find_component(d, 0x0003)->data, from_hex("cc"));
  EXPECT_EQ(find_component(d, 0x0002), nullptr);
  set_component(d, 0x0003, from_hex("dd"));
  EXPECT_EQ(d.component_data.size(), 2u);
  EXPECT_TRUE(erase_component(d, 0x0001));
  EXPECT_FALSE(erase_component(d, 0x0001));
  EXPECT_EQ(to_hex(codec::encode(d)), "04000301dd");
}

// §Attaching Application Data: "sorted by component_id, and ... at most one entry for each".
TEST(AppDataDictionary, RejectsUnsortedAndDuplicateEntries) {
  EXPECT_EQ(dictionary_error(from_hex("09000301cc000102aabb")),
            ErrorCode::kAppDataDictionaryUnsorted);
  EXPECT_EQ(dictionary_error(from_hex("08000101cc000101dd")),
            ErrorCode::kAppDataDictionaryUnsorted);
  EXPECT_EQ(dictionary_error(from_hex("05000102aa")), ErrorCode::kLengthBeyondInput);
}

// §Negotiating Extensions and Components: ComponentsList and WireFormats are uint16 vectors;
// unknown values (GREASE among them) are kept.
TEST(AppDataDictionary, ComponentsListAndWireFormats) {
  const ComponentsList components{{0x0001, 0x3A3A, 0x8001}};
  EXPECT_EQ(to_hex(codec::encode(components)), "0600013a3a8001");
  EXPECT_EQ(codec::decode<ComponentsList>(codec::encode(components)), components);
  const WireFormats formats{{0x0001, 0x7777}};
  EXPECT_EQ(codec::decode<WireFormats>(codec::encode(formats)), formats);
  EXPECT_TRUE(component::is_grease(0x3A3A));
  EXPECT_FALSE(component::is_grease(0x8A8A));  // private use, not GREASE
}

}  // namespace
}  // namespace conclave::wire
