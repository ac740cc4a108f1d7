// The structures a message's protection is computed over, assembled from its FramedContent
// encoded once (wire::EncodedFramedContent), against their RFC 9420 layouts written out here.
#include <gtest/gtest.h>

#include "conclave/base/error.h"
#include "conclave/codec/codec.h"
#include "conclave/wire/framing.h"

namespace conclave::wire {
namespace {

FramedContent commit_content() {
  FramedContent fc;
  fc.group_id = from_hex("0102");
  fc.epoch = 9;
  fc.sender = Sender::member(5);
  fc.authenticated_data = from_hex("aabb");
  Commit commit;
  commit.proposals.push_back(ProposalOrRef{Proposal{Remove{2}}});
  commit.proposals.push_back(ProposalOrRef{from_hex("0123456789")});
  fc.content = commit;
  return fc;
}

Bytes concat(std::initializer_list<BytesView> parts) {
  Bytes out;
  for (BytesView p : parts)
    out.insert(out.end(), p.begin(), p.end());
  return out;
}

TEST(EncodedFramedContent, Rfc6_1_TbsIsVersionWireFormatContentAndContext) {
  // §6.1: FramedContentTBS = version || wire_format || FramedContent || GroupContext (member).
  const FramedContent fc = commit_content();
  GroupContext ctx;
  ctx.cipher_suite = 1;
  ctx.group_id = fc.group_id;
  ctx.epoch = fc.epoch;
  const EncodedFramedContent encoded(fc);
  EXPECT_EQ(Bytes(encoded.bytes().begin(), encoded.bytes().end()), codec::encode(fc));
  const Bytes expected =
      concat({from_hex("0001"), from_hex("0002"), codec::encode(fc), codec::encode(ctx)});
  EXPECT_EQ(framed_content_tbs(WireFormat::kPrivateMessage, encoded, &ctx), expected);
  try {
    framed_content_tbs(WireFormat::kPrivateMessage, encoded, nullptr);
    FAIL() << "TBS built without the GroupContext";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kMissingGroupContext);
  }
}

TEST(EncodedFramedContent, Rfc6_2_TbmIsTbsAndAuth) {
  // §6.2: AuthenticatedContentTBM = FramedContentTBS || FramedContentAuthData.
  const FramedContent fc = commit_content();
  GroupContext ctx;
  ctx.cipher_suite = 1;
  FramedContentAuthData auth{from_hex("5151"), from_hex("7777")};
  const Bytes expected = concat({from_hex("0001"), from_hex("0001"), codec::encode(fc),
                                 codec::encode(ctx), from_hex("025151"), from_hex("027777")});
  EXPECT_EQ(authenticated_content_tbm(EncodedFramedContent(fc), auth, ctx), expected);
}

TEST(EncodedFramedContent, Rfc8_2_TranscriptInputAndRfc5_2_AuthenticatedContent) {
  // §8.2: ConfirmedTranscriptHashInput = wire_format || FramedContent || signature.
  const FramedContent fc = commit_content();
  const EncodedFramedContent encoded(fc);
  EXPECT_EQ(confirmed_transcript_hash_input(WireFormat::kPublicMessage, encoded, from_hex("5151")),
            concat({from_hex("0001"), codec::encode(fc), from_hex("025151")}));
  // §5.2: a proposal reference hashes the AuthenticatedContent, its confirmation tag included
  // for a commit (§6.1).
  const AuthenticatedContent ac{WireFormat::kPublicMessage, fc,
                                FramedContentAuthData{from_hex("5151"), from_hex("7777")}};
  EXPECT_EQ(authenticated_content_bytes(ac.wire_format, encoded, ac.auth), codec::encode(ac));
  // Only a commit has a transcript input.
  FramedContent app = fc;
  app.content = ApplicationData{from_hex("01")};
  try {
    confirmed_transcript_hash_input(WireFormat::kPublicMessage, EncodedFramedContent(app),
                                    from_hex("51"));
    FAIL() << "a transcript input for application data";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
  }
}

TEST(EncodedFramedContent, Rfc6_3_1_PlaintextFromTheBodyIsPaddedToTheBlock) {
  // §6.3.1: PrivateMessageContent = the content body || auth || zero padding; the body is the
  // FramedContent's own from the body on, padded here to a multiple of the block.
  const FramedContent fc = commit_content();
  const EncodedFramedContent encoded(fc);
  const FramedContentAuthData auth{from_hex("5151"), from_hex("7777")};
  const Bytes unpadded = PrivateMessageContent{fc.content, auth, 0}.encode();
  EXPECT_EQ(PrivateMessageContent::encode(encoded, auth, 0), unpadded);
  EXPECT_EQ(PrivateMessageContent::encode(encoded, auth, 1), unpadded);
  for (size_t block : {7u, 32u, 4096u}) {
    const Bytes padded = PrivateMessageContent::encode(encoded, auth, block);
    EXPECT_EQ(padded.size() % block, 0u) << block;
    EXPECT_LT(padded.size() - unpadded.size(), block) << block;
    const auto decoded = PrivateMessageContent::decode(padded, ContentType::kCommit);
    EXPECT_EQ(decoded.content, fc.content);
    EXPECT_EQ(decoded.auth, auth);
    EXPECT_EQ(decoded.padding, padded.size() - unpadded.size());
  }
  // A plaintext already on the block gets no padding.
  EXPECT_EQ(PrivateMessageContent::encode(encoded, auth, unpadded.size()), unpadded);
}

}  // namespace
}  // namespace conclave::wire
