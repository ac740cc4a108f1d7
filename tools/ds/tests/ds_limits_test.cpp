// conclave-ds's limits (issue 14: "limits on message size, queue length, KeyPackages per device,
// requests per second per client (configurable, clear errors)"). Each test starts the server
// with a small limit and checks the typed refusal and that the refused request stored nothing.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "ds_fixture.h"

namespace ds_test {
namespace {

class DsLimitsTest : public DsTest {
 protected:
  void TearDown() override {
    alice.reset();
    bob.reset();
    carol.reset();
    DsTest::TearDown();
  }
  void reconnect() {
    for (DsClient* c : {alice.get(), bob.get(), carol.get()})
      if (c) c->connect(server_->address());
  }
  std::unique_ptr<DsClient> alice, bob, carol;
};

// --max-message-bytes bounds a Send's message, Welcome and GroupInfo, each: over it is
// RESOURCE_EXHAUSTED / MESSAGE_TOO_LARGE.
TEST_F(DsLimitsTest, MessageSizeLimit) {
  alice = client("alice");
  bob = client("bob");
  carol = client("carol");
  ASSERT_NO_FATAL_FAILURE(group_of_three(*alice, *bob, *carol));
  constexpr size_t kLimit = 900;
  restart({"--max-message-bytes", std::to_string(kLimit)});
  reconnect();
  const std::string before = footprint();

  const auto big = alice->send(alice->group->protect(conclave::to_bytes(std::string(1000, 'x'))));
  EXPECT_EQ(big.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(big.detail.code(), v1::ERROR_CODE_MESSAGE_TOO_LARGE);

  // A commit that fits, with a GroupInfo (it carries the ratchet tree) that does not.
  const auto update = alice->group->commit({});
  const auto info = alice->next_group_info();
  ASSERT_LE(encode_message(update.commit).size(), kLimit);
  ASSERT_GT(encode_message(info).size(), kLimit);
  const auto with_info = alice->send(update.commit, {}, {}, {}, info);
  EXPECT_EQ(with_info.detail.code(), v1::ERROR_CODE_MESSAGE_TOO_LARGE);
  EXPECT_EQ(footprint(), before);

  // Within the limit all goes through.
  ASSERT_TRUE(alice->send(update.commit).ok());
  alice->group->merge_pending_commit();
  ASSERT_TRUE(alice->send(alice->group->protect(conclave::as_bytes("short"))).ok());
  EXPECT_EQ(bob->sync(), 2u);
  EXPECT_EQ(bob->received, (std::vector<std::string>{"short"}));
}

// --max-key-packages: a publish that would leave the device more than the limit is refused
// whole (RESOURCE_EXHAUSTED / TOO_MANY_KEY_PACKAGES); fetched ones make room again.
TEST_F(DsLimitsTest, KeyPackagesPerDeviceLimit) {
  restart({"--max-key-packages", "3"});
  alice = client("alice");
  bob = client("bob");
  ASSERT_TRUE(bob->publish(2).ok());
  const std::string before = footprint();
  const auto over = bob->publish(2);
  EXPECT_EQ(over.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(over.detail.code(), v1::ERROR_CODE_TOO_MANY_KEY_PACKAGES);
  EXPECT_EQ(footprint(), before);
  EXPECT_EQ(rows("key_packages"), 2);
  ASSERT_TRUE(bob->publish(1).ok());
  EXPECT_EQ(bob->publish(1).detail.code(), v1::ERROR_CODE_TOO_MANY_KEY_PACKAGES);
  ASSERT_TRUE(alice->fetch_key_packages("bob").ok());
  EXPECT_TRUE(bob->publish(1).ok());
  EXPECT_EQ(rows("key_packages"), 3);
}

// --max-queue: a Send whose fan-out would take a recipient's queue over the limit is refused
// (RESOURCE_EXHAUSTED / QUEUE_FULL), so that no member misses an accepted message; a commit that
// removes the backlogged device is still accepted.
TEST_F(DsLimitsTest, QueueLengthLimit) {
  restart({"--max-queue", "3"});
  alice = client("alice");
  bob = client("bob");
  carol = client("carol");
  ASSERT_NO_FATAL_FAILURE(group_of_three(*alice, *bob, *carol));
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(alice->send(alice->group->protect(conclave::as_bytes("m"))).ok());
  EXPECT_EQ(carol->sync(), 3u);  // carol's queue is empty again; bob's is full

  const auto message = alice->group->protect(conclave::as_bytes("one too many"));
  const std::string before = footprint();
  const auto full = alice->send(message);
  EXPECT_EQ(full.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(full.detail.code(), v1::ERROR_CODE_QUEUE_FULL);
  EXPECT_EQ(footprint(), before);

  conclave::CommitOptions remove;
  for (const auto& m : alice->group->members())
    if (m.credential == bob->identity().credential) remove.remove.push_back(m.leaf);
  const auto removal = alice->group->commit(remove);
  const auto removed = alice->send(removal.commit, {}, {bob->ref()});
  ASSERT_TRUE(removed.ok()) << removed.status.error_message();
  alice->group->merge_pending_commit();
  EXPECT_EQ(carol->sync(), 1u);
  EXPECT_EQ(bob->sync(), 4u);  // three messages and the commit that removes him
  EXPECT_FALSE(bob->group->active());
}

// --rate: requests per second per device, a token bucket after authentication (nobody spends
// another device's budget): over it is RESOURCE_EXHAUSTED / RATE_LIMITED; it refills.
TEST_F(DsLimitsTest, RequestsPerSecondLimit) {
  restart({"--rate", "1"});
  alice = client("alice");
  bob = client("bob");
  alice->create_group("group-1");
  // Each loop stops at the first refusal; on a slow machine a token may come back between
  // calls, so the refusal is awaited rather than expected at a fixed call.
  Outcome<v1::FetchReply> limited;
  for (int i = 0; i < 10 && limited.ok(); ++i)
    limited = alice->call(kFetch, v1::FetchBody{});
  EXPECT_EQ(limited.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(limited.detail.code(), v1::ERROR_CODE_RATE_LIMITED);
  EXPECT_TRUE(bob->call(kFetch, v1::FetchBody{}).ok());  // bob's budget is his own

  Outcome<v1::SendReply> send;
  std::string before;
  for (int i = 0; i < 10 && send.ok(); ++i) {
    before = footprint();
    send = alice->send(alice->group->protect(conclave::as_bytes("now")));
  }
  EXPECT_EQ(send.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(send.detail.code(), v1::ERROR_CODE_RATE_LIMITED);
  EXPECT_EQ(footprint(), before);

  // The bucket refills at one token a second.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  EXPECT_TRUE(alice->send(alice->group->protect(conclave::as_bytes("later"))).ok());
}

}  // namespace
}  // namespace ds_test
