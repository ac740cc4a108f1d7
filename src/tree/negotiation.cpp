// Extensions draft §Negotiating Extensions and Components: supported against required wire
// formats and components.
#include "conclave/tree/negotiation.h"

#include <algorithm>
#include <string>

#include "conclave/base/error.h"
#include "conclave/codec/codec.h"

namespace conclave::tree {

namespace {

std::string at(LeafIndex index) {
  return "leaf " + std::to_string(index.value);
}

const char* list_name(wire::ComponentId list) {
  return list == wire::component::kSafeAad ? "safe_aad" : "app_components";
}

template <class T>
bool lists(const std::vector<T>& list, T value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

void check_components(const wire::LeafNode& leaf, LeafIndex index,
                      const wire::ExtensionList& group_context_extensions, wire::ComponentId list) {
  const auto required = components_of(group_context_extensions, list);
  if (!required || required->component_ids.empty()) return;
  const auto supported = components_of(leaf.extensions, list);
  for (wire::ComponentId id : required->component_ids)
    if (!supported || !lists(supported->component_ids, id))
      throw Error(ErrorCode::kRequiredComponentUnsupported,
                  at(index) + ": its " + list_name(list) + " lacks component " +
                      std::to_string(id) + ", which the group requires");
}

}  // namespace

bool is_default_wire_format(uint16_t wire_format) {
  return wire_format >= static_cast<uint16_t>(wire::WireFormat::kPublicMessage) &&
         wire_format <= static_cast<uint16_t>(wire::WireFormat::kKeyPackage);
}

std::optional<wire::WireFormats> wire_formats_of(const wire::ExtensionList& extensions,
                                                 wire::ExtensionType extension_type) {
  const wire::Extension* ext = wire::find_extension(extensions, extension_type);
  if (ext == nullptr) return std::nullopt;
  return codec::decode<wire::WireFormats>(ext->extension_data);
}

std::optional<wire::ComponentsList> components_of(const wire::ExtensionList& extensions,
                                                  wire::ComponentId list) {
  const wire::Extension* ext =
      wire::find_extension(extensions, wire::ExtensionType::kAppDataDictionary);
  if (ext == nullptr) return std::nullopt;
  const wire::AppDataDictionary dictionary = wire::decode_app_data_dictionary(ext->extension_data);
  const wire::ComponentData* entry = wire::find_component(dictionary, list);
  if (entry == nullptr) return std::nullopt;
  return codec::decode<wire::ComponentsList>(entry->data);
}

void check_app_components_advertised(const wire::LeafNode& leaf, LeafIndex index) {
  if (!lists(leaf.capabilities.extensions, wire::ExtensionType::kAppDataDictionary)) return;
  if (!components_of(leaf.extensions, wire::component::kAppComponents))
    throw Error(ErrorCode::kAppComponentsMissing,
                at(index) + ": supports app_data_dictionary but advertises no app_components");
}

void check_negotiated_support(const wire::LeafNode& leaf, LeafIndex index,
                              const wire::ExtensionList& group_context_extensions) {
  if (const auto required =
          wire_formats_of(group_context_extensions, wire::ExtensionType::kRequiredWireFormats)) {
    const auto supported =
        wire_formats_of(leaf.extensions, wire::ExtensionType::kSupportedWireFormats);
    for (uint16_t format : required->wire_formats)
      if (!is_default_wire_format(format) && !(supported && lists(supported->wire_formats, format)))
        throw Error(ErrorCode::kRequiredWireFormatUnsupported,
                    at(index) + ": does not support wire format " + std::to_string(format) +
                        ", which the group requires");
  }
  // Without a dictionary in the GroupContext nothing is required: skip the leaf's decoding.
  if (!wire::find_extension(group_context_extensions, wire::ExtensionType::kAppDataDictionary))
    return;
  check_components(leaf, index, group_context_extensions, wire::component::kAppComponents);
  check_components(leaf, index, group_context_extensions, wire::component::kSafeAad);
}

void check_no_grease_required(const wire::ExtensionList& group_context_extensions) {
  if (const auto required =
          wire_formats_of(group_context_extensions, wire::ExtensionType::kRequiredWireFormats))
    for (uint16_t format : required->wire_formats)
      if (wire::is_grease(format))
        throw Error(ErrorCode::kGreaseRequired,
                    "required_wire_formats lists the GREASE value " + std::to_string(format));
  for (wire::ComponentId list : {wire::component::kAppComponents, wire::component::kSafeAad})
    if (const auto required = components_of(group_context_extensions, list))
      for (wire::ComponentId id : required->component_ids)
        if (wire::component::is_grease(id))
          throw Error(ErrorCode::kGreaseRequired,
                      std::string("the GroupContext's ") + list_name(list) +
                          " lists the GREASE component " + std::to_string(id));
}

}  // namespace conclave::tree
