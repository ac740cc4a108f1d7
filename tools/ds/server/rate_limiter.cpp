#include "rate_limiter.h"

#include <algorithm>

namespace conclave::ds {

bool RateLimiter::allow(int64_t device, std::chrono::steady_clock::time_point now) {
  if (rate_ <= 0) return true;
  const double burst = std::max(1.0, rate_);
  const auto [it, fresh] = buckets_.try_emplace(device, Bucket{burst, now});
  Bucket& b = it->second;
  if (!fresh) {
    const double elapsed = std::chrono::duration<double>(now - b.last).count();
    b.tokens = std::min(burst, b.tokens + elapsed * rate_);
    b.last = now;
  }
  if (b.tokens < 1.0) return false;
  b.tokens -= 1.0;
  return true;
}

}  // namespace conclave::ds
