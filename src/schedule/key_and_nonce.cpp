#include "conclave/schedule/key_and_nonce.h"

#include <string>

#include "conclave/base/error.h"

namespace conclave::schedule {

SecretBytes apply_reuse_guard(BytesView nonce, const std::array<uint8_t, 4>& reuse_guard) {
  if (nonce.size() < reuse_guard.size())
    throw Error(ErrorCode::kInvalidNonceLength, "nonce of " + std::to_string(nonce.size()) +
                                                    " bytes has no room for a reuse guard");
  SecretBytes out(nonce);
  // RFC 9420 §6.3.1: XOR into the first four bytes; the rest of the nonce is unchanged.
  for (size_t i = 0; i < reuse_guard.size(); ++i)
    out[i] ^= reuse_guard[i];
  return out;
}

}  // namespace conclave::schedule
