#include "conclave/wire/safe_aad.h"

#include <algorithm>
#include <string>

#include "conclave/base/error.h"
#include "conclave/wire/app_data.h"

namespace conclave::wire {

void check_safe_aad(const SafeAad& aad) {
  const auto& items = aad.aad_items;
  for (size_t i = 1; i < items.size(); ++i) {
    if (items[i - 1].component_id >= items[i].component_id) {
      throw Error(ErrorCode::kSafeAadUnsorted,
                  "aad item of component " + std::to_string(items[i].component_id) +
                      " follows component " + std::to_string(items[i - 1].component_id));
    }
  }
}

SafeAad decode_safe_aad(BytesView authenticated_data) {
  SafeAad aad;
  try {
    aad = codec::decode<SafeAad>(authenticated_data);
  } catch (const Error& e) {
    // The codec's own code names a byte-level rule; the broken rule here is the framing.
    throw Error(ErrorCode::kSafeAadMalformed,
                std::string("authenticated_data is not a SafeAAD: ") + e.what());
  }
  check_safe_aad(aad);
  return aad;
}

Bytes encode_safe_aad(std::span<const SafeAadItem> items) {
  SafeAad aad{std::vector<SafeAadItem>(items.begin(), items.end())};
  std::stable_sort(
      aad.aad_items.begin(), aad.aad_items.end(),
      [](const SafeAadItem& a, const SafeAadItem& b) { return a.component_id < b.component_id; });
  check_safe_aad(aad);
  return codec::encode(aad);
}

bool safe_aad_required(const ExtensionList& group_context_extensions) {
  const Extension* ext =
      find_extension(group_context_extensions, ExtensionType::kAppDataDictionary);
  if (ext == nullptr) return false;
  const AppDataDictionary dictionary = decode_app_data_dictionary(ext->extension_data);
  return find_component(dictionary, component::kSafeAad) != nullptr;
}

void check_authenticated_data(const ExtensionList& group_context_extensions,
                              BytesView authenticated_data) {
  if (safe_aad_required(group_context_extensions)) (void)decode_safe_aad(authenticated_data);
}

const SafeAadItem* find_safe_aad_item(const SafeAad& aad, ComponentId id) {
  const auto it = std::lower_bound(
      aad.aad_items.begin(), aad.aad_items.end(), id,
      [](const SafeAadItem& item, ComponentId v) { return item.component_id < v; });
  return it != aad.aad_items.end() && it->component_id == id ? &*it : nullptr;
}

}  // namespace conclave::wire
