// Between conclave-ds's protobuf messages (tools/ds/ds.proto) and the client layer's types:
// the mapping of refusals to DeliveryError and of queue entries, kept apart from the calls so
// that tests can feed it statuses and entries no well-behaved server sends.
#pragma once

#include <grpcpp/grpcpp.h>

#include <string_view>

#include "conclave/client/transport.h"
#include "ds.pb.h"

namespace conclave::ds_client {

// The client layer's name for conclave-ds's ErrorCode: the same list, value for value;
// kUnspecified for a code this client does not know (a newer server's).
DeliveryErrorCode delivery_error_code(ds::v1::ErrorCode code);

// A failed call of `method` as the client layer sees it (Transport's contract):
// - a status whose ErrorDetail says STALE_EPOCH: kDeliveryStaleEpoch, with the current epoch;
// - another typed refusal: kDeliveryRejected with its reason and the epoch it carries;
// - no typed reason and a status that says the service was not reached or did not finish the
//   call (UNAVAILABLE, DEADLINE_EXCEEDED, CANCELLED, UNKNOWN, INTERNAL): kDeliveryUnavailable,
//   which the caller may retry;
// - anything else (RESOURCE_EXHAUSTED from gRPC's own size limit, say): kDeliveryRejected,
//   kUnspecified.
// Error details that do not parse count as none: they come from the network.
DeliveryError delivery_error(std::string_view method, const grpc::Status& status);

// One queue entry as the client layer holds it. Throws Error(kInvalidEnumValue) for an entry
// kind other than message or Welcome: the entry cannot be handled, and skipping it silently
// would lose it.
QueueEntry queue_entry(const ds::v1::QueueEntry& entry);

}  // namespace conclave::ds_client
