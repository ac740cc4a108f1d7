#include "conclave/storage/memory_storage.h"

#include <algorithm>

#include "conclave/base/error.h"

namespace conclave::storage {

namespace {

std::string text(BytesView data) {
  return std::string(reinterpret_cast<const char*>(data.data()), data.size());
}

Bytes bytes(std::string_view s) {
  return Bytes(s.begin(), s.end());
}

std::string record_name(uint16_t kind, BytesView id) {
  std::string out{static_cast<char>(kind >> 8), static_cast<char>(kind & 0xFF)};
  out.append(reinterpret_cast<const char*>(id.data()), id.size());
  return out;
}

uint16_t kind_of(const std::string& name) {
  return static_cast<uint16_t>((uint8_t(name[0]) << 8) | uint8_t(name[1]));
}

}  // namespace

void MemoryStorage::apply(const WriteBatch& batch) {
  std::lock_guard lock(mutex_);
  // Every check first: a failed one leaves the store as it was.
  for (const auto& check : batch.versions) {
    const auto it = scopes_.find(text(check.scope));
    const uint64_t current = it == scopes_.end() ? 0 : it->second.version;
    if (current != check.expected)
      throw Error(ErrorCode::kStorageConflict, "the scope is at version " +
                                                   std::to_string(current) + ", the writer read " +
                                                   std::to_string(check.expected));
  }
  for (const auto& check : batch.versions)
    scopes_[text(check.scope)].version = check.expected + 1;
  for (const auto& scope : batch.delete_scopes)
    scopes_.erase(text(scope));
  for (const auto& erase : batch.erase_prefixes) {
    const auto it = scopes_.find(text(erase.scope));
    if (it == scopes_.end()) continue;
    auto& records = it->second.records;
    const std::string prefix = record_name(erase.kind, erase.id_prefix);
    for (auto r = records.lower_bound(prefix);
         r != records.end() && r->first.compare(0, prefix.size(), prefix) == 0;) {
      r = records.erase(r);
      ++records_written_;
    }
  }
  for (const auto& key : batch.erase) {
    const auto it = scopes_.find(text(key.scope));
    if (it != scopes_.end())
      records_written_ += it->second.records.erase(record_name(key.kind, key.id));
  }
  for (const auto& put : batch.puts) {
    scopes_[text(put.key.scope)].records[record_name(put.key.kind, put.key.id)] = put.value;
    ++records_written_;
  }
}

ScopeSnapshot MemoryStorage::read_scope(BytesView scope) const {
  std::lock_guard lock(mutex_);
  ScopeSnapshot out;
  const auto it = scopes_.find(text(scope));
  if (it == scopes_.end()) return out;
  out.version = it->second.version;
  out.records.reserve(it->second.records.size());
  for (const auto& [name, value] : it->second.records)
    out.records.push_back(
        StoredRecord{kind_of(name), bytes(std::string_view(name).substr(2)), value});
  return out;
}

std::vector<StoredRecord> MemoryStorage::read_kind(BytesView scope, uint16_t kind) const {
  std::lock_guard lock(mutex_);
  std::vector<StoredRecord> out;
  const auto it = scopes_.find(text(scope));
  if (it == scopes_.end()) return out;
  const auto& records = it->second.records;
  for (auto r = records.lower_bound(record_name(kind, {}));
       r != records.end() && kind_of(r->first) == kind; ++r)
    out.push_back(StoredRecord{kind, bytes(std::string_view(r->first).substr(2)), r->second});
  return out;
}

std::optional<SecretBytes> MemoryStorage::get(const RecordKey& key) const {
  std::lock_guard lock(mutex_);
  const auto it = scopes_.find(text(key.scope));
  if (it == scopes_.end()) return std::nullopt;
  const auto r = it->second.records.find(record_name(key.kind, key.id));
  if (r == it->second.records.end()) return std::nullopt;
  return r->second;
}

uint64_t MemoryStorage::version(BytesView scope) const {
  std::lock_guard lock(mutex_);
  const auto it = scopes_.find(text(scope));
  return it == scopes_.end() ? 0 : it->second.version;
}

std::vector<Bytes> MemoryStorage::scopes(BytesView prefix) const {
  std::lock_guard lock(mutex_);
  std::vector<Bytes> out;
  const std::string p = text(prefix);
  for (auto it = scopes_.lower_bound(p);
       it != scopes_.end() && it->first.compare(0, p.size(), p) == 0; ++it)
    if (it->second.version != 0) out.push_back(bytes(it->first));
  return out;
}

uint64_t MemoryStorage::records_written() const {
  std::lock_guard lock(mutex_);
  return records_written_;
}

size_t MemoryStorage::record_count() const {
  std::lock_guard lock(mutex_);
  size_t n = 0;
  for (const auto& [scope, s] : scopes_)
    n += s.records.size();
  return n;
}

}  // namespace conclave::storage
