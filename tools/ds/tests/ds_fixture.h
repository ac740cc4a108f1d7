// The fixture of the conclave-ds integration tests: a real conclave-ds process on a temporary
// database, clients built on the library, and a look at the database to check that refused
// requests stored nothing.
//
// The backend is SQLite (a temporary file) unless CONCLAVE_DS_TEST_BACKEND=postgresql, which
// gives each test a fresh database in a throwaway PostgreSQL cluster (pg_cluster.h). Without
// PostgreSQL's server programs those tests are skipped, or fail when CI is set.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "ds_client.h"
#include "pg_cluster.h"
#include "server_process.h"

namespace ds_test {

using conclave::ds::harness::pg_query;
using conclave::ds::harness::PgCluster;
using conclave::ds::harness::ServerProcess;
using conclave::ds::harness::TempDir;

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
  // Rows of a table of the server's database, read next to the running server.
  int64_t rows(const std::string& table) const;
  // Runs one SQL statement on the server's database next to the server; the first column of
  // its first row as an integer, if it returns one (-1 otherwise).
  int64_t sql(const std::string& statement) const;
  // A new empty database of the test's backend: a --db argument.
  std::string fresh_database();
  // The rows of the tables a request could write: messages, queue, sends, commits, members,
  // key_packages, groups, devices.
  std::string footprint() const;
  // Gives the stopped server's database the shape of schema version 2 (what version 3 added,
  // taken away) and records that version, for the migration tests.
  void downgrade_to_version_2() const;

  std::unique_ptr<TempDir> dir_;
  bool postgres_ = false;
  // The server's --db: a SQLite file or a PostgreSQL URI.
  std::string db_path_;
  std::unique_ptr<ServerProcess> server_;
};

// An application message of `c`'s group carrying `s`.
conclave::wire::MlsMessage text(DsClient& c, const std::string& s);

// A member's stable view of its group: epoch and epoch authenticator.
std::string state_of(const DsClient& client);

}  // namespace ds_test
