#include "ds_wire.h"

#include <string>

#include "conclave/base/error.h"

namespace conclave::ds_client {

namespace v1 = ds::v1;

DeliveryErrorCode delivery_error_code(v1::ErrorCode code) {
  // Spelled out rather than cast, so that a renumbering on either side cannot go unnoticed.
  switch (code) {
    case v1::ERROR_CODE_MALFORMED_REQUEST: return DeliveryErrorCode::kMalformedRequest;
    case v1::ERROR_CODE_BAD_SIGNATURE: return DeliveryErrorCode::kBadSignature;
    case v1::ERROR_CODE_STALE_TIMESTAMP: return DeliveryErrorCode::kStaleTimestamp;
    case v1::ERROR_CODE_REPLAYED_NONCE: return DeliveryErrorCode::kReplayedNonce;
    case v1::ERROR_CODE_NAME_TAKEN: return DeliveryErrorCode::kNameTaken;
    case v1::ERROR_CODE_CREDENTIAL_REJECTED: return DeliveryErrorCode::kCredentialRejected;
    case v1::ERROR_CODE_INVALID_KEY_PACKAGE: return DeliveryErrorCode::kInvalidKeyPackage;
    case v1::ERROR_CODE_NOT_YOUR_KEY_PACKAGE: return DeliveryErrorCode::kNotYourKeyPackage;
    case v1::ERROR_CODE_UNKNOWN_USER: return DeliveryErrorCode::kUnknownUser;
    case v1::ERROR_CODE_UNKNOWN_DEVICE: return DeliveryErrorCode::kUnknownDevice;
    case v1::ERROR_CODE_GROUP_EXISTS: return DeliveryErrorCode::kGroupExists;
    case v1::ERROR_CODE_UNKNOWN_GROUP: return DeliveryErrorCode::kUnknownGroup;
    case v1::ERROR_CODE_NOT_A_MEMBER: return DeliveryErrorCode::kNotAMember;
    case v1::ERROR_CODE_MALFORMED_MESSAGE: return DeliveryErrorCode::kMalformedMessage;
    case v1::ERROR_CODE_WRONG_GROUP: return DeliveryErrorCode::kWrongGroup;
    case v1::ERROR_CODE_STALE_EPOCH: return DeliveryErrorCode::kStaleEpoch;
    case v1::ERROR_CODE_FUTURE_EPOCH: return DeliveryErrorCode::kFutureEpoch;
    case v1::ERROR_CODE_ROSTER_INVALID: return DeliveryErrorCode::kRosterInvalid;
    case v1::ERROR_CODE_ID_REUSED: return DeliveryErrorCode::kIdReused;
    case v1::ERROR_CODE_EXTERNAL_JOIN_NOT_ALLOWED:
      return DeliveryErrorCode::kExternalJoinNotAllowed;
    case v1::ERROR_CODE_NO_GROUP_INFO: return DeliveryErrorCode::kNoGroupInfo;
    case v1::ERROR_CODE_INVALID_GROUP_INFO: return DeliveryErrorCode::kInvalidGroupInfo;
    case v1::ERROR_CODE_MESSAGE_TOO_LARGE: return DeliveryErrorCode::kMessageTooLarge;
    case v1::ERROR_CODE_TOO_MANY_KEY_PACKAGES: return DeliveryErrorCode::kTooManyKeyPackages;
    case v1::ERROR_CODE_QUEUE_FULL: return DeliveryErrorCode::kQueueFull;
    case v1::ERROR_CODE_RATE_LIMITED: return DeliveryErrorCode::kRateLimited;
    default: return DeliveryErrorCode::kUnspecified;
  }
}

DeliveryError delivery_error(std::string_view method, const grpc::Status& status) {
  std::string message(method);
  message += ": ";
  message += status.error_message();
  v1::ErrorDetail detail;
  if (status.error_details().empty() || !detail.ParseFromString(status.error_details()))
    detail.Clear();  // a partial parse is no detail either
  const DeliveryErrorCode reason = delivery_error_code(detail.code());
  if (reason == DeliveryErrorCode::kStaleEpoch)
    return DeliveryError(ErrorCode::kDeliveryStaleEpoch, reason, detail.current_epoch(), message);
  if (reason != DeliveryErrorCode::kUnspecified)
    return DeliveryError(ErrorCode::kDeliveryRejected, reason, detail.current_epoch(), message);
  switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:        // not reached, or the server is stopping
    case grpc::StatusCode::DEADLINE_EXCEEDED:  // call_timeout passed
    case grpc::StatusCode::CANCELLED:          // the call was ended before its answer
    case grpc::StatusCode::UNKNOWN:            // the stream broke off
    case grpc::StatusCode::INTERNAL:           // the server failed; the outcome is unknown (README)
      return DeliveryError(ErrorCode::kDeliveryUnavailable, DeliveryErrorCode::kUnspecified, 0,
                           message);
    default:
      return DeliveryError(ErrorCode::kDeliveryRejected, DeliveryErrorCode::kUnspecified, 0,
                           message);
  }
}

QueueEntry queue_entry(const v1::QueueEntry& entry) {
  QueueEntry out;
  out.sequence = entry.sequence();
  switch (entry.kind()) {
    case v1::ENTRY_KIND_MESSAGE: out.kind = QueueEntryKind::kMessage; break;
    case v1::ENTRY_KIND_WELCOME: out.kind = QueueEntryKind::kWelcome; break;
    default:
      throw Error(ErrorCode::kInvalidEnumValue, "queue entry " + std::to_string(entry.sequence()) +
                                                    " has kind " +
                                                    std::to_string(static_cast<int>(entry.kind())) +
                                                    ", neither a message nor a Welcome");
  }
  out.group_id = to_bytes(as_bytes(entry.group_id()));
  out.message = to_bytes(as_bytes(entry.message()));
  out.sender = DeviceRef{entry.sender().user(), entry.sender().device()};
  return out;
}

}  // namespace conclave::ds_client
