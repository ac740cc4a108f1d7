// The crypto provider combinations the conformance tests, the official vectors and the group
// interop tests run with: the OpenSSL provider alone, and libsodium for Ed25519/X25519 over it
// (when the library is built with libsodium).
#pragma once

#include <memory>
#include <ostream>
#include <string>
#include <tuple>
#include <vector>

#include "conclave/crypto/openssl_provider.h"
#include "conclave/crypto/sodium_provider.h"

namespace conclave::testing {

struct ProviderCase {
  const char* name;  // a gtest parameter name
  std::shared_ptr<const crypto::CryptoProvider> (*make)();
};

// gtest prints a parameter with its name rather than its bytes.
inline void PrintTo(const ProviderCase& c, std::ostream* os) {
  *os << c.name;
}

inline std::shared_ptr<const crypto::CryptoProvider> make_openssl() {
  return crypto::openssl_provider();
}

inline std::shared_ptr<const crypto::CryptoProvider> make_sodium_over_openssl() {
  // One instance, like openssl_provider(): the provider is immutable and shared.
  static const std::shared_ptr<const crypto::CryptoProvider> instance =
      crypto::sodium_provider(crypto::openssl_provider());
  return instance;
}

// Every combination this build has. CONCLAVE_WITH_SODIUM says whether the sodium one must be
// there (a test in tests/crypto/sodium_provider_test.cpp checks sodium_available() agrees).
inline std::vector<ProviderCase> provider_cases() {
  std::vector<ProviderCase> cases{{"OpenSsl", &make_openssl}};
  if (crypto::sodium_available()) cases.push_back({"SodiumOverOpenSsl", &make_sodium_over_openssl});
  return cases;
}

// For INSTANTIATE_TEST_SUITE_P's name generator.
struct ProviderCaseName {
  template <typename Info>
  std::string operator()(const Info& info) const {
    return info.param.name;
  }
};

// For a grid of (ProviderCase, case) whose case has a `name`: <provider>_<case>.
struct ProviderGridName {
  template <typename Info>
  std::string operator()(const Info& info) const {
    std::string name = std::get<0>(info.param).name;
    name += '_';
    name += std::get<1>(info.param).name;
    return name;
  }
};

}  // namespace conclave::testing
