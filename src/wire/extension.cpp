#include "conclave/wire/extension.h"

#include <algorithm>

namespace conclave::wire {

const Extension* find_extension(const ExtensionList& list, ExtensionType type) {
  for (const auto& e : list)
    if (e.extension_type == type) return &e;
  return nullptr;
}

bool extension_types_unique(const ExtensionList& list) {
  std::vector<uint16_t> types;
  types.reserve(list.size());
  for (const auto& e : list)
    types.push_back(static_cast<uint16_t>(e.extension_type));
  std::sort(types.begin(), types.end());
  return std::adjacent_find(types.begin(), types.end()) == types.end();
}

}  // namespace conclave::wire
