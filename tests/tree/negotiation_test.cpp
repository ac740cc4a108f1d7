// Extensions draft §Negotiating Extensions and Components, §Attaching Application Data, §GREASE:
// a leaf's supported wire formats and components against the GroupContext's required ones, one
// rule at a time, on leaves built by hand (no signatures: these checks read extensions only).
#include "conclave/tree/negotiation.h"

#include <gtest/gtest.h>

#include <functional>

#include "conclave/base/error.h"
#include "conclave/codec/codec.h"
#include "conclave/tree/leaf_validation.h"

namespace conclave::tree {
namespace {

using wire::ComponentId;
using wire::ExtensionType;
namespace component = wire::component;

ErrorCode error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.code();
  }
  return ErrorCode::kInternal;  // no error
}
constexpr ErrorCode kAccepted = ErrorCode::kInternal;

wire::Extension wire_formats(ExtensionType type, std::vector<uint16_t> formats) {
  return wire::Extension{type, codec::encode(wire::WireFormats{std::move(formats)})};
}

// An app_data_dictionary with the given app_components and safe_aad lists (absent: nullopt)
// and any further raw entries.
wire::Extension dictionary(std::optional<std::vector<ComponentId>> app_components,
                           std::optional<std::vector<ComponentId>> safe_aad = std::nullopt,
                           std::vector<wire::ComponentData> more = {}) {
  wire::AppDataDictionary d;
  if (app_components)
    wire::set_component(d, component::kAppComponents,
                        codec::encode(wire::ComponentsList{*app_components}));
  if (safe_aad)
    wire::set_component(d, component::kSafeAad, codec::encode(wire::ComponentsList{*safe_aad}));
  for (auto& e : more)
    wire::set_component(d, e.component_id, e.data);
  return wire::Extension{ExtensionType::kAppDataDictionary, codec::encode(d)};
}

wire::LeafNode leaf_with(wire::ExtensionList extensions) {
  wire::LeafNode leaf;
  leaf.extensions = std::move(extensions);
  for (const auto& e : leaf.extensions)
    leaf.capabilities.extensions.push_back(e.extension_type);
  return leaf;
}

ErrorCode negotiate(const wire::LeafNode& leaf, const wire::ExtensionList& group) {
  return error_of([&] { check_negotiated_support(leaf, LeafIndex(1), group); });
}

// §Negotiating Extensions and Components: required_wire_formats lists "non-default Wire
// Formats"; RFC 9420's five count as supported by every leaf, with or without
// supported_wire_formats.
TEST(Negotiation, RequiredWireFormats) {
  const wire::ExtensionList group{
      wire_formats(ExtensionType::kRequiredWireFormats, {0x0001, 0x0005, 0xF00D})};
  EXPECT_EQ(negotiate(leaf_with({}), group), ErrorCode::kRequiredWireFormatUnsupported);
  EXPECT_EQ(
      negotiate(leaf_with({wire_formats(ExtensionType::kSupportedWireFormats, {0x0006})}), group),
      ErrorCode::kRequiredWireFormatUnsupported);
  EXPECT_EQ(
      negotiate(leaf_with({wire_formats(ExtensionType::kSupportedWireFormats, {0x0A0A, 0xF00D})}),
                group),
      kAccepted);
  // Only defaults required: every leaf, even one without the extension.
  const wire::ExtensionList defaults{
      wire_formats(ExtensionType::kRequiredWireFormats, {0x0001, 0x0002, 0x0003, 0x0004, 0x0005})};
  EXPECT_EQ(negotiate(leaf_with({}), defaults), kAccepted);
  for (uint16_t f = 1; f <= 5; ++f)
    EXPECT_TRUE(is_default_wire_format(f));
  EXPECT_FALSE(is_default_wire_format(0));
  EXPECT_FALSE(is_default_wire_format(6));
}

// §Negotiating Extensions and Components: app_components and safe_aad in the GroupContext are
// required, in a LeafNode supported; a leaf without the list supports none of it.
TEST(Negotiation, RequiredComponents) {
  const wire::ExtensionList group{dictionary({{0x0001, 0x0003, 0x8001}}, {{0x8002}})};
  const wire::LeafNode full =
      leaf_with({dictionary({{0x0001, 0x0002, 0x0003, 0x8001}}, {{0x8002, 0x8003}})});
  EXPECT_EQ(negotiate(full, group), kAccepted);
  EXPECT_EQ(negotiate(leaf_with({}), group), ErrorCode::kRequiredComponentUnsupported);
  EXPECT_EQ(negotiate(leaf_with({dictionary(std::nullopt, {{0x8002}})}), group),
            ErrorCode::kRequiredComponentUnsupported);
  EXPECT_EQ(negotiate(leaf_with({dictionary({{0x0001, 0x0003}}, {{0x8002}})}), group),
            ErrorCode::kRequiredComponentUnsupported)
      << "0x8001 missing from app_components";
  EXPECT_EQ(negotiate(leaf_with({dictionary({{0x0001, 0x0003, 0x8001}}, {{0x8003}})}), group),
            ErrorCode::kRequiredComponentUnsupported)
      << "0x8002 missing from safe_aad";
  EXPECT_EQ(negotiate(leaf_with({dictionary({{0x0001, 0x0003, 0x8001}})}), group),
            ErrorCode::kRequiredComponentUnsupported)
      << "no safe_aad list";
  // A GroupContext dictionary without the lists (or with empty ones) requires nothing.
  EXPECT_EQ(negotiate(leaf_with({}), {dictionary(std::nullopt)}), kAccepted);
  EXPECT_EQ(negotiate(leaf_with({}),
                      {dictionary(std::vector<ComponentId>{}, std::vector<ComponentId>{})}),
            kAccepted);
  EXPECT_EQ(negotiate(leaf_with({}), {}), kAccepted);
}

// §GREASE: unknown values, GREASE among them, are ignored by receivers: a leaf full of them
// passes; and a GREASE id a leaf lists supports nothing the group requires.
TEST(Negotiation, GreaseIsIgnoredAndSupportsNothing) {
  const wire::LeafNode greased =
      leaf_with({dictionary({{0x0001, 0x0A0A, 0x3A3A, 0x8001}}, {{0x1A1A, 0x8002}},
                            {{0x2A2A, from_hex("00ff")}, {0x7A7A, {}}, {0x9999, from_hex("01")}}),
                 wire_formats(ExtensionType::kSupportedWireFormats, {0x0A0A, 0xF00D})});
  EXPECT_EQ(negotiate(greased, {dictionary({{0x8001}}, {{0x8002}}),
                                wire_formats(ExtensionType::kRequiredWireFormats, {0xF00D})}),
            kAccepted);
  EXPECT_EQ(error_of([&] { check_app_components_advertised(greased, LeafIndex(1)); }), kAccepted);
  const wire::LeafNode only_grease = leaf_with({dictionary({{0x0A0A, 0x1A1A}}, {{0x2A2A}})});
  EXPECT_EQ(negotiate(only_grease, {dictionary({{0x8001}})}),
            ErrorCode::kRequiredComponentUnsupported);
  EXPECT_EQ(negotiate(only_grease, {dictionary(std::nullopt, {{0x8002}})}),
            ErrorCode::kRequiredComponentUnsupported);
}

// §GREASE (RFC 9420 §13.5: never in the GroupContext): a required list holding GREASE is refused.
TEST(Negotiation, GreaseIsNeverRequired) {
  auto refused = [](const wire::ExtensionList& group) {
    return error_of([&] { check_no_grease_required(group); });
  };
  EXPECT_EQ(refused({dictionary({{0x0001, 0x4A4A}})}), ErrorCode::kGreaseRequired);
  EXPECT_EQ(refused({dictionary(std::nullopt, {{0x5A5A}})}), ErrorCode::kGreaseRequired);
  EXPECT_EQ(refused({wire_formats(ExtensionType::kRequiredWireFormats, {0xBABA})}),
            ErrorCode::kGreaseRequired);
  // Not GREASE: 0xFAFA is private use (RFC 9420 §13.5), 0x8A8A a private-use component id.
  EXPECT_EQ(refused({dictionary({{0x0001, 0x8A8A}}, {{0x8002}}),
                     wire_formats(ExtensionType::kRequiredWireFormats, {0x0001, 0xFAFA})}),
            kAccepted);
  EXPECT_EQ(refused({}), kAccepted);
}

// §Attaching Application Data: "Every implementation that advertises support for the
// app_data_dictionary extension MUST understand and advertise the app_components component".
TEST(Negotiation, AppComponentsMustBeAdvertised) {
  auto advertised = [](const wire::LeafNode& leaf) {
    return error_of([&] { check_app_components_advertised(leaf, LeafIndex(2)); });
  };
  wire::LeafNode bare;
  bare.capabilities.extensions = {ExtensionType::kAppDataDictionary};
  EXPECT_EQ(advertised(bare), ErrorCode::kAppComponentsMissing) << "no dictionary";
  EXPECT_EQ(advertised(leaf_with({dictionary(std::nullopt, {{0x8002}})})),
            ErrorCode::kAppComponentsMissing)
      << "a dictionary without app_components";
  EXPECT_EQ(advertised(leaf_with({dictionary({{0x0001}})})), kAccepted);
  EXPECT_EQ(advertised(wire::LeafNode{}), kAccepted) << "no app_data_dictionary support";
  // check_leaf_extensions runs it for every leaf validated.
  EXPECT_EQ(error_of([&] { check_leaf_extensions(bare, LeafIndex(2)); }),
            ErrorCode::kAppComponentsMissing);
}

// Malformed lists are typed errors, not crashes.
TEST(Negotiation, MalformedListsAreTypedErrors) {
  wire::AppDataDictionary d;
  wire::set_component(d, component::kAppComponents, from_hex("05"));  // length past the end
  const wire::ExtensionList group{
      wire::Extension{ExtensionType::kAppDataDictionary, codec::encode(d)}};
  const ErrorCode code = negotiate(leaf_with({}), group);
  EXPECT_NE(code, kAccepted);
  EXPECT_NE(code, ErrorCode::kRequiredComponentUnsupported);
  const wire::ExtensionList formats{
      wire::Extension{ExtensionType::kRequiredWireFormats, from_hex("0300")}};
  EXPECT_NE(negotiate(leaf_with({}), formats), kAccepted);
}

}  // namespace
}  // namespace conclave::tree
