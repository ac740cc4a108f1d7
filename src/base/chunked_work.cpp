// Items shared among worker threads and the caller (chunked_work.h).
#include "conclave/base/detail/chunked_work.h"

#include <algorithm>

namespace conclave {

ChunkedWork::ChunkedWork(size_t count, size_t chunk, unsigned workers,
                         std::function<void(size_t)> item)
    : count_(count),
      chunk_(std::max<size_t>(chunk, 1)),
      item_(std::move(item)),
      failed_item_(static_cast<size_t>(-1)) {
  const size_t chunks = (count_ + chunk_ - 1) / chunk_;
  // The caller takes part in finish(): a single chunk needs no worker.
  const size_t useful = chunks > 1 ? chunks - 1 : 0;
  for (size_t i = 0; i < std::min<size_t>(workers, useful); ++i)
    workers_.emplace_back([this] { work(); });
}

ChunkedWork::~ChunkedWork() {
  stop();
}

void ChunkedWork::stop() {
  stopping_ = true;
  for (auto& w : workers_)
    if (w.joinable()) w.join();
}

void ChunkedWork::work() {
  // Chunks are claimed in increasing order, so once an item failed, every chunk claimed later
  // holds higher items and need not be done.
  while (!stopping_) {
    const size_t begin = next_chunk_.fetch_add(1) * chunk_;
    if (begin >= count_) return;
    {
      std::lock_guard lock(failure_mutex_);
      if (begin > failed_item_) return;
    }
    for (size_t i = begin; i < std::min(begin + chunk_, count_); ++i) {
      try {
        item_(i);
      } catch (...) {
        std::lock_guard lock(failure_mutex_);
        if (i < failed_item_) {
          failed_item_ = i;
          failure_ = std::current_exception();
        }
        break;
      }
    }
  }
}

void ChunkedWork::finish() {
  work();
  stop();
  if (failure_) std::rethrow_exception(failure_);
}

}  // namespace conclave
