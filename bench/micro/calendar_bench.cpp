// The event calendar: AgentBlock::drain<false> of one step's bucket, every due agent
// rescheduled after a geometric wait, on a block of N agents.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "agents/agent_store.hpp"
#include "core/random.hpp"

namespace marrow::micro {
namespace {

// Args: agents N and mean wait between events in steps. The calendar window is 256 steps, so
// with a long mean wait some agents lap the ring before their event (visited and re-entered).
// Waits come from a table drawn beforehand, so the calendar alone is timed. Each iteration is
// one step; items: events (agents drained and rescheduled).
void BM_CalendarDrain(benchmark::State& state) {
  const int64_t n = state.range(0);
  const double rate = 1.0 / static_cast<double>(state.range(1));
  const Stream stream(41);
  std::vector<int32_t> wait(1 << 16);
  for (size_t i = 0; i < wait.size(); ++i) {
    const int64_t w = geometric_steps(stream.draw(i, 0, Purpose::kSchedule).u(0), rate);
    wait[i] = static_cast<int32_t>(std::min<int64_t>(w, 1 << 20));
  }
  const size_t mask = wait.size() - 1;
  AgentBlock block(256);
  for (int64_t i = 0; i < n; ++i) {
    AgentRecord a;
    a.site = static_cast<SiteId>(stream.draw(static_cast<uint64_t>(i), 1, Purpose::kBench).w[0]);
    a.clone = static_cast<uint32_t>(i);
    a.next_step = wait[static_cast<size_t>(i) & mask] - 1;
    block.add(a);
  }
  size_t next = static_cast<size_t>(n);
  int64_t step = 0, events = 0, visits = 0;
  for (auto _ : state) {
    visits += static_cast<int64_t>(block.calendar().bucket(step).size());
    block.drain<false>(step, [&](uint32_t slot) {
      block.reschedule(slot, step + wait[next++ & mask]);
      ++events;
    });
    ++step;
  }
  state.SetItemsProcessed(events);
  state.counters["agents"] = static_cast<double>(n);
  state.counters["events/step"] = static_cast<double>(events) / static_cast<double>(step);
  // Entries read per step: due agents, agents a lap early, and stale entries.
  state.counters["visits/step"] = static_cast<double>(visits) / static_cast<double>(step);
}
BENCHMARK(BM_CalendarDrain)
    ->ArgNames({"agents", "mean_wait"})
    ->Args({1 << 12, 8})
    ->Args({1 << 16, 8})
    ->Args({1 << 16, 500})
    ->Args({1 << 20, 50});

}  // namespace
}  // namespace marrow::micro
