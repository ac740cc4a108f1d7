// Reinitialization (RFC 9420 §11.2, §12.1.5): a ReInit proposal, the commit that covers it and
// ends the group, and the new group in another cipher suite that the members join by a Welcome
// carrying a resumption PSK of usage reinit. Negative tests: the ended group sends nothing, and
// a Welcome whose new group does not match the ReInit is refused, the old group unchanged.
#include <gtest/gtest.h>

#include <algorithm>

#include "resumption_test_util.h"

namespace conclave::group_testing {
namespace {

constexpr uint16_t kCustomProposalValue = 0xF0A1;  // private-use range (§17.4)
constexpr auto kCustomProposal = static_cast<wire::ProposalType>(kCustomProposalValue);

class ReInit : public NegativeGroupTest {
 protected:
  wire::ReInit make_reinit(uint16_t to_suite) const {
    wire::RequiredCapabilities required;
    required.credential_types = {wire::CredentialType::kBasic};
    return wire::ReInit{suite.random(suite.hash_len()),
                        wire::ProtocolVersion::kMls10,
                        to_suite,
                        {{wire::ExtensionType::kRequiredCapabilities, codec::encode(required)}}};
  }

  // Bob proposes `reinit`, Alice commits it by reference and everyone merges (§11.2 steps 1-2).
  // Alice's commit hands out no GroupInfo: its epoch takes no joiner (§11.2).
  void end_group(const wire::ReInit& reinit) {
    const auto proposal = b->propose_reinit(reinit);
    deliver(proposal, {&*a, &*b, &*c});
    auto g = genuine_commit(*a);
    const auto staged = std::get<StagedCommit>(b->process(over_the_wire(g.out.commit)));
    EXPECT_EQ(staged.reinit(), std::optional<wire::ReInit>(reinit));
    EXPECT_FALSE(g.out.group_info.has_value());
    advance_all(g);
    for (Group* m : {&*a, &*b, &*c})
      EXPECT_EQ(m->pending_reinit(), reinit);
  }

  // A copy of `member` whose state names `changed` as the ReInit that ended it: what a
  // creator that lies about the ReInit builds (or, with none, a member that goes on anyway).
  // The ReInit is the last field of the version-2 layout; version 3 appends the Exporter Tree
  // (extensions draft §Exported Secrets), so it is the last occurrence of its encoding.
  Group with_reinit(const Group& member, const std::optional<wire::ReInit>& changed) const {
    Bytes state = member.serialize().copy_out();  // edited below
    const Bytes tail = codec::encode(member.pending_reinit());
    const auto at = std::find_end(state.begin(), state.end(), tail.begin(), tail.end());
    if (at == state.end())
      throw std::logic_error("the Group state layout changed: update reinit_test.cpp");
    const Bytes after(at + static_cast<std::ptrdiff_t>(tail.size()), state.end());
    state.erase(at, state.end());
    const Bytes replaced = codec::encode(changed);
    state.insert(state.end(), replaced.begin(), replaced.end());
    state.insert(state.end(), after.begin(), after.end());
    return Group::deserialize(provider, state, accept_any_policy());
  }

  // §11.2 steps 1-3: Bob's ReInit to the next suite, committed by Alice; Carol makes the new
  // group with Bob in it.
  void reinit_by_carol() {
    end_group(make_reinit(next.id()));
    carol2.emplace(in_suite(next, carol));
    bob2.emplace(in_suite(next, bob));
    made.emplace(Group::reinit(*c, carol2->identity, {bob2->key_package.key_package}));
  }

  // Carol's Welcome to Bob, changed by `edit` and sealed again by Carol with the PSKs of her
  // old group (resumption_test_util.h).
  wire::MlsMessage edited(const std::function<void(OpenedWelcome&)>& edit) const {
    return edit_welcome(next, made->welcome, bob2->key_package, resumption_psks_of(*c),
                        carol2->identity.signature_private_key.view(), edit);
  }

  Group join_bob(const wire::MlsMessage& welcome) const {
    return Group::join_resumed(*b, bob2->identity, bob2->key_package, welcome);
  }

  // Carol's Welcome sealed again unchanged is accepted: the rejections are for the edits.
  void expect_resealed_accepted() {
    const Group b2 = join_bob(edited([](OpenedWelcome&) {}));
    EXPECT_EQ(b2.epoch_authenticator(), made->group.epoch_authenticator());
  }

  crypto::Suite next{provider, other_suite(GetParam())};
  std::optional<NewClient> carol2, bob2;
  std::optional<ResumedGroup> made;
};

// §11.2: the members of a group ended by a ReInit to another cipher suite join the new group,
// made by one of them, through a Welcome with a reinit PSK; the new group has the ReInit's
// parameters, epoch 1, and every member computes the same epoch (§8.7).
TEST_P(ReInit, Rfc11_2_ReInitToAnotherCipherSuite) {
  const wire::ReInit reinit = make_reinit(next.id());
  end_group(reinit);
  const uint64_t old_epoch = a->epoch();

  // §11.2 step 3, by Carol (not the committer): the new group and its Welcome.
  const NewClient alice2 = in_suite(next, alice);
  const NewClient bob2 = in_suite(next, bob);
  const NewClient carol2 = in_suite(next, carol);
  ResumedGroup made = Group::reinit(*c, carol2.identity,
                                    {alice2.key_package.key_package, bob2.key_package.key_package});
  const Group& c2 = made.group;
  EXPECT_EQ(c2.epoch(), 1u);
  EXPECT_EQ(c2.suite().id(), next.id());
  EXPECT_EQ(c2.group_id(), reinit.group_id);
  EXPECT_EQ(c2.context().extensions, reinit.extensions);
  // The Welcome names the old group at the epoch the ReInit's commit started.
  const auto* welcome = made.welcome.get<wire::Welcome>();
  ASSERT_NE(welcome, nullptr);
  EXPECT_EQ(welcome->cipher_suite, next.id());

  Group a2 =
      Group::join_resumed(*a, alice2.identity, alice2.key_package, over_the_wire(made.welcome));
  Group b2 = Group::join_resumed(*b, bob2.identity, bob2.key_package, over_the_wire(made.welcome));
  EXPECT_EQ(a2.epoch(), 1u);
  EXPECT_EQ(a2.members().size(), 3u);
  EXPECT_EQ(a->epoch(), old_epoch);  // the old group is only read
  EXPECT_EQ(a2.epoch_authenticator(), c2.epoch_authenticator());
  EXPECT_EQ(b2.epoch_authenticator(), c2.epoch_authenticator());
  const auto m = b2.protect(as_bytes("in the new suite"));
  EXPECT_EQ(std::get<ApplicationMessage>(a2.process(over_the_wire(m))).data,
            to_bytes("in the new suite"));
  EXPECT_EQ(a2.epoch_authenticator(), made.group.epoch_authenticator());
}

// §12.1.5: the ReInit by value in the committer's own commit (CommitOptions::reinit), with the
// proposals received this epoch left out, as §12.2 wants a ReInit alone.
TEST_P(ReInit, Rfc12_1_5_ReInitByValue) {
  const crypto::Suite target(provider, other_suite(suite.id(), 3));
  const wire::ReInit reinit = make_reinit(target.id());
  deliver(c->propose_update(), {&*a, &*b, &*c});
  CommitOptions options;
  options.reinit = reinit;
  auto g = genuine_commit(*a, options);
  advance_all(g);
  for (Group* m : {&*a, &*b, &*c})
    EXPECT_EQ(m->pending_reinit(), reinit);
  const NewClient alice2 = in_suite(target, alice);
  const NewClient bob2 = in_suite(target, bob);
  const NewClient carol2 = in_suite(target, carol);
  ResumedGroup made = Group::reinit(*a, alice2.identity,
                                    {bob2.key_package.key_package, carol2.key_package.key_package});
  Group b2 = Group::join_resumed(*b, bob2.identity, bob2.key_package, made.welcome);
  Group c2 = Group::join_resumed(*c, carol2.identity, carol2.key_package, made.welcome);
  EXPECT_EQ(b2.epoch_authenticator(), made.group.epoch_authenticator());
  EXPECT_EQ(c2.epoch_authenticator(), made.group.epoch_authenticator());
}

// §11.2: "The reinitialization is done by creating a completely new group and shutting down
// the old one": after the ReInit's commit the old group sends nothing. Each public call that
// sends into the group, or hands out a GroupInfo others would join it by (§12.4.3.2), throws
// kGroupReInitialized and leaves the state as it was; each works on a copy taken before the
// ReInit, so the refusal is the ReInit's. A custom proposal type is registered and supported
// by all, so propose_custom would otherwise send.
TEST_P(ReInit, Rfc11_2_EndedGroupRefusesEverySendingCall) {
  GroupConfig config = public_handshakes();
  config.custom_proposals = {CustomProposalType{kCustomProposalValue, 1}};
  build(config, key_package_options_for(config));
  const Client dave = make_client(suite, "dave", key_package_options_for(config));
  CommitOptions add;
  add.add = {dave.key_package.key_package};
  CommitOptions path;
  path.force_path = true;
  struct Call {
    std::string name;
    std::function<void(Group&)> send;
  };
  const std::vector<Call> calls{
      {"protect", [](Group& g) { g.protect(as_bytes("x")); }},
      {"propose_add", [&](Group& g) { g.propose_add(dave.key_package.key_package); }},
      {"propose_remove", [&](Group& g) { g.propose_remove(c->own_leaf()); }},
      {"propose_update", [](Group& g) { g.propose_update(); }},
      {"propose_psk",
       [](Group& g) {
         g.propose_psk(wire::PreSharedKeyId::resumption(wire::ResumptionPskUsage::kApplication,
                                                        g.group_id(), g.epoch(), {}));
       }},
      {"propose_group_context_extensions",
       [](Group& g) { g.propose_group_context_extensions(g.context().extensions); }},
      {"propose_reinit", [&](Group& g) { g.propose_reinit(make_reinit(suite.id())); }},
      {"propose_custom", [](Group& g) { g.propose_custom(kCustomProposal, as_bytes("x")); }},
      {"commit", [](Group& g) { g.commit(); }},
      {"commit with an Add", [&](Group& g) { g.commit(add); }},
      {"commit with a path", [&](Group& g) { g.commit(path); }},
      {"group_info", [](Group& g) { g.group_info(); }},
      {"group_info without the tree", [](Group& g) { g.group_info(false); }},
  };
  const Group before = *a;
  end_group(make_reinit(other_suite(suite.id())));
  for (const Call& call : calls) {
    SCOPED_TRACE(call.name);
    Group live = before;
    EXPECT_NO_THROW(call.send(live));
    Group& ended = *a;
    EXPECT_TRUE(
        rejects_unchanged(ended, ErrorCode::kGroupReInitialized, [&] { call.send(ended); }));
  }
}

// §11.2: the ended group takes no handshake of its last epoch, from a member that goes on
// anyway, a new member's Add of itself (§12.1.8) or an external commit made from a GroupInfo of
// that epoch (§12.4.3.2), which only a member that ignores the ReInit hands out; it cannot be
// branched (§11.3); it still reads a late application message of the epoch before (§9.2), and
// its state round-trips.
TEST_P(ReInit, Rfc11_2_EndedGroupTakesOnlyLateApplicationMessages) {
  const auto late = b->protect(as_bytes("sent before the ReInit"));
  end_group(make_reinit(other_suite(suite.id())));
  Group& g = *a;
  const wire::MlsMessage last_info = with_reinit(*b, std::nullopt).group_info(false);
  const auto forged = Forger(suite, *b).propose(wire::Proposal{wire::Remove{c->own_leaf().value}});
  EXPECT_TRUE(rejects_unchanged(g, ErrorCode::kGroupReInitialized, [&] { g.process(forged); }));
  const Client dave = make_client(suite, "dave");
  const auto self_add =
      new_member_proposal(suite, g.group_id(), g.epoch(), dave.key_package.key_package,
                          dave.identity.signature_private_key.view());
  EXPECT_TRUE(rejects_unchanged(g, ErrorCode::kGroupReInitialized,
                                [&] { g.process(over_the_wire(self_add)); }));
  const Client erin = make_client(suite, "erin");
  ExternalJoinOptions with_tree;  // that GroupInfo has no ratchet_tree extension
  with_tree.ratchet_tree = g.tree().to_nodes();
  const ExternalJoin external = Group::join_external(
      provider, erin.identity, over_the_wire(last_info), with_tree, accept_any_policy());
  EXPECT_TRUE(rejects_unchanged(g, ErrorCode::kGroupReInitialized,
                                [&] { g.process(over_the_wire(external.commit)); }));
  EXPECT_TRUE(rejects_unchanged(g, ErrorCode::kGroupReInitialized,
                                [&] { Group::branch(g, alice.identity, {}); }));
  EXPECT_TRUE(Group::deserialize(provider, g.serialize().view()) == g);
  EXPECT_EQ(std::get<ApplicationMessage>(c->process(over_the_wire(late))).data,
            to_bytes("sent before the ReInit"));
  EXPECT_EQ(a->epoch_authenticator(), b->epoch_authenticator());
  EXPECT_EQ(a->epoch_authenticator(), c->epoch_authenticator());
}

// §11.2: "The version, cipher_suite, group_id, and extensions fields of the GroupContext object
// in the Welcome message MUST be the same as the corresponding fields in the ReInit proposal."
// A creator that builds the new group from another ReInit (its state altered) makes a Welcome
// that is genuine in every other respect; the joiners refuse it, their old group unchanged.
TEST_P(ReInit, Rfc11_2_WelcomeMustMatchTheReInit) {
  const wire::ReInit reinit = make_reinit(next.id());
  end_group(reinit);

  struct Case {
    std::string name;
    wire::ReInit lie;
    ErrorCode code;
  };
  wire::ReInit other_suite_reinit = reinit;
  other_suite_reinit.cipher_suite = other_suite(suite.id(), 2);
  wire::ReInit other_id = reinit;
  other_id.group_id = suite.random(suite.hash_len());
  wire::ReInit other_extensions = reinit;
  other_extensions.extensions.clear();
  const std::vector<Case> cases{
      {"cipher suite", other_suite_reinit, ErrorCode::kReInitCipherSuiteMismatch},
      {"group_id", other_id, ErrorCode::kReInitGroupIdMismatch},
      {"extensions", other_extensions, ErrorCode::kReInitExtensionsMismatch},
  };
  for (const Case& k : cases) {
    SCOPED_TRACE(k.name);
    const crypto::Suite built(provider, k.lie.cipher_suite);
    const NewClient carol2 = in_suite(built, carol);
    const NewClient bob2 = in_suite(built, bob);
    const Group liar = with_reinit(*c, k.lie);
    const ResumedGroup made = Group::reinit(liar, carol2.identity, {bob2.key_package.key_package});
    EXPECT_TRUE(rejects_unchanged(*b, k.code, [&] {
      Group::join_resumed(*b, bob2.identity, bob2.key_package, over_the_wire(made.welcome));
    }));
  }

  // The genuine one is accepted.
  const NewClient carol2 = in_suite(next, carol);
  const NewClient bob2 = in_suite(next, bob);
  const ResumedGroup made = Group::reinit(*c, carol2.identity, {bob2.key_package.key_package});
  const Group b2 = Group::join_resumed(*b, bob2.identity, bob2.key_package, made.welcome);
  EXPECT_EQ(b2.epoch_authenticator(), made.group.epoch_authenticator());
}

// §11.2: the new group's version "MUST be the same as" the ReInit's. A ReInit to a later
// version (§12.1.5 forbids only a lower one) ends the group, though Group::reinit makes only
// mls10 groups; Carol, her state altered to claim a ReInit to mls10, makes one anyway, and
// Bob, who holds the real ReInit, refuses it.
TEST_P(ReInit, Rfc11_2_WelcomeMustMatchTheReInitVersion) {
  wire::ReInit later = make_reinit(next.id());
  later.version = static_cast<wire::ProtocolVersion>(2);
  end_group(later);
  const NewClient carol_next = in_suite(next, carol);
  const NewClient bob_next = in_suite(next, bob);
  EXPECT_TRUE(rejects_unchanged(*c, ErrorCode::kUnsupportedProtocolVersion, [&] {
    Group::reinit(*c, carol_next.identity, {bob_next.key_package.key_package});
  }));
  wire::ReInit lie = later;
  lie.version = wire::ProtocolVersion::kMls10;
  const ResumedGroup lied =
      Group::reinit(with_reinit(*c, lie), carol_next.identity, {bob_next.key_package.key_package});
  EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kReInitVersionMismatch, [&] {
    Group::join_resumed(*b, bob_next.identity, bob_next.key_package, over_the_wire(lied.welcome));
  }));
}

// §11.2: the reinit PSK links the new group to the old one: a plain join() does not have it
// (kPskNotFound), a group that no ReInit ended cannot be the old group of a reinit Welcome, and
// join_resumed() refuses a Welcome that resumes nothing.
TEST_P(ReInit, Rfc11_2_ReinitPskNeedsTheEndedOldGroup) {
  const Group before_reinit = *b;
  end_group(make_reinit(next.id()));
  const NewClient carol2 = in_suite(next, carol);
  const NewClient bob2 = in_suite(next, bob);
  const ResumedGroup made = Group::reinit(*c, carol2.identity, {bob2.key_package.key_package});
  EXPECT_TRUE(rejects(ErrorCode::kPskNotFound, [&] {
    Group::join(provider, bob2.identity, bob2.key_package, over_the_wire(made.welcome),
                std::nullopt, {}, accept_any_policy());
  }));
  EXPECT_TRUE(rejects_unchanged(before_reinit, ErrorCode::kPskNotFound, [&] {
    Group::join_resumed(before_reinit, bob2.identity, bob2.key_package, made.welcome);
  }));
  // A regular Welcome (no reinit or branch PSK) given to join_resumed.
  const Client dave = make_client(suite, "dave");
  Group fresh = Group::create(provider, dave.identity, {}, accept_any_policy());
  const Client erin = make_client(suite, "erin");
  CommitOptions add;
  add.add = {erin.key_package.key_package};
  const auto out = fresh.commit(add);
  EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kResumptionPskInvalid, [&] {
    Group::join_resumed(*b, erin.identity, erin.key_package, *out.welcome);
  }));
  const Group b2 = Group::join_resumed(*b, bob2.identity, bob2.key_package, made.welcome);
  EXPECT_EQ(b2.epoch_authenticator(), made.group.epoch_authenticator());
}

// §11.2: "The epoch in the Welcome message MUST be 1." Carol's reinit Welcome with its
// GroupContext at epoch 0 or 2, genuine otherwise (tag and signature made again).
TEST_P(ReInit, Rfc11_2_ReinitWelcomeEpochMustBeOne) {
  reinit_by_carol();
  for (const uint64_t epoch : {uint64_t{0}, uint64_t{2}}) {
    SCOPED_TRACE(epoch);
    const auto welcome = edited([&](OpenedWelcome& w) { w.info.group_context.epoch = epoch; });
    EXPECT_TRUE(
        rejects_unchanged(*b, ErrorCode::kResumptionEpochInvalid, [&] { join_bob(welcome); }));
  }
  expect_resealed_accepted();
}

// §11.2: "The Welcome message MUST specify a PreSharedKeyID of type resumption with usage
// reinit": one, the link to the old group. A second reinit PSK (another nonce) or a branch PSK
// of the same old epoch beside it is refused, though Bob holds both PSKs; a resumption PSK of
// usage application beside it (§8.6) is no second link and is accepted.
TEST_P(ReInit, Rfc11_2_ReinitWelcomeNamesExactlyOneLinkPsk) {
  reinit_by_carol();
  const auto second = [&](wire::ResumptionPskUsage usage) {
    return [this, usage](OpenedWelcome& w) {
      const wire::PreSharedKeyId& link = link_of(w.secrets.psks);
      w.secrets.psks.push_back(wire::PreSharedKeyId::resumption(
          usage, link.psk_group_id, link.psk_epoch, next.random(next.hash_len())));
    };
  };
  EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kResumptionPskInvalid, [&] {
    join_bob(edited(second(wire::ResumptionPskUsage::kReinit)));
  }));
  EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kResumptionPskInvalid, [&] {
    join_bob(edited(second(wire::ResumptionPskUsage::kBranch)));
  }));
  const Group b2 = join_bob(edited(second(wire::ResumptionPskUsage::kApplication)));
  EXPECT_EQ(b2.epoch(), 1u);
  expect_resealed_accepted();
}

// §11.2: the reinit PSK's "epoch field indicates the epoch after the Commit covering the
// ReInit". One naming the epoch before, whose resumption PSK Bob still holds (§8.6), is
// refused.
TEST_P(ReInit, Rfc11_2_ReinitPskMustNameTheEpochAfterTheReInit) {
  reinit_by_carol();
  const uint64_t before = b->epoch() - 1;
  ASSERT_TRUE(b->resumption_psk(before).has_value());
  EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kResumptionPskInvalid, [&] {
    join_bob(edited([&](OpenedWelcome& w) { link_of(w.secrets.psks).psk_epoch = before; }));
  }));
  expect_resealed_accepted();
}

// §11.2: the reinit PSK's "group_id field matches the old group". One naming another group is
// refused, but as kPskNotFound: join_resumed takes resumption PSKs only from the old group it
// is given (§8.4), so the Welcome cannot be opened and check_resumption's comparison of the
// link's group_id with the old group's is never reached. The earlier check is tested.
TEST_P(ReInit, Rfc11_2_ReinitPskNamingAnotherGroupIsNotFound) {
  reinit_by_carol();
  EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kPskNotFound, [&] {
    join_bob(edited([&](OpenedWelcome& w) {
      link_of(w.secrets.psks).psk_group_id = suite.random(suite.hash_len());
    }));
  }));
  expect_resealed_accepted();
}

// §11.2: a reinit PSK links a new group to a group that a ReInit ended. Carol's branch Welcome
// (§11.3) with its link's usage changed to reinit names a group no ReInit ended: refused, though
// Bob holds that epoch's PSK.
TEST_P(ReInit, Rfc11_2_ReinitPskOfAGroupNoReInitEnded) {
  const KeyPackageBundle bob_kp = another_key_package(suite, bob);
  const ResumedGroup branched = Group::branch(*c, carol.identity, {bob_kp.key_package});
  const auto as_reinit = edit_welcome(
      suite, branched.welcome, bob_kp, resumption_psks_of(*c),
      carol.identity.signature_private_key.view(),
      [](OpenedWelcome& w) { link_of(w.secrets.psks).usage = wire::ResumptionPskUsage::kReinit; });
  EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kResumptionPskInvalid,
                                [&] { Group::join_resumed(*b, bob.identity, bob_kp, as_reinit); }));
  const Group b2 = Group::join_resumed(*b, bob.identity, bob_kp, branched.welcome);
  EXPECT_EQ(b2.epoch_authenticator(), branched.group.epoch_authenticator());
}

INSTANTIATE_TEST_SUITE_P(AllSuites, ReInit, ::testing::Range<uint16_t>(1, 8), suite_name);

}  // namespace
}  // namespace conclave::group_testing
