// KeyPackageStore and last_resort KeyPackages (RFC 9420 §5.2 KeyPackageRef, §10 "init_key is
// used once", §17.3 extension type last_resort 0x000A): a join from the store deletes the used
// bundle's private keys unless the package is last-resort; a failed join changes nothing.
#include "conclave/group/key_package_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <type_traits>
#include <utility>

#include "group/negative_test_util.h"

namespace conclave::group_testing {
namespace {

// The store holds private keys: it is handed out in SecretBytes, which wipe themselves.
static_assert(
    std::is_same_v<decltype(std::declval<const KeyPackageStore&>().serialize()), SecretBytes>);

class KeyPackageStoreTest : public ::testing::TestWithParam<uint16_t> {
 protected:
  // Alice's group; `add` commits adding `key_package` and returns the Welcome.
  wire::MlsMessage add(Group& group, const wire::KeyPackage& key_package) {
    CommitOptions options;
    options.add = {key_package};
    const CommitOutput out = group.commit(options);
    group.merge_pending_commit();
    return *out.welcome;
  }

  std::shared_ptr<const crypto::CryptoProvider> provider = crypto::openssl_provider();
  crypto::Suite suite{provider, GetParam()};
  Identity alice = Identity::generate(suite, basic_credential("alice"));
  Identity dave = Identity::generate(suite, basic_credential("dave"));
};

// §17.3: a last_resort extension (type 0x000A, empty data) in KeyPackage.extensions, listed in
// the leaf's capabilities (§10); such a KeyPackage is valid (§10.1).
TEST_P(KeyPackageStoreTest, Rfc17_3_LastResortExtensionMarksTheKeyPackage) {
  KeyPackageOptions options;
  options.last_resort = true;
  const KeyPackageBundle last = create_key_package(suite, dave, unix_time_now(), options);
  const wire::Extension* ext =
      wire::find_extension(last.key_package.extensions, wire::ExtensionType::kLastResort);
  ASSERT_NE(ext, nullptr);
  EXPECT_EQ(static_cast<uint16_t>(ext->extension_type), 0x000A);
  EXPECT_TRUE(ext->extension_data.empty());
  const auto& caps = last.key_package.leaf_node.capabilities.extensions;
  EXPECT_NE(std::find(caps.begin(), caps.end(), wire::ExtensionType::kLastResort), caps.end());
  EXPECT_TRUE(is_last_resort(last.key_package));
  tree::LeafPolicy policy;
  policy.now = unix_time_now();
  EXPECT_NO_THROW(validate_key_package(suite, last.key_package, policy));
  EXPECT_FALSE(is_last_resort(create_key_package(suite, dave, unix_time_now()).key_package));
}

// §5.2: bundles are held by KeyPackageRef; the store serializes and restores them, and refuses
// state that does not decode or whose refs do not match their KeyPackages.
TEST_P(KeyPackageStoreTest, Rfc5_2_StoresBundlesByKeyPackageRef) {
  KeyPackageStore store;
  const KeyPackageBundle first = create_key_package(suite, dave, unix_time_now());
  const KeyPackageBundle second = create_key_package(suite, dave, unix_time_now());
  const Bytes ref1 = store.add(suite, first);
  const Bytes ref2 = store.add(suite, second);
  EXPECT_EQ(ref1, suite.make_key_package_ref(codec::encode(first.key_package)));
  EXPECT_EQ(store.size(), 2u);
  EXPECT_EQ(store.add(suite, first), ref1);  // the same package again replaces it
  EXPECT_EQ(store.size(), 2u);
  ASSERT_NE(store.find(ref1), nullptr);
  EXPECT_EQ(*store.find(ref1), first);
  EXPECT_EQ(store.refs(), (std::vector<Bytes>{ref1, ref2}));

  const SecretBytes saved = store.serialize();
  const KeyPackageStore restored = KeyPackageStore::deserialize(provider, saved.view());
  EXPECT_EQ(restored, store);
  EXPECT_EQ(restored.serialize(), saved);

  const BytesView truncated = saved.view().first(saved.size() - 1);
  EXPECT_TRUE(rejects(ErrorCode::kGroupStateInvalid,
                      [&] { KeyPackageStore::deserialize(provider, truncated); }));
  // The first entry's ref starts right after the version and the two vector lengths.
  Bytes tampered = saved.copy_out();
  const auto at = std::search(tampered.begin(), tampered.end(), ref1.begin(), ref1.end());
  ASSERT_NE(at, tampered.end());
  *at ^= 0x01;
  EXPECT_TRUE(rejects(ErrorCode::kGroupStateInvalid,
                      [&] { KeyPackageStore::deserialize(provider, tampered); }));

  EXPECT_TRUE(store.remove(ref1));
  EXPECT_FALSE(store.remove(ref1));
  EXPECT_EQ(store.find(ref1), nullptr);
  EXPECT_EQ(store.size(), 1u);

  const uint16_t other = suite.id() == 1 ? 2 : 1;
  const crypto::Suite other_suite(provider, other);
  const Identity foreign = Identity::generate(other_suite, basic_credential("f"));
  EXPECT_TRUE(rejects(ErrorCode::kInvalidArgument, [&] {
    store.add(suite, create_key_package(other_suite, foreign, unix_time_now()));
  }));
}

// §10, §12.4.3.1: joining from the store uses the bundle the Welcome is addressed to and then
// deletes it, private keys included; the same Welcome cannot be used again (kWelcomeNotForUs)
// and the other bundles stay.
TEST_P(KeyPackageStoreTest, Rfc10_JoinDeletesTheUsedKeyPackage) {
  KeyPackageStore store;
  const KeyPackageBundle used = create_key_package(suite, dave, unix_time_now());
  const Bytes used_ref = store.add(suite, used);
  const Bytes other_ref = store.add(suite, create_key_package(suite, dave, unix_time_now()));
  Group a = Group::create(provider, alice, {}, accept_any_policy());
  const wire::MlsMessage welcome = add(a, used.key_package);

  const Group d =
      Group::join(provider, dave, store, welcome, std::nullopt, {}, accept_any_policy());
  EXPECT_EQ(d.epoch_authenticator(), a.epoch_authenticator());
  EXPECT_EQ(store.find(used_ref), nullptr);
  EXPECT_NE(store.find(other_ref), nullptr);
  EXPECT_EQ(store.size(), 1u);
  EXPECT_EQ(KeyPackageStore::deserialize(provider, store.serialize().view()).find(used_ref),
            nullptr);

  const SecretBytes before = store.serialize();
  EXPECT_TRUE(rejects(ErrorCode::kWelcomeNotForUs, [&] {
    Group::join(provider, dave, store, welcome, std::nullopt, {}, accept_any_policy());
  }));
  EXPECT_EQ(store.serialize(), before);
}

// §17.3: a last-resort KeyPackage survives the join and is used again, for a second group and
// for another Welcome of the first one.
TEST_P(KeyPackageStoreTest, Rfc17_3_LastResortKeyPackageSurvivesAndIsReused) {
  KeyPackageStore store;
  KeyPackageOptions options;
  options.last_resort = true;
  const KeyPackageBundle last = create_key_package(suite, dave, unix_time_now(), options);
  const Bytes ref = store.add(suite, last);
  const SecretBytes saved = store.serialize();

  Group a = Group::create(provider, alice, {}, accept_any_policy());
  const Group d1 = Group::join(provider, dave, store, add(a, last.key_package), std::nullopt, {},
                               accept_any_policy());
  EXPECT_EQ(d1.epoch_authenticator(), a.epoch_authenticator());
  EXPECT_EQ(store.serialize(), saved);  // kept, unchanged

  const Identity erin = Identity::generate(suite, basic_credential("erin"));
  Group e = Group::create(provider, erin, {}, accept_any_policy());
  const Group d2 = Group::join(provider, dave, store, add(e, last.key_package), std::nullopt, {},
                               accept_any_policy());
  EXPECT_EQ(d2.epoch_authenticator(), e.epoch_authenticator());
  EXPECT_NE(d2.group_id(), d1.group_id());
  ASSERT_NE(store.find(ref), nullptr);
  EXPECT_EQ(*store.find(ref), last);
}

// A join that fails (here: the Welcome has no ratchet tree and none is supplied, §12.4.3.1)
// leaves the store as it was; the bundle is deleted once a join succeeds.
TEST_P(KeyPackageStoreTest, Rfc12_4_3_1_FailedJoinLeavesTheStoreUnchanged) {
  KeyPackageStore store;
  const KeyPackageBundle kp = create_key_package(suite, dave, unix_time_now());
  const Bytes ref = store.add(suite, kp);
  CreateOptions create;
  create.config.ratchet_tree_in_welcome = 0;
  Group a = Group::create(provider, alice, create, accept_any_policy());
  const wire::MlsMessage welcome = add(a, kp.key_package);
  const SecretBytes before = store.serialize();
  EXPECT_TRUE(rejects(ErrorCode::kMissingRatchetTree, [&] {
    Group::join(provider, dave, store, welcome, std::nullopt, {}, accept_any_policy());
  }));
  EXPECT_EQ(store.serialize(), before);
  const Group d =
      Group::join(provider, dave, store, welcome, a.tree().to_nodes(), {}, accept_any_policy());
  EXPECT_EQ(d.epoch_authenticator(), a.epoch_authenticator());
  EXPECT_EQ(store.find(ref), nullptr);
}

INSTANTIATE_TEST_SUITE_P(AllSuites, KeyPackageStoreTest, ::testing::Range<uint16_t>(1, 8),
                         suite_name);

}  // namespace
}  // namespace conclave::group_testing
