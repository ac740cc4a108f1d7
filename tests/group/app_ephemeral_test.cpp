// Extensions draft §Attaching Application Data to a Commit (AppEphemeral) and §AppAck: data a
// commit carries for a component, accepted by the component's logic and handed to every member
// with the commit (StagedCommit::app_ephemerals()), by Alice (leaf 0), Bob (1), Carol (2) and an
// external sender; every rejection leaves the receiver as it was.
#include <gtest/gtest.h>

#include "conclave/storage/memory_storage.h"
#include "group/app_data_test_util.h"

namespace conclave::group_testing {
namespace {

using wire::AppEphemeral;
using wire::Proposal;
using wire::ProposalOrRef;

class AppEphemeralTest : public AppDataTest {
 protected:
  void SetUp() override { build_app_group(public_without_path()); }

  static std::vector<AppEphemeral> contents(const StagedCommit& staged) {
    std::vector<AppEphemeral> out;
    for (const auto& e : staged.app_ephemerals())
      out.push_back(e.content);
    return out;
  }
};

// "A client applies an AppEphemeral proposal by providing the data field to the component":
// Bob's, by reference, reaches every member (the committer through its pending commit), with
// its sender; "AppEphemeral proposals do not require an UpdatePath"; no MLS state changes but
// the epoch.
TEST_P(AppEphemeralTest, DeliveredToEveryMember) {
  const wire::ExtensionList extensions = a->context().extensions;
  receive_all(b->propose_app_ephemeral(kChecked, from_hex("0102")), &*b);
  auto g = commit_without_path();
  ASSERT_NE(g.committer.pending_commit(), nullptr);
  const AppEphemeral expected{kChecked, from_hex("0102")};
  EXPECT_EQ(contents(*g.committer.pending_commit()), std::vector<AppEphemeral>{expected});
  const auto staged = everyone_takes(g);
  for (const StagedCommit& s : staged) {
    EXPECT_FALSE(s.has_path());
    ASSERT_EQ(s.app_ephemerals().size(), 1u);
    EXPECT_EQ(s.app_ephemerals()[0].sender, wire::Sender::member(1));
    EXPECT_EQ(s.app_ephemerals()[0].content, expected);
    EXPECT_TRUE(s.app_acks().empty());
  }
  EXPECT_EQ(a->context().extensions, extensions);
}

// "If a Commit references more than one AppEphemeral proposal for the same component_id value,
// then they MUST be processed in the order in which they are specified in the Commit."
TEST_P(AppEphemeralTest, SeveralForOneComponentKeepTheCommitOrder) {
  const std::vector<AppEphemeral> sent{
      {kPlain, from_hex("03")}, {kChecked, from_hex("01")}, {kPlain, from_hex("02")}};
  auto g = commit_without_path(app_ephemerals(sent));
  const auto staged = everyone_takes(g);
  for (const StagedCommit& s : staged) {
    EXPECT_EQ(contents(s), sent);
    EXPECT_EQ(s.app_ephemerals()[0].sender, wire::Sender::member(0));
  }
}

// An AppEphemeral and AppDataUpdates in one commit: both processed, the ephemeral data handed
// over, the dictionary updated.
TEST_P(AppEphemeralTest, WithAppDataUpdatesInOneCommit) {
  CommitOptions options = app_ephemerals({{kChecked, from_hex("07")}});
  options.app_data_updates = {update_of(kLog, "08")};
  auto g = commit_without_path(options);
  const auto staged = everyone_takes(g);
  EXPECT_EQ(contents(staged[1]), (std::vector<AppEphemeral>{{kChecked, from_hex("07")}}));
  EXPECT_EQ(c->app_data(kLog), from_hex("08"));
}

// §AppAck "is conveyed inside an AppEphemeral Proposal with a component ID app_ack": Carol
// acknowledges Bob's application messages; every member gets the decoded AppAck, also when
// the commit survives a restart as the pending commit of a stored group.
TEST_P(AppEphemeralTest, AppAckRoundTrip) {
  std::vector<std::pair<uint32_t, uint32_t>> received;
  for (uint32_t i = 0; i < 3; ++i) {
    const auto message = b->protect(as_bytes("hello"));
    (void)std::get<ApplicationMessage>(c->process(over_the_wire(message)));
    received.emplace_back(b->own_leaf().value, i);
  }
  const wire::AppAck ack = wire::make_app_ack(received);
  ASSERT_EQ(ack.received_ranges, (std::vector<wire::MessageRange>{{1, 0, 2}}));
  receive_all(c->propose_app_ack(ack), &*c);
  // And the committer's own AppAck, by value.
  const wire::AppAck own{{wire::MessageRange{2, 4, 4}}};
  auto g = commit_without_path(app_ephemerals({app_ack_ephemeral(own)}));
  const auto staged = everyone_takes(g);
  for (const StagedCommit& s : staged) {
    const auto acks = s.app_acks();
    ASSERT_EQ(acks.size(), 2u);
    EXPECT_EQ(acks[0].sender, wire::Sender::member(2));
    EXPECT_EQ(acks[0].ack, ack);
    EXPECT_EQ(acks[1].sender, wire::Sender::member(0));
    EXPECT_EQ(acks[1].ack, own);
  }
}

// The pending commit's AppEphemerals are stored with it (StorageProvider) and come back.
TEST_P(AppEphemeralTest, PendingCommitKeepsItsEphemeralsInStorage) {
  auto store = std::make_shared<storage::MemoryStorage>();
  a->attach_storage(store);
  (void)a->commit(app_ephemerals({app_ack_ephemeral(wire::AppAck{{{1, 0, 0}}})}));
  Group loaded = Group::load(provider, store, a->group_id(), app_policy());
  ASSERT_NE(loaded.pending_commit(), nullptr);
  EXPECT_EQ(loaded.pending_commit()->app_ephemerals(), a->pending_commit()->app_ephemerals());
  EXPECT_EQ(loaded.pending_commit()->app_acks().size(), 1u);
}

// "An AppEphemeral proposal can be sent by an external sender."
TEST_P(AppEphemeralTest, FromAnExternalSender) {
  const auto message =
      external_proposal(suite, a->group_id(), a->epoch(), 0, ds.signature_private_key.view(),
                        Proposal{AppEphemeral{kPlain, from_hex("05")}});
  receive_all(message, nullptr);
  auto g = commit_without_path();
  const auto staged = everyone_takes(g);
  ASSERT_EQ(staged[0].app_ephemerals().size(), 1u);
  EXPECT_EQ(staged[0].app_ephemerals()[0].sender, wire::Sender::external(0));
}

// "An AppEphemeral proposal is invalid if it contains a component_id that is unknown to the
// application": on receipt, by value in a commit, and when proposing.
TEST_P(AppEphemeralTest, UnknownComponentIsRejected) {
  const Forger bob_forger(suite, *b);
  const auto forged = bob_forger.propose(Proposal{AppEphemeral{kUnknown, from_hex("01")}});
  EXPECT_TRUE(rejects_unchanged(*a, ErrorCode::kAppComponentUnknown, [&] { a->process(forged); }));
  Group knows = with_policy(*a, app_policy(false, kUnknown));
  const CommitOutput out = knows.commit(app_ephemerals({{kUnknown, from_hex("01")}}));
  for (Group* r : {&*b, &*c})
    EXPECT_TRUE(rejects_unchanged(*r, ErrorCode::kAppComponentUnknown,
                                  [&] { r->process(over_the_wire(out.commit)); }));
  EXPECT_TRUE(rejects_unchanged(*c, ErrorCode::kAppComponentUnknown,
                                [&] { c->propose_app_ephemeral(kUnknown, from_hex("01")); }));
}

// "... or if the data field is considered invalid by the application logic registered to the
// indicated component_id": on receipt, by value in a commit, and when proposing.
TEST_P(AppEphemeralTest, ApplicationVetoIsRejected) {
  Group permissive_bob = with_policy(*b, app_policy(true));
  const auto proposal = permissive_bob.propose_app_ephemeral(kChecked, from_hex("ff01"));
  for (Group* r : {&*a, &*c})
    EXPECT_TRUE(rejects_unchanged(*r, ErrorCode::kAppEphemeralVetoed,
                                  [&] { r->process(over_the_wire(proposal)); }));
  Group permissive_alice = with_policy(*a, app_policy(true));
  const CommitOutput out = permissive_alice.commit(app_ephemerals({{kChecked, from_hex("ff")}}));
  for (Group* r : {&*b, &*c})
    EXPECT_TRUE(rejects_unchanged(*r, ErrorCode::kAppEphemeralVetoed,
                                  [&] { r->process(over_the_wire(out.commit)); }));
  EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kAppEphemeralVetoed,
                                [&] { b->propose_app_ephemeral(kChecked, from_hex("ff")); }));
  EXPECT_TRUE(rejects_unchanged(*a, ErrorCode::kAppEphemeralVetoed, [&] {
    a->commit(app_ephemerals({{kChecked, from_hex("ff")}}));
  }));
}

// §AppAck: an app_ack AppEphemeral whose data is not a valid AppAck (a range ending before it
// starts, or bytes that do not decode) is refused.
TEST_P(AppEphemeralTest, MalformedAppAckIsRejected) {
  auto g = genuine_commit(*a, with_path());
  const Bytes backwards = codec::encode(wire::AppAck{{wire::MessageRange{1, 5, 4}}});
  const auto forged = g.forger.reseal_commit(g.out.commit, [&](wire::Commit& commit) {
    commit.proposals.push_back(
        ProposalOrRef{Proposal{AppEphemeral{wire::component::kAppAck, backwards}}});
  });
  EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kAppAckRangeInvalid, [&] { b->process(forged); }));
  const Forger carol_forger(suite, *c);
  const auto truncated = carol_forger.propose(
      Proposal{AppEphemeral{wire::component::kAppAck, from_hex("0c00000001")}});
  EXPECT_TRUE(rejects_unchanged(*a, ErrorCode::kLengthBeyondInput, [&] { a->process(truncated); }));
  EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kAppAckRangeInvalid, [&] {
    b->propose_app_ack(wire::AppAck{{wire::MessageRange{1, 5, 4}}});
  }));
}

INSTANTIATE_TEST_SUITE_P(AllSuites, AppEphemeralTest, ::testing::Range<uint16_t>(1, 8), suite_name);

}  // namespace
}  // namespace conclave::group_testing
