// Random streams: one Philox4x32-10 call per draw (four 32-bit words), and the geometric
// waiting times that schedule every agent's next event.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "core/random.hpp"

namespace marrow::micro {
namespace {

// Stream::draw for consecutive agents at one step; items: draws (16 bytes each).
void BM_StreamDraw(benchmark::State& state) {
  const Stream stream(42);
  const int64_t batch = state.range(0);
  uint64_t step = 0;
  for (auto _ : state) {
    uint32_t acc = 0;
    for (int64_t who = 0; who < batch; ++who) {
      const Draw d = stream.draw(static_cast<uint64_t>(who), step, Purpose::kEvent);
      acc ^= d.w[0] ^ d.w[1] ^ d.w[2] ^ d.w[3];
    }
    benchmark::DoNotOptimize(acc);
    ++step;
  }
  state.SetItemsProcessed(state.iterations() * batch);
  state.SetBytesProcessed(state.iterations() * batch * 16);
}
BENCHMARK(BM_StreamDraw)->ArgName("batch")->Arg(1 << 12);

// Stream::draw_many for the same agents and step, on each vector unit (a unit the processor
// lacks falls back to the next narrower); items: draws.
void BM_StreamDrawMany(benchmark::State& state) {
  const Stream stream(42);
  const auto unit = static_cast<VectorUnit>(state.range(0));
  std::vector<uint32_t> who(1 << 12), w0(who.size()), w1(who.size()), w2(who.size()),
      w3(who.size());
  for (size_t i = 0; i < who.size(); ++i) who[i] = static_cast<uint32_t>(i);
  uint64_t step = 0;
  for (auto _ : state) {
    stream.draw_many(who, step++, Purpose::kEvent, w0.data(), w1.data(), w2.data(), w3.data(),
                     unit);
    benchmark::DoNotOptimize(w3.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(who.size()));
}
BENCHMARK(BM_StreamDrawMany)
    ->ArgName("unit")
    ->Arg(static_cast<int>(VectorUnit::kScalar))
    ->Arg(static_cast<int>(VectorUnit::kAvx2))
    ->Arg(static_cast<int>(VectorUnit::kAvx512));

// geometric_steps from uniforms drawn beforehand: the inversion alone (log, divide, floor).
// Arg: the event probability per step in units of 1e-4 (rate_dt = arg * 1e-4).
void BM_GeometricSteps(benchmark::State& state) {
  const double rate_dt = static_cast<double>(state.range(0)) * 1e-4;
  const Stream stream(7);
  std::vector<double> u(1 << 12);
  for (size_t i = 0; i < u.size(); i += 4) {
    const Draw d = stream.draw(i, 0, Purpose::kSchedule);
    for (int k = 0; k < 4; ++k) u[i + static_cast<size_t>(k)] = d.u(k);
  }
  for (auto _ : state) {
    int64_t acc = 0;
    for (const double x : u) acc += geometric_steps(x, rate_dt);
    benchmark::DoNotOptimize(acc);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(u.size()));
}
BENCHMARK(BM_GeometricSteps)->ArgName("rate_dt_e4")->Arg(10)->Arg(2300);

// What scheduling an event costs: one draw, then a geometric wait from one of its words.
void BM_DrawAndSchedule(benchmark::State& state) {
  const Stream stream(42);
  const int64_t batch = state.range(0);
  const double rate_dt = 0.23;  // a progenitor dividing or migrating 5.5 times a day, dt = 1 h
  uint64_t step = 0;
  for (auto _ : state) {
    int64_t acc = 0;
    for (int64_t who = 0; who < batch; ++who)
      acc += geometric_steps(stream.draw(static_cast<uint64_t>(who), step, Purpose::kSchedule).u(3),
                             rate_dt);
    benchmark::DoNotOptimize(acc);
    ++step;
  }
  state.SetItemsProcessed(state.iterations() * batch);
}
BENCHMARK(BM_DrawAndSchedule)->ArgName("batch")->Arg(1 << 12);

}  // namespace
}  // namespace marrow::micro
