// Subgroup branching (RFC 9420 §11.3): a member makes a new group of some members of the old
// one, with their new KeyPackages and a resumption PSK of usage branch; the joiners check the
// subgroup against the old group they hold.
#include <gtest/gtest.h>

#include "negative_test_util.h"

namespace conclave::group_testing {
namespace {

class Branch : public NegativeGroupTest {
 protected:
  // Dave and Erin join the three: five members.
  void grow_to_five() {
    dave = make_client(suite, "dave");
    erin = make_client(suite, "erin");
    CommitOptions add;
    add.add = {dave.key_package.key_package, erin.key_package.key_package};
    auto g = genuine_commit(*a, add);
    advance_all(g);
    d.emplace(Group::join(provider, dave.identity, dave.key_package, *g.out.welcome, std::nullopt,
                          config_));
    e.emplace(Group::join(provider, erin.identity, erin.key_package, *g.out.welcome, std::nullopt,
                          config_));
    ASSERT_EQ(a->members().size(), 5u);
  }

  // A copy of `member` whose tree shows `impostor`'s credential on the leaf of `victim`: what a
  // creator that lies about the old group's membership branches from. The tree is part of the
  // state prefix that negative_test_util.h reads.
  Group with_credential(const Group& member, tree::LeafIndex victim,
                        const wire::Credential& impostor) const {
    const Bytes state = member.serialize();
    codec::Reader r(state);
    detail::StatePrefix prefix;
    codec::read(r, prefix);
    const BytesView rest = r.rest();
    auto& node = prefix.tree.at(victim.node().value);
    std::get<wire::LeafNode>(node->value).credential = impostor;
    Bytes changed = codec::encode(prefix);
    changed.insert(changed.end(), rest.begin(), rest.end());
    return Group::deserialize(provider, changed);
  }

  Client dave, erin;
  std::optional<Group> d, e;
};

// §11.3: Carol branches a subgroup of Alice, Carol and Erin off the five, with new KeyPackages
// and a branch PSK with a fresh KDF.Nh nonce; the subgroup has the old version and suite and
// epoch 1, its members agree on it (§8.7), and the old group goes on.
TEST_P(Branch, Rfc11_3_BranchThreeOfFive) {
  grow_to_five();
  const KeyPackageBundle alice2 = another_key_package(suite, alice);
  const KeyPackageBundle erin2 = another_key_package(suite, erin);
  ResumedGroup made = Group::branch(*c, carol.identity, {alice2.key_package, erin2.key_package});
  Group& c2 = made.group;
  EXPECT_EQ(c2.epoch(), 1u);
  EXPECT_EQ(c2.suite().id(), suite.id());
  EXPECT_NE(c2.group_id(), a->group_id());
  EXPECT_EQ(c2.context().extensions, a->context().extensions);
  EXPECT_EQ(c2.members().size(), 3u);
  Group a2 = Group::join_resumed(*a, alice.identity, alice2, over_the_wire(made.welcome));
  Group e2 = Group::join_resumed(*e, erin.identity, erin2, over_the_wire(made.welcome));
  EXPECT_EQ(a2.epoch(), 1u);
  EXPECT_EQ(a2.group_id(), c2.group_id());
  EXPECT_EQ(a2.epoch_authenticator(), c2.epoch_authenticator());
  EXPECT_EQ(e2.epoch_authenticator(), c2.epoch_authenticator());
  const auto m = e2.protect(as_bytes("subgroup"));
  EXPECT_EQ(std::get<ApplicationMessage>(a2.process(over_the_wire(m))).data, to_bytes("subgroup"));
  EXPECT_EQ(std::get<ApplicationMessage>(c2.process(over_the_wire(m))).data, to_bytes("subgroup"));

  // A second branch of the same epoch has another nonce, so other secrets.
  const KeyPackageBundle alice3 = another_key_package(suite, alice);
  const KeyPackageBundle erin3 = another_key_package(suite, erin);
  BranchOptions same_id;
  same_id.group_id = c2.group_id();
  const ResumedGroup again =
      Group::branch(*c, carol.identity, {alice3.key_package, erin3.key_package}, same_id);
  EXPECT_NE(again.group.epoch_authenticator(), c2.epoch_authenticator());

  // Branching changes nothing in the old group, which goes on with all five.
  auto g = genuine_commit(*a);
  advance_all(g);
  for (Group* m5 : {&*d, &*e})
    m5->merge(std::get<StagedCommit>(m5->process(over_the_wire(g.out.commit))));
  for (Group* m5 : {&*b, &*c, &*d, &*e})
    EXPECT_EQ(m5->epoch_authenticator(), a->epoch_authenticator());
}

// §11.3: "Each LeafNode in a new subgroup MUST match some LeafNode in the original group."
// Group::branch refuses an outsider itself; a creator whose view of the old group was altered
// to show one makes a Welcome that the joiners refuse, their old group unchanged.
TEST_P(Branch, Rfc11_3_SubgroupMemberMustBeInTheOldGroup) {
  grow_to_five();
  const Client mallory = make_client(suite, "mallory");
  const KeyPackageBundle bob2 = another_key_package(suite, bob);
  EXPECT_TRUE(rejects_unchanged(*a, ErrorCode::kBranchMemberUnknown, [&] {
    Group::branch(*a, alice.identity, {bob2.key_package, mallory.key_package.key_package});
  }));
  EXPECT_TRUE(rejects_unchanged(*a, ErrorCode::kBranchMemberUnknown,
                                [&] { Group::branch(*a, mallory.identity, {bob2.key_package}); }));

  const Group liar = with_credential(*a, e->own_leaf(), mallory.identity.credential);
  const ResumedGroup made =
      Group::branch(liar, alice.identity, {bob2.key_package, mallory.key_package.key_package});
  EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kBranchMemberUnknown, [&] {
    Group::join_resumed(*b, bob.identity, bob2, over_the_wire(made.welcome));
  }));

  // Without the outsider the same creator's subgroup is accepted.
  const KeyPackageBundle bob3 = another_key_package(suite, bob);
  const ResumedGroup fair = Group::branch(liar, alice.identity, {bob3.key_package});
  const Group b2 = Group::join_resumed(*b, bob.identity, bob3, fair.welcome);
  EXPECT_EQ(b2.epoch_authenticator(), fair.group.epoch_authenticator());
}

// §11.3, §8.4: the branch PSK names the old group's current epoch; a member that is not in that
// epoch (here: one epoch behind) does not have it, and a plain join() never has it.
TEST_P(Branch, Rfc11_3_BranchPskIsOfTheOldGroupsEpoch) {
  const Group behind = *b;
  auto g = genuine_commit(*a);
  advance_all(g);
  const KeyPackageBundle bob2 = another_key_package(suite, bob);
  const ResumedGroup made = Group::branch(*a, alice.identity, {bob2.key_package});
  EXPECT_TRUE(rejects_unchanged(behind, ErrorCode::kPskNotFound, [&] {
    Group::join_resumed(behind, bob.identity, bob2, made.welcome);
  }));
  EXPECT_TRUE(rejects(ErrorCode::kPskNotFound,
                      [&] { Group::join(provider, bob.identity, bob2, made.welcome); }));
  const Group b2 = Group::join_resumed(*b, bob.identity, bob2, made.welcome);
  EXPECT_EQ(b2.epoch_authenticator(), made.group.epoch_authenticator());
}

INSTANTIATE_TEST_SUITE_P(AllSuites, Branch, ::testing::Range<uint16_t>(1, 8), suite_name);

}  // namespace
}  // namespace conclave::group_testing
