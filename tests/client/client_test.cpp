// The Client over the in-process LocalDeliveryService: the tasks of an application (create,
// invite, send, sync, update, remove, leave), restarts on the same store, a member offline for
// several epochs, the epoch race (RFC 9750 §5.2), external rejoin (RFC 9420 §12.4.3.2), the
// outbox across an outage, and the safer defaults.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "conclave/client/client.h"
#include "conclave/client/local_delivery.h"
#include "conclave/crypto/openssl_provider.h"
#include "conclave/storage/memory_storage.h"
#include "support/hooked_transport.h"

namespace conclave {
namespace {

const Bytes kGroup = to_bytes(std::string_view("general"));

std::string text(const Bytes& b) {
  return std::string(b.begin(), b.end());
}

// "prefix" followed by the number (appended: GCC 12 misreads `literal + std::to_string`).
std::string numbered(std::string prefix, uint64_t n) {
  prefix += std::to_string(n);
  return prefix;
}

// One user's device: its store outlives the Client object, so a "restart" is a new Client on
// the same store.
struct Device {
  std::string user;
  std::shared_ptr<storage::StorageProvider> store = std::make_shared<storage::MemoryStorage>();
  std::shared_ptr<LocalDeliveryService> ds;
  ClientOptions options;
  std::optional<Client> client;
  std::vector<Event> events;
  std::vector<std::string> received;  // "user: text"
  std::shared_ptr<testing_support::HookedTransport> transport;

  Device(std::string name, std::shared_ptr<LocalDeliveryService> service)
      : user(std::move(name)), ds(std::move(service)) {
    options.user = user;
    options.policy.credential_validator = insecure_accept_any_credential();
    options.allow_external_join = true;
    open();
  }
  void open() {
    transport = std::make_shared<testing_support::HookedTransport>(ds->connect());
    client.emplace(Client::open(crypto::openssl_provider(), store, transport, options));
    client->on_event([this](const Event& e) {
      events.push_back(e);
      if (e.kind == EventKind::kMessageReceived)
        received.push_back(e.member.user + ": " + text(e.data));
    });
  }
  // A new process on the same store.
  void restart() {
    client.reset();
    open();
  }
  Client& operator*() { return *client; }
  Client* operator->() { return &*client; }
  bool saw(EventKind kind) const {
    for (const auto& e : events)
      if (e.kind == kind) return true;
    return false;
  }
};

class ClientTest : public ::testing::Test {
 protected:
  std::shared_ptr<LocalDeliveryService> ds = LocalDeliveryService::create();
  Device alice{"alice", ds}, bob{"bob", ds}, carol{"carol", ds};

  void SetUp() override {
    for (Device* d : {&alice, &bob, &carol})
      (*d)->register_device();
  }
  // Every member holding the group is at the same epoch with the same authenticator (§8.7).
  void expect_agreement(const std::vector<Device*>& members) {
    const Group& first = members.front()->client->group(kGroup);
    for (Device* d : members) {
      const Group& g = (*d)->group(kGroup);
      EXPECT_EQ(g.epoch(), first.epoch()) << d->user;
      EXPECT_EQ(g.epoch_authenticator(), first.epoch_authenticator()) << d->user;
      EXPECT_EQ(g.epoch(), ds->epoch(kGroup)) << d->user;
    }
  }
  void make_group_of_three() {
    alice->create_group(kGroup);
    const InviteResult r = alice->invite(kGroup, {"bob", "carol"});
    ASSERT_EQ(r.added.size(), 2u);
    bob->sync();
    carol->sync();
    ASSERT_TRUE(bob->has_group(kGroup));
    ASSERT_TRUE(carol->has_group(kGroup));
  }
};

// The README's conversation: create, invite two, chat both ways, update, remove, the removed
// member is refused, the chat goes on.
TEST_F(ClientTest, ConversationOfThree) {
  make_group_of_three();
  expect_agreement({&alice, &bob, &carol});
  EXPECT_TRUE(bob.saw(EventKind::kGroupJoined));

  alice->send(kGroup, to_bytes(std::string_view("hi all")));
  bob->sync();
  carol->sync();
  EXPECT_EQ(bob.received, std::vector<std::string>{"alice: hi all"});
  EXPECT_EQ(carol.received, std::vector<std::string>{"alice: hi all"});

  bob->send(kGroup, to_bytes(std::string_view("hello alice")));
  alice->sync();
  carol->sync();
  EXPECT_EQ(alice.received, std::vector<std::string>{"bob: hello alice"});

  bob->update(kGroup);
  alice->sync();
  carol->sync();
  expect_agreement({&alice, &bob, &carol});

  alice->remove(kGroup, {"carol"});
  bob->sync();
  carol->sync();
  EXPECT_TRUE(carol.saw(EventKind::kRemovedFromGroup));
  EXPECT_FALSE(carol->has_group(kGroup));
  EXPECT_THROW(carol->send(kGroup, to_bytes(std::string_view("still here?"))), Error);
  // Who did what: Bob's events name Alice as the one who removed Carol.
  const auto removal = std::find_if(bob.events.begin(), bob.events.end(), [](const Event& e) {
    return e.kind == EventKind::kMemberRemoved;
  });
  ASSERT_NE(removal, bob.events.end());
  EXPECT_EQ(removal->member.user, "carol");
  EXPECT_EQ(removal->by.user, "alice");
  expect_agreement({&alice, &bob});
  EXPECT_EQ(ds->roster(kGroup).size(), 2u);

  alice->send(kGroup, to_bytes(std::string_view("just us")));
  bob->sync();
  EXPECT_EQ(bob.received.back(), "alice: just us");
  const auto members = alice->members(kGroup);
  ASSERT_EQ(members.size(), 2u);
  EXPECT_EQ(members[0].device, (DeviceRef{"alice", "main"}));
  EXPECT_EQ(members[1].device, (DeviceRef{"bob", "main"}));
}

// Storage promise (client.h): a new Client on the same store carries on where the last stopped.
TEST_F(ClientTest, RestartsBetweenEveryStep) {
  alice->create_group(kGroup);
  alice.restart();
  alice->invite(kGroup, {"bob"});
  alice.restart();
  bob.restart();
  bob->sync();
  bob.restart();
  alice->send(kGroup, to_bytes(std::string_view("after restarts")));
  bob.restart();
  bob->sync();
  EXPECT_EQ(bob.received, std::vector<std::string>{"alice: after restarts"});
  bob.restart();
  bob->send(kGroup, to_bytes(std::string_view("back")));
  alice.restart();
  alice->sync();
  EXPECT_EQ(alice.received, std::vector<std::string>{"bob: back"});
  expect_agreement({&alice, &bob});
}

// RFC 9750 §5: a member offline across several epochs catches up in the service's order.
TEST_F(ClientTest, OfflineMemberCatchesUp) {
  make_group_of_three();
  for (int i = 0; i < 4; ++i) {
    alice->update(kGroup);
    alice->send(kGroup, to_bytes(numbered("epoch ", alice->group(kGroup).epoch())));
    bob->sync();
  }
  const uint64_t before = carol->group(kGroup).epoch();
  carol.restart();
  const SyncResult r = carol->sync();
  EXPECT_EQ(r.commits, 4u);
  EXPECT_EQ(r.messages, 4u);
  EXPECT_EQ(carol->group(kGroup).epoch(), before + 4);
  EXPECT_EQ(carol.received.back(), numbered("alice: epoch ", before + 4));
  expect_agreement({&alice, &bob, &carol});
}

// RFC 9750 §5.2: the service takes the first commit of an epoch; the member whose commit lost
// catches up and makes its commit again, without the application doing anything.
TEST_F(ClientTest, LosingTheEpochRaceRetries) {
  make_group_of_three();
  const uint64_t epoch = ds->epoch(kGroup);
  // Alice's update reaches the service between Bob's commit and its Send.
  bob.transport->before_send = [&] { alice->update(kGroup); };
  bob->remove(kGroup, {"carol"});
  EXPECT_EQ(bob.transport->stale_refusals, 1);
  EXPECT_EQ(ds->epoch(kGroup), epoch + 2);
  alice->sync();
  carol->sync();
  EXPECT_TRUE(carol.saw(EventKind::kRemovedFromGroup));
  expect_agreement({&alice, &bob});
}

// An intent that the winner's commit already fulfilled is not committed twice.
TEST_F(ClientTest, RaceLostToTheSameChangeCommitsNothing) {
  make_group_of_three();
  const uint64_t epoch = ds->epoch(kGroup);
  bob.transport->before_send = [&] { alice->remove(kGroup, {"carol"}); };
  bob->remove(kGroup, {"carol"});
  EXPECT_EQ(bob.transport->stale_refusals, 1);
  EXPECT_EQ(ds->epoch(kGroup), epoch + 1);
  expect_agreement({&alice, &bob});
}

// Two members inviting at once: both invitations land, one after the other.
TEST_F(ClientTest, ConcurrentInvitesBothLand) {
  Device dave{"dave", ds};
  dave->register_device();
  make_group_of_three();
  bob.transport->before_send = [&] { alice->invite(kGroup, {"dave"}); };
  Device erin{"erin", ds};
  erin->register_device();
  bob->invite(kGroup, {"erin"});
  EXPECT_EQ(bob.transport->stale_refusals, 1);
  alice->sync();
  carol->sync();
  dave->sync();
  erin->sync();
  EXPECT_EQ(alice->members(kGroup).size(), 5u);
  expect_agreement({&alice, &bob, &carol, &dave, &erin});
}

// RFC 9420 §12.2: a member cannot commit its own removal; it proposes it and another member's
// sync commits it.
TEST_F(ClientTest, LeaveIsCommittedByAnotherMember) {
  make_group_of_three();
  bob->leave(kGroup);
  for (auto attempt : {0, 1}) {
    try {
      if (attempt == 0)
        bob->send(kGroup, to_bytes(std::string_view("x")));
      else
        bob->update(kGroup);
      FAIL() << "a member that asked to leave sent";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kNotAMember) << e.what();
    }
  }
  alice->sync();  // commits bob's proposal
  carol->sync();
  bob->sync();
  EXPECT_TRUE(bob.saw(EventKind::kRemovedFromGroup));
  EXPECT_FALSE(bob->has_group(kGroup));
  EXPECT_EQ(alice->members(kGroup).size(), 2u);
  expect_agreement({&alice, &carol});
}

// RFC 9420 §12.4.3.2: a member that lost its store rejoins by external commit (a resync that
// removes its old leaf), keeping its identity.
TEST_F(ClientTest, ExternalRejoinAfterLosingTheStore) {
  make_group_of_three();
  alice->send(kGroup, to_bytes(std::string_view("before")));
  const Identity kept = carol->identity();
  carol.client.reset();
  carol.store = std::make_shared<storage::MemoryStorage>();  // the store is gone
  carol.options.identity = kept;
  carol.open();
  carol->register_device();
  carol->join_external(kGroup);
  EXPECT_EQ(carol->members(kGroup).size(), 3u);  // the old leaf was removed
  alice->sync();
  bob->sync();
  carol->sync();  // the queue's old entries are of past epochs: skipped
  EXPECT_FALSE(carol.saw(EventKind::kMessageRejected));
  alice->send(kGroup, to_bytes(std::string_view("welcome back")));
  carol->sync();
  EXPECT_EQ(carol.received.back(), "alice: welcome back");
  expect_agreement({&alice, &bob, &carol});
}

// Nothing acknowledged is lost: a send during an outage stays in the outbox and is delivered
// once when the service is back.
TEST_F(ClientTest, OutboxSurvivesAnOutageAndARestart) {
  make_group_of_three();
  ds->set_unavailable(true);
  try {
    alice->send(kGroup, to_bytes(std::string_view("queued")));
    FAIL() << "the service is down";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kDeliveryUnavailable);
  }
  // A second message during the outage queues behind the first (the error says it waits).
  try {
    alice->send(kGroup, to_bytes(std::string_view("queued too")));
    FAIL() << "the service is down";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kDeliveryUnavailable);
  }
  alice.restart();
  ds->set_unavailable(false);
  alice->sync();
  alice->sync();
  bob->sync();
  EXPECT_EQ(bob.received, (std::vector<std::string>{"alice: queued", "alice: queued too"}));
}

// A commit during an outage is merged after the restart once the service accepted it.
TEST_F(ClientTest, CommitInFlightAcrossARestart) {
  make_group_of_three();
  ds->set_unavailable(true);
  EXPECT_THROW(alice->update(kGroup), Error);
  ds->set_unavailable(false);
  alice.restart();
  alice->sync();
  bob->sync();
  carol->sync();
  expect_agreement({&alice, &bob, &carol});
}

// Nothing acknowledged is lost: a decrypted message is stored with the deletion of its key,
// so an application that dies in its event handler gets it again after the restart.
TEST_F(ClientTest, MessageSurvivesACrashInTheEventHandler) {
  make_group_of_three();
  alice->send(kGroup, to_bytes(std::string_view("do not lose me")));
  bob->on_event([](const Event& e) {
    if (e.kind == EventKind::kMessageReceived) throw std::runtime_error("the application died");
  });
  EXPECT_THROW(bob->sync(), std::runtime_error);
  bob.restart();  // the store is as the crash left it
  bob->sync();
  EXPECT_EQ(bob.received, std::vector<std::string>{"alice: do not lose me"});
  bob->sync();
  EXPECT_EQ(bob.received.size(), 1u);  // delivered, then forgotten
}

// RFC 9420 §16.6 (post-compromise security): with update_interval_seconds, sync() commits new
// keys for this member once its last update is older than the interval, and not before.
TEST_F(ClientTest, PeriodicKeyUpdate) {
  auto clock = std::make_shared<uint64_t>(unix_time_now());
  bob.options.update_interval_seconds = 3600;
  bob.options.policy.clock = [clock] { return *clock; };
  bob.restart();
  make_group_of_three();
  const uint64_t epoch = ds->epoch(kGroup);
  bob->sync();
  EXPECT_EQ(ds->epoch(kGroup), epoch);  // joined just now: not due
  *clock += 3601;
  bob->sync();
  EXPECT_EQ(ds->epoch(kGroup), epoch + 1);
  bob->sync();
  EXPECT_EQ(ds->epoch(kGroup), epoch + 1);  // updated just now
  alice->sync();
  carol->sync();
  expect_agreement({&alice, &bob, &carol});
}

// The policy hook sees the StagedCommit before the merge and may refuse it.
TEST_F(ClientTest, CommitFilterVetoes) {
  make_group_of_three();
  const uint64_t epoch = bob->group(kGroup).epoch();
  bob->set_commit_filter(
      [](BytesView, const StagedCommit& staged) { return staged.removed().empty(); });
  alice->remove(kGroup, {"carol"});
  bob->sync();
  EXPECT_TRUE(bob.saw(EventKind::kCommitVetoed));
  EXPECT_EQ(bob->group(kGroup).epoch(), epoch);
}

// Safer defaults: RFC 9420 §5.3.1, a client needs a credential validator.
TEST_F(ClientTest, ClientRequiresACredentialValidator) {
  ClientOptions options;
  options.user = "dave";
  try {
    Client::open(crypto::openssl_provider(), std::make_shared<storage::MemoryStorage>(),
                 ds->connect(), options);
    FAIL() << "opened without a validator";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kCredentialValidatorMissing);
  }
}

TEST_F(ClientTest, InviteOfUnknownUserIsTyped) {
  alice->create_group(kGroup);
  try {
    alice->invite(kGroup, {"mallory"});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnknownUser);
  }
  EXPECT_EQ(alice->group(kGroup).epoch(), 0u);
}

TEST_F(ClientTest, StoreOfAnotherUserIsRefused) {
  alice.options.user = "mallory";
  try {
    alice.restart();
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
  }
}

// RFC 9420 §10, §16.8: a user whose one-time KeyPackages ran out is still invited, with the
// last-resort package, which stays published.
TEST_F(ClientTest, LastResortKeyPackageWhenStockRunsOut) {
  for (int i = 0; i < 9; ++i) {
    const Bytes id = to_bytes(numbered("g", i));
    alice->create_group(id);
    alice->invite(id, {"bob"});
  }
  bob->sync();
  EXPECT_EQ(bob->groups().size(), 9u);
}

}  // namespace
}  // namespace conclave
