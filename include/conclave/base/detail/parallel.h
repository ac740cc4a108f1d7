// Independent work split among the cores: leaf signatures when a tree is validated, HPKE
// encryptions to many recipients when a commit or a Welcome is created.
#pragma once

#include <algorithm>
#include <cstddef>
#include <exception>
#include <future>
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

// Calls body(begin, end) on contiguous chunks covering [0, count), one per thread, the first on
// the calling thread. Returns once every chunk finished; if some threw, rethrows the exception
// of the lowest chunk, so a body that stops at its first failing item reports the same item as
// a plain loop would.
template <class Body>
void parallel_chunks(size_t count, size_t min_per_thread, Body&& body, unsigned max_threads = 0) {
  const unsigned threads = parallel_threads(count, min_per_thread, max_threads);
  if (threads <= 1) {
    if (count > 0) body(size_t{0}, count);
    return;
  }
  const size_t per = (count + threads - 1) / threads;
  std::vector<std::future<void>> others;
  std::exception_ptr failure;
  try {
    for (size_t begin = per; begin < count; begin += per)
      others.push_back(
          std::async(std::launch::async,
                     [&body, begin, end = std::min(begin + per, count)] { body(begin, end); }));
    body(size_t{0}, per);
  } catch (...) {
    failure = std::current_exception();
  }
  // Every chunk is waited for (they use the caller's data) before anything is rethrown.
  for (auto& f : others) {
    try {
      f.get();
    } catch (...) {
      if (!failure) failure = std::current_exception();
    }
  }
  if (failure) std::rethrow_exception(failure);
}

}  // namespace conclave
