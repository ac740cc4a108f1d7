/// @file
/// The extensions draft's containers for application data and negotiation
/// (draft-ietf-mls-extensions §Attaching Application Data to MLS Messages, §Negotiating
/// Extensions and Components): AppDataDictionary (the app_data_dictionary extension),
/// ComponentsList (the app_components and safe_aad components) and WireFormats
/// (supported_wire_formats, required_wire_formats).
#pragma once

#include <vector>

#include "conclave/base/bytes.h"
#include "conclave/codec/codec.h"
#include "conclave/wire/component.h"
#include "conclave/wire/types.h"

namespace conclave::wire {

/// Draft §Attaching Application Data: one component's entry of an AppDataDictionary.
struct ComponentData {
  ComponentId component_id{};  ///< whose entry it is
  Bytes data;                  ///< the component's own encoding
  CONCLAVE_TLS_FIELDS(component_id, data)
  /// Field by field.
  friend bool operator==(const ComponentData&, const ComponentData&) = default;
};

/// Draft §Attaching Application Data: the content of an app_data_dictionary extension. Entries
/// are sorted by component_id, at most one per component (check_app_data_dictionary()).
struct AppDataDictionary {
  std::vector<ComponentData> component_data;  ///< at most one entry per component, sorted
  CONCLAVE_TLS_FIELDS(component_data)
  /// Field by field.
  friend bool operator==(const AppDataDictionary&, const AppDataDictionary&) = default;
};

/// Draft §Attaching Application Data: throws Error(kAppDataDictionaryUnsorted) unless the
/// entries are in strictly increasing component_id order (sorted, no component twice).
void check_app_data_dictionary(const AppDataDictionary& dictionary);
/// Decodes an app_data_dictionary extension's data and checks its order.
AppDataDictionary decode_app_data_dictionary(BytesView extension_data);
/// The entry of `id`, or nullptr.
const ComponentData* find_component(const AppDataDictionary& dictionary, ComponentId id);
/// Sets (replaces or inserts in order) the entry of `id`.
void set_component(AppDataDictionary& dictionary, ComponentId id, Bytes data);
/// Removes the entry of `id`; false when there was none.
bool erase_component(AppDataDictionary& dictionary, ComponentId id);

/// Draft §Negotiating Extensions and Components: the content of the app_components and
/// safe_aad components (in a LeafNode: supported; in the GroupContext: required).
struct ComponentsList {
  std::vector<ComponentId> component_ids;  ///< supported (LeafNode) or required (GroupContext)
  CONCLAVE_TLS_FIELDS(component_ids)
  /// Field by field.
  friend bool operator==(const ComponentsList&, const ComponentsList&) = default;
};

/// Draft §Negotiating Extensions and Components: the content of supported_wire_formats (a
/// LeafNode's) and required_wire_formats (the GroupContext's). Unknown values are kept, so
/// the list holds raw uint16 values rather than the checked WireFormat enum.
struct WireFormats {
  std::vector<uint16_t> wire_formats;  ///< WireFormat values beyond the defaults
  CONCLAVE_TLS_FIELDS(wire_formats)
  /// Field by field.
  friend bool operator==(const WireFormats&, const WireFormats&) = default;
};

}  // namespace conclave::wire
