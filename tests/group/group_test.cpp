// The group lifecycle of RFC 9420 §11-§12: create, add by Welcome, messages, update, remove.
#include "conclave/group/group.h"

#include <gtest/gtest.h>

#include <type_traits>
#include <utility>

#include "conclave/base/error.h"
#include "conclave/codec/codec.h"
#include "conclave/crypto/openssl_provider.h"
#include "support/accept_any_policy.h"
#include "support/error_of.h"

namespace conclave {
namespace {

struct Client {
  Identity identity;
  KeyPackageBundle key_package;
};

Client make_client(const crypto::Suite& suite, const std::string& name) {
  Identity id = Identity::generate(suite, basic_credential(name));
  KeyPackageBundle kp = create_key_package(suite, id, unix_time_now());
  return Client{std::move(id), std::move(kp)};
}

std::string text(const ApplicationMessage& m) {
  return std::string(m.data.begin(), m.data.end());
}

using conclave::testing::accept_any_policy;
using conclave::testing::error_of;

class GroupLifecycle : public ::testing::TestWithParam<uint16_t> {
 protected:
  std::shared_ptr<const crypto::CryptoProvider> provider = crypto::openssl_provider();
  crypto::Suite suite{provider, GetParam()};
};

TEST_P(GroupLifecycle, CreateAddMessageUpdateRemove) {
  Client alice = make_client(suite, "alice");
  Client bob = make_client(suite, "bob");
  Client carol = make_client(suite, "carol");

  Group a = Group::create(provider, alice.identity, {}, accept_any_policy());
  EXPECT_EQ(a.epoch(), 0u);

  // Alice adds Bob and Carol in one commit (§12.1.1, §12.4).
  CommitOptions add;
  add.add = {bob.key_package.key_package, carol.key_package.key_package};
  CommitOutput out = a.commit(add);
  ASSERT_TRUE(out.welcome.has_value());
  EXPECT_EQ(a.epoch(), 0u);  // nothing changes until the commit is merged
  a.merge_pending_commit();
  EXPECT_EQ(a.epoch(), 1u);

  Group b = Group::join(provider, bob.identity, bob.key_package, *out.welcome, std::nullopt, {},
                        accept_any_policy());
  Group c = Group::join(provider, carol.identity, carol.key_package, *out.welcome, std::nullopt, {},
                        accept_any_policy());
  EXPECT_EQ(b.epoch(), 1u);
  EXPECT_EQ(a.epoch_authenticator(), b.epoch_authenticator());
  EXPECT_EQ(a.epoch_authenticator(), c.epoch_authenticator());
  EXPECT_EQ(b.members().size(), 3u);

  // Application messages both ways (§6.3).
  auto m1 = a.protect(as_bytes("hello from alice"));
  EXPECT_EQ(text(std::get<ApplicationMessage>(b.process(m1))), "hello from alice");
  EXPECT_EQ(text(std::get<ApplicationMessage>(c.process(m1))), "hello from alice");
  auto m2 = b.protect(as_bytes("hi alice"), as_bytes("aad"));
  const auto got = std::get<ApplicationMessage>(a.process(m2));
  EXPECT_EQ(text(got), "hi alice");
  EXPECT_EQ(got.sender, b.own_leaf());
  EXPECT_EQ(got.authenticated_data, to_bytes("aad"));

  // Bob proposes an Update; Carol commits it by reference (§12.1.2, §12.4).
  auto update = b.propose_update();
  std::get<ReceivedProposal>(a.process(update));
  std::get<ReceivedProposal>(c.process(update));
  std::get<ReceivedProposal>(b.process(update));  // the echo of Bob's own proposal
  CommitOutput upd = c.commit();
  for (Group* g : {&a, &b}) {
    auto staged = std::get<StagedCommit>(g->process(upd.commit));
    EXPECT_EQ(staged.updated().size(), 1u);
    g->merge(std::move(staged));
  }
  c.merge(std::get<StagedCommit>(c.process(upd.commit)));  // the echo of Carol's own commit
  EXPECT_EQ(a.epoch(), 2u);
  EXPECT_EQ(a.epoch_authenticator(), b.epoch_authenticator());
  EXPECT_EQ(a.epoch_authenticator(), c.epoch_authenticator());

  // Bob removes Carol (§12.1.3); Carol learns she is out.
  CommitOptions remove;
  remove.remove = {c.own_leaf()};
  CommitOutput rem = b.commit(remove);
  b.merge_pending_commit();
  a.merge(std::get<StagedCommit>(a.process(rem.commit)));
  auto carol_view = std::get<StagedCommit>(c.process(rem.commit));
  EXPECT_TRUE(carol_view.removes_me());
  c.merge(std::move(carol_view));
  EXPECT_FALSE(c.active());
  EXPECT_EQ(a.epoch_authenticator(), b.epoch_authenticator());
  EXPECT_EQ(a.members().size(), 2u);
  EXPECT_EQ(error_of([&] { c.protect(as_bytes("x")); }), ErrorCode::kNotAMember);

  // Messages still flow in the new epoch.
  auto m3 = a.protect(as_bytes("just us"));
  EXPECT_EQ(text(std::get<ApplicationMessage>(b.process(m3))), "just us");
}

// §12.2: of two Updates for one leaf, the committer SHOULD prefer the most recent.
TEST_P(GroupLifecycle, Rfc12_2_CommitPrefersTheMostRecentUpdate) {
  Client alice = make_client(suite, "alice");
  Client bob = make_client(suite, "bob");
  Group a = Group::create(provider, alice.identity, {}, accept_any_policy());
  CommitOptions add;
  add.add = {bob.key_package.key_package};
  auto out = a.commit(add);
  a.merge_pending_commit();
  Group b = Group::join(provider, bob.identity, bob.key_package, *out.welcome, std::nullopt, {},
                        accept_any_policy());

  auto first = b.propose_update();
  auto second = b.propose_update();
  std::get<ReceivedProposal>(a.process(first));
  const auto newest = std::get<ReceivedProposal>(a.process(second));
  auto commit = a.commit();
  a.merge_pending_commit();
  b.merge(std::get<StagedCommit>(b.process(commit.commit)));
  const auto& update = std::get<wire::Update>(newest.proposal.content);
  EXPECT_EQ(a.tree().leaf(b.own_leaf())->encryption_key, update.leaf_node.encryption_key);
  EXPECT_EQ(a.epoch_authenticator(), b.epoch_authenticator());
}

// §12.4.3.3: one commit's Welcome may leave the tree out whatever the configuration says; the
// commit then returns the new epoch's tree for the joiners, and nothing when the Welcome has it.
TEST_P(GroupLifecycle, Rfc12_4_3_3_PerCommitTreeInWelcome) {
  Client alice = make_client(suite, "alice");
  Client bob = make_client(suite, "bob");
  Client carol = make_client(suite, "carol");
  Group a = Group::create(provider, alice.identity, {},
                          accept_any_policy());  // the tree in Welcomes by default
  CommitOptions add;
  add.add = {bob.key_package.key_package};
  add.ratchet_tree_in_welcome = false;
  EXPECT_EQ(a.pending_commit(), nullptr);
  const auto out = a.commit(add);
  ASSERT_TRUE(out.ratchet_tree.has_value());
  // §12.4: the committer's own commit, staged as its receivers will stage it, until merged.
  ASSERT_NE(a.pending_commit(), nullptr);
  ASSERT_EQ(a.pending_commit()->added().size(), 1u);
  EXPECT_EQ(a.pending_commit()->added()[0].key_package, bob.key_package.key_package);
  EXPECT_EQ(error_of([&] {
              Group::join(provider, bob.identity, bob.key_package, *out.welcome, std::nullopt, {},
                          accept_any_policy());
            }),
            ErrorCode::kMissingRatchetTree);
  a.merge_pending_commit();
  EXPECT_EQ(a.pending_commit(), nullptr);
  EXPECT_EQ(*out.ratchet_tree, a.tree().to_nodes());
  Group b = Group::join(provider, bob.identity, bob.key_package, *out.welcome, out.ratchet_tree, {},
                        accept_any_policy());
  EXPECT_EQ(a.epoch_authenticator(), b.epoch_authenticator());

  // The other way round: a configuration without the tree, one commit with it.
  CreateOptions no_tree;
  no_tree.config.ratchet_tree_in_welcome = 0;
  Group a2 = Group::create(provider, alice.identity, no_tree, accept_any_policy());
  CommitOptions add2;
  add2.add = {carol.key_package.key_package};
  add2.ratchet_tree_in_welcome = true;
  const auto out2 = a2.commit(add2);
  EXPECT_FALSE(out2.ratchet_tree.has_value());
  a2.merge_pending_commit();
  const Group c = Group::join(provider, carol.identity, carol.key_package, *out2.welcome,
                              std::nullopt, {}, accept_any_policy());
  EXPECT_EQ(a2.epoch_authenticator(), c.epoch_authenticator());
}

// The state holds private keys: it is handed out in SecretBytes, which wipe themselves.
static_assert(std::is_same_v<decltype(std::declval<const Group&>().serialize()), SecretBytes>);
// So is the epoch authenticator (§8.7).
static_assert(
    std::is_same_v<decltype(std::declval<const Group&>().epoch_authenticator()), SecretBytes>);
static_assert(std::is_same_v<decltype(std::declval<const StagedCommit&>().epoch_authenticator()),
                             const SecretBytes&>);

TEST_P(GroupLifecycle, SerializedStateRoundTrips) {
  Client alice = make_client(suite, "alice");
  Client bob = make_client(suite, "bob");
  Group a = Group::create(provider, alice.identity, {}, accept_any_policy());
  CommitOptions add;
  add.add = {bob.key_package.key_package};
  auto out = a.commit(add);
  a.merge_pending_commit();
  Group b = Group::join(provider, bob.identity, bob.key_package, *out.welcome, std::nullopt, {},
                        accept_any_policy());
  const SecretBytes state = b.serialize();
  Group restored = Group::deserialize(provider, state.view());
  EXPECT_TRUE(restored == b);
  auto m = a.protect(as_bytes("after restore"));
  EXPECT_EQ(text(std::get<ApplicationMessage>(restored.process(m))), "after restore");
}

INSTANTIATE_TEST_SUITE_P(AllSuites, GroupLifecycle, ::testing::Range<uint16_t>(1, 8));

}  // namespace
}  // namespace conclave
