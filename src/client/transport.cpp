#include "conclave/client/transport.h"

namespace conclave {

std::string_view delivery_error_code_name(DeliveryErrorCode code) {
  switch (code) {
    case DeliveryErrorCode::kUnspecified: return "unspecified";
    case DeliveryErrorCode::kMalformedRequest: return "malformed-request";
    case DeliveryErrorCode::kBadSignature: return "bad-signature";
    case DeliveryErrorCode::kStaleTimestamp: return "stale-timestamp";
    case DeliveryErrorCode::kReplayedNonce: return "replayed-nonce";
    case DeliveryErrorCode::kNameTaken: return "name-taken";
    case DeliveryErrorCode::kCredentialRejected: return "credential-rejected";
    case DeliveryErrorCode::kInvalidKeyPackage: return "invalid-key-package";
    case DeliveryErrorCode::kNotYourKeyPackage: return "not-your-key-package";
    case DeliveryErrorCode::kUnknownUser: return "unknown-user";
    case DeliveryErrorCode::kUnknownDevice: return "unknown-device";
    case DeliveryErrorCode::kGroupExists: return "group-exists";
    case DeliveryErrorCode::kUnknownGroup: return "unknown-group";
    case DeliveryErrorCode::kNotAMember: return "not-a-member";
    case DeliveryErrorCode::kMalformedMessage: return "malformed-message";
    case DeliveryErrorCode::kWrongGroup: return "wrong-group";
    case DeliveryErrorCode::kStaleEpoch: return "stale-epoch";
    case DeliveryErrorCode::kFutureEpoch: return "future-epoch";
    case DeliveryErrorCode::kRosterInvalid: return "roster-invalid";
    case DeliveryErrorCode::kIdReused: return "id-reused";
    case DeliveryErrorCode::kExternalJoinNotAllowed: return "external-join-not-allowed";
    case DeliveryErrorCode::kNoGroupInfo: return "no-group-info";
    case DeliveryErrorCode::kInvalidGroupInfo: return "invalid-group-info";
    case DeliveryErrorCode::kMessageTooLarge: return "message-too-large";
    case DeliveryErrorCode::kTooManyKeyPackages: return "too-many-key-packages";
    case DeliveryErrorCode::kQueueFull: return "queue-full";
    case DeliveryErrorCode::kRateLimited: return "rate-limited";
  }
  return "unknown";
}

DeliveryError::DeliveryError(ErrorCode code, DeliveryErrorCode reason, uint64_t current_epoch,
                             const std::string& detail)
    : Error(code, std::string(delivery_error_code_name(reason)) + ": " + detail),
      reason_(reason),
      current_epoch_(current_epoch) {}

}  // namespace conclave
