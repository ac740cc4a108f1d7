/// @file
/// The OpenSSL 3 implementation of CryptoProvider.
#pragma once

#include <memory>

#include "conclave/crypto/provider.h"

namespace conclave::crypto {

/// A provider backed by OpenSSL 3's default provider, with randomness from its DRBG.
std::shared_ptr<const CryptoProvider> openssl_provider();

}  // namespace conclave::crypto
