/// @file
/// The provider Conclave recommends when the application has no reason to choose another.
#pragma once

#include <memory>

#include "conclave/crypto/provider.h"

namespace conclave::crypto {

/// sodium_provider(openssl_provider()) when the library was built with libsodium and
/// sodium_available() is true, else openssl_provider(). Both pass every official test vector and
/// give the same results on every input the provider contract covers (sodium_provider.h); the
/// composed one verifies and makes Ed25519 signatures, the bulk of a join or a mass add, in
/// about half the time. The choice stays the application's: any CryptoProvider may be passed
/// wherever one is asked for. Made once per process; thread-safe.
std::shared_ptr<const CryptoProvider> default_provider();

}  // namespace conclave::crypto
