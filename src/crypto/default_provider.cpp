// The recommended provider (default_provider.h).
#include "conclave/crypto/default_provider.h"

#include "conclave/crypto/openssl_provider.h"
#include "conclave/crypto/sodium_provider.h"

namespace conclave::crypto {

std::shared_ptr<const CryptoProvider> default_provider() {
  static const std::shared_ptr<const CryptoProvider> provider =
      sodium_available() ? sodium_provider(openssl_provider()) : openssl_provider();
  return provider;
}

}  // namespace conclave::crypto
