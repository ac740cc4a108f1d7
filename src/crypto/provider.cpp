// The non-virtual helpers of CryptoProvider: both draw on random_bytes, the one source of
// randomness.
#include "conclave/crypto/provider.h"

namespace conclave::crypto {

Bytes CryptoProvider::random(size_t size) const {
  Bytes out(size);
  random_bytes(out);
  return out;
}

SecretBytes CryptoProvider::random_secret(size_t size) const {
  // Filled in place so the secret never sits in a non-wiping buffer.
  SecretBytes out(size);
  random_bytes(out.mutable_view());
  return out;
}

SecretBytes CryptoProvider::dh_with_public_key(KemId kem, BytesView private_key,
                                               BytesView /*public_key*/,
                                               BytesView peer_public_key) const {
  return dh(kem, private_key, peer_public_key);
}

}  // namespace conclave::crypto
