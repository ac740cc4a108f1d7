// Negative tests for joining by Welcome (RFC 9420 §12.4.3.1): Alice adds Dave; each test opens
// the genuine Welcome with Dave's keys, breaks one rule (signing the GroupInfo again with
// Alice's key where the rule is not the signature), encrypts it again, and expects join() to
// fail with the rule's error. Dave then joins with the genuine Welcome.
#include <gtest/gtest.h>

#include "conclave/schedule/detail/welcome.h"
#include "conclave/schedule/psk.h"
#include "group/negative_test_util.h"

namespace conclave::group_testing {
namespace {

class WelcomeValidation : public NegativeGroupTest {
 protected:
  void SetUp() override {
    NegativeGroupTest::SetUp();
    dave = make_client(suite, "dave");
    eve = make_client(suite, "eve");
    CommitOptions add;
    add.add = {dave.key_package.key_package};
    added.emplace(genuine_commit(*a, add));
    added->committer.merge_pending_commit();
    welcome = *added->out.welcome->get<wire::Welcome>();
    open_welcome();
  }

  void TearDown() override {
    // Whatever was rejected, the genuine Welcome is accepted.
    if (!added) return;
    const Group d = join(wire::MlsMessage{welcome});
    EXPECT_EQ(d.epoch(), added->committer.epoch());
    EXPECT_EQ(d.epoch_authenticator(), added->committer.epoch_authenticator());
  }

  // What Dave reads from the genuine Welcome.
  void open_welcome() {
    const auto* entry = schedule::find_group_secrets(welcome, dave.key_package.ref(suite));
    ASSERT_NE(entry, nullptr);
    secrets = schedule::decrypt_group_secrets(
        suite, *entry, dave.key_package.init_private_key.view(), welcome.encrypted_group_info);
    ASSERT_TRUE(secrets.psks.empty());
    welcome_secret = schedule::derive_welcome_secret(suite, secrets.joiner_secret.view(),
                                                     schedule::derive_psk_secret(suite, {}).view());
    info = schedule::decrypt_group_info(suite, welcome_secret.view(), welcome.encrypted_group_info);
  }

  Group join(const wire::MlsMessage& message, const Client& who,
             const std::optional<wire::RatchetTreeNodes>& tree = std::nullopt) const {
    return Group::join(provider, who.identity, who.key_package, over_the_wire(message), tree,
                       config_, accept_any_policy());
  }
  Group join(const wire::MlsMessage& message,
             const std::optional<wire::RatchetTreeNodes>& tree = std::nullopt) const {
    return join(message, dave, tree);
  }

  // A Welcome to Dave holding `group_info` and `group_secrets`, encrypted as the genuine one.
  wire::MlsMessage welcome_with(const wire::GroupInfo& group_info,
                                const wire::GroupSecrets& group_secrets) const {
    wire::Welcome w;
    w.cipher_suite = suite.id();
    w.encrypted_group_info = schedule::encrypt_group_info(suite, welcome_secret.view(), group_info);
    w.secrets = {schedule::encrypt_group_secrets(suite, dave.key_package.key_package, group_secrets,
                                                 w.encrypted_group_info)};
    return wire::MlsMessage{std::move(w)};
  }
  wire::MlsMessage welcome_with(const wire::GroupInfo& group_info) const {
    return welcome_with(group_info, secrets);
  }
  wire::MlsMessage welcome_with(const wire::GroupSecrets& group_secrets) const {
    return welcome_with(info, group_secrets);
  }

  // The genuine GroupInfo changed by `mutate` and signed again by Alice.
  wire::GroupInfo resigned(const std::function<void(wire::GroupInfo&)>& mutate) const {
    wire::GroupInfo changed = info;
    mutate(changed);
    schedule::sign_group_info(suite, changed, alice.identity.signature_private_key.view());
    return changed;
  }

  static wire::RatchetTreeNodes tree_of(const wire::GroupInfo& group_info) {
    const auto* ext =
        wire::find_extension(group_info.extensions, wire::ExtensionType::kRatchetTree);
    return codec::decode<wire::RatchetTreeNodes>(ext->extension_data);
  }

  // The genuine GroupInfo with its tree changed by `mutate` and tree_hash set to match, signed
  // again: only the tree's own validity is broken.
  wire::GroupInfo with_tree(const std::function<void(wire::RatchetTreeNodes&)>& mutate) const {
    return resigned([&](wire::GroupInfo& gi) {
      wire::RatchetTreeNodes nodes = tree_of(gi);
      mutate(nodes);
      for (auto& ext : gi.extensions)
        if (ext.extension_type == wire::ExtensionType::kRatchetTree)
          ext.extension_data = codec::encode(nodes);
      gi.group_context.tree_hash = tree::RatchetTree::from_nodes(suite, nodes).tree_hash();
    });
  }

  Client dave, eve;
  std::optional<GenuineCommit> added;
  wire::Welcome welcome;
  wire::GroupSecrets secrets;
  SecretBytes welcome_secret;
  wire::GroupInfo info;
};

TEST_P(WelcomeValidation, Rfc12_4_3_1_WelcomeMustHaveSecretsForOurKeyPackage) {
  EXPECT_TRUE(rejects(ErrorCode::kWelcomeNotForUs, [&] { join(wire::MlsMessage{welcome}, eve); }));
  // Another KeyPackage of Dave's own is not the one the Welcome is for.
  Client dave_again{dave.identity, another_key_package(suite, dave)};
  EXPECT_TRUE(
      rejects(ErrorCode::kWelcomeNotForUs, [&] { join(wire::MlsMessage{welcome}, dave_again); }));
}

TEST_P(WelcomeValidation, Rfc12_4_3_1_CipherSuiteMustMatchTheKeyPackage) {
  wire::Welcome other_suite = welcome;
  other_suite.cipher_suite = suite.id() == 1 ? 3 : 1;
  EXPECT_TRUE(rejects(ErrorCode::kWelcomeCipherSuiteMismatch,
                      [&] { join(wire::MlsMessage{other_suite}); }));
  // The GroupInfo's GroupContext names the suite too.
  const auto gi = resigned(
      [&](wire::GroupInfo& g) { g.group_context.cipher_suite = other_suite.cipher_suite; });
  EXPECT_TRUE(rejects(ErrorCode::kGroupInfoInvalid, [&] { join(welcome_with(gi)); }));
}

TEST_P(WelcomeValidation, Rfc12_4_3_1_GroupContextVersionMustBeMls10) {
  const auto gi = resigned(
      [](wire::GroupInfo& g) { g.group_context.version = wire::ProtocolVersion::kReserved; });
  EXPECT_TRUE(rejects(ErrorCode::kGroupInfoInvalid, [&] { join(welcome_with(gi)); }));
}

TEST_P(WelcomeValidation, Rfc12_4_3_1_GroupInfoSignatureMustVerify) {
  wire::GroupInfo flipped = info;
  flip_last_byte(flipped.signature);
  EXPECT_TRUE(rejects(ErrorCode::kInvalidSignature, [&] { join(welcome_with(flipped)); }));
  // Signed by Bob's key in Alice's name.
  wire::GroupInfo by_bob = info;
  schedule::sign_group_info(suite, by_bob, bob.identity.signature_private_key.view());
  EXPECT_TRUE(rejects(ErrorCode::kInvalidSignature, [&] { join(welcome_with(by_bob)); }));
  // Alice's signature, naming Bob as the signer.
  const auto names_bob = resigned([](wire::GroupInfo& g) { g.signer = 1; });
  EXPECT_TRUE(rejects(ErrorCode::kInvalidSignature, [&] { join(welcome_with(names_bob)); }));
}

TEST_P(WelcomeValidation, Rfc12_4_3_1_GroupInfoSignerMustBeAMember) {
  const auto outside = resigned([](wire::GroupInfo& g) { g.signer = 9; });
  EXPECT_TRUE(rejects(ErrorCode::kGroupInfoInvalid, [&] { join(welcome_with(outside)); }));
}

TEST_P(WelcomeValidation, Rfc12_4_3_1_TreeHashMustMatchGroupContext) {
  const auto flipped =
      resigned([](wire::GroupInfo& g) { flip_last_byte(g.group_context.tree_hash); });
  EXPECT_TRUE(rejects(ErrorCode::kTreeHashMismatch, [&] { join(welcome_with(flipped)); }));
  // The tree of the epoch before, as Bob still has it.
  const auto old_tree = resigned([&](wire::GroupInfo& g) {
    for (auto& ext : g.extensions)
      if (ext.extension_type == wire::ExtensionType::kRatchetTree)
        ext.extension_data = codec::encode(b->tree().to_nodes());
  });
  EXPECT_TRUE(rejects(ErrorCode::kTreeHashMismatch, [&] { join(welcome_with(old_tree)); }));
}

TEST_P(WelcomeValidation, Rfc12_4_3_1_RatchetTreeMustBeAvailable) {
  const auto without_tree = resigned([](wire::GroupInfo& g) {
    std::erase_if(g.extensions, [](const wire::Extension& e) {
      return e.extension_type == wire::ExtensionType::kRatchetTree;
    });
  });
  const auto message = welcome_with(without_tree);
  EXPECT_TRUE(rejects(ErrorCode::kMissingRatchetTree, [&] { join(message); }));
  // Supplied out of band: a stale tree is caught, the right one joins.
  EXPECT_TRUE(rejects(ErrorCode::kTreeHashMismatch, [&] { join(message, b->tree().to_nodes()); }));
  const Group d = join(message, tree_of(info));
  EXPECT_EQ(d.epoch_authenticator(), added->committer.epoch_authenticator());
}

TEST_P(WelcomeValidation, Rfc12_4_3_1_TreeLeavesMustBeValid) {
  // Alice's leaf (node 0) with a broken signature. (Her leaf is the bottom of her path: no
  // parent hash covers its content, so the tree stays parent-hash valid.)
  const auto gi = with_tree([](wire::RatchetTreeNodes& nodes) {
    flip_last_byte(std::get<wire::LeafNode>(nodes.at(0)->value).signature);
  });
  EXPECT_TRUE(rejects(ErrorCode::kLeafSignatureInvalid, [&] { join(welcome_with(gi)); }));
}

TEST_P(WelcomeValidation, Rfc12_4_3_1_TreeParentNodesMustBeParentHashValid) {
  // Node 1 lies on Alice's path, set by her commit.
  const auto gi = with_tree([](wire::RatchetTreeNodes& nodes) {
    flip_last_byte(std::get<wire::ParentNode>(nodes.at(1)->value).parent_hash);
  });
  EXPECT_TRUE(rejects(ErrorCode::kParentHashInvalid, [&] { join(welcome_with(gi)); }));
}

TEST_P(WelcomeValidation, Rfc12_4_3_1_ConfirmationTagMustVerify) {
  const auto gi = resigned([](wire::GroupInfo& g) { flip_last_byte(g.confirmation_tag); });
  EXPECT_TRUE(rejects(ErrorCode::kConfirmationTagInvalid, [&] { join(welcome_with(gi)); }));
}

TEST_P(WelcomeValidation, Rfc12_4_3_1_OurLeafMustBeInTheTree) {
  // The genuine Welcome with an entry for Eve, whom the commit did not add.
  wire::Welcome to_eve = welcome;
  to_eve.secrets.push_back(schedule::encrypt_group_secrets(suite, eve.key_package.key_package,
                                                           secrets, welcome.encrypted_group_info));
  EXPECT_TRUE(rejects(ErrorCode::kJoinerNotInTree, [&] { join(wire::MlsMessage{to_eve}, eve); }));
  // An entry for another KeyPackage of Dave's: his signature key is in the tree, but not this
  // leaf.
  Client dave_again{dave.identity, another_key_package(suite, dave)};
  wire::Welcome to_dave_again = welcome;
  to_dave_again.secrets.push_back(schedule::encrypt_group_secrets(
      suite, dave_again.key_package.key_package, secrets, welcome.encrypted_group_info));
  EXPECT_TRUE(rejects(ErrorCode::kJoinerNotInTree,
                      [&] { join(wire::MlsMessage{to_dave_again}, dave_again); }));
}

TEST_P(WelcomeValidation, Rfc12_4_3_1_PreSharedKeysMustBeAvailable) {
  wire::GroupSecrets with_psk = secrets;
  with_psk.psks = {
      wire::PreSharedKeyId::external(to_bytes("unknown"), suite.random(suite.hash_len()))};
  EXPECT_TRUE(rejects(ErrorCode::kPskNotFound, [&] { join(welcome_with(with_psk)); }));
  // §8.4: psk_nonce is KDF.Nh bytes.
  with_psk.psks[0].psk_nonce.pop_back();
  EXPECT_TRUE(rejects(ErrorCode::kPskNonceInvalid, [&] { join(welcome_with(with_psk)); }));
}

TEST_P(WelcomeValidation, Rfc12_4_3_1_PathSecretMustMatchTheTree) {
  ASSERT_TRUE(secrets.path_secret.has_value());
  wire::GroupSecrets wrong = secrets;
  wrong.path_secret = wire::PathSecret{SecretBytes(suite.random(suite.hash_len()))};
  EXPECT_TRUE(rejects(ErrorCode::kPrivateKeyMismatch, [&] { join(welcome_with(wrong)); }));
}

TEST_P(WelcomeValidation, Rfc13_4_GroupInfoExtensionTypesMustBeUnique) {
  const auto gi = resigned([](wire::GroupInfo& g) { g.extensions.push_back(g.extensions.back()); });
  EXPECT_TRUE(rejects(ErrorCode::kDuplicateExtension, [&] { join(welcome_with(gi)); }));
}

INSTANTIATE_TEST_SUITE_P(AllSuites, WelcomeValidation, ::testing::Range<uint16_t>(1, 8),
                         suite_name);

}  // namespace
}  // namespace conclave::group_testing
