#include "conclave/wire/app_data.h"

#include <algorithm>
#include <string>

#include "conclave/base/error.h"

namespace conclave::wire {

void check_app_data_dictionary(const AppDataDictionary& dictionary) {
  const auto& entries = dictionary.component_data;
  for (size_t i = 1; i < entries.size(); ++i) {
    if (entries[i - 1].component_id >= entries[i].component_id) {
      throw Error(ErrorCode::kAppDataDictionaryUnsorted,
                  "component " + std::to_string(entries[i].component_id) + " follows component " +
                      std::to_string(entries[i - 1].component_id));
    }
  }
}

AppDataDictionary decode_app_data_dictionary(BytesView extension_data) {
  auto dictionary = codec::decode<AppDataDictionary>(extension_data);
  check_app_data_dictionary(dictionary);
  return dictionary;
}

namespace {
auto lower_bound_of(std::vector<ComponentData>& entries, ComponentId id) {
  return std::lower_bound(entries.begin(), entries.end(), id,
                          [](const ComponentData& e, ComponentId v) { return e.component_id < v; });
}
}  // namespace

const ComponentData* find_component(const AppDataDictionary& dictionary, ComponentId id) {
  const auto& entries = dictionary.component_data;
  const auto it =
      std::lower_bound(entries.begin(), entries.end(), id,
                       [](const ComponentData& e, ComponentId v) { return e.component_id < v; });
  return it != entries.end() && it->component_id == id ? &*it : nullptr;
}

void set_component(AppDataDictionary& dictionary, ComponentId id, Bytes data) {
  auto it = lower_bound_of(dictionary.component_data, id);
  if (it != dictionary.component_data.end() && it->component_id == id) {
    it->data = std::move(data);
  } else {
    dictionary.component_data.insert(it, ComponentData{id, std::move(data)});
  }
}

bool erase_component(AppDataDictionary& dictionary, ComponentId id) {
  auto it = lower_bound_of(dictionary.component_data, id);
  if (it == dictionary.component_data.end() || it->component_id != id) return false;
  dictionary.component_data.erase(it);
  return true;
}

}  // namespace conclave::wire
