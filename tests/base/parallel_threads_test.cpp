// include/conclave/base/detail/parallel.h: work split among threads. Run under ThreadSanitizer too
// (ctest label `threads`): the chunks share the caller's data.
#include "conclave/base/detail/parallel.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "conclave/base/error.h"

namespace conclave {
namespace {

// Every index is visited once, whatever the split.
TEST(Parallel, ChunksCoverEveryIndexOnce) {
  for (size_t count : {size_t{0}, size_t{1}, size_t{7}, size_t{100}, size_t{1001}}) {
    std::vector<int> visits(count, 0);
    parallel_chunks(count, 4, [&](size_t begin, size_t end) {
      for (size_t i = begin; i < end; ++i)
        ++visits[i];
    });
    EXPECT_EQ(std::count(visits.begin(), visits.end(), 1), static_cast<std::ptrdiff_t>(count));
  }
  EXPECT_EQ(parallel_threads(100, 0, 1), 1u);
  EXPECT_EQ(parallel_threads(3, 4), 1u);
}

// parallel.h: with several threads, chunks of `min_per_thread` items are claimed in turn (a
// slow thread takes fewer of them); with one, a single call covers everything.
TEST(Parallel, SeveralThreadsClaimChunksOfMinPerThreadItems) {
  constexpr size_t kCount = 1000;
  constexpr size_t kChunk = 16;
  std::mutex calls_mutex;
  std::vector<std::pair<size_t, size_t>> calls;
  parallel_chunks(kCount, kChunk, [&](size_t begin, size_t end) {
    std::lock_guard lock(calls_mutex);
    calls.emplace_back(begin, end);
  });
  std::sort(calls.begin(), calls.end());
  if (parallel_threads(kCount, kChunk) > 1) {
    ASSERT_EQ(calls.size(), (kCount + kChunk - 1) / kChunk);
    for (size_t i = 0; i < calls.size(); ++i) {
      EXPECT_EQ(calls[i].first, i * kChunk);
      EXPECT_EQ(calls[i].second, std::min(kCount, (i + 1) * kChunk));
    }
  }
  calls.clear();
  parallel_chunks(
      kCount, kChunk, [&](size_t begin, size_t end) { calls.emplace_back(begin, end); }, 1);
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0], std::make_pair(size_t{0}, kCount));
}

// The exception reported is the lowest chunk's, as a plain loop would report it.
TEST(Parallel, LowestFailureWins) {
  const auto fails_from = [](size_t first_bad) {
    parallel_chunks(1000, 1, [&](size_t begin, size_t end) {
      for (size_t i = begin; i < end; ++i)
        if (i >= first_bad) throw Error(ErrorCode::kInvalidArgument, std::to_string(i));
    });
  };
  try {
    fails_from(10);
    FAIL() << "no exception";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "invalid-argument: 10");
  }
}

// parallel.h: "Returns once every chunk finished", also when one threw: the first chunk fails at
// once, and the others' writes to the caller's data are all done (and seen by this thread, which
// ThreadSanitizer checks) when the exception arrives.
TEST(Parallel, EveryChunkFinishesBeforeAFailureIsRethrown) {
  constexpr size_t kCount = 1000;
  // One item per chunk with several threads; a single call (failing at once) with one.
  const size_t first_chunk = parallel_threads(kCount, 1) > 1 ? 1 : kCount;
  std::vector<int> written(kCount, 0);
  EXPECT_THROW(parallel_chunks(kCount, 1,
                               [&](size_t begin, size_t end) {
                                 if (begin == 0) throw Error(ErrorCode::kInvalidArgument, "first");
                                 for (size_t i = begin; i < end; ++i)
                                   written[i] = 1;
                               }),
               Error);
  EXPECT_EQ(std::count(written.begin(), written.end(), 1),
            static_cast<std::ptrdiff_t>(kCount - first_chunk));
}

}  // namespace
}  // namespace conclave
