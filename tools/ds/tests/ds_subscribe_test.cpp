// conclave-ds's Subscribe stream (issue 14, item 4: "A streaming subscription pushes new
// messages"): the backlog first, then each new entry as it is stored, pushed by the Send that
// stored it; across processes through PostgreSQL's NOTIFY; at least once across a restart.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "ds_fixture.h"
#include "ds_stream.h"

namespace ds_test {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

// So long that an entry arriving within a test's deadline was pushed, not polled.
const std::vector<std::string> kNoPolling = {"--subscribe-poll-ms", "600000"};

// The entry carries the message `sender` sent last, in the DS's order.
void expect_entry(const std::optional<v1::QueueEntry>& entry, const DsClient& sender,
                  uint64_t sequence) {
  ASSERT_TRUE(entry.has_value()) << "nothing was pushed in time";
  EXPECT_EQ(entry->kind(), v1::ENTRY_KIND_MESSAGE);
  EXPECT_EQ(entry->sequence(), sequence);
  EXPECT_EQ(entry->sender().user(), sender.user());
  EXPECT_EQ(entry->message(), sender.last_send().message());
}

// Issue 14 item 4: the stream pushes what was stored after it opened, without polling (the
// server's poll interval is far longer than the deadline), and only the caller's queue.
TEST_F(DsTest, SubscribePushesEachNewEntryAsItIsStored) {
  restart(kNoPolling);
  auto alice = client("alice");
  auto bob = client("bob");
  auto carol = client("carol");
  ASSERT_NO_FATAL_FAILURE(group_of_three(*alice, *bob, *carol));
  Stream stream(*bob, server_->address());
  for (int i = 0; i < 3; ++i) {
    const auto sent = alice->send(text(*alice, "pushed"));
    ASSERT_TRUE(sent.ok()) << sent.status.error_message();
    ASSERT_NO_FATAL_FAILURE(expect_entry(stream.next(), *alice, sent.reply.sequence()));
  }
  // bob's own message is not in bob's queue: the next entry is carol's.
  ASSERT_TRUE(bob->send(text(*bob, "own")).ok());
  const auto from_carol = carol->send(text(*carol, "from carol"));
  ASSERT_TRUE(from_carol.ok());
  ASSERT_NO_FATAL_FAILURE(expect_entry(stream.next(), *carol, from_carol.reply.sequence()));
}

// Issue 14 item 4: a device that was offline gets its backlog first, in the DS's order, then
// the new entries; `after` skips what the client already handled.
TEST_F(DsTest, SubscribeSendsTheBacklogInOrderThenNewEntries) {
  restart(kNoPolling);
  auto alice = client("alice");
  auto bob = client("bob");
  auto carol = client("carol");
  ASSERT_NO_FATAL_FAILURE(group_of_three(*alice, *bob, *carol));
  std::vector<uint64_t> sequences;
  for (int i = 0; i < 150; ++i) {  // more than one batch of the stream
    const auto sent = alice->send(text(*alice, "offline"));
    ASSERT_TRUE(sent.ok());
    sequences.push_back(sent.reply.sequence());
  }
  {
    Stream stream(*bob, server_->address());
    for (const uint64_t sequence : sequences) {
      const auto entry = stream.next();
      ASSERT_TRUE(entry.has_value());
      ASSERT_EQ(entry->sequence(), sequence);
    }
    const auto live = alice->send(text(*alice, "live"));
    ASSERT_TRUE(live.ok());
    ASSERT_NO_FATAL_FAILURE(expect_entry(stream.next(), *alice, live.reply.sequence()));
  }
  // Streamed is not acknowledged: a new stream from a cursor gets what follows it.
  Stream resumed(*bob, server_->address(), sequences[99]);
  const auto entry = resumed.next();
  ASSERT_TRUE(entry.has_value());
  EXPECT_EQ(entry->sequence(), sequences[100]);
}

// Issue 14 item 1: a Subscribe proves its device like every call; a bad signature or a
// replayed request opens no stream.
TEST_F(DsTest, SubscribeIsAuthenticated) {
  auto bob = client("bob");
  v1::SignedRequest forged = bob->sign("Subscribe", v1::SubscribeBody{});
  forged.mutable_auth()->set_device("laptop");
  Stream refused(server_->address(), forged);
  EXPECT_FALSE(refused.next().has_value());
  const grpc::Status status = refused.finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  v1::ErrorDetail detail;
  ASSERT_TRUE(detail.ParseFromString(status.error_details()));
  EXPECT_EQ(detail.code(), v1::ERROR_CODE_BAD_SIGNATURE);

  const v1::SignedRequest request = bob->sign("Subscribe", v1::SubscribeBody{});
  {
    Stream first(server_->address(), request);
    EXPECT_FALSE(first.next(milliseconds(500)).has_value());  // open, and nothing queued
  }
  Stream replayed(server_->address(), request);
  EXPECT_FALSE(replayed.next().has_value());
  const grpc::Status again = replayed.finish();
  ASSERT_TRUE(detail.ParseFromString(again.error_details()));
  EXPECT_EQ(detail.code(), v1::ERROR_CODE_REPLAYED_NONCE);
}

// Issue 14 item 7 (graceful shutdown): open streams end at once, with UNAVAILABLE, when the
// server is asked to stop, rather than holding it for the grace period of calls in flight
// (2 s, after which gRPC would cancel them).
TEST_F(DsTest, OpenStreamsEndAtShutdown) {
  auto bob = client("bob");
  Stream stream(*bob, server_->address());
  Stream other(*bob, server_->address());
  // Both are open and waiting: nothing is queued.
  EXPECT_FALSE(other.next(milliseconds(300)).has_value());
  const auto start = steady_clock::now();
  auto stopping = std::async(std::launch::async, [&] { return server_->stop(); });
  EXPECT_FALSE(stream.next(milliseconds(5000)).has_value());
  EXPECT_LT(steady_clock::now() - start, milliseconds(1500));
  const grpc::Status status = stream.finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  EXPECT_EQ(stopping.get(), 0);
}

// Issue 14 item 6: several processes on one database push to each other's streams. On
// PostgreSQL through NOTIFY (no polling at all); two processes on one SQLite file have no such
// channel and rely on the poll interval, here short.
TEST_F(DsTest, SubscribeSeesSendsOfAnotherProcess) {
  const std::vector<std::string> args =
      postgres_ ? kNoPolling : std::vector<std::string>{"--subscribe-poll-ms", "100"};
  restart(args);
  auto alice = client("alice");
  auto bob = client("bob");
  auto carol = client("carol");
  ASSERT_NO_FATAL_FAILURE(group_of_three(*alice, *bob, *carol));
  ServerProcess second(CONCLAVE_DS_SERVER, db_path_, args);
  Stream stream(*bob, second.address());
  for (int i = 0; i < 3; ++i) {
    const auto sent = alice->send(text(*alice, "across"));
    ASSERT_TRUE(sent.ok());
    ASSERT_NO_FATAL_FAILURE(expect_entry(stream.next(), *alice, sent.reply.sequence()));
  }
}

}  // namespace
}  // namespace ds_test
