#include "conclave/schedule/psk.h"

#include <limits>
#include <string>

#include "conclave/base/error.h"
#include "conclave/codec/codec.h"

namespace conclave::schedule {

SecretBytes derive_psk_secret(const crypto::Suite& suite, std::span<const PskInput> psks) {
  if (psks.size() > std::numeric_limits<uint16_t>::max())
    throw Error(ErrorCode::kTooManyPsks, std::to_string(psks.size()) + " PSKs");
  const size_t nh = suite.hash_len();
  const SecretBytes zero(nh);
  SecretBytes psk_secret(nh);  // psk_secret_[0] = 0
  const auto count = static_cast<uint16_t>(psks.size());
  for (uint16_t i = 0; i < count; ++i) {
    const SecretBytes extracted = suite.extract(zero.view(), psks[i].psk.view());
    const wire::PskLabel label{psks[i].id, i, count};
    const SecretBytes input =
        suite.expand_with_label(extracted.view(), "derived psk", codec::encode(label), nh);
    // RFC 9420 §8.4: KDF.Extract(psk_input_[i], psk_secret_[i]); salt first.
    psk_secret = suite.extract(input.view(), psk_secret.view());
  }
  return psk_secret;
}

}  // namespace conclave::schedule
