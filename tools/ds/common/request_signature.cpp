#include "request_signature.h"

#include "conclave/base/error.h"

namespace conclave::ds {

Bytes request_tbs(std::string_view method, std::string_view user, std::string_view device,
                  uint64_t timestamp_ms, BytesView nonce, BytesView body) {
  RequestTbs tbs;
  tbs.method = to_bytes(method);
  tbs.user = to_bytes(user);
  tbs.device = to_bytes(device);
  tbs.timestamp_ms = timestamp_ms;
  tbs.nonce = to_bytes(nonce);
  tbs.body = to_bytes(body);
  return codec::encode(tbs);
}

Bytes sign_request(const crypto::Suite& suite, BytesView private_key, std::string_view method,
                   std::string_view user, std::string_view device, uint64_t timestamp_ms,
                   BytesView nonce, BytesView body) {
  return suite.sign_with_label(private_key, kRequestLabel,
                               request_tbs(method, user, device, timestamp_ms, nonce, body));
}

bool verify_request(const crypto::Suite& suite, BytesView public_key, std::string_view method,
                    std::string_view user, std::string_view device, uint64_t timestamp_ms,
                    BytesView nonce, BytesView body, BytesView signature) {
  try {
    return suite.verify_with_label(public_key, kRequestLabel,
                                   request_tbs(method, user, device, timestamp_ms, nonce, body),
                                   signature);
  } catch (const Error&) {
    return false;  // a malformed key verifies nothing
  }
}

}  // namespace conclave::ds
