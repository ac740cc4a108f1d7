// Extensions draft §Safe Additional Authenticated Data: the wire layout of SafeAADItem and
// SafeAAD, the items' order, and when a GroupContext requires the framing (§Negotiating
// Extensions and Components: the safe_aad component, even with an empty list).
#include <gtest/gtest.h>

#include <vector>

#include "conclave/base/error.h"
#include "conclave/codec/codec.h"
#include "conclave/wire/app_data.h"
#include "conclave/wire/safe_aad.h"

namespace conclave::wire {
namespace {

ErrorCode safe_aad_error(const Bytes& data) {
  try {
    (void)decode_safe_aad(data);
  } catch (const Error& e) {
    return e.code();
  }
  return ErrorCode::kInternal;  // decoded: a test expecting an error fails on this value
}

// §Safe AAD: struct { ComponentID component_id; opaque aad_item_data<V>; } SafeAADItem;
// struct { SafeAADItem aad_items<V>; } SafeAAD.
TEST(SafeAad, LayoutAndRoundTrip) {
  const std::vector<SafeAadItem> items{{0x8001, from_hex("cc")}, {0x0002, from_hex("aabb")}};
  const Bytes encoded = encode_safe_aad(items);  // sorted by encode_safe_aad
  EXPECT_EQ(to_hex(encoded),
            "09"
            "0002"
            "02aabb"
            "8001"
            "01cc");
  const SafeAad decoded = decode_safe_aad(encoded);
  ASSERT_EQ(decoded.aad_items.size(), 2u);
  EXPECT_EQ(decoded.aad_items[0], (SafeAadItem{0x0002, from_hex("aabb")}));
  ASSERT_NE(find_safe_aad_item(decoded, 0x8001), nullptr);
  EXPECT_EQ(find_safe_aad_item(decoded, 0x8001)->aad_item_data, from_hex("cc"));
  EXPECT_EQ(find_safe_aad_item(decoded, 0x0003), nullptr);
  EXPECT_EQ(codec::encode(decoded), encoded);
}

// §Safe AAD: "If safe_aad is present, but none of the "safe" AAD components have data to send
// in a particular message, the aad_items is a zero-length vector."
TEST(SafeAad, NoItemsIsTheEmptyVector) {
  EXPECT_EQ(to_hex(encode_safe_aad({})), "00");
  EXPECT_TRUE(decode_safe_aad(from_hex("00")).aad_items.empty());
}

// §Safe AAD: "the elements of aad_items are sorted in increasing numerical order of the
// component_id" (so no component twice).
TEST(SafeAad, RejectsUnsortedAndDuplicateItems) {
  EXPECT_EQ(safe_aad_error(from_hex("09"
                                    "8001"
                                    "01cc"
                                    "0002"
                                    "02aabb")),
            ErrorCode::kSafeAadUnsorted);
  EXPECT_EQ(safe_aad_error(from_hex("08"
                                    "0002"
                                    "01cc"
                                    "0002"
                                    "01dd")),
            ErrorCode::kSafeAadUnsorted);
  const std::vector<SafeAadItem> twice{{0x0002, {}}, {0x0002, {}}};
  EXPECT_THROW(
      {
        try {
          (void)encode_safe_aad(twice);
        } catch (const Error& e) {
          EXPECT_EQ(e.code(), ErrorCode::kSafeAadUnsorted);
          throw;
        }
      },
      Error);
}

// §Safe AAD: with safe_aad required, authenticated_data "is framed as a SafeAAD struct": bytes
// that are not one (truncated, trailing bytes, free-form AAD) are refused.
TEST(SafeAad, RejectsWhatIsNotASafeAad) {
  EXPECT_EQ(safe_aad_error({}), ErrorCode::kSafeAadMalformed) << "empty: not even the vector";
  EXPECT_EQ(safe_aad_error(from_hex("05"
                                    "0002"
                                    "02aa")),
            ErrorCode::kSafeAadMalformed)
      << "an item cut short";
  EXPECT_EQ(safe_aad_error(from_hex("00"
                                    "ff")),
            ErrorCode::kSafeAadMalformed)
      << "bytes after the SafeAAD";
  EXPECT_EQ(safe_aad_error(from_hex("68656c6c6f")), ErrorCode::kSafeAadMalformed)
      << "free-form AAD";
}

ExtensionList context_with(const AppDataDictionary& dictionary) {
  return {Extension{ExtensionType::kAppDataDictionary, codec::encode(dictionary)}};
}

// §Negotiating Extensions and Components: "If the safe_aad component is present, even with an
// empty list, ... in the GroupContext, then the authenticated_data field always starts with
// the SafeAAD struct". Without it, any authenticated_data goes.
TEST(SafeAad, RequiredExactlyWhenTheGroupContextHasTheComponent) {
  EXPECT_FALSE(safe_aad_required({}));
  AppDataDictionary other;
  set_component(other, component::kContentMediaTypes, from_hex("00"));
  EXPECT_FALSE(safe_aad_required(context_with(other)));
  EXPECT_NO_THROW(check_authenticated_data(context_with(other), from_hex("68656c6c6f")));

  AppDataDictionary empty_list;
  set_component(empty_list, component::kSafeAad, codec::encode(ComponentsList{}));
  EXPECT_TRUE(safe_aad_required(context_with(empty_list)));
  EXPECT_NO_THROW(check_authenticated_data(context_with(empty_list), from_hex("00")));
  try {
    check_authenticated_data(context_with(empty_list), from_hex("68656c6c6f"));
    ADD_FAILURE() << "free-form AAD accepted with safe_aad required";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kSafeAadMalformed);
  }
}

}  // namespace
}  // namespace conclave::wire
