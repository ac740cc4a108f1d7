// Group::merge(StagedCommit): a staged commit holds the next epoch of the state that staged it
// (RFC 9420 §12.4.2: the commit was validated against that state, its secrets derived from it),
// so only that state, or an identical copy of it, may merge it. A commit staged by another
// group, by another member, in another epoch or by another state of the same epoch (a fork) is
// refused with kStagedCommitMismatch and the group unchanged; so is a commit of this member's
// own that is not its pending commit.
#include <gtest/gtest.h>

#include "negative_test_util.h"

namespace conclave::group_testing {
namespace {

class StagedCommitMerge : public NegativeGroupTest {
 protected:
  static StagedCommit staged_by(Group& receiver, const wire::MlsMessage& commit) {
    return std::get<StagedCommit>(receiver.process(over_the_wire(commit)));
  }

  // A group of three whose second member is at leaf 1 in epoch 1, as Bob is; with
  // `group_id` when given.
  std::pair<Group, Group> another_group(const Bytes& group_id = {}) const {
    const Client xavier = make_client(suite, "xavier");
    const Client yves = make_client(suite, "yves");
    const Client zoe = make_client(suite, "zoe");
    CreateOptions create;
    create.group_id = group_id;
    create.config = config_;
    Group x = Group::create(provider, xavier.identity, create, accept_any_policy());
    const CommitOutput out =
        x.commit(adding({yves.key_package.key_package, zoe.key_package.key_package}));
    x.merge_pending_commit();
    Group y = Group::join(provider, yves.identity, yves.key_package, *out.welcome, std::nullopt,
                          config_, accept_any_policy());
    return {std::move(x), std::move(y)};
  }
};

TEST_P(StagedCommitMerge, CommitStagedByAnotherGroupIsRefused) {
  auto [x, y] = another_group();
  const CommitOutput out = x.commit(with_path());
  const StagedCommit theirs = staged_by(y, out.commit);
  EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kStagedCommitMismatch, [&] { b->merge(theirs); }));
  y.merge(theirs);
  x.merge_pending_commit();
  EXPECT_EQ(y.epoch_authenticator(), x.epoch_authenticator());
}

// The same group_id, epoch and leaf, but another group's state: only the transcript tells.
TEST_P(StagedCommitMerge, CommitStagedByAForkOfTheSameIdAndEpochIsRefused) {
  auto [x, y] = another_group(a->group_id());
  ASSERT_EQ(y.group_id(), b->group_id());
  ASSERT_EQ(y.epoch(), b->epoch());
  ASSERT_EQ(y.own_leaf(), b->own_leaf());
  const CommitOutput out = x.commit(with_path());
  const StagedCommit theirs = staged_by(y, out.commit);
  EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kStagedCommitMismatch, [&] { b->merge(theirs); }));
}

TEST_P(StagedCommitMerge, CommitStagedByAnotherMemberIsRefused) {
  auto g = genuine_commit(*a, with_path());
  const StagedCommit carols = staged_by(*c, g.out.commit);
  EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kStagedCommitMismatch, [&] { b->merge(carols); }));
  EXPECT_TRUE(rejects_unchanged(g.committer, ErrorCode::kStagedCommitMismatch, [&] {
    g.committer.merge(carols);
  })) << "the committer's own commit, as another member staged it";
  c->merge(carols);
  expect_commit_accepted(*b, g.committer, g.out.commit);
  EXPECT_EQ(c->epoch_authenticator(), b->epoch_authenticator());
}

// Staged, then the group moved on: the staged commit is of an epoch that is gone.
TEST_P(StagedCommitMerge, CommitStagedInAnEarlierEpochIsRefused) {
  auto first = genuine_commit(*a, with_path());
  const StagedCommit stale = staged_by(*b, first.out.commit);
  auto second = genuine_commit(*c, with_path());
  expect_commit_accepted(*b, second.committer, second.out.commit);
  EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kStagedCommitMismatch, [&] { b->merge(stale); }));

  // Merged once, it cannot be merged again.
  auto third = genuine_commit(second.committer, with_path());
  const StagedCommit next = staged_by(*b, third.out.commit);
  b->merge(next);
  EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kStagedCommitMismatch, [&] { b->merge(next); }));
}

// A copy of the state is the same state: the group that staged the commit and an identical
// copy of it both merge it, into the same epoch.
TEST_P(StagedCommitMerge, CommitStagedByAnIdenticalCopyIsMerged) {
  auto g = genuine_commit(*a, with_path());
  Group copy = *b;
  const StagedCommit staged = staged_by(*b, g.out.commit);
  copy.merge(staged);
  b->merge(staged);
  EXPECT_TRUE(copy == *b);
  g.committer.merge_pending_commit();
  EXPECT_EQ(b->epoch_authenticator(), g.committer.epoch_authenticator());
}

// §12.4: a member's own commit is merged as its pending commit (merge_pending_commit, or the
// staged echo): not into a copy that has no pending commit or another one.
TEST_P(StagedCommitMerge, OwnCommitThatIsNotThePendingOneIsRefused) {
  Group before = *a;
  Group other = *a;
  a->commit(with_path());
  const StagedCommit own = *a->pending_commit();
  EXPECT_TRUE(rejects_unchanged(before, ErrorCode::kStagedCommitMismatch, [&] {
    before.merge(own);
  })) << "no commit pending";
  other.commit(with_path());
  EXPECT_TRUE(rejects_unchanged(other, ErrorCode::kStagedCommitMismatch, [&] { other.merge(own); }))
      << "another commit pending";
  a->merge(own);
  EXPECT_FALSE(a->has_pending_commit());
  EXPECT_EQ(a->epoch(), before.epoch() + 1);
}

TEST_P(StagedCommitMerge, DefaultStagedCommitIsRefused) {
  EXPECT_TRUE(
      rejects_unchanged(*b, ErrorCode::kStagedCommitMismatch, [&] { b->merge(StagedCommit{}); }));
}

INSTANTIATE_TEST_SUITE_P(AllSuites, StagedCommitMerge, ::testing::Range<uint16_t>(1, 8),
                         suite_name);

}  // namespace
}  // namespace conclave::group_testing
