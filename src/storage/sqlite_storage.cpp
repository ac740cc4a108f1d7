#include "conclave/storage/sqlite_storage.h"

#include <sqlite3.h>

#include <mutex>
#include <string>

#include "conclave/base/error.h"
#include "record_protection.h"

namespace conclave::storage {

namespace {

// v1: meta and records. v2 adds per-scope versions (optimistic concurrency between processes).
constexpr const char* kSchemaV1 =
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value BLOB NOT NULL);"
    "CREATE TABLE records(scope BLOB NOT NULL, kind INTEGER NOT NULL, id BLOB NOT NULL,"
    " value BLOB NOT NULL, PRIMARY KEY(scope, kind, id)) WITHOUT ROWID;";
// Scopes of a v1 store start at version 1: no writer of the old schema can be racing.
constexpr const char* kMigrateV1ToV2 =
    "CREATE TABLE scopes(scope BLOB PRIMARY KEY, version INTEGER NOT NULL) WITHOUT ROWID;"
    "INSERT INTO scopes(scope, version) SELECT DISTINCT scope, 1 FROM records;";

constexpr const char* kKeyCheckName = "key-check";
const Bytes kKeyCheckIdentity = to_bytes(std::string_view("conclave storage key check"));

[[noreturn]] void fail(sqlite3* db, const std::string& what) {
  throw Error(ErrorCode::kStorageBackend,
              what + ": " + (db != nullptr ? sqlite3_errmsg(db) : "out of memory"));
}

class Statement {
 public:
  Statement(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr) != SQLITE_OK)
      fail(db, std::string("preparing ") + sql);
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Binds in order from 1; resets the statement first.
  Statement& reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    next_ = 1;
    return *this;
  }
  Statement& bind(BytesView blob) {
    // SQLite reads a null pointer as NULL: bind an empty blob for empty input.
    static const uint8_t kEmpty = 0;
    const int rc = sqlite3_bind_blob(stmt_, next_++, blob.empty() ? &kEmpty : blob.data(),
                                     static_cast<int>(blob.size()), SQLITE_STATIC);
    if (rc != SQLITE_OK) fail(db_, "binding a blob");
    return *this;
  }
  Statement& bind(int64_t value) {
    if (sqlite3_bind_int64(stmt_, next_++, value) != SQLITE_OK) fail(db_, "binding an integer");
    return *this;
  }
  // True while a row is available.
  bool step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail(db_, "executing a statement");
  }
  void run() {
    while (step()) {
    }
    sqlite3_reset(stmt_);
  }
  // Releases what a statement stepped part way holds (a read snapshot).
  void done() { sqlite3_reset(stmt_); }
  BytesView blob(int column) const {
    const auto* data = static_cast<const uint8_t*>(sqlite3_column_blob(stmt_, column));
    return {data, static_cast<size_t>(sqlite3_column_bytes(stmt_, column))};
  }
  int64_t integer(int column) const { return sqlite3_column_int64(stmt_, column); }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  int next_ = 1;
};

void exec(sqlite3* db, const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message != nullptr ? message : "unknown error";
    sqlite3_free(message);
    throw Error(ErrorCode::kStorageBackend, std::string(sql).substr(0, 60) + ": " + text);
  }
}

int user_version(sqlite3* db) {
  Statement s(db, "PRAGMA user_version");
  return s.step() ? static_cast<int>(s.integer(0)) : 0;
}

Bytes scope_end(BytesView prefix) {
  // The smallest blob above every blob that starts with `prefix` (empty: no upper bound).
  Bytes end(prefix.begin(), prefix.end());
  while (!end.empty() && end.back() == 0xFF)
    end.pop_back();
  if (!end.empty()) ++end.back();
  return end;
}

}  // namespace

struct SqliteStorage::Impl {
  std::string path;
  std::shared_ptr<const crypto::CryptoProvider> provider;
  SqliteOptions options;
  sqlite3* db = nullptr;
  mutable std::mutex mutex;
  uint64_t written = 0;

  std::unique_ptr<Statement> get_version, set_version, delete_scope_records, delete_scope,
      erase_range, erase_from, erase_one, put, read_all, read_kind, read_one, list_scopes,
      list_scopes_from;

  ~Impl() {
    get_version.reset();
    set_version.reset();
    delete_scope_records.reset();
    delete_scope.reset();
    erase_range.reset();
    erase_from.reset();
    erase_one.reset();
    put.reset();
    read_all.reset();
    read_kind.reset();
    read_one.reset();
    list_scopes.reset();
    list_scopes_from.reset();
    sqlite3_close_v2(db);
  }

  void prepare() {
    get_version = std::make_unique<Statement>(db, "SELECT version FROM scopes WHERE scope = ?");
    set_version =
        std::make_unique<Statement>(db,
                                    "INSERT INTO scopes(scope, version) VALUES(?, ?)"
                                    " ON CONFLICT(scope) DO UPDATE SET version = excluded.version");
    delete_scope_records = std::make_unique<Statement>(db, "DELETE FROM records WHERE scope = ?");
    delete_scope = std::make_unique<Statement>(db, "DELETE FROM scopes WHERE scope = ?");
    erase_range = std::make_unique<Statement>(
        db, "DELETE FROM records WHERE scope = ? AND kind = ? AND id >= ? AND id < ?");
    erase_from = std::make_unique<Statement>(
        db, "DELETE FROM records WHERE scope = ? AND kind = ? AND id >= ?");
    erase_one = std::make_unique<Statement>(
        db, "DELETE FROM records WHERE scope = ? AND kind = ? AND id = ?");
    put = std::make_unique<Statement>(
        db, "INSERT OR REPLACE INTO records(scope, kind, id, value) VALUES(?, ?, ?, ?)");
    read_all = std::make_unique<Statement>(
        db, "SELECT kind, id, value FROM records WHERE scope = ? ORDER BY kind, id");
    read_kind = std::make_unique<Statement>(
        db, "SELECT id, value FROM records WHERE scope = ? AND kind = ? ORDER BY id");
    read_one = std::make_unique<Statement>(
        db, "SELECT value FROM records WHERE scope = ? AND kind = ? AND id = ?");
    list_scopes = std::make_unique<Statement>(
        db, "SELECT scope FROM scopes WHERE scope >= ? AND scope < ? ORDER BY scope");
    list_scopes_from =
        std::make_unique<Statement>(db, "SELECT scope FROM scopes WHERE scope >= ? ORDER BY scope");
  }

  Bytes protect(const RecordKey& key, const SecretBytes& value) const {
    const Bytes identity = record_identity(key);
    if (options.encryption_key)
      return detail::seal_record(*provider, *options.encryption_key, identity, value.view());
    return detail::checksum_record(identity, value.view());
  }
  SecretBytes unprotect(const RecordKey& key, BytesView stored) const {
    const Bytes identity = record_identity(key);
    if (options.encryption_key)
      return detail::open_sealed(*provider, *options.encryption_key, identity, stored);
    return detail::open_checksummed(identity, stored);
  }

  uint64_t current_version(BytesView scope) const {
    get_version->reset().bind(scope);
    const uint64_t v = get_version->step() ? static_cast<uint64_t>(get_version->integer(0)) : 0;
    get_version->done();
    return v;
  }

  // Runs `body` in a transaction; rolls back when it throws.
  template <class Body>
  void transaction(const char* begin, Body&& body) const {
    exec(db, begin);
    try {
      body();
      exec(db, "COMMIT");
    } catch (...) {
      sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
  }

  void migrate();
  void check_key();
};

void SqliteStorage::Impl::migrate() {
  if (user_version(db) == kSchemaVersion) return;
  transaction("BEGIN IMMEDIATE", [&] {
    // Another process may have migrated while we waited for the write lock.
    int version = user_version(db);
    if (version > kSchemaVersion)
      throw Error(ErrorCode::kStorageSchemaUnsupported,
                  "the store has schema version " + std::to_string(version) +
                      "; this build reads up to " + std::to_string(kSchemaVersion));
    if (version == 0) {
      exec(db, kSchemaV1);
      version = 1;
    }
    if (version == 1) {
      exec(db, kMigrateV1ToV2);
      version = 2;
    }
    exec(db, ("PRAGMA user_version = " + std::to_string(version)).c_str());
  });
}

void SqliteStorage::Impl::check_key() {
  Statement read(db, "SELECT value FROM meta WHERE key = ?");
  read.reset().bind(as_bytes(kKeyCheckName));
  if (read.step()) {
    const Bytes stored(read.blob(0).begin(), read.blob(0).end());
    read.done();
    if (!options.encryption_key)
      throw Error(ErrorCode::kStorageKeyInvalid, "the store is encrypted: open it with its key");
    try {
      detail::open_sealed(*provider, *options.encryption_key, kKeyCheckIdentity, stored);
    } catch (const Error&) {
      throw Error(ErrorCode::kStorageKeyInvalid, "the store was encrypted with another key");
    }
    return;
  }
  if (!options.encryption_key) return;
  Statement any(db, "SELECT 1 FROM records LIMIT 1");
  const bool has_records = any.step();
  any.done();
  if (has_records)
    throw Error(ErrorCode::kStorageKeyInvalid,
                "the store holds records that are not encrypted: open it without a key");
  transaction("BEGIN IMMEDIATE", [&] {
    Statement again(db, "SELECT 1 FROM meta WHERE key = ?");
    again.reset().bind(as_bytes(kKeyCheckName));
    const bool present = again.step();
    again.done();
    if (present) return;  // another process encrypted it meanwhile; checked below
    const Bytes check = detail::seal_record(*provider, *options.encryption_key, kKeyCheckIdentity,
                                            as_bytes(kKeyCheckName));
    Statement insert(db, "INSERT INTO meta(key, value) VALUES(?, ?)");
    insert.reset().bind(as_bytes(kKeyCheckName)).bind(check).run();
  });
  check_key();
}

std::shared_ptr<SqliteStorage> SqliteStorage::open(
    const std::string& path, std::shared_ptr<const crypto::CryptoProvider> provider,
    SqliteOptions options) {
  if (options.encryption_key && options.encryption_key->size() != 32)
    throw Error(ErrorCode::kInvalidArgument, "a store encryption key is 32 bytes");
  if (!provider) throw Error(ErrorCode::kInvalidArgument, "no crypto provider");
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->provider = std::move(provider);
  impl->options = std::move(options);
  if (sqlite3_open_v2(path.c_str(), &impl->db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK)
    fail(impl->db, "opening " + path);
  sqlite3_busy_timeout(impl->db, static_cast<int>(impl->options.busy_timeout_ms));
  exec(impl->db, "PRAGMA journal_mode = WAL");
  // RFC 9420 §9.2: a consumed key is deleted. SQLite would otherwise leave a deleted record's
  // bytes in the file's free space; with this it overwrites them with zeros (the WAL's old
  // frames go when it is checkpointed and reset). Debian builds SQLite with this on; other
  // builds have it off (the test ErasedValuesLeaveTheFile fails with it off).
  exec(impl->db, "PRAGMA secure_delete = ON");
  exec(impl->db, impl->options.synchronous == Synchronous::kFull ? "PRAGMA synchronous = FULL"
                                                                 : "PRAGMA synchronous = NORMAL");
  impl->migrate();
  impl->check_key();
  impl->prepare();
  return std::shared_ptr<SqliteStorage>(new SqliteStorage(std::move(impl)));
}

SqliteStorage::SqliteStorage(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SqliteStorage::~SqliteStorage() = default;

bool SqliteStorage::encrypted() const {
  return impl_->options.encryption_key.has_value();
}
const std::string& SqliteStorage::path() const {
  return impl_->path;
}

void SqliteStorage::apply(const WriteBatch& batch) {
  if (batch.empty()) return;
  // Protect the values before taking the write lock: it is held for as short as possible.
  std::vector<Bytes> stored;
  stored.reserve(batch.puts.size());
  for (const auto& put : batch.puts)
    stored.push_back(impl_->protect(put.key, put.value));
  std::lock_guard lock(impl_->mutex);
  uint64_t written = 0;
  impl_->transaction("BEGIN IMMEDIATE", [&] {
    for (const auto& check : batch.versions) {
      const uint64_t current = impl_->current_version(check.scope);
      if (current != check.expected)
        throw Error(ErrorCode::kStorageConflict,
                    "the scope is at version " + std::to_string(current) + ", the writer read " +
                        std::to_string(check.expected));
      impl_->set_version->reset()
          .bind(check.scope)
          .bind(static_cast<int64_t>(check.expected + 1))
          .run();
    }
    for (const auto& scope : batch.delete_scopes) {
      impl_->delete_scope_records->reset().bind(scope).run();
      written += static_cast<uint64_t>(sqlite3_changes(impl_->db));
      impl_->delete_scope->reset().bind(scope).run();
    }
    for (const auto& erase : batch.erase_prefixes) {
      const Bytes end = scope_end(erase.id_prefix);
      Statement& s = end.empty() ? *impl_->erase_from : *impl_->erase_range;
      s.reset().bind(erase.scope).bind(int64_t{erase.kind}).bind(erase.id_prefix);
      if (!end.empty()) s.bind(end);
      s.run();
      written += static_cast<uint64_t>(sqlite3_changes(impl_->db));
    }
    for (const auto& key : batch.erase) {
      impl_->erase_one->reset().bind(key.scope).bind(int64_t{key.kind}).bind(key.id).run();
      written += static_cast<uint64_t>(sqlite3_changes(impl_->db));
    }
    for (size_t i = 0; i < batch.puts.size(); ++i) {
      const RecordKey& key = batch.puts[i].key;
      impl_->put->reset()
          .bind(key.scope)
          .bind(int64_t{key.kind})
          .bind(key.id)
          .bind(stored[i])
          .run();
    }
    written += batch.puts.size();
  });
  impl_->written += written;
}

ScopeSnapshot SqliteStorage::read_scope(BytesView scope) const {
  std::lock_guard lock(impl_->mutex);
  ScopeSnapshot out;
  // One read transaction: the version and the records come from the same snapshot. Each
  // value is checked (or opened) straight from SQLite's row buffer: no copy of it in clear.
  impl_->transaction("BEGIN", [&] {
    out.version = impl_->current_version(scope);
    Statement& s = *impl_->read_all;
    s.reset().bind(scope);
    RecordKey key{to_bytes(scope), 0, {}};
    try {
      while (s.step()) {
        key.kind = static_cast<uint16_t>(s.integer(0));
        key.id.assign(s.blob(1).begin(), s.blob(1).end());
        out.records.push_back(StoredRecord{key.kind, key.id, impl_->unprotect(key, s.blob(2))});
      }
    } catch (...) {
      s.done();
      throw;
    }
    s.done();
  });
  return out;
}

std::vector<StoredRecord> SqliteStorage::read_kind(BytesView scope, uint16_t kind) const {
  std::lock_guard lock(impl_->mutex);
  std::vector<StoredRecord> out;
  Statement& s = *impl_->read_kind;
  s.reset().bind(scope).bind(int64_t{kind});
  RecordKey key{to_bytes(scope), kind, {}};
  while (s.step()) {
    key.id.assign(s.blob(0).begin(), s.blob(0).end());
    try {
      out.push_back(StoredRecord{kind, key.id, impl_->unprotect(key, s.blob(1))});
    } catch (...) {
      s.done();
      throw;
    }
  }
  return out;
}

std::optional<SecretBytes> SqliteStorage::get(const RecordKey& key) const {
  std::lock_guard lock(impl_->mutex);
  Statement& s = *impl_->read_one;
  s.reset().bind(key.scope).bind(int64_t{key.kind}).bind(key.id);
  std::optional<SecretBytes> out;
  if (s.step()) {
    const Bytes stored(s.blob(0).begin(), s.blob(0).end());
    s.done();
    out = impl_->unprotect(key, stored);
  }
  return out;
}

uint64_t SqliteStorage::version(BytesView scope) const {
  std::lock_guard lock(impl_->mutex);
  return impl_->current_version(scope);
}

std::vector<Bytes> SqliteStorage::scopes(BytesView prefix) const {
  std::lock_guard lock(impl_->mutex);
  const Bytes end = scope_end(prefix);
  Statement& s = end.empty() ? *impl_->list_scopes_from : *impl_->list_scopes;
  s.reset().bind(prefix);
  if (!end.empty()) s.bind(end);
  std::vector<Bytes> out;
  while (s.step())
    out.emplace_back(s.blob(0).begin(), s.blob(0).end());
  return out;
}

uint64_t SqliteStorage::records_written() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->written;
}

}  // namespace conclave::storage
