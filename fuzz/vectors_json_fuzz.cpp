// libFuzzer target: conclave-vectors' checks on untrusted JSON (issue 15). The first byte picks
// the vector type, the rest is the file's text; like vectors::run_file, the text must parse to
// an array and each element is checked as one case. The seeds (conclave-fuzz-seeds) are small
// valid files of every type shaped like the official ones, made by the library itself.
//
// The rule: untrusted JSON never crashes the tool. A case may fail only with the errors the tool
// reports as a failed case: conclave::Error (the library refused a value), CheckFailure (a
// check did not hold) and nlohmann::json's own exceptions (parse, type and missing-key
// errors). A finding: a crash, a sanitizer report, a hang or excessive allocation, or any other
// exception (std::out_of_range from a container, std::bad_alloc from a size read from the
// file, ...), which run_file would only report by its bare what().
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <typeinfo>

#include "conclave/base/error.h"
#include "conclave/crypto/openssl_provider.h"
#include "vectors/checks.h"
#include "vectors/vectors.h"

namespace {

using namespace conclave::vectors;

using CheckFn = void (*)(const Json&, const CheckContext&);

// In the order of vectors::known_types(); conclave-fuzz-seeds writes seeds with these indices.
const CheckFn kChecks[] = {
    &check_tree_math,          &check_crypto_basics,  &check_secret_tree,
    &check_message_protection, &check_key_schedule,   &check_psk_secret,
    &check_transcript_hashes,  &check_welcome,        &check_tree_operations,
    &check_tree_validation,    &check_treekem,        &check_messages,
    &check_deserialization,    &check_passive_client,
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const CheckContext ctx{conclave::crypto::openssl_provider()};
  if (size < 1) return 0;
  const size_t type = data[0] % std::size(kChecks);
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);

  // The tool also names files by type; their names are as untrusted as their text.
  (void)infer_type(text.substr(0, 64));

  Json cases;
  try {
    cases = Json::parse(text);
  } catch (const Json::exception&) {
    return 0;
  }
  if (!cases.is_array()) return 0;
  // CONCLAVE_FUZZ_TRACE=1 prints each case's outcome (for triage, with -runs on one input).
  static const bool trace = std::getenv("CONCLAVE_FUZZ_TRACE") != nullptr;
  for (const Json& c : cases) {
    const auto failed = [&](const char* what) {
      if (trace) std::fprintf(stderr, "%s: %s\n", std::string(known_types()[type]).c_str(), what);
    };
    try {
      kChecks[type](c, ctx);
      failed("passes");
    } catch (const conclave::Error& e) {
      failed(e.what());
    } catch (const CheckFailure& e) {
      failed(e.what());
    } catch (const Json::exception& e) {
      failed(e.what());
    } catch (const std::exception& e) {
      std::fprintf(stderr, "FINDING: %s check: %s: %s\n", std::string(known_types()[type]).c_str(),
                   typeid(e).name(), e.what());
      std::abort();
    }
  }
  return 0;
}
