// Authenticating framed content (RFC 9420 §6.1) and PublicMessage protection (§6.2).
#pragma once

#include "conclave/base/bytes.h"
#include "conclave/crypto/suite.h"
#include "conclave/wire/framing.h"
#include "conclave/wire/group_context.h"

namespace conclave::schedule {

// §6.1: SignWithLabel(key, "FramedContentTBS", FramedContentTBS). The GroupContext is part of
// the signed content for member and new_member_commit senders.
Bytes sign_framed_content(const crypto::Suite& suite, wire::WireFormat wire_format,
                          const wire::FramedContent& content, BytesView signature_private_key,
                          const wire::GroupContext& context);
Bytes sign_framed_content(const crypto::Suite& suite, wire::WireFormat wire_format,
                          const wire::EncodedFramedContent& content,
                          BytesView signature_private_key, const wire::GroupContext& context);

// §6.1: throws Error(kInvalidSignature) unless the signature verifies under the sender's key.
void verify_framed_content(const crypto::Suite& suite, const wire::AuthenticatedContent& content,
                           BytesView signature_public_key, const wire::GroupContext& context);
void verify_framed_content(const crypto::Suite& suite, wire::WireFormat wire_format,
                           const wire::EncodedFramedContent& content, BytesView signature,
                           BytesView signature_public_key, const wire::GroupContext& context);

// §6.2: MAC(membership_key, AuthenticatedContentTBM).
wire::Mac membership_tag(const crypto::Suite& suite, BytesView membership_key,
                         const wire::FramedContent& content,
                         const wire::FramedContentAuthData& auth,
                         const wire::GroupContext& context);
wire::Mac membership_tag(const crypto::Suite& suite, BytesView membership_key,
                         const wire::EncodedFramedContent& content,
                         const wire::FramedContentAuthData& auth,
                         const wire::GroupContext& context);

// §6.2: wraps signed content (wire format mls_public_message) as a PublicMessage, adding the
// membership tag for member senders. Throws Error(kApplicationAsPublicMessage) for application
// data, which is only ever sent encrypted, and kWireFormatMismatch for another wire format.
wire::PublicMessage protect_public_message(const crypto::Suite& suite,
                                           const wire::AuthenticatedContent& content,
                                           BytesView membership_key,
                                           const wire::GroupContext& context);
// The same, the tag computed from `encoded`, the content's own encoding.
wire::PublicMessage protect_public_message(const crypto::Suite& suite,
                                           const wire::AuthenticatedContent& content,
                                           const wire::EncodedFramedContent& encoded,
                                           BytesView membership_key,
                                           const wire::GroupContext& context);

// §6.2: checks the membership tag of a member's PublicMessage (constant time; throws
// Error(kInvalidMembershipTag)) and returns the content with wire format mls_public_message.
// Signature verification is separate (verify_framed_content): the sender's key comes from the
// group's tree, external senders or the content itself, depending on the sender type.
wire::AuthenticatedContent unprotect_public_message(const crypto::Suite& suite,
                                                    const wire::PublicMessage& message,
                                                    BytesView membership_key,
                                                    const wire::GroupContext& context);
// The same, the tag checked over `encoded`, the encoding of message.content.
wire::AuthenticatedContent unprotect_public_message(const crypto::Suite& suite,
                                                    const wire::PublicMessage& message,
                                                    const wire::EncodedFramedContent& encoded,
                                                    BytesView membership_key,
                                                    const wire::GroupContext& context);

}  // namespace conclave::schedule
