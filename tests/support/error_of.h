// The error code a call throws, for tests of the rules that reject input.
#pragma once

#include <functional>

#include "conclave/base/error.h"

namespace conclave::testing {

// The code of the conclave::Error that fn throws; kInternal when it throws none, so a test
// expecting a specific code fails on that value.
inline ErrorCode error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.code();
  }
  return ErrorCode::kInternal;
}

}  // namespace conclave::testing
