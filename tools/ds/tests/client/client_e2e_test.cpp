// The Client end to end through a real conclave-ds (gRPC transport, SQLite stores on disk):
// three clients and more, a client reopened on its store between steps (what a new process
// sees), a member offline across several epochs, two members committing at once (RFC 9750
// §5.2: the DS takes one commit per epoch; the other client retries by itself), external
// rejoin after losing the store (RFC 9420 §12.4.3.2), and a DS crash under a client.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "conclave/client/client.h"
#include "conclave/client/grpc_transport.h"
#include "conclave/crypto/openssl_provider.h"
#include "conclave/storage/sqlite_storage.h"
#include "server_process.h"
#include "support/hooked_transport.h"

namespace {

using namespace conclave;
using conclave::ds::harness::ServerProcess;
using conclave::ds::harness::TempDir;

const Bytes kGroup = to_bytes(std::string_view("general"));

std::string text(const Bytes& b) {
  return std::string(b.begin(), b.end());
}
Bytes bytes(const std::string& s) {
  return to_bytes(std::string_view(s));
}

// One user's device: a SQLite store file that outlives the Client object, so reopen() is what
// a new process on the same store does.
struct Device {
  std::string user;
  std::string store_path;
  std::string address;
  ClientOptions options;
  std::optional<Client> client;
  std::vector<std::string> received;  // "user: text"
  std::vector<EventKind> events;
  std::shared_ptr<testing_support::HookedTransport> transport;

  Device(std::string name, const std::string& dir, std::string server)
      : user(std::move(name)),
        store_path(dir + "/" + user + ".sqlite"),
        address(std::move(server)) {
    options.user = user;
    options.device = "laptop";
    options.policy.credential_validator = insecure_accept_any_credential();
    options.allow_external_join = true;
    open();
  }
  void open() {
    auto provider = crypto::openssl_provider();
    GrpcTransportOptions t;
    t.address = address;
    t.provider = provider;
    t.call_timeout = std::chrono::milliseconds(5000);
    transport = std::make_shared<testing_support::HookedTransport>(make_grpc_transport(t));
    client.emplace(Client::open(provider, storage::SqliteStorage::open(store_path, provider),
                                transport, options));
    client->on_event([this](const Event& e) {
      events.push_back(e.kind);
      if (e.kind == EventKind::kMessageReceived)
        received.push_back(e.member.user + ": " + text(e.data));
    });
  }
  void reopen() {
    client.reset();
    open();
  }
  Client* operator->() { return &*client; }
  bool saw(EventKind kind) const {
    return std::find(events.begin(), events.end(), kind) != events.end();
  }
};

class ClientEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::make_unique<TempDir>();
    server_ = std::make_unique<ServerProcess>(CONCLAVE_DS_SERVER, dir_->path() + "/ds.sqlite");
  }
  void TearDown() override {
    devices_.clear();
    if (server_) {
      EXPECT_EQ(server_->stop(), 0);
    }
  }
  Device& device(const std::string& user) {
    devices_.push_back(std::make_unique<Device>(user, dir_->path(), server_->address()));
    (*devices_.back())->register_device();
    return *devices_.back();
  }
  // RFC 9420 §8.7: members that agree on the epoch share its authenticator.
  static void expect_agreement(const std::vector<Device*>& members) {
    const Group& first = (*members.front())->group(kGroup);
    for (Device* d : members) {
      EXPECT_EQ((*d)->group(kGroup).epoch(), first.epoch()) << d->user;
      EXPECT_EQ((*d)->group(kGroup).epoch_authenticator(), first.epoch_authenticator()) << d->user;
    }
  }

  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<ServerProcess> server_;
  std::vector<std::unique_ptr<Device>> devices_;
};

// The README's conversation, every client reopened on its store between steps.
TEST_F(ClientEndToEnd, ThreeClientsWithRestartsBetweenSteps) {
  Device& alice = device("alice");
  Device& bob = device("bob");
  Device& carol = device("carol");
  alice->create_group(kGroup);
  alice.reopen();
  EXPECT_EQ(alice->invite(kGroup, {"bob", "carol"}).added.size(), 2u);
  for (Device* d : {&alice, &bob, &carol})
    d->reopen();
  bob->sync();
  carol->sync();
  expect_agreement({&alice, &bob, &carol});

  alice->send(kGroup, bytes("hello both"));
  bob.reopen();
  bob->sync();
  carol->sync();
  EXPECT_EQ(bob.received, std::vector<std::string>{"alice: hello both"});
  EXPECT_EQ(carol.received, std::vector<std::string>{"alice: hello both"});

  bob->send(kGroup, bytes("hi alice"));
  bob->update(kGroup);
  alice.reopen();
  alice->sync();
  carol->sync();
  EXPECT_EQ(alice.received, std::vector<std::string>{"bob: hi alice"});
  expect_agreement({&alice, &bob, &carol});

  alice->remove(kGroup, {"carol"});
  carol.reopen();
  carol->sync();
  EXPECT_TRUE(carol.saw(EventKind::kRemovedFromGroup));
  EXPECT_THROW(carol->send(kGroup, bytes("am I in?")), Error);
  bob->sync();
  alice->send(kGroup, bytes("just us now"));
  bob.reopen();
  bob->sync();
  EXPECT_EQ(bob.received.back(), "alice: just us now");
  expect_agreement({&alice, &bob});
}

// RFC 9750 §5: a member that was away for several epochs catches up in the DS's order.
TEST_F(ClientEndToEnd, OfflineClientCatchesUpAcrossEpochs) {
  Device& alice = device("alice");
  Device& bob = device("bob");
  Device& carol = device("carol");
  alice->create_group(kGroup);
  alice->invite(kGroup, {"bob", "carol"});
  bob->sync();
  carol->sync();
  carol.client.reset();  // carol goes offline
  for (int i = 0; i < 5; ++i) {
    if (i % 2 == 0)
      alice->update(kGroup);
    else
      bob->update(kGroup);
    alice->send(kGroup, bytes("round " + std::to_string(i)));
    bob->sync();
    alice->sync();
  }
  carol.open();
  const SyncResult r = carol->sync();
  EXPECT_EQ(r.commits, 5u);
  EXPECT_EQ(carol.received.size(), 5u);
  EXPECT_EQ(carol.received.back(), "alice: round 4");
  expect_agreement({&alice, &bob, &carol});
}

// RFC 9750 §5.2: two members commit at the same time, on two threads; the DS takes one commit
// per epoch, and the other client discards its commit, catches up and commits again.
TEST_F(ClientEndToEnd, TwoMembersCommittingAtOnce) {
  Device& alice = device("alice");
  Device& bob = device("bob");
  Device& carol = device("carol");
  Device& dave = device("dave");
  alice->create_group(kGroup);
  alice->invite(kGroup, {"bob", "carol"});
  bob->sync();
  carol->sync();
  const uint64_t start = alice->group(kGroup).epoch();
  constexpr int kRounds = 4;
  std::atomic<int> ready{0};
  auto committer = [&](Device& d, bool invite_dave) {
    for (int round = 0; round < kRounds; ++round) {
      // Both at the same epoch, then both commit.
      ready.fetch_add(1);
      while (ready.load() < 2 * (round + 1))
        std::this_thread::yield();
      if (invite_dave && round == 0)
        d->invite(kGroup, {"dave"});
      else
        d->update(kGroup);
    }
  };
  std::thread a(committer, std::ref(alice), false);
  std::thread b(committer, std::ref(bob), true);
  a.join();
  b.join();
  alice->sync();
  bob->sync();
  carol->sync();
  dave->sync();
  // Every commit of both landed, each in its own epoch (whether the two collided in a round is
  // up to timing: CommitThatLostTheRaceIsMadeAgain forces it).
  EXPECT_EQ(alice->group(kGroup).epoch(), start + 2 * kRounds);
  EXPECT_EQ(alice->members(kGroup).size(), 4u);
  expect_agreement({&alice, &bob, &carol, &dave});
  alice->send(kGroup, bytes("all agreed"));
  dave->sync();
  EXPECT_EQ(dave.received.back(), "alice: all agreed");
}

// RFC 9750 §5.2, on demand: Alice's commit reaches the DS between Bob's commit and its Send;
// the DS refuses Bob's (STALE_EPOCH), and Bob's client catches up and commits again.
TEST_F(ClientEndToEnd, CommitThatLostTheRaceIsMadeAgain) {
  Device& alice = device("alice");
  Device& bob = device("bob");
  Device& carol = device("carol");
  alice->create_group(kGroup);
  alice->invite(kGroup, {"bob"});
  bob->sync();
  const uint64_t start = alice->group(kGroup).epoch();
  bob.transport->before_send = [&] { alice->update(kGroup); };
  bob->invite(kGroup, {"carol"});
  EXPECT_EQ(bob.transport->stale_refusals.load(), 1);
  alice->sync();
  carol->sync();
  EXPECT_EQ(alice->group(kGroup).epoch(), start + 2);
  expect_agreement({&alice, &bob, &carol});
}

// RFC 9420 §12.4.3.2: a client that lost its store rejoins with the identity it kept, by an
// external commit that removes its old leaf (a resync).
TEST_F(ClientEndToEnd, ExternalRejoinAfterLosingTheStore) {
  Device& alice = device("alice");
  Device& bob = device("bob");
  alice->create_group(kGroup);
  alice->invite(kGroup, {"bob"});
  bob->sync();
  alice->send(kGroup, bytes("before the loss"));
  const Identity kept = bob->identity();
  bob.client.reset();
  std::remove(bob.store_path.c_str());  // the store is gone
  bob.options.identity = kept;
  bob.open();
  bob->register_device();
  bob->join_external(kGroup);
  EXPECT_TRUE(bob.saw(EventKind::kGroupJoined));
  alice->sync();
  bob->sync();
  EXPECT_EQ(alice->members(kGroup).size(), 2u);
  alice->send(kGroup, bytes("welcome back"));
  bob->sync();
  EXPECT_EQ(bob.received.back(), "alice: welcome back");
  expect_agreement({&alice, &bob});
}

// Nothing acknowledged is lost: a send while the DS is down stays in the client's outbox and
// is delivered once after the DS comes back on the same database.
TEST_F(ClientEndToEnd, SendDuringAnOutageIsDeliveredOnce) {
  Device& alice = device("alice");
  Device& bob = device("bob");
  alice->create_group(kGroup);
  alice->invite(kGroup, {"bob"});
  bob->sync();
  const int port = server_->port();
  server_->kill_now();
  try {
    alice->send(kGroup, bytes("while down"));
    FAIL() << "the DS is down";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kDeliveryUnavailable);
  }
  alice.reopen();
  server_ = std::make_unique<ServerProcess>(CONCLAVE_DS_SERVER, dir_->path() + "/ds.sqlite",
                                            std::vector<std::string>{}, "", port);
  alice->sync();  // flushes the outbox
  alice->sync();
  bob->sync();
  EXPECT_EQ(bob.received, std::vector<std::string>{"alice: while down"});
}

}  // namespace
