/// @file
/// Message framing (RFC 9420 §6): senders, framed content, its authentication, PublicMessage,
/// PrivateMessage and the structures their protection is computed over.
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

/// §6: who sent a message.
struct Sender {
  SenderType sender_type = SenderType::kMember;  ///< member, external or new member
  /// leaf_index for a member, sender_index into external_senders for an external sender;
  /// unused for the new-member types.
  uint32_t index = 0;

  /// A member at `leaf_index`.
  static Sender member(uint32_t leaf_index) { return {SenderType::kMember, leaf_index}; }
  /// An external sender, by its index in the external_senders extension (§12.1.8).
  static Sender external(uint32_t sender_index) { return {SenderType::kExternal, sender_index}; }
  /// A non-member proposing its own Add (§12.1.8).
  static Sender new_member_proposal() { return {SenderType::kNewMemberProposal, 0}; }
  /// A non-member joining by external commit (§12.4.3.2).
  static Sender new_member_commit() { return {SenderType::kNewMemberCommit, 0}; }

  /// Writes the wire encoding.
  void tls_encode(codec::Writer& w) const;
  /// Reads the wire encoding; throws Error naming the rule a malformed input breaks.
  void tls_decode(codec::Reader& r);
  /// Field by field.
  friend bool operator==(const Sender&, const Sender&) = default;
};

/// Application data as carried in FramedContent and PrivateMessageContent.
struct ApplicationData {
  Bytes data;  ///< the application's bytes
  /// Field by field.
  friend bool operator==(const ApplicationData&, const ApplicationData&) = default;
};

/// §6: a message's content: application data, a proposal or a commit.
using Content = std::variant<ApplicationData, Proposal, Commit>;
/// The ContentType of the alternative held.
ContentType content_type_of(const Content& content);
/// The content body as selected by content_type (no type tag on the wire).
void write_content(codec::Writer& w, const Content& content);
/// Reads a content body of the given type (see write_content()).
Content read_content(codec::Reader& r, ContentType type);

/// §6: a message's content with the group, epoch and sender it belongs to.
struct FramedContent {
  Bytes group_id;            ///< the group
  uint64_t epoch = 0;        ///< the epoch it was sent in
  Sender sender;             ///< who sent it
  Bytes authenticated_data;  ///< application bytes authenticated but not encrypted
  Content content;           ///< the content

  /// The ContentType of the content.
  ContentType content_type() const { return content_type_of(content); }

  /// Writes the wire encoding.
  void tls_encode(codec::Writer& w) const;
  /// Reads the wire encoding; throws Error naming the rule a malformed input breaks.
  void tls_decode(codec::Reader& r);
  /// Field by field.
  friend bool operator==(const FramedContent&, const FramedContent&) = default;
};

/// §6.1: the confirmation tag is present exactly for commits.
struct FramedContentAuthData {
  Bytes signature;                      ///< the sender's signature over FramedContentTBS
  std::optional<Mac> confirmation_tag;  ///< for commits: the new epoch's confirmation tag

  /// Writes the encoding for a content of `type` (the tag only for commits).
  void encode(codec::Writer& w, ContentType type) const;
  /// Reads the encoding for a content of `type` (the tag only for commits).
  void decode(codec::Reader& r, ContentType type);
  /// Field by field.
  friend bool operator==(const FramedContentAuthData&, const FramedContentAuthData&) = default;
};

/// §6.1: a message's content with its authentication, as signed and hashed into transcripts.
struct AuthenticatedContent {
  WireFormat wire_format = WireFormat::kPublicMessage;  ///< how it was sent
  FramedContent content;                                ///< the content
  FramedContentAuthData auth;                           ///< signature and confirmation tag

  /// Writes the wire encoding.
  void tls_encode(codec::Writer& w) const;
  /// Reads the wire encoding; throws Error naming the rule a malformed input breaks.
  void tls_decode(codec::Reader& r);
  /// Field by field.
  friend bool operator==(const AuthenticatedContent&, const AuthenticatedContent&) = default;
};

/// §6.1: FramedContentTBS, the content signed with label "FramedContentTBS". `context` is required
/// for member and new_member_commit senders and ignored otherwise.
Bytes framed_content_tbs(WireFormat wire_format, const FramedContent& content,
                         const GroupContext* context);

/// One message's FramedContent, encoded once. FramedContentTBS (§6.1), AuthenticatedContentTBM
/// (§6.2), ConfirmedTranscriptHashInput (§8.2), the AuthenticatedContent a proposal reference
/// hashes (§5.2) and, from the body on, PrivateMessageContent (§6.3.1) all embed these bytes, so
/// a commit with its UpdatePath and Adds is encoded once, and each of them is a copy of it.
class EncodedFramedContent {
 public:
  /// Encodes `content` once.
  explicit EncodedFramedContent(const FramedContent& content);
  /// The encoded FramedContent.
  BytesView bytes() const { return bytes_; }
  /// The content body (write_content), which PrivateMessageContent starts with.
  BytesView body() const { return BytesView(bytes_).subspan(body_offset_); }
  SenderType sender_type() const { return sender_type_; }     ///< the content's sender type
  ContentType content_type() const { return content_type_; }  ///< the content's type

 private:
  Bytes bytes_;
  size_t body_offset_ = 0;
  SenderType sender_type_ = SenderType::kMember;
  ContentType content_type_ = ContentType::kApplication;
};

/// framed_content_tbs() from the content encoded once.
Bytes framed_content_tbs(WireFormat wire_format, const EncodedFramedContent& content,
                         const GroupContext* context);
/// §5.2: the encoded AuthenticatedContent, the input of a proposal reference.
Bytes authenticated_content_bytes(WireFormat wire_format, const EncodedFramedContent& content,
                                  const FramedContentAuthData& auth);

/// §6.2: a handshake message sent signed but not encrypted; members also add a membership tag.
struct PublicMessage {
  FramedContent content;              ///< the content, in the clear
  FramedContentAuthData auth;         ///< signature and, for commits, confirmation tag
  std::optional<Mac> membership_tag;  ///< present exactly for member senders

  /// Writes the wire encoding.
  void tls_encode(codec::Writer& w) const;
  /// Reads the wire encoding; throws Error naming the rule a malformed input breaks.
  void tls_decode(codec::Reader& r);
  /// Field by field.
  friend bool operator==(const PublicMessage&, const PublicMessage&) = default;
};

/// §6.2: AuthenticatedContentTBM, the input of the membership tag MAC.
Bytes authenticated_content_tbm(const FramedContent& content, const FramedContentAuthData& auth,
                                const GroupContext& context);
/// authenticated_content_tbm() from the content encoded once.
Bytes authenticated_content_tbm(const EncodedFramedContent& content,
                                const FramedContentAuthData& auth, const GroupContext& context);

/// §6.3: a message encrypted with a key of the sender's ratchet; only the group, epoch, content
/// type and authenticated data are in the clear.
struct PrivateMessage {
  Bytes group_id;                                        ///< the group
  uint64_t epoch = 0;                                    ///< the epoch it was sent in
  ContentType content_type = ContentType::kApplication;  ///< what the ciphertext holds
  Bytes authenticated_data;     ///< application bytes authenticated but not encrypted
  Bytes encrypted_sender_data;  ///< SenderData under the sender data key (§6.3.2)
  Bytes ciphertext;             ///< PrivateMessageContent under the ratchet's key (§6.3.1)
  CONCLAVE_TLS_FIELDS(group_id, epoch, content_type, authenticated_data, encrypted_sender_data,
                      ciphertext)
  /// Field by field.
  friend bool operator==(const PrivateMessage&, const PrivateMessage&) = default;
};

/// §6.3.1: the plaintext of PrivateMessage.ciphertext.
struct PrivateMessageContent {
  Content content;             ///< the content body
  FramedContentAuthData auth;  ///< signature and, for commits, confirmation tag
  size_t padding = 0;          ///< number of zero bytes after auth

  /// The plaintext: content body, auth and `padding` zero bytes.
  Bytes encode() const;
  /// The plaintext of `content` (its body) with `auth`, zero-padded to a multiple of
  /// `padding_block` (§6.3.1; 0 or 1: no padding), without encoding the content again.
  static Bytes encode(const EncodedFramedContent& content, const FramedContentAuthData& auth,
                      size_t padding_block);
  /// Throws Error(kNonZeroPadding) when a padding byte is not zero.
  static PrivateMessageContent decode(BytesView plaintext, ContentType type);
  /// Field by field.
  friend bool operator==(const PrivateMessageContent&, const PrivateMessageContent&) = default;
};

/// §6.3.1: PrivateContentAAD, the associated data of a PrivateMessage's ciphertext.
struct PrivateContentAad {
  Bytes group_id;                                        ///< PrivateMessage.group_id
  uint64_t epoch = 0;                                    ///< PrivateMessage.epoch
  ContentType content_type = ContentType::kApplication;  ///< PrivateMessage.content_type
  Bytes authenticated_data;                              ///< PrivateMessage.authenticated_data
  CONCLAVE_TLS_FIELDS(group_id, epoch, content_type, authenticated_data)
};

/// §6.3.2: who sent a PrivateMessage and with which key, encrypted apart from the content.
struct SenderData {
  uint32_t leaf_index = 0;               ///< the sender's leaf
  uint32_t generation = 0;               ///< the generation of the ratchet key used
  std::array<uint8_t, 4> reuse_guard{};  ///< random bytes XORed into the nonce (§6.3.1)
  CONCLAVE_TLS_FIELDS(leaf_index, generation, reuse_guard)
  /// Field by field.
  friend bool operator==(const SenderData&, const SenderData&) = default;
};

/// §6.3.2: SenderDataAAD, the associated data of the encrypted SenderData.
struct SenderDataAad {
  Bytes group_id;                                        ///< PrivateMessage.group_id
  uint64_t epoch = 0;                                    ///< PrivateMessage.epoch
  ContentType content_type = ContentType::kApplication;  ///< PrivateMessage.content_type
  CONCLAVE_TLS_FIELDS(group_id, epoch, content_type)
};

/// §8.2: ConfirmedTranscriptHashInput (content must be a commit).
Bytes confirmed_transcript_hash_input(const AuthenticatedContent& content);
/// confirmed_transcript_hash_input() from the content encoded once and the signature.
Bytes confirmed_transcript_hash_input(WireFormat wire_format, const EncodedFramedContent& content,
                                      BytesView signature);
/// §8.2: InterimTranscriptHashInput.
Bytes interim_transcript_hash_input(const Mac& confirmation_tag);

}  // namespace conclave::wire
