// conclave-ds's retention (issue 14, item 7; README, "Retention") and its maintained queue
// length: the sweep deletes what every recipient acknowledged once it is older than
// --retention-seconds, idempotency records at the same age, and expired KeyPackages; what a
// device has not acknowledged stays and is delivered. Each test starts the server with a short
// --retention-interval-ms and reads the server's database next to it.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "ds_fixture.h"

namespace ds_test {
namespace {

using namespace std::chrono_literals;

class DsRetentionTest : public DsTest {
 protected:
  void TearDown() override {
    alice.reset();
    bob.reset();
    carol.reset();
    DsTest::TearDown();
  }
  void restart_with(const std::vector<std::string>& args) {
    restart(args);
    for (DsClient* c : {alice.get(), bob.get(), carol.get()})
      if (c) c->connect(server_->address());
  }
  // Polls `done` (the server sweeps in the background) for up to 20 s.
  static bool eventually(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(50ms);
    }
    return true;
  }
  // alice, bob and carol in a group of three, on a server started again with `args`.
  void start_group(const std::vector<std::string>& args) {
    restart(args);
    alice = client("alice");
    bob = client("bob");
    carol = client("carol");
    group_of_three(*alice, *bob, *carol);
  }
  Outcome<v1::SendReply> say(DsClient& c, const std::string& text) {
    return c.send(c.group->protect(conclave::as_bytes(text)));
  }
  int64_t queue_length_of(const std::string& user) const {
    return sql("SELECT queue_length FROM devices WHERE \"user\" = '" + user + "'");
  }
  // Devices whose maintained queue_length is not the count of their queue entries.
  int64_t miscounted_queues() const {
    return sql(
        "SELECT COUNT(*) FROM devices d WHERE queue_length <> "
        "(SELECT COUNT(*) FROM queue q WHERE q.device_id = d.id)");
  }
  std::unique_ptr<DsClient> alice, bob, carol;
};

// Retention: messages every recipient acknowledged, and idempotency records, are deleted once
// older than --retention-seconds; the newest message stays (Ack's "cursor past the last
// message" check reads it) and so do the commits rows (the one-commit-per-epoch arbiter).
TEST_F(DsRetentionTest, AcknowledgedMessagesAreDeletedAfterRetention) {
  ASSERT_NO_FATAL_FAILURE(
      start_group({"--retention-seconds", "1", "--retention-interval-ms", "100"}));
  uint64_t last = 0;
  for (const char* m : {"one", "two", "three"}) {
    const auto sent = say(*alice, m);
    ASSERT_TRUE(sent.ok());
    last = sent.reply.sequence();
  }
  EXPECT_EQ(bob->sync(), 3u);
  EXPECT_EQ(carol->sync(), 3u);

  ASSERT_TRUE(eventually([&] { return rows("messages") == 1 && rows("sends") == 0; }))
      << footprint();
  EXPECT_EQ(sql("SELECT MAX(sequence) FROM messages"), static_cast<int64_t>(last));
  EXPECT_EQ(rows("commits"), 1);
  EXPECT_EQ(rows("group_infos"), 1);
  EXPECT_EQ(rows("queue"), 0);

  // The group goes on: an acknowledgement repeated after the deletion is still accepted, and
  // a commit and a message after it are delivered.
  v1::AckBody ack;
  ack.set_cursor(last - 1);
  EXPECT_TRUE(bob->call(kAck, ack).ok());
  const auto update = alice->group->commit({});
  ASSERT_TRUE(alice->send(update.commit).ok());
  alice->group->merge_pending_commit();
  ASSERT_TRUE(say(*alice, "four").ok());
  EXPECT_EQ(bob->sync(), 2u);
  EXPECT_EQ(bob->received, (std::vector<std::string>{"one", "two", "three", "four"}));
  EXPECT_EQ(state_of(*bob), state_of(*alice));
}

// Retention never costs a device a message: entries it has not acknowledged keep their
// messages past the retention time, and it fetches them all, in order, when it comes back.
TEST_F(DsRetentionTest, UnacknowledgedMessagesStayAndAreDelivered) {
  ASSERT_NO_FATAL_FAILURE(
      start_group({"--retention-seconds", "1", "--retention-interval-ms", "100"}));
  std::vector<int64_t> sequences;
  for (const char* m : {"one", "two", "three"}) {
    const auto sent = say(*alice, m);
    ASSERT_TRUE(sent.ok());
    sequences.push_back(static_cast<int64_t>(sent.reply.sequence()));
  }
  EXPECT_EQ(bob->sync(), 3u);  // carol is offline

  // The commit and the Welcome (everyone acknowledged them) go; carol's three stay.
  ASSERT_TRUE(eventually([&] { return rows("messages") == 3 && rows("sends") == 0; }))
      << footprint();
  std::this_thread::sleep_for(500ms);  // several more sweeps
  EXPECT_EQ(rows("messages"), 3);
  EXPECT_EQ(sql("SELECT MIN(sequence) FROM messages"), sequences.front());
  EXPECT_EQ(queue_length_of("carol"), 3);
  EXPECT_EQ(queue_length_of("bob"), 0);
  EXPECT_EQ(miscounted_queues(), 0);

  EXPECT_EQ(carol->sync(), 3u);
  EXPECT_EQ(carol->received, (std::vector<std::string>{"one", "two", "three"}));
  EXPECT_EQ(state_of(*carol), state_of(*alice));
  EXPECT_EQ(queue_length_of("carol"), 0);
  ASSERT_TRUE(eventually([&] { return rows("messages") == 1; })) << footprint();
}

// Sequence numbers are never reused: after the sweep deleted messages, new ones continue above
// every number handed out before (SQLite AUTOINCREMENT, a PostgreSQL identity).
TEST_F(DsRetentionTest, SequenceNumbersKeepIncreasingAfterDeletion) {
  ASSERT_NO_FATAL_FAILURE(
      start_group({"--retention-seconds", "1", "--retention-interval-ms", "100"}));
  uint64_t last = 0;
  for (int round = 0; round < 2; ++round) {
    for (const char* m : {"a", "b"}) {
      const auto sent = say(*alice, m);
      ASSERT_TRUE(sent.ok());
      EXPECT_GT(sent.reply.sequence(), last);
      last = sent.reply.sequence();
    }
    EXPECT_EQ(bob->sync(), 2u);
    EXPECT_EQ(carol->sync(), 2u);
    ASSERT_TRUE(eventually([&] { return rows("messages") == 1; })) << footprint();
  }
  // A message deleted by hand, the newest included, leaves no number to take again.
  ASSERT_NO_THROW(sql("DELETE FROM sends"));
  ASSERT_NO_THROW(sql("DELETE FROM messages"));
  const auto after = say(*alice, "c");
  ASSERT_TRUE(after.ok());
  EXPECT_GT(after.reply.sequence(), last);
  EXPECT_EQ(bob->sync(), 1u);
  EXPECT_EQ(bob->received, (std::vector<std::string>{"a", "b", "a", "b", "c"}));
}

// The idempotency window: within --retention-seconds a retried Send gets its first reply, and
// its message is kept for that (also when every recipient acknowledged it and it is old, which
// the test forces); once the record is older, a retry is a new message.
TEST_F(DsRetentionTest, RetryWithinTheWindowIsIdempotent) {
  ASSERT_NO_FATAL_FAILURE(
      start_group({"--retention-seconds", "60", "--retention-interval-ms", "50"}));
  const auto first = say(*alice, "once");
  ASSERT_TRUE(first.ok());
  const v1::SendBody retried = alice->last_send();
  ASSERT_TRUE(say(*alice, "newer").ok());  // the newest message is kept anyway
  EXPECT_EQ(bob->sync(), 2u);
  EXPECT_EQ(carol->sync(), 2u);

  // Every message old: only the idempotency records keep them.
  ASSERT_NO_THROW(sql("UPDATE messages SET stored_ms = 0"));
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(sql("SELECT COUNT(*) FROM messages WHERE sequence = " +
                std::to_string(first.reply.sequence())),
            1);
  const std::string before = footprint();
  const auto again = alice->call(kSend, retried);
  ASSERT_TRUE(again.ok()) << again.status.error_message();
  EXPECT_EQ(again.reply.sequence(), first.reply.sequence());
  EXPECT_EQ(again.reply.epoch(), first.reply.epoch());
  EXPECT_EQ(footprint(), before);
  v1::SendBody other = retried;
  other.set_message(encode_message(alice->group->protect(conclave::as_bytes("other"))));
  EXPECT_EQ(alice->call(kSend, other).detail.code(), v1::ERROR_CODE_ID_REUSED);

  // Past the window the record goes, its message with it, and the id is free again.
  ASSERT_NO_THROW(sql("UPDATE sends SET stored_ms = 0"));
  ASSERT_TRUE(eventually([&] { return rows("sends") == 0 && rows("messages") == 1; }))
      << footprint();
  const auto later = alice->call(kSend, retried);
  ASSERT_TRUE(later.ok()) << later.status.error_message();
  EXPECT_GT(later.reply.sequence(), first.reply.sequence());
}

// Expired KeyPackages are deleted by the sweep, also those of users nobody fetches (a fetch
// drops its user's expired ones itself); unexpired ones stay.
TEST_F(DsRetentionTest, ExpiredKeyPackagesAreDeleted) {
  restart({"--retention-interval-ms", "50"});
  bob = client("bob");
  ASSERT_TRUE(bob->publish(3).ok());
  ASSERT_NO_THROW(
      sql("UPDATE key_packages SET not_after = 1 WHERE id = "
          "(SELECT MIN(id) FROM key_packages)"));
  ASSERT_TRUE(eventually([&] { return rows("key_packages") == 2; })) << footprint();
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(rows("key_packages"), 2);
}

// --max-queue with the maintained count (schema 3): Send reads the device's queue_length,
// which Send and Ack keep equal to the number of its entries.
TEST_F(DsRetentionTest, QueueLengthIsMaintained) {
  ASSERT_NO_FATAL_FAILURE(start_group({"--max-queue", "2"}));
  ASSERT_TRUE(say(*alice, "1").ok());
  ASSERT_TRUE(say(*alice, "2").ok());
  EXPECT_EQ(queue_length_of("bob"), 2);
  EXPECT_EQ(say(*alice, "3").detail.code(), v1::ERROR_CODE_QUEUE_FULL);
  v1::FetchBody one;
  one.set_limit(1);
  const auto fetched = bob->call(kFetch, one);
  ASSERT_EQ(fetched.reply.entries_size(), 1);
  v1::AckBody ack;
  ack.set_cursor(fetched.reply.entries(0).sequence());
  ASSERT_TRUE(bob->call(kAck, ack).ok());
  EXPECT_TRUE(bob->call(kAck, ack).ok());  // a repeated Ack counts nothing twice
  EXPECT_EQ(queue_length_of("bob"), 1);
  EXPECT_EQ(miscounted_queues(), 0);
  EXPECT_EQ(carol->sync(), 2u);
  EXPECT_TRUE(say(*alice, "3").ok());
  EXPECT_EQ(say(*alice, "4").detail.code(), v1::ERROR_CODE_QUEUE_FULL);
  EXPECT_EQ(miscounted_queues(), 0);
}

// The schema is migrated from version 2 (before retention): messages and idempotency records
// count as stored at the migration, queue lengths are counted once, and the database works on:
// a pre-upgrade retry is idempotent, --max-queue counts the queued entries, the offline device
// gets its messages, and the sweep deletes what was acknowledged.
TEST_F(DsRetentionTest, VersionTwoDatabaseIsMigrated) {
  alice = client("alice");
  bob = client("bob");
  carol = client("carol");
  ASSERT_NO_FATAL_FAILURE(group_of_three(*alice, *bob, *carol));
  const auto first = say(*alice, "before");
  ASSERT_TRUE(first.ok());
  const v1::SendBody retried = alice->last_send();
  ASSERT_TRUE(say(*alice, "the upgrade").ok());
  EXPECT_EQ(bob->sync(), 2u);  // carol is offline: two entries
  ASSERT_EQ(server_->stop(), 0);
  ASSERT_NO_THROW(downgrade_to_version_2());

  restart_with({"--max-queue", "3"});
  EXPECT_EQ(sql(postgres_ ? "SELECT version FROM schema_version" : "PRAGMA user_version"), 3);
  EXPECT_EQ(queue_length_of("carol"), 2);
  EXPECT_EQ(miscounted_queues(), 0);
  EXPECT_EQ(sql("SELECT COUNT(*) FROM messages WHERE stored_ms = 0"), 0);
  EXPECT_EQ(sql("SELECT COUNT(*) FROM sends WHERE stored_ms = 0"), 0);
  const auto again = alice->call(kSend, retried);
  ASSERT_TRUE(again.ok()) << again.status.error_message();
  EXPECT_EQ(again.reply.sequence(), first.reply.sequence());
  ASSERT_TRUE(say(*alice, "after").ok());
  EXPECT_EQ(say(*alice, "too many").detail.code(), v1::ERROR_CODE_QUEUE_FULL);
  EXPECT_EQ(carol->sync(), 3u);
  EXPECT_EQ(carol->received, (std::vector<std::string>{"before", "the upgrade", "after"}));
  EXPECT_EQ(bob->sync(), 1u);

  restart_with({"--retention-seconds", "1", "--retention-interval-ms", "100"});
  ASSERT_TRUE(eventually([&] { return rows("messages") == 1 && rows("sends") == 0; }))
      << footprint();
}

}  // namespace
}  // namespace ds_test
