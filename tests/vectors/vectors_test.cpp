// Runs the MLS working group's official test vectors (from the mls-implementations repository,
// folder test-vectors) found in $CONCLAVE_TEST_VECTORS, once per crypto provider combination
// (tests/support/provider_cases.h): OfficialVectors.<File>/<Provider>. Outside CI a missing
// folder skips these tests; in CI (CI=true) it fails them.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "support/provider_cases.h"
#include "vectors/vectors.h"

namespace {

bool in_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) != "" && std::string(ci) != "false";
}

// Checks every case of one official file: all must pass, and there must be exactly as many
// as the official file holds (so a truncated or swapped file cannot pass quietly).
void run_official(const std::string& file, const std::string& type, size_t expected_cases,
                  const conclave::testing::ProviderCase& provider) {
  const char* dir = std::getenv("CONCLAVE_TEST_VECTORS");
  if (dir == nullptr || *dir == '\0') {
    if (in_ci()) FAIL() << "CONCLAVE_TEST_VECTORS is not set, and CI requires the vectors";
    GTEST_SKIP() << "CONCLAVE_TEST_VECTORS is not set; point it at the test-vectors folder of "
                    "the MLS working group's mls-implementations repository";
  }
  const std::filesystem::path path = std::filesystem::path(dir) / file;
  ASSERT_TRUE(std::filesystem::exists(path)) << path << " does not exist";
  const auto result = conclave::vectors::run_file(path.string(), type, provider.make());
  ASSERT_TRUE(result.implemented) << type;
  for (const auto& failure : result.failures)
    ADD_FAILURE() << failure;
  EXPECT_EQ(result.failed, 0u);
  EXPECT_EQ(result.passed, expected_cases);
}

// Each official file with one provider combination. Instantiated without a prefix, so that
// OfficialVectors.* selects every file with every combination.
class OfficialVectors : public ::testing::TestWithParam<conclave::testing::ProviderCase> {
 protected:
  void run(const std::string& file, const std::string& type, size_t expected_cases) {
    run_official(file, type, expected_cases, GetParam());
  }
};

// RFC 9420 Appendix C: tree arithmetic for 1..512 leaves.
TEST_P(OfficialVectors, TreeMath) {
  run("tree-math.json", "tree-math", 10);
}

// RFC 9420 §5 and §8: RefHash, ExpandWithLabel, DeriveSecret, DeriveTreeSecret,
// SignWithLabel/VerifyWithLabel, EncryptWithLabel/DecryptWithLabel for all seven suites.
TEST_P(OfficialVectors, CryptoBasics) {
  run("crypto-basics.json", "crypto-basics", 7);
}

// RFC 9420 §2.1.2: variable-length vector headers.
TEST_P(OfficialVectors, Deserialization) {
  run("deserialization.json", "deserialization", 14);
}

// RFC 9420 §6-§12: every struct decodes and re-encodes to the identical bytes.
TEST_P(OfficialVectors, Messages) {
  run("messages.json", "messages", 300);
}

// RFC 9420 §8.2: confirmed and interim transcript hashes and the confirmation tag.
TEST_P(OfficialVectors, TranscriptHashes) {
  run("transcript-hashes.json", "transcript-hashes", 7);
}

// RFC 9420 §6.2-6.3: PublicMessage and PrivateMessage protection both ways.
TEST_P(OfficialVectors, MessageProtection) {
  run("message-protection.json", "message-protection", 7);
}

// RFC 9420 §12.4.3.1: group secrets, GroupInfo decryption, signature and confirmation tag.
TEST_P(OfficialVectors, Welcome) {
  run("welcome.json", "welcome", 7);
}

// RFC 9420 §8, §8.3, §8.5: the key schedule over five epochs, external_pub, MLS-Exporter.
TEST_P(OfficialVectors, KeySchedule) {
  run("key-schedule.json", "key-schedule", 7);
}

// RFC 9420 §8.4: psk_secret from 0 to 10 external PSKs.
TEST_P(OfficialVectors, PskSecret) {
  run("psk_secret.json", "psk-secret", 77);
}

// RFC 9420 §6.3.2 and §9: sender data keys, handshake and application ratchets per leaf.
TEST_P(OfficialVectors, SecretTree) {
  run("secret-tree.json", "secret-tree", 21);
}

// RFC 9420 §7.7, §7.8, §12.1.1-§12.1.3: add, update and remove applied to trees.
TEST_P(OfficialVectors, TreeOperations) {
  run("tree-operations.json", "tree-operations", 5);
}

// RFC 9420 §4.1.1, §7.8, §7.9.2, §7.3: resolutions, tree hashes, parent hashes, signatures.
TEST_P(OfficialVectors, TreeValidation) {
  run("tree-validation.json", "tree-validation", 98);
}

// RFC 9420 §7.4-§7.6: processing and creating UpdatePaths for all seven suites.
TEST_P(OfficialVectors, TreeKem) {
  run("treekem.json", "treekem", 77);
}

// RFC 9420 §12.4.3.1 and §12.4.2: join by Welcome, then follow every epoch's proposals and
// commit, agreeing on each epoch authenticator.
TEST_P(OfficialVectors, PassiveClientWelcome) {
  run("passive-client-welcome.json", "passive-client", 56);
}
TEST_P(OfficialVectors, PassiveClientRandom) {
  run("passive-client-random.json", "passive-client", 1);
}
TEST_P(OfficialVectors, PassiveClientHandlingCommit) {
  run("passive-client-handling-commit.json", "passive-client", 91);
}

INSTANTIATE_TEST_SUITE_P(, OfficialVectors,
                         ::testing::ValuesIn(conclave::testing::provider_cases()),
                         conclave::testing::ProviderCaseName());

TEST(VectorTypes, InfersOfficialNames) {
  using conclave::vectors::infer_type;
  EXPECT_EQ(infer_type("x/tree-math.json"), "tree-math");
  EXPECT_EQ(infer_type("psk_secret.json"), "psk-secret");
  EXPECT_EQ(infer_type("/a/passive-client-random.json"), "passive-client");
  EXPECT_EQ(infer_type("unknown.json"), std::nullopt);
  EXPECT_EQ(infer_type("tree-math.txt"), std::nullopt);
}

}  // namespace
