// The server's database behind one seam: SQLite (a file, the default) or PostgreSQL (a
// postgresql:// URI, which several conclave-ds processes may share).
//
// This is the DS's own schema (users, devices, nonces, KeyPackages, groups, rosters, messages,
// queues), not the library's StorageProvider, which is a client-side record store. Delivery,
// KeyDirectory, Authenticator and accounts write one SQL dialect that both backends run: `?N`
// parameters, RETURNING, ON CONFLICT, and the column "user" always quoted (a reserved word in
// PostgreSQL). Each backend has its own DDL for the one logical schema, and its own record of
// the schema version.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "conclave/base/bytes.h"

namespace conclave::ds {

// The database aborted a transaction that may succeed when run again (PostgreSQL's SQLSTATE
// 40001, serialization failure, and 40P01, deadlock). Nothing of it was written.
class TransientError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The database server cannot be reached: the connection dropped (PostgreSQL restarting), and it
// could not be opened again yet. Nothing of the transaction was written; the call may succeed
// once the server is back.
class ConnectionLost : public TransientError {
 public:
  using TransientError::TransientError;
};

// A watch on what other processes announce (Database::listen); stops when destroyed.
class QueueListener {
 public:
  virtual ~QueueListener() = default;
};

// Called with the devices whose queues another process extended; with an empty list when any
// queue may have been (announcements were missed, or one was too large to name them all).
using QueueWake = std::function<void(const std::vector<int64_t>&)>;

// A backend's prepared statement (see Statement).
class StatementBackend {
 public:
  virtual ~StatementBackend() = default;
  virtual void bind(int index, int64_t value) = 0;
  virtual void bind(int index, std::string_view text) = 0;
  virtual void bind(int index, BytesView blob) = 0;
  virtual bool step() = 0;
  virtual bool step_unique() = 0;
  virtual int64_t column_int(int index) const = 0;
  virtual std::string column_text(int index) const = 0;
  virtual Bytes column_blob(int index) const = 0;
};

class Database {
 public:
  // The schema version this build writes (SQLite: PRAGMA user_version; PostgreSQL: the
  // schema_version table).
  static constexpr int kSchemaVersion = 3;

  virtual ~Database() = default;

  virtual std::unique_ptr<StatementBackend> prepare(std::string_view sql) = 0;
  // A writing transaction: from begin() to its end no other writing transaction runs, in this
  // process or any other on the same database (see each backend for how).
  virtual void begin() = 0;
  virtual void commit() = 0;
  virtual void rollback() noexcept = 0;

  // Within a writing transaction: the queues of `devices` grow, which processes listening on
  // the same database learn once (and only if) the transaction commits. PostgreSQL: NOTIFY.
  // SQLite serves one process at a time in practice and announces nothing: a second process
  // on the same file finds new entries by polling.
  virtual void announce(const std::vector<int64_t>& devices) { (void)devices; }
  // Calls `wake` (on a thread of its own) for every announcement of any process on this
  // database, this one's included, until the listener is destroyed; nullptr where the backend
  // announces nothing.
  virtual std::unique_ptr<QueueListener> listen(QueueWake wake) {
    (void)wake;
    return nullptr;
  }
};

// Opens the database `target` names and brings its schema to kSchemaVersion (a database of a
// newer version is refused): "postgresql://..." or "postgres://..." is a PostgreSQL connection
// URI, anything else the path of a SQLite file (created if missing). Throws std::runtime_error.
std::unique_ptr<Database> open_database(const std::string& target);

// One prepared statement. Binding and reading are by 1-based parameter (`?N` in the SQL) and
// 0-based column, as in SQLite's C API.
class Statement {
 public:
  Statement(Database& db, std::string_view sql) : impl_(db.prepare(sql)) {}
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, int64_t value) {
    impl_->bind(index, value);
    return *this;
  }
  Statement& bind(int index, std::string_view text) {
    impl_->bind(index, text);
    return *this;
  }
  Statement& bind(int index, BytesView blob) {
    impl_->bind(index, blob);
    return *this;
  }
  // True while a row is available; false once done. Throws on errors (constraint violations
  // included; use step_unique() where a unique constraint decides something).
  bool step() { return impl_->step(); }
  // step() for an INSERT whose unique constraint may refuse the row: false when it did. On
  // PostgreSQL a refusal aborts the transaction, so after `false` the caller must end it (every
  // caller throws); an INSERT that may go on uses ON CONFLICT DO NOTHING RETURNING instead.
  bool step_unique() { return impl_->step_unique(); }

  int64_t column_int(int index) const { return impl_->column_int(index); }
  std::string column_text(int index) const { return impl_->column_text(index); }
  Bytes column_blob(int index) const { return impl_->column_blob(index); }

 private:
  std::unique_ptr<StatementBackend> impl_;
};

// A writing transaction (Database::begin); rolled back when destroyed uncommitted (an
// exception).
class Transaction {
 public:
  explicit Transaction(Database& db) : db_(db) { db_.begin(); }
  ~Transaction() {
    if (!done_) db_.rollback();
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit() {
    db_.commit();
    done_ = true;
  }

 private:
  Database& db_;
  bool done_ = false;
};

// Runs `f`, one whole transaction that writes nothing outside it, again when the database
// aborted it as transient; at most kAttempts times in all, with a short growing pause.
template <class F>
auto retry_transient(F&& f) -> decltype(f()) {
  constexpr int kAttempts = 5;
  for (int attempt = 1;; ++attempt) {
    try {
      return f();
    } catch (const TransientError&) {
      if (attempt >= kAttempts) throw;
      std::this_thread::sleep_for(std::chrono::milliseconds(5 * attempt));
    }
  }
}

}  // namespace conclave::ds
