// PostgreSQL restarting under running conclave-ds processes (issue 14 item 6, and "nothing
// acknowledged is lost"): the DS connects again on its own, what it acknowledged before is
// delivered, and pushes cross processes again once the listeners are back.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

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
  // The stream is open and has read before the restart: what it gets after one must come from
  // a reconnected process (a stream that reads during the restart: the outage test below).
  const auto first = stream.next();
  ASSERT_TRUE(first.has_value()) << "nothing was pushed in time";
  EXPECT_EQ(first->sequence(), before.reply.sequence());

  ASSERT_TRUE(PgCluster::shared().restart());
  // The first calls after the restart succeed: a lost connection is opened again before a
  // transaction starts, and the transaction it broke is run again.
  const auto after = alice->send(text(*alice, "after"));
  ASSERT_TRUE(after.ok()) << after.status.error_message();

  // bob's stream, on the other process, gets the second: its process reconnected to read, and
  // its listener to hear of it.
  const auto entry = stream.next();
  ASSERT_TRUE(entry.has_value()) << "nothing was pushed in time";
  EXPECT_EQ(entry->sequence(), after.reply.sequence());
  EXPECT_EQ(carol->sync(), 2u);
  EXPECT_EQ(carol->received, (std::vector<std::string>{"before", "after"}));
  EXPECT_EQ(second.stop(), 0);
}

// An outage longer than a restart, with a stream that reads the queue while the server is away
// (polling every 50 ms): the stream stays open and delivers what is sent once PostgreSQL is
// back, and a call made during the outage is refused as UNAVAILABLE (retry later), having
// queued nothing.
TEST_F(DsTest, SubscribeStreamOutlivesAPostgresqlOutage) {
  if (!postgres_) GTEST_SKIP() << "a PostgreSQL outage; the SQLite DS has no server to lose";
  const std::vector<std::string> fast_polling = {"--subscribe-poll-ms", "50"};
  restart(fast_polling);
  auto alice = client("alice");
  auto bob = client("bob");
  auto carol = client("carol");
  ASSERT_NO_FATAL_FAILURE(group_of_three(*alice, *bob, *carol));
  ServerProcess second(CONCLAVE_DS_SERVER, db_path_, fast_polling);
  Stream stream(*bob, second.address());
  const auto before = alice->send(text(*alice, "before"));
  ASSERT_TRUE(before.ok());
  const auto first = stream.next();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->sequence(), before.reply.sequence());

  ASSERT_TRUE(PgCluster::shared().stop());
  const auto during = alice->send(text(*alice, "during"));
  EXPECT_EQ(during.status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << during.status.error_message();
  // Some ten polls of the stream fail meanwhile.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  ASSERT_TRUE(PgCluster::shared().start());

  const auto after = alice->send(text(*alice, "after"));
  ASSERT_TRUE(after.ok()) << after.status.error_message();
  const auto entry = stream.next();
  ASSERT_TRUE(entry.has_value()) << "the stream ended during the outage: "
                                 << stream.finish().error_message();
  EXPECT_EQ(entry->sequence(), after.reply.sequence());
  EXPECT_EQ(carol->sync(), 2u);
  EXPECT_EQ(carol->received, (std::vector<std::string>{"before", "after"}));
  EXPECT_EQ(second.stop(), 0);
}

}  // namespace
}  // namespace ds_test
