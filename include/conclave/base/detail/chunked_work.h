// Independent items worked through by worker threads from construction on, so that the caller
// can do other work meanwhile and then help with what is left in finish(): a joiner's leaf
// signatures while it builds the tree, a Welcome's encapsulations while the commit builds the
// epoch. Internal to the library.
#pragma once

#include <atomic>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace conclave {

class ChunkedWork {
 public:
  // item(i) for every i < count, in chunks of `chunk` claimed in increasing order, on up to
  // `workers` threads (fewer when there are fewer chunks). Whatever `item` uses must outlive the
  // object; the destructor stops the workers without doing the rest.
  ChunkedWork(size_t count, size_t chunk, unsigned workers, std::function<void(size_t)> item);
  ~ChunkedWork();
  ChunkedWork(const ChunkedWork&) = delete;
  ChunkedWork& operator=(const ChunkedWork&) = delete;

  // Does the items no worker has taken, waits for the workers, and rethrows what the lowest
  // failing item threw, as one thread doing them in order would. Items after a failure may be
  // left undone.
  void finish();

 private:
  void work();
  void stop();

  size_t count_;
  size_t chunk_;
  std::function<void(size_t)> item_;
  std::atomic<size_t> next_chunk_{0};
  std::atomic<bool> stopping_{false};
  std::mutex failure_mutex_;
  size_t failed_item_;
  std::exception_ptr failure_;
  std::vector<std::thread> workers_;
};

}  // namespace conclave
