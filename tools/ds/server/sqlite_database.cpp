// The SQLite backend: one file in WAL mode, written by one transaction at a time.
#include <sqlite3.h>

#include <stdexcept>

#include "database.h"
#include "database_backends.h"

namespace conclave::ds {
namespace {

// Version 1. Integer ids are the server's own; names and group ids are what clients send.
constexpr std::string_view kSchemaV1 = R"sql(
CREATE TABLE users (
  name TEXT PRIMARY KEY,
  credential BLOB NOT NULL
);
CREATE TABLE devices (
  id INTEGER PRIMARY KEY,
  user TEXT NOT NULL REFERENCES users(name),
  device TEXT NOT NULL,
  cipher_suite INTEGER NOT NULL,
  credential BLOB NOT NULL,
  signature_key BLOB NOT NULL,
  UNIQUE (user, device)
);
-- Nonces are kept until their request's timestamp leaves the window: after that the timestamp
-- check alone refuses a replay.
CREATE TABLE nonces (
  user TEXT NOT NULL,
  device TEXT NOT NULL,
  nonce BLOB NOT NULL,
  expires_ms INTEGER NOT NULL,
  PRIMARY KEY (user, device, nonce)
) WITHOUT ROWID;
CREATE INDEX nonces_expiry ON nonces (expires_ms);
CREATE TABLE key_packages (
  id INTEGER PRIMARY KEY,
  device_id INTEGER NOT NULL REFERENCES devices(id),
  ref BLOB NOT NULL UNIQUE,
  data BLOB NOT NULL,
  last_resort INTEGER NOT NULL,
  not_after INTEGER NOT NULL
);
CREATE INDEX key_packages_device ON key_packages (device_id, last_resort, id);
CREATE TABLE groups (
  id INTEGER PRIMARY KEY,
  group_id BLOB NOT NULL UNIQUE,
  epoch INTEGER NOT NULL
);
CREATE TABLE members (
  group_ref INTEGER NOT NULL REFERENCES groups(id),
  device_id INTEGER NOT NULL REFERENCES devices(id),
  PRIMARY KEY (group_ref, device_id)
) WITHOUT ROWID;
-- RFC 9750 §5.2: one commit per epoch. The primary key is the arbiter: the first insert for
-- (group, epoch) wins, any later one violates it.
CREATE TABLE commits (
  group_ref INTEGER NOT NULL REFERENCES groups(id),
  epoch INTEGER NOT NULL,
  sequence INTEGER NOT NULL,
  PRIMARY KEY (group_ref, epoch)
) WITHOUT ROWID;
-- AUTOINCREMENT: a sequence number is never reused, also after rows are deleted, so the DS's
-- order only grows.
CREATE TABLE messages (
  sequence INTEGER PRIMARY KEY AUTOINCREMENT,
  group_ref INTEGER NOT NULL REFERENCES groups(id),
  sender INTEGER NOT NULL REFERENCES devices(id),
  kind INTEGER NOT NULL,
  epoch INTEGER NOT NULL,
  data BLOB NOT NULL
);
-- A client message id per sending device, with the reply it got (idempotent retries).
CREATE TABLE sends (
  sender INTEGER NOT NULL REFERENCES devices(id),
  client_id BLOB NOT NULL,
  sequence INTEGER NOT NULL,
  epoch INTEGER NOT NULL,
  PRIMARY KEY (sender, client_id)
) WITHOUT ROWID;
CREATE TABLE queue (
  device_id INTEGER NOT NULL REFERENCES devices(id),
  sequence INTEGER NOT NULL REFERENCES messages(sequence),
  PRIMARY KEY (device_id, sequence)
) WITHOUT ROWID;
CREATE TABLE cursors (
  device_id INTEGER PRIMARY KEY REFERENCES devices(id),
  acked INTEGER NOT NULL
);
)sql";

// Version 2: external joins (RFC 9420 §12.4.3.2). The flag is fixed at CreateGroup; the
// group's latest GroupInfo is replaced by each commit that brings one.
constexpr std::string_view kSchemaV2 = R"sql(
ALTER TABLE groups ADD COLUMN allow_external_join INTEGER NOT NULL DEFAULT 0;
CREATE TABLE group_infos (
  group_ref INTEGER PRIMARY KEY REFERENCES groups(id),
  epoch INTEGER NOT NULL,
  data BLOB NOT NULL
);
)sql";

// Version 3: retention (retention.h) and an O(1) queue-room check. Rows stored before it count
// as stored at the migration, so they get a whole retention window. queue_length is the count
// of the device's queue entries, kept by Send and Ack in their transactions. The indexes serve
// the sweep: whether a queue entry or an idempotency record still refers to a message (also
// the foreign key check of a message's deletion), old records, expired KeyPackages.
constexpr std::string_view kSchemaV3 = R"sql(
ALTER TABLE messages ADD COLUMN stored_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sends ADD COLUMN stored_ms INTEGER NOT NULL DEFAULT 0;
UPDATE messages SET stored_ms = CAST(strftime('%s', 'now') AS INTEGER) * 1000;
UPDATE sends SET stored_ms = CAST(strftime('%s', 'now') AS INTEGER) * 1000;
ALTER TABLE devices ADD COLUMN queue_length INTEGER NOT NULL DEFAULT 0;
UPDATE devices SET queue_length = (SELECT COUNT(*) FROM queue WHERE queue.device_id = devices.id);
CREATE INDEX queue_sequence ON queue (sequence);
CREATE INDEX sends_sequence ON sends (sequence);
CREATE INDEX sends_stored ON sends (stored_ms);
CREATE INDEX key_packages_expiry ON key_packages (not_after);
)sql";

[[noreturn]] void fail(sqlite3* db, std::string_view what) {
  std::string message = "sqlite ";
  message += what;
  message += ": ";
  message += sqlite3_errmsg(db);
  throw std::runtime_error(message);
}

class SqliteStatement final : public StatementBackend {
 public:
  SqliteStatement(sqlite3* db, std::string_view sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr) !=
        SQLITE_OK)
      fail(db, "prepare");
  }
  ~SqliteStatement() override { sqlite3_finalize(stmt_); }

  void bind(int index, int64_t value) override {
    if (sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK) fail(db_, "bind");
  }
  void bind(int index, std::string_view text) override {
    if (sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()),
                          SQLITE_TRANSIENT) != SQLITE_OK)
      fail(db_, "bind");
  }
  void bind(int index, BytesView blob) override {
    // An empty span may have a null data pointer, which SQLite would store as NULL.
    static const uint8_t kEmpty = 0;
    const void* data = blob.empty() ? &kEmpty : blob.data();
    if (sqlite3_bind_blob(stmt_, index, data, static_cast<int>(blob.size()), SQLITE_TRANSIENT) !=
        SQLITE_OK)
      fail(db_, "bind");
  }

  bool step() override {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail(db_, "step");
  }

  bool step_unique() override {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_DONE) return true;
    if (rc == SQLITE_CONSTRAINT && (sqlite3_extended_errcode(db_) == SQLITE_CONSTRAINT_PRIMARYKEY ||
                                    sqlite3_extended_errcode(db_) == SQLITE_CONSTRAINT_UNIQUE)) {
      sqlite3_reset(stmt_);
      return false;
    }
    fail(db_, "step");
  }

  int64_t column_int(int index) const override { return sqlite3_column_int64(stmt_, index); }

  std::string column_text(int index) const override {
    const auto* text = sqlite3_column_text(stmt_, index);
    const int size = sqlite3_column_bytes(stmt_, index);
    return text ? std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(size)) : "";
  }

  Bytes column_blob(int index) const override {
    const auto* data = static_cast<const uint8_t*>(sqlite3_column_blob(stmt_, index));
    const int size = sqlite3_column_bytes(stmt_, index);
    return data ? Bytes(data, data + size) : Bytes{};
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

// WAL mode and a busy timeout let a backup, an inspection tool or another conclave-ds process
// on the same file read while the server writes.
class SqliteDatabase final : public Database {
 public:
  SqliteDatabase(const std::string& path, int busy_timeout_ms) {
    if (sqlite3_open_v2(path.c_str(), &db_,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        nullptr) != SQLITE_OK) {
      std::string message = "cannot open ";
      message += path;
      message += ": ";
      message += db_ ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      db_ = nullptr;
      throw std::runtime_error(message);
    }
    sqlite3_busy_timeout(db_, busy_timeout_ms);
    try {
      exec("PRAGMA journal_mode = WAL");
      // FULL: a message acknowledged to its sender survives power loss, not only a crash.
      exec("PRAGMA synchronous = FULL");
      exec("PRAGMA foreign_keys = ON");
      migrate();
    } catch (...) {
      sqlite3_close(db_);
      db_ = nullptr;
      throw;
    }
  }
  ~SqliteDatabase() override { sqlite3_close(db_); }

  std::unique_ptr<StatementBackend> prepare(std::string_view sql) override {
    return std::make_unique<SqliteStatement>(db_, sql);
  }
  // IMMEDIATE: the write lock is taken at the start, so two transactions never both read an
  // epoch and then both write (also in two processes on one file).
  void begin() override { exec("BEGIN IMMEDIATE"); }
  void commit() override { exec("COMMIT"); }
  void rollback() noexcept override {
    // The transaction is gone either way (SQLite rolls back on some errors by itself).
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }

 private:
  void exec(std::string_view sql) {
    const std::string text(sql);
    char* message = nullptr;
    if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
      std::string what = "sqlite: ";
      what += message ? message : "error";
      sqlite3_free(message);
      throw std::runtime_error(what);
    }
  }

  void migrate() {
    Transaction tx(*this);
    int version = 0;
    {
      Statement s(*this, "PRAGMA user_version");
      if (s.step()) version = static_cast<int>(s.column_int(0));
    }
    check_schema_version(version);
    // Each step takes the schema from one version to the next; the version moves with it in
    // the same transaction.
    if (version < 1) exec(kSchemaV1);
    if (version < 2) exec(kSchemaV2);
    if (version < 3) exec(kSchemaV3);
    if (version < kSchemaVersion) {
      std::string pragma = "PRAGMA user_version = ";
      pragma += std::to_string(kSchemaVersion);
      exec(pragma);
    }
    tx.commit();
  }

  sqlite3* db_ = nullptr;
};

}  // namespace

std::unique_ptr<Database> open_sqlite(const std::string& path) {
  return std::make_unique<SqliteDatabase>(path, 10000);
}

}  // namespace conclave::ds
