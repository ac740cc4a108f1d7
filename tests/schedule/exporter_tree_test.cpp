// Extensions draft §Exported Secrets: the Exporter Tree (RFC 9420 §9's tree with 2^16 leaves,
// application_export_secret at the root), one secret per ComponentID, consumed as it is
// handed out, with the source material deleted as RFC 9420 §9.2 says.
#include "conclave/schedule/exporter_tree.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "conclave/base/error.h"
#include "conclave/codec/codec.h"
#include "conclave/crypto/openssl_provider.h"
#include "support/error_of.h"

namespace conclave::schedule {
namespace {

using conclave::testing::error_of;

// The draft's definition written out: from the root, 16 steps down, "left" for a 0 bit of the
// ComponentID and "right" for a 1 bit, most significant first (leaf i of a 2^16-leaf tree).
SecretBytes reference_secret(const crypto::Suite& suite, const SecretBytes& root,
                             wire::ComponentId id) {
  SecretBytes node = root;
  for (int bit = 15; bit >= 0; --bit) {
    const char* side = ((id >> bit) & 1) != 0 ? "right" : "left";
    const std::string s(side);
    node =
        suite.expand_with_label(node.view(), "tree", Bytes(s.begin(), s.end()), suite.hash_len());
  }
  return node;
}

class ExporterTreeTest : public ::testing::TestWithParam<uint16_t> {
 protected:
  crypto::Suite suite{crypto::openssl_provider(), GetParam()};
  SecretBytes root{Bytes(suite.hash_len(), 0x5a)};
};

// §Exported Secrets: SafeExportSecret(ComponentID) = tree_node_[LeafIndex(ComponentID)]_secret.
TEST_P(ExporterTreeTest, SecretIsTheLeafOfTheComponent) {
  ExporterTree tree(suite, root);
  for (wire::ComponentId id : {0x0000, 0x0001, 0x0A0A, 0x7fff, 0x8000, 0xfffe, 0xffff})
    EXPECT_EQ(tree.take(suite, id), reference_secret(suite, root, id)) << "component " << id;
}

// §Exported Secrets: "regard that component's exported secret as consumed": a second request
// fails; other components, the neighbour leaf included, still get theirs.
TEST_P(ExporterTreeTest, SecretIsConsumed) {
  ExporterTree tree(suite, root);
  EXPECT_TRUE(tree.available(0x0102));
  (void)tree.take(suite, 0x0102);
  EXPECT_FALSE(tree.available(0x0102));
  EXPECT_EQ(error_of([&] { tree.take(suite, 0x0102); }), ErrorCode::kSafeExportConsumed);
  EXPECT_TRUE(tree.available(0x0103));
  EXPECT_EQ(tree.take(suite, 0x0103), reference_secret(suite, root, 0x0103));
}

// RFC 9420 §9.2 via §Exported Secrets: the root and every parent on the way down are deleted
// once their children exist, and the leaf once handed out: one export leaves the 16 siblings.
TEST_P(ExporterTreeTest, SourceMaterialIsDeleted) {
  ExporterTree tree(suite, root);
  EXPECT_EQ(tree.stored_node_count(), 1u);
  (void)tree.take(suite, 0x1234);
  EXPECT_EQ(tree.stored_node_count(), 16u);
  const Bytes encoded = codec::encode(tree);
  const auto contains = [&](const SecretBytes& secret) {
    return std::search(encoded.begin(), encoded.end(), secret.view().begin(),
                       secret.view().end()) != encoded.end();
  };
  EXPECT_FALSE(contains(root)) << "the root is still stored";
  EXPECT_FALSE(contains(reference_secret(suite, root, 0x1234))) << "the exported secret is kept";
}

// The serialization (uint16 cipher_suite, NodeSecret nodes<V>) round-trips, and the decoded
// tree hands out the same secrets.
TEST_P(ExporterTreeTest, SerializationRoundTrip) {
  ExporterTree tree(suite, root);
  (void)tree.take(suite, 0x0001);
  auto copy = codec::decode<ExporterTree>(codec::encode(tree));
  EXPECT_EQ(copy, tree);
  EXPECT_EQ(error_of([&] { copy.take(suite, 0x0001); }), ErrorCode::kSafeExportConsumed);
  EXPECT_EQ(copy.take(suite, 0x4321), reference_secret(suite, root, 0x4321));
}

INSTANTIATE_TEST_SUITE_P(AllSuites, ExporterTreeTest, ::testing::Range<uint16_t>(1, 8),
                         [](const auto& info) { return "Suite" + std::to_string(info.param); });

// The layout, byte for byte, of a fresh tree of suite 1 (root 0xffff... with node index 65535).
TEST(ExporterTreeEncoding, Layout) {
  const crypto::Suite suite(crypto::openssl_provider(), 1);
  const ExporterTree tree(suite, SecretBytes(Bytes(32, 0x11)));
  EXPECT_EQ(to_hex(codec::encode(tree)),
            "0001"
            "25"
            "0000ffff"
            "20" +
                std::string(64, '1'));
}

// Decoding checks every invariant (kInvalidScheduleState): a node outside the 2^17 - 1 nodes,
// nodes out of order, a node stored with its ancestor, a secret of the wrong length, an
// unknown suite.
TEST(ExporterTreeEncoding, RejectsBrokenInvariants) {
  const std::string secret = "20" + std::string(64, '1');
  const auto error = [](const std::string& hex) {
    return error_of([&] { (void)codec::decode<ExporterTree>(from_hex(hex)); });
  };
  EXPECT_EQ(error("0001"
                  "25"
                  "0001ffff" +
                  secret),
            ErrorCode::kInvalidScheduleState)
      << "outside the tree";
  EXPECT_EQ(error("0001"
                  "404a"
                  "00000002" +
                  secret + "00000000" + secret),
            ErrorCode::kInvalidScheduleState)
      << "out of order";
  EXPECT_EQ(error("0001"
                  "404a"
                  "00000000" +
                  secret + "00000001" + secret),
            ErrorCode::kInvalidScheduleState)
      << "leaf 0 with its parent";
  EXPECT_EQ(error("0001"
                  "24"
                  "0000ffff"
                  "1f" +
                  std::string(62, '1')),
            ErrorCode::kInvalidScheduleState)
      << "a 31-byte secret in a suite of 32";
  EXPECT_EQ(error("0999"
                  "25"
                  "0000ffff" +
                  secret),
            ErrorCode::kInvalidScheduleState)
      << "unknown suite";
  EXPECT_EQ(error("0001"
                  "404a"
                  "00000000" +
                  secret + "00000002" + secret),
            ErrorCode::kInternal)
      << "two leaves side by side are a valid tree (a control for the cases above)";
}

}  // namespace
}  // namespace conclave::schedule
