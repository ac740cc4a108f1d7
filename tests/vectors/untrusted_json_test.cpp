// The rule: conclave-vectors' input is untrusted JSON, so a number it cannot hold (a float, a
// negative or too large integer) fails the case with a CheckFailure naming the field; it is never
// cast with undefined behaviour nor wrapped into a valid value (fuzz_vectors_json findings,
// fuzz/regressions/vectors_json/).
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "conclave/crypto/openssl_provider.h"
#include "vectors/checks.h"
#include "vectors/vectors.h"

namespace {

using namespace conclave::vectors;

const CheckContext& context() {
  static const CheckContext ctx{conclave::crypto::openssl_provider()};
  return ctx;
}

// Runs `check` on the single case of `text` and expects a CheckFailure naming `field`.
void expect_field_failure(void (*check)(const Json&, const CheckContext&), const char* text,
                          const std::string& field) {
  SCOPED_TRACE(text);
  const Json cases = Json::parse(text);
  ASSERT_EQ(cases.size(), 1u);
  try {
    check(cases[0], context());
    FAIL() << "accepted";
  } catch (const CheckFailure& e) {
    EXPECT_NE(std::string(e.what()).find("'" + field + "'"), std::string::npos) << e.what();
  }
}

TEST(UntrustedVectorJson, FloatOutOfRangeIsAFailureNotUndefinedBehaviour) {
  // Both regression inputs of fuzz_vectors_json.
  expect_field_failure(&check_welcome, R"([{"cipher_suite":1e10}])", "cipher_suite");
  expect_field_failure(&check_tree_math, R"([{"n_leaves":-1.5,"n_nodes":1}])", "n_leaves");
  expect_field_failure(&check_message_protection, R"([{"cipher_suite":-1e300}])", "cipher_suite");
  expect_field_failure(&check_deserialization, R"([{"vlbytes_header":"00","length":1e30}])",
                       "length");
}

TEST(UntrustedVectorJson, FractionIsAFailure) {
  expect_field_failure(&check_welcome, R"([{"cipher_suite":1.5}])", "cipher_suite");
  expect_field_failure(&check_welcome, R"([{"cipher_suite":1.0}])", "cipher_suite");
  expect_field_failure(&check_tree_math, R"([{"n_leaves":1.5}])", "n_leaves");
}

TEST(UntrustedVectorJson, IntegerOutOfRangeDoesNotWrap) {
  // 65537 would wrap to suite 1, a valid one.
  expect_field_failure(&check_welcome, R"([{"cipher_suite":65537}])", "cipher_suite");
  expect_field_failure(&check_key_schedule, R"([{"cipher_suite":65536}])", "cipher_suite");
  expect_field_failure(&check_tree_math, R"([{"n_leaves":4294967297}])", "n_leaves");
  expect_field_failure(&check_deserialization,
                       R"([{"vlbytes_header":"00","length":18446744073709551616}])", "length");
}

TEST(UntrustedVectorJson, NegativeIntegerIsAFailure) {
  expect_field_failure(&check_welcome, R"([{"cipher_suite":-1}])", "cipher_suite");
  expect_field_failure(&check_tree_math, R"([{"n_leaves":-1}])", "n_leaves");
  expect_field_failure(&check_tree_math,
                       R"([{"n_leaves":1,"n_nodes":1,"root":0,"left":[-1],"right":[null],
                            "parent":[null],"sibling":[null]}])",
                       "left[0]");
}

TEST(UntrustedVectorJson, NonNumberIsAFailure) {
  expect_field_failure(&check_welcome, R"([{"cipher_suite":"1"}])", "cipher_suite");
  expect_field_failure(&check_welcome, R"([{"cipher_suite":true}])", "cipher_suite");
  expect_field_failure(&check_welcome, R"([{}])", "cipher_suite");
}

TEST(UntrustedVectorJson, ReadUintTakesTheWholeRange) {
  EXPECT_EQ(read_uint<uint16_t>(Json::parse("65535"), "x"), 65535u);
  EXPECT_EQ(read_uint<uint16_t>(Json::parse("0"), "x"), 0u);
  EXPECT_EQ(read_uint<uint64_t>(Json::parse("18446744073709551615"), "x"), UINT64_MAX);
  EXPECT_EQ(read_uint<uint32_t>(Json(int64_t{7}), "x"), 7u);  // a signed, non-negative value
  EXPECT_THROW(read_uint<uint32_t>(Json(int64_t{-7}), "x"), CheckFailure);
}

TEST(UntrustedVectorJson, ToolReportsTheFailedCase) {
  // Through run_file, as conclave-vectors reads a file: one failed case naming the field.
  const std::filesystem::path path = testing::TempDir() + "conclave-untrusted-welcome.json";
  {
    std::ofstream out(path);
    out << R"([{"cipher_suite":1e10}, {"cipher_suite":65537}])";
  }
  const auto result = run_file(path.string(), "welcome", conclave::crypto::openssl_provider());
  std::filesystem::remove(path);
  EXPECT_EQ(result.passed, 0u);
  ASSERT_EQ(result.failed, 2u);
  for (const auto& failure : result.failures)
    EXPECT_NE(failure.find("'cipher_suite'"), std::string::npos) << failure;
}

}  // namespace
