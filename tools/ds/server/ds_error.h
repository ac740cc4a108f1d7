// DsError: how every refusal of conclave-ds travels from the code that decides it to the gRPC
// status the client sees (a status code, a message, and a typed ErrorDetail).
#pragma once

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

#include "ds.pb.h"

namespace conclave::ds {

class DsError : public std::runtime_error {
 public:
  DsError(grpc::StatusCode status, v1::ErrorCode code, const std::string& message,
          std::optional<uint64_t> current_epoch = std::nullopt)
      : std::runtime_error(message), status_(status), code_(code), current_epoch_(current_epoch) {}

  grpc::Status to_status() const {
    v1::ErrorDetail detail;
    detail.set_code(code_);
    if (current_epoch_) detail.set_current_epoch(*current_epoch_);
    return grpc::Status(status_, what(), detail.SerializeAsString());
  }
  v1::ErrorCode code() const { return code_; }

 private:
  grpc::StatusCode status_;
  v1::ErrorCode code_;
  std::optional<uint64_t> current_epoch_;
};

}  // namespace conclave::ds
