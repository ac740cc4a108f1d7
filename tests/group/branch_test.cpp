// Subgroup branching (RFC 9420 §11.3): a member makes a new group of some members of the old
// one, with their new KeyPackages and a resumption PSK of usage branch; the joiners check the
// subgroup against the old group they hold.
#include <gtest/gtest.h>

#include "resumption_test_util.h"

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
                          config_, accept_any_policy()));
    e.emplace(Group::join(provider, erin.identity, erin.key_package, *g.out.welcome, std::nullopt,
                          config_, accept_any_policy()));
    ASSERT_EQ(a->members().size(), 5u);
  }

  // A copy of `member` whose tree shows `impostor`'s credential on the leaf of `victim`: what a
  // creator that lies about the old group's membership branches from. The tree is part of the
  // state prefix that negative_test_util.h reads.
  Group with_credential(const Group& member, tree::LeafIndex victim,
                        const wire::Credential& impostor) const {
    const SecretBytes state = member.serialize();
    codec::Reader r(state.view());
    detail::StatePrefix prefix;
    codec::read(r, prefix);
    const BytesView rest = r.rest();
    auto& node = prefix.tree.at(victim.node().value);
    std::get<wire::LeafNode>(node->value).credential = impostor;
    // Its GroupContext follows its tree, as a liar's would: deserialize() checks they agree.
    prefix.context.tree_hash = tree::RatchetTree::from_nodes(suite, prefix.tree).tree_hash();
    Bytes changed = codec::encode(prefix);
    changed.insert(changed.end(), rest.begin(), rest.end());
    return Group::deserialize(provider, changed, accept_any_policy());
  }

  // Alice branches Bob off (§11.3); Bob's Welcome changed by `edit` and sealed again by Alice
  // with the PSKs of her old group (resumption_test_util.h).
  void branch_bob() {
    bob2.emplace(another_key_package(suite, bob));
    made.emplace(Group::branch(*a, alice.identity, {bob2->key_package}));
  }
  wire::MlsMessage edited(const std::function<void(OpenedWelcome&)>& edit) const {
    return edit_welcome(suite, made->welcome, *bob2, resumption_psks_of(*a),
                        alice.identity.signature_private_key.view(), edit);
  }
  Group join_bob(const wire::MlsMessage& welcome) const {
    return Group::join_resumed(*b, bob.identity, *bob2, welcome);
  }
  // Alice's Welcome sealed again unchanged is accepted: the rejections are for the edits.
  void expect_resealed_accepted() {
    const Group b2 = join_bob(edited([](OpenedWelcome&) {}));
    EXPECT_EQ(b2.epoch_authenticator(), made->group.epoch_authenticator());
  }

  std::optional<KeyPackageBundle> bob2;
  std::optional<ResumedGroup> made;
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
  EXPECT_TRUE(rejects(ErrorCode::kPskNotFound, [&] {
    Group::join(provider, bob.identity, bob2, made.welcome, std::nullopt, {}, accept_any_policy());
  }));
  const Group b2 = Group::join_resumed(*b, bob.identity, bob2, made.welcome);
  EXPECT_EQ(b2.epoch_authenticator(), made.group.epoch_authenticator());
}

// §11.3: "The epoch in the Welcome message MUST be 1." Alice's branch Welcome with its
// GroupContext at epoch 0 or 2, genuine otherwise (tag and signature made again).
TEST_P(Branch, Rfc11_3_BranchWelcomeEpochMustBeOne) {
  branch_bob();
  for (const uint64_t epoch : {uint64_t{0}, uint64_t{2}}) {
    SCOPED_TRACE(epoch);
    const auto welcome = edited([&](OpenedWelcome& w) { w.info.group_context.epoch = epoch; });
    EXPECT_TRUE(
        rejects_unchanged(*b, ErrorCode::kResumptionEpochInvalid, [&] { join_bob(welcome); }));
  }
  expect_resealed_accepted();
}

// §11.3: "The version and cipher_suite values in the Welcome message are the same as those
// used by the old group." Group::branch keeps the suite, so the subgroup is made by hand: Alice
// creates a group in another suite, adds Bob's KeyPackage of that suite, and a branch PSK of
// the old group is put into the Welcome. Bob refuses it. The same construction in the old
// group's suite is accepted, so the suite is all that is wrong.
TEST_P(Branch, Rfc11_3_BranchCipherSuiteMustBeTheOldGroups) {
  const auto branch_welcome = [&](const crypto::Suite& s, const Identity& creator,
                                  const KeyPackageBundle& joiner) {
    Group fresh = Group::create(provider, creator, {}, accept_any_policy());
    CommitOptions add;
    add.add = {joiner.key_package};
    const CommitOutput out = fresh.commit(add);
    return edit_welcome(s, *out.welcome, joiner, resumption_psks_of(*a),
                        creator.signature_private_key.view(), [&](OpenedWelcome& w) {
                          w.secrets.psks = {wire::PreSharedKeyId::resumption(
                              wire::ResumptionPskUsage::kBranch, a->group_id(), a->epoch(),
                              s.random(s.hash_len()))};
                        });
  };
  const crypto::Suite other(provider, other_suite(suite.id()));
  const NewClient alice2 = in_suite(other, alice);
  const NewClient bob2_other = in_suite(other, bob);
  const auto welcome = branch_welcome(other, alice2.identity, bob2_other.key_package);
  EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kBranchCipherSuiteMismatch, [&] {
    Group::join_resumed(*b, bob2_other.identity, bob2_other.key_package, welcome);
  }));

  const KeyPackageBundle bob2_same = another_key_package(suite, bob);
  const Group b2 = Group::join_resumed(*b, bob.identity, bob2_same,
                                       branch_welcome(suite, alice.identity, bob2_same));
  EXPECT_EQ(b2.epoch(), 1u);
  EXPECT_EQ(b2.members().size(), 2u);
}

// §11.3: "The version and cipher_suite values in the Welcome message are the same as those
// used by the old group." The old group is mls10 (no other version exists), and join refuses
// a GroupContext of any other version (kGroupInfoInvalid, §12.4.3.1) before it compares the
// subgroup with the old group, so kBranchVersionMismatch cannot be reached: the earlier check
// is tested, on Alice's branch Welcome with its GroupContext's version changed.
TEST_P(Branch, Rfc11_3_BranchVersionMustBeTheOldGroups) {
  branch_bob();
  EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kGroupInfoInvalid, [&] {
    join_bob(edited([](OpenedWelcome& w) {
      w.info.group_context.version = static_cast<wire::ProtocolVersion>(2);
    }));
  }));
  expect_resealed_accepted();
}

// §11.3: the Welcome carries "a PreSharedKey proposal of type resumption with usage branch":
// one link to the old group. A second branch PSK (another nonce) or a reinit PSK of the same
// epoch beside it is refused, though Bob holds the PSK; a resumption PSK of usage application
// beside it (§8.6) is no second link and is accepted.
TEST_P(Branch, Rfc11_3_BranchWelcomeNamesExactlyOneLinkPsk) {
  branch_bob();
  const auto second = [&](wire::ResumptionPskUsage usage) {
    return [this, usage](OpenedWelcome& w) {
      const wire::PreSharedKeyId& link = link_of(w.secrets.psks);
      w.secrets.psks.push_back(wire::PreSharedKeyId::resumption(
          usage, link.psk_group_id, link.psk_epoch, suite.random(suite.hash_len())));
    };
  };
  EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kResumptionPskInvalid, [&] {
    join_bob(edited(second(wire::ResumptionPskUsage::kBranch)));
  }));
  EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kResumptionPskInvalid, [&] {
    join_bob(edited(second(wire::ResumptionPskUsage::kReinit)));
  }));
  const Group b2 = join_bob(edited(second(wire::ResumptionPskUsage::kApplication)));
  EXPECT_EQ(b2.epoch(), 1u);
  expect_resealed_accepted();
}

// §11.3: the branch PSK names "the referenced group", the old one. One naming another group is
// refused, but as kPskNotFound: join_resumed takes resumption PSKs only from the old group it
// is given (§8.4), so the Welcome cannot be opened and check_resumption's comparison of the
// link's group_id with the old group's is never reached. The earlier check is tested.
TEST_P(Branch, Rfc11_3_BranchPskNamingAnotherGroupIsNotFound) {
  branch_bob();
  EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kPskNotFound, [&] {
    join_bob(edited([&](OpenedWelcome& w) {
      link_of(w.secrets.psks).psk_group_id = suite.random(suite.hash_len());
    }));
  }));
  expect_resealed_accepted();
}

INSTANTIATE_TEST_SUITE_P(AllSuites, Branch, ::testing::Range<uint16_t>(1, 8), suite_name);

}  // namespace
}  // namespace conclave::group_testing
