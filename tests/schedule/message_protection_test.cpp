// RFC 9420 §6.2-6.3 and §9.2: protecting and unprotecting messages, with the ratchet window,
// replay protection and the padding and membership tag rules.
#include <gtest/gtest.h>

#include "conclave/base/error.h"
#include "conclave/codec/codec.h"
#include "conclave/crypto/openssl_provider.h"
#include "conclave/schedule/detail/private_message.h"
#include "conclave/schedule/detail/public_message.h"
#include "conclave/schedule/detail/sender_data.h"
#include "conclave/schedule/key_and_nonce.h"
#include "conclave/schedule/secret_tree.h"
#include "support/error_of.h"

namespace conclave::schedule {
namespace {

using wire::AuthenticatedContent;
using wire::WireFormat;

using conclave::testing::error_of;

class Protection : public ::testing::Test {
 protected:
  Protection() : suite_(crypto::openssl_provider(), 1) {
    context_.cipher_suite = 1;
    context_.group_id = to_bytes("group");
    context_.epoch = 3;
    context_.tree_hash = Bytes(32, 1);
    context_.confirmed_transcript_hash = Bytes(32, 2);
    signer_ = suite_.generate_signature_key_pair();
    encryption_secret_ = SecretBytes(Bytes(32, 7));
    sender_data_secret_ = Bytes(32, 8);
    membership_key_ = Bytes(32, 9);
  }

  SecretTree tree(RatchetWindow window = {}) const {
    return SecretTree(suite_, tree::LeafCount(4), encryption_secret_, window);
  }

  AuthenticatedContent signed_content(WireFormat wf, wire::Content content) const {
    AuthenticatedContent ac;
    ac.wire_format = wf;
    ac.content.group_id = context_.group_id;
    ac.content.epoch = context_.epoch;
    ac.content.sender = wire::Sender::member(2);
    ac.content.authenticated_data = to_bytes("aad");
    ac.content.content = std::move(content);
    ac.auth.signature =
        sign_framed_content(suite_, wf, ac.content, signer_.private_key.view(), context_);
    return ac;
  }

  AuthenticatedContent application(const std::string& text) const {
    return signed_content(WireFormat::kPrivateMessage, wire::ApplicationData{to_bytes(text)});
  }

  AuthenticatedContent open(const wire::PrivateMessage& m, SecretTree& receiver) const {
    return unprotect_private_message(
        suite_, m, receiver, sender_data_secret_, [&](const AuthenticatedContent& c) {
          verify_framed_content(suite_, c, signer_.public_key, context_);
        });
  }

  crypto::Suite suite_;
  wire::GroupContext context_;
  crypto::KeyPair signer_;
  SecretBytes encryption_secret_;
  Bytes sender_data_secret_;
  Bytes membership_key_;
};

TEST_F(Protection, PrivateMessageRoundTripWithPadding) {
  auto sender = tree();
  auto receiver = tree();
  const auto m =
      protect_private_message(suite_, application("hello"), sender, sender_data_secret_, 17);
  const auto opened = open(m, receiver);
  EXPECT_EQ(opened.content.content, wire::Content(wire::ApplicationData{to_bytes("hello")}));
  EXPECT_EQ(opened.content.sender, wire::Sender::member(2));
  EXPECT_EQ(opened.content.authenticated_data, to_bytes("aad"));
}

TEST_F(Protection, ReplayedGenerationRejected) {
  // §9.2: a key is deleted once used, so the same message cannot be decrypted twice.
  auto sender = tree();
  auto receiver = tree();
  const auto m = protect_private_message(suite_, application("once"), sender, sender_data_secret_);
  open(m, receiver);
  EXPECT_EQ(error_of([&] { open(m, receiver); }), ErrorCode::kGenerationReused);
}

TEST_F(Protection, OutOfOrderWithinWindowThenTooOld) {
  // §9.2: keys of skipped generations are kept only within the configured window.
  const RatchetWindow window{2, 100};
  auto sender = tree(window);
  auto receiver = tree(window);
  std::vector<wire::PrivateMessage> sent;
  for (int i = 0; i < 6; ++i)
    sent.push_back(protect_private_message(suite_, application("m" + std::to_string(i)), sender,
                                           sender_data_secret_));
  open(sent[5], receiver);  // generation 5 first: 3 and 4 stay inside the window of 2
  open(sent[4], receiver);
  open(sent[3], receiver);
  EXPECT_EQ(error_of([&] { open(sent[2], receiver); }), ErrorCode::kGenerationTooOld);
  EXPECT_EQ(error_of([&] { open(sent[0], receiver); }), ErrorCode::kGenerationTooOld);
}

TEST_F(Protection, GenerationTooFarAheadRejected) {
  const RatchetWindow window{5, 3};
  auto sender = tree(window);
  auto receiver = tree(window);
  wire::PrivateMessage last;
  for (int i = 0; i < 5; ++i)
    last = protect_private_message(suite_, application("x"), sender, sender_data_secret_);
  // Generation 4 is 4 past the receiver's next generation 0; the maximum is 3.
  EXPECT_EQ(error_of([&] { open(last, receiver); }), ErrorCode::kGenerationTooFarAhead);
}

TEST_F(Protection, FailedVerificationDoesNotConsumeTheKey) {
  // Nothing is applied until everything is verified: a content whose signature check fails
  // leaves the generation usable.
  auto sender = tree();
  auto receiver = tree();
  const auto m = protect_private_message(suite_, application("hi"), sender, sender_data_secret_);
  EXPECT_EQ(error_of([&] {
              unprotect_private_message(suite_, m, receiver, sender_data_secret_,
                                        [](const AuthenticatedContent&) {
                                          throw Error(ErrorCode::kInvalidSignature, "test");
                                        });
            }),
            ErrorCode::kInvalidSignature);
  EXPECT_NO_THROW(open(m, receiver));
}

TEST_F(Protection, WrongSignerRejected) {
  auto sender = tree();
  auto receiver = tree();
  auto content = application("hi");
  content.auth.signature[0] ^= 1;
  const auto m = protect_private_message(suite_, content, sender, sender_data_secret_);
  EXPECT_EQ(error_of([&] { open(m, receiver); }), ErrorCode::kInvalidSignature);
}

TEST_F(Protection, NonZeroPaddingRejected) {
  // §6.3.1: a receiver MUST reject content whose padding has a non-zero byte. Build a message
  // whose plaintext ends in 0x01 with the sender's real key.
  auto sender = tree();
  auto receiver = tree();
  const auto content = application("pad");
  wire::PrivateMessageContent pmc{content.content.content, content.auth, 4};
  Bytes plaintext = pmc.encode();
  plaintext.back() = 0x01;

  wire::PrivateMessage m;
  m.group_id = context_.group_id;
  m.epoch = context_.epoch;
  m.content_type = wire::ContentType::kApplication;
  m.authenticated_data = content.content.authenticated_data;
  const auto key = sender.next_key(suite_, tree::LeafIndex(2), RatchetType::kApplication);
  const wire::SenderData sd{2, key.generation, {1, 2, 3, 4}};
  m.ciphertext =
      suite_.provider().aead_seal(suite_.info().aead, key.key.key.view(),
                                  apply_reuse_guard(key.key.nonce.view(), sd.reuse_guard).view(),
                                  codec::encode(wire::PrivateContentAad{
                                      m.group_id, m.epoch, m.content_type, m.authenticated_data}),
                                  plaintext);
  const auto sd_key = derive_sender_data_key(suite_, sender_data_secret_, m.ciphertext);
  m.encrypted_sender_data = suite_.provider().aead_seal(
      suite_.info().aead, sd_key.key.view(), sd_key.nonce.view(),
      codec::encode(wire::SenderDataAad{m.group_id, m.epoch, m.content_type}), codec::encode(sd));

  EXPECT_EQ(error_of([&] { open(m, receiver); }), ErrorCode::kNonZeroPadding);
}

TEST_F(Protection, TamperedCiphertextOrSenderDataRejected) {
  auto sender = tree();
  const auto m = protect_private_message(suite_, application("hi"), sender, sender_data_secret_);
  auto bad_ct = m;
  bad_ct.ciphertext.back() ^= 1;  // the sender data key is derived from the ciphertext too
  auto receiver = tree();
  EXPECT_EQ(error_of([&] { open(bad_ct, receiver); }), ErrorCode::kAeadAuthenticationFailed);
  auto bad_sd = m;
  bad_sd.encrypted_sender_data[0] ^= 1;
  EXPECT_EQ(error_of([&] { open(bad_sd, receiver); }), ErrorCode::kAeadAuthenticationFailed);
  auto bad_aad = m;
  bad_aad.authenticated_data.push_back(0);
  EXPECT_EQ(error_of([&] { open(bad_aad, receiver); }), ErrorCode::kAeadAuthenticationFailed);
  // The genuine message still opens: none of the failures consumed its key.
  EXPECT_NO_THROW(open(m, receiver));
}

TEST_F(Protection, PublicMessageMembershipTag) {
  // §6.2: a member's PublicMessage carries a MAC under membership_key over
  // AuthenticatedContentTBM; a wrong tag is rejected.
  const auto ac = signed_content(WireFormat::kPublicMessage, wire::Proposal{wire::Remove{1}});
  auto pm = protect_public_message(suite_, ac, membership_key_, context_);
  ASSERT_TRUE(pm.membership_tag.has_value());
  const auto opened = unprotect_public_message(suite_, pm, membership_key_, context_);
  EXPECT_NO_THROW(verify_framed_content(suite_, opened, signer_.public_key, context_));

  auto bad = pm;
  (*bad.membership_tag)[0] ^= 1;
  EXPECT_EQ(error_of([&] { unprotect_public_message(suite_, bad, membership_key_, context_); }),
            ErrorCode::kInvalidMembershipTag);
  // A tag from another epoch's membership key is just as wrong.
  EXPECT_EQ(error_of([&] { unprotect_public_message(suite_, pm, Bytes(32, 10), context_); }),
            ErrorCode::kInvalidMembershipTag);
  auto untagged = pm;
  untagged.membership_tag.reset();
  EXPECT_EQ(
      error_of([&] { unprotect_public_message(suite_, untagged, membership_key_, context_); }),
      ErrorCode::kInvalidMembershipTag);
}

TEST_F(Protection, ApplicationDataNeverPublic) {
  // §6: "Applications MUST use PrivateMessage to encrypt application messages".
  const auto ac = signed_content(WireFormat::kPublicMessage, wire::ApplicationData{{1}});
  EXPECT_EQ(error_of([&] { protect_public_message(suite_, ac, membership_key_, context_); }),
            ErrorCode::kApplicationAsPublicMessage);
}

TEST_F(Protection, SignatureBindsWireFormatAndContext) {
  // §6.1: FramedContentTBS covers the wire format and the GroupContext.
  auto ac = signed_content(WireFormat::kPublicMessage, wire::Proposal{wire::Remove{1}});
  EXPECT_NO_THROW(verify_framed_content(suite_, ac, signer_.public_key, context_));
  auto other_context = context_;
  other_context.epoch += 1;
  EXPECT_EQ(error_of([&] { verify_framed_content(suite_, ac, signer_.public_key, other_context); }),
            ErrorCode::kInvalidSignature);
  ac.wire_format = WireFormat::kPrivateMessage;
  EXPECT_EQ(error_of([&] { verify_framed_content(suite_, ac, signer_.public_key, context_); }),
            ErrorCode::kInvalidSignature);
}

}  // namespace
}  // namespace conclave::schedule
