// libFuzzer target: X.509 credentials from untrusted bytes (RFC 9420 §5.3): the input is a
// TLS-encoded Credential; an X.509 chain is verified against an empty trust store (every
// certificate is parsed; none can be trusted), and the first certificate is also offered as a
// trust anchor, which parses it alone. A finding is a crash or sanitizer report, or an
// exception other than conclave::Error.
#include <cstdint>

#include "conclave/base/error.h"
#include "conclave/codec/codec.h"
#include "conclave/crypto/x509.h"
#include "conclave/wire/credential.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  conclave::wire::Credential credential;
  try {
    credential = conclave::codec::decode<conclave::wire::Credential>({data, size});
  } catch (const conclave::Error&) {
    return 0;
  }
  const auto* chain = credential.certificates();
  if (!chain || chain->empty()) return 0;
  std::vector<conclave::Bytes> der;
  for (const auto& certificate : *chain)
    der.push_back(certificate.cert_data);
  conclave::crypto::X509TrustStore store;
  try {
    store.add_anchor_der(der.front());
  } catch (const conclave::Error&) {
  }
  const conclave::crypto::X509TrustStore empty;
  try {
    const conclave::Bytes key(32, 0);
    conclave::crypto::verify_x509_chain(empty, der, conclave::crypto::SignatureScheme::kEd25519,
                                        key);
  } catch (const conclave::Error&) {
  }
  return 0;
}
