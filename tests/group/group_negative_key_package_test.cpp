// Negative tests for KeyPackage validation (RFC 9420 §10.1, with the leaf rules of §7.3 and the
// extension rule of §13.4 it refers to): each test changes one thing in Dave's KeyPackage, signs
// it again, and expects the rule's error wherever a KeyPackage is checked: on its own, in
// Alice's commit(), in an Add proposal and in an Add a commit carries. The groups are left as
// they were, and Dave's genuine KeyPackage is then added and he joins.
#include <gtest/gtest.h>

#include "group/negative_test_util.h"

namespace conclave::group_testing {
namespace {

constexpr auto kCustomExtensionType = static_cast<wire::ExtensionType>(0xF0A0);

class KeyPackageValidation : public NegativeGroupTest {
 protected:
  void SetUp() override {
    NegativeGroupTest::SetUp();
    dave = make_client(suite, "dave");
  }

  // Dave's KeyPackage changed by `mutate`, then signed again (KeyPackageTBS) with his key.
  wire::KeyPackage changed(const std::function<void(wire::KeyPackage&)>& mutate) const {
    wire::KeyPackage kp = dave.key_package.key_package;
    mutate(kp);
    sign_key_package(suite, kp, dave.identity.signature_private_key.view());
    return kp;
  }

  // Signs Dave's leaf again (LeafNodeTBS), after a change.
  void sign_leaf(wire::LeafNode& leaf) const {
    sign_key_package_leaf(suite, leaf, dave.identity.signature_private_key.view());
  }

  void expect_key_package_rejected(const wire::KeyPackage& bad, ErrorCode code) {
    // On its own.
    tree::LeafPolicy policy;
    policy.group_id = a->group_id();
    policy.now = unix_time_now();
    EXPECT_TRUE(rejects(code, [&] { validate_key_package(suite, bad, policy); }))
        << "validate_key_package";
    // By the committer, before anything is sent.
    CommitOptions add_bad;
    add_bad.add = {bad};
    EXPECT_TRUE(rejects_unchanged(*a, code, [&] { a->commit(add_bad); })) << "commit()";
    EXPECT_FALSE(a->has_pending_commit());
    // In an Add proposal (§12.1.1).
    const auto proposal = Forger(suite, *a).propose(wire::Proposal{wire::Add{bad}});
    EXPECT_TRUE(rejects_unchanged(*b, code, [&] { b->process(proposal); })) << "Add proposal";
    // In an Add a commit carries by value, instead of the genuine one.
    CommitOptions add_good;
    add_good.add = {dave.key_package.key_package};
    auto g = genuine_commit(*a, add_good);
    const auto forged = g.forger.reseal_commit(g.out.commit, [&](wire::Commit& commit) {
      commit.proposals.clear();
      commit.proposals.push_back(wire::ProposalOrRef{wire::Proposal{wire::Add{bad}}});
    });
    EXPECT_TRUE(rejects_unchanged(*b, code, [&] { b->process(forged); })) << "Add in a commit";

    advance_all(g);
    const Group d = Group::join(provider, dave.identity, dave.key_package, *g.out.welcome,
                                std::nullopt, config_, accept_any_policy());
    EXPECT_EQ(d.epoch_authenticator(), b->epoch_authenticator());
  }

  Client dave;
};

TEST_P(KeyPackageValidation, Rfc10_1_ProtocolVersionMustMatchTheGroup) {
  expect_key_package_rejected(
      changed([](wire::KeyPackage& kp) { kp.version = static_cast<wire::ProtocolVersion>(2); }),
      ErrorCode::kKeyPackageVersionMismatch);
}

TEST_P(KeyPackageValidation, Rfc10_1_CipherSuiteMustMatchTheGroup) {
  const uint16_t other = suite.id() == 1 ? 3 : 1;
  expect_key_package_rejected(changed([&](wire::KeyPackage& kp) { kp.cipher_suite = other; }),
                              ErrorCode::kKeyPackageCipherSuiteMismatch);
}

TEST_P(KeyPackageValidation, Rfc10_1_LeafNodeSignatureMustVerify) {
  expect_key_package_rejected(
      changed([](wire::KeyPackage& kp) { flip_last_byte(kp.leaf_node.signature); }),
      ErrorCode::kLeafSignatureInvalid);
}

TEST_P(KeyPackageValidation, Rfc10_1_LeafNodeSourceMustBeKeyPackage) {
  expect_key_package_rejected(
      changed([&](wire::KeyPackage& kp) {
        wire::LeafNode& leaf = kp.leaf_node;
        leaf.leaf_node_source = wire::LeafNodeSource::kUpdate;
        leaf.lifetime = {};
        // An update leaf signs its group and position (§7.2).
        leaf.signature =
            suite.sign_with_label(dave.identity.signature_private_key.view(), kLeafNodeLabel,
                                  leaf.to_be_signed(wire::LeafNodeGroupBinding{a->group_id(), 3}));
      }),
      ErrorCode::kLeafNodeSourceMismatch);
}

TEST_P(KeyPackageValidation, Rfc10_1_LeafNodeLifetimeMustCoverNow) {
  const uint64_t now = unix_time_now();
  expect_key_package_rejected(changed([&](wire::KeyPackage& kp) {
                                kp.leaf_node.lifetime = {now - 7200, now - 3600};
                                sign_leaf(kp.leaf_node);
                              }),
                              ErrorCode::kLeafLifetimeInvalid);
}

TEST_P(KeyPackageValidation, Rfc10_1_LeafNodeExtensionsMustBeInItsCapabilities) {
  expect_key_package_rejected(changed([&](wire::KeyPackage& kp) {
                                kp.leaf_node.extensions = {{kCustomExtensionType, {}}};
                                sign_leaf(kp.leaf_node);
                              }),
                              ErrorCode::kLeafExtensionUnsupported);
}

TEST_P(KeyPackageValidation, Rfc10_1_KeyPackageSignatureMustVerify) {
  wire::KeyPackage flipped = dave.key_package.key_package;
  flip_last_byte(flipped.signature);
  expect_key_package_rejected(flipped, ErrorCode::kKeyPackageSignatureInvalid);
}

TEST_P(KeyPackageValidation, Rfc10_1_KeyPackageSignedByAnotherKeyIsInvalid) {
  // Signed by Eve, not by the key in Dave's leaf.
  const Client eve = make_client(suite, "eve");
  wire::KeyPackage kp = dave.key_package.key_package;
  sign_key_package(suite, kp, eve.identity.signature_private_key.view());
  expect_key_package_rejected(kp, ErrorCode::kKeyPackageSignatureInvalid);
}

// RFC 9180 §7.1.4: the Welcome encrypts to the init_key and later paths to the leaf's key; a
// KeyPackage with a key nobody can encrypt to would make every commit adding it fail.
TEST_P(KeyPackageValidation, Rfc9180_7_1_4_InitKeyMustBeUsable) {
  expect_key_package_rejected(
      changed([&](wire::KeyPackage& kp) { kp.init_key = unusable_encryption_key(suite); }),
      ErrorCode::kInvalidPublicKey);
}

TEST_P(KeyPackageValidation, Rfc9180_7_1_4_LeafEncryptionKeyMustBeUsable) {
  expect_key_package_rejected(changed([&](wire::KeyPackage& kp) {
                                kp.leaf_node.encryption_key = unusable_encryption_key(suite);
                                sign_leaf(kp.leaf_node);
                              }),
                              ErrorCode::kInvalidPublicKey);
}

TEST_P(KeyPackageValidation, Rfc10_1_InitKeyMustDifferFromEncryptionKey) {
  expect_key_package_rejected(
      changed([](wire::KeyPackage& kp) { kp.init_key = kp.leaf_node.encryption_key; }),
      ErrorCode::kKeyPackageInitKeyReused);
}

TEST_P(KeyPackageValidation, Rfc13_4_KeyPackageExtensionTypesMustBeUnique) {
  expect_key_package_rejected(changed([](wire::KeyPackage& kp) {
                                kp.extensions = {{kCustomExtensionType, to_bytes("1")},
                                                 {kCustomExtensionType, to_bytes("2")}};
                              }),
                              ErrorCode::kDuplicateExtension);
}

TEST_P(KeyPackageValidation, Rfc13_4_LeafExtensionTypesMustBeUnique) {
  expect_key_package_rejected(changed([&](wire::KeyPackage& kp) {
                                wire::LeafNode& leaf = kp.leaf_node;
                                leaf.capabilities.extensions = {kCustomExtensionType};
                                leaf.extensions = {{kCustomExtensionType, to_bytes("1")},
                                                   {kCustomExtensionType, to_bytes("2")}};
                                sign_leaf(leaf);
                              }),
                              ErrorCode::kDuplicateExtension);
}

INSTANTIATE_TEST_SUITE_P(AllSuites, KeyPackageValidation, ::testing::Range<uint16_t>(1, 8),
                         suite_name);

}  // namespace
}  // namespace conclave::group_testing
