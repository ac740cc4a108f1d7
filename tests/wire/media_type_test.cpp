// Extensions draft §Content Advertisement (Syntax) and §Framing of application_data: the wire
// layout of MediaType, MediaTypeList and ApplicationFraming, the non-empty list, and the empty
// media type of a framing.
#include <gtest/gtest.h>

#include "conclave/base/error.h"
#include "conclave/codec/codec.h"
#include "conclave/wire/app_data.h"
#include "conclave/wire/component.h"
#include "conclave/wire/media_type.h"
#include "support/error_of.h"

namespace conclave::wire {
namespace {

using conclave::testing::error_of;

Bytes bytes_of(std::string_view s) {
  return Bytes(s.begin(), s.end());
}

// §Content Advertisement, Syntax: text/plain ;charset="UTF-8" is type "text/plain" and one
// Parameter { "charset", "UTF-8" } (the quotes are not part of the value).
TEST(MediaType, LayoutAndRoundTrip) {
  MediaType t = MediaType::of("text/plain");
  t.parameters.push_back(MediaTypeParameter{bytes_of("charset"), bytes_of("UTF-8")});
  EXPECT_EQ(to_hex(codec::encode(t)),
            "0a746578742f706c61696e"  // "text/plain"
            "0e"
            "0763686172736574"  // "charset"
            "055554462d38");    // "UTF-8"
  const MediaTypeList list{{t, MediaType::of("image/png")}};
  EXPECT_EQ(decode_media_type_list(codec::encode(list)), list);
}

// §Content Advertisement, Syntax: MediaTypeList "must contain at least one item".
TEST(MediaType, EmptyListIsRefused) {
  EXPECT_EQ(error_of([] { (void)decode_media_type_list(from_hex("00")); }),
            ErrorCode::kMediaTypeListEmpty);
  EXPECT_EQ(error_of([] {
              (void)decode_media_type_list(
                  from_hex("05"
                           "03616263"));
            }),
            ErrorCode::kLengthBeyondInput)
      << "a list longer than its bytes";
}

// §Framing of application_data: struct { MediaType media_type; opaque
// inner_application_content<V>; } ApplicationFraming; an empty type is the group's first.
TEST(MediaType, FramingAndTheEmptyType) {
  const MediaTypeList group{{MediaType::of("text/plain"), MediaType::of("image/png")}};
  const Bytes framed = frame_application_data(MediaType::of("image/png"), from_hex("89504e47"));
  EXPECT_EQ(to_hex(framed),
            "09696d6167652f706e67"
            "00"
            "0489504e47");
  const ApplicationFraming f = unframe_application_data(framed, group);
  EXPECT_EQ(f.media_type, MediaType::of("image/png"));
  EXPECT_EQ(f.inner_application_content, from_hex("89504e47"));

  const Bytes untyped = frame_application_data(MediaType{}, from_hex("6869"));
  EXPECT_EQ(to_hex(untyped),
            "00"
            "00"
            "026869");
  EXPECT_EQ(unframe_application_data(untyped, group).media_type, MediaType::of("text/plain"));
}

// §Framing of application_data: application_data that is not an ApplicationFraming.
TEST(MediaType, MalformedFramingIsRefused) {
  const MediaTypeList group{{MediaType::of("text/plain")}};
  for (const char* hex : {"", "00", "0000", "000003aa", "0000026869ff"})
    EXPECT_EQ(error_of([&] { (void)unframe_application_data(from_hex(hex), group); }),
              ErrorCode::kApplicationFramingMalformed)
        << hex;
}

// §Content Advertisement: the component in a GroupContext's (required) or LeafNode's
// (supported) app_data_dictionary, and what "support" means.
TEST(MediaType, ComponentInTheDictionary) {
  const MediaTypeList required{{MediaType::of("text/plain")}};
  AppDataDictionary d;
  set_component(d, component::kContentMediaTypes, codec::encode(required));
  const ExtensionList extensions{Extension{ExtensionType::kAppDataDictionary, codec::encode(d)}};
  EXPECT_EQ(required_media_types(extensions), required);
  EXPECT_EQ(supported_media_types({}), std::nullopt);
  const MediaTypeList more{{MediaType::of("image/png"), MediaType::of("text/plain")}};
  EXPECT_TRUE(supports_media_types(more, required));
  EXPECT_FALSE(supports_media_types(required, more));
}

}  // namespace
}  // namespace conclave::wire
