#include "ds_fixture.h"

#include <sqlite3.h>

#include "conclave/base/bytes.h"

namespace ds_test {

void DsTest::SetUp() {
  dir_ = std::make_unique<TempDir>();
  db_path_ = dir_->path() + "/ds.sqlite";
  server_ = std::make_unique<ServerProcess>(CONCLAVE_DS_SERVER, db_path_);
}

void DsTest::TearDown() {
  // A clean shutdown on SIGTERM is part of the contract.
  EXPECT_EQ(server_->stop(), 0);
  server_.reset();
  dir_.reset();
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
  sqlite3* db = nullptr;
  int64_t count = -1;
  if (sqlite3_open_v2(db_path_.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_busy_timeout(db, 5000);
    std::string sql = "SELECT COUNT(*) FROM ";
    sql += table;
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW)
      count = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return count;
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

std::string state_of(const DsClient& client) {
  std::string out = "epoch ";
  out += std::to_string(client.group->epoch());
  out += " ";
  out += conclave::to_hex(client.group->epoch_authenticator().view());
  return out;
}

}  // namespace ds_test
