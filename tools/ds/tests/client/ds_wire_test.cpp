// The gRPC transport's reading of what the service sends (src/client/grpc/ds_wire.h), fed
// statuses and entries that a well-behaved conclave-ds never sends: the network is untrusted,
// so each gets a typed error, never a crash.
#include "ds_wire.h"

#include <gtest/gtest.h>

#include <cctype>
#include <string>

namespace {

using conclave::DeliveryErrorCode;
using conclave::ErrorCode;
using conclave::ds_client::delivery_error;
using conclave::ds_client::delivery_error_code;
namespace v1 = conclave::ds::v1;

std::string details(v1::ErrorCode code, uint64_t current_epoch = 0) {
  v1::ErrorDetail detail;
  detail.set_code(code);
  detail.set_current_epoch(current_epoch);
  return detail.SerializeAsString();
}

// transport.h, DeliveryErrorCode: "conclave-ds's ErrorCode", value for value. Every code of
// ds.proto maps to the one of the same name ("ERROR_CODE_STALE_EPOCH" is "stale-epoch").
TEST(DsWire, EveryProtocolErrorCodeMapsToItsNamesake) {
  const auto* descriptor = v1::ErrorCode_descriptor();
  ASSERT_EQ(descriptor->value_count(), 27);  // UNSPECIFIED and the 26 refusals
  for (int i = 0; i < descriptor->value_count(); ++i) {
    const auto* value = descriptor->value(i);
    std::string expected = value->name().substr(std::string("ERROR_CODE_").size());
    for (char& c : expected)
      c = c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const DeliveryErrorCode code = delivery_error_code(static_cast<v1::ErrorCode>(value->number()));
    EXPECT_EQ(static_cast<int>(code), value->number()) << value->name();
    EXPECT_EQ(conclave::delivery_error_code_name(code), expected) << value->name();
  }
}

// RFC 9750 §5.2, README "The protocol": STALE_EPOCH is the lost epoch race, with the group's
// current epoch; another typed refusal keeps its reason and epoch.
TEST(DsWire, TypedRefusalsKeepReasonAndEpoch) {
  const auto stale = delivery_error("Send", grpc::Status(grpc::StatusCode::ABORTED, "stale",
                                                         details(v1::ERROR_CODE_STALE_EPOCH, 7)));
  EXPECT_EQ(stale.code(), ErrorCode::kDeliveryStaleEpoch);
  EXPECT_EQ(stale.reason(), DeliveryErrorCode::kStaleEpoch);
  EXPECT_EQ(stale.current_epoch(), 7u);
  EXPECT_NE(std::string(stale.what()).find("Send: stale"), std::string::npos) << stale.what();

  const auto future =
      delivery_error("Send", grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "future",
                                          details(v1::ERROR_CODE_FUTURE_EPOCH, 3)));
  EXPECT_EQ(future.code(), ErrorCode::kDeliveryRejected);
  EXPECT_EQ(future.reason(), DeliveryErrorCode::kFutureEpoch);
  EXPECT_EQ(future.current_epoch(), 3u);
}

// Transport's contract: not reaching the service, or a call that did not finish (deadline,
// cancellation, a broken stream, the server's internal failure, whose outcome is unknown), is
// kDeliveryUnavailable, which the caller may retry.
TEST(DsWire, UntypedTransientFailuresAreUnavailable) {
  for (const auto status :
       {grpc::StatusCode::UNAVAILABLE, grpc::StatusCode::DEADLINE_EXCEEDED,
        grpc::StatusCode::CANCELLED, grpc::StatusCode::UNKNOWN, grpc::StatusCode::INTERNAL}) {
    const auto e = delivery_error("Fetch", grpc::Status(status, "down"));
    EXPECT_EQ(e.code(), ErrorCode::kDeliveryUnavailable) << static_cast<int>(status);
    EXPECT_EQ(e.reason(), DeliveryErrorCode::kUnspecified);
  }
  // gRPC's own refusal (a reply over the size limit, say) carries no reason: rejected.
  const auto exhausted =
      delivery_error("Fetch", grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "too big"));
  EXPECT_EQ(exhausted.code(), ErrorCode::kDeliveryRejected);
  EXPECT_EQ(exhausted.reason(), DeliveryErrorCode::kUnspecified);
}

// Untrusted bytes: error details that do not parse, and a code this client does not know (a
// newer server's: codes are only ever appended), count as no reason.
TEST(DsWire, MalformedOrUnknownDetailsAreNoReason) {
  const auto garbage = delivery_error("Send", grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "x",
                                                           std::string("\xff\xff\xff", 3)));
  EXPECT_EQ(garbage.code(), ErrorCode::kDeliveryRejected);
  EXPECT_EQ(garbage.reason(), DeliveryErrorCode::kUnspecified);
  EXPECT_EQ(garbage.current_epoch(), 0u);

  const auto truncated = delivery_error(
      "Send", grpc::Status(grpc::StatusCode::UNAVAILABLE, "x",
                           details(v1::ERROR_CODE_STALE_EPOCH, 1u << 20).substr(0, 3)));
  EXPECT_EQ(truncated.code(), ErrorCode::kDeliveryUnavailable);

  const auto newer = delivery_error(
      "Send",
      grpc::Status(grpc::StatusCode::ABORTED, "x", details(static_cast<v1::ErrorCode>(999), 4)));
  EXPECT_EQ(newer.code(), ErrorCode::kDeliveryRejected);
  EXPECT_EQ(newer.reason(), DeliveryErrorCode::kUnspecified);
}

// Untrusted bytes: a queue entry of a kind that is neither a message nor a Welcome cannot be
// handled, and is refused with a typed error rather than passed on as something else.
TEST(DsWire, QueueEntryOfUnknownKindIsRefused) {
  v1::QueueEntry entry;
  entry.set_sequence(5);
  entry.set_kind(v1::ENTRY_KIND_WELCOME);
  entry.set_group_id("g");
  entry.set_message(std::string("\x00\x01", 2));
  entry.mutable_sender()->set_user("alice");
  entry.mutable_sender()->set_device("phone");
  const conclave::QueueEntry welcome = conclave::ds_client::queue_entry(entry);
  EXPECT_EQ(welcome.sequence, 5u);
  EXPECT_EQ(welcome.kind, conclave::QueueEntryKind::kWelcome);
  EXPECT_EQ(welcome.group_id, conclave::to_bytes("g"));
  EXPECT_EQ(welcome.message, (conclave::Bytes{0, 1}));
  EXPECT_EQ(welcome.sender, (conclave::DeviceRef{"alice", "phone"}));

  for (const int kind : {0, 3, 1000}) {
    entry.set_kind(static_cast<v1::EntryKind>(kind));
    try {
      conclave::ds_client::queue_entry(entry);
      FAIL() << "kind " << kind << " accepted";
    } catch (const conclave::Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidEnumValue);
    }
  }
}

}  // namespace
