#include "retention.h"

#include <algorithm>
#include <cstdio>
#include <exception>
#include <string>
#include <string_view>

#include "authenticator.h"
#include "log_value.h"

namespace conclave::ds {
namespace {

// One batch: one writing transaction under the service's mutex, so that it runs between two
// calls and never inside one.
template <class F>
auto locked(Database& db, std::mutex& mutex, F&& f) -> decltype(f()) {
  std::lock_guard lock(mutex);
  return retry_transient([&] {
    Transaction tx(db);
    auto result = f();
    tx.commit();
    return result;
  });
}

int64_t count_rows(Statement& s) {
  int64_t n = 0;
  while (s.step())
    ++n;
  return n;
}

int64_t drop_sends(Database& db, int64_t cutoff_ms, int64_t batch) {
  Statement s(db,
              "DELETE FROM sends WHERE (sender, client_id) IN (SELECT sender, client_id FROM sends "
              "WHERE stored_ms < ?1 LIMIT ?2) RETURNING sequence");
  s.bind(1, cutoff_ms).bind(2, batch);
  return count_rows(s);
}

struct MessageBatch {
  int64_t deleted = 0;
  int64_t after = 0;  // the last sequence examined
  bool done = false;
};

// The next `batch` messages after `after` in sequence order, up to the first one younger than
// the cutoff: a window of bounded size, examined once per sweep (messages still queued to an
// offline device are passed over, not examined again in the same sweep). Stored times grow
// with sequence numbers but for clock steps; a younger message ends the sweep, and what lies
// beyond it waits for a later one.
MessageBatch drop_messages(Database& db, int64_t after, int64_t cutoff_ms, int64_t batch) {
  MessageBatch out;
  out.after = after;
  int64_t seen = 0;
  {
    Statement s(db,
                "SELECT sequence, stored_ms FROM messages WHERE sequence > ?1 "
                "ORDER BY sequence LIMIT ?2");
    s.bind(1, after).bind(2, batch);
    while (s.step()) {
      ++seen;
      if (s.column_int(1) >= cutoff_ms) {
        out.done = true;
        break;
      }
      out.after = s.column_int(0);
    }
  }
  if (seen < batch) out.done = true;
  if (out.after == after) return out;
  // Unreferenced: every recipient acknowledged it (no queue entry) and no idempotency record
  // answers a retry with it. The newest message stays: Ack reads MAX(sequence).
  Statement drop(db,
                 "DELETE FROM messages WHERE sequence > ?1 AND sequence <= ?2 AND stored_ms < ?3 "
                 "AND sequence < (SELECT MAX(sequence) FROM messages) "
                 "AND NOT EXISTS (SELECT 1 FROM queue q WHERE q.sequence = messages.sequence) "
                 "AND NOT EXISTS (SELECT 1 FROM sends s WHERE s.sequence = messages.sequence) "
                 "RETURNING sequence");
  drop.bind(1, after).bind(2, out.after).bind(3, cutoff_ms);
  out.deleted = count_rows(drop);
  return out;
}

// FetchKeyPackages drops a user's expired KeyPackages when someone fetches them; this drops
// those of users nobody fetches.
int64_t drop_key_packages(Database& db, int64_t now_s, int64_t batch) {
  Statement s(db,
              "DELETE FROM key_packages WHERE id IN (SELECT id FROM key_packages "
              "WHERE not_after < ?1 LIMIT ?2) RETURNING id");
  s.bind(1, now_s).bind(2, batch);
  return count_rows(s);
}

}  // namespace

SweepCounts sweep(Database& db, std::mutex& mutex, const RetentionOptions& options, int64_t now_ms,
                  const std::atomic<bool>& stop) {
  SweepCounts counts;
  const int64_t cutoff_ms = now_ms - static_cast<int64_t>(options.retention.count());
  const int64_t batch = std::max<int64_t>(1, options.batch);
  // The records first: a message goes only once no record refers to it, so a retry within the
  // window always finds its message (Send compares the bytes).
  while (!stop) {
    const int64_t n = locked(db, mutex, [&] { return drop_sends(db, cutoff_ms, batch); });
    counts.sends += n;
    if (n < batch) break;
  }
  int64_t after = 0;
  while (!stop) {
    const MessageBatch b =
        locked(db, mutex, [&] { return drop_messages(db, after, cutoff_ms, batch); });
    counts.messages += b.deleted;
    after = b.after;
    if (b.done) break;
  }
  const int64_t now_s = now_ms / 1000;  // KeyPackage lifetimes are in seconds
  while (!stop) {
    const int64_t n = locked(db, mutex, [&] { return drop_key_packages(db, now_s, batch); });
    counts.key_packages += n;
    if (n < batch) break;
  }
  return counts;
}

RetentionSweeper::RetentionSweeper(Database& db, std::mutex& mutex, RetentionOptions options)
    : db_(db), mutex_(mutex), options_(options), thread_([this] { run(); }) {}

RetentionSweeper::~RetentionSweeper() {
  {
    std::lock_guard lock(wake_mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void RetentionSweeper::run() {
  std::unique_lock lock(wake_mutex_);
  while (!wake_.wait_for(lock, options_.interval, [this] { return stop_.load(); })) {
    lock.unlock();
    const auto start = std::chrono::steady_clock::now();
    std::string line;
    try {
      const SweepCounts c = sweep(db_, mutex_, options_, static_cast<int64_t>(now_ms()), stop_);
      // Quiet when there was nothing to do: a sweep a minute would otherwise fill the log.
      if (c.any()) {
        line = " sends=" + std::to_string(c.sends) + " messages=" + std::to_string(c.messages) +
               " key_packages=" + std::to_string(c.key_packages);
      }
    } catch (const std::exception& e) {
      line = " status=INTERNAL internal_error=" + log_value(e.what());
    }
    if (!line.empty()) {
      const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::steady_clock::now() - start)
                          .count();
      std::fprintf(stderr, "conclave-ds sweep=retention%s duration_us=%lld\n", line.c_str(),
                   static_cast<long long>(us));
    }
    lock.lock();
  }
}

}  // namespace conclave::ds
