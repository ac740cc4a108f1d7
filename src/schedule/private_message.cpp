#include "conclave/schedule/detail/private_message.h"

#include "conclave/base/error.h"
#include "conclave/codec/codec.h"
#include "conclave/schedule/detail/sender_data.h"
#include "conclave/schedule/key_and_nonce.h"

namespace conclave::schedule {

namespace {

// §9: proposals and commits use the handshake ratchet, application data the application one.
RatchetType ratchet_for(wire::ContentType type) {
  return type == wire::ContentType::kApplication ? RatchetType::kApplication
                                                 : RatchetType::kHandshake;
}

Bytes content_aad(const wire::PrivateMessage& m) {
  return codec::encode(
      wire::PrivateContentAad{m.group_id, m.epoch, m.content_type, m.authenticated_data});
}

Bytes sender_data_aad(const wire::PrivateMessage& m) {
  return codec::encode(wire::SenderDataAad{m.group_id, m.epoch, m.content_type});
}

}  // namespace

namespace {

// §6.3.1, §6.3.2: seals `plaintext` under the next key of the sender's ratchet.
wire::PrivateMessage seal(const crypto::Suite& suite, const wire::AuthenticatedContent& content,
                          BytesView plaintext, SecretTree& secret_tree,
                          BytesView sender_data_secret) {
  const wire::FramedContent& framed = content.content;
  wire::PrivateMessage message;
  message.group_id = framed.group_id;
  message.epoch = framed.epoch;
  message.content_type = framed.content_type();
  message.authenticated_data = framed.authenticated_data;

  const tree::LeafIndex leaf(framed.sender.index);
  GenerationKey key = secret_tree.next_key(suite, leaf, ratchet_for(message.content_type));
  wire::SenderData sender_data;
  sender_data.leaf_index = leaf.value;
  sender_data.generation = key.generation;
  suite.provider().random_bytes(sender_data.reuse_guard);

  const SecretBytes nonce = apply_reuse_guard(key.key.nonce.view(), sender_data.reuse_guard);
  message.ciphertext = suite.provider().aead_seal(suite.info().aead, key.key.key.view(),
                                                  nonce.view(), content_aad(message), plaintext);

  const KeyAndNonce sd_key = derive_sender_data_key(suite, sender_data_secret, message.ciphertext);
  message.encrypted_sender_data =
      suite.provider().aead_seal(suite.info().aead, sd_key.key.view(), sd_key.nonce.view(),
                                 sender_data_aad(message), codec::encode(sender_data));
  return message;
}

void check_private_sendable(const wire::AuthenticatedContent& content) {
  if (content.wire_format != wire::WireFormat::kPrivateMessage)
    throw Error(ErrorCode::kWireFormatMismatch, "content was signed for another wire format");
  // §6.3: only members hold the ratchets that encrypt PrivateMessages.
  if (content.content.sender.sender_type != wire::SenderType::kMember)
    throw Error(ErrorCode::kInvalidArgument, "only members send PrivateMessages");
}

}  // namespace

wire::PrivateMessage protect_private_message(const crypto::Suite& suite,
                                             const wire::AuthenticatedContent& content,
                                             SecretTree& secret_tree, BytesView sender_data_secret,
                                             size_t padding) {
  check_private_sendable(content);
  const wire::PrivateMessageContent plaintext{content.content.content, content.auth, padding};
  return seal(suite, content, plaintext.encode(), secret_tree, sender_data_secret);
}

wire::PrivateMessage protect_private_message(const crypto::Suite& suite,
                                             const wire::AuthenticatedContent& content,
                                             const wire::EncodedFramedContent& encoded,
                                             SecretTree& secret_tree, BytesView sender_data_secret,
                                             size_t padding_block) {
  check_private_sendable(content);
  return seal(suite, content,
              wire::PrivateMessageContent::encode(encoded, content.auth, padding_block),
              secret_tree, sender_data_secret);
}

wire::SenderData decrypt_sender_data(const crypto::Suite& suite,
                                     const wire::PrivateMessage& message,
                                     BytesView sender_data_secret) {
  const KeyAndNonce sd_key = derive_sender_data_key(suite, sender_data_secret, message.ciphertext);
  const Bytes plaintext =
      suite.provider().aead_open(suite.info().aead, sd_key.key.view(), sd_key.nonce.view(),
                                 sender_data_aad(message), message.encrypted_sender_data);
  return codec::decode<wire::SenderData>(plaintext);
}

wire::AuthenticatedContent unprotect_private_message(
    const crypto::Suite& suite, const wire::PrivateMessage& message, SecretTree& secret_tree,
    BytesView sender_data_secret,
    const std::function<void(const wire::AuthenticatedContent&)>& verify) {
  const wire::SenderData sender_data = decrypt_sender_data(suite, message, sender_data_secret);
  const tree::LeafIndex leaf(sender_data.leaf_index);
  const RatchetType type = ratchet_for(message.content_type);

  // Look the key up without consuming it: a message that fails below must not burn the
  // generation of a genuine one.
  const KeyAndNonce key = secret_tree.peek_key(suite, leaf, type, sender_data.generation);
  const SecretBytes nonce = apply_reuse_guard(key.nonce.view(), sender_data.reuse_guard);
  const SecretBytes plaintext(suite.provider().aead_open(
      suite.info().aead, key.key.view(), nonce.view(), content_aad(message), message.ciphertext));
  auto decoded = wire::PrivateMessageContent::decode(plaintext.view(), message.content_type);

  wire::AuthenticatedContent content;
  content.wire_format = wire::WireFormat::kPrivateMessage;
  content.content.group_id = message.group_id;
  content.content.epoch = message.epoch;
  content.content.sender = wire::Sender::member(leaf.value);
  content.content.authenticated_data = message.authenticated_data;
  content.content.content = std::move(decoded.content);
  content.auth = std::move(decoded.auth);

  if (verify) verify(content);
  secret_tree.take_key(suite, leaf, type, sender_data.generation);  // §9.2: delete once used
  return content;
}

}  // namespace conclave::schedule
