// Message framing (RFC 9420 §6): senders, framed content, its authentication, PublicMessage,
// PrivateMessage and the structures their protection is computed over.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <variant>

#include "conclave/base/bytes.h"
#include "conclave/codec/codec.h"
#include "conclave/wire/commit.h"
#include "conclave/wire/group_context.h"
#include "conclave/wire/proposal.h"
#include "conclave/wire/types.h"

namespace conclave::wire {

// §6
struct Sender {
  SenderType sender_type = SenderType::kMember;
  // leaf_index for a member, sender_index into external_senders for an external sender;
  // unused for the new-member types.
  uint32_t index = 0;

  static Sender member(uint32_t leaf_index) { return {SenderType::kMember, leaf_index}; }
  static Sender external(uint32_t sender_index) { return {SenderType::kExternal, sender_index}; }
  static Sender new_member_proposal() { return {SenderType::kNewMemberProposal, 0}; }
  static Sender new_member_commit() { return {SenderType::kNewMemberCommit, 0}; }

  void tls_encode(codec::Writer& w) const;
  void tls_decode(codec::Reader& r);
  friend bool operator==(const Sender&, const Sender&) = default;
};

// Application data as carried in FramedContent and PrivateMessageContent.
struct ApplicationData {
  Bytes data;
  friend bool operator==(const ApplicationData&, const ApplicationData&) = default;
};

using Content = std::variant<ApplicationData, Proposal, Commit>;
ContentType content_type_of(const Content& content);
// The content body as selected by content_type (no type tag on the wire).
void write_content(codec::Writer& w, const Content& content);
Content read_content(codec::Reader& r, ContentType type);

// §6
struct FramedContent {
  Bytes group_id;
  uint64_t epoch = 0;
  Sender sender;
  Bytes authenticated_data;
  Content content;

  ContentType content_type() const { return content_type_of(content); }

  void tls_encode(codec::Writer& w) const;
  void tls_decode(codec::Reader& r);
  friend bool operator==(const FramedContent&, const FramedContent&) = default;
};

// §6.1: the confirmation tag is present exactly for commits.
struct FramedContentAuthData {
  Bytes signature;
  std::optional<Mac> confirmation_tag;

  void encode(codec::Writer& w, ContentType type) const;
  void decode(codec::Reader& r, ContentType type);
  friend bool operator==(const FramedContentAuthData&, const FramedContentAuthData&) = default;
};

// §6.1
struct AuthenticatedContent {
  WireFormat wire_format = WireFormat::kPublicMessage;
  FramedContent content;
  FramedContentAuthData auth;

  void tls_encode(codec::Writer& w) const;
  void tls_decode(codec::Reader& r);
  friend bool operator==(const AuthenticatedContent&, const AuthenticatedContent&) = default;
};

// §6.1: FramedContentTBS, the content signed with label "FramedContentTBS". `context` is required
// for member and new_member_commit senders and ignored otherwise.
Bytes framed_content_tbs(WireFormat wire_format, const FramedContent& content,
                         const GroupContext* context);

// One message's FramedContent, encoded once. FramedContentTBS (§6.1), AuthenticatedContentTBM
// (§6.2), ConfirmedTranscriptHashInput (§8.2), the AuthenticatedContent a proposal reference
// hashes (§5.2) and, from the body on, PrivateMessageContent (§6.3.1) all embed these bytes, so
// a commit with its UpdatePath and Adds is encoded once, and each of them is a copy of it.
class EncodedFramedContent {
 public:
  explicit EncodedFramedContent(const FramedContent& content);
  BytesView bytes() const { return bytes_; }
  // The content body (write_content), which PrivateMessageContent starts with.
  BytesView body() const { return BytesView(bytes_).subspan(body_offset_); }
  SenderType sender_type() const { return sender_type_; }
  ContentType content_type() const { return content_type_; }

 private:
  Bytes bytes_;
  size_t body_offset_ = 0;
  SenderType sender_type_ = SenderType::kMember;
  ContentType content_type_ = ContentType::kApplication;
};

Bytes framed_content_tbs(WireFormat wire_format, const EncodedFramedContent& content,
                         const GroupContext* context);
// §5.2: the encoded AuthenticatedContent, the input of a proposal reference.
Bytes authenticated_content_bytes(WireFormat wire_format, const EncodedFramedContent& content,
                                  const FramedContentAuthData& auth);

// §6.2
struct PublicMessage {
  FramedContent content;
  FramedContentAuthData auth;
  std::optional<Mac> membership_tag;  // present exactly for member senders

  void tls_encode(codec::Writer& w) const;
  void tls_decode(codec::Reader& r);
  friend bool operator==(const PublicMessage&, const PublicMessage&) = default;
};

// §6.2: AuthenticatedContentTBM, the input of the membership tag MAC.
Bytes authenticated_content_tbm(const FramedContent& content, const FramedContentAuthData& auth,
                                const GroupContext& context);
Bytes authenticated_content_tbm(const EncodedFramedContent& content,
                                const FramedContentAuthData& auth, const GroupContext& context);

// §6.3
struct PrivateMessage {
  Bytes group_id;
  uint64_t epoch = 0;
  ContentType content_type = ContentType::kApplication;
  Bytes authenticated_data;
  Bytes encrypted_sender_data;
  Bytes ciphertext;
  CONCLAVE_TLS_FIELDS(group_id, epoch, content_type, authenticated_data, encrypted_sender_data,
                      ciphertext)
  friend bool operator==(const PrivateMessage&, const PrivateMessage&) = default;
};

// §6.3.1: the plaintext of PrivateMessage.ciphertext.
struct PrivateMessageContent {
  Content content;
  FramedContentAuthData auth;
  size_t padding = 0;  // number of zero bytes after auth

  Bytes encode() const;
  // The plaintext of `content` (its body) with `auth`, zero-padded to a multiple of
  // `padding_block` (§6.3.1; 0 or 1: no padding), without encoding the content again.
  static Bytes encode(const EncodedFramedContent& content, const FramedContentAuthData& auth,
                      size_t padding_block);
  // Throws Error(kNonZeroPadding) when a padding byte is not zero.
  static PrivateMessageContent decode(BytesView plaintext, ContentType type);
  friend bool operator==(const PrivateMessageContent&, const PrivateMessageContent&) = default;
};

// §6.3.1
struct PrivateContentAad {
  Bytes group_id;
  uint64_t epoch = 0;
  ContentType content_type = ContentType::kApplication;
  Bytes authenticated_data;
  CONCLAVE_TLS_FIELDS(group_id, epoch, content_type, authenticated_data)
};

// §6.3.2
struct SenderData {
  uint32_t leaf_index = 0;
  uint32_t generation = 0;
  std::array<uint8_t, 4> reuse_guard{};
  CONCLAVE_TLS_FIELDS(leaf_index, generation, reuse_guard)
  friend bool operator==(const SenderData&, const SenderData&) = default;
};

// §6.3.2
struct SenderDataAad {
  Bytes group_id;
  uint64_t epoch = 0;
  ContentType content_type = ContentType::kApplication;
  CONCLAVE_TLS_FIELDS(group_id, epoch, content_type)
};

// §8.2: ConfirmedTranscriptHashInput (content must be a commit).
Bytes confirmed_transcript_hash_input(const AuthenticatedContent& content);
Bytes confirmed_transcript_hash_input(WireFormat wire_format, const EncodedFramedContent& content,
                                      BytesView signature);
// §8.2: InterimTranscriptHashInput.
Bytes interim_transcript_hash_input(const Mac& confirmation_tag);

}  // namespace conclave::wire
