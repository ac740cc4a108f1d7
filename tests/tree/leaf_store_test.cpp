// The tree's leaves kept encoded (include/conclave/tree/leaf_store.h): what the store promises —
// the encoding is the leaf's RFC 9420 §7.2 wire form, a decoded copy is made on first access and
// stays put until the slot changes or release_decoded(), and the keys are read without decoding.
#include <gtest/gtest.h>

#include <algorithm>

#include "conclave/codec/codec.h"
#include "conclave/tree/leaf_store.h"

namespace conclave::tree::detail {
namespace {

wire::LeafNode sample_leaf(uint8_t tag) {
  wire::LeafNode leaf;
  leaf.encryption_key = Bytes(32, tag);
  leaf.signature_key = Bytes(32, static_cast<uint8_t>(tag + 1));
  leaf.credential.credential_type = wire::CredentialType::kBasic;
  leaf.credential.content = Bytes{'m', tag};
  leaf.capabilities.versions = {wire::ProtocolVersion::kMls10};
  leaf.capabilities.cipher_suites = {1, 0x0A0A};
  leaf.capabilities.credentials = {wire::CredentialType::kBasic};
  leaf.lifetime = {1, 2};
  leaf.signature = Bytes(64, 0x5A);
  return leaf;
}

TEST(LeafStore, KeepsTheWireEncodingAndDecodesOnDemand) {
  LeafStore store;
  store.cover(4);
  EXPECT_FALSE(store.has(2));
  EXPECT_EQ(store.get(2), nullptr);
  EXPECT_TRUE(store.encoded(2).empty());

  const wire::LeafNode leaf = sample_leaf(7);
  store.set_encoded_only(2, leaf);
  ASSERT_TRUE(store.has(2));
  EXPECT_TRUE(std::ranges::equal(store.encoded(2), codec::encode(leaf)));
  EXPECT_TRUE(std::ranges::equal(store.encryption_key(2), leaf.encryption_key));
  EXPECT_TRUE(std::ranges::equal(store.signature_key(2), leaf.signature_key));

  const wire::LeafNode* decoded = store.get(2);
  ASSERT_NE(decoded, nullptr);
  EXPECT_EQ(*decoded, leaf);
  EXPECT_EQ(store.get(2), decoded);  // the same copy until the slot changes

  store.release_decoded();
  ASSERT_NE(store.get(2), nullptr);
  EXPECT_EQ(*store.get(2), leaf);  // decoded again from the encoding

  store.set(2, sample_leaf(9));
  EXPECT_EQ(*store.get(2), sample_leaf(9));
  store.set(2, std::nullopt);
  EXPECT_FALSE(store.has(2));
  EXPECT_EQ(store.get(2), nullptr);
}

TEST(LeafStore, CopiesAndReleasesSlots) {
  LeafStore store;
  store.cover(8);
  for (uint8_t i = 0; i < 8; ++i)
    store.set(i, sample_leaf(i));
  LeafStore copy(store);
  store.release_from(4);
  EXPECT_TRUE(store.has(3));
  store.cover(8);  // slots past a release are addressable again only once covered: blank
  EXPECT_FALSE(store.has(4));
  EXPECT_EQ(store.get(7), nullptr);
  for (uint8_t i = 0; i < 8; ++i) {
    ASSERT_TRUE(copy.has(i));
    EXPECT_EQ(*copy.get(i), sample_leaf(i));
  }
  // Many changes without a release keep the list of decoded slots bounded (no growth per set).
  for (int round = 0; round < 1000; ++round)
    store.set(1, sample_leaf(static_cast<uint8_t>(round)));
  EXPECT_EQ(*store.get(1), sample_leaf(static_cast<uint8_t>(999)));
}

}  // namespace
}  // namespace conclave::tree::detail
