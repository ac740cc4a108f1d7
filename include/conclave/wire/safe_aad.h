/// @file
/// The extensions draft's Safe AAD framing (draft-ietf-mls-extensions §Safe Additional
/// Authenticated Data): when the GroupContext's app_data_dictionary holds the safe_aad
/// component, every message's authenticated_data is a SafeAAD, one item per component.
#pragma once

#include <span>
#include <vector>

#include "conclave/base/bytes.h"
#include "conclave/codec/codec.h"
#include "conclave/wire/component.h"
#include "conclave/wire/extension.h"

namespace conclave::wire {

/// Draft §Safe AAD: one component's additional authenticated data.
struct SafeAadItem {
  ComponentId component_id{};  ///< the component the data is for
  Bytes aad_item_data;         ///< its additional authenticated data
  CONCLAVE_TLS_FIELDS(component_id, aad_item_data)
  /// Field by field.
  friend bool operator==(const SafeAadItem&, const SafeAadItem&) = default;
};

/// Draft §Safe AAD: the whole authenticated_data of a message in a group that requires it.
/// Items are sorted by component_id, at most one per component (check_safe_aad()); no item
/// at all is the zero-length vector.
struct SafeAad {
  std::vector<SafeAadItem> aad_items;  ///< sorted by component_id
  CONCLAVE_TLS_FIELDS(aad_items)
  /// Field by field.
  friend bool operator==(const SafeAad&, const SafeAad&) = default;
};

/// Draft §Safe AAD: throws Error(kSafeAadUnsorted) unless the items are in strictly
/// increasing component_id order.
void check_safe_aad(const SafeAad& aad);
/// Decodes an authenticated_data as a SafeAAD: Error(kSafeAadMalformed) when it is not one
/// (undecodable, or bytes after it), Error(kSafeAadUnsorted) when its items are out of order.
SafeAad decode_safe_aad(BytesView authenticated_data);
/// The encoded SafeAAD of `items`, sorted here; Error(kSafeAadUnsorted) for a component twice.
Bytes encode_safe_aad(std::span<const SafeAadItem> items);
/// Draft §Safe AAD, §Negotiating Extensions and Components: true when the GroupContext's
/// app_data_dictionary holds the safe_aad component (even with an empty list): every
/// authenticated_data of the epoch is then a SafeAAD. Error(kAppDataDictionaryUnsorted) or a
/// decoding error for a malformed dictionary.
bool safe_aad_required(const ExtensionList& group_context_extensions);
/// Draft §Safe AAD: throws as decode_safe_aad() when safe_aad is required and the
/// authenticated_data is not a well-formed SafeAAD (draft-10: no unframed AAD then).
void check_authenticated_data(const ExtensionList& group_context_extensions,
                              BytesView authenticated_data);
/// The item of `id`, or nullptr.
const SafeAadItem* find_safe_aad_item(const SafeAad& aad, ComponentId id);

}  // namespace conclave::wire
