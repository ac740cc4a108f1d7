// Runs the MLS working group's official test vectors (from the mls-implementations repository,
// folder test-vectors) found in $CONCLAVE_TEST_VECTORS. Outside CI a missing folder skips these
// tests; in CI (CI=true) it fails them.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "conclave/crypto/openssl_provider.h"
#include "vectors/vectors.h"

namespace {

bool in_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) != "" && std::string(ci) != "false";
}

// Checks every case of one official file: all must pass, and there must be exactly as many
// as the official file holds (so a truncated or swapped file cannot pass quietly).
void run_official(const std::string& file, const std::string& type, size_t expected_cases) {
  const char* dir = std::getenv("CONCLAVE_TEST_VECTORS");
  if (dir == nullptr || *dir == '\0') {
    if (in_ci()) FAIL() << "CONCLAVE_TEST_VECTORS is not set, and CI requires the vectors";
    GTEST_SKIP() << "CONCLAVE_TEST_VECTORS is not set; point it at the test-vectors folder of "
                    "the MLS working group's mls-implementations repository";
  }
  const std::filesystem::path path = std::filesystem::path(dir) / file;
  ASSERT_TRUE(std::filesystem::exists(path)) << path << " does not exist";
  const auto result =
      conclave::vectors::run_file(path.string(), type, conclave::crypto::openssl_provider());
  ASSERT_TRUE(result.implemented) << type;
  for (const auto& failure : result.failures)
    ADD_FAILURE() << failure;
  EXPECT_EQ(result.failed, 0u);
  EXPECT_EQ(result.passed, expected_cases);
}

// RFC 9420 Appendix C: tree arithmetic for 1..512 leaves.
TEST(OfficialVectors, TreeMath) {
  run_official("tree-math.json", "tree-math", 10);
}

// RFC 9420 §5 and §8: RefHash, ExpandWithLabel, DeriveSecret, DeriveTreeSecret,
// SignWithLabel/VerifyWithLabel, EncryptWithLabel/DecryptWithLabel for all seven suites.
TEST(OfficialVectors, CryptoBasics) {
  run_official("crypto-basics.json", "crypto-basics", 7);
}

// RFC 9420 §2.1.2: variable-length vector headers.
TEST(OfficialVectors, Deserialization) {
  run_official("deserialization.json", "deserialization", 14);
}

// RFC 9420 §6-§12: every struct decodes and re-encodes to the identical bytes.
TEST(OfficialVectors, Messages) {
  run_official("messages.json", "messages", 300);
}

// RFC 9420 §8.2: confirmed and interim transcript hashes and the confirmation tag.
TEST(OfficialVectors, TranscriptHashes) {
  run_official("transcript-hashes.json", "transcript-hashes", 7);
}

// RFC 9420 §6.2-6.3: PublicMessage and PrivateMessage protection both ways.
TEST(OfficialVectors, MessageProtection) {
  run_official("message-protection.json", "message-protection", 7);
}

// RFC 9420 §12.4.3.1: group secrets, GroupInfo decryption, signature and confirmation tag.
TEST(OfficialVectors, Welcome) {
  run_official("welcome.json", "welcome", 7);
}

// RFC 9420 §8, §8.3, §8.5: the key schedule over five epochs, external_pub, MLS-Exporter.
TEST(OfficialVectors, KeySchedule) {
  run_official("key-schedule.json", "key-schedule", 7);
}

// RFC 9420 §8.4: psk_secret from 0 to 10 external PSKs.
TEST(OfficialVectors, PskSecret) {
  run_official("psk_secret.json", "psk-secret", 77);
}

// RFC 9420 §6.3.2 and §9: sender data keys, handshake and application ratchets per leaf.
TEST(OfficialVectors, SecretTree) {
  run_official("secret-tree.json", "secret-tree", 21);
}

// RFC 9420 §7.7, §7.8, §12.1.1-§12.1.3: add, update and remove applied to trees.
TEST(OfficialVectors, TreeOperations) {
  run_official("tree-operations.json", "tree-operations", 5);
}

// RFC 9420 §4.1.1, §7.8, §7.9.2, §7.3: resolutions, tree hashes, parent hashes, signatures.
TEST(OfficialVectors, TreeValidation) {
  run_official("tree-validation.json", "tree-validation", 98);
}

// RFC 9420 §7.4-§7.6: processing and creating UpdatePaths for all seven suites.
TEST(OfficialVectors, TreeKem) {
  run_official("treekem.json", "treekem", 77);
}

// RFC 9420 §12.4.3.1 and §12.4.2: join by Welcome, then follow every epoch's proposals and
// commit, agreeing on each epoch authenticator.
TEST(OfficialVectors, PassiveClientWelcome) {
  run_official("passive-client-welcome.json", "passive-client", 56);
}
TEST(OfficialVectors, PassiveClientRandom) {
  run_official("passive-client-random.json", "passive-client", 1);
}
TEST(OfficialVectors, PassiveClientHandlingCommit) {
  run_official("passive-client-handling-commit.json", "passive-client", 91);
}

TEST(VectorTypes, InfersOfficialNames) {
  using conclave::vectors::infer_type;
  EXPECT_EQ(infer_type("x/tree-math.json"), "tree-math");
  EXPECT_EQ(infer_type("psk_secret.json"), "psk-secret");
  EXPECT_EQ(infer_type("/a/passive-client-random.json"), "passive-client");
  EXPECT_EQ(infer_type("unknown.json"), std::nullopt);
  EXPECT_EQ(infer_type("tree-math.txt"), std::nullopt);
}

}  // namespace
