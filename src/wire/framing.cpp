#include "conclave/wire/framing.h"

#include <algorithm>

#include "conclave/base/error.h"

namespace conclave::wire {

void Sender::tls_encode(codec::Writer& w) const {
  codec::write(w, sender_type);
  if (sender_type == SenderType::kMember || sender_type == SenderType::kExternal) w.u32(index);
}

void Sender::tls_decode(codec::Reader& r) {
  codec::read(r, sender_type);  // checked enum
  index = 0;
  if (sender_type == SenderType::kMember || sender_type == SenderType::kExternal) index = r.u32();
}

ContentType content_type_of(const Content& content) {
  switch (content.index()) {
    case 0: return ContentType::kApplication;
    case 1: return ContentType::kProposal;
    default: return ContentType::kCommit;
  }
}

void write_content(codec::Writer& w, const Content& content) {
  if (const auto* app = std::get_if<ApplicationData>(&content)) {
    w.opaque(app->data);
  } else if (const auto* proposal = std::get_if<Proposal>(&content)) {
    codec::write(w, *proposal);
  } else {
    codec::write(w, std::get<Commit>(content));
  }
}

Content read_content(codec::Reader& r, ContentType type) {
  switch (type) {
    case ContentType::kApplication: {
      BytesView data = r.opaque();
      return ApplicationData{Bytes(data.begin(), data.end())};
    }
    case ContentType::kProposal: {
      Proposal proposal;
      codec::read(r, proposal);
      return proposal;
    }
    case ContentType::kCommit: {
      Commit commit;
      codec::read(r, commit);
      return commit;
    }
  }
  throw Error(ErrorCode::kInvalidEnumValue, "content type");
}

void FramedContent::tls_encode(codec::Writer& w) const {
  codec::write(w, group_id);
  codec::write(w, epoch);
  codec::write(w, sender);
  codec::write(w, authenticated_data);
  codec::write(w, content_type());
  write_content(w, content);
}

void FramedContent::tls_decode(codec::Reader& r) {
  codec::read(r, group_id);
  codec::read(r, epoch);
  codec::read(r, sender);
  codec::read(r, authenticated_data);
  ContentType type{};
  codec::read(r, type);  // checked enum
  content = read_content(r, type);
}

void FramedContentAuthData::encode(codec::Writer& w, ContentType type) const {
  codec::write(w, signature);
  if (type == ContentType::kCommit) {
    if (!confirmation_tag)
      throw Error(ErrorCode::kInvalidArgument, "a commit's auth data needs a confirmation tag");
    codec::write(w, *confirmation_tag);
  }
}

void FramedContentAuthData::decode(codec::Reader& r, ContentType type) {
  codec::read(r, signature);
  confirmation_tag.reset();
  if (type == ContentType::kCommit) {
    Mac tag;
    codec::read(r, tag);
    confirmation_tag = std::move(tag);
  }
}

namespace {

bool is_framed_wire_format(WireFormat wf) {
  return wf == WireFormat::kPublicMessage || wf == WireFormat::kPrivateMessage;
}

}  // namespace

void AuthenticatedContent::tls_encode(codec::Writer& w) const {
  codec::write(w, wire_format);
  codec::write(w, content);
  auth.encode(w, content.content_type());
}

void AuthenticatedContent::tls_decode(codec::Reader& r) {
  codec::read(r, wire_format);
  // §6.1: framed content travels only in PublicMessage or PrivateMessage.
  if (!is_framed_wire_format(wire_format))
    throw Error(ErrorCode::kWireFormatMismatch, "AuthenticatedContent with wire format " +
                                                    std::to_string(static_cast<int>(wire_format)));
  codec::read(r, content);
  auth.decode(r, content.content_type());
}

EncodedFramedContent::EncodedFramedContent(const FramedContent& content)
    : sender_type_(content.sender.sender_type), content_type_(content.content_type()) {
  codec::Writer w;
  codec::write(w, content.group_id);
  codec::write(w, content.epoch);
  codec::write(w, content.sender);
  codec::write(w, content.authenticated_data);
  codec::write(w, content_type_);
  body_offset_ = w.size();
  write_content(w, content.content);
  bytes_ = w.take();
}

Bytes framed_content_tbs(WireFormat wire_format, const EncodedFramedContent& content,
                         const GroupContext* context) {
  codec::Writer w;
  codec::write(w, ProtocolVersion::kMls10);
  codec::write(w, wire_format);
  w.raw(content.bytes());
  const SenderType st = content.sender_type();
  if (st == SenderType::kMember || st == SenderType::kNewMemberCommit) {
    if (context == nullptr)
      throw Error(ErrorCode::kMissingGroupContext,
                  "FramedContentTBS of a member or new-member "
                  "commit sender includes the GroupContext");
    codec::write(w, *context);
  }
  return w.take();
}

Bytes framed_content_tbs(WireFormat wire_format, const FramedContent& content,
                         const GroupContext* context) {
  return framed_content_tbs(wire_format, EncodedFramedContent(content), context);
}

Bytes authenticated_content_bytes(WireFormat wire_format, const EncodedFramedContent& content,
                                  const FramedContentAuthData& auth) {
  codec::Writer w;
  codec::write(w, wire_format);
  w.raw(content.bytes());
  auth.encode(w, content.content_type());
  return w.take();
}

void PublicMessage::tls_encode(codec::Writer& w) const {
  codec::write(w, content);
  auth.encode(w, content.content_type());
  if (content.sender.sender_type == SenderType::kMember) {
    if (!membership_tag)
      throw Error(ErrorCode::kInvalidArgument, "a member's PublicMessage needs a membership tag");
    codec::write(w, *membership_tag);
  }
}

void PublicMessage::tls_decode(codec::Reader& r) {
  codec::read(r, content);
  auth.decode(r, content.content_type());
  membership_tag.reset();
  if (content.sender.sender_type == SenderType::kMember) {
    Mac tag;
    codec::read(r, tag);
    membership_tag = std::move(tag);
  }
}

Bytes authenticated_content_tbm(const EncodedFramedContent& content,
                                const FramedContentAuthData& auth, const GroupContext& context) {
  codec::Writer w;
  w.raw(framed_content_tbs(WireFormat::kPublicMessage, content, &context));
  auth.encode(w, content.content_type());
  return w.take();
}

Bytes authenticated_content_tbm(const FramedContent& content, const FramedContentAuthData& auth,
                                const GroupContext& context) {
  return authenticated_content_tbm(EncodedFramedContent(content), auth, context);
}

Bytes PrivateMessageContent::encode() const {
  codec::Writer w;
  write_content(w, content);
  auth.encode(w, content_type_of(content));
  Bytes out = w.take();
  out.resize(out.size() + padding, 0);
  return out;
}

Bytes PrivateMessageContent::encode(const EncodedFramedContent& content,
                                    const FramedContentAuthData& auth, size_t padding_block) {
  codec::Writer w;
  w.raw(content.body());
  auth.encode(w, content.content_type());
  Bytes out = w.take();
  if (padding_block > 1 && out.size() % padding_block != 0)
    out.resize(out.size() + padding_block - out.size() % padding_block, 0);
  return out;
}

PrivateMessageContent PrivateMessageContent::decode(BytesView plaintext, ContentType type) {
  codec::Reader r(plaintext);
  PrivateMessageContent out;
  out.content = read_content(r, type);
  out.auth.decode(r, type);
  BytesView padding = r.rest();
  // §6.3.1: "padding ... MUST be all zero"; a non-zero byte means a malformed message.
  if (std::any_of(padding.begin(), padding.end(), [](uint8_t b) { return b != 0; }))
    throw Error(ErrorCode::kNonZeroPadding, "PrivateMessageContent padding is not all zeros");
  out.padding = padding.size();
  return out;
}

Bytes confirmed_transcript_hash_input(WireFormat wire_format, const EncodedFramedContent& content,
                                      BytesView signature) {
  if (content.content_type() != ContentType::kCommit)
    throw Error(ErrorCode::kInvalidArgument, "transcript hashes cover commits only");
  codec::Writer w;
  codec::write(w, wire_format);
  w.raw(content.bytes());
  w.opaque(signature);
  return w.take();
}

Bytes confirmed_transcript_hash_input(const AuthenticatedContent& content) {
  return confirmed_transcript_hash_input(content.wire_format, EncodedFramedContent(content.content),
                                         content.auth.signature);
}

Bytes interim_transcript_hash_input(const Mac& confirmation_tag) {
  return codec::encode(confirmation_tag);
}

}  // namespace conclave::wire
