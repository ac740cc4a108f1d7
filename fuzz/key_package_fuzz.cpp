// libFuzzer target: RFC 9420 §10.1 validation of a KeyPackage from untrusted bytes (an
// MLSMessage, as a Delivery Service hands it out), in the suite the KeyPackage names.
// A finding is a crash or sanitizer report, or an exception other than conclave::Error.
#include <cstdint>
#include <memory>

#include "conclave/base/error.h"
#include "conclave/codec/codec.h"
#include "conclave/crypto/openssl_provider.h"
#include "conclave/crypto/suite.h"
#include "conclave/group/identity.h"
#include "conclave/wire/message.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto provider = conclave::crypto::openssl_provider();
  try {
    const auto message = conclave::codec::decode<conclave::wire::MlsMessage>({data, size});
    const auto* key_package = message.get<conclave::wire::KeyPackage>();
    if (!key_package) return 0;
    const conclave::crypto::Suite suite(provider, key_package->cipher_suite);
    conclave::tree::LeafPolicy policy;
    policy.now = conclave::unix_time_now();
    conclave::validate_key_package(suite, *key_package, policy);
  } catch (const conclave::Error&) {
  }
  return 0;
}
