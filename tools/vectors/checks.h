// Internal to the vector checks: helpers and the per-type check functions.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

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

// Every number the checks read goes through read_uint: the JSON is untrusted, so only an integer
// in T's range is accepted. A float (1e10, 1.5), a negative or too large integer (65537 for a
// uint16_t) or a non-number throws CheckFailure naming `field`, never casts or wraps.
template <class T>
T read_uint(const Json& value, std::string_view field) {
  static_assert(std::is_unsigned_v<T> && !std::is_same_v<T, bool>);
  constexpr uint64_t kMax = std::numeric_limits<T>::max();
  if (value.is_number_unsigned()) {
    const uint64_t v = value.get_ref<const Json::number_unsigned_t&>();
    if (v <= kMax) return static_cast<T>(v);
  } else if (value.is_number_integer()) {
    const int64_t v = value.get_ref<const Json::number_integer_t&>();
    if (v >= 0 && static_cast<uint64_t>(v) <= kMax) return static_cast<T>(v);
  }
  std::string got = value.dump(-1, ' ', false, Json::error_handler_t::replace);
  if (got.size() > 40) got = got.substr(0, 40) + "...";
  throw CheckFailure("field '" + std::string(field) + "': want an integer in [0, " +
                     std::to_string(kMax) + "], got " + got);
}

// read_uint of object[key]; a missing key is a CheckFailure too.
template <class T>
T uint_field(const Json& object, const char* key) {
  if (!object.is_object() || !object.contains(key))
    throw CheckFailure(std::string("missing number field '") + key + "'");
  return read_uint<T>(object.at(key), key);
}

// An array of read_uint<T>, each element named field[i].
template <class T>
std::vector<T> read_uint_array(const Json& value, std::string_view field) {
  if (!value.is_array()) throw CheckFailure("field '" + std::string(field) + "': want an array");
  std::vector<T> out;
  out.reserve(value.size());
  for (size_t i = 0; i < value.size(); ++i)
    out.push_back(read_uint<T>(value[i], std::string(field) + "[" + std::to_string(i) + "]"));
  return out;
}
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
