#include "state.h"

#include <string>
#include <string_view>

namespace conclave::interop {

namespace {
std::string_view key(BytesView id) {
  return {reinterpret_cast<const char*>(id.data()), id.size()};
}
}  // namespace

void PskStore::put(BytesView id, BytesView secret) {
  std::lock_guard lock(mutex_);
  psks_.insert_or_assign(std::string(key(id)), SecretBytes(secret));
}

std::optional<SecretBytes> PskStore::find(BytesView id) const {
  std::lock_guard lock(mutex_);
  const auto it = psks_.find(key(id));
  if (it == psks_.end()) return std::nullopt;
  return it->second;
}

}  // namespace conclave::interop
