// Extensions draft §Last-Resort KeyPackages: the last_resort_key_package component (empty data)
// in a KeyPackage's app_data_dictionary marks it last resort, as Conclave's own last_resort
// extension (type 0x000A) does; a KeyPackageStore keeps such a package after a join, so it can
// be used again.
#include <gtest/gtest.h>

#include "conclave/group/key_package_store.h"
#include "conclave/wire/app_data.h"
#include "conclave/wire/component.h"
#include "negative_test_util.h"

namespace conclave::group_testing {
namespace {

class LastResort : public ::testing::TestWithParam<uint16_t> {
 protected:
  std::shared_ptr<const crypto::CryptoProvider> provider = crypto::openssl_provider();
  crypto::Suite suite{provider, GetParam()};
  Identity dave = Identity::generate(suite, basic_credential("dave"));

  wire::KeyPackage with_dictionary(const Bytes& dictionary) const {
    KeyPackageOptions o;
    o.extensions = {wire::Extension{wire::ExtensionType::kAppDataDictionary, dictionary}};
    return create_key_package(suite, dave, unix_time_now(), o).key_package;
  }
};

// §Last-Resort KeyPackages, Format: "a last_resort_key_package component contains the
// component_id with an empty data field"; asked for, create_key_package writes exactly that
// (and lists app_data_dictionary in the capabilities, RFC 9420 §10). Without GREASE, which
// would add an entry (negotiation_test.cpp).
TEST_P(LastResort, DraftFormIsCreatedAndRecognised) {
  KeyPackageOptions o;
  o.last_resort_component = true;
  o.grease = false;
  const wire::KeyPackage kp = create_key_package(suite, dave, unix_time_now(), o).key_package;
  const auto* ext = wire::find_extension(kp.extensions, wire::ExtensionType::kAppDataDictionary);
  ASSERT_NE(ext, nullptr);
  EXPECT_EQ(to_hex(ext->extension_data),
            "03"
            "0004"
            "00");
  EXPECT_EQ(wire::find_extension(kp.extensions, wire::ExtensionType::kLastResort), nullptr);
  const auto& caps = kp.leaf_node.capabilities.extensions;
  EXPECT_NE(std::find(caps.begin(), caps.end(), wire::ExtensionType::kAppDataDictionary),
            caps.end());
  EXPECT_TRUE(is_last_resort(kp));
  EXPECT_NO_THROW(validate_key_package(suite, kp, {}));
}

// The component joins a dictionary the application already puts in the KeyPackage.
TEST_P(LastResort, DraftFormMergesIntoAnExistingDictionary) {
  wire::AppDataDictionary d;
  wire::set_component(d, 0x8001, from_hex("aa"));
  KeyPackageOptions o;
  o.extensions = {wire::Extension{wire::ExtensionType::kAppDataDictionary, codec::encode(d)}};
  o.last_resort_component = true;
  o.grease = false;
  const wire::KeyPackage kp = create_key_package(suite, dave, unix_time_now(), o).key_package;
  const auto* ext = wire::find_extension(kp.extensions, wire::ExtensionType::kAppDataDictionary);
  ASSERT_NE(ext, nullptr);
  EXPECT_EQ(to_hex(ext->extension_data),
            "07"
            "0004"
            "00"
            "8001"
            "01aa");
  EXPECT_TRUE(is_last_resort(kp));
}

// Conclave's own form still counts; a component with data, another component or a malformed
// dictionary marks nothing.
TEST_P(LastResort, WhatIsAndIsNotAMark) {
  KeyPackageOptions own;
  own.last_resort = true;
  EXPECT_TRUE(is_last_resort(create_key_package(suite, dave, unix_time_now(), own).key_package));
  EXPECT_FALSE(is_last_resort(create_key_package(suite, dave, unix_time_now()).key_package));
  EXPECT_FALSE(
      is_last_resort(with_dictionary(from_hex("04"
                                              "0004"
                                              "01aa"))));
  EXPECT_FALSE(
      is_last_resort(with_dictionary(from_hex("03"
                                              "0005"
                                              "00"))));
  EXPECT_FALSE(
      is_last_resort(with_dictionary(from_hex("06"
                                              "0005"
                                              "00"
                                              "0004"
                                              "00"))))
      << "unsorted dictionary";
}

// RFC 9420 §16.8 via the draft: a KeyPackage marked the draft's way survives a join through a
// KeyPackageStore and is used again by another group.
TEST_P(LastResort, StoreKeepsTheDraftForm) {
  KeyPackageOptions o;
  o.last_resort_component = true;
  const KeyPackageBundle last = create_key_package(suite, dave, unix_time_now(), o);
  KeyPackageStore store;
  const Bytes ref = store.add(suite, last);
  for (const char* creator : {"alice", "erin"}) {
    Group g = Group::create(provider, Identity::generate(suite, basic_credential(creator)), {},
                            accept_any_policy());
    const CommitOutput out = g.commit(adding({last.key_package}));
    g.merge_pending_commit();
    const Group d =
        Group::join(provider, dave, store, *out.welcome, std::nullopt, {}, accept_any_policy());
    EXPECT_EQ(d.epoch_authenticator(), g.epoch_authenticator());
    EXPECT_NE(store.find(ref), nullptr) << "kept after joining " << creator << "'s group";
  }
}

INSTANTIATE_TEST_SUITE_P(AllSuites, LastResort, ::testing::Range<uint16_t>(1, 8), suite_name);

}  // namespace
}  // namespace conclave::group_testing
