// The PostgreSQL backend (libpq): several conclave-ds processes on one database serve the same
// groups with the guarantees of one.
//
// Locking: every writing transaction runs at READ COMMITTED and first takes one
// transaction-scoped advisory lock (pg_advisory_xact_lock(kWriterLock)), so writers run one at a
// time across all processes, exactly as BEGIN IMMEDIATE makes them on SQLite, and the logic
// written for that model (read the epoch, check, write; queue in sequence order) holds
// unchanged. Why not SERIALIZABLE or a lock on the group row only: messages.sequence comes from
// an identity sequence, which is not transactional, and the per-device cursor requires that a
// device's queue entries become visible in sequence order. Two Sends of different groups to one
// device under row locks or SERIALIZABLE could commit out of sequence order, and a Fetch between
// them would move the cursor past the entry committed later. One writer at a time rules that
// out; finer locks (the group row, then the recipients' rows in id order) are possible later.
// READ COMMITTED rather than REPEATABLE READ: each statement sees everything committed before
// it, including what the previous lock holder wrote while this transaction waited for the lock.
// The (group, epoch) primary key of `commits` still arbitrates one commit per epoch on its own.
#include <libpq-fe.h>

#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "database.h"
#include "database_backends.h"

namespace conclave::ds {
namespace {

// The advisory lock every writing transaction takes: "conclave" in ASCII, any constant would do
// as long as every conclave-ds process uses the same one.
constexpr int64_t kWriterLock = 0x636f6e636c617665;

// Type OIDs (pg_type.dat); libpq does not export the server's catalog headers.
constexpr Oid kBoolOid = 16;
constexpr Oid kByteaOid = 17;
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;
constexpr Oid kTextOid = 25;

// The same logical schema as SQLite's (sqlite_database.cpp), with PostgreSQL's types: BIGINT
// for every integer (epochs, sequences and millisecond times exceed 32 bits), BYTEA for blobs,
// identity columns for the server's own ids (never reused, as SQLite's AUTOINCREMENT).
constexpr std::string_view kSchemaV1 = R"sql(
CREATE TABLE users (
  name TEXT PRIMARY KEY,
  credential BYTEA NOT NULL
);
CREATE TABLE devices (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  "user" TEXT NOT NULL REFERENCES users(name),
  device TEXT NOT NULL,
  cipher_suite BIGINT NOT NULL,
  credential BYTEA NOT NULL,
  signature_key BYTEA NOT NULL,
  UNIQUE ("user", device)
);
CREATE TABLE nonces (
  "user" TEXT NOT NULL,
  device TEXT NOT NULL,
  nonce BYTEA NOT NULL,
  expires_ms BIGINT NOT NULL,
  PRIMARY KEY ("user", device, nonce)
);
CREATE INDEX nonces_expiry ON nonces (expires_ms);
CREATE TABLE key_packages (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  device_id BIGINT NOT NULL REFERENCES devices(id),
  ref BYTEA NOT NULL UNIQUE,
  data BYTEA NOT NULL,
  last_resort BIGINT NOT NULL,
  not_after BIGINT NOT NULL
);
CREATE INDEX key_packages_device ON key_packages (device_id, last_resort, id);
CREATE TABLE groups (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  group_id BYTEA NOT NULL UNIQUE,
  epoch BIGINT NOT NULL
);
CREATE TABLE members (
  group_ref BIGINT NOT NULL REFERENCES groups(id),
  device_id BIGINT NOT NULL REFERENCES devices(id),
  PRIMARY KEY (group_ref, device_id)
);
CREATE TABLE commits (
  group_ref BIGINT NOT NULL REFERENCES groups(id),
  epoch BIGINT NOT NULL,
  sequence BIGINT NOT NULL,
  PRIMARY KEY (group_ref, epoch)
);
CREATE TABLE messages (
  sequence BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  group_ref BIGINT NOT NULL REFERENCES groups(id),
  sender BIGINT NOT NULL REFERENCES devices(id),
  kind BIGINT NOT NULL,
  epoch BIGINT NOT NULL,
  data BYTEA NOT NULL
);
CREATE TABLE sends (
  sender BIGINT NOT NULL REFERENCES devices(id),
  client_id BYTEA NOT NULL,
  sequence BIGINT NOT NULL,
  epoch BIGINT NOT NULL,
  PRIMARY KEY (sender, client_id)
);
CREATE TABLE queue (
  device_id BIGINT NOT NULL REFERENCES devices(id),
  sequence BIGINT NOT NULL REFERENCES messages(sequence),
  PRIMARY KEY (device_id, sequence)
);
CREATE TABLE cursors (
  device_id BIGINT PRIMARY KEY REFERENCES devices(id),
  acked BIGINT NOT NULL
);
)sql";

constexpr std::string_view kSchemaV2 = R"sql(
ALTER TABLE groups ADD COLUMN allow_external_join BIGINT NOT NULL DEFAULT 0;
CREATE TABLE group_infos (
  group_ref BIGINT PRIMARY KEY REFERENCES groups(id),
  epoch BIGINT NOT NULL,
  data BYTEA NOT NULL
);
)sql";

// Version 3 (see sqlite_database.cpp): stored-at times for retention, a maintained queue
// length, and the sweep's indexes.
constexpr std::string_view kSchemaV3 = R"sql(
ALTER TABLE messages ADD COLUMN stored_ms BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sends ADD COLUMN stored_ms BIGINT NOT NULL DEFAULT 0;
UPDATE messages SET stored_ms = (EXTRACT(EPOCH FROM now()) * 1000)::BIGINT;
UPDATE sends SET stored_ms = (EXTRACT(EPOCH FROM now()) * 1000)::BIGINT;
ALTER TABLE devices ADD COLUMN queue_length BIGINT NOT NULL DEFAULT 0;
UPDATE devices SET queue_length = (SELECT COUNT(*) FROM queue WHERE queue.device_id = devices.id);
CREATE INDEX queue_sequence ON queue (sequence);
CREATE INDEX sends_sequence ON sends (sequence);
CREATE INDEX sends_stored ON sends (stored_ms);
CREATE INDEX key_packages_expiry ON key_packages (not_after);
)sql";

// The shared SQL names parameters `?N` (SQLite's form); PostgreSQL's is `$N`. String literals
// and quoted identifiers are copied as they are.
std::string to_postgres(std::string_view sql) {
  std::string out;
  out.reserve(sql.size());
  char quote = 0;
  for (size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '?') {
      if (i + 1 >= sql.size() || sql[i + 1] < '0' || sql[i + 1] > '9')
        throw std::runtime_error("postgresql: a parameter without a number");
      out.push_back('$');
      continue;
    }
    out.push_back(c);
  }
  return out;
}

std::string error_text(const PGresult* result, PGconn* conn) {
  const char* message = result ? PQresultErrorMessage(result) : PQerrorMessage(conn);
  std::string text = "postgresql: ";
  text += message && *message ? message : "error";
  while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
    text.pop_back();
  return text;
}

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

// Throws for a failed result: TransientError for a serialization failure or a deadlock, which
// a new attempt may survive; runtime_error otherwise.
void check(const Result& result, PGconn* conn) {
  const ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return;
  // The server went away (a restart): whatever the transaction did is rolled back with the
  // session, and the next attempt connects again (PostgresDatabase::begin). COMMIT is the
  // exception, handled by its caller.
  if (PQstatus(conn) == CONNECTION_BAD) {
    std::string message = "postgresql: the connection was lost: ";
    message += error_text(result.get(), conn);
    throw ConnectionLost(message);
  }
  const char* state = result ? PQresultErrorField(result.get(), PG_DIAG_SQLSTATE) : nullptr;
  if (state && (std::strcmp(state, "40001") == 0 || std::strcmp(state, "40P01") == 0))
    throw TransientError(error_text(result.get(), conn));
  throw std::runtime_error(error_text(result.get(), conn));
}

// Notices ("relation already exists, skipping") are not the operator's concern.
void ignore_notice(void*, const char*) {}

bool is_unique_violation(const Result& result) {
  if (!result || PQresultStatus(result.get()) != PGRES_FATAL_ERROR) return false;
  const char* state = PQresultErrorField(result.get(), PG_DIAG_SQLSTATE);
  return state && std::strcmp(state, "23505") == 0;
}

// Parameters go in binary (integers as 8 bytes, big-endian) and results come back in binary:
// no escaping of bytes anywhere.
class PostgresStatement final : public StatementBackend {
 public:
  PostgresStatement(PGconn* conn, std::string_view sql) : conn_(conn), sql_(to_postgres(sql)) {}

  void bind(int index, int64_t value) override {
    std::string bytes(8, '\0');
    auto v = static_cast<uint64_t>(value);
    for (int i = 7; i >= 0; --i, v >>= 8)
      bytes[static_cast<size_t>(i)] = static_cast<char>(v & 0xff);
    set(index, kInt8Oid, std::move(bytes));
  }
  void bind(int index, std::string_view text) override { set(index, kTextOid, std::string(text)); }
  void bind(int index, BytesView blob) override {
    set(index, kByteaOid, std::string(blob.begin(), blob.end()));
  }

  bool step() override {
    if (!result_) {
      result_ = execute();
      check(result_, conn_);
    }
    if (next_ >= PQntuples(result_.get())) return false;
    row_ = next_++;
    return true;
  }

  bool step_unique() override {
    result_ = execute();
    if (is_unique_violation(result_)) return false;
    check(result_, conn_);
    return true;
  }

  int64_t column_int(int index) const override {
    if (PQgetisnull(result_.get(), row_, index)) return 0;
    const auto* data = reinterpret_cast<const uint8_t*>(PQgetvalue(result_.get(), row_, index));
    const int size = PQgetlength(result_.get(), row_, index);
    const Oid type = PQftype(result_.get(), index);
    const bool known = (type == kInt8Oid && size == 8) || (type == kInt4Oid && size == 4) ||
                       (type == kInt2Oid && size == 2) || (type == kBoolOid && size == 1);
    if (!known) throw std::runtime_error("postgresql: a column is not an integer");
    uint64_t v = (size > 1 && (data[0] & 0x80)) ? ~uint64_t{0} : 0;  // sign extension
    for (int i = 0; i < size; ++i)
      v = (v << 8) | data[i];
    return static_cast<int64_t>(v);
  }

  std::string column_text(int index) const override {
    return std::string(PQgetvalue(result_.get(), row_, index),
                       static_cast<size_t>(PQgetlength(result_.get(), row_, index)));
  }

  Bytes column_blob(int index) const override {
    const auto* data = reinterpret_cast<const uint8_t*>(PQgetvalue(result_.get(), row_, index));
    return Bytes(data, data + PQgetlength(result_.get(), row_, index));
  }

 private:
  struct Param {
    Oid type = 0;
    std::string bytes;
  };

  void set(int index, Oid type, std::string bytes) {
    if (index < 1) throw std::runtime_error("postgresql: parameters are numbered from 1");
    if (params_.size() < static_cast<size_t>(index)) params_.resize(static_cast<size_t>(index));
    params_[static_cast<size_t>(index - 1)] = {type, std::move(bytes)};
  }

  Result execute() {
    std::vector<Oid> types;
    std::vector<const char*> values;
    std::vector<int> lengths;
    std::vector<int> formats;
    for (const Param& p : params_) {
      types.push_back(p.type);
      values.push_back(p.bytes.data());
      lengths.push_back(static_cast<int>(p.bytes.size()));
      formats.push_back(1);
    }
    next_ = 0;
    return Result(PQexecParams(conn_, sql_.c_str(), static_cast<int>(params_.size()), types.data(),
                               values.data(), lengths.data(), formats.data(), 1));
  }

  PGconn* conn_;
  std::string sql_;
  std::vector<Param> params_;
  Result result_;
  int next_ = 0;
  int row_ = 0;
};

class PostgresDatabase final : public Database {
 public:
  explicit PostgresDatabase(const std::string& uri) : uri_(uri), conn_(PQconnectdb(uri.c_str())) {
    if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
      std::string message = "cannot connect to PostgreSQL: ";
      message += conn_ ? PQerrorMessage(conn_) : "out of memory";
      while (!message.empty() && message.back() == '\n')
        message.pop_back();
      PQfinish(conn_);
      throw std::runtime_error(message);
    }
    PQsetNoticeProcessor(conn_, ignore_notice, nullptr);
    try {
      migrate();
    } catch (...) {
      PQfinish(conn_);
      throw;
    }
  }
  ~PostgresDatabase() override { PQfinish(conn_); }

  std::unique_ptr<StatementBackend> prepare(std::string_view sql) override {
    // Never within a transaction: its statements would run on a new connection, outside it.
    if (!in_transaction_) reconnect_if_lost();
    return std::make_unique<PostgresStatement>(conn_, sql);
  }

  void begin() override {
    reconnect_if_lost();
    exec("BEGIN ISOLATION LEVEL READ COMMITTED");
    in_transaction_ = true;
    try {
      std::string lock = "SELECT pg_advisory_xact_lock(";
      lock += std::to_string(kWriterLock);
      lock += ")";
      exec(lock);
    } catch (...) {
      rollback();  // the Transaction was not constructed: nobody else ends it
      throw;
    }
  }
  void commit() override {
    in_transaction_ = false;  // a failed COMMIT ends the transaction too
    try {
      exec("COMMIT");
    } catch (const TransientError& e) {
      // Lost during COMMIT, the transaction may or may not have committed: running it again
      // is not safe in general, so the call fails (a client's retry of a Send is idempotent).
      throw std::runtime_error(e.what());
    }
  }
  void rollback() noexcept override {
    in_transaction_ = false;
    PQclear(PQexec(conn_, "ROLLBACK"));
  }

  // NOTIFY is transactional: listeners hear of it at COMMIT, and never of a rollback.
  void announce(const std::vector<int64_t>& devices) override {
    if (devices.empty()) return;
    Statement notify(*this, "SELECT pg_notify(?1, ?2)");
    notify.bind(1, std::string_view(kQueueChannel)).bind(2, queue_announcement(devices));
    notify.step();
  }
  std::unique_ptr<QueueListener> listen(QueueWake wake) override {
    return listen_postgres(uri_, std::move(wake));
  }

 private:
  // A connection the server dropped (a restart of PostgreSQL) is opened again before the next
  // transaction or statement outside one; a call in flight when it dropped fails. While the
  // server is still away that is ConnectionLost too: a caller waits and tries again.
  void reconnect_if_lost() {
    if (PQstatus(conn_) == CONNECTION_OK) return;
    PQreset(conn_);
    if (PQstatus(conn_) != CONNECTION_OK) {
      std::string message = "postgresql: cannot connect again: ";
      message += error_text(nullptr, conn_);
      throw ConnectionLost(message);
    }
  }

  // Several statements without parameters (PQexec runs them in one go).
  void exec(std::string_view sql) {
    const std::string text(sql);
    check(Result(PQexec(conn_, text.c_str())), conn_);
  }

  // In a writing transaction, so the advisory lock orders two processes that start on a fresh
  // database at once: the second sees the first's tables and version.
  void migrate() {
    Transaction tx(*this);
    exec("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)");
    int version = 0;
    {
      Statement s(*this, "SELECT version FROM schema_version");
      if (s.step()) version = static_cast<int>(s.column_int(0));
    }
    check_schema_version(version);
    // Each step takes the schema from one version to the next; the version moves with it in
    // the same transaction.
    if (version < 1) exec(kSchemaV1);
    if (version < 2) exec(kSchemaV2);
    if (version < 3) exec(kSchemaV3);
    if (version < kSchemaVersion) {
      exec("DELETE FROM schema_version");
      Statement s(*this, "INSERT INTO schema_version (version) VALUES (?1)");
      s.bind(1, static_cast<int64_t>(kSchemaVersion));
      s.step();
    }
    tx.commit();
  }

  std::string uri_;
  PGconn* conn_;
  bool in_transaction_ = false;
};

}  // namespace

std::unique_ptr<Database> open_postgres(const std::string& uri) {
  return std::make_unique<PostgresDatabase>(uri);
}

}  // namespace conclave::ds
