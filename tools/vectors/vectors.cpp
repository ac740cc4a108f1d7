#include "vectors/vectors.h"

#include <algorithm>
#include <exception>
#include <fstream>
#include <map>
#include <string>

#include "conclave/base/error.h"
#include "vectors/checks.h"

namespace conclave::vectors {

namespace {

using CheckFn = void (*)(const Json&, const CheckContext&);

const std::map<std::string_view, CheckFn>& implemented_checks() {
  static const std::map<std::string_view, CheckFn> checks = {
      {"tree-math", &check_tree_math},
      {"crypto-basics", &check_crypto_basics},
      {"deserialization", &check_deserialization},
      {"messages", &check_messages},
      {"transcript-hashes", &check_transcript_hashes},
      {"message-protection", &check_message_protection},
      {"welcome", &check_welcome},
      {"passive-client", &check_passive_client},
      {"key-schedule", &check_key_schedule},
      {"psk-secret", &check_psk_secret},
      {"secret-tree", &check_secret_tree},
      {"tree-operations", &check_tree_operations},
      {"tree-validation", &check_tree_validation},
      {"treekem", &check_treekem},
  };
  return checks;
}

std::string_view base_name(std::string_view path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

}  // namespace

const std::vector<std::string_view>& known_types() {
  static const std::vector<std::string_view> types = {
      "tree-math",  "crypto-basics",     "secret-tree",     "message-protection", "key-schedule",
      "psk-secret", "transcript-hashes", "welcome",         "tree-operations",    "tree-validation",
      "treekem",    "messages",          "deserialization", "passive-client",
  };
  return types;
}

bool is_implemented(std::string_view type) {
  return implemented_checks().count(type) != 0;
}

std::optional<std::string> infer_type(std::string_view path) {
  std::string_view name = base_name(path);
  if (name.size() < 5 || name.substr(name.size() - 5) != ".json") return std::nullopt;
  name.remove_suffix(5);
  if (name.starts_with("passive-client-")) return std::string("passive-client");
  std::string type(name);
  std::replace(type.begin(), type.end(), '_', '-');  // psk_secret.json
  const auto& types = known_types();
  if (std::find(types.begin(), types.end(), type) == types.end()) return std::nullopt;
  return type;
}

FileResult run_file(const std::string& path, std::string_view type,
                    const std::shared_ptr<const crypto::CryptoProvider>& provider) {
  FileResult result;
  result.type = std::string(type);
  const auto& checks = implemented_checks();
  const auto check = checks.find(type);
  if (check == checks.end()) return result;
  result.implemented = true;

  Json cases;
  try {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot open file");
    cases = Json::parse(in);
    if (!cases.is_array()) throw std::runtime_error("top level is not a JSON array");
  } catch (const std::exception& e) {
    result.failed = 1;
    result.failures.push_back(std::string("cannot read vectors: ") + e.what());
    return result;
  }

  const CheckContext ctx{provider};
  for (size_t i = 0; i < cases.size(); ++i) {
    std::string label = "case " + std::to_string(i);
    if (cases[i].is_object() && cases[i].contains("cipher_suite"))
      label += " (suite " + cases[i]["cipher_suite"].dump() + ")";
    try {
      check->second(cases[i], ctx);
      ++result.passed;
    } catch (const std::exception& e) {
      ++result.failed;
      result.failures.push_back(label + ": " + e.what());
    }
  }
  return result;
}

Bytes hex_field(const Json& object, const char* key) {
  if (!object.contains(key) || !object[key].is_string())
    throw CheckFailure(std::string("missing hex field '") + key + "'");
  return from_hex(object[key].get<std::string>());
}

void expect_bytes(const char* what, BytesView actual, BytesView expected) {
  if (!constant_time_equal(actual, expected))
    throw CheckFailure(std::string(what) + ": got " + to_hex(actual) + ", want " +
                       to_hex(expected));
}

void expect_true(const char* what, bool condition) {
  if (!condition) throw CheckFailure(what);
}

}  // namespace conclave::vectors
