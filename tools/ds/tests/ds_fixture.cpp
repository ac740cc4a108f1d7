#include "ds_fixture.h"

#include <sqlite3.h>

#include <cstdlib>
#include <stdexcept>
#include <string_view>

#include "conclave/base/bytes.h"

namespace ds_test {

void DsTest::SetUp() {
  dir_ = std::make_unique<TempDir>();
  const char* backend = std::getenv("CONCLAVE_DS_TEST_BACKEND");
  postgres_ = backend && std::string_view(backend) == "postgresql";
  if (postgres_) {
    try {
      PgCluster::shared();
    } catch (const std::runtime_error& e) {
      // CI installs PostgreSQL (scripts/install-deps.sh): there its absence is a failure.
      if (std::getenv("CI")) FAIL() << e.what();
      GTEST_SKIP() << e.what();
    }
  }
  db_path_ = fresh_database();
  server_ = std::make_unique<ServerProcess>(CONCLAVE_DS_SERVER, db_path_);
}

void DsTest::TearDown() {
  // A clean shutdown on SIGTERM is part of the contract.
  if (server_) {
    EXPECT_EQ(server_->stop(), 0);
  }
  server_.reset();
  dir_.reset();
}

std::string DsTest::fresh_database() {
  if (postgres_) return PgCluster::shared().create_database();
  static int files = 0;
  std::string path = dir_->path() + "/ds";
  path += std::to_string(++files);
  path += ".sqlite";
  return path;
}

void DsTest::restart(const std::vector<std::string>& args, const std::string& stderr_path) {
  EXPECT_EQ(server_->stop(), 0);
  server_ = std::make_unique<ServerProcess>(CONCLAVE_DS_SERVER, db_path_, args, stderr_path);
}

std::unique_ptr<DsClient> DsTest::client(const std::string& user, const std::string& device) {
  auto c = std::make_unique<DsClient>(server_->address(), user, device);
  const auto out = c->register_device();
  EXPECT_TRUE(out.ok()) << out.status.error_message();
  return c;
}

void DsTest::group_of_three(DsClient& alice, DsClient& bob, DsClient& carol,
                            const std::string& group_id, bool allow_external_join) {
  ASSERT_TRUE(bob.publish(1).ok());
  ASSERT_TRUE(carol.publish(1).ok());
  const auto kb = alice.fetch_key_packages("bob");
  const auto kc = alice.fetch_key_packages("carol");
  ASSERT_TRUE(kb.ok() && kc.ok());
  ASSERT_EQ(kb.reply.key_packages_size(), 1);
  ASSERT_EQ(kc.reply.key_packages_size(), 1);
  alice.create_group(group_id, allow_external_join);
  conclave::CommitOptions options;
  for (const auto* reply : {&kb.reply, &kc.reply}) {
    const auto message = decode_message(reply->key_packages(0).key_package());
    options.add.push_back(*message.get<conclave::wire::KeyPackage>());
  }
  const auto out = alice.group->commit(options);
  ASSERT_TRUE(out.welcome.has_value());
  const auto sent =
      alice.send(out.commit, {bob.ref(), carol.ref()}, {}, out.welcome, alice.next_group_info());
  ASSERT_TRUE(sent.ok()) << sent.status.error_message();
  EXPECT_EQ(sent.reply.epoch(), 1u);
  alice.group->merge_pending_commit();
  EXPECT_EQ(bob.sync(), 1u);
  EXPECT_EQ(carol.sync(), 1u);
  ASSERT_TRUE(bob.group && carol.group);
  EXPECT_EQ(state_of(bob), state_of(alice));
  EXPECT_EQ(state_of(carol), state_of(alice));
}

int64_t DsTest::rows(const std::string& table) const {
  std::string statement = "SELECT COUNT(*) FROM ";
  statement += table;
  try {
    return sql(statement);
  } catch (const std::runtime_error&) {
    return -1;
  }
}

int64_t DsTest::sql(const std::string& statement) const {
  if (postgres_) return pg_query(db_path_, statement);
  sqlite3* db = nullptr;
  int64_t value = -1;
  std::string error;
  // Read and written next to the running server (WAL), waiting for its write lock if need be.
  if (sqlite3_open_v2(db_path_.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK) {
    sqlite3_busy_timeout(db, 5000);
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v2(db, statement.c_str(), -1, &stmt, nullptr);
    if (rc == SQLITE_OK) rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW)
      value = sqlite3_column_int64(stmt, 0);
    else if (rc != SQLITE_DONE)
      error = sqlite3_errmsg(db);
    sqlite3_finalize(stmt);
  } else {
    error = "cannot open the database";
  }
  sqlite3_close(db);
  if (!error.empty()) {
    error.insert(0, "sqlite: ");
    throw std::runtime_error(error);
  }
  return value;
}

std::string DsTest::footprint() const {
  std::string out;
  for (const char* table : {"messages", "queue", "sends", "commits", "members", "key_packages",
                            "groups", "devices", "users", "group_infos"}) {
    out += table;
    out += "=";
    out += std::to_string(rows(table));
    out += " ";
  }
  return out;
}

void DsTest::downgrade_to_version_2() const {
  for (const char* statement :
       {"DROP INDEX queue_sequence", "DROP INDEX sends_sequence", "DROP INDEX sends_stored",
        "DROP INDEX key_packages_expiry", "ALTER TABLE messages DROP COLUMN stored_ms",
        "ALTER TABLE sends DROP COLUMN stored_ms", "ALTER TABLE devices DROP COLUMN queue_length"})
    sql(statement);
  sql(postgres_ ? "UPDATE schema_version SET version = 2" : "PRAGMA user_version = 2");
}

std::string state_of(const DsClient& client) {
  std::string out = "epoch ";
  out += std::to_string(client.group->epoch());
  out += " ";
  out += conclave::to_hex(client.group->epoch_authenticator().view());
  return out;
}

conclave::wire::MlsMessage text(DsClient& c, const std::string& s) {
  return c.group->protect(conclave::as_bytes(s));
}

}  // namespace ds_test
