/// @file
/// A StorageProvider in memory: for tests and for ephemeral clients that keep nothing across
/// runs. Shared by every Group of the process that uses it, with the same transactions and
/// version checks as a persistent store; safe to use from several threads.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "conclave/storage/storage_provider.h"

namespace conclave::storage {

/// The in-memory store (see the file comment above).
class MemoryStorage final : public StorageProvider {
 public:
  /// An empty store.
  static std::shared_ptr<MemoryStorage> create() { return std::make_shared<MemoryStorage>(); }

  void apply(const WriteBatch& batch) override;
  ScopeSnapshot read_scope(BytesView scope) const override;
  std::vector<StoredRecord> read_kind(BytesView scope, uint16_t kind) const override;
  std::optional<SecretBytes> get(const RecordKey& key) const override;
  uint64_t version(BytesView scope) const override;
  std::vector<Bytes> scopes(BytesView prefix) const override;
  uint64_t records_written() const override;

  /// How many records the store holds.
  size_t record_count() const;

 private:
  /// Keys are byte strings held in std::string: the kind (big-endian) then the id, so that
  /// their order is (kind, id).
  struct Scope {
    uint64_t version = 0;
    std::map<std::string, SecretBytes> records;
  };
  mutable std::mutex mutex_;
  std::map<std::string, Scope> scopes_;
  uint64_t records_written_ = 0;
};

}  // namespace conclave::storage
