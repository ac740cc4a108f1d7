// The server's SQLite database: its connection, statements, transactions and schema.
//
// This is the DS's own schema (users, devices, nonces, KeyPackages, groups, rosters, messages,
// queues), not the library's StorageProvider, which is a client-side record store. WAL mode
// and a busy timeout let a backup or an inspection tool read while the server writes.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "conclave/base/bytes.h"

namespace conclave::ds {

class Database;

// One prepared statement; reset when destroyed. Binding and reading are by 1-based parameter
// and 0-based column, as in the C API.
class Statement {
 public:
  Statement(Database& db, std::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, int64_t value);
  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, BytesView blob);
  // True while a row is available; false once done. Throws on errors (constraint violations
  // included; use step_unique() where a unique constraint decides something).
  bool step();
  // step() for an INSERT whose unique constraint may refuse the row: false when it did.
  bool step_unique();

  int64_t column_int(int index) const;
  std::string column_text(int index) const;
  Bytes column_blob(int index) const;

 private:
  Database& db_;
  sqlite3_stmt* stmt_ = nullptr;
};

class Database {
 public:
  // The schema version this build writes (PRAGMA user_version).
  static constexpr int kSchemaVersion = 2;

  // Opens or creates the file and brings its schema to kSchemaVersion; a file of a newer
  // version is refused. Throws std::runtime_error.
  explicit Database(const std::string& path, int busy_timeout_ms = 10000);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  void exec(std::string_view sql);
  int64_t last_insert_rowid() const;
  int changes() const;
  sqlite3* handle() const { return db_; }
  [[noreturn]] void fail(std::string_view what) const;

 private:
  void migrate();
  sqlite3* db_ = nullptr;
};

// BEGIN IMMEDIATE ... COMMIT: the write lock is taken at the start, so two transactions never
// both read an epoch and then both write. Rolled back when destroyed uncommitted (an exception).
class Transaction {
 public:
  explicit Transaction(Database& db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  Database& db_;
  bool done_ = false;
};

}  // namespace conclave::ds
