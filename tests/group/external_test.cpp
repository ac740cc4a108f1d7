// Joining by external commit (RFC 9420 §12.4.3.2), resync, and proposals from outside the group
// (§12.1.8): external senders and new members adding themselves. Every end-to-end test ends with
// all members agreeing on the epoch authenticator; every rejection leaves the group unchanged.
#include <gtest/gtest.h>

#include "conclave/schedule/detail/welcome.h"
#include "negative_test_util.h"

namespace conclave::group_testing {
namespace {

std::string text(const ProcessResult& r) {
  const auto& m = std::get<ApplicationMessage>(r);
  return std::string(m.data.begin(), m.data.end());
}

class ExternalTest : public ::testing::TestWithParam<uint16_t> {
 protected:
  std::shared_ptr<const crypto::CryptoProvider> provider = crypto::openssl_provider();
  crypto::Suite suite{provider, GetParam()};
  Client alice = make_client(suite, "alice");
  Client bob = make_client(suite, "bob");

  // A policy that knows one external PSK (§8.4), `id`, whose value is Nh bytes of 0x42.
  GroupPolicy policy_with_external_psk(const Bytes& id) const {
    GroupPolicy policy = accept_any_policy();
    policy.external_psk =
        [id, length = suite.hash_len()](BytesView asked) -> std::optional<SecretBytes> {
      if (to_bytes(asked) == id) return SecretBytes(Bytes(length, 0x42));
      return std::nullopt;
    };
    return policy;
  }

  // Alice and Bob, joined by Welcome; `extensions` are the group's.
  std::pair<Group, Group> two_members(const wire::ExtensionList& extensions = {},
                                      GroupConfig config = {},
                                      GroupPolicy policy = accept_any_policy()) {
    CreateOptions create;
    create.extensions = extensions;
    create.config = config;
    Group a = Group::create(provider, alice.identity, create, policy);
    CommitOptions add;
    add.add = {bob.key_package.key_package};
    auto out = a.commit(add);
    a.merge_pending_commit();
    Group b =
        Group::join(provider, bob.identity, bob.key_package, *out.welcome, {}, config, policy);
    return {std::move(a), std::move(b)};
  }

  // Every member processes `commit` and merges it.
  static void deliver(const wire::MlsMessage& commit, std::initializer_list<Group*> members) {
    for (Group* g : members)
      g->merge(std::get<StagedCommit>(g->process(over_the_wire(commit))));
  }

  static void expect_agree(std::initializer_list<const Group*> members) {
    const Group* first = *members.begin();
    for (const Group* g : members) {
      EXPECT_EQ(g->epoch(), first->epoch());
      EXPECT_EQ(g->epoch_authenticator(), first->epoch_authenticator());
      EXPECT_EQ(g->tree().tree_hash(), first->tree().tree_hash());
    }
  }

  // `message` (a PublicMessage) with its content changed by `edit` and signed again with `key`
  // over `context`: what a sender holding that key could have sent.
  wire::MlsMessage resigned(const wire::MlsMessage& message, BytesView key,
                            const wire::GroupContext& context,
                            const std::function<void(wire::FramedContent&)>& edit) const {
    auto pub = *over_the_wire(message).get<wire::PublicMessage>();
    edit(pub.content);
    pub.auth.signature = schedule::sign_framed_content(suite, wire::WireFormat::kPublicMessage,
                                                       pub.content, key, context);
    return wire::MlsMessage{pub};
  }
};

// §12.4.3.2: a client with the GroupInfo (tree included) commits itself into the group; every
// member reaches the same epoch and messages flow both ways.
TEST_P(ExternalTest, Rfc12_4_3_2_ExternalJoin) {
  // Named, not a structured binding: clang 14 cannot capture those in lambdas.
  auto members = two_members();
  [[maybe_unused]] Group& a = members.first;
  [[maybe_unused]] Group& b = members.second;
  Client carol = make_client(suite, "carol");
  ExternalJoin joined =
      Group::join_external(provider, carol.identity, a.group_info(), {}, accept_any_policy());
  Group& c = joined.group;
  EXPECT_EQ(c.epoch(), a.epoch() + 1);
  deliver(joined.commit, {&a, &b});
  expect_agree({&a, &b, &c});
  EXPECT_EQ(a.members().size(), 3u);
  EXPECT_EQ(text(a.process(c.protect(as_bytes("carol here")))), "carol here");
  EXPECT_EQ(text(c.process(b.protect(as_bytes("hi carol")))), "hi carol");

  // The new member commits like any other afterwards.
  auto next = c.commit();
  c.merge_pending_commit();
  deliver(next.commit, {&a, &b});
  expect_agree({&a, &b, &c});
}

// §12.4.3.2: the tree may come out of band; the staged commit says it is external.
TEST_P(ExternalTest, Rfc12_4_3_2_ExternalJoinWithTreeOutOfBand) {
  GroupConfig config;
  config.handshake_format = HandshakeFormat::kPublic;
  // Named, not a structured binding: clang 14 cannot capture those in lambdas.
  auto members = two_members({}, config);
  [[maybe_unused]] Group& a = members.first;
  [[maybe_unused]] Group& b = members.second;
  Client carol = make_client(suite, "carol");
  ExternalJoinOptions options;
  options.ratchet_tree = a.tree().to_nodes();
  options.config = config;
  EXPECT_TRUE(rejects(ErrorCode::kMissingRatchetTree, [&] {
    Group::join_external(provider, carol.identity, a.group_info(false), {}, accept_any_policy());
  }));
  ExternalJoin joined = Group::join_external(provider, carol.identity, a.group_info(false), options,
                                             accept_any_policy());
  auto staged = std::get<StagedCommit>(b.process(joined.commit));
  EXPECT_TRUE(staged.external());
  EXPECT_EQ(staged.committer(), joined.group.own_leaf());
  b.merge(std::move(staged));
  deliver(joined.commit, {&a});
  expect_agree({&a, &b, &joined.group});
}

// §12.4.3.2 "resync": a member replaces its own leaf by an external commit that removes it.
TEST_P(ExternalTest, Rfc12_4_3_2_ExternalResync) {
  // Named, not a structured binding: clang 14 cannot capture those in lambdas.
  auto members = two_members();
  [[maybe_unused]] Group& a = members.first;
  [[maybe_unused]] Group& b = members.second;
  ExternalJoinOptions options;
  options.remove_leaf = b.own_leaf();
  ExternalJoin rejoined =
      Group::join_external(provider, bob.identity, a.group_info(), options, accept_any_policy());
  auto staged = std::get<StagedCommit>(a.process(rejoined.commit));
  ASSERT_EQ(staged.removed().size(), 1u);
  EXPECT_EQ(staged.removed()[0].leaf, b.own_leaf());
  a.merge(std::move(staged));
  auto old_view = std::get<StagedCommit>(b.process(rejoined.commit));
  EXPECT_TRUE(old_view.removes_me());
  expect_agree({&a, &rejoined.group});
  EXPECT_EQ(a.members().size(), 2u);
  EXPECT_EQ(text(a.process(rejoined.group.protect(as_bytes("back")))), "back");
}

// §12.4.3.2 with §8.4: an external commit may carry PreSharedKey proposals.
TEST_P(ExternalTest, Rfc12_4_3_2_ExternalJoinWithExternalPsk) {
  const Bytes psk_id = to_bytes("shared-psk");
  const GroupPolicy policy = policy_with_external_psk(psk_id);
  // Named, not a structured binding: clang 14 cannot capture those in lambdas.
  auto members = two_members({}, {}, policy);
  [[maybe_unused]] Group& a = members.first;
  [[maybe_unused]] Group& b = members.second;
  Client carol = make_client(suite, "carol");
  ExternalJoinOptions options;
  wire::PreSharedKeyId id;
  id.psktype = wire::PskType::kExternal;
  id.psk_id = psk_id;
  id.psk_nonce = suite.random(suite.hash_len());
  options.psks = {id};
  ExternalJoin joined =
      Group::join_external(provider, carol.identity, a.group_info(), options, policy);
  // A member without the PSK cannot follow (§12.4.2).
  Group no_psk = b;
  no_psk.set_policy(accept_any_policy());
  EXPECT_TRUE(rejects_unchanged(no_psk, ErrorCode::kPskNotFound,
                                [&] { no_psk.process(over_the_wire(joined.commit)); }));
  deliver(joined.commit, {&a, &b});
  expect_agree({&a, &b, &joined.group});
}

// §8.4: "the psk_nonce ... MUST be set to a fresh random value of length KDF.Nh"; as commit()
// does, join_external fills an empty nonce (ExternalJoinOptions::psks), so members accept it.
TEST_P(ExternalTest, Rfc8_4_ExternalJoinFillsAnEmptyPskNonce) {
  const Bytes psk_id = to_bytes("shared-psk");
  const GroupPolicy policy = policy_with_external_psk(psk_id);
  auto members = two_members({}, {}, policy);
  [[maybe_unused]] Group& a = members.first;
  [[maybe_unused]] Group& b = members.second;
  Client carol = make_client(suite, "carol");
  ExternalJoinOptions options;
  options.psks = {wire::PreSharedKeyId::external(psk_id, {})};
  ExternalJoin joined =
      Group::join_external(provider, carol.identity, a.group_info(), options, policy);
  auto staged = std::get<StagedCommit>(a.process(over_the_wire(joined.commit)));
  ASSERT_EQ(staged.psks().size(), 1u);
  EXPECT_EQ(staged.psks()[0].psk_nonce.size(), suite.hash_len());
  a.merge(std::move(staged));
  deliver(joined.commit, {&b});
  expect_agree({&a, &b, &joined.group});
}

// §12.1.8: a sender listed in external_senders proposes an Add and a Remove; members commit
// them by reference.
TEST_P(ExternalTest, Rfc12_1_8_ExternalSenderAddAndRemove) {
  const Identity server = Identity::generate(suite, basic_credential("server"));
  const auto ext = external_senders_extension(
      {wire::ExternalSender{server.signature_public_key, server.credential}});
  // Named, not a structured binding: clang 14 cannot capture those in lambdas.
  auto members = two_members({ext});
  [[maybe_unused]] Group& a = members.first;
  [[maybe_unused]] Group& b = members.second;
  Client dave = make_client(suite, "dave");

  auto add =
      external_proposal(suite, a.group_id(), a.epoch(), 0, server.signature_private_key.view(),
                        wire::Proposal{wire::Add{dave.key_package.key_package}});
  const auto received = std::get<ReceivedProposal>(a.process(over_the_wire(add)));
  EXPECT_EQ(received.sender, wire::Sender::external(0));
  std::get<ReceivedProposal>(b.process(over_the_wire(add)));
  auto out = a.commit();
  a.merge_pending_commit();
  deliver(out.commit, {&b});
  ASSERT_TRUE(out.welcome);
  Group d = Group::join(provider, dave.identity, dave.key_package, *out.welcome, std::nullopt, {},
                        accept_any_policy());
  expect_agree({&a, &b, &d});

  auto remove =
      external_proposal(suite, a.group_id(), a.epoch(), 0, server.signature_private_key.view(),
                        wire::Proposal{wire::Remove{b.own_leaf().value}});
  for (Group* g : {&a, &b, &d})
    std::get<ReceivedProposal>(g->process(over_the_wire(remove)));
  auto out2 = d.commit();
  d.merge_pending_commit();
  deliver(out2.commit, {&a});
  EXPECT_TRUE(std::get<StagedCommit>(b.process(out2.commit)).removes_me());
  expect_agree({&a, &d});
  EXPECT_EQ(a.members().size(), 2u);
}

// §12.1.8: a new member proposes its own Add (sender type new_member_proposal).
TEST_P(ExternalTest, Rfc12_1_8_NewMemberProposal) {
  // Named, not a structured binding: clang 14 cannot capture those in lambdas.
  auto members = two_members();
  [[maybe_unused]] Group& a = members.first;
  [[maybe_unused]] Group& b = members.second;
  Client dave = make_client(suite, "dave");
  auto proposal = new_member_proposal(suite, a.group_id(), a.epoch(), dave.key_package.key_package,
                                      dave.identity.signature_private_key.view());
  for (Group* g : {&a, &b}) {
    const auto r = std::get<ReceivedProposal>(g->process(over_the_wire(proposal)));
    EXPECT_EQ(r.sender, wire::Sender::new_member_proposal());
  }
  auto out = b.commit();
  b.merge_pending_commit();
  deliver(out.commit, {&a});
  Group d = Group::join(provider, dave.identity, dave.key_package, *out.welcome, std::nullopt, {},
                        accept_any_policy());
  expect_agree({&a, &b, &d});
}

// --- rejections ----------------------------------------------------------------------------------

// §12.1.8: the sender index must name an entry of external_senders, and the group must have the
// extension at all.
TEST_P(ExternalTest, Rfc12_1_8_UnknownExternalSenderRejected) {
  const Identity server = Identity::generate(suite, basic_credential("server"));
  const Identity stranger = Identity::generate(suite, basic_credential("stranger"));
  Client dave = make_client(suite, "dave");
  {
    // Named, not a structured binding: clang 14 cannot capture those in lambdas.
    auto members = two_members();  // no external_senders extension
    [[maybe_unused]] Group& a = members.first;
    [[maybe_unused]] Group& b = members.second;
    auto add =
        external_proposal(suite, a.group_id(), a.epoch(), 0, server.signature_private_key.view(),
                          wire::Proposal{wire::Add{dave.key_package.key_package}});
    EXPECT_TRUE(rejects_unchanged(a, ErrorCode::kExternalSenderUnknown,
                                  [&] { a.process(over_the_wire(add)); }));
  }
  const auto ext = external_senders_extension(
      {wire::ExternalSender{server.signature_public_key, server.credential}});
  // Named, not a structured binding: clang 14 cannot capture those in lambdas.
  auto members = two_members({ext});
  [[maybe_unused]] Group& a = members.first;
  [[maybe_unused]] Group& b = members.second;
  auto out_of_range =
      external_proposal(suite, a.group_id(), a.epoch(), 1, server.signature_private_key.view(),
                        wire::Proposal{wire::Add{dave.key_package.key_package}});
  EXPECT_TRUE(rejects_unchanged(a, ErrorCode::kExternalSenderUnknown,
                                [&] { a.process(over_the_wire(out_of_range)); }));
  // Index 0 exists, but the message is not signed by its key.
  auto forged =
      external_proposal(suite, a.group_id(), a.epoch(), 0, stranger.signature_private_key.view(),
                        wire::Proposal{wire::Add{dave.key_package.key_package}});
  EXPECT_TRUE(rejects_unchanged(a, ErrorCode::kInvalidSignature,
                                [&] { a.process(over_the_wire(forged)); }));
}

// §12.1.8: an external sender may not send Update (or any type outside its list), nor commit;
// a new_member_proposal sender may only Add itself.
TEST_P(ExternalTest, Rfc12_1_8_SenderTypeRulesEnforced) {
  const Identity server = Identity::generate(suite, basic_credential("server"));
  const auto ext = external_senders_extension(
      {wire::ExternalSender{server.signature_public_key, server.credential}});
  // Named, not a structured binding: clang 14 cannot capture those in lambdas.
  auto members = two_members({ext});
  [[maybe_unused]] Group& a = members.first;
  [[maybe_unused]] Group& b = members.second;
  Client dave = make_client(suite, "dave");
  EXPECT_TRUE(rejects(ErrorCode::kSenderNotAllowed, [&] {
    external_proposal(suite, a.group_id(), a.epoch(), 0, server.signature_private_key.view(),
                      wire::Proposal{wire::Update{dave.key_package.key_package.leaf_node}});
  }));
  auto add =
      external_proposal(suite, a.group_id(), a.epoch(), 0, server.signature_private_key.view(),
                        wire::Proposal{wire::Add{dave.key_package.key_package}});
  const wire::GroupContext ctx = a.context();
  auto as_update =
      resigned(add, server.signature_private_key.view(), ctx, [&](wire::FramedContent& fc) {
        fc.content = wire::Proposal{wire::Update{dave.key_package.key_package.leaf_node}};
      });
  EXPECT_TRUE(rejects_unchanged(a, ErrorCode::kSenderNotAllowed, [&] { a.process(as_update); }));
  auto as_commit = resigned(add, server.signature_private_key.view(), ctx,
                            [&](wire::FramedContent& fc) { fc.content = wire::Commit{}; });
  std::get<wire::PublicMessage>(as_commit.body).auth.confirmation_tag = Bytes(suite.hash_len(), 1);
  EXPECT_TRUE(rejects_unchanged(a, ErrorCode::kSenderNotAllowed, [&] { a.process(as_commit); }));

  auto self_add = new_member_proposal(suite, a.group_id(), a.epoch(), dave.key_package.key_package,
                                      dave.identity.signature_private_key.view());
  auto remove =
      resigned(self_add, dave.identity.signature_private_key.view(), ctx,
               [&](wire::FramedContent& fc) { fc.content = wire::Proposal{wire::Remove{1}}; });
  EXPECT_TRUE(rejects_unchanged(a, ErrorCode::kSenderNotAllowed, [&] { a.process(remove); }));
}

// §12.4.3.2 / §12.2: an external commit has a path, exactly one ExternalInit, at most one
// Remove, only ExternalInit/Remove/PreSharedKey, and nothing by reference.
TEST_P(ExternalTest, Rfc12_2_ExternalCommitRulesEnforced) {
  // Named, not a structured binding: clang 14 cannot capture those in lambdas.
  auto members = two_members();
  [[maybe_unused]] Group& a = members.first;
  [[maybe_unused]] Group& b = members.second;
  Client carol = make_client(suite, "carol");
  Client dave = make_client(suite, "dave");
  ExternalJoin joined =
      Group::join_external(provider, carol.identity, a.group_info(), {}, accept_any_policy());
  const wire::GroupContext ctx = a.context();
  const BytesView key = carol.identity.signature_private_key.view();
  const auto commit_of = [](wire::FramedContent& fc) -> wire::Commit& {
    return std::get<wire::Commit>(fc.content);
  };

  auto no_path = resigned(joined.commit, key, ctx,
                          [&](wire::FramedContent& fc) { commit_of(fc).path.reset(); });
  EXPECT_TRUE(rejects_unchanged(a, ErrorCode::kPathRequired, [&] { a.process(no_path); }));

  auto two_inits = resigned(joined.commit, key, ctx, [&](wire::FramedContent& fc) {
    auto& c = commit_of(fc);
    c.proposals.push_back(c.proposals.front());
  });
  EXPECT_TRUE(
      rejects_unchanged(a, ErrorCode::kExternalCommitInvalid, [&] { a.process(two_inits); }));

  auto no_init = resigned(joined.commit, key, ctx, [&](wire::FramedContent& fc) {
    commit_of(fc).proposals.clear();
    commit_of(fc).proposals.push_back(wire::ProposalOrRef{wire::Proposal{wire::Remove{1}}});
  });
  EXPECT_TRUE(rejects_unchanged(a, ErrorCode::kExternalCommitInvalid, [&] { a.process(no_init); }));

  auto with_add = resigned(joined.commit, key, ctx, [&](wire::FramedContent& fc) {
    commit_of(fc).proposals.push_back(
        wire::ProposalOrRef{wire::Proposal{wire::Add{dave.key_package.key_package}}});
  });
  EXPECT_TRUE(
      rejects_unchanged(a, ErrorCode::kExternalCommitInvalid, [&] { a.process(with_add); }));

  auto two_removes = resigned(joined.commit, key, ctx, [&](wire::FramedContent& fc) {
    commit_of(fc).proposals.push_back(wire::ProposalOrRef{wire::Proposal{wire::Remove{0}}});
    commit_of(fc).proposals.push_back(wire::ProposalOrRef{wire::Proposal{wire::Remove{1}}});
  });
  EXPECT_TRUE(
      rejects_unchanged(a, ErrorCode::kExternalCommitInvalid, [&] { a.process(two_removes); }));

  // A proposal Alice holds, included by reference.
  auto update = b.propose_update();
  std::get<ReceivedProposal>(a.process(update));
  const Bytes ref = std::get<ReceivedProposal>(b.process(update)).ref;
  auto by_ref = resigned(joined.commit, key, a.context(), [&](wire::FramedContent& fc) {
    commit_of(fc).proposals.push_back(wire::ProposalOrRef{ref});
  });
  EXPECT_TRUE(rejects_unchanged(a, ErrorCode::kExternalCommitInvalid, [&] { a.process(by_ref); }));

  // (ExternalInit inside a member's commit: group_negative_proposal_list_test.)
  // The genuine commit still goes through after all that.
  deliver(joined.commit, {&b});
}

// §12.2: a resync removes an old appearance of the same client, not someone else.
TEST_P(ExternalTest, Rfc12_2_ResyncOfAnotherClientRejected) {
  // Named, not a structured binding: clang 14 cannot capture those in lambdas.
  auto members = two_members();
  [[maybe_unused]] Group& a = members.first;
  [[maybe_unused]] Group& b = members.second;
  Client carol = make_client(suite, "carol");
  ExternalJoinOptions options;
  options.remove_leaf = b.own_leaf();
  ExternalJoin hijack =
      Group::join_external(provider, carol.identity, a.group_info(), options, accept_any_policy());
  EXPECT_TRUE(rejects_unchanged(a, ErrorCode::kExternalCommitInvalid,
                                [&] { a.process(over_the_wire(hijack.commit)); }));
  // An application may judge identities itself.
  GroupPolicy lenient = accept_any_policy();
  lenient.same_client = [](const wire::Credential&, const wire::Credential&) { return true; };
  a.set_policy(lenient);
  a.merge(std::get<StagedCommit>(a.process(over_the_wire(hijack.commit))));
  expect_agree({&a, &hijack.group});
}

// §12.4.3.2: joining needs the external_pub extension; the GroupInfo must verify.
TEST_P(ExternalTest, Rfc12_4_3_2_GroupInfoChecked) {
  // Named, not a structured binding: clang 14 cannot capture those in lambdas.
  auto members = two_members();
  [[maybe_unused]] Group& a = members.first;
  [[maybe_unused]] Group& b = members.second;
  Client carol = make_client(suite, "carol");
  auto info = *a.group_info().get<wire::GroupInfo>();
  auto no_pub = info;
  std::erase_if(no_pub.extensions, [](const wire::Extension& e) {
    return e.extension_type == wire::ExtensionType::kExternalPub;
  });
  schedule::sign_group_info(suite, no_pub, alice.identity.signature_private_key.view());
  EXPECT_TRUE(rejects(ErrorCode::kGroupInfoInvalid, [&] {
    Group::join_external(provider, carol.identity, wire::MlsMessage{no_pub}, {},
                         accept_any_policy());
  }));
  auto bad_sig = info;
  bad_sig.signature.back() ^= 1;
  EXPECT_TRUE(rejects(ErrorCode::kInvalidSignature, [&] {
    Group::join_external(provider, carol.identity, wire::MlsMessage{bad_sig}, {},
                         accept_any_policy());
  }));
}

INSTANTIATE_TEST_SUITE_P(AllSuites, ExternalTest, ::testing::Range<uint16_t>(1, 8), suite_name);

}  // namespace
}  // namespace conclave::group_testing
