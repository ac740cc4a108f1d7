// Extensions draft §AppDataUpdate, §AppEphemeral, §SelfRemove Proposal and §AppAck: the wire
// layout of the draft's proposals (as alternatives of Proposal) and of AppAck.
#include <gtest/gtest.h>

#include "conclave/base/error.h"
#include "conclave/codec/codec.h"
#include "conclave/wire/app_proposals.h"
#include "conclave/wire/commit.h"
#include "conclave/wire/proposal.h"

namespace conclave::wire {
namespace {

template <class T>
ErrorCode decode_error(const std::string& hex) {
  try {
    (void)codec::decode<T>(from_hex(hex));
  } catch (const Error& e) {
    return e.code();
  }
  return ErrorCode::kInternal;  // decoded: a test expecting an error fails on this value
}

ErrorCode app_ack_error(const std::string& hex) {
  try {
    (void)decode_app_ack(from_hex(hex));
  } catch (const Error& e) {
    return e.code();
  }
  return ErrorCode::kInternal;
}

// §SelfRemove Proposal: `struct {} SelfRemove;` is zero bytes after the proposal type (not an
// empty opaque), and type 0x000a (§IANA Considerations).
TEST(AppProposals, SelfRemoveIsZeroBytes) {
  const Proposal p{SelfRemove{}};
  EXPECT_EQ(p.proposal_type(), ProposalType::kSelfRemove);
  EXPECT_EQ(to_hex(codec::encode(p)), "000a");
  const auto decoded = codec::decode<Proposal>(from_hex("000a"));
  EXPECT_TRUE(std::holds_alternative<SelfRemove>(decoded.content));
  // An "empty opaque" body would be one byte too many.
  EXPECT_EQ(decode_error<Proposal>("000a00"), ErrorCode::kTrailingBytes);
  // Inside a Commit's proposal list (ProposalOrRef type 1 = proposal), followed by a Remove.
  Commit commit;
  commit.proposals = {ProposalOrRef{p}, ProposalOrRef{Proposal{Remove{3}}}};
  const Bytes encoded = codec::encode(commit);
  EXPECT_EQ(to_hex(encoded),
            "0a"
            "01000a"
            "010003"
            "00000003"
            "00");
  EXPECT_EQ(codec::decode<Commit>(encoded), commit);
}

// §AppDataUpdate: component_id, op, and `opaque update<V>` for update only; type 0x0008.
TEST(AppProposals, AppDataUpdateLayout) {
  const Proposal update{AppDataUpdate{0x0001, AppDataUpdateOperation::kUpdate, from_hex("aabb")}};
  EXPECT_EQ(update.proposal_type(), ProposalType::kAppDataUpdate);
  EXPECT_EQ(to_hex(codec::encode(update)),
            "0008"
            "0001"
            "01"
            "02aabb");
  EXPECT_EQ(codec::decode<Proposal>(codec::encode(update)), update);
  // `case remove: struct{};`: nothing follows the op.
  const Proposal remove{AppDataUpdate{0x8001, AppDataUpdateOperation::kRemove, {}}};
  EXPECT_EQ(to_hex(codec::encode(remove)),
            "0008"
            "8001"
            "02");
  EXPECT_EQ(codec::decode<Proposal>(codec::encode(remove)), remove);
}

// §AppDataUpdate: AppDataUpdateOperation is update(1) or remove(2); invalid(0) and the rest
// are refused, a remove carries no update, an update is a whole opaque<V>.
TEST(AppProposals, AppDataUpdateRejectsMalformedInput) {
  EXPECT_EQ(decode_error<Proposal>("0008000100"), ErrorCode::kInvalidEnumValue);
  EXPECT_EQ(decode_error<Proposal>("0008000103"), ErrorCode::kInvalidEnumValue);
  EXPECT_EQ(decode_error<Proposal>("000800010200"), ErrorCode::kTrailingBytes);
  EXPECT_EQ(decode_error<Proposal>("00080001010301"), ErrorCode::kLengthBeyondInput);
  EXPECT_EQ(decode_error<Proposal>("000800"), ErrorCode::kTruncated);
}

// §AppEphemeral: struct { ComponentID component_id; opaque data<V>; }; type 0x0009.
TEST(AppProposals, AppEphemeralLayout) {
  const Proposal p{AppEphemeral{component::kAppAck, from_hex("010203")}};
  EXPECT_EQ(p.proposal_type(), ProposalType::kAppEphemeral);
  EXPECT_EQ(to_hex(codec::encode(p)),
            "0009"
            "0005"
            "03010203");
  EXPECT_EQ(codec::decode<Proposal>(codec::encode(p)), p);
  EXPECT_EQ(decode_error<Proposal>("0009000504aa"), ErrorCode::kLengthBeyondInput);
  EXPECT_EQ(decode_error<Proposal>("0009"), ErrorCode::kTruncated);
}

// §AppAck: MessageRange { uint32 sender; uint32 first_generation; uint32 last_generation; },
// AppAck { MessageRange received_ranges<V>; }.
TEST(AppProposals, AppAckLayout) {
  const AppAck ack{{MessageRange{1, 0, 3}, MessageRange{2, 5, 5}}};
  const Bytes encoded = codec::encode(ack);
  EXPECT_EQ(to_hex(encoded),
            "18"
            "00000001"
            "00000000"
            "00000003"
            "00000002"
            "00000005"
            "00000005");
  EXPECT_EQ(decode_app_ack(encoded), ack);
  EXPECT_EQ(to_hex(codec::encode(AppAck{})), "00");
}

// §AppAck: "a continuous range from first_generation to last_generation, inclusive": a range
// that ends before it starts is refused; a truncated range too.
TEST(AppProposals, AppAckRejectsMalformedInput) {
  EXPECT_EQ(app_ack_error("0c"
                          "00000001"
                          "00000004"
                          "00000003"),
            ErrorCode::kAppAckRangeInvalid);
  EXPECT_EQ(app_ack_error("0c"
                          "00000001"
                          "00000004"),
            ErrorCode::kLengthBeyondInput);
  EXPECT_EQ(app_ack_error("08"
                          "00000001"
                          "00000004"),
            ErrorCode::kTruncated);
  EXPECT_EQ(app_ack_error("0c"
                          "00000001"
                          "00000002"
                          "00000003"
                          "ff"),
            ErrorCode::kTrailingBytes);
}

// §AppDataUpdate on its own (outside a Proposal): an update with an empty `update<V>` is one
// zero length byte, not nothing (only remove has no body); a truncated op is refused.
TEST(AppProposals, AppDataUpdateStandalone) {
  const AppDataUpdate empty{0x8001, AppDataUpdateOperation::kUpdate, {}};
  EXPECT_EQ(to_hex(codec::encode(empty)),
            "8001"
            "01"
            "00");
  EXPECT_EQ(codec::decode<AppDataUpdate>(from_hex("80010100")), empty);
  // Read as a remove, the same bytes leave the length byte over.
  EXPECT_EQ(decode_error<AppDataUpdate>("80010200"), ErrorCode::kTrailingBytes);
  EXPECT_EQ(decode_error<AppDataUpdate>("8001"), ErrorCode::kTruncated);
  EXPECT_EQ(decode_error<AppDataUpdate>("800101"), ErrorCode::kTruncated);
}

// §AppAck inside §AppEphemeral: the AppEphemeral of component app_ack carries the encoded
// AppAck as its data; MessageRange alone is three uint32 with no length prefix.
TEST(AppProposals, AppAckInAppEphemeral) {
  const MessageRange range{7, 1, 2};
  EXPECT_EQ(to_hex(codec::encode(range)),
            "00000007"
            "00000001"
            "00000002");
  EXPECT_EQ(codec::decode<MessageRange>(codec::encode(range)), range);
  EXPECT_EQ(decode_error<MessageRange>("0000000700000001"), ErrorCode::kTruncated);
  const AppEphemeral e{component::kAppAck, codec::encode(AppAck{{range}})};
  EXPECT_EQ(to_hex(codec::encode(e)),
            "0005"
            "0d"
            "0c"
            "00000007"
            "00000001"
            "00000002");
  EXPECT_EQ(codec::decode<AppEphemeral>(codec::encode(e)), e);
  EXPECT_EQ(decode_app_ack(e.data), AppAck{{range}});
  EXPECT_EQ(decode_error<AppEphemeral>("00050d0c"), ErrorCode::kLengthBeyondInput);
}

// §AppAck: received messages become one range per run of consecutive generations of a sender.
TEST(AppProposals, MakeAppAckCoversRuns) {
  const AppAck ack = make_app_ack({{2, 7}, {1, 0}, {1, 1}, {1, 2}, {1, 4}, {2, 6}, {1, 1}});
  EXPECT_EQ(ack, (AppAck{{MessageRange{1, 0, 2}, MessageRange{1, 4, 4}, MessageRange{2, 6, 7}}}));
  EXPECT_TRUE(make_app_ack({}).received_ranges.empty());
  // The highest generation does not wrap into a range starting at 0.
  const AppAck top = make_app_ack({{1, 0}, {1, 0xffffffff}});
  EXPECT_EQ(top.received_ranges.size(), 2u);
}

}  // namespace
}  // namespace conclave::wire
