// conclave-ds with real clients: the lifecycle of a group through the DS (RFC 9750 §5), the
// KeyPackage directory, and the epoch race (§5.2).
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <set>
#include <thread>
#include <variant>

#include "conclave/base/error.h"
#include "ds_fixture.h"

namespace ds_test {
namespace {

// "prefix" + number, built with += (GCC 12 warns falsely on operator+ with a literal).
std::string numbered(const char* prefix, int i) {
  std::string out = prefix;
  out += std::to_string(i);
  return out;
}

// RFC 9750 §5: register, KeyPackages, create, add by Welcome, application messages, an update
// commit, a remove; every member ends with the same epoch authenticator.
TEST_F(DsTest, GroupLifecycleThroughTheDs) {
  auto alice = client("alice");
  auto bob = client("bob");
  auto carol = client("carol");
  ASSERT_NO_FATAL_FAILURE(group_of_three(*alice, *bob, *carol));

  // Application messages reach every other member, in the DS's order.
  ASSERT_TRUE(alice->send(text(*alice, "hello from alice")).ok());
  ASSERT_TRUE(bob->send(text(*bob, "hi from bob")).ok());
  EXPECT_EQ(bob->sync(), 1u);
  EXPECT_EQ(carol->sync(), 2u);
  EXPECT_EQ(alice->sync(), 1u);
  EXPECT_EQ(bob->received, (std::vector<std::string>{"hello from alice"}));
  EXPECT_EQ(carol->received, (std::vector<std::string>{"hello from alice", "hi from bob"}));
  EXPECT_EQ(alice->received, (std::vector<std::string>{"hi from bob"}));

  // An update commit by bob (a fresh UpdatePath): the DS moves the group to epoch 2.
  const auto update = bob->group->commit({});
  const auto sent = bob->send(update.commit);
  ASSERT_TRUE(sent.ok()) << sent.status.error_message();
  EXPECT_EQ(sent.reply.epoch(), 2u);
  bob->group->merge_pending_commit();
  EXPECT_EQ(alice->sync(), 1u);
  EXPECT_EQ(carol->sync(), 1u);
  EXPECT_EQ(state_of(*alice), state_of(*bob));
  EXPECT_EQ(state_of(*carol), state_of(*bob));

  // Carol prepares a message at epoch 2 that she will only try to post once removed.
  const auto late = text(*carol, "am I still here?");

  // alice removes carol; carol still receives the commit that removes her.
  conclave::CommitOptions remove;
  for (const auto& m : alice->group->members())
    if (m.credential == carol->identity().credential) remove.remove.push_back(m.leaf);
  ASSERT_EQ(remove.remove.size(), 1u);
  const auto removal = alice->group->commit(remove);
  const auto removed = alice->send(removal.commit, {}, {carol->ref()});
  ASSERT_TRUE(removed.ok()) << removed.status.error_message();
  EXPECT_EQ(removed.reply.epoch(), 3u);
  alice->group->merge_pending_commit();
  EXPECT_EQ(bob->sync(), 1u);
  EXPECT_EQ(carol->sync(), 1u);
  EXPECT_FALSE(carol->group->active());
  EXPECT_EQ(state_of(*alice), state_of(*bob));

  // Issue 14: a removed device may not post to the group any more; nothing is stored.
  const std::string before = footprint();
  const auto refused = carol->send(late);
  EXPECT_EQ(refused.status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(refused.detail.code(), v1::ERROR_CODE_NOT_A_MEMBER);
  EXPECT_EQ(footprint(), before);

  // The chat goes on without carol.
  ASSERT_TRUE(alice->send(text(*alice, "just us now")).ok());
  EXPECT_EQ(bob->sync(), 1u);
  EXPECT_EQ(carol->sync(), 0u);
  EXPECT_EQ(bob->received.back(), "just us now");
}

// RFC 9420 §12.4.3.2, RFC 9750 §5: a device that is not a member fetches the GroupInfo the last
// committer published through the DS and joins by external commit; then it and the members
// exchange application messages, and all end with the same epoch authenticator.
TEST_F(DsTest, ExternalJoinThroughTheDs) {
  auto alice = client("alice");
  auto bob = client("bob");
  auto carol = client("carol");
  auto dave = client("dave");
  ASSERT_NO_FATAL_FAILURE(group_of_three(*alice, *bob, *carol, "group-1", true));

  const auto joined = dave->join_external("group-1");
  ASSERT_TRUE(joined.ok()) << joined.status.error_message();
  EXPECT_EQ(joined.reply.epoch(), 2u);
  EXPECT_EQ(rows("members"), 4);
  for (DsClient* member : {alice.get(), bob.get(), carol.get()}) {
    EXPECT_EQ(member->sync(), 1u);
    EXPECT_EQ(state_of(*member), state_of(*dave));
  }

  // The joiner's commit brought the GroupInfo of epoch 2: the next outsider joins from it.
  v1::FetchGroupInfoBody fetch;
  fetch.set_group_id("group-1");
  const auto info = alice->call(kFetchGroupInfo, fetch);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info.reply.epoch(), 2u);

  ASSERT_TRUE(dave->send(text(*dave, "hello from dave")).ok());
  ASSERT_TRUE(alice->send(text(*alice, "welcome dave")).ok());
  EXPECT_EQ(alice->sync(), 1u);
  EXPECT_EQ(bob->sync(), 2u);
  EXPECT_EQ(carol->sync(), 2u);
  EXPECT_EQ(dave->sync(), 1u);
  EXPECT_EQ(alice->received, (std::vector<std::string>{"hello from dave"}));
  EXPECT_EQ(bob->received, (std::vector<std::string>{"hello from dave", "welcome dave"}));
  EXPECT_EQ(dave->received, (std::vector<std::string>{"welcome dave"}));

  // A member's update commit after the join reaches dave too.
  const auto update = bob->group->commit({});
  const auto sent = bob->send(update.commit, {}, {}, {}, bob->next_group_info());
  ASSERT_TRUE(sent.ok()) << sent.status.error_message();
  EXPECT_EQ(sent.reply.epoch(), 3u);
  bob->group->merge_pending_commit();
  for (DsClient* member : {alice.get(), carol.get(), dave.get()}) {
    EXPECT_EQ(member->sync(), 1u);
    EXPECT_EQ(state_of(*member), state_of(*bob));
  }
}

// RFC 9420 §12.4.3.2: a member that lost its state resyncs by an external commit that removes
// its earlier leaf. The DS keeps the roster as it is; a member's external commit that removes
// nothing is refused (it would leave two leaves for one device).
TEST_F(DsTest, ResyncByExternalCommit) {
  auto alice = client("alice");
  auto bob = client("bob");
  auto carol = client("carol");
  ASSERT_NO_FATAL_FAILURE(group_of_three(*alice, *bob, *carol, "group-1", true));
  std::optional<conclave::tree::LeafIndex> old_leaf;
  for (const auto& m : alice->group->members())
    if (m.credential == bob->identity().credential) old_leaf = m.leaf;
  ASSERT_TRUE(old_leaf.has_value());
  bob->group.reset();  // lost

  const std::string before = footprint();
  const auto no_remove = bob->join_external("group-1");
  EXPECT_EQ(no_remove.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(no_remove.detail.code(), v1::ERROR_CODE_ROSTER_INVALID);
  EXPECT_EQ(footprint(), before);

  conclave::ExternalJoinOptions options;
  options.remove_leaf = old_leaf;
  const auto resynced = bob->join_external("group-1", options);
  ASSERT_TRUE(resynced.ok()) << resynced.status.error_message();
  EXPECT_EQ(resynced.reply.epoch(), 2u);
  EXPECT_EQ(rows("members"), 3);
  EXPECT_EQ(alice->sync(), 1u);
  EXPECT_EQ(carol->sync(), 1u);
  EXPECT_EQ(state_of(*alice), state_of(*bob));
  EXPECT_EQ(state_of(*carol), state_of(*bob));
  EXPECT_EQ(alice->group->members().size(), 3u);

  ASSERT_TRUE(bob->send(text(*bob, "back again")).ok());
  EXPECT_EQ(alice->sync(), 1u);
  EXPECT_EQ(alice->received, (std::vector<std::string>{"back again"}));
}

// Issue 14: a client-supplied message id makes a retried send idempotent: the same reply, and
// no second delivery.
TEST_F(DsTest, RetriedSendIsIdempotent) {
  auto alice = client("alice");
  auto bob = client("bob");
  auto carol = client("carol");
  ASSERT_NO_FATAL_FAILURE(group_of_three(*alice, *bob, *carol));
  const auto first = alice->send(text(*alice, "once"));
  ASSERT_TRUE(first.ok());
  const std::string before = footprint();
  const auto again = alice->call(kSend, alice->last_send());
  ASSERT_TRUE(again.ok()) << again.status.error_message();
  EXPECT_EQ(again.reply.sequence(), first.reply.sequence());
  EXPECT_EQ(again.reply.epoch(), first.reply.epoch());
  EXPECT_EQ(footprint(), before);
  EXPECT_EQ(bob->sync(), 1u);
  EXPECT_EQ(bob->received, (std::vector<std::string>{"once"}));
  const std::string after_sync = footprint();

  // The same id for other bytes is refused, not silently taken for the first message.
  v1::SendBody other = alice->last_send();
  other.set_message(encode_message(text(*alice, "twice?")));
  const auto reused = alice->call(kSend, other);
  EXPECT_EQ(reused.status.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(reused.detail.code(), v1::ERROR_CODE_ID_REUSED);
  EXPECT_EQ(footprint(), after_sync);
}

// Issue 14: a device that was offline gets everything in order, and what it acknowledged is
// not handed out again.
TEST_F(DsTest, FetchInOrderAndAckAdvancesTheCursor) {
  auto alice = client("alice");
  auto bob = client("bob");
  auto carol = client("carol");
  ASSERT_NO_FATAL_FAILURE(group_of_three(*alice, *bob, *carol));
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(alice->send(text(*alice, numbered("m", i))).ok());
  v1::FetchBody two;
  two.set_limit(2);
  const auto first = bob->call(kFetch, two);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first.reply.entries_size(), 2);
  EXPECT_LT(first.reply.entries(0).sequence(), first.reply.entries(1).sequence());
  // Not acknowledged: the same entries again.
  const auto repeat = bob->call(kFetch, two);
  EXPECT_EQ(repeat.reply.entries(0).sequence(), first.reply.entries(0).sequence());
  v1::AckBody ack;
  ack.set_cursor(first.reply.entries(1).sequence());
  ASSERT_TRUE(bob->call(kAck, ack).ok());
  const auto rest = bob->call(kFetch, v1::FetchBody{});
  ASSERT_EQ(rest.reply.entries_size(), 3);
  EXPECT_GT(rest.reply.entries(0).sequence(), first.reply.entries(1).sequence());
  // A cursor past every message would skip messages not sent yet.
  v1::AckBody beyond;
  beyond.set_cursor(rest.reply.entries(2).sequence() + 1000);
  EXPECT_EQ(bob->call(kAck, beyond).status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

// Issue 14: every accepted message is stored durably before it is acknowledged. The DS is
// killed (SIGKILL) right after accepting; a new process on the same file delivers it.
TEST_F(DsTest, AcceptedMessagesSurviveAServerCrash) {
  auto alice = client("alice");
  auto bob = client("bob");
  auto carol = client("carol");
  ASSERT_NO_FATAL_FAILURE(group_of_three(*alice, *bob, *carol));
  ASSERT_TRUE(alice->send(text(*alice, "before the crash")).ok());
  const auto update = alice->group->commit({});
  ASSERT_TRUE(alice->send(update.commit).ok());
  alice->group->merge_pending_commit();
  server_->kill_now();
  server_ = std::make_unique<ServerProcess>(CONCLAVE_DS_SERVER, db_path_);
  // The clients reconnect to the new address.
  DsClient* members[] = {alice.get(), bob.get(), carol.get()};
  for (DsClient* c : members)
    c->connect(server_->address());
  EXPECT_EQ(bob->sync(), 2u);
  EXPECT_EQ(bob->received, (std::vector<std::string>{"before the crash"}));
  EXPECT_EQ(state_of(*bob), state_of(*alice));
  // The epoch the DS recorded survived too: a commit for the old epoch is refused.
  const auto old = carol->group->commit({});
  const auto refused = carol->send(old.commit);
  EXPECT_EQ(refused.detail.code(), v1::ERROR_CODE_STALE_EPOCH);
  EXPECT_EQ(refused.detail.current_epoch(), 2u);
}

// The schema version of the backend: SQLite's PRAGMA user_version, PostgreSQL's
// schema_version table.
std::string set_version(bool postgres, int version) {
  std::string out = postgres ? "UPDATE schema_version SET version = " : "PRAGMA user_version = ";
  out += std::to_string(version);
  return out;
}

// The schema is versioned: a database written by a newer conclave-ds is refused at start.
TEST_F(DsTest, NewerSchemaVersionIsRefused) {
  server_->stop();
  ASSERT_NO_THROW(sql(set_version(postgres_, 99)));
  EXPECT_THROW(ServerProcess(CONCLAVE_DS_SERVER, db_path_), std::runtime_error);
  // TearDown stops a server: give it one on a fresh database.
  server_ = std::make_unique<ServerProcess>(CONCLAVE_DS_SERVER, fresh_database());
}

// The schema is versioned and migrated when opened: a version 1 file (version 2 without the
// external join column and the GroupInfo table) is brought to the current version, keeps its
// groups and messages, and its groups do not allow external joins.
TEST_F(DsTest, VersionOneDatabaseIsMigrated) {
  auto alice = client("alice");
  auto bob = client("bob");
  auto carol = client("carol");
  ASSERT_NO_FATAL_FAILURE(group_of_three(*alice, *bob, *carol));
  ASSERT_TRUE(alice->send(text(*alice, "before the upgrade")).ok());
  ASSERT_EQ(server_->stop(), 0);
  ASSERT_NO_THROW(downgrade_to_version_2());
  ASSERT_NO_THROW(sql("ALTER TABLE groups DROP COLUMN allow_external_join"));
  ASSERT_NO_THROW(sql("DROP TABLE group_infos"));
  ASSERT_NO_THROW(sql(set_version(postgres_, 1)));

  restart({});
  for (DsClient* c : {alice.get(), bob.get(), carol.get()})
    c->connect(server_->address());
  EXPECT_EQ(bob->sync(), 1u);
  EXPECT_EQ(bob->received, (std::vector<std::string>{"before the upgrade"}));
  auto dave = client("dave");
  v1::FetchGroupInfoBody body;
  body.set_group_id("group-1");
  EXPECT_EQ(dave->call(kFetchGroupInfo, body).detail.code(),
            v1::ERROR_CODE_EXTERNAL_JOIN_NOT_ALLOWED);
  // A commit after the upgrade stores its GroupInfo in the new table.
  const auto update = alice->group->commit({});
  ASSERT_TRUE(alice->send(update.commit, {}, {}, {}, alice->next_group_info()).ok());
  EXPECT_EQ(rows("group_infos"), 1);
  EXPECT_EQ(sql(postgres_ ? "SELECT version FROM schema_version" : "PRAGMA user_version"), 3);
}

// RFC 9750 §5.2 (strongly consistent ordering): three members commit in the same epoch at
// once; exactly one wins, each loser gets STALE_EPOCH with the current epoch, catches up,
// merges the winner's commit and commits again; all end with the same epoch authenticator.
//
// The racers at epoch 1 of a group of three (group_of_three); `rows` counts a table.
template <class Rows>
void race_at_epoch_one(const std::vector<DsClient*>& racers, Rows rows) {
  std::vector<conclave::CommitOutput> commits;
  for (DsClient* c : racers)
    commits.push_back(c->group->commit({}));
  std::vector<Outcome<v1::SendReply>> outcomes(racers.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < racers.size(); ++i)
    threads.emplace_back([&, i] { outcomes[i] = racers[i]->send(commits[i].commit); });
  for (auto& t : threads)
    t.join();

  int winners = 0;
  std::vector<DsClient*> losers;
  for (size_t i = 0; i < racers.size(); ++i) {
    if (outcomes[i].ok()) {
      ++winners;
      EXPECT_EQ(outcomes[i].reply.epoch(), 2u);
      racers[i]->group->merge_pending_commit();
    } else {
      EXPECT_EQ(outcomes[i].status.error_code(), grpc::StatusCode::ABORTED);
      EXPECT_EQ(outcomes[i].detail.code(), v1::ERROR_CODE_STALE_EPOCH);
      EXPECT_EQ(outcomes[i].detail.current_epoch(), 2u);
      losers.push_back(racers[i]);
    }
  }
  ASSERT_EQ(winners, 1);
  EXPECT_EQ(rows("commits"), 2);  // the Add at epoch 0 and the winner at epoch 1
  EXPECT_EQ(rows("groups"), 1);

  // Each loser drops its commit, catches up and tries again until the DS takes it.
  for (DsClient* loser : losers) {
    loser->group->discard_pending_commit();
    for (int attempt = 0; attempt < 5; ++attempt) {
      loser->sync();
      const auto retry = loser->group->commit({});
      const auto sent = loser->send(retry.commit);
      if (sent.ok()) {
        loser->group->merge_pending_commit();
        break;
      }
      EXPECT_EQ(sent.detail.code(), v1::ERROR_CODE_STALE_EPOCH);
      loser->group->discard_pending_commit();
    }
  }
  for (DsClient* c : racers)
    c->sync();
  EXPECT_EQ(racers[0]->group->epoch(), 1 + racers.size());
  for (DsClient* c : racers)
    EXPECT_EQ(state_of(*c), state_of(*racers[0]));
  EXPECT_EQ(rows("commits"), static_cast<int64_t>(1 + racers.size()));
}

TEST_F(DsTest, EpochRaceExactlyOneCommitWinsAndLosersRetry) {
  auto alice = client("alice");
  auto bob = client("bob");
  auto carol = client("carol");
  ASSERT_NO_FATAL_FAILURE(group_of_three(*alice, *bob, *carol));
  race_at_epoch_one({alice.get(), bob.get(), carol.get()},
                    [&](const std::string& table) { return rows(table); });
}

// Issue 14: several conclave-ds processes on one database serve the same groups with the same
// guarantees. The racers are spread over two processes (on SQLite, two processes on one file;
// on PostgreSQL, two on one database), each client talking to one of them throughout.
TEST_F(DsTest, EpochRaceAcrossTwoServerProcesses) {
  auto alice = client("alice");
  auto bob = client("bob");
  auto carol = client("carol");
  ASSERT_NO_FATAL_FAILURE(group_of_three(*alice, *bob, *carol));
  ServerProcess second(CONCLAVE_DS_SERVER, db_path_);
  bob->connect(second.address());
  carol->connect(second.address());
  // Both processes serve the group's state: an application message crosses from one to the
  // other before the race.
  ASSERT_TRUE(bob->send(text(*bob, "via the second")).ok());
  EXPECT_EQ(alice->sync(), 1u);
  EXPECT_EQ(alice->received, (std::vector<std::string>{"via the second"}));
  race_at_epoch_one({alice.get(), bob.get(), carol.get()},
                    [&](const std::string& table) { return rows(table); });
  EXPECT_EQ(second.stop(), 0);
}

// Two processes started at once on one fresh database: one creates the schema, the other
// waits for it (SQLite's write lock; PostgreSQL's advisory lock), and both serve it.
TEST_F(DsTest, TwoProcessesStartOnOneFreshDatabase) {
  const std::string db = fresh_database();
  // The first server is started, and stopped, by a thread of its own that lives as long as it:
  // a child's parent-death signal (server_process.cpp) fires when the thread that forked it
  // ends.
  std::promise<std::string> first_address;  // empty when it did not start
  std::promise<void> done;
  int first_status = -1;
  std::thread starter([&] {
    try {
      ServerProcess first(CONCLAVE_DS_SERVER, db);
      first_address.set_value(first.address());
      done.get_future().wait();
      first_status = first.stop();
    } catch (const std::exception&) {
      first_address.set_value("");
    }
  });
  std::unique_ptr<ServerProcess> second;
  EXPECT_NO_THROW(second = std::make_unique<ServerProcess>(CONCLAVE_DS_SERVER, db));
  const std::string first = first_address.get_future().get();
  if (!first.empty() && second) {
    DsClient bob(first, "bob", "phone");
    const auto registered = bob.register_device();
    EXPECT_TRUE(registered.ok()) << registered.status.error_message();
    EXPECT_TRUE(bob.publish(1).ok());
    DsClient alice(second->address(), "alice", "phone");
    EXPECT_TRUE(alice.register_device().ok());
    const auto fetched = alice.fetch_key_packages("bob");
    EXPECT_TRUE(fetched.ok()) << fetched.status.error_message();
    EXPECT_EQ(fetched.reply.key_packages_size(), 1);
  }
  done.set_value();
  starter.join();
  EXPECT_FALSE(first.empty()) << "the first process did not start";
  EXPECT_EQ(first_status, first.empty() ? -1 : 0);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->stop(), 0);
}

// Issue 14: KeyPackages are consumed exactly once; the last_resort one is handed out only when
// no other is left, and never consumed; a user with none left is reported.
TEST_F(DsTest, KeyPackagesConsumedOnceLastResortKept) {
  auto alice = client("alice");
  auto bob = client("bob");
  ASSERT_TRUE(bob->publish(2).ok());
  ASSERT_TRUE(bob->publish(1, /*last_resort=*/true).ok());
  EXPECT_EQ(rows("key_packages"), 3);
  std::set<std::string> seen;
  for (int i = 0; i < 2; ++i) {
    const auto got = alice->fetch_key_packages("bob");
    ASSERT_TRUE(got.ok());
    ASSERT_EQ(got.reply.key_packages_size(), 1);
    EXPECT_FALSE(got.reply.key_packages(0).last_resort());
    EXPECT_TRUE(seen.insert(got.reply.key_packages(0).key_package()).second);
  }
  for (int i = 0; i < 3; ++i) {
    const auto got = alice->fetch_key_packages("bob");
    ASSERT_TRUE(got.ok());
    ASSERT_EQ(got.reply.key_packages_size(), 1);
    EXPECT_TRUE(got.reply.key_packages(0).last_resort());
  }
  EXPECT_EQ(rows("key_packages"), 1);

  // alice published none.
  const auto none = bob->fetch_key_packages("alice");
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none.reply.key_packages_size(), 0);
  ASSERT_EQ(none.reply.exhausted_devices_size(), 1);
  EXPECT_EQ(none.reply.exhausted_devices(0), "phone");
  EXPECT_EQ(bob->fetch_key_packages("nobody").status.error_code(), grpc::StatusCode::NOT_FOUND);
}

// Issue 14: consumed exactly once also under concurrent fetches.
TEST_F(DsTest, ConcurrentFetchesNeverShareAKeyPackage) {
  auto bob = client("bob");
  constexpr int kCount = 8;
  ASSERT_TRUE(bob->publish(kCount).ok());
  std::vector<std::unique_ptr<DsClient>> fetchers;
  for (int i = 0; i < kCount + 2; ++i)
    fetchers.push_back(client(numbered("fetcher", i)));
  std::vector<std::string> got(fetchers.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < fetchers.size(); ++i)
    threads.emplace_back([&, i] {
      const auto out = fetchers[i]->fetch_key_packages("bob");
      if (out.ok() && out.reply.key_packages_size() == 1)
        got[i] = out.reply.key_packages(0).key_package();
    });
  for (auto& t : threads)
    t.join();
  std::set<std::string> distinct;
  int empty = 0;
  for (const auto& kp : got) {
    if (kp.empty()) {
      ++empty;
    } else {
      EXPECT_TRUE(distinct.insert(kp).second) << "a KeyPackage was handed out twice";
    }
  }
  EXPECT_EQ(distinct.size(), static_cast<size_t>(kCount));
  EXPECT_EQ(empty, 2);
  EXPECT_EQ(rows("key_packages"), 0);
}

// RFC 9420 §10.1 on upload: what does not validate, or is not the device's own, is refused and
// nothing of the request is stored.
TEST_F(DsTest, PublishValidatesKeyPackages) {
  auto bob = client("bob");
  auto carol = client("carol");
  const std::string before = footprint();

  // Carol's KeyPackage published by bob: it would let bob receive what is meant for carol.
  const auto carols =
      conclave::create_key_package(carol->suite(), carol->identity(), conclave::unix_time_now());
  v1::PublishKeyPackagesBody foreign;
  foreign.add_key_packages(encode_message({carols.key_package}));
  auto out = bob->call(kPublish, foreign);
  EXPECT_EQ(out.status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(out.detail.code(), v1::ERROR_CODE_NOT_YOUR_KEY_PACKAGE);

  // Expired (lifetime in the past).
  conclave::KeyPackageOptions old;
  old.lifetime = conclave::wire::Lifetime{1000, 2000};
  const auto expired =
      conclave::create_key_package(bob->suite(), bob->identity(), conclave::unix_time_now(), old);
  v1::PublishKeyPackagesBody stale;
  stale.add_key_packages(encode_message({expired.key_package}));
  out = bob->call(kPublish, stale);
  EXPECT_EQ(out.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(out.detail.code(), v1::ERROR_CODE_INVALID_KEY_PACKAGE);

  // A bad signature: a good KeyPackage with one signature byte flipped.
  auto forged =
      conclave::create_key_package(bob->suite(), bob->identity(), conclave::unix_time_now());
  forged.key_package.signature.back() ^= 1;
  v1::PublishKeyPackagesBody bad_sig;
  // One good package first: the request is all or nothing.
  bad_sig.add_key_packages(encode_message(
      {conclave::create_key_package(bob->suite(), bob->identity(), conclave::unix_time_now())
           .key_package}));
  bad_sig.add_key_packages(encode_message({forged.key_package}));
  out = bob->call(kPublish, bad_sig);
  EXPECT_EQ(out.detail.code(), v1::ERROR_CODE_INVALID_KEY_PACKAGE);

  // Not an MLSMessage at all.
  v1::PublishKeyPackagesBody garbage;
  garbage.add_key_packages("\x00\x01garbage");
  out = bob->call(kPublish, garbage);
  EXPECT_EQ(out.detail.code(), v1::ERROR_CODE_INVALID_KEY_PACKAGE);

  EXPECT_EQ(footprint(), before);
}

}  // namespace
}  // namespace ds_test
