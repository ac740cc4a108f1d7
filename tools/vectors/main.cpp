// conclave-vectors: checks Conclave against the MLS working group's official test vectors.
#include <algorithm>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "conclave/crypto/openssl_provider.h"
#include "conclave/crypto/sodium_provider.h"
#include "vectors/vectors.h"

namespace {

void usage(std::ostream& out) {
  out << "usage: conclave-vectors [--type TYPE] [--provider openssl|sodium] "
         "[--skip-unimplemented] FILE...\n"
         "Verifies every case of each official MLS test-vector file. The type is inferred\n"
         "from the official file name unless --type is given. A file whose type is not\n"
         "implemented fails, unless --skip-unimplemented reports it as skipped. --provider\n"
         "sodium checks with libsodium for Ed25519 and X25519 over OpenSSL (default: openssl).\n"
         "Types:\n ";
  for (auto t : conclave::vectors::known_types())
    out << ' ' << t << (conclave::vectors::is_implemented(t) ? "" : " (not implemented yet)");
  out << "\nExit status: 0 when every case of every file passed, 1 otherwise, 2 on bad usage.\n";
}

}  // namespace

int main(int argc, char** argv) {
  std::string forced_type;
  std::string provider_name = "openssl";
  bool skip_unimplemented = false;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      usage(std::cout);
      return 0;
    }
    if (arg == "--skip-unimplemented") {
      skip_unimplemented = true;
      continue;
    }
    if (arg == "--provider") {
      if (i + 1 >= argc) {
        usage(std::cerr);
        return 2;
      }
      provider_name = argv[++i];
      if (provider_name != "openssl" && provider_name != "sodium") {
        std::cerr << "unknown provider '" << provider_name << "'\n";
        usage(std::cerr);
        return 2;
      }
      if (provider_name == "sodium" && !conclave::crypto::sodium_available()) {
        std::cerr << "this build has no libsodium\n";
        return 2;
      }
      continue;
    }
    if (arg == "--type") {
      if (i + 1 >= argc) {
        usage(std::cerr);
        return 2;
      }
      forced_type = argv[++i];
      const auto& known = conclave::vectors::known_types();
      if (std::find(known.begin(), known.end(), forced_type) == known.end()) {
        std::cerr << "unknown type '" << forced_type << "'\n";
        usage(std::cerr);
        return 2;
      }
      continue;
    }
    files.push_back(arg);
  }
  if (files.empty()) {
    usage(std::cerr);
    return 2;
  }

  const auto provider =
      provider_name == "sodium"
          ? conclave::crypto::sodium_provider(conclave::crypto::openssl_provider())
          : conclave::crypto::openssl_provider();
  bool all_passed = true;
  for (const auto& file : files) {
    std::string type = forced_type;
    if (type.empty()) {
      auto inferred = conclave::vectors::infer_type(file);
      if (!inferred) {
        std::cout << file << ": cannot infer the vector type from the name; use --type\n";
        all_passed = false;
        continue;
      }
      type = *inferred;
    }
    const auto result = conclave::vectors::run_file(file, type, provider);
    if (!result.implemented) {
      std::cout << file << ": " << (skip_unimplemented ? "skipped, " : "") << "type " << type
                << " is not implemented yet\n";
      if (!skip_unimplemented) all_passed = false;
      continue;
    }
    for (const auto& failure : result.failures)
      std::cout << "  " << failure << '\n';
    std::cout << file << ": " << result.passed << " passed, " << result.failed << " failed\n";
    if (result.failed != 0) all_passed = false;
  }
  return all_passed ? 0 : 1;
}
