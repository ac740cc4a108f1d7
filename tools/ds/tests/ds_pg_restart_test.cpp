// PostgreSQL restarting under running conclave-ds processes (issue 14 item 6, and "nothing
// acknowledged is lost"): the DS connects again on its own, what it acknowledged before is
// delivered, and pushes cross processes again once the listeners are back.
#include <gtest/gtest.h>

#include "ds_fixture.h"
#include "ds_stream.h"

namespace ds_test {
namespace {

TEST_F(DsTest, PostgresqlRestartLosesNothingAndServiceResumes) {
  if (!postgres_) GTEST_SKIP() << "a PostgreSQL restart; the SQLite DS has no server to lose";
  // No polling: only pushes can reach a stream in time.
  const std::vector<std::string> no_polling = {"--subscribe-poll-ms", "600000"};
  restart(no_polling);
  auto alice = client("alice");
  auto bob = client("bob");
  auto carol = client("carol");
  ASSERT_NO_FATAL_FAILURE(group_of_three(*alice, *bob, *carol));
  ServerProcess second(CONCLAVE_DS_SERVER, db_path_, no_polling);
  Stream stream(*bob, second.address());
  const auto before = alice->send(text(*alice, "before"));
  ASSERT_TRUE(before.ok());

  ASSERT_TRUE(PgCluster::shared().restart());
  // The first calls after the restart succeed: a lost connection is opened again before a
  // transaction starts, and the transaction it broke is run again.
  const auto after = alice->send(text(*alice, "after"));
  ASSERT_TRUE(after.ok()) << after.status.error_message();

  // bob's stream, on the other process, gets both in order: its process reconnected to read,
  // and its listener to hear of the second.
  for (const auto& sent : {before, after}) {
    const auto entry = stream.next();
    ASSERT_TRUE(entry.has_value()) << "nothing was pushed in time";
    EXPECT_EQ(entry->sequence(), sent.reply.sequence());
  }
  EXPECT_EQ(carol->sync(), 2u);
  EXPECT_EQ(carol->received, (std::vector<std::string>{"before", "after"}));
  EXPECT_EQ(second.stop(), 0);
}

}  // namespace
}  // namespace ds_test
