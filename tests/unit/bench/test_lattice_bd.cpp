// The lattice-bd workload run by the engine: same seed, same final state at any thread count,
// and the population the reference implementation reaches.
#include <gtest/gtest.h>

#include "bench/lattice_bd.hpp"
#include "core/parallel.hpp"

namespace marrow::bench {
using marrow::set_threads;
namespace {

LatticeBdResult run_with(int threads, int dim, int size, int steps) {
  set_threads(threads);
  LatticeBdConfig c;
  c.size = size;
  c.steps = steps;
  c.dim = dim;
  c.seed = 7;
  c.block = dim == 3 ? 8 : 32;  // several blocks per colour even on a small lattice
  return run_lattice_bd(c);
}

TEST(LatticeBd, BitIdenticalAtOneAndTwoThreads) {
  for (const int dim : {2, 3}) {
    const int size = dim == 3 ? 48 : 256;
    const LatticeBdResult a = run_with(1, dim, size, 60), b = run_with(2, dim, size, 60);
    EXPECT_EQ(a.checksum, b.checksum) << dim << "D";
    EXPECT_EQ(a.final_agents, b.final_agents);
    EXPECT_EQ(a.updates, b.updates);
    EXPECT_EQ(a.events, b.events);
    EXPECT_GT(a.final_agents, 0);
  }
  set_threads(1);
}

TEST(LatticeBd, EventsAreEighteenPercentOfUpdates) {
  // Each agent-update is an event (division attempt or death) with probability 0.18: over
  // more than 2e6 updates the standard error of the fraction is sqrt(0.18 * 0.82 / n) < 2.8e-4;
  // 4 standard errors is below 1.1e-3.
  const LatticeBdResult r = run_with(1, 2, 512, 80);
  ASSERT_GT(r.updates, 2000000);
  EXPECT_NEAR(static_cast<double>(r.events) / static_cast<double>(r.updates), 0.18, 1.1e-3);
}

}  // namespace
}  // namespace marrow::bench
