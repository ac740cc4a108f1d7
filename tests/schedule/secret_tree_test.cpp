// RFC 9420 §9 and §9.2: the secret tree, derived lazily, with its deletion schedule.
#include "conclave/schedule/secret_tree.h"

#include <gtest/gtest.h>

#include <functional>

#include "conclave/base/error.h"
#include "conclave/codec/codec.h"
#include "conclave/crypto/openssl_provider.h"
#include "support/error_of.h"

namespace conclave::schedule {
namespace {

using tree::LeafCount;
using tree::LeafIndex;
using tree::NodeIndex;

using conclave::testing::error_of;

class SecretTreeTest : public ::testing::Test {
 protected:
  SecretTreeTest() : suite_(crypto::openssl_provider(), 1), root_secret_(Bytes(32, 0x5a)) {}

  SecretTree make(uint32_t leaves, RatchetWindow window = {}) const {
    return SecretTree(suite_, LeafCount(leaves), root_secret_, window);
  }

  crypto::Suite suite_;
  SecretBytes root_secret_;
};

// §9: starting an epoch must not cost O(group size): only the root secret is stored.
TEST_F(SecretTreeTest, Section9_HugeTreeStartsWithOnlyTheRoot) {
  SecretTree tree = make(1u << 20);
  EXPECT_EQ(tree.stored_node_count(), 1u);
  EXPECT_EQ(tree.initialized_leaf_count(), 0u);
  EXPECT_TRUE(tree.holds_node_secret(tree::root(LeafCount(1u << 20))));
}

// §9: one leaf of a 2^20-leaf tree walks 20 levels and leaves the 20 copath secrets stored.
TEST_F(SecretTreeTest, Section9_OneLeafTouchesOnlyItsPath) {
  SecretTree tree = make(1u << 20);
  const LeafIndex leaf(123457);
  tree.take_key(suite_, leaf, RatchetType::kApplication, 0);
  EXPECT_EQ(tree.stored_node_count(), 20u);
  EXPECT_EQ(tree.initialized_leaf_count(), 1u);
  for (const NodeIndex x : tree::copath(leaf.node(), LeafCount(1u << 20)))
    EXPECT_TRUE(tree.holds_node_secret(x)) << x.value;
  for (const NodeIndex x : tree::direct_path(leaf.node(), LeafCount(1u << 20)))
    EXPECT_FALSE(tree.holds_node_secret(x)) << x.value;
}

// §9: the largest tree (2^31 leaves) is as cheap: 31 stored secrets after one leaf.
TEST_F(SecretTreeTest, Section9_LargestTreeIsLazyToo) {
  SecretTree tree = make(tree::kMaxLeaves);
  tree.next_key(suite_, LeafIndex(tree::kMaxLeaves - 1), RatchetType::kHandshake);
  EXPECT_EQ(tree.stored_node_count(), 31u);
}

// §9.2: a parent's secret is deleted once both children are derived, and a leaf's secret once
// its two ratchets are initialised.
TEST_F(SecretTreeTest, Section9_2_ParentAndLeafSecretsAreDeleted) {
  SecretTree tree = make(8);
  tree.take_key(suite_, LeafIndex(0), RatchetType::kHandshake, 0);
  // Path of leaf 0: nodes 0, 1, 3, 7; copath: 2, 5, 11.
  for (uint32_t consumed : {0u, 1u, 3u, 7u})
    EXPECT_FALSE(tree.holds_node_secret(NodeIndex(consumed))) << consumed;
  for (uint32_t kept : {2u, 5u, 11u})
    EXPECT_TRUE(tree.holds_node_secret(NodeIndex(kept))) << kept;
  EXPECT_EQ(tree.stored_node_count(), 3u);

  // Leaf 1 uses the stored sibling secret (node 2), which then goes as well.
  tree.take_key(suite_, LeafIndex(1), RatchetType::kApplication, 0);
  EXPECT_FALSE(tree.holds_node_secret(NodeIndex(2)));
  EXPECT_EQ(tree.stored_node_count(), 2u);
  EXPECT_EQ(tree.initialized_leaf_count(), 2u);

  // Every leaf set up: no tree secret remains at all.
  for (uint32_t leaf = 2; leaf < 8; ++leaf)
    tree.take_key(suite_, LeafIndex(leaf), RatchetType::kHandshake, 0);
  EXPECT_EQ(tree.stored_node_count(), 0u);
  EXPECT_EQ(tree.initialized_leaf_count(), 8u);
}

// peek_key derives the key a receiver will consume once the message verifies, and changes
// nothing: a message that then fails verification must leave the state as it was (§9.2 deletes
// secrets only when they are used).
TEST_F(SecretTreeTest, PeekOfAnUntouchedLeafChangesNothing) {
  SecretTree tree = make(8);
  tree.take_key(suite_, LeafIndex(0), RatchetType::kApplication, 0);
  const SecretTree before = tree;
  const KeyAndNonce peeked = tree.peek_key(suite_, LeafIndex(5), RatchetType::kApplication, 2);
  const KeyAndNonce peeked_hs = tree.peek_key(suite_, LeafIndex(5), RatchetType::kHandshake, 0);
  EXPECT_EQ(tree, before);
  EXPECT_EQ(codec::encode(tree), codec::encode(before));
  EXPECT_EQ(tree.take_key(suite_, LeafIndex(5), RatchetType::kApplication, 2), peeked);
  EXPECT_EQ(tree.take_key(suite_, LeafIndex(5), RatchetType::kHandshake, 0), peeked_hs);
}

// §9: the derivation rules, written out by hand for leaf 3 of a 4-leaf tree (root 3, then
// right child 5, then its right child, leaf node 6).
TEST_F(SecretTreeTest, Section9_DerivationFollowsTheRfc) {
  const size_t nh = suite_.hash_len();
  const SecretBytes right =
      suite_.expand_with_label(root_secret_.view(), "tree", as_bytes("right"), nh);
  const SecretBytes leaf = suite_.expand_with_label(right.view(), "tree", as_bytes("right"), nh);
  const SecretBytes app0 = suite_.expand_with_label(leaf.view(), "application", {}, nh);
  const SecretBytes app1 = suite_.derive_tree_secret(app0.view(), "secret", 0, nh);
  const auto& aead = suite_.info().aead_info();

  SecretTree tree = make(4);
  const KeyAndNonce key = tree.take_key(suite_, LeafIndex(3), RatchetType::kApplication, 1);
  EXPECT_EQ(key.key, suite_.derive_tree_secret(app1.view(), "key", 1, aead.key_len));
  EXPECT_EQ(key.nonce, suite_.derive_tree_secret(app1.view(), "nonce", 1, aead.nonce_len));
}

// §9: the two ratchets of a leaf are independent, and differ.
TEST_F(SecretTreeTest, Section9_HandshakeAndApplicationRatchetsAreSeparate) {
  SecretTree tree = make(2);
  const KeyAndNonce app = tree.take_key(suite_, LeafIndex(1), RatchetType::kApplication, 0);
  const KeyAndNonce hs = tree.take_key(suite_, LeafIndex(1), RatchetType::kHandshake, 0);
  EXPECT_NE(app.key, hs.key);
  EXPECT_EQ(tree.ratchet(LeafIndex(1), RatchetType::kHandshake)->next_generation(), 1u);
  EXPECT_EQ(tree.ratchet(LeafIndex(1), RatchetType::kApplication)->next_generation(), 1u);
  EXPECT_EQ(tree.ratchet(LeafIndex(0), RatchetType::kApplication), nullptr);
}

// §9: the secret tree has the ratchet tree's shape; with 5 leaves that is the 8-leaf layout,
// and subtrees holding no member are never stored.
TEST_F(SecretTreeTest, Section9_LeafCountNotAPowerOfTwo) {
  SecretTree five = make(5);
  SecretTree eight = make(8);
  EXPECT_EQ(five.take_key(suite_, LeafIndex(4), RatchetType::kApplication, 0),
            eight.take_key(suite_, LeafIndex(4), RatchetType::kApplication, 0));
  // Left: node 3 (leaves 0-3). Nodes 10 (leaf 5) and 13 (leaves 6-7) are outside the group.
  EXPECT_EQ(five.stored_node_count(), 1u);
  EXPECT_TRUE(five.holds_node_secret(NodeIndex(3)));
  EXPECT_EQ(error_of([&] { five.take_key(suite_, LeafIndex(5), RatchetType::kApplication, 0); }),
            ErrorCode::kLeafIndexOutOfRange);
}

TEST_F(SecretTreeTest, LeafIndexOutOfRangeIsTyped) {
  SecretTree tree = make(4);
  EXPECT_EQ(error_of([&] { tree.next_key(suite_, LeafIndex(4), RatchetType::kHandshake); }),
            ErrorCode::kLeafIndexOutOfRange);
  EXPECT_EQ(error_of([&] { tree.peek_key(suite_, LeafIndex(99), RatchetType::kHandshake, 0); }),
            ErrorCode::kLeafIndexOutOfRange);
  EXPECT_EQ(tree.stored_node_count(), 1u);  // nothing was derived
}

TEST_F(SecretTreeTest, RejectsBadConstructionAndAnotherSuite) {
  EXPECT_EQ(error_of([&] { make(0); }), ErrorCode::kInvalidArgument);
  EXPECT_EQ(error_of([&] { SecretTree(suite_, LeafCount(4), SecretBytes(Bytes(31, 1))); }),
            ErrorCode::kInvalidSecretLength);
  SecretTree tree = make(4);
  const crypto::Suite other(crypto::openssl_provider(), 3);
  EXPECT_EQ(error_of([&] { tree.next_key(other, LeafIndex(0), RatchetType::kHandshake); }),
            ErrorCode::kInvalidArgument);
}

// Group state is a value: a copy evolves on its own and compares by content.
TEST_F(SecretTreeTest, CopiesAreIndependentValues) {
  SecretTree a = make(16);
  a.take_key(suite_, LeafIndex(3), RatchetType::kApplication, 2);
  SecretTree b = a;
  EXPECT_EQ(a, b);
  const KeyAndNonce from_b = b.take_key(suite_, LeafIndex(3), RatchetType::kApplication, 0);
  EXPECT_NE(a, b);
  EXPECT_EQ(a.take_key(suite_, LeafIndex(3), RatchetType::kApplication, 0), from_b);
  EXPECT_EQ(a, b);
}

// Wave 2 storage: the tree round-trips through its TLS encoding and keeps working.
TEST_F(SecretTreeTest, SerializationRoundTrip) {
  SecretTree tree = make(13, RatchetWindow{3, 50});
  tree.take_key(suite_, LeafIndex(2), RatchetType::kApplication, 7);
  tree.next_key(suite_, LeafIndex(9), RatchetType::kHandshake);
  const Bytes encoded = codec::encode(tree);
  SecretTree decoded = codec::decode<SecretTree>(encoded);
  EXPECT_EQ(decoded, tree);
  EXPECT_EQ(decoded.window(), (RatchetWindow{3, 50}));
  EXPECT_EQ(decoded.take_key(suite_, LeafIndex(2), RatchetType::kApplication, 5),
            tree.take_key(suite_, LeafIndex(2), RatchetType::kApplication, 5));
  EXPECT_EQ(decoded.take_key(suite_, LeafIndex(12), RatchetType::kApplication, 0),
            tree.take_key(suite_, LeafIndex(12), RatchetType::kApplication, 0));
}

// A stored tree that breaks an invariant is refused rather than used.
TEST_F(SecretTreeTest, DecodingChecksInvariants) {
  // { suite, leaf_count, window, nodes<V>, leaves<V> } with the given stored node secrets.
  const auto state = [](uint32_t leaves, std::vector<std::pair<uint32_t, size_t>> nodes) {
    codec::Writer w;
    w.u16(1);
    w.u32(leaves);
    codec::write(w, RatchetWindow{});
    w.vector([&](codec::Writer& inner) {
      for (const auto& [node, size] : nodes) {
        inner.u32(node);
        inner.opaque(Bytes(size, 1));
      }
    });
    w.vector([](codec::Writer&) {});
    return w.take();
  };
  const auto code = [](const Bytes& bytes) {
    return error_of([&] { codec::decode<SecretTree>(bytes); });
  };
  EXPECT_NO_THROW(codec::decode<SecretTree>(state(4, {{1, 32}, {5, 32}})));
  EXPECT_EQ(code(state(4, {{1, 32}, {3, 32}})), ErrorCode::kInvalidScheduleState);  // overlap
  EXPECT_EQ(code(state(4, {{1, 32}})), ErrorCode::kInvalidScheduleState);  // leaves 2, 3 lost
  EXPECT_EQ(code(state(4, {{5, 32}, {1, 32}})), ErrorCode::kInvalidScheduleState);  // order
  EXPECT_EQ(code(state(4, {{3, 31}})), ErrorCode::kInvalidScheduleState);           // length
  EXPECT_EQ(code(state(4, {{7, 32}})), ErrorCode::kInvalidScheduleState);  // outside the tree
  EXPECT_EQ(code(state(0, {})), ErrorCode::kInvalidScheduleState);
  EXPECT_NO_THROW(codec::decode<SecretTree>(state(3, {{3, 32}})));  // 3 leaves under node 3
}

}  // namespace
}  // namespace conclave::schedule
