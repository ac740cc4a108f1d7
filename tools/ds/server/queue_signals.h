// Wakes the Subscribe streams of devices whose queue grew: in this process directly after a
// Send commits, from other processes through the database (Database::listen).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace conclave::ds {

class QueueSignals {
 public:
  // One open stream's hold on its device's signal; released when destroyed.
  class Subscription {
   public:
    Subscription(QueueSignals& signals, int64_t device);
    ~Subscription();
    Subscription(const Subscription&) = delete;
    Subscription& operator=(const Subscription&) = delete;

    // How often the device's queue was signalled so far: read it before looking at the queue,
    // then wait() with it, and no entry stored in between goes unnoticed.
    uint64_t generation() const;
    // Until the generation moves past `seen`, `timeout` passes, or the signals close. False
    // once they are closed (the server is shutting down).
    bool wait(uint64_t seen, std::chrono::milliseconds timeout) const;

   private:
    QueueSignals& signals_;
    int64_t device_;
  };

  // The queues of `devices` grew; an empty list: any queue may have (a notification was lost).
  void wake(const std::vector<int64_t>& devices);
  // Ends every wait, now and later: streams finish so that the server can stop.
  void close();

 private:
  // Only devices with an open stream have a slot: signalling another device costs nothing.
  struct Slot {
    uint64_t generation = 0;
    int streams = 0;
    std::condition_variable changed;
  };

  mutable std::mutex mutex_;
  std::unordered_map<int64_t, std::unique_ptr<Slot>> slots_;
  bool closed_ = false;
};

}  // namespace conclave::ds
