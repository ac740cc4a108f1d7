#include "queue_signals.h"

namespace conclave::ds {

QueueSignals::Subscription::Subscription(QueueSignals& signals, int64_t device)
    : signals_(signals), device_(device) {
  std::lock_guard lock(signals_.mutex_);
  auto& slot = signals_.slots_[device_];
  if (!slot) slot = std::make_unique<Slot>();
  ++slot->streams;
}

QueueSignals::Subscription::~Subscription() {
  std::lock_guard lock(signals_.mutex_);
  const auto it = signals_.slots_.find(device_);
  if (it != signals_.slots_.end() && --it->second->streams == 0) signals_.slots_.erase(it);
}

uint64_t QueueSignals::Subscription::generation() const {
  std::lock_guard lock(signals_.mutex_);
  return signals_.slots_.at(device_)->generation;
}

bool QueueSignals::Subscription::wait(uint64_t seen, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(signals_.mutex_);
  Slot& slot = *signals_.slots_.at(device_);
  slot.changed.wait_for(lock, timeout, [&] { return signals_.closed_ || slot.generation != seen; });
  return !signals_.closed_;
}

void QueueSignals::wake(const std::vector<int64_t>& devices) {
  std::lock_guard lock(mutex_);
  const auto signal = [](Slot& slot) {
    ++slot.generation;
    slot.changed.notify_all();
  };
  if (devices.empty()) {
    for (auto& [device, slot] : slots_)
      signal(*slot);
    return;
  }
  for (const int64_t device : devices) {
    const auto it = slots_.find(device);
    if (it != slots_.end()) signal(*it->second);
  }
}

void QueueSignals::close() {
  std::lock_guard lock(mutex_);
  closed_ = true;
  for (auto& [device, slot] : slots_)
    slot->changed.notify_all();
}

}  // namespace conclave::ds
