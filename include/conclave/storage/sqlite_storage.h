/// @file
/// A StorageProvider on an SQLite 3 database file: the default store of a real client.
///
/// - Atomic: every WriteBatch is one SQLite transaction (BEGIN IMMEDIATE ... COMMIT).
/// - Shared: several processes may open one file (WAL mode, a busy timeout); per-scope versions
///   turn a lost race into Error(kStorageConflict), never a torn or doubly used state.
/// - Durable: with Synchronous::kFull (the default) a batch survives power loss once apply()
///   returns. kNormal is faster and still survives a crash of the process, but the last batches
///   may be lost when the machine loses power: a sender generation could then be used twice.
/// - Protected: every record carries an integrity check bound to its name (scope, kind, id), so
///   a damaged, truncated or moved record is refused (kStorageCorrupt). With an encryption key
///   every record is sealed with AES-256-GCM instead, its name as associated data.
///
/// WITHOUT A KEY THE FILE HOLDS PRIVATE KEYS AND EPOCH SECRETS IN CLEAR: protect it as you
/// would a private key file (file permissions, the platform's data protection), or pass a key
/// kept in the platform's key store.
///
/// Schema versions: the file records its version (PRAGMA user_version). Opening an older file
/// migrates it in one transaction; a file of a newer version is refused with
/// Error(kStorageSchemaUnsupported).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "conclave/crypto/provider.h"
#include "conclave/storage/storage_provider.h"

namespace conclave::storage {

/// How durable a committed batch is (SQLite's synchronous setting, in WAL mode).
enum class Synchronous : uint8_t {
  kNormal,  ///< survives a crash of the process; the last batches may be lost on power loss
  kFull     ///< survives power loss once apply() returns
};

/// How SqliteStorage::open() sets up the store.
struct SqliteOptions {
  /// 32 bytes: seal every record with AES-256-GCM. A store made with a key opens only with the
  /// same key, and one made without a key only without one (kStorageKeyInvalid otherwise).
  std::optional<SecretBytes> encryption_key;
  Synchronous synchronous = Synchronous::kFull;  ///< kFull unless speed matters more
  /// How long a write waits for another process's transaction before kStorageBackend.
  uint32_t busy_timeout_ms = 10000;
};

/// The SQLite store (see the file comment above).
class SqliteStorage final : public StorageProvider {
 public:
  /// The schema version this build writes.
  static constexpr int kSchemaVersion = 2;

  /// Opens (creating it if needed) the store at `path`. `provider` supplies the AEAD and the
  /// nonces of an encrypted store.
  static std::shared_ptr<SqliteStorage> open(const std::string& path,
                                             std::shared_ptr<const crypto::CryptoProvider> provider,
                                             SqliteOptions options = {});
  ~SqliteStorage() override;
  SqliteStorage(const SqliteStorage&) = delete;             ///< One object per open store.
  SqliteStorage& operator=(const SqliteStorage&) = delete;  ///< One object per open store.

  void apply(const WriteBatch& batch) override;
  ScopeSnapshot read_scope(BytesView scope) const override;
  std::vector<StoredRecord> read_kind(BytesView scope, uint16_t kind) const override;
  std::optional<SecretBytes> get(const RecordKey& key) const override;
  uint64_t version(BytesView scope) const override;
  std::vector<Bytes> scopes(BytesView prefix) const override;
  uint64_t records_written() const override;

  bool encrypted() const;           ///< true when the store seals its records
  const std::string& path() const;  ///< the database file

  /// The connection and its prepared statements (sqlite_storage.cpp).
  struct Impl;

 private:
  explicit SqliteStorage(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace conclave::storage
