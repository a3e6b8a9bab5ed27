#include <gtest/gtest.h>

#include <atomic>
#include <vector>

#include "core/parallel.hpp"

namespace marrow {
namespace {

TEST(ParallelFor, RunsEveryIndexOnceAtAnyThreadCount) {
  const int saved = threads();
  for (const int t : {1, 2, 3, 4}) {
    set_threads(t);
#ifndef MARROW_ONE_THREAD
    EXPECT_EQ(threads(), t);
#endif
    for (const int64_t n : {0, 1, 2, 7, 1000, 20000}) {
      for (int repeat = 0; repeat < 20; ++repeat) {
        std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
        parallel_for(n, [&](int64_t i) { hits[static_cast<size_t>(i)].fetch_add(1); });
        for (int64_t i = 0; i < n; ++i) ASSERT_EQ(hits[static_cast<size_t>(i)].load(), 1) << i;
      }
    }
  }
  set_threads(saved);
}

TEST(ParallelFor, ALoopInsideALoopRunsOnItsThread) {
  const int saved = threads();
  set_threads(2);
  std::vector<int64_t> sums(64, 0);
  parallel_for(64, [&](int64_t i) {
    int64_t s = 0;
    parallel_for(100, [&](int64_t j) { s += j; });  // on this thread, in order
    sums[static_cast<size_t>(i)] = s + i;
  });
  for (int64_t i = 0; i < 64; ++i) EXPECT_EQ(sums[static_cast<size_t>(i)], 4950 + i);
  set_threads(saved);
}

}  // namespace
}  // namespace marrow
