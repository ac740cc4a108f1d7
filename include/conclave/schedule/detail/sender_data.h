// Keys for the encrypted sender data of a PrivateMessage (RFC 9420 §6.3.2).
#pragma once

#include "conclave/base/bytes.h"
#include "conclave/crypto/suite.h"
#include "conclave/schedule/key_and_nonce.h"

namespace conclave::schedule {

// RFC 9420 §6.3.2: the first KDF.Nh bytes of the content ciphertext, or all of it if shorter.
BytesView ciphertext_sample(const crypto::Suite& suite, BytesView ciphertext);

// RFC 9420 §6.3.2:
//   sender_data_key   = ExpandWithLabel(sender_data_secret, "key",   ciphertext_sample, AEAD.Nk)
//   sender_data_nonce = ExpandWithLabel(sender_data_secret, "nonce", ciphertext_sample, AEAD.Nn)
// `ciphertext` is the whole content ciphertext; the sample is taken here. Throws
// Error(kInvalidSecretLength) when sender_data_secret is not KDF.Nh bytes.
KeyAndNonce derive_sender_data_key(const crypto::Suite& suite, BytesView sender_data_secret,
                                   BytesView ciphertext);

}  // namespace conclave::schedule
