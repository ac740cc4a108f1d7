// The JSON seeds of fuzz_vectors_json, written by conclave-fuzz-seeds (json_seeds.cpp).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "conclave/crypto/provider.h"
#include "conclave/crypto/suite.h"

namespace conclave_fuzz {

// Calls `emit` with a vector type's index in vectors::known_types() and a one-case file of
// that type for `suite` (the types without a suite once, for suite 1).
void json_seeds(const std::shared_ptr<const conclave::crypto::CryptoProvider>& provider,
                const conclave::crypto::Suite& suite,
                const std::function<void(uint8_t type, const std::string& text)>& emit);

}  // namespace conclave_fuzz
