// Internal to the vector checks: helpers and the per-type check functions.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "conclave/base/bytes.h"
#include "conclave/crypto/provider.h"

namespace conclave::vectors {

using Json = nlohmann::json;

// A check that did not hold; its message is the reason printed for the case.
class CheckFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

Bytes hex_field(const Json& object, const char* key);
// Throws CheckFailure naming `what` when actual != expected.
void expect_bytes(const char* what, BytesView actual, BytesView expected);
void expect_true(const char* what, bool condition);

struct CheckContext {
  std::shared_ptr<const crypto::CryptoProvider> provider;
};

// Each checks one case and throws (CheckFailure or conclave::Error) when it fails.
void check_tree_math(const Json& test_case, const CheckContext& ctx);
void check_crypto_basics(const Json& test_case, const CheckContext& ctx);
void check_deserialization(const Json& test_case, const CheckContext& ctx);
void check_messages(const Json& test_case, const CheckContext& ctx);
void check_transcript_hashes(const Json& test_case, const CheckContext& ctx);
void check_message_protection(const Json& test_case, const CheckContext& ctx);
void check_welcome(const Json& test_case, const CheckContext& ctx);
void check_passive_client(const Json& test_case, const CheckContext& ctx);
void check_key_schedule(const Json& test_case, const CheckContext& ctx);
void check_psk_secret(const Json& test_case, const CheckContext& ctx);
void check_secret_tree(const Json& test_case, const CheckContext& ctx);
void check_tree_operations(const Json& test_case, const CheckContext& ctx);
void check_tree_validation(const Json& test_case, const CheckContext& ctx);
void check_treekem(const Json& test_case, const CheckContext& ctx);

}  // namespace conclave::vectors
