// Conformance checks against the MLS working group's official JSON test vectors. Shared by the
// conclave-vectors tool and the test suite.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "conclave/crypto/provider.h"

namespace conclave::vectors {

struct FileResult {
  std::string type;
  bool implemented = false;
  size_t passed = 0;
  size_t failed = 0;
  std::vector<std::string> failures;  // one line per failed case, naming the case and reason
};

// Every vector type the tool knows, implemented or not.
const std::vector<std::string_view>& known_types();
bool is_implemented(std::string_view type);
// Infers the type from an official file name ("tree-math.json", "psk_secret.json",
// "passive-client-welcome.json", ...). nullopt when the name is not an official one.
std::optional<std::string> infer_type(std::string_view path);

// Runs every case of the file. Errors reading or parsing the file count as one failure.
FileResult run_file(const std::string& path, std::string_view type,
                    const std::shared_ptr<const crypto::CryptoProvider>& provider);

}  // namespace conclave::vectors
