// Extensions draft §The Safe Application Interface in a group of three members, every cipher
// suite: safe HPKE to a member's leaf key (§HPKE Keys), safe signatures with the members'
// signature keys (§Signature Keys), the safe exporter (§Exported Secrets) and application
// PSKs (§Pre-Shared Keys).
#include <gtest/gtest.h>

#include "conclave/wire/component.h"
#include "negative_test_util.h"

namespace conclave::group_testing {
namespace {

constexpr wire::ComponentId kChess = 0x8001;
constexpr wire::ComponentId kPoll = 0x8002;

using SafeApi = NegativeGroupTest;

// §HPKE Keys: a component encrypts to the key of a member's leaf; only that member opens it,
// and only as the same component, label and context.
TEST_P(SafeApi, HpkeToAMembersLeafKey) {
  const Bytes context = from_hex("0102");
  const auto ct = a->safe_encrypt(b->own_leaf(), kChess, "move", context, from_hex("e2e4"));
  EXPECT_EQ(b->safe_decrypt(kChess, "move", context, ct), from_hex("e2e4"));
  // "a component cannot decrypt data meant for another component"
  EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kAeadAuthenticationFailed,
                                [&] { b->safe_decrypt(kPoll, "move", context, ct); }));
  EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kAeadAuthenticationFailed,
                                [&] { b->safe_decrypt(kChess, "move", {}, ct); }));
  // "a PrivateKey of a leaf node is known only to the member in that leaf"
  EXPECT_TRUE(rejects_unchanged(*c, ErrorCode::kAeadAuthenticationFailed,
                                [&] { c->safe_decrypt(kChess, "move", context, ct); }));
  // Leaf 3 is blank: there is no key to encrypt to.
  EXPECT_TRUE(rejects_unchanged(*a, ErrorCode::kSafeKeyUnavailable, [&] {
    a->safe_encrypt(tree::LeafIndex(3), kChess, "move", context, {});
  }));
  EXPECT_TRUE(rejects(ErrorCode::kSafeKeyUnavailable, [&] {
    a->safe_encrypt(tree::LeafIndex(1000), kChess, "move", context, {});
  }));
}

// §HPKE Keys: after the member updates its leaf, the new key is the one to use.
TEST_P(SafeApi, HpkeFollowsTheCurrentLeafKey) {
  GenuineCommit g = genuine_commit(*b, with_path());  // Bob's leaf key changes
  expect_commit_accepted(*a, g.committer, g.out.commit);
  b.emplace(std::move(g.committer));
  const auto ct = a->safe_encrypt(b->own_leaf(), kChess, "move", {}, from_hex("aa"));
  EXPECT_EQ(b->safe_decrypt(kChess, "move", {}, ct), from_hex("aa"));
}

// §Signature Keys: any member verifies a component's signature against the signer's leaf;
// another component, label, content or signer does not verify.
TEST_P(SafeApi, SignaturesWithTheMembersKeys) {
  const Bytes content = from_hex("c0ffee");
  const Bytes signature = a->safe_sign(kPoll, "ballot", content);
  EXPECT_TRUE(b->safe_verify(a->own_leaf(), kPoll, "ballot", content, signature));
  EXPECT_TRUE(c->safe_verify(a->own_leaf(), kPoll, "ballot", content, signature));
  EXPECT_FALSE(b->safe_verify(a->own_leaf(), kChess, "ballot", content, signature));
  EXPECT_FALSE(b->safe_verify(a->own_leaf(), kPoll, "vote", content, signature));
  EXPECT_FALSE(b->safe_verify(a->own_leaf(), kPoll, "ballot", from_hex("c0ffef"), signature));
  EXPECT_FALSE(b->safe_verify(c->own_leaf(), kPoll, "ballot", content, signature));
  EXPECT_TRUE(rejects(ErrorCode::kSafeKeyUnavailable, [&] {
    b->safe_verify(tree::LeafIndex(3), kPoll, "ballot", content, signature);
  }));
}

// §Exported Secrets: every member derives the same secret per component, components get
// different ones, and none is the RFC 9420 exporter's or the previous epoch's.
TEST_P(SafeApi, SafeExportAgreesAcrossMembersAndEpochs) {
  const SecretBytes chess = a->safe_export(kChess);
  EXPECT_EQ(chess.size(), suite.hash_len());
  EXPECT_EQ(b->safe_export(kChess), chess);
  EXPECT_EQ(c->safe_export(kChess), chess);
  EXPECT_NE(a->safe_export(kPoll), chess);
  EXPECT_NE(a->export_secret("MLS Component", {}, suite.hash_len()), chess);

  GenuineCommit g = genuine_commit(*a);
  advance_all(g);
  ASSERT_TRUE(a->safe_export_available(kChess)) << "a new epoch, a new tree";
  const SecretBytes next = a->safe_export(kChess);
  EXPECT_NE(next, chess);
  EXPECT_EQ(b->safe_export(kChess), next);
  EXPECT_EQ(c->safe_export(kChess), next);
}

// §Exported Secrets: "MUST regard that component's exported secret as consumed": a second
// export in the epoch fails with the state unchanged, also after a serialize/deserialize.
TEST_P(SafeApi, SafeExportIsConsumed) {
  (void)b->safe_export(kChess);
  EXPECT_FALSE(b->safe_export_available(kChess));
  EXPECT_TRUE(b->safe_export_available(kPoll));
  EXPECT_TRUE(
      rejects_unchanged(*b, ErrorCode::kSafeExportConsumed, [&] { b->safe_export(kChess); }));
  Group reloaded = Group::deserialize(provider, b->serialize().view(), accept_any_policy());
  EXPECT_TRUE(rejects_unchanged(reloaded, ErrorCode::kSafeExportConsumed,
                                [&] { reloaded.safe_export(kChess); }));
  EXPECT_EQ(reloaded.safe_export(kPoll), a->safe_export(kPoll));
}

// A removed member holds no secrets of the group (RFC 9420 §12.4.2), the exporter's neither.
TEST_P(SafeApi, RemovedMemberHasNoSafeExporter) {
  GenuineCommit g = genuine_commit(*a, removing(c->own_leaf()));
  c->merge(std::get<StagedCommit>(c->process(over_the_wire(g.out.commit))));
  ASSERT_FALSE(c->active());
  EXPECT_TRUE(rejects(ErrorCode::kSafeExportUnavailable, [&] { c->safe_export(kChess); }));
  EXPECT_TRUE(rejects(ErrorCode::kSafeKeyUnavailable,
                      [&] { c->safe_decrypt(kChess, "move", {}, crypto::HpkeCiphertext{}); }));
}

// §Pre-Shared Keys: a component's PSK (psktype application) is injected like any PSK: every
// member that holds it reaches the same epoch; a member without it refuses the commit; an
// external PSK of the same id does not stand in for it.
TEST_P(SafeApi, ApplicationPskIsInjected) {
  const SecretBytes value(Bytes(suite.hash_len(), 0x42));
  GroupPolicy with_psk = accept_any_policy();
  with_psk.application_psk = [&](uint16_t component, BytesView id) -> std::optional<SecretBytes> {
    if (component == kChess && Bytes(id.begin(), id.end()) == from_hex("0b")) return value;
    return std::nullopt;
  };
  a->set_policy(with_psk);
  b->set_policy(with_psk);
  GroupPolicy external_only = accept_any_policy();
  external_only.external_psk = [&](BytesView) -> std::optional<SecretBytes> { return value; };
  c->set_policy(external_only);

  CommitOptions options;
  const Bytes nonce = suite.random(suite.hash_len());
  options.psks = {wire::PreSharedKeyId::application(kChess, from_hex("0b"), nonce)};
  // Another component's PSK of the same id is not held.
  CommitOptions other;
  other.psks = {wire::PreSharedKeyId::application(kPoll, from_hex("0b"), nonce)};
  EXPECT_TRUE(rejects_unchanged(*a, ErrorCode::kPskNotFound, [&] { a->commit(other); }));

  GenuineCommit g = genuine_commit(*a, options);
  EXPECT_TRUE(rejects_unchanged(*c, ErrorCode::kPskNotFound,
                                [&] { c->process(over_the_wire(g.out.commit)); }));
  expect_commit_accepted(*b, g.committer, g.out.commit);
}

INSTANTIATE_TEST_SUITE_P(AllSuites, SafeApi, ::testing::Range<uint16_t>(1, 8), suite_name);

}  // namespace
}  // namespace conclave::group_testing
