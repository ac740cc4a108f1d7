// The fixture of the conclave-ds integration tests: a real conclave-ds process on a temporary
// SQLite file, clients built on the library, and a look at the database to check that refused
// requests stored nothing.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "ds_client.h"
#include "server_process.h"

namespace ds_test {

class DsTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Stops the server and starts it again on the same database with `args` (limits), its
  // stderr in `stderr_path` if given.
  void restart(const std::vector<std::string>& args, const std::string& stderr_path = "");
  // A registered client.
  std::unique_ptr<DsClient> client(const std::string& user, const std::string& device = "phone");
  // alice creates `group_id` and adds bob and carol by Welcome through the DS; all three end at
  // epoch 1 with the same epoch authenticator. The commit brings the new epoch's GroupInfo.
  void group_of_three(DsClient& alice, DsClient& bob, DsClient& carol,
                      const std::string& group_id = "group-1", bool allow_external_join = false);
  // Rows of a table of the server's database, read next to the running server (WAL).
  int64_t rows(const std::string& table) const;
  // The rows of the tables a request could write: messages, queue, sends, commits, members,
  // key_packages, groups, devices.
  std::string footprint() const;

  std::unique_ptr<TempDir> dir_;
  std::string db_path_;
  std::unique_ptr<ServerProcess> server_;
};

// A member's stable view of its group: epoch and epoch authenticator.
std::string state_of(const DsClient& client);

}  // namespace ds_test
