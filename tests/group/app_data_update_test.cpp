// Extensions draft §Updating Application Data in the GroupContext (AppDataUpdate): the
// app_data_dictionary GroupContext extension changed one component at a time through the
// application's logic, by Alice (leaf 0), Bob (1), Carol (2), an external sender and an
// external joiner; every rejection leaves the receiver as it was.
#include <gtest/gtest.h>

#include "group/app_data_test_util.h"

namespace conclave::group_testing {
namespace {

using wire::AppDataUpdateOperation;
using wire::Proposal;
using wire::ProposalOrRef;

class AppDataUpdateTest : public AppDataTest {
 protected:
  void SetUp() override { build_app_group(public_without_path()); }

  // Everyone at an epoch where kLog holds "01" and kPlain "aa".
  void seed() {
    auto g = commit_without_path(app_updates({update_of(kLog, "01"), update_of(kPlain, "aa")}));
    everyone_takes(g);
  }
};

// "If no app_data_dictionary extension is present in the GroupContext, add one to the end of
// the extensions list"; "AppDataUpdate proposals do not require an UpdatePath".
TEST_P(AppDataUpdateTest, UpdateAddsTheExtensionAtTheEnd) {
  EXPECT_TRUE(a->app_data_dictionary().component_data.empty());
  const size_t before = a->context().extensions.size();
  auto g = commit_without_path(app_updates({update_of(kLog, "0102")}));
  const auto staged = everyone_takes(g);
  EXPECT_FALSE(staged[0].has_path());
  ASSERT_EQ(a->context().extensions.size(), before + 1);
  EXPECT_EQ(a->context().extensions.back().extension_type, wire::ExtensionType::kAppDataDictionary);
  for (const Group* m : {&*a, &*b, &*c})
    EXPECT_EQ(m->app_data(kLog), from_hex("0102"));
}

// "Provide the application logic ... with the content of the update field from each proposal,
// in the order specified": Bob's and Carol's by reference (arrival order), then Alice's by
// value, folded by one call onto the current data.
TEST_P(AppDataUpdateTest, SeveralUpdatesOfOneComponentAreFoldedInCommitOrder) {
  seed();
  receive_all(b->propose_app_data_update(kLog, AppDataUpdateOperation::kUpdate, from_hex("02")),
              &*b);
  receive_all(c->propose_app_data_update(kLog, AppDataUpdateOperation::kUpdate, from_hex("03")),
              &*c);
  auto g = commit_without_path(app_updates({update_of(kLog, "04")}));
  everyone_takes(g);
  EXPECT_EQ(a->app_data(kLog), from_hex("01020304"));
  // kPlain has no logic: untouched by updates of another component.
  EXPECT_EQ(a->app_data(kPlain), from_hex("aa"));
}

// A component without update logic takes its last update.
TEST_P(AppDataUpdateTest, ComponentWithoutLogicTakesTheLastUpdate) {
  auto g = commit_without_path(app_updates({update_of(kPlain, "01"), update_of(kPlain, "02")}));
  everyone_takes(g);
  EXPECT_EQ(c->app_data(kPlain), from_hex("02"));
}

// "The new entry is inserted at the proper point to keep the component_data vector sorted".
TEST_P(AppDataUpdateTest, EntriesStaySortedByComponent) {
  auto g = commit_without_path(app_updates({update_of(kChecked, "03"), update_of(kLog, "01")}));
  everyone_takes(g);
  auto g2 = commit_without_path(app_updates({update_of(kPlain, "02")}));
  everyone_takes(g2);
  const auto dictionary = b->app_data_dictionary();
  ASSERT_EQ(dictionary.component_data.size(), 3u);
  EXPECT_EQ(dictionary.component_data[0].component_id, kLog);
  EXPECT_EQ(dictionary.component_data[1].component_id, kPlain);
  EXPECT_EQ(dictionary.component_data[2].component_id, kChecked);
  EXPECT_NO_THROW(wire::check_app_data_dictionary(dictionary));
}

// "a single remove ... If there is an entry ... remove it": proposed by Bob, committed by
// reference without an UpdatePath; the other entries stay.
TEST_P(AppDataUpdateTest, RemoveByReferenceDropsTheEntry) {
  seed();
  receive_all(b->propose_app_data_update(kLog, AppDataUpdateOperation::kRemove), &*b);
  auto g = commit_without_path();
  const auto& commit =
      std::get<wire::Commit>(g.out.commit.get<wire::PublicMessage>()->content.content);
  ASSERT_EQ(commit.proposals.size(), 1u);
  EXPECT_TRUE(commit.proposals[0].reference() != nullptr);
  EXPECT_FALSE(commit.path.has_value());
  everyone_takes(g);
  EXPECT_EQ(a->app_data(kLog), std::nullopt);
  EXPECT_EQ(a->app_data(kPlain), from_hex("aa"));
}

// "An AppDataUpdate proposal can be sent by an external sender."
TEST_P(AppDataUpdateTest, FromAnExternalSender) {
  const auto message =
      external_proposal(suite, a->group_id(), a->epoch(), 0, ds.signature_private_key.view(),
                        Proposal{update_of(kLog, "0e")});
  receive_all(message, nullptr);
  auto g = commit_without_path();
  everyone_takes(g);
  EXPECT_EQ(b->app_data(kLog), from_hex("0e"));
}

// "AppDataUpdate proposals can be included in an external Commit."
TEST_P(AppDataUpdateTest, InAnExternalCommit) {
  seed();
  const Client dave = make_client(suite, "dave");
  ExternalJoinOptions options;
  options.leaf = app_data_leaf();
  options.config = public_without_path();
  options.app_data_updates = {update_of(kLog, "0d"), remove_of(kPlain)};
  ExternalJoin joined =
      Group::join_external(provider, dave.identity, a->group_info(), options, app_policy());
  for (Group* g : {&*a, &*b, &*c}) {
    g->merge(std::get<StagedCommit>(g->process(over_the_wire(joined.commit))));
    EXPECT_EQ(g->epoch_authenticator(), joined.group.epoch_authenticator());
    EXPECT_EQ(g->app_data_dictionary(), joined.group.app_data_dictionary());
  }
  EXPECT_EQ(a->app_data(kLog), from_hex("010d"));
  EXPECT_EQ(a->app_data(kPlain), std::nullopt);
}

// §12.4 with "a proposal list is valid only if it contains (a) a single remove operation or
// (b) one or more update operations": the committer leaves out received proposals that would
// break the rule (the first one received for a component decides) or that the logic refuses.
TEST_P(AppDataUpdateTest, CommitterLeavesOutConflictingReceivedProposals) {
  seed();
  receive_all(b->propose_app_data_update(kLog, AppDataUpdateOperation::kRemove), &*b);
  receive_all(c->propose_app_data_update(kLog, AppDataUpdateOperation::kUpdate, from_hex("03")),
              &*c);
  receive_all(c->propose_app_data_update(kPlain, AppDataUpdateOperation::kRemove), &*c);
  receive_all(b->propose_app_data_update(kPlain, AppDataUpdateOperation::kRemove), &*b);
  auto g = commit_without_path();
  EXPECT_EQ(std::get<wire::Commit>(g.out.commit.get<wire::PublicMessage>()->content.content)
                .proposals.size(),
            2u);
  everyone_takes(g);
  EXPECT_EQ(a->app_data(kLog), std::nullopt);
  EXPECT_EQ(a->app_data(kPlain), std::nullopt);
}

// "invalid if its component_id references a component that is not known to the application":
// on receipt, in a commit by value (from a member whose application knows it), and when
// proposing.
TEST_P(AppDataUpdateTest, UnknownComponentIsRejected) {
  const Forger bob_forger(suite, *b);
  const auto forged = bob_forger.propose(Proposal{update_of(kUnknown, "01")});
  EXPECT_TRUE(rejects_unchanged(*a, ErrorCode::kAppComponentUnknown, [&] { a->process(forged); }));
  Group knows = with_policy(*a, app_policy(false, kUnknown));
  const CommitOutput out = knows.commit(app_updates({update_of(kUnknown, "01")}));
  for (Group* r : {&*b, &*c})
    EXPECT_TRUE(rejects_unchanged(*r, ErrorCode::kAppComponentUnknown,
                                  [&] { r->process(over_the_wire(out.commit)); }));
  EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kAppComponentUnknown, [&] {
    b->propose_app_data_update(kUnknown, AppDataUpdateOperation::kUpdate, from_hex("01"));
  }));
  EXPECT_TRUE(rejects_unchanged(*a, ErrorCode::kAppComponentUnknown,
                                [&] { a->commit(app_updates({update_of(kUnknown, "01")})); }));
}

// "If the application logic considers the update invalid, the MLS client MUST consider the
// proposal list invalid."
TEST_P(AppDataUpdateTest, ApplicationVetoRejectsTheCommit) {
  seed();
  Group permissive = with_policy(*a, app_policy(true));
  const CommitOutput out =
      permissive.commit(app_updates({update_of(kLog, "02"), update_of(kLog, "ff")}));
  for (Group* r : {&*b, &*c})
    EXPECT_TRUE(rejects_unchanged(*r, ErrorCode::kAppDataUpdateVetoed,
                                  [&] { r->process(over_the_wire(out.commit)); }));
  EXPECT_TRUE(rejects_unchanged(*a, ErrorCode::kAppDataUpdateVetoed,
                                [&] { a->commit(app_updates({update_of(kLog, "ff")})); }));
  EXPECT_EQ(b->app_data(kLog), from_hex("01"));
}

// A commit whose proposal list `mutate` makes from Alice's genuine one (signed again; its
// confirmation tag is then wrong, but the list is refused first).
class AppDataUpdateListTest : public AppDataUpdateTest {
 protected:
  wire::MlsMessage forged_commit(const std::vector<wire::AppDataUpdate>& updates) {
    auto g = genuine_commit(*a, with_path());
    return g.forger.reseal_commit(g.out.commit, [&](wire::Commit& commit) {
      for (const auto& u : updates)
        commit.proposals.push_back(ProposalOrRef{Proposal{u}});
    });
  }
};

// "or if it specifies the removal of state for a component_id that has no state present".
TEST_P(AppDataUpdateListTest, RemoveOfAbsentStateIsRejected) {
  seed();
  for (Group* r : {&*b, &*c})
    EXPECT_TRUE(rejects_unchanged(*r, ErrorCode::kAppDataRemoveAbsent,
                                  [&] { r->process(forged_commit({remove_of(kChecked)})); }));
  EXPECT_TRUE(rejects_unchanged(*a, ErrorCode::kAppDataRemoveAbsent,
                                [&] { a->commit(app_updates({remove_of(kChecked)})); }));
  EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kAppDataRemoveAbsent, [&] {
    b->propose_app_data_update(kChecked, AppDataUpdateOperation::kRemove);
  }));
}

// "A proposal list is invalid if it includes ... proposals that both update and remove state
// for the same component_id", in either order.
TEST_P(AppDataUpdateListTest, UpdateAndRemoveOfOneComponentIsRejected) {
  seed();
  EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kAppDataUpdateConflict, [&] {
    b->process(forged_commit({update_of(kLog, "02"), remove_of(kLog)}));
  }));
  EXPECT_TRUE(rejects_unchanged(*c, ErrorCode::kAppDataUpdateConflict, [&] {
    c->process(forged_commit({remove_of(kLog), update_of(kLog, "02")}));
  }));
  EXPECT_TRUE(rejects_unchanged(*a, ErrorCode::kAppDataUpdateConflict, [&] {
    a->commit(app_updates({remove_of(kPlain), update_of(kPlain, "02")}));
  }));
}

// "A proposal list is invalid if it includes multiple AppDataUpdate proposals that remove state
// for the same component_id".
TEST_P(AppDataUpdateListTest, TwoRemovesOfOneComponentAreRejected) {
  seed();
  EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kAppDataUpdateConflict, [&] {
    b->process(forged_commit({remove_of(kLog), remove_of(kLog)}));
  }));
  EXPECT_TRUE(rejects_unchanged(*a, ErrorCode::kAppDataUpdateConflict, [&] {
    a->commit(app_updates({remove_of(kLog), remove_of(kLog)}));
  }));
}

// "When an MLS group contains the AppDataUpdate proposal type in the proposal_types list in
// the group's required_capabilities extension, a GroupContextExtensions proposal MUST NOT add,
// remove, or modify the app_data_dictionary GroupContext extension."
class AppDataRequiredTest : public AppDataTest {
 protected:
  void SetUp() override {
    wire::RequiredCapabilities required;
    required.proposal_types = {wire::ProposalType::kAppDataUpdate};
    build_app_group(
        public_handshakes(),
        {wire::Extension{wire::ExtensionType::kRequiredCapabilities, codec::encode(required)}});
    auto g = genuine_commit(*a, app_updates({update_of(kLog, "01")}));
    everyone_takes(g);
  }

  // The GroupContext's extensions with app_data_dictionary changed by `change`.
  wire::ExtensionList changed(const std::function<void(wire::ExtensionList&)>& change) const {
    wire::ExtensionList extensions = a->context().extensions;
    change(extensions);
    return extensions;
  }
};

TEST_P(AppDataRequiredTest, GroupContextExtensionsMustLeaveTheDictionary) {
  const auto modify = changed([](wire::ExtensionList& e) {
    e.back().extension_data = codec::encode(wire::AppDataDictionary{{{kLog, from_hex("02")}}});
  });
  const auto remove = changed([](wire::ExtensionList& e) { e.pop_back(); });
  for (const auto& extensions : {modify, remove}) {
    // Proposed, committed by value, and received in a commit (forged: Alice's own refuses).
    EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kAppDataDictionaryNotByGce,
                                  [&] { b->propose_group_context_extensions(extensions); }));
    CommitOptions options;
    options.group_context_extensions = extensions;
    EXPECT_TRUE(
        rejects_unchanged(*a, ErrorCode::kAppDataDictionaryNotByGce, [&] { a->commit(options); }));
    auto g = genuine_commit(*a, with_path());
    const auto forged = g.forger.reseal_commit(g.out.commit, [&](wire::Commit& commit) {
      commit.proposals.push_back(ProposalOrRef{Proposal{wire::GroupContextExtensions{extensions}}});
    });
    EXPECT_TRUE(
        rejects_unchanged(*c, ErrorCode::kAppDataDictionaryNotByGce, [&] { c->process(forged); }));
  }
}

// "A commit can contain a GroupContextExtensions proposal which modifies GroupContext
// extensions other than app_data_dictionary, and can be followed by zero or more AppDataUpdate
// proposals."
TEST_P(AppDataRequiredTest, GroupContextExtensionsWithAppDataUpdates) {
  const auto other = changed([&](wire::ExtensionList& e) {
    e.front() = external_senders_extension({});  // the DS is gone
  });
  CommitOptions options = app_updates({update_of(kLog, "02")});
  options.group_context_extensions = other;
  auto g = genuine_commit(*a, options);
  everyone_takes(g);
  EXPECT_EQ(c->app_data(kLog), from_hex("0102"));
  EXPECT_EQ(c->context().extensions.front(), external_senders_extension({}));
}

INSTANTIATE_TEST_SUITE_P(AllSuites, AppDataUpdateTest, ::testing::Range<uint16_t>(1, 8),
                         suite_name);
INSTANTIATE_TEST_SUITE_P(AllSuites, AppDataUpdateListTest, ::testing::Range<uint16_t>(1, 8),
                         suite_name);
INSTANTIATE_TEST_SUITE_P(AllSuites, AppDataRequiredTest, ::testing::Range<uint16_t>(1, 8),
                         suite_name);

}  // namespace
}  // namespace conclave::group_testing
