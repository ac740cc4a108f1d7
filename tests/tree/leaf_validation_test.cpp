// RFC 9420 §7.3: validating a LeafNode that enters the tree from a KeyPackage, an Update or a
// Commit. Each test breaks one rule of an otherwise valid leaf.
#include "conclave/tree/leaf_validation.h"

#include <gtest/gtest.h>

#include "tree/tree_test_util.h"

namespace conclave::tree {
namespace {

using testing::error_of;
using testing::resign;
using testing::TestGroup;

// An update leaf for `index` with fresh encryption key, signed by that member.
wire::LeafNode update_leaf_for(const TestGroup& g, LeafIndex index,
                               const std::function<void(wire::LeafNode&)>& tweak = {}) {
  wire::LeafNode leaf = *g.tree.leaf(index);
  leaf.leaf_node_source = wire::LeafNodeSource::kUpdate;
  leaf.lifetime = {};
  leaf.parent_hash.clear();
  leaf.encryption_key = g.suite.generate_hpke_key_pair().public_key;
  if (tweak) tweak(leaf);
  resign(g.suite, leaf, index, g.signature_keys.at(index.value), g.group_id);
  return leaf;
}

ErrorCode validate(const TestGroup& g, const wire::LeafNode& leaf, LeafNodeContext context,
                   LeafIndex index, const LeafPolicy& policy) {
  return error_of([&] { validate_leaf_node(g.tree, leaf, context, index, policy); });
}

TEST(LeafValidation, ValidLeavesPass) {
  TestGroup g = TestGroup::grown(3);
  const auto m = g.new_member("new");
  EXPECT_EQ(validate(g, m.leaf, LeafNodeContext::kKeyPackage, LeafIndex(3), g.policy()),
            ErrorCode::kInternal);
  EXPECT_EQ(validate(g, update_leaf_for(g, LeafIndex(1)), LeafNodeContext::kUpdate, LeafIndex(1),
                     g.policy()),
            ErrorCode::kInternal);
}

TEST(LeafValidation, SourceMustMatchTheMessage) {
  // §7.3: key_package in a KeyPackage, update in an Update, commit in an UpdatePath.
  TestGroup g = TestGroup::grown(3);
  const auto m = g.new_member("new");
  EXPECT_EQ(validate(g, m.leaf, LeafNodeContext::kUpdate, LeafIndex(1), g.policy()),
            ErrorCode::kLeafNodeSourceMismatch);
  EXPECT_EQ(validate(g, update_leaf_for(g, LeafIndex(1)), LeafNodeContext::kCommit, LeafIndex(1),
                     g.policy()),
            ErrorCode::kLeafNodeSourceMismatch);
}

TEST(LeafValidation, SignatureBindsTheLeafIndex) {
  // §7.2: an update leaf signed for leaf 1 does not verify at leaf 2.
  TestGroup g = TestGroup::grown(3);
  EXPECT_EQ(validate(g, update_leaf_for(g, LeafIndex(1)), LeafNodeContext::kUpdate, LeafIndex(2),
                     g.policy()),
            ErrorCode::kLeafSignatureInvalid);
}

TEST(LeafValidation, UpdateMustChangeTheEncryptionKey) {
  // §7.3: the encryption key differs from the replaced leaf's.
  TestGroup g = TestGroup::grown(3);
  const auto same = update_leaf_for(g, LeafIndex(1), [&](wire::LeafNode& l) {
    l.encryption_key = g.tree.leaf(LeafIndex(1))->encryption_key;
  });
  EXPECT_EQ(validate(g, same, LeafNodeContext::kUpdate, LeafIndex(1), g.policy()),
            ErrorCode::kEncryptionKeyNotUpdated);
}

TEST(LeafValidation, KeysMustBeUniqueAmongMembers) {
  // §7.3: a new leaf may not reuse another member's signature or encryption key; an update may
  // keep its own signature key.
  TestGroup g = TestGroup::grown(3);
  const auto copy_sig = g.new_member("copy", [&](wire::LeafNode& l) {
    l.signature_key = g.tree.leaf(LeafIndex(0))->signature_key;
  });
  wire::LeafNode signed_by_0 = copy_sig.leaf;
  resign(g.suite, signed_by_0, LeafIndex(3), g.signature_keys.at(0), g.group_id);
  EXPECT_EQ(validate(g, signed_by_0, LeafNodeContext::kKeyPackage, LeafIndex(3), g.policy()),
            ErrorCode::kDuplicateSignatureKey);
  const auto copy_enc = g.new_member("copy", [&](wire::LeafNode& l) {
    l.encryption_key = to_bytes(*g.tree.encryption_key(NodeIndex(1)));  // a parent node's key
  });
  EXPECT_EQ(validate(g, copy_enc.leaf, LeafNodeContext::kKeyPackage, LeafIndex(3), g.policy()),
            ErrorCode::kDuplicateEncryptionKey);
}

TEST(LeafValidation, CredentialTypeMustBeSupportedBothWays) {
  // §7.3: every member supports the new leaf's credential type and it supports theirs.
  TestGroup g = TestGroup::grown(3);
  const auto x509 = g.new_member("x509", [](wire::LeafNode& l) {
    l.credential = wire::Credential::x509({wire::Certificate{Bytes{0x30, 0x00}}});
    l.capabilities.credentials = {wire::CredentialType::kBasic, wire::CredentialType::kX509};
  });
  EXPECT_EQ(validate(g, x509.leaf, LeafNodeContext::kKeyPackage, LeafIndex(3), g.policy()),
            ErrorCode::kCredentialTypeUnsupported);
  const auto no_basic = g.new_member("no basic", [](wire::LeafNode& l) {
    l.credential = wire::Credential::x509({wire::Certificate{Bytes{0x30, 0x00}}});
    l.capabilities.credentials = {wire::CredentialType::kX509};
  });
  EXPECT_EQ(validate(g, no_basic.leaf, LeafNodeContext::kKeyPackage, LeafIndex(3), g.policy()),
            ErrorCode::kCredentialTypeUnsupported);
  // A lone member may switch credential type: the leaf it replaces no longer counts.
  TestGroup solo;
  solo.add("solo");
  const auto switched = update_leaf_for(solo, LeafIndex(0), [](wire::LeafNode& l) {
    l.credential = wire::Credential::x509({wire::Certificate{Bytes{0x30, 0x00}}});
    l.capabilities.credentials = {wire::CredentialType::kX509};
  });
  EXPECT_EQ(validate(solo, switched, LeafNodeContext::kUpdate, LeafIndex(0), solo.policy()),
            ErrorCode::kInternal);
}

TEST(LeafValidation, RequiredCapabilitiesExtensionsAndLifetime) {
  // §7.3, §11.1, §7.2
  TestGroup g = TestGroup::grown(2);
  wire::RequiredCapabilities required;
  required.credential_types = {wire::CredentialType::kX509};
  LeafPolicy policy = g.policy();
  policy.group_context_extensions = {
      wire::Extension{wire::ExtensionType::kRequiredCapabilities, codec::encode(required)}};
  const auto plain = g.new_member("plain");
  EXPECT_EQ(validate(g, plain.leaf, LeafNodeContext::kKeyPackage, LeafIndex(2), policy),
            ErrorCode::kRequiredCapabilityMissing);
  const auto ext = g.new_member("ext", [](wire::LeafNode& l) {
    l.extensions = {wire::Extension{wire::ExtensionType{0x0A0A}, {}}};
  });
  EXPECT_EQ(validate(g, ext.leaf, LeafNodeContext::kKeyPackage, LeafIndex(2), g.policy()),
            ErrorCode::kLeafExtensionUnsupported);
  const auto expired = g.new_member("expired", [](wire::LeafNode& l) { l.lifetime = {10, 20}; });
  LeafPolicy timed = g.policy();
  timed.now = 30;
  EXPECT_EQ(validate(g, expired.leaf, LeafNodeContext::kKeyPackage, LeafIndex(2), timed),
            ErrorCode::kLeafLifetimeInvalid);
}

}  // namespace
}  // namespace conclave::tree
