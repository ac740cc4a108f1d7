// Retention: what the DS stops keeping once it has done its job (README, "Retention").
//
// A message is deleted once no queue entry and no idempotency record refers to it any more
// (every recipient acknowledged it) and it is older than the retention time; idempotency
// records (`sends`) are deleted at the same age, so a retried Send after that is a new message;
// expired KeyPackages are deleted. The newest message is always kept: Ack's check "the cursor
// is not past the last message" reads MAX(sequence). `commits` rows (three integers per epoch)
// and the group's latest GroupInfo are kept. Sequence numbers are never reused (SQLite
// AUTOINCREMENT, a PostgreSQL identity), so deleting rows never moves the DS's order back.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "database.h"

namespace conclave::ds {

struct RetentionOptions {
  // How long a delivered message and an idempotency record are kept: the idempotency window.
  std::chrono::milliseconds retention = std::chrono::hours(24 * 7);
  // Time between two sweeps.
  std::chrono::milliseconds interval = std::chrono::minutes(1);
  // Rows per transaction: the service's mutex (and the database's writer lock) is held for one
  // batch at a time, so calls are delayed by one batch at most.
  int64_t batch = 1000;
};

struct SweepCounts {
  int64_t sends = 0;
  int64_t messages = 0;
  int64_t key_packages = 0;
  bool any() const { return sends + messages + key_packages > 0; }
};

// One sweep at wall-clock time `now_ms` (KeyPackage lifetimes are compared in its seconds): a
// series of transactions of at most options.batch rows each, every one taken under `mutex`.
// Stops early (between batches) once `stop` is set. Throws what the database throws.
SweepCounts sweep(Database& db, std::mutex& mutex, const RetentionOptions& options, int64_t now_ms,
                  const std::atomic<bool>& stop);

// A background thread that sweeps every options.interval until destroyed. A failed sweep is
// logged and tried again at the next interval.
class RetentionSweeper {
 public:
  RetentionSweeper(Database& db, std::mutex& mutex, RetentionOptions options);
  ~RetentionSweeper();
  RetentionSweeper(const RetentionSweeper&) = delete;
  RetentionSweeper& operator=(const RetentionSweeper&) = delete;

 private:
  void run();

  Database& db_;
  std::mutex& mutex_;
  const RetentionOptions options_;
  std::atomic<bool> stop_{false};
  std::mutex wake_mutex_;
  std::condition_variable wake_;
  std::thread thread_;  // last: started once everything above is ready
};

}  // namespace conclave::ds
