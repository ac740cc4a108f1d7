// include/conclave/base/parallel.h: work split among threads. Run under ThreadSanitizer too
// (ctest label `threads`): the chunks share the caller's data.
#include "conclave/base/parallel.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
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

}  // namespace
}  // namespace conclave
