// PrivateMessage protection (RFC 9420 §6.3): content encryption under the sender's ratchet
// key and sender data encryption under the epoch's sender_data_secret.
#pragma once

#include <cstddef>
#include <functional>

#include "conclave/base/bytes.h"
#include "conclave/crypto/suite.h"
#include "conclave/schedule/secret_tree.h"
#include "conclave/wire/framing.h"

namespace conclave::schedule {

// §6.3.1 and §6.3.2: encrypts signed content (wire format mls_private_message, member sender)
// with the next generation of the sender's handshake or application ratchet, which is consumed.
// `padding` zero bytes are appended to the plaintext. The reuse guard comes from the suite's
// provider.
wire::PrivateMessage protect_private_message(const crypto::Suite& suite,
                                             const wire::AuthenticatedContent& content,
                                             SecretTree& secret_tree, BytesView sender_data_secret,
                                             size_t padding = 0);
// The same with the plaintext taken from `encoded`, the content's own encoding, and padded with
// zeros to a multiple of `padding_block` (0 or 1: none).
wire::PrivateMessage protect_private_message(const crypto::Suite& suite,
                                             const wire::AuthenticatedContent& content,
                                             const wire::EncodedFramedContent& encoded,
                                             SecretTree& secret_tree, BytesView sender_data_secret,
                                             size_t padding_block);

// Decrypts the sender data and the content of a PrivateMessage (§6.3.2, §6.3.1). `verify` is
// called with the decrypted content (e.g. to check the sender's leaf and signature) and may
// throw; only when it returns is the ratchet key consumed (§9.2), so a message that fails any
// check leaves the secret tree able to decrypt a genuine message of that generation.
// Errors: kAeadAuthenticationFailed (sender data or content), codec errors for malformed
// plaintexts, kNonZeroPadding, kLeafIndexOutOfRange, and the ratchet's generation errors.
wire::AuthenticatedContent unprotect_private_message(
    const crypto::Suite& suite, const wire::PrivateMessage& message, SecretTree& secret_tree,
    BytesView sender_data_secret,
    const std::function<void(const wire::AuthenticatedContent&)>& verify);

// The sender data alone (§6.3.2), e.g. to find the sender's leaf before anything else.
wire::SenderData decrypt_sender_data(const crypto::Suite& suite,
                                     const wire::PrivateMessage& message,
                                     BytesView sender_data_secret);

}  // namespace conclave::schedule
