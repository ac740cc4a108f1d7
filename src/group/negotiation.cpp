// Extensions draft §Negotiating Extensions and Components and §GREASE on the creating side: the
// app_components a leaf advertises, and the GREASE values it carries.
#include "negotiation.h"

#include <algorithm>

#include "conclave/base/error.h"
#include "conclave/codec/codec.h"
#include "conclave/wire/app_data.h"
#include "conclave/wire/component.h"

namespace conclave::detail {

namespace {

wire::Extension* find_mutable(wire::ExtensionList& extensions, wire::ExtensionType type) {
  auto it = std::find_if(extensions.begin(), extensions.end(),
                         [&](const wire::Extension& e) { return e.extension_type == type; });
  return it == extensions.end() ? nullptr : &*it;
}

// Inserts `id` unless listed, before the first larger id: a sorted list stays sorted.
void insert_sorted(std::vector<wire::ComponentId>& ids, wire::ComponentId id) {
  if (std::find(ids.begin(), ids.end(), id) != ids.end()) return;
  ids.insert(std::find_if(ids.begin(), ids.end(), [&](wire::ComponentId v) { return v > id; }), id);
}

// Draft §MLS Component Types: a GREASE component id (0x0A0A, 0x1A1A, ..., 0x7A7A) at random,
// one `taken` does not hold; none when all eight are taken.
template <class Taken>
std::optional<wire::ComponentId> random_grease_component(const crypto::Suite& suite,
                                                         const Taken& taken) {
  const unsigned r = suite.random(1)[0];
  for (unsigned i = 0; i < 8; ++i) {
    const unsigned n = (r + i) % 8;
    const auto id = static_cast<wire::ComponentId>(n << 12 | 0x0A00 | n << 4 | 0x0A);
    if (!taken(id)) return id;
  }
  return std::nullopt;
}

// §GREASE: one GREASE entry with 0 to 15 random bytes.
void add_grease_entry(const crypto::Suite& suite, wire::AppDataDictionary& dictionary) {
  const auto id = random_grease_component(
      suite, [&](wire::ComponentId v) { return wire::find_component(dictionary, v) != nullptr; });
  if (id) wire::set_component(dictionary, *id, suite.random(suite.random(1)[0] % 16));
}

// §GREASE: one GREASE id in the ComponentsList of entry `list`.
void add_grease_id(const crypto::Suite& suite, wire::AppDataDictionary& dictionary,
                   wire::ComponentId list) {
  const wire::ComponentData* entry = wire::find_component(dictionary, list);
  if (entry == nullptr) return;
  auto components = codec::decode<wire::ComponentsList>(entry->data);
  auto& ids = components.component_ids;
  const auto id = random_grease_component(suite, [&](wire::ComponentId v) {
    return std::find(ids.begin(), ids.end(), v) != ids.end();
  });
  if (!id) return;
  insert_sorted(ids, *id);
  wire::set_component(dictionary, list, codec::encode(components));
}

// §Attaching Application Data: the app_components list of a leaf's dictionary, completed.
void advertise_app_components(wire::AppDataDictionary& dictionary) {
  wire::ComponentsList components;
  if (const wire::ComponentData* entry =
          wire::find_component(dictionary, wire::component::kAppComponents))
    components = codec::decode<wire::ComponentsList>(entry->data);
  insert_sorted(components.component_ids, wire::component::kAppComponents);
  insert_sorted(components.component_ids, wire::component::kSafeAad);
  for (const wire::ComponentData& e : dictionary.component_data)
    if (!wire::component::is_grease(e.component_id))
      insert_sorted(components.component_ids, e.component_id);
  wire::set_component(dictionary, wire::component::kAppComponents, codec::encode(components));
}

}  // namespace

void advertise_components(const crypto::Suite& suite, wire::LeafNode& leaf,
                          wire::ExtensionList& key_package_extensions, bool grease) {
  const auto& caps = leaf.capabilities.extensions;
  if (std::find(caps.begin(), caps.end(), wire::ExtensionType::kAppDataDictionary) != caps.end()) {
    wire::Extension* ext = find_mutable(leaf.extensions, wire::ExtensionType::kAppDataDictionary);
    wire::AppDataDictionary dictionary;
    if (ext != nullptr) dictionary = wire::decode_app_data_dictionary(ext->extension_data);
    advertise_app_components(dictionary);
    if (grease) {
      add_grease_id(suite, dictionary, wire::component::kAppComponents);
      add_grease_id(suite, dictionary, wire::component::kSafeAad);
      add_grease_entry(suite, dictionary);
    }
    Bytes data = codec::encode(dictionary);
    if (ext != nullptr)
      ext->extension_data = std::move(data);
    else
      leaf.extensions.push_back(
          wire::Extension{wire::ExtensionType::kAppDataDictionary, std::move(data)});
  }
  if (!grease) return;
  wire::Extension* ext =
      find_mutable(key_package_extensions, wire::ExtensionType::kAppDataDictionary);
  if (ext == nullptr) return;
  wire::AppDataDictionary dictionary;
  try {
    dictionary = wire::decode_app_data_dictionary(ext->extension_data);
  } catch (const Error&) {
    return;  // the application's own bytes, which receivers judge (is_last_resort: no mark)
  }
  add_grease_entry(suite, dictionary);
  ext->extension_data = codec::encode(dictionary);
}

}  // namespace conclave::detail
