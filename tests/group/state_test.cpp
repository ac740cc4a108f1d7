// Group::deserialize takes the state from the application's storage, which may be damaged: a
// record whose parts disagree is refused with kGroupStateInvalid, never used (a member leaf
// that is not there, keys that are not the member's, a tree that is not the GroupContext's,
// secrets of the wrong length), and the intact record still loads.
#include <gtest/gtest.h>

#include "negative_test_util.h"

namespace conclave::group_testing {
namespace {

class GroupState : public NegativeGroupTest {
 protected:
  // Bob's state with its leading fields (negative_test_util.h's StatePrefix) changed by `edit`.
  Bytes damaged(const std::function<void(detail::StatePrefix&)>& edit) const {
    const SecretBytes state = b->serialize();
    codec::Reader r(state.view());
    detail::StatePrefix prefix;
    codec::read(r, prefix);
    const BytesView rest = r.rest();
    edit(prefix);
    Bytes changed = codec::encode(prefix);
    changed.insert(changed.end(), rest.begin(), rest.end());
    return changed;
  }

  ::testing::AssertionResult refused(BytesView state) const {
    return rejects(ErrorCode::kGroupStateInvalid, [&] { Group::deserialize(provider, state); });
  }
};

TEST_P(GroupState, DamagedStateIsRefused) {
  const auto own_leaf = [](uint32_t leaf) {
    return [leaf](detail::StatePrefix& p) { p.own_leaf = leaf; };
  };
  EXPECT_TRUE(refused(damaged(own_leaf(1000)))) << "own leaf outside the tree";
  EXPECT_TRUE(refused(damaged(own_leaf(3)))) << "own leaf blank";
  EXPECT_TRUE(refused(damaged(own_leaf(a->own_leaf().value)))) << "own leaf another member's";
  EXPECT_TRUE(refused(damaged([&](detail::StatePrefix& p) {
    p.signature_private_key = carol.identity.signature_private_key;
  }))) << "another member's signature key";
  EXPECT_TRUE(refused(damaged([&](detail::StatePrefix& p) {
    p.credential = carol.identity.credential;
  }))) << "another credential";
  EXPECT_TRUE(refused(damaged([&](detail::StatePrefix& p) {
    auto& leaf = std::get<wire::LeafNode>(p.tree.at(c->own_leaf().node().value)->value);
    leaf.credential = alice.identity.credential;
  }))) << "a tree that is not the GroupContext's";
  EXPECT_TRUE(refused(damaged([&](detail::StatePrefix& p) { p.context.cipher_suite ^= 1; })))
      << "GroupContext of another suite";
  EXPECT_TRUE(refused(damaged([&](detail::StatePrefix& p) { p.tree_private.clear(); })))
      << "no private key for the own leaf";
  EXPECT_TRUE(refused(damaged([&](detail::StatePrefix& p) {
    p.tree_private.front().public_key = a->tree().leaf(a->own_leaf())->encryption_key;
  }))) << "a private key for another public key";
  EXPECT_TRUE(refused(damaged([&](detail::StatePrefix& p) {
    p.secrets.epoch_authenticator = SecretBytes(Bytes(3, 0));
  }))) << "an epoch secret of the wrong length";
  EXPECT_TRUE(refused(damaged([](detail::StatePrefix& p) { p.cipher_suite = 0x0a0a; })))
      << "an unknown cipher suite";
  // §6.3.1, §2.1.2: a padding block past GroupConfig::kMaxPaddingBlock would pad every message
  // to up to 4 GiB (found by fuzz_state: fuzz/regressions/state/oom-padding-block-unchecked).
  EXPECT_TRUE(refused(damaged([](detail::StatePrefix& p) { p.config.padding_block = 0xfffffff0; })))
      << "a padding block past the limit";
  const SecretBytes state = b->serialize();
  EXPECT_TRUE(refused(state.view().first(state.size() - 1))) << "truncated";

  // The intact record loads, and the member goes on.
  Group loaded = Group::deserialize(provider, state.view(), accept_any_policy());
  EXPECT_TRUE(loaded == *b);
  deliver(loaded.propose_update(), {&*a, &*c});
}

// §6.3.1: GroupConfig::padding_block is bounded (kMaxPaddingBlock) when a group is created or
// joined, as when it is loaded, so no message is padded past the vector sizes of §2.1.2.
TEST(GroupConfigLimits, Rfc6_3_1_PaddingBlockPastTheLimitIsRefused) {
  const auto provider = crypto::openssl_provider();
  const crypto::Suite suite(provider, 1);
  const Identity alice = Identity::generate(suite, basic_credential("alice"));
  CreateOptions options;
  options.config.padding_block = GroupConfig::kMaxPaddingBlock + 1;
  EXPECT_TRUE(rejects(ErrorCode::kInvalidArgument,
                      [&] { Group::create(provider, alice, options, accept_any_policy()); }));
  options.config.padding_block = GroupConfig::kMaxPaddingBlock;
  Group a = Group::create(provider, alice, options, accept_any_policy());
  EXPECT_GE(codec::encode(a.protect(as_bytes("padded"))).size(), GroupConfig::kMaxPaddingBlock);
}

INSTANTIATE_TEST_SUITE_P(AllSuites, GroupState, ::testing::Range<uint16_t>(1, 8), suite_name);

}  // namespace
}  // namespace conclave::group_testing
