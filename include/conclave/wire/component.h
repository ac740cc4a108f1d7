/// @file
/// Component IDs of the MLS extensions draft (draft-ietf-mls-extensions, "Component IDs" and
/// the "MLS Component Types" registry): the two-byte names that separate what application
/// components do with the group's keys from each other and from MLS itself.
#pragma once

#include <cstdint>
#include <string_view>

#include "conclave/base/bytes.h"
#include "conclave/codec/codec.h"

namespace conclave::wire {

/// Draft §Component IDs: uint16 ComponentID. Unknown and private-use values are kept.
using ComponentId = uint16_t;

/// Draft §MLS Component Types: the registry's initial values.
namespace component {
inline constexpr ComponentId kAppComponents = 0x0001;         ///< LN, GC
inline constexpr ComponentId kSafeAad = 0x0002;               ///< LN, GC
inline constexpr ComponentId kContentMediaTypes = 0x0003;     ///< LN, GC
inline constexpr ComponentId kLastResortKeyPackage = 0x0004;  ///< KP
inline constexpr ComponentId kAppAck = 0x0005;                ///< AE
/// 0x8000-0xFFFF: private use.
inline constexpr ComponentId kFirstPrivateUse = 0x8000;
/// Draft §GREASE: 0x0A0A, 0x1A1A, ..., 0x7A7A (the registry lists eight values, below 0x8000).
inline constexpr bool is_grease(ComponentId id) {
  return id < 0x8000 && (id & 0x0F0F) == 0x0A0A && ((id >> 12) & 0xF) == ((id >> 4) & 0xF);
}
}  // namespace component

/// Draft §Component IDs: the label of a component's operation, TLS-encoded wherever the draft
/// asks for one (safe HPKE info, signature and exporter labels, PSK ids).
struct ComponentOperationLabel {
  Bytes base_label;            ///< always "MLS Component"
  ComponentId component_id{};  ///< the component performing the operation
  Bytes label;                 ///< the operation
  CONCLAVE_TLS_FIELDS(base_label, component_id, label)
  /// Field by field.
  friend bool operator==(const ComponentOperationLabel&, const ComponentOperationLabel&) = default;
};

/// The fixed base_label of every ComponentOperationLabel.
inline constexpr std::string_view kComponentBaseLabel = "MLS Component";

}  // namespace conclave::wire
