#include "conclave/schedule/detail/sender_data.h"

#include <algorithm>
#include <string>

#include "conclave/base/error.h"

namespace conclave::schedule {

BytesView ciphertext_sample(const crypto::Suite& suite, BytesView ciphertext) {
  return ciphertext.first(std::min(ciphertext.size(), suite.hash_len()));
}

KeyAndNonce derive_sender_data_key(const crypto::Suite& suite, BytesView sender_data_secret,
                                   BytesView ciphertext) {
  if (sender_data_secret.size() != suite.hash_len())
    throw Error(ErrorCode::kInvalidSecretLength,
                "sender_data_secret is " + std::to_string(sender_data_secret.size()) + " bytes");
  const BytesView sample = ciphertext_sample(suite, ciphertext);
  const auto& aead = suite.info().aead_info();
  return KeyAndNonce{suite.expand_with_label(sender_data_secret, "key", sample, aead.key_len),
                     suite.expand_with_label(sender_data_secret, "nonce", sample, aead.nonce_len)};
}

}  // namespace conclave::schedule
