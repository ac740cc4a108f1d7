// RFC 9420 §7.9.2, §12.4.3.1, §7.3: whole-tree validation. Each negative test takes a valid tree
// and breaks one rule (keeping parent hashes consistent where the edit would disturb them, as a
// malicious sender could), then checks that exactly that rule's check fails with its code.
#include "conclave/tree/detail/tree_validation.h"

#include <gtest/gtest.h>

#include "tree/tree_test_util.h"

namespace conclave::tree {
namespace {

using testing::edited;
using testing::error_of;
using testing::leaf_at;
using testing::parent_at;
using testing::reseal_chain;
using testing::resign;
using testing::TestGroup;

// A joiner's check_parent_hashes reads the leaves from the nodes the tree was built from
// (tree_validation.h): its verdict is the one reading the tree's own leaves gives.
void expect_same_parent_hash_verdict(const RatchetTree& tree) {
  const wire::RatchetTreeNodes nodes = tree.to_nodes();
  EXPECT_EQ(error_code_name(error_of([&] { check_parent_hashes(tree, &nodes); })),
            error_code_name(error_of([&] { check_parent_hashes(tree); })));
}

// Every named check passes except one, which fails with `code`; validate_tree reports it.
void expect_only(const RatchetTree& tree, const LeafPolicy& policy, ErrorCode code) {
  const std::pair<const char*, ErrorCode> results[] = {
      {"unmerged leaves", error_of([&] { check_unmerged_leaves(tree); })},
      {"unique keys", error_of([&] { check_unique_keys(tree); })},
      {"encryption keys", error_of([&] { check_encryption_keys(tree); })},
      {"credential support", error_of([&] { check_credential_support(tree); })},
      {"leaf policies", error_of([&] { check_leaf_policies(tree, policy); })},
      {"parent hashes", error_of([&] { check_parent_hashes(tree); })},
      {"signatures", error_of([&] { check_leaf_signatures(tree, policy.group_id); })},
  };
  int failing = 0;
  for (const auto& [name, got] : results) {
    if (got == ErrorCode::kInternal) continue;
    ++failing;
    EXPECT_EQ(error_code_name(got), error_code_name(code)) << name;
  }
  EXPECT_EQ(failing, 1);
  expect_same_parent_hash_verdict(tree);
  TreeValidationOptions options;
  options.policy = policy;
  EXPECT_EQ(error_code_name(error_of([&] { validate_tree(tree, options); })),
            error_code_name(code));
}

void expect_valid(const RatchetTree& tree, const LeafPolicy& policy) {
  expect_same_parent_hash_verdict(tree);
  TreeValidationOptions options;
  options.policy = policy;
  EXPECT_NO_THROW(validate_tree(tree, options));
}

// grown(5) plus two members added without a commit: leaves 0-4 merged, 5 and 6 unmerged at the
// root (the left half's nodes 1, 3, 5 and the root 7 are set; the right half's parents blank).
TestGroup with_unmerged_leaves() {
  TestGroup g = TestGroup::grown(5);
  g.add("member 5");
  g.add("member 6");
  return g;
}

TEST(TreeValidation, HonestTreesOfManyShapesAreValid) {
  // §12.4.3.1: full, with trailing blanks, with blanks inside, with unmerged leaves.
  for (uint32_t n : {1u, 2u, 3u, 4u, 5u, 7u, 8u, 9u, 12u}) {
    TestGroup g = TestGroup::grown(n);
    expect_valid(g.tree, g.policy());
  }
  TestGroup g = TestGroup::grown(8);
  g.remove(LeafIndex(2));
  g.remove(LeafIndex(3));
  g.commit(LeafIndex(0));
  expect_valid(g.tree, g.policy());
  g.add("late 1");
  g.add("late 2");
  expect_valid(g.tree, g.policy());
  g.commit(LeafIndex(5));
  expect_valid(g.tree, g.policy());
  expect_valid(with_unmerged_leaves().tree, with_unmerged_leaves().policy());
}

TEST(TreeValidation, ParentNodeWithAChangedParentHashIsNotParentHashValid) {
  // §7.9.2: node 1's parent_hash no longer matches what leaf 1 signed over.
  TestGroup g = TestGroup::grown(4);
  const RatchetTree bad = edited(
      g.tree, [](wire::RatchetTreeNodes& nodes) { parent_at(nodes, 1).parent_hash.at(0) ^= 1; });
  expect_only(bad, g.policy(), ErrorCode::kParentHashInvalid);
}

TEST(TreeValidation, ParentNodeWithAKeyNoMemberSetIsNotParentHashValid) {
  // §7.9.2: a parent key injected by whoever sent the tree is covered by no member's signature.
  TestGroup g = TestGroup::grown(4);
  const Bytes injected = g.suite.generate_hpke_key_pair().public_key;
  const RatchetTree bad = edited(g.tree, [&](wire::RatchetTreeNodes& nodes) {
    parent_at(nodes, 5).encryption_key = injected;
  });
  expect_only(bad, g.policy(), ErrorCode::kParentHashInvalid);
}

TEST(TreeValidation, BlankParentFilledInByTheSenderIsNotParentHashValid) {
  // §7.9.2: node 9 (over leaves 4 and 5) is blank; a key set there chains to no leaf.
  TestGroup g = with_unmerged_leaves();
  ASSERT_TRUE(g.tree.is_blank(NodeIndex(9)));
  const Bytes injected = g.suite.generate_hpke_key_pair().public_key;
  const RatchetTree bad = edited(g.tree, [&](wire::RatchetTreeNodes& nodes) {
    nodes[9] = wire::Node{wire::ParentNode{injected, {}, {4, 5}}};
  });
  expect_only(bad, g.policy(), ErrorCode::kParentHashInvalid);
}

TEST(TreeValidation, UnsortedUnmergedLeavesAreRejected) {
  // §7.1: unmerged_leaves in increasing order; the root's [5, 6] swapped.
  TestGroup g = with_unmerged_leaves();
  ASSERT_EQ(g.tree.parent_node(NodeIndex(7))->unmerged_leaves, (std::vector<uint32_t>{5, 6}));
  const RatchetTree bad = edited(g.tree, [](wire::RatchetTreeNodes& nodes) {
    auto& list = parent_at(nodes, 7).unmerged_leaves;
    std::swap(list[0], list[1]);
  });
  expect_only(bad, g.policy(), ErrorCode::kUnmergedLeavesUnsorted);
}

TEST(TreeValidation, UnmergedLeafOutsideTheNodesSubtreeIsRejected) {
  // §12.4.3.1: the root (of 8 leaves) lists leaf 9.
  TestGroup g = with_unmerged_leaves();
  const RatchetTree bad = edited(g.tree, [](wire::RatchetTreeNodes& nodes) {
    parent_at(nodes, 7).unmerged_leaves.push_back(9);
  });
  expect_only(bad, g.policy(), ErrorCode::kUnmergedLeafNotDescendant);
}

TEST(TreeValidation, BlankUnmergedLeafIsRejected) {
  // §12.4.3.1: the root lists leaf 7, which is blank.
  TestGroup g = with_unmerged_leaves();
  const RatchetTree bad = edited(g.tree, [](wire::RatchetTreeNodes& nodes) {
    parent_at(nodes, 7).unmerged_leaves.push_back(7);
  });
  expect_only(bad, g.policy(), ErrorCode::kUnmergedLeafBlank);
}

TEST(TreeValidation, UnmergedLeafMissingFromANodeInBetweenIsRejected) {
  // §12.4.3.1: the root lists leaf 1 but nodes 1 and 3 between them do not. Leaf 4 commits
  // first so the root's parent hash link comes from the right; the edit changes the left
  // side's original tree hash, so leaf 4 re-signs over the new parent hash, as a malicious
  // committer could, and the parent-hash rule still holds.
  TestGroup g = TestGroup::grown(5);
  g.commit(LeafIndex(4));
  const RatchetTree edit = edited(
      g.tree, [](wire::RatchetTreeNodes& nodes) { parent_at(nodes, 7).unmerged_leaves = {1}; });
  const RatchetTree bad =
      reseal_chain(edit, LeafIndex(4), NodeIndex(7), g.signature_keys.at(4), g.group_id);
  expect_only(bad, g.policy(), ErrorCode::kUnmergedLeafNotInBetween);
}

TEST(TreeValidation, LeafWithABadSignatureIsRejected) {
  // §7.3: leaf 2 (the last committer; no parent hash covers its content) signature altered.
  TestGroup g = TestGroup::grown(4);
  const RatchetTree bad =
      edited(g.tree, [](wire::RatchetTreeNodes& nodes) { leaf_at(nodes, 2).signature.at(5) ^= 1; });
  expect_only(bad, g.policy(), ErrorCode::kLeafSignatureInvalid);
  // An unmerged key_package leaf likewise.
  TestGroup u = with_unmerged_leaves();
  const RatchetTree bad_new =
      edited(u.tree, [](wire::RatchetTreeNodes& nodes) { leaf_at(nodes, 6).signature.at(5) ^= 1; });
  expect_only(bad_new, u.policy(), ErrorCode::kLeafSignatureInvalid);
}

TEST(TreeValidation, CommitLeafSignaturesBindTheGroupId) {
  // §7.2: LeafNodeTBS of update and commit leaves includes group_id and leaf_index.
  TestGroup g = TestGroup::grown(3);
  LeafPolicy other = g.policy();
  other.group_id = to_bytes("another group");
  EXPECT_EQ(error_of([&] { check_leaf_signatures(g.tree, other.group_id); }),
            ErrorCode::kLeafSignatureInvalid);
}

TEST(TreeValidation, DuplicateSignatureKeyIsRejected) {
  // §7.3: leaf 2 takes leaf 0's signature key (and signs with it).
  TestGroup g = TestGroup::grown(4);
  const RatchetTree bad = edited(g.tree, [&](wire::RatchetTreeNodes& nodes) {
    wire::LeafNode& l = leaf_at(nodes, 2);
    l.signature_key = leaf_at(nodes, 0).signature_key;
    resign(g.suite, l, LeafIndex(2), g.signature_keys.at(0), g.group_id);
  });
  expect_only(bad, g.policy(), ErrorCode::kDuplicateSignatureKey);
}

TEST(TreeValidation, DuplicateLeafEncryptionKeyIsRejected) {
  // §7.3: leaf 2 takes leaf 0's encryption key.
  TestGroup g = TestGroup::grown(4);
  const RatchetTree bad = edited(g.tree, [&](wire::RatchetTreeNodes& nodes) {
    wire::LeafNode& l = leaf_at(nodes, 2);
    l.encryption_key = leaf_at(nodes, 0).encryption_key;
    resign(g.suite, l, LeafIndex(2), g.signature_keys.at(2), g.group_id);
  });
  expect_only(bad, g.policy(), ErrorCode::kDuplicateEncryptionKey);
}

TEST(TreeValidation, ParentKeyFoundElsewhereInTheTreeIsRejected) {
  // §12.4.3.1: the root (set by leaf 2's commit) takes leaf 0's key; leaf 2 re-signs the chain
  // so only the uniqueness rule breaks.
  TestGroup g = TestGroup::grown(4);
  const RatchetTree edit = edited(g.tree, [](wire::RatchetTreeNodes& nodes) {
    parent_at(nodes, 3).encryption_key = leaf_at(nodes, 0).encryption_key;
  });
  const RatchetTree bad =
      reseal_chain(edit, LeafIndex(2), NodeIndex(3), g.signature_keys.at(2), g.group_id);
  expect_only(bad, g.policy(), ErrorCode::kDuplicateEncryptionKey);
}

// RFC 9180 §7.1.4: all-zero bytes are no usable HPKE public key in any suite (for X25519 the
// point of order 2, for the NIST curves no point encoding).
Bytes unusable_key(const crypto::Suite& suite) {
  return Bytes(crypto::kem_info(suite.info().kem).public_key_len, 0);
}

TEST(TreeValidation, LeafEncryptionKeyMustBeUsable) {
  // RFC 9180 §7.1.4: leaf 2's key (re-signed) is one nobody can encrypt to; a joiner taking the
  // tree could never commit a path over it.
  TestGroup g = TestGroup::grown(4);
  const RatchetTree bad = edited(g.tree, [&](wire::RatchetTreeNodes& nodes) {
    wire::LeafNode& l = leaf_at(nodes, 2);
    l.encryption_key = unusable_key(g.suite);
    resign(g.suite, l, LeafIndex(2), g.signature_keys.at(2), g.group_id);
  });
  expect_only(bad, g.policy(), ErrorCode::kInvalidPublicKey);
}

TEST(TreeValidation, ParentEncryptionKeyMustBeUsable) {
  // RFC 9180 §7.1.4: the root's key, with the chain re-signed by leaf 2.
  TestGroup g = TestGroup::grown(4);
  const RatchetTree edit = edited(g.tree, [&](wire::RatchetTreeNodes& nodes) {
    parent_at(nodes, 3).encryption_key = unusable_key(g.suite);
  });
  const RatchetTree bad =
      reseal_chain(edit, LeafIndex(2), NodeIndex(3), g.signature_keys.at(2), g.group_id);
  expect_only(bad, g.policy(), ErrorCode::kInvalidPublicKey);
}

TEST(TreeValidation, CredentialTypeNotSupportedByAllMembersIsRejected) {
  // §7.3: a new member with an x509 credential, which the others do not support.
  TestGroup g = TestGroup::grown(3);
  g.add(g.new_member("x509 member", [](wire::LeafNode& l) {
    l.credential = wire::Credential::x509({wire::Certificate{Bytes{0x30, 0x00}}});
    l.capabilities.credentials = {wire::CredentialType::kBasic, wire::CredentialType::kX509};
  }));
  expect_only(g.tree, g.policy(), ErrorCode::kCredentialTypeUnsupported);
}

TEST(TreeValidation, MemberNotSupportingACredentialTypeInUseIsRejected) {
  // §7.3: a new member whose capabilities leave out basic, which everyone uses.
  TestGroup g = TestGroup::grown(3);
  g.add(g.new_member("picky", [](wire::LeafNode& l) {
    l.capabilities.credentials = {wire::CredentialType::kX509};
  }));
  expect_only(g.tree, g.policy(), ErrorCode::kCredentialTypeUnsupported);
}

TEST(TreeValidation, LeafLackingARequiredCapabilityIsRejected) {
  // §7.3, §11.1: the group requires extension type 0xFF00; the last member does not list it.
  TestGroup g = TestGroup::grown(
      3, 1, [](wire::LeafNode& l) { l.capabilities.extensions = {wire::ExtensionType{0xFF00}}; });
  wire::RequiredCapabilities required;
  required.extension_types = {wire::ExtensionType{0xFF00}, wire::ExtensionType::kExternalSenders};
  required.proposal_types = {wire::ProposalType::kAdd};  // default: needs no listing
  g.extensions = {
      wire::Extension{wire::ExtensionType::kRequiredCapabilities, codec::encode(required)}};
  expect_valid(g.tree, g.policy());
  g.add(g.new_member("old client", [](wire::LeafNode& l) { l.capabilities.extensions.clear(); }));
  expect_only(g.tree, g.policy(), ErrorCode::kRequiredCapabilityMissing);
}

TEST(TreeValidation, LeafExtensionMissingFromItsCapabilitiesIsRejected) {
  // §7.2: non-default leaf extensions must be in the capabilities; default ones need not be.
  TestGroup g = TestGroup::grown(3);
  g.add(g.new_member("app id", [](wire::LeafNode& l) {
    l.extensions = {wire::Extension{wire::ExtensionType::kApplicationId, Bytes{1}}};
  }));
  expect_valid(g.tree, g.policy());
  g.add(g.new_member("custom", [](wire::LeafNode& l) {
    l.extensions = {wire::Extension{wire::ExtensionType{0xFF01}, Bytes{1}}};
  }));
  expect_only(g.tree, g.policy(), ErrorCode::kLeafExtensionUnsupported);
}

TEST(TreeValidation, KeyPackageLeafOutsideItsLifetimeIsRejectedWhenTimeIsGiven) {
  // §7.3: lifetime checked against the injected clock; commit leaves carry none.
  TestGroup g = TestGroup::grown(3);
  g.add(g.new_member("short lived", [](wire::LeafNode& l) { l.lifetime = {1000, 2000}; }));
  LeafPolicy policy = g.policy();
  expect_valid(g.tree, policy);  // no clock: not checked
  policy.now = 1500;
  expect_valid(g.tree, policy);
  policy.now = 2001;
  expect_only(g.tree, policy, ErrorCode::kLeafLifetimeInvalid);
  policy.now = 999;
  expect_only(g.tree, policy, ErrorCode::kLeafLifetimeInvalid);
}

TEST(TreeValidation, LifetimeLongerThanTheApplicationsMaximumIsRejected) {
  // §7.2: applications bound the total lifetime.
  TestGroup g = TestGroup::grown(3);
  g.add(g.new_member("forever", [](wire::LeafNode& l) { l.lifetime = {0, 1u << 30}; }));
  LeafPolicy policy = g.policy();
  policy.max_lifetime = 90 * 24 * 3600;
  expect_only(g.tree, policy, ErrorCode::kLeafLifetimeTooLong);
}

TEST(TreeValidation, CredentialRejectedByTheApplicationIsRejected) {
  // §5.3.1: the Authentication Service's verdict.
  TestGroup g = TestGroup::grown(3);
  g.add("mallory");
  LeafPolicy policy = g.policy();
  policy.credential_validator = [](const wire::Credential& c, BytesView) {
    return *c.identity() != to_bytes("mallory");
  };
  expect_only(g.tree, policy, ErrorCode::kCredentialRejected);
}

}  // namespace
}  // namespace conclave::tree
