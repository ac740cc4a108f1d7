// Requests per second per device (issue 14, limits): a token bucket per device, in memory.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>

namespace conclave::ds {

class RateLimiter {
 public:
  // `per_second` tokens a second, and a burst of as many (at least one); 0 turns it off.
  explicit RateLimiter(uint64_t per_second) : rate_(static_cast<double>(per_second)) {}

  // Takes a token of `device`; false when its bucket is empty (the request is refused).
  bool allow(int64_t device, std::chrono::steady_clock::time_point now);

 private:
  struct Bucket {
    double tokens = 0;
    std::chrono::steady_clock::time_point last;
  };
  double rate_;
  // One entry per device that made a request: bounded by the registered devices.
  std::map<int64_t, Bucket> buckets_;
};

}  // namespace conclave::ds
