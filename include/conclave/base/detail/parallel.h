// Independent work split among the cores: leaf signatures when a tree is validated, HPKE
// encryptions to many recipients when a commit or a Welcome is created.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <future>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

namespace conclave {

// How many threads `count` items deserve when each thread should get at least `min_per_thread`
// of them (below that, starting a thread costs more than it saves): at most the core count, and
// at most `max_threads` when that is not 0.
inline unsigned parallel_threads(size_t count, size_t min_per_thread, unsigned max_threads = 0) {
  const unsigned cores = std::max(std::thread::hardware_concurrency(), 1u);
  const unsigned cap = max_threads != 0 ? std::min(max_threads, cores) : cores;
  const size_t useful = min_per_thread == 0 ? count : count / min_per_thread;
  return static_cast<unsigned>(std::max<size_t>(std::min<size_t>(cap, useful), 1));
}

// Calls body(begin, end) on chunks covering [0, count): once on [0, count) when one thread is
// all parallel_threads() allows, else on chunks of `min_per_thread` items (at least one) claimed
// in turn by that many threads, the caller's among them, so that a thread slowed by the
// scheduler or another process takes fewer chunks instead of holding the others up. Returns
// once every chunk finished; if some threw, rethrows the exception of the lowest chunk, so a
// body that stops at its first failing item reports the same item as a plain loop would.
template <class Body>
void parallel_chunks(size_t count, size_t min_per_thread, Body&& body, unsigned max_threads = 0) {
  const unsigned threads = parallel_threads(count, min_per_thread, max_threads);
  if (threads <= 1) {
    if (count > 0) body(size_t{0}, count);
    return;
  }
  const size_t chunk = std::max<size_t>(min_per_thread, 1);
  std::atomic<size_t> next{0};
  std::mutex failure_mutex;
  size_t failed_begin = count;
  std::exception_ptr failure;
  const auto work = [&] {
    for (size_t begin; (begin = next.fetch_add(chunk)) < count;) {
      try {
        body(begin, std::min(begin + chunk, count));
      } catch (...) {
        std::lock_guard lock(failure_mutex);
        if (begin < failed_begin) {
          failed_begin = begin;
          failure = std::current_exception();
        }
      }
    }
  };
  std::vector<std::future<void>> others;
  try {
    for (unsigned t = 1; t < threads; ++t)
      others.push_back(std::async(std::launch::async, work));
  } catch (const std::system_error&) {
    // No more threads to be had: those started and this one do the work.
  }
  work();
  for (auto& f : others)
    f.get();  // work() throws nothing: every body's exception is kept above
  if (failure) std::rethrow_exception(failure);
}

}  // namespace conclave
