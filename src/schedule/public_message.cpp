#include "conclave/schedule/detail/public_message.h"

#include "conclave/base/error.h"

namespace conclave::schedule {

namespace {
constexpr std::string_view kFramedContentTbsLabel = "FramedContentTBS";
}  // namespace

Bytes sign_framed_content(const crypto::Suite& suite, wire::WireFormat wire_format,
                          const wire::EncodedFramedContent& content,
                          BytesView signature_private_key, const wire::GroupContext& context) {
  const Bytes tbs = wire::framed_content_tbs(wire_format, content, &context);
  return suite.sign_with_label(signature_private_key, kFramedContentTbsLabel, tbs);
}

Bytes sign_framed_content(const crypto::Suite& suite, wire::WireFormat wire_format,
                          const wire::FramedContent& content, BytesView signature_private_key,
                          const wire::GroupContext& context) {
  return sign_framed_content(suite, wire_format, wire::EncodedFramedContent(content),
                             signature_private_key, context);
}

void verify_framed_content(const crypto::Suite& suite, wire::WireFormat wire_format,
                           const wire::EncodedFramedContent& content, BytesView signature,
                           BytesView signature_public_key, const wire::GroupContext& context) {
  const Bytes tbs = wire::framed_content_tbs(wire_format, content, &context);
  if (!suite.verify_with_label(signature_public_key, kFramedContentTbsLabel, tbs, signature))
    throw Error(ErrorCode::kInvalidSignature, "FramedContentTBS signature does not verify");
}

void verify_framed_content(const crypto::Suite& suite, const wire::AuthenticatedContent& content,
                           BytesView signature_public_key, const wire::GroupContext& context) {
  verify_framed_content(suite, content.wire_format, wire::EncodedFramedContent(content.content),
                        content.auth.signature, signature_public_key, context);
}

wire::Mac membership_tag(const crypto::Suite& suite, BytesView membership_key,
                         const wire::EncodedFramedContent& content,
                         const wire::FramedContentAuthData& auth,
                         const wire::GroupContext& context) {
  return suite.mac(membership_key, wire::authenticated_content_tbm(content, auth, context));
}

wire::Mac membership_tag(const crypto::Suite& suite, BytesView membership_key,
                         const wire::FramedContent& content,
                         const wire::FramedContentAuthData& auth,
                         const wire::GroupContext& context) {
  return membership_tag(suite, membership_key, wire::EncodedFramedContent(content), auth, context);
}

wire::PublicMessage protect_public_message(const crypto::Suite& suite,
                                           const wire::AuthenticatedContent& content,
                                           const wire::EncodedFramedContent& encoded,
                                           BytesView membership_key,
                                           const wire::GroupContext& context) {
  if (content.wire_format != wire::WireFormat::kPublicMessage)
    throw Error(ErrorCode::kWireFormatMismatch, "content was signed for another wire format");
  // §6: "Applications MUST use PrivateMessage to encrypt application messages".
  if (content.content.content_type() == wire::ContentType::kApplication)
    throw Error(ErrorCode::kApplicationAsPublicMessage,
                "application data is never sent as a PublicMessage");
  wire::PublicMessage message;
  message.content = content.content;
  message.auth = content.auth;
  if (content.content.sender.sender_type == wire::SenderType::kMember)
    message.membership_tag = membership_tag(suite, membership_key, encoded, content.auth, context);
  return message;
}

wire::PublicMessage protect_public_message(const crypto::Suite& suite,
                                           const wire::AuthenticatedContent& content,
                                           BytesView membership_key,
                                           const wire::GroupContext& context) {
  return protect_public_message(suite, content, wire::EncodedFramedContent(content.content),
                                membership_key, context);
}

wire::AuthenticatedContent unprotect_public_message(const crypto::Suite& suite,
                                                    const wire::PublicMessage& message,
                                                    const wire::EncodedFramedContent& encoded,
                                                    BytesView membership_key,
                                                    const wire::GroupContext& context) {
  if (message.content.content_type() == wire::ContentType::kApplication)
    throw Error(ErrorCode::kApplicationAsPublicMessage,
                "a PublicMessage may not carry application data");
  if (message.content.sender.sender_type == wire::SenderType::kMember) {
    if (!message.membership_tag)
      throw Error(ErrorCode::kInvalidMembershipTag, "member PublicMessage without a tag");
    const wire::Mac expected =
        membership_tag(suite, membership_key, encoded, message.auth, context);
    if (!constant_time_equal(expected, *message.membership_tag))
      throw Error(ErrorCode::kInvalidMembershipTag, "membership tag does not verify");
  }
  return wire::AuthenticatedContent{wire::WireFormat::kPublicMessage, message.content,
                                    message.auth};
}

wire::AuthenticatedContent unprotect_public_message(const crypto::Suite& suite,
                                                    const wire::PublicMessage& message,
                                                    BytesView membership_key,
                                                    const wire::GroupContext& context) {
  return unprotect_public_message(suite, message, wire::EncodedFramedContent(message.content),
                                  membership_key, context);
}

}  // namespace conclave::schedule
