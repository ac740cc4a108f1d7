// The client layer's gRPC transport (conclave/client/grpc_transport.h) against a real
// conclave-ds on a temporary SQLite file: every Transport call maps to its signed RPC
// (tools/ds/README.md, "The protocol"), and every refusal to its typed DeliveryError.
#include "conclave/client/grpc_transport.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "conclave/crypto/openssl_provider.h"
#include "conclave/group/config.h"
#include "conclave/group/group.h"
#include "conclave/group/identity.h"
#include "conclave/wire/message.h"
#include "server_process.h"

namespace {

using conclave::Bytes;
using conclave::DeliveryError;
using conclave::DeliveryErrorCode;
using conclave::DeviceRef;
using conclave::ErrorCode;
using conclave::Group;
using conclave::GrpcTransportOptions;
using conclave::Identity;
using conclave::KeyPackageBundle;
using conclave::QueueEntryKind;
using conclave::Transport;
using conclave::ds::harness::ServerProcess;
using conclave::ds::harness::TempDir;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

// So long that a wait that ends before its timeout was ended by a push, not by the server's
// poll of the queue.
const std::vector<std::string> kNoPolling = {"--subscribe-poll-ms", "600000"};

// What the refusal of `call` was; none when it did not throw.
template <class F>
std::optional<DeliveryError> refusal(F&& call) {
  try {
    call();
  } catch (const DeliveryError& e) {
    return e;
  }
  return std::nullopt;
}

milliseconds since(steady_clock::time_point start) {
  return std::chrono::duration_cast<milliseconds>(steady_clock::now() - start);
}

// One device: its identity, its transport, the KeyPackages it published and its group.
struct Device {
  DeviceRef ref;
  Identity identity;
  std::shared_ptr<Transport> transport;
  std::vector<KeyPackageBundle> bundles;
  std::optional<Group> group;
};

class GrpcTransportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::make_unique<TempDir>();
    server_ = std::make_unique<ServerProcess>(CONCLAVE_DS_SERVER, dir_->path() + "/ds.sqlite",
                                              kNoPolling);
  }
  void TearDown() override {
    if (server_) {
      EXPECT_EQ(server_->stop(), 0);  // a clean shutdown
    }
    server_.reset();
    dir_.reset();
  }

  GrpcTransportOptions options() const {
    GrpcTransportOptions options;
    options.address = server_->address();
    options.provider = provider_;
    return options;
  }

  // A device bound to a transport with `opts`, registered unless told otherwise.
  Device device(const std::string& user, const std::string& name = "phone", bool do_register = true,
                std::optional<GrpcTransportOptions> opts = {}) {
    Device d{{user, name},
             Identity::generate(suite_, conclave::basic_credential(user)),
             conclave::make_grpc_transport(opts ? *opts : options()),
             {},
             {}};
    d.transport->bind(d.ref, d.identity);
    if (do_register) d.transport->register_device();
    return d;
  }

  // Publishes `count` KeyPackages of `d` (the last one last-resort if asked).
  uint32_t publish(Device& d, int count, bool last_resort = false) {
    std::vector<Bytes> messages;
    for (int i = 0; i < count; ++i) {
      conclave::KeyPackageOptions kp_options;
      kp_options.last_resort = last_resort && i == count - 1;
      d.bundles.push_back(
          conclave::create_key_package(suite_, d.identity, conclave::unix_time_now(), kp_options));
      messages.push_back(conclave::wire::MlsMessage{d.bundles.back().key_package}.to_bytes());
    }
    return d.transport->publish_key_packages(messages);
  }

  conclave::GroupPolicy policy() const {
    conclave::GroupPolicy policy;
    policy.credential_validator = conclave::insecure_accept_any_credential();
    return policy;
  }

  // `creator` creates group `id` at the DS and adds `joiner` by a commit with its Welcome and
  // the new epoch's GroupInfo. The commit is left pending, the Send's result returned.
  conclave::SendResult create_and_add(Device& creator, Device& joiner, const std::string& id,
                                      conclave::CommitOutput* out = nullptr) {
    conclave::CreateOptions create;
    create.group_id = conclave::to_bytes(id);
    creator.group = Group::create(provider_, creator.identity, create, policy());
    EXPECT_EQ(creator.transport->create_group(create.group_id, false), 0u);
    const auto fetched = creator.transport->fetch_key_packages(joiner.ref.user);
    EXPECT_EQ(fetched.key_packages.size(), 1u);
    conclave::CommitOptions commit;
    commit.add.push_back(
        *conclave::wire::MlsMessage::from_bytes(fetched.key_packages.at(0).key_package)
             .get<conclave::wire::KeyPackage>());
    commit.ratchet_tree_in_group_info = true;
    conclave::CommitOutput made = creator.group->commit(commit);
    conclave::SendRequest send;
    send.group_id = create.group_id;
    send.message = made.commit.to_bytes();
    send.client_message_id = conclave::to_bytes(id + "-add");
    send.added = {joiner.ref};
    send.welcome = made.welcome->to_bytes();
    send.group_info = made.group_info->to_bytes();
    const conclave::SendResult result = creator.transport->send(send);
    if (out) *out = std::move(made);
    return result;
  }

  std::shared_ptr<const conclave::crypto::CryptoProvider> provider_ =
      conclave::crypto::openssl_provider();
  conclave::crypto::Suite suite_{provider_, 1};
  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<ServerProcess> server_;
};

// RFC 9750 §6, README "Credentials and devices": registering binds the device's signature key
// to its name (proof of possession); the same registration again changes nothing, another key
// under the name is NAME_TAKEN.
TEST_F(GrpcTransportTest, RegisterAgainIsHarmlessAnotherKeyIsNameTaken) {
  Device alice = device("alice");
  EXPECT_NO_THROW(alice.transport->register_device());
  EXPECT_EQ(publish(alice, 1), 1u);  // still the same device, signing with the same key

  Device impostor = device("alice", "phone", false);
  const auto refused = refusal([&] { impostor.transport->register_device(); });
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->code(), ErrorCode::kDeliveryRejected);
  EXPECT_EQ(refused->reason(), DeliveryErrorCode::kNameTaken);
}

// README "More than one device per user": a further device of a user registers only with the
// approval of one of the user's devices (approver_device, approver_signature), else NAME_TAKEN.
TEST_F(GrpcTransportTest, FurtherDeviceRegistersWithItsApproval) {
  Device phone = device("alice", "phone");
  Device laptop = device("alice", "laptop", false);
  const auto refused = refusal([&] { laptop.transport->register_device(); });
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->reason(), DeliveryErrorCode::kNameTaken);

  GrpcTransportOptions approved = options();
  approved.approver_device = phone.ref.device;
  approved.approver_signature =
      conclave::approve_device(phone.identity, laptop.ref, laptop.identity, provider_);
  laptop.transport = conclave::make_grpc_transport(approved);
  laptop.transport->bind(laptop.ref, laptop.identity);
  ASSERT_NO_THROW(laptop.transport->register_device());
  EXPECT_EQ(publish(laptop, 1), 1u);

  // An approval names the whole registration: it registers no other key.
  Device other = device("alice", "laptop", false, approved);
  const auto forged = refusal([&] { other.transport->register_device(); });
  ASSERT_TRUE(forged);
  EXPECT_EQ(forged->reason(), DeliveryErrorCode::kBadSignature);
}

// README "The protocol" (PublishKeyPackages, FetchKeyPackages), RFC 9420 §16.8: one KeyPackage
// per device, each handed out once; the last-resort one only when none other is left, and kept;
// a device with none is reported exhausted.
TEST_F(GrpcTransportTest, KeyPackagesAreHandedOutOnceEach) {
  Device alice = device("alice");
  Device bob = device("bob");
  Device carol = device("carol");
  EXPECT_EQ(publish(bob, 2, true), 2u);

  const auto first = alice.transport->fetch_key_packages("bob");
  ASSERT_EQ(first.key_packages.size(), 1u);
  EXPECT_EQ(first.key_packages[0].device, "phone");
  EXPECT_FALSE(first.key_packages[0].last_resort);
  EXPECT_EQ(first.key_packages[0].key_package,
            conclave::wire::MlsMessage{bob.bundles[0].key_package}.to_bytes());
  EXPECT_TRUE(first.exhausted_devices.empty());
  for (int i = 0; i < 2; ++i) {
    const auto again = alice.transport->fetch_key_packages("bob");
    ASSERT_EQ(again.key_packages.size(), 1u);
    EXPECT_TRUE(again.key_packages[0].last_resort);
    EXPECT_EQ(again.key_packages[0].key_package,
              conclave::wire::MlsMessage{bob.bundles[1].key_package}.to_bytes());
  }
  const auto none = alice.transport->fetch_key_packages("carol");
  EXPECT_TRUE(none.key_packages.empty());
  EXPECT_EQ(none.exhausted_devices, std::vector<std::string>{"phone"});
}

// README "The protocol": each refusal is a typed ErrorDetail, which the transport passes on
// as DeliveryError(kDeliveryRejected) with the same reason (here UNKNOWN_USER, GROUP_EXISTS,
// UNKNOWN_GROUP, NOT_A_MEMBER, BAD_SIGNATURE, INVALID_KEY_PACKAGE).
TEST_F(GrpcTransportTest, RefusalsCarryTheirReason) {
  Device alice = device("alice");
  Device bob = device("bob");
  const Bytes group_id = conclave::to_bytes("g");
  const auto reason_of = [](auto&& call) {
    const auto refused = refusal(call);
    EXPECT_TRUE(refused) << "not refused";
    if (!refused) return DeliveryErrorCode::kUnspecified;
    EXPECT_EQ(refused->code(), ErrorCode::kDeliveryRejected) << refused->what();
    return refused->reason();
  };

  EXPECT_EQ(reason_of([&] { alice.transport->fetch_key_packages("nobody"); }),
            DeliveryErrorCode::kUnknownUser);
  EXPECT_EQ(reason_of([&] { alice.transport->fetch_group_info(group_id); }),
            DeliveryErrorCode::kUnknownGroup);
  EXPECT_EQ(alice.transport->create_group(group_id, false), 0u);
  EXPECT_EQ(reason_of([&] { bob.transport->create_group(group_id, false); }),
            DeliveryErrorCode::kGroupExists);
  conclave::CreateOptions create;
  create.group_id = group_id;
  Group group = Group::create(provider_, alice.identity, create, policy());
  conclave::SendRequest send;
  send.group_id = group_id;
  send.message = group.protect(conclave::as_bytes("hi")).to_bytes();
  send.client_message_id = conclave::to_bytes("m1");
  EXPECT_EQ(reason_of([&] { bob.transport->send(send); }), DeliveryErrorCode::kNotAMember);
  EXPECT_EQ(reason_of([&] {
              alice.transport->publish_key_packages({Bytes{1, 2, 3}});
            }),
            DeliveryErrorCode::kInvalidKeyPackage);
  Device stranger = device("stranger", "phone", false);
  EXPECT_EQ(reason_of([&] { stranger.transport->fetch(0, 0); }), DeliveryErrorCode::kBadSignature);
}

// RFC 9750 §5, README "The protocol" (CreateGroup, Send, Fetch, Ack, FetchGroupInfo): a
// commit is stored and ordered, moves the group to epoch 1, and its Welcome reaches the added
// device, which joins with it; Ack drops what was handled; the commit's GroupInfo is the
// group's latest; a retry with the same client message id gets the first reply.
TEST_F(GrpcTransportTest, CommitWelcomeFetchAckAndGroupInfo) {
  Device alice = device("alice");
  Device bob = device("bob");
  ASSERT_EQ(publish(bob, 1), 1u);
  conclave::CommitOutput out;
  const conclave::SendResult sent = create_and_add(alice, bob, "group-1", &out);
  EXPECT_EQ(sent.epoch, 1u);
  EXPECT_GT(sent.sequence, 0u);
  alice.group->merge_pending_commit();

  conclave::SendRequest retry;
  retry.group_id = conclave::to_bytes("group-1");
  retry.message = out.commit.to_bytes();
  retry.client_message_id = conclave::to_bytes("group-1-add");
  retry.added = {bob.ref};
  retry.welcome = out.welcome->to_bytes();
  retry.group_info = out.group_info->to_bytes();
  const conclave::SendResult again = alice.transport->send(retry);
  EXPECT_EQ(again.sequence, sent.sequence);
  EXPECT_EQ(again.epoch, sent.epoch);

  const auto entries = bob.transport->fetch(0, 0);
  ASSERT_EQ(entries.size(), 1u);  // the Welcome, once
  EXPECT_EQ(entries[0].kind, QueueEntryKind::kWelcome);
  EXPECT_EQ(entries[0].group_id, conclave::to_bytes("group-1"));
  EXPECT_EQ(entries[0].sender, alice.ref);
  EXPECT_EQ(entries[0].message, out.welcome->to_bytes());
  bob.group = Group::join(provider_, bob.identity, bob.bundles[0],
                          conclave::wire::MlsMessage::from_bytes(entries[0].message),
                          out.ratchet_tree, {}, policy());
  EXPECT_EQ(bob.group->epoch(), 1u);

  // An application message from bob, ordered after the commit.
  conclave::SendRequest hello;
  hello.group_id = conclave::to_bytes("group-1");
  hello.message = bob.group->protect(conclave::as_bytes("hello")).to_bytes();
  hello.client_message_id = conclave::to_bytes("bob-1");
  const conclave::SendResult message = bob.transport->send(hello);
  EXPECT_GT(message.sequence, sent.sequence);
  EXPECT_EQ(message.epoch, 1u);
  const auto received = alice.transport->fetch(0, 0);
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].kind, QueueEntryKind::kMessage);
  EXPECT_EQ(received[0].sequence, message.sequence);
  EXPECT_EQ(received[0].sender, bob.ref);
  const auto result =
      alice.group->process(conclave::wire::MlsMessage::from_bytes(received[0].message));
  const auto* app = std::get_if<conclave::ApplicationMessage>(&result);
  ASSERT_NE(app, nullptr);
  EXPECT_EQ(app->data, conclave::to_bytes("hello"));

  bob.transport->ack(entries[0].sequence);
  EXPECT_TRUE(bob.transport->fetch(0, 0).empty());
  alice.transport->ack(received[0].sequence);
  EXPECT_TRUE(alice.transport->fetch(0, 0).empty());

  const conclave::StoredGroupInfo info =
      bob.transport->fetch_group_info(conclave::to_bytes("group-1"));
  EXPECT_EQ(info.epoch, 1u);
  EXPECT_EQ(info.group_info, out.group_info->to_bytes());
}

// RFC 9750 §5.2, README "The protocol": one commit per epoch, the first wins; a second commit
// for the decided epoch is STALE_EPOCH with the group's current epoch, which the transport
// reports as kDeliveryStaleEpoch.
TEST_F(GrpcTransportTest, SecondCommitForAnEpochIsStale) {
  Device alice = device("alice");
  Device bob = device("bob");
  ASSERT_EQ(publish(bob, 1), 1u);
  conclave::CreateOptions create;
  create.group_id = conclave::to_bytes("race");
  alice.group = Group::create(provider_, alice.identity, create, policy());
  // The group as it was at epoch 0, for a second commit of that epoch.
  Group before = *alice.group;
  ASSERT_EQ(alice.transport->create_group(conclave::to_bytes("race"), false), 0u);
  const auto fetched = alice.transport->fetch_key_packages("bob");
  ASSERT_EQ(fetched.key_packages.size(), 1u);
  conclave::CommitOptions add;
  add.add.push_back(*conclave::wire::MlsMessage::from_bytes(fetched.key_packages[0].key_package)
                         .get<conclave::wire::KeyPackage>());
  const conclave::CommitOutput winner = alice.group->commit(add);
  conclave::SendRequest first;
  first.group_id = conclave::to_bytes("race");
  first.message = winner.commit.to_bytes();
  first.client_message_id = conclave::to_bytes("c1");
  first.added = {bob.ref};
  first.welcome = winner.welcome->to_bytes();
  EXPECT_EQ(alice.transport->send(first).epoch, 1u);

  const conclave::CommitOutput loser = before.commit({});  // an update, for epoch 0 too
  conclave::SendRequest second;
  second.group_id = conclave::to_bytes("race");
  second.message = loser.commit.to_bytes();
  second.client_message_id = conclave::to_bytes("c2");
  const auto refused = refusal([&] { alice.transport->send(second); });
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->code(), ErrorCode::kDeliveryStaleEpoch) << refused->what();
  EXPECT_EQ(refused->reason(), DeliveryErrorCode::kStaleEpoch);
  EXPECT_EQ(refused->current_epoch(), 1u);
}

// Transport's contract (transport.h): a service that cannot be reached is
// kDeliveryUnavailable, worth retrying: here a stopped server, and an address where nothing
// listens.
TEST_F(GrpcTransportTest, ServerDownIsUnavailable) {
  Device alice = device("alice");
  ASSERT_EQ(server_->stop(), 0);
  server_.reset();
  const auto start = steady_clock::now();
  const auto refused = refusal([&] { alice.transport->fetch(0, 0); });
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->code(), ErrorCode::kDeliveryUnavailable) << refused->what();
  EXPECT_EQ(refused->reason(), DeliveryErrorCode::kUnspecified);
  EXPECT_LT(since(start), milliseconds(5000));  // fails fast, not at the call timeout
  const auto again = refusal([&] { alice.transport->register_device(); });
  ASSERT_TRUE(again);
  EXPECT_EQ(again->code(), ErrorCode::kDeliveryUnavailable);
}

// Transport's contract: a call gets call_timeout as its deadline, and one that passes is
// kDeliveryUnavailable. The "server" here accepts TCP connections and never speaks HTTP/2.
TEST_F(GrpcTransportTest, CallTimeoutIsUnavailable) {
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&address), length), 0);
  ASSERT_EQ(::listen(listener, 16), 0);
  ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length), 0);
  GrpcTransportOptions silent;
  silent.address = "127.0.0.1:" + std::to_string(ntohs(address.sin_port));
  silent.call_timeout = milliseconds(500);
  Device alice = device("alice", "phone", false, silent);
  const auto start = steady_clock::now();
  const auto refused = refusal([&] { alice.transport->register_device(); });
  const milliseconds took = since(start);
  ::close(listener);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->code(), ErrorCode::kDeliveryUnavailable) << refused->what();
  EXPECT_GE(took, milliseconds(400));
  EXPECT_LT(took, milliseconds(5000));
}

// README "Push: Subscribe": wait_for_entries returns as soon as an entry is stored for the
// device (pushed: the server's poll interval is ten minutes), and at once when one is already
// queued after `after`.
TEST_F(GrpcTransportTest, WaitReturnsWhenAnEntryArrives) {
  Device alice = device("alice");
  Device bob = device("bob");
  ASSERT_EQ(publish(bob, 1), 1u);
  ASSERT_GT(create_and_add(alice, bob, "g").sequence, 0u);
  alice.group->merge_pending_commit();

  const auto start = steady_clock::now();
  auto waited = std::async(std::launch::async, [&] {
    bob.transport->wait_for_entries(0, milliseconds(30000));
    return since(start);
  });
  // The Welcome is already queued.
  ASSERT_EQ(waited.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_LT(waited.get(), milliseconds(10000));
  const auto entries = bob.transport->fetch(0, 0);
  ASSERT_EQ(entries.size(), 1u);

  // After the Welcome nothing is queued until alice sends.
  const auto start2 = steady_clock::now();
  auto waiting = std::async(std::launch::async, [&] {
    bob.transport->wait_for_entries(entries[0].sequence, milliseconds(30000));
    return since(start2);
  });
  EXPECT_EQ(waiting.wait_for(milliseconds(500)), std::future_status::timeout);
  conclave::SendRequest hello;
  hello.group_id = conclave::to_bytes("g");
  hello.message = alice.group->protect(conclave::as_bytes("hi")).to_bytes();
  hello.client_message_id = conclave::to_bytes("a-1");
  const auto sent = alice.transport->send(hello);
  ASSERT_EQ(waiting.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_LT(waiting.get(), milliseconds(10000));
  const auto next = bob.transport->fetch(entries[0].sequence, 0);
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].sequence, sent.sequence);
}

// Transport's contract: with nothing queued, wait_for_entries returns after its timeout,
// without throwing; also while the service is down (it waits for it rather than spinning).
TEST_F(GrpcTransportTest, WaitReturnsAfterItsTimeout) {
  Device alice = device("alice");
  auto start = steady_clock::now();
  EXPECT_NO_THROW(alice.transport->wait_for_entries(0, milliseconds(300)));
  milliseconds took = since(start);
  EXPECT_GE(took, milliseconds(250));
  EXPECT_LT(took, milliseconds(5000));

  ASSERT_EQ(server_->stop(), 0);
  server_.reset();
  start = steady_clock::now();
  EXPECT_NO_THROW(alice.transport->wait_for_entries(0, milliseconds(300)));
  took = since(start);
  EXPECT_GE(took, milliseconds(250));
  EXPECT_LT(took, milliseconds(5000));
}

// Transport's contract: interrupt_wait() from another thread ends a wait in progress; one that
// comes before the wait starts ends the next wait at once, so a racing interrupt is not lost.
TEST_F(GrpcTransportTest, InterruptEndsAWaitFromAnotherThread) {
  Device alice = device("alice");
  const auto start = steady_clock::now();
  auto waiting = std::async(std::launch::async, [&] {
    alice.transport->wait_for_entries(0, milliseconds(30000));
    return since(start);
  });
  EXPECT_EQ(waiting.wait_for(milliseconds(300)), std::future_status::timeout);
  alice.transport->interrupt_wait();
  ASSERT_EQ(waiting.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_LT(waiting.get(), milliseconds(10000));

  alice.transport->interrupt_wait();
  const auto early = steady_clock::now();
  alice.transport->wait_for_entries(0, milliseconds(30000));
  EXPECT_LT(since(early), milliseconds(1000));
  // Spent: the next wait lasts its timeout again.
  const auto full = steady_clock::now();
  alice.transport->wait_for_entries(0, milliseconds(300));
  EXPECT_GE(since(full), milliseconds(250));
}

// Transport's contract: bind() comes first; make_grpc_transport refuses options that cannot
// work. Both are the caller's mistakes, typed kInvalidArgument.
TEST_F(GrpcTransportTest, UnboundOrMisconfiguredIsInvalidArgument) {
  const auto transport = conclave::make_grpc_transport(options());
  try {
    transport->fetch(0, 0);
    FAIL() << "an unbound transport made a call";
  } catch (const DeliveryError&) {
    FAIL() << "not a DeliveryError: nothing was asked of the service";
  } catch (const conclave::Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
  }
  GrpcTransportOptions empty;
  try {
    conclave::make_grpc_transport(empty);
    FAIL() << "no address";
  } catch (const conclave::Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
  }
  GrpcTransportOptions half = options();
  half.approver_device = "phone";
  try {
    conclave::make_grpc_transport(half);
    FAIL() << "an approver without a signature";
  } catch (const conclave::Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
  }
}

}  // namespace
