// RFC 9420 message syntax: what decoding enforces beyond the presentation language, and what
// it keeps for extensibility (§13).
#include <gtest/gtest.h>

#include "conclave/base/error.h"
#include "conclave/codec/codec.h"
#include "conclave/wire/framing.h"
#include "conclave/wire/message.h"
#include "conclave/wire/proposal.h"

namespace conclave::wire {
namespace {

template <class T>
ErrorCode decode_error(const Bytes& data) {
  try {
    (void)codec::decode<T>(data);
  } catch (const Error& e) {
    return e.code();
  }
  return ErrorCode::kInternal;  // decoded: a test expecting an error fails on this value
}

FramedContent application_content() {
  FramedContent fc;
  fc.group_id = from_hex("0102");
  fc.epoch = 7;
  fc.sender = Sender::member(3);
  fc.authenticated_data = from_hex("aa");
  fc.content = ApplicationData{from_hex("68656c6c6f")};
  return fc;
}

MlsMessage public_application_message() {
  PublicMessage pm;
  pm.content = application_content();
  pm.auth.signature = from_hex("5151");
  pm.membership_tag = from_hex("7777");
  return MlsMessage{pm};
}

TEST(MlsMessage, RoundTripsPublicMessage) {
  const MlsMessage m = public_application_message();
  const Bytes encoded = codec::encode(m);
  // version mls10 (0001), wire format mls_public_message (0001), then the FramedContent.
  EXPECT_EQ(to_hex(BytesView(encoded).first(4)), "00010001");
  EXPECT_EQ(codec::decode<MlsMessage>(encoded), m);
}

TEST(MlsMessage, VersionOtherThanMls10Rejected) {
  // §6: ProtocolVersion version = mls10.
  Bytes encoded = codec::encode(public_application_message());
  encoded[1] = 0x02;
  EXPECT_EQ(decode_error<MlsMessage>(encoded), ErrorCode::kUnsupportedProtocolVersion);
  encoded[1] = 0x00;
  EXPECT_EQ(decode_error<MlsMessage>(encoded), ErrorCode::kUnsupportedProtocolVersion);
}

TEST(MlsMessage, UnknownWireFormatRejected) {
  // §17.2: wire formats 1..5 only; 0 is reserved and private-use values are not ours.
  Bytes encoded = codec::encode(public_application_message());
  for (uint8_t wf : {0x00, 0x06}) {
    encoded[3] = wf;
    EXPECT_EQ(decode_error<MlsMessage>(encoded), ErrorCode::kInvalidEnumValue) << int(wf);
  }
}

TEST(MlsMessage, WireFormatSelectsTheBody) {
  // A PublicMessage body labelled as a Welcome does not parse as a Welcome.
  Bytes encoded = codec::encode(public_application_message());
  encoded[3] = 0x03;
  EXPECT_NE(decode_error<MlsMessage>(encoded), ErrorCode::kInternal);
}

TEST(MlsMessage, TrailingBytesRejected) {
  Bytes encoded = codec::encode(public_application_message());
  encoded.push_back(0);
  EXPECT_EQ(decode_error<MlsMessage>(encoded), ErrorCode::kTrailingBytes);
}

TEST(FramedContent, UnknownContentTypeRejected) {
  // §6: ContentType is application(1), proposal(2) or commit(3).
  Bytes encoded = codec::encode(application_content());
  // group_id(3) epoch(8) sender(5) authenticated_data(2): the content type is byte 18.
  ASSERT_EQ(encoded[18], 0x01);
  for (uint8_t t : {0x00, 0x04, 0xff}) {
    encoded[18] = t;
    EXPECT_EQ(decode_error<FramedContent>(encoded), ErrorCode::kInvalidEnumValue) << int(t);
  }
}

TEST(FramedContent, UnknownSenderTypeRejected) {
  Bytes encoded = codec::encode(application_content());
  ASSERT_EQ(encoded[11], 0x01);  // sender_type member
  encoded[11] = 0x05;
  EXPECT_EQ(decode_error<FramedContent>(encoded), ErrorCode::kInvalidEnumValue);
}

TEST(PublicMessage, MembershipTagPresentExactlyForMembers) {
  // §6.2: membership_tag is present for member senders and absent otherwise.
  PublicMessage pm;
  pm.content = application_content();
  pm.content.sender = Sender::new_member_proposal();
  pm.content.content = Proposal{Remove{1}};
  pm.auth.signature = from_hex("01");
  const Bytes encoded = codec::encode(pm);
  const auto decoded = codec::decode<PublicMessage>(encoded);
  EXPECT_FALSE(decoded.membership_tag.has_value());
  // The same bytes with a trailing "tag" are trailing garbage, not a tag.
  Bytes with_tag = encoded;
  with_tag.push_back(0x00);
  EXPECT_EQ(decode_error<PublicMessage>(with_tag), ErrorCode::kTrailingBytes);
}

TEST(AuthenticatedContent, OnlyFramedWireFormats) {
  // §6.1: AuthenticatedContent is carried by PublicMessage or PrivateMessage.
  AuthenticatedContent ac;
  ac.wire_format = WireFormat::kPublicMessage;
  ac.content = application_content();
  ac.auth.signature = from_hex("01");
  Bytes encoded = codec::encode(ac);
  EXPECT_EQ(codec::decode<AuthenticatedContent>(encoded), ac);
  encoded[1] = 0x03;  // mls_welcome
  EXPECT_EQ(decode_error<AuthenticatedContent>(encoded), ErrorCode::kWireFormatMismatch);
}

TEST(PrivateMessageContent, PaddingMustBeZero) {
  // §6.3.1: "A receiver MUST verify that there are no non-zero bytes in the padding field".
  PrivateMessageContent pmc;
  pmc.content = ApplicationData{from_hex("0102")};
  pmc.auth.signature = from_hex("0303");
  pmc.padding = 8;
  Bytes plaintext = pmc.encode();
  EXPECT_EQ(PrivateMessageContent::decode(plaintext, ContentType::kApplication), pmc);
  plaintext.back() = 0x01;
  try {
    PrivateMessageContent::decode(plaintext, ContentType::kApplication);
    FAIL() << "non-zero padding accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNonZeroPadding);
  }
}

TEST(PrivateMessageContent, CommitCarriesConfirmationTag) {
  // §6.1: the confirmation tag is present exactly for commits.
  PrivateMessageContent pmc;
  pmc.content = Commit{};
  pmc.auth.signature = from_hex("03");
  pmc.auth.confirmation_tag = from_hex("0909");
  const Bytes plaintext = pmc.encode();
  EXPECT_EQ(PrivateMessageContent::decode(plaintext, ContentType::kCommit), pmc);
}

TEST(FramedContentTbs, MemberSenderNeedsGroupContext) {
  // §6.1: FramedContentTBS includes the GroupContext for member and new_member_commit senders.
  const FramedContent fc = application_content();
  try {
    framed_content_tbs(WireFormat::kPrivateMessage, fc, nullptr);
    FAIL() << "TBS built without the GroupContext";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kMissingGroupContext);
  }
  GroupContext ctx;
  ctx.cipher_suite = 1;
  const Bytes tbs = framed_content_tbs(WireFormat::kPrivateMessage, fc, &ctx);
  const Bytes ctx_bytes = codec::encode(ctx);
  ASSERT_GT(tbs.size(), ctx_bytes.size());
  EXPECT_TRUE(std::equal(ctx_bytes.begin(), ctx_bytes.end(), tbs.end() - ctx_bytes.size()));
}

TEST(Proposal, UnknownTypeKeptAsOpaque) {
  // §13: a custom proposal type round-trips with its body untouched.
  const Bytes encoded = from_hex("f00103aabbcc");
  const auto p = codec::decode<Proposal>(encoded);
  const auto* custom = std::get_if<CustomProposal>(&p.content);
  ASSERT_NE(custom, nullptr);
  EXPECT_EQ(static_cast<uint16_t>(custom->proposal_type), 0xf001);
  EXPECT_EQ(custom->data, from_hex("aabbcc"));
  EXPECT_EQ(codec::encode(p), encoded);
}

TEST(Credential, BasicX509AndUnknownTypes) {
  const auto basic = Credential::basic(to_bytes("alice"));
  EXPECT_EQ(to_hex(codec::encode(basic)), "000105616c696365");
  const auto x509 = Credential::x509({Certificate{from_hex("3001")}, Certificate{from_hex("30")}});
  EXPECT_EQ(codec::decode<Credential>(codec::encode(x509)), x509);
  // An unknown (here GREASE) credential type keeps its opaque body.
  const Bytes grease = from_hex("3a3a020102");
  const auto unknown = codec::decode<Credential>(grease);
  EXPECT_EQ(static_cast<uint16_t>(unknown.credential_type), 0x3a3a);
  EXPECT_EQ(codec::encode(unknown), grease);
}

TEST(Extensions, UnknownTypesKeptAndDuplicatesDetected) {
  const ExtensionList list = {Extension{static_cast<ExtensionType>(0x0a0a), from_hex("01")},
                              Extension{ExtensionType::kApplicationId, from_hex("02")}};
  EXPECT_EQ(codec::decode<ExtensionList>(codec::encode(list)), list);
  EXPECT_TRUE(extension_types_unique(list));
  ExtensionList dup = list;
  dup.push_back(list[1]);
  EXPECT_FALSE(extension_types_unique(dup));
  EXPECT_EQ(find_extension(list, ExtensionType::kApplicationId), &list[1]);
  EXPECT_EQ(find_extension(list, ExtensionType::kExternalPub), nullptr);
}

TEST(Grease, RegisteredValuesOnly) {
  // §13.5: 0x0A0A, 0x1A1A, ..., 0xEAEA.
  EXPECT_TRUE(is_grease(0x0a0a));
  EXPECT_TRUE(is_grease(0xeaea));
  EXPECT_FALSE(is_grease(0xfafa));
  EXPECT_FALSE(is_grease(0x0a1a));
  EXPECT_FALSE(is_grease(0x0001));
}

TEST(LeafNode, SourceSelectsLifetimeOrParentHash) {
  LeafNode leaf;
  leaf.encryption_key = from_hex("01");
  leaf.signature_key = from_hex("02");
  leaf.credential = Credential::basic(to_bytes("a"));
  leaf.leaf_node_source = LeafNodeSource::kCommit;
  leaf.parent_hash = from_hex("abcd");
  leaf.signature = from_hex("ff");
  EXPECT_EQ(codec::decode<LeafNode>(codec::encode(leaf)), leaf);
  // §7.2: LeafNodeTBS of a commit leaf binds it to the group and leaf index.
  const Bytes tbs = leaf.to_be_signed(LeafNodeGroupBinding{from_hex("0102"), 5});
  EXPECT_EQ(to_hex(BytesView(tbs).last(7)), "02010200000005");
  EXPECT_THROW(leaf.to_be_signed(std::nullopt), Error);
  Bytes encoded = codec::encode(leaf);
  // An unknown leaf node source is rejected. The source follows encryption_key (2 bytes),
  // signature_key (2), credential (4) and five empty capability vectors (5).
  const size_t source_at = 13;
  ASSERT_EQ(encoded[source_at], 0x03);
  encoded[source_at] = 0x04;
  EXPECT_EQ(decode_error<LeafNode>(encoded), ErrorCode::kInvalidEnumValue);
}

TEST(PreSharedKeyId, TypesAndUnknownTypeRejected) {
  const auto ext = PreSharedKeyId::external(from_hex("0a"), from_hex("0b"));
  EXPECT_EQ(to_hex(codec::encode(ext)), "01010a010b");
  const auto res =
      PreSharedKeyId::resumption(ResumptionPskUsage::kBranch, from_hex("0c"), 9, from_hex("0d"));
  EXPECT_EQ(codec::decode<PreSharedKeyId>(codec::encode(res)), res);
  // §8.4 with the extensions draft's application(3) (tests/wire/application_psk_test.cpp): 4 is
  // unknown.
  EXPECT_EQ(decode_error<PreSharedKeyId>(from_hex("04010a010b")), ErrorCode::kInvalidEnumValue);
  // §8.4: ResumptionPSKUsage is application(1), reinit(2) or branch(3).
  EXPECT_EQ(decode_error<PreSharedKeyId>(from_hex("0204010c0000000000000009010d")),
            ErrorCode::kInvalidEnumValue);
}

}  // namespace
}  // namespace conclave::wire
