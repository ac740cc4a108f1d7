// conclave-ds refuses what it must (issue 14, "Security tests"; RFC 9750 §6 and §8): every case
// gets a clear gRPC status with a typed ErrorDetail, and nothing of the request is stored.
#include <gtest/gtest.h>

#include <chrono>

#include "conclave/codec/codec.h"
#include "ds_fixture.h"

namespace ds_test {
namespace {

uint64_t now_ms() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

class DsSecurityTest : public DsTest {
 protected:
  void SetUp() override {
    DsTest::SetUp();
    alice = client("alice");
    bob = client("bob");
    carol = client("carol");
    mallory = client("mallory");
    ASSERT_NO_FATAL_FAILURE(group_of_three(*alice, *bob, *carol));
    // Something in bob's queue, and a KeyPackage of his in the directory.
    ASSERT_TRUE(alice->send(alice->group->protect(conclave::as_bytes("for bob"))).ok());
    ASSERT_TRUE(bob->publish(1).ok());
  }

  v1::SendBody send_body(const conclave::wire::MlsMessage& message, const std::string& id) {
    v1::SendBody body;
    body.set_group_id("group-1");
    body.set_message(encode_message(message));
    body.set_client_message_id(id);
    return body;
  }

  void TearDown() override {
    // Clients first: the server's shutdown then has no open channel to wait for.
    alice.reset();
    bob.reset();
    carol.reset();
    mallory.reset();
    DsTest::TearDown();
  }

  std::unique_ptr<DsClient> alice, bob, carol, mallory;
};

// RFC 9750 §6: every request proves which client sends it. No Auth, or a signature that does
// not verify, is UNAUTHENTICATED.
TEST_F(DsSecurityTest, UnauthenticatedRequestsAreRefused) {
  const std::string before = footprint();
  v1::SignedRequest unsigned_request;
  unsigned_request.set_body(v1::FetchBody{}.SerializeAsString());
  auto out = bob->call(kFetch, unsigned_request);
  EXPECT_EQ(out.status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(out.detail.code(), v1::ERROR_CODE_BAD_SIGNATURE);

  // A valid signature over another body.
  v1::SignedRequest tampered = bob->sign("Fetch", v1::FetchBody{});
  v1::FetchBody other;
  other.set_after(1);
  tampered.set_body(other.SerializeAsString());
  out = bob->call(kFetch, tampered);
  EXPECT_EQ(out.status.error_code(), grpc::StatusCode::UNAUTHENTICATED);

  // A signature for another method (a signed Fetch replayed as an Ack).
  const v1::SignedRequest for_fetch = bob->sign("Fetch", v1::AckBody{});
  EXPECT_EQ(bob->call(kAck, for_fetch).status.error_code(), grpc::StatusCode::UNAUTHENTICATED);

  // An unregistered device.
  DsClient stranger(server_->address(), "stranger", "laptop");
  EXPECT_EQ(stranger.call(kFetch, v1::FetchBody{}).status.error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(footprint(), before);
}

// Replay protection: a captured request is accepted once; the same bytes again are refused, as
// is a request whose timestamp is outside the window.
TEST_F(DsSecurityTest, ReplayedAndStaleRequestsAreRefused) {
  const v1::SignedRequest request =
      alice->sign("Send", send_body(alice->group->protect(conclave::as_bytes("once")), "replay-1"));
  ASSERT_TRUE(alice->call(kSend, request).ok());
  const std::string before = footprint();
  const auto replayed = alice->call(kSend, request);
  EXPECT_EQ(replayed.status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(replayed.detail.code(), v1::ERROR_CODE_REPLAYED_NONCE);

  const auto stale = alice->call(
      kSend,
      alice->sign("Send", send_body(alice->group->protect(conclave::as_bytes("old")), "stale-1"),
                  nullptr, nullptr, now_ms() - 10 * 60 * 1000));
  EXPECT_EQ(stale.status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(stale.detail.code(), v1::ERROR_CODE_STALE_TIMESTAMP);
  EXPECT_EQ(footprint(), before);
  EXPECT_EQ(bob->sync(), 2u);  // "for bob" and "once", not a second "once"
}

// Issue 14: nobody can read another client's queue. The API has no way to name another
// device's queue: the Fetch reads the signer's. Claiming bob's name with mallory's key fails.
TEST_F(DsSecurityTest, ReadingAnotherDevicesQueueIsRefused) {
  const std::string bob_user = "bob";
  const auto out = mallory->call(kFetch, mallory->sign("Fetch", v1::FetchBody{}, &bob_user));
  EXPECT_EQ(out.status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(out.reply.entries_size(), 0);
  // Acknowledging in bob's name fails the same way, and bob still gets his message.
  v1::AckBody ack;
  ack.set_cursor(1000);
  EXPECT_EQ(mallory->call(kAck, mallory->sign("Ack", ack, &bob_user)).status.error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(bob->sync(), 1u);
  EXPECT_EQ(bob->received, (std::vector<std::string>{"for bob"}));
  // Mallory's own queue holds nothing of the group.
  EXPECT_EQ(mallory->sync(), 0u);
}

// Issue 14: nobody consumes KeyPackages in another's name, or publishes in another's name.
TEST_F(DsSecurityTest, ConsumingKeyPackagesAsAnotherUserIsRefused) {
  const std::string before = footprint();
  const std::string alice_user = "alice";
  v1::FetchKeyPackagesBody body;
  body.set_user("bob");
  const auto out =
      mallory->call(kFetchKeyPackages, mallory->sign("FetchKeyPackages", body, &alice_user));
  EXPECT_EQ(out.status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(out.reply.key_packages_size(), 0);

  // Publishing a KeyPackage of mallory's own key under bob's name is refused too.
  const std::string bob_user = "bob";
  v1::PublishKeyPackagesBody publish;
  publish.add_key_packages(
      encode_message({conclave::create_key_package(mallory->suite(), mallory->identity(),
                                                   conclave::unix_time_now())
                          .key_package}));
  EXPECT_EQ(mallory->call(kPublish, mallory->sign("PublishKeyPackages", publish, &bob_user))
                .status.error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(footprint(), before);
  EXPECT_EQ(rows("key_packages"), 1);
}

// Issue 14: only member devices post to a group (RFC 9750 §5.2 fan-out to the members only).
TEST_F(DsSecurityTest, PostingToAGroupOfOthersIsRefused) {
  const std::string before = footprint();
  // A well-formed message of the group (alice's), posted by mallory.
  const auto out = mallory->call(
      kSend, send_body(alice->group->protect(conclave::as_bytes("not mallory's")), "m-1"));
  EXPECT_EQ(out.status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(out.detail.code(), v1::ERROR_CODE_NOT_A_MEMBER);
  // The request's group_id must be the message's.
  v1::SendBody mismatch = send_body(alice->group->protect(conclave::as_bytes("x")), "m-2");
  mismatch.set_group_id("another-group");
  const auto wrong = alice->call(kSend, mismatch);
  EXPECT_EQ(wrong.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(wrong.detail.code(), v1::ERROR_CODE_WRONG_GROUP);
  // A group the DS does not know (mallory's own, never created at the DS).
  conclave::CreateOptions options;
  options.group_id = conclave::to_bytes(std::string_view("mallory-group"));
  mallory->group =
      conclave::Group::create(mallory->provider(), mallory->identity(), options, group_policy());
  const auto nowhere = mallory->send(mallory->group->protect(conclave::as_bytes("x")));
  EXPECT_EQ(nowhere.status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(nowhere.detail.code(), v1::ERROR_CODE_UNKNOWN_GROUP);
  EXPECT_EQ(footprint(), before);
}

// RFC 9750 §5.2: the DS reads the public framing; bytes that are not a group message of this
// group are refused before anything is stored.
TEST_F(DsSecurityTest, MalformedMlsBytesAreRefused) {
  const std::string before = footprint();
  v1::SendBody garbage = send_body(alice->group->protect(conclave::as_bytes("x")), "g-1");
  garbage.set_message("\x00\x01\x00\x02garbage");
  auto out = alice->call(kSend, garbage);
  EXPECT_EQ(out.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(out.detail.code(), v1::ERROR_CODE_MALFORMED_MESSAGE);

  // A valid message with a trailing byte (strict decoding).
  v1::SendBody trailing = send_body(alice->group->protect(conclave::as_bytes("x")), "g-2");
  trailing.mutable_message()->push_back('\0');
  out = alice->call(kSend, trailing);
  EXPECT_EQ(out.detail.code(), v1::ERROR_CODE_MALFORMED_MESSAGE);

  // A KeyPackage is an MLSMessage but not a group message.
  const auto kp =
      conclave::create_key_package(alice->suite(), alice->identity(), conclave::unix_time_now());
  out = alice->call(kSend, send_body({kp.key_package}, "g-3"));
  EXPECT_EQ(out.detail.code(), v1::ERROR_CODE_MALFORMED_MESSAGE);

  // A body that is not a SendBody.
  out = alice->call(kSend, alice->sign_bytes("Send", "\xff\xff\xff"));
  EXPECT_EQ(out.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(footprint(), before);
}

// RFC 9750 §5.2: one commit per epoch. A commit for an epoch already decided is STALE_EPOCH
// (ABORTED, with the current epoch); one for an epoch not reached is FUTURE_EPOCH.
TEST_F(DsSecurityTest, CommitsForStaleOrFutureEpochsAreRefused) {
  const auto first = bob->group->commit({});
  ASSERT_TRUE(bob->send(first.commit).ok());
  bob->group->merge_pending_commit();
  const std::string before = footprint();

  // The same commit again under a new message id: epoch 1 is decided.
  const auto stale = bob->call(kSend, send_body(first.commit, "stale-commit"));
  EXPECT_EQ(stale.status.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_EQ(stale.detail.code(), v1::ERROR_CODE_STALE_EPOCH);
  EXPECT_EQ(stale.detail.current_epoch(), 2u);

  // A commit claiming epoch 7 (the DS reads the framing only; MLS would refuse it too).
  auto future = bob->group->commit({});
  std::visit(
      [](auto& body) {
        using T = std::decay_t<decltype(body)>;
        if constexpr (std::is_same_v<T, conclave::wire::PrivateMessage>) body.epoch = 7;
        if constexpr (std::is_same_v<T, conclave::wire::PublicMessage>) body.content.epoch = 7;
      },
      future.commit.body);
  const auto ahead = bob->call(kSend, send_body(future.commit, "future-commit"));
  EXPECT_EQ(ahead.status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(ahead.detail.code(), v1::ERROR_CODE_FUTURE_EPOCH);
  EXPECT_EQ(ahead.detail.current_epoch(), 2u);
  bob->group->discard_pending_commit();
  EXPECT_EQ(footprint(), before);
}

// RFC 9750 §5, RFC 9420 §12.4.3.2: a GroupInfo lets its holder join by external commit, so the
// DS gives it to outsiders only where the group allows external joins (group-1 does not);
// members always get it.
TEST_F(DsSecurityTest, GroupInfoIsRefusedToOutsidersUnlessAllowed) {
  const std::string before = footprint();
  v1::FetchGroupInfoBody body;
  body.set_group_id("group-1");
  const auto refused = mallory->call(kFetchGroupInfo, body);
  EXPECT_EQ(refused.status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(refused.detail.code(), v1::ERROR_CODE_EXTERNAL_JOIN_NOT_ALLOWED);
  EXPECT_TRUE(refused.reply.group_info().empty());
  const auto member = bob->call(kFetchGroupInfo, body);
  ASSERT_TRUE(member.ok()) << member.status.error_message();
  EXPECT_EQ(member.reply.epoch(), 1u);
  EXPECT_NE(decode_message(member.reply.group_info()).get<conclave::wire::GroupInfo>(), nullptr);
  EXPECT_EQ(footprint(), before);

  // An open group with no GroupInfo yet (no commit brought one) says so.
  alice->create_group("open", true);
  body.set_group_id("open");
  const auto none = mallory->call(kFetchGroupInfo, body);
  EXPECT_EQ(none.status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(none.detail.code(), v1::ERROR_CODE_NO_GROUP_INFO);
}

// RFC 9420 §12.4.3.2: the DS accepts an external commit only into a group that allows external
// joins. Mallory got the GroupInfo out of band; her commit is refused and stores nothing.
TEST_F(DsSecurityTest, ExternalCommitRefusedWhenTheGroupDoesNotAllowIt) {
  const std::string before = footprint();
  auto join = conclave::Group::join_external(mallory->provider(), mallory->identity(),
                                             alice->group->group_info(), {}, group_policy());
  mallory->group = std::move(join.group);
  const auto out = mallory->send(join.commit);
  EXPECT_EQ(out.status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(out.detail.code(), v1::ERROR_CODE_EXTERNAL_JOIN_NOT_ALLOWED);
  EXPECT_EQ(footprint(), before);
}

class DsExternalJoinTest : public DsSecurityTest {
 protected:
  // An open group of alice alone, at epoch 1, whose GroupInfo the DS holds.
  void SetUp() override {
    DsSecurityTest::SetUp();
    eve = client("eve");
    alice->group.reset();
    alice->create_group("open", true);
    const auto update = alice->group->commit({});
    ASSERT_TRUE(alice->send(update.commit, {}, {}, {}, alice->next_group_info()).ok());
    alice->group->merge_pending_commit();
    v1::FetchGroupInfoBody body;
    body.set_group_id("open");
    const auto fetched = mallory->call(kFetchGroupInfo, body);
    ASSERT_TRUE(fetched.ok()) << fetched.status.error_message();
    info = decode_message(fetched.reply.group_info());
  }
  void TearDown() override {
    eve.reset();
    DsSecurityTest::TearDown();
  }
  v1::SendBody external_body(const conclave::wire::MlsMessage& commit, const std::string& id) {
    v1::SendBody body = send_body(commit, id);
    body.set_group_id("open");
    return body;
  }

  std::unique_ptr<DsClient> eve;
  conclave::wire::MlsMessage info;
};

// RFC 9750 §5.2, RFC 9420 §12.4.3.2: an external commit is for the current epoch; one built
// from the GroupInfo of an epoch already decided is STALE_EPOCH, like any late commit.
TEST_F(DsExternalJoinTest, ExternalCommitForAStaleEpochIsRefused) {
  const auto join = conclave::Group::join_external(mallory->provider(), mallory->identity(), info,
                                                   {}, group_policy());
  const auto update = alice->group->commit({});
  ASSERT_TRUE(alice->send(update.commit, {}, {}, {}, alice->next_group_info()).ok());
  alice->group->merge_pending_commit();
  const std::string before = footprint();
  const auto out = mallory->call(kSend, external_body(join.commit, "late-join"));
  EXPECT_EQ(out.status.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_EQ(out.detail.code(), v1::ERROR_CODE_STALE_EPOCH);
  EXPECT_EQ(out.detail.current_epoch(), 2u);
  EXPECT_EQ(footprint(), before);
}

// RFC 9420 §12.4.3.2: an external commit adds exactly its sender. Refused: one whose new leaf
// is another device's, one whose request adds someone else, one whose commit carries an Add,
// and one that removes a member.
TEST_F(DsExternalJoinTest, ExternalCommitAddingSomeoneElseIsRefused) {
  const std::string before = footprint();
  const auto join = conclave::Group::join_external(mallory->provider(), mallory->identity(), info,
                                                   {}, group_policy());

  // Eve posts mallory's external commit: its leaf is not eve's device.
  auto out = eve->call(kSend, external_body(join.commit, "eve-1"));
  EXPECT_EQ(out.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(out.detail.code(), v1::ERROR_CODE_ROSTER_INVALID);

  // Mallory's own commit, with a roster change that adds bob as well.
  v1::SendBody with_bob = external_body(join.commit, "mallory-1");
  *with_bob.add_added() = bob->ref();
  out = mallory->call(kSend, with_bob);
  EXPECT_EQ(out.detail.code(), v1::ERROR_CODE_ROSTER_INVALID);

  // An Add proposal inside the commit (the DS reads the PublicMessage's proposals).
  conclave::wire::MlsMessage with_add = join.commit;
  auto& commit = std::get<conclave::wire::Commit>(
      std::get<conclave::wire::PublicMessage>(with_add.body).content.content);
  const auto kp =
      conclave::create_key_package(eve->suite(), eve->identity(), conclave::unix_time_now());
  commit.proposals.push_back({conclave::wire::Proposal{conclave::wire::Add{kp.key_package}}});
  out = mallory->call(kSend, external_body(with_add, "mallory-2"));
  EXPECT_EQ(out.detail.code(), v1::ERROR_CODE_ROSTER_INVALID);

  // A Remove of a member: an outsider has no earlier leaf to resync.
  conclave::wire::MlsMessage with_remove = join.commit;
  std::get<conclave::wire::Commit>(
      std::get<conclave::wire::PublicMessage>(with_remove.body).content.content)
      .proposals.push_back({conclave::wire::Proposal{conclave::wire::Remove{0}}});
  out = mallory->call(kSend, external_body(with_remove, "mallory-3"));
  EXPECT_EQ(out.detail.code(), v1::ERROR_CODE_ROSTER_INVALID);
  EXPECT_EQ(footprint(), before);

  // The unaltered commit from its own device is accepted.
  mallory->group = join.group;
  out = mallory->call(kSend, external_body(join.commit, "mallory-4"));
  ASSERT_TRUE(out.ok()) << out.status.error_message();
  EXPECT_EQ(alice->sync(), 1u);
  EXPECT_EQ(state_of(*alice), state_of(*mallory));
}

// RFC 9420 §12.4.3: a commit's GroupInfo is of the group's new epoch; any other is refused with
// the commit, and nothing is stored.
TEST_F(DsExternalJoinTest, GroupInfoOfAnotherEpochIsRefused) {
  const auto update = alice->group->commit({});
  const std::string before = footprint();
  const auto out = alice->send(update.commit, {}, {}, {}, alice->group->group_info());
  EXPECT_EQ(out.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(out.detail.code(), v1::ERROR_CODE_INVALID_GROUP_INFO);
  EXPECT_EQ(footprint(), before);
  EXPECT_EQ(rows("group_infos"), 2);  // group-1's and open's, both of epoch 1
  alice->group->discard_pending_commit();
}

// Issue 14: the AS binds a user name to the first registration, with proof of possession of
// the signature key; basic credentials name their user.
TEST_F(DsSecurityTest, RegistrationRules) {
  const std::string before = footprint();
  // Someone else's key under alice's name.
  DsClient impostor(server_->address(), "alice", "phone");
  auto out = impostor.register_device();
  EXPECT_EQ(out.status.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(out.detail.code(), v1::ERROR_CODE_NAME_TAKEN);
  DsClient second(server_->address(), "alice", "tablet");
  EXPECT_EQ(second.register_device().detail.code(), v1::ERROR_CODE_NAME_TAKEN);

  // Proof of possession: registering mallory's public key with a signature by another key.
  DsClient eve(server_->address(), "eve", "phone");
  v1::RegisterBody body;
  body.set_cipher_suite(1);
  const auto credential = conclave::codec::encode(eve.identity().credential);
  body.set_credential(std::string(credential.begin(), credential.end()));
  body.set_signature_key(std::string(mallory->identity().signature_public_key.begin(),
                                     mallory->identity().signature_public_key.end()));
  out = eve.call(kRegister, body);
  EXPECT_EQ(out.status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(out.detail.code(), v1::ERROR_CODE_BAD_SIGNATURE);

  // A basic credential naming someone else.
  DsClient liar(server_->address(), "trudy", "phone");
  v1::RegisterBody lie;
  lie.set_cipher_suite(1);
  const auto other = conclave::codec::encode(conclave::basic_credential("alice"));
  lie.set_credential(std::string(other.begin(), other.end()));
  lie.set_signature_key(std::string(liar.identity().signature_public_key.begin(),
                                    liar.identity().signature_public_key.end()));
  out = liar.call(kRegister, lie);
  EXPECT_EQ(out.detail.code(), v1::ERROR_CODE_CREDENTIAL_REJECTED);
  EXPECT_EQ(footprint(), before);

  // The same registration again is accepted (a retry), and changes nothing.
  EXPECT_TRUE(alice->register_device().ok());
  EXPECT_EQ(footprint(), before);
}

}  // namespace
}  // namespace ds_test
