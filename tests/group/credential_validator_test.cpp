// RFC 9420 §5.3.1: "the application MUST validate the credential" of every member a client
// admits. GroupPolicy::credential_validator is required: a group without one refuses each
// credential check with kCredentialValidatorMissing (the state unchanged), and create, join,
// join_external and set_policy refuse such a policy at once. insecure_accept_any_credential()
// is the explicit opt-in that accepts every credential. Group::deserialize and load take a
// policy without validator (config.h): such a group reads messages but admits nobody.
#include <gtest/gtest.h>

#include "negative_test_util.h"

namespace conclave::group_testing {
namespace {

class CredentialValidator : public NegativeGroupTest {
 protected:
  // Bob's state without a policy: a group restored to be inspected (or given its policy next).
  Group without_validator() const { return Group::deserialize(provider, b->serialize().view()); }

  Client dave = make_client(suite, "dave");
};

TEST_P(CredentialValidator, Rfc5_3_1_CreateWithoutValidatorIsRefused) {
  EXPECT_TRUE(rejects(ErrorCode::kCredentialValidatorMissing,
                      [&] { Group::create(provider, dave.identity, {}, GroupPolicy{}); }));
  EXPECT_NO_THROW(Group::create(provider, dave.identity, {}, accept_any_policy()));
}

// §12.4.3.1: a joiner checks the credential of every leaf of the tree.
TEST_P(CredentialValidator, Rfc5_3_1_JoinWithoutValidatorIsRefused) {
  Group committer = *a;
  const CommitOutput out = committer.commit(adding({dave.key_package.key_package}));
  committer.merge_pending_commit();
  EXPECT_TRUE(rejects(ErrorCode::kCredentialValidatorMissing, [&] {
    Group::join(provider, dave.identity, dave.key_package, *out.welcome, std::nullopt, config_,
                GroupPolicy{});
  }));

  // From a KeyPackageStore: the bundle stays, its private keys with it.
  KeyPackageStore store;
  const Bytes ref = store.add(suite, dave.key_package);
  EXPECT_TRUE(rejects(ErrorCode::kCredentialValidatorMissing, [&] {
    Group::join(provider, dave.identity, store, *out.welcome, std::nullopt, config_, GroupPolicy{});
  }));
  ASSERT_NE(store.find(ref), nullptr);

  const Group d = Group::join(provider, dave.identity, store, *out.welcome, std::nullopt, config_,
                              accept_any_policy());
  EXPECT_EQ(d.epoch_authenticator(), committer.epoch_authenticator());
  EXPECT_EQ(store.find(ref), nullptr);
}

// §12.4.3.2: an external joiner checks the tree's credentials as a Welcome's joiner does.
TEST_P(CredentialValidator, Rfc5_3_1_ExternalJoinWithoutValidatorIsRefused) {
  EXPECT_TRUE(rejects(ErrorCode::kCredentialValidatorMissing, [&] {
    Group::join_external(provider, dave.identity, a->group_info(), {}, GroupPolicy{});
  }));
  const ExternalJoin joined =
      Group::join_external(provider, dave.identity, a->group_info(), {}, accept_any_policy());
  EXPECT_EQ(joined.group.epoch(), a->epoch() + 1);
}

// §12.1.1, §12.4.1: a member checks the credential of each KeyPackage it adds or proposes.
TEST_P(CredentialValidator, Rfc5_3_1_AddWithoutValidatorIsRefused) {
  Group bare = without_validator();
  EXPECT_TRUE(rejects_unchanged(bare, ErrorCode::kCredentialValidatorMissing,
                                [&] { bare.commit(adding({dave.key_package.key_package})); }));
  EXPECT_TRUE(rejects_unchanged(bare, ErrorCode::kCredentialValidatorMissing,
                                [&] { bare.propose_add(dave.key_package.key_package); }));
  bare.set_policy(accept_any_policy());
  const CommitOutput out = bare.commit(adding({dave.key_package.key_package}));
  bare.merge_pending_commit();
  EXPECT_TRUE(out.welcome.has_value());
}

// §12.4.2: the receiver of a commit checks the credentials of its Adds and of its UpdatePath's
// leaf; §12.1.1, §12.1.2: of a received Add or Update.
TEST_P(CredentialValidator, Rfc5_3_1_ReceivedCommitsAndProposalsWithoutValidatorAreRefused) {
  Group bare = without_validator();
  auto add = genuine_commit(*a, adding({dave.key_package.key_package}));
  EXPECT_TRUE(rejects_unchanged(bare, ErrorCode::kCredentialValidatorMissing, [&] {
    bare.process(over_the_wire(add.out.commit));
  })) << "an Add by value";
  auto path = genuine_commit(*a, with_path());
  EXPECT_TRUE(rejects_unchanged(bare, ErrorCode::kCredentialValidatorMissing, [&] {
    bare.process(over_the_wire(path.out.commit));
  })) << "an UpdatePath";
  Group proposer = *a;
  const wire::MlsMessage add_proposal = proposer.propose_add(dave.key_package.key_package);
  EXPECT_TRUE(rejects_unchanged(bare, ErrorCode::kCredentialValidatorMissing, [&] {
    bare.process(over_the_wire(add_proposal));
  })) << "an Add proposal";
  Group updater = *c;
  const wire::MlsMessage update = updater.propose_update();
  EXPECT_TRUE(rejects_unchanged(bare, ErrorCode::kCredentialValidatorMissing, [&] {
    bare.process(over_the_wire(update));
  })) << "an Update proposal";
  const ExternalJoin joined =
      Group::join_external(provider, dave.identity, a->group_info(), {}, accept_any_policy());
  EXPECT_TRUE(rejects_unchanged(bare, ErrorCode::kCredentialValidatorMissing, [&] {
    bare.process(over_the_wire(joined.commit));
  })) << "an external commit";

  // The same messages with insecure_accept_any_credential(), as Bob has.
  for (const wire::MlsMessage* m : {&add_proposal, &update})
    EXPECT_NO_THROW(Group(*b).process(over_the_wire(*m)));
  EXPECT_NO_THROW(Group(*b).process(over_the_wire(joined.commit)));
  expect_commit_accepted(*b, add.committer, add.out.commit);
}

// §12.1.8: an external sender's credential is checked as a member's is.
TEST_P(CredentialValidator, Rfc5_3_1_ExternalSenderWithoutValidatorIsRefused) {
  const Identity ds = Identity::generate(suite, basic_credential("delivery service"));
  CommitOptions senders;
  senders.group_context_extensions = wire::ExtensionList{
      external_senders_extension({wire::ExternalSender{ds.signature_public_key, ds.credential}})};
  auto g = genuine_commit(*a, senders);
  advance_all(g);
  const wire::MlsMessage proposal =
      external_proposal(suite, b->group_id(), b->epoch(), 0, ds.signature_private_key.view(),
                        wire::Proposal{wire::Remove{c->own_leaf().value}});
  Group bare = without_validator();
  EXPECT_TRUE(rejects_unchanged(bare, ErrorCode::kCredentialValidatorMissing,
                                [&] { bare.process(over_the_wire(proposal)); }));
  EXPECT_TRUE(std::holds_alternative<ReceivedProposal>(b->process(over_the_wire(proposal))));
}

// A group restored without a policy reads the group's messages: only admitting needs one.
TEST_P(CredentialValidator, Rfc5_3_1_GroupRestoredWithoutPolicyStillReads) {
  Group bare = without_validator();
  const wire::MlsMessage message = a->protect(as_bytes("no credential to check"));
  EXPECT_EQ(std::get<ApplicationMessage>(bare.process(over_the_wire(message))).data,
            to_bytes("no credential to check"));
}

TEST_P(CredentialValidator, Rfc5_3_1_SetPolicyWithoutValidatorIsRefused) {
  EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kCredentialValidatorMissing,
                                [&] { b->set_policy(GroupPolicy{}); }));
  // Bob keeps the policy he had: he still admits Dave.
  auto g = genuine_commit(*a, adding({dave.key_package.key_package}));
  expect_commit_accepted(*b, g.committer, g.out.commit);
}

INSTANTIATE_TEST_SUITE_P(AllSuites, CredentialValidator, ::testing::Range<uint16_t>(1, 8),
                         suite_name);

}  // namespace
}  // namespace conclave::group_testing
