// The fate kernel: FateKernel::event on a small hand-built lineage graph, driven through the
// agent blocks' calendars as Simulation::step drives it; and Simulation::step on the human
// preset, kernel, merges, blood compartments and all.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "agents/agent_store.hpp"
#include "agents/fate_kernel.hpp"
#include "agents/lineage_graph.hpp"
#include "bench/micro/common.hpp"
#include "core/block_grid.hpp"
#include "core/lattice.hpp"
#include "core/random.hpp"

namespace marrow::micro {
namespace {

TypeRates rates(double division, double death, double migration, double self_renewal,
                double asymmetric) {
  TypeRates r;
  r.division = division;
  r.death = death;
  r.migration = migration;
  r.fate = {self_renewal, asymmetric, 1.0 - self_renewal - asymmetric};
  return r;
}

// A type with the same rates in and off a niche, whose differentiated daughters go to `to`.
CellType cell_type(const char* name, const TypeRates& r, Target to) {
  CellType t;
  t.name = name;
  t.lineage = "blood";
  t.off_niche = t.in_niche = r;
  t.differentiate_to = {{to, 1.0}};
  return t;
}

// Stem -> progenitor -> precursor -> compartment "out"; rates per hour. Stem cells switch in
// and out of quiescence; every type migrates; divisions stall where no site is free.
LineageGraph small_graph() {
  TypeRates stem = rates(0.02, 0.0, 0.1, 0.4, 0.4);
  stem.quiescence_entry = 0.05;
  stem.quiescence_exit = 0.05;
  return LineageGraph(
      {cell_type("stem", stem, 1), cell_type("progenitor", rates(0.1, 0.03, 0.15, 0.45, 0.25), 2),
       cell_type("precursor", rates(0.1, 0.02, 0.1, 0.3, 0.2), 3)},
      {"out"});
}

// A 2D lattice of `edge` sites a side (no bone or vessels), blocks of 32, agents of the small
// graph on a random `percent` of the sites (5 % stem, 45 % progenitor, 50 % precursor).
struct KernelCase {
  LineageGraph graph = small_graph();
  Lattice lattice;
  BlockGrid grid;
  std::vector<uint8_t> niche;
  FateKernel kernel;
  SiteVector<uint8_t> occupancy0;
  std::vector<AgentBlock> blocks0, blocks;
  int64_t agents = 0;

  KernelCase(int edge, int percent)
      : lattice(edge, edge, 1, Neighbourhood::kMoore),
        grid(lattice, 32),
        niche(static_cast<size_t>(lattice.padded_sites()), 0),
        kernel(graph, lattice, grid, niche, Stream(3), 1.0) {
    fill_random(lattice, percent / 100.0, 21);
    occupancy0 = lattice.occupancy();
    blocks0.assign(static_cast<size_t>(grid.count()), AgentBlock(256));
    const Stream stream(22);
    uint32_t clone = 0;
    for (const SiteId s : occupied_sites(lattice)) {
      const Draw d = stream.draw(s, 0, Purpose::kInit);
      AgentRecord a;
      a.site = s;
      a.type = d.u(0) < 0.05 ? 0 : d.u(0) < 0.5 ? 1 : 2;
      a.clone = ++clone;
      const int64_t when = kernel.next_event(a.type, false, s, -1, d.u(1));
      a.next_step = when >= kNeverStep ? kNeverStep : static_cast<int32_t>(when);
      blocks0[static_cast<size_t>(grid.block_of(lattice.coord(s)))].add(a);
      ++agents;
    }
  }

  void reset() {
    lattice.occupancy() = occupancy0;
    blocks = blocks0;
  }

  void step(int64_t now) {
    colour_sweep(grid, [&](int b) {
      AgentBlock& block = blocks[static_cast<size_t>(b)];
      block.drain<true>(now, [&](uint32_t slot) { kernel.event(block, b, slot, now); });
    });
    merge_outboxes(blocks, grid, lattice);
    kernel.take_handoffs();
  }
};

// Args: lattice edge and initial occupancy in percent. Each iteration restores the initial
// state (untimed) and runs 8 steps; items: events handled.
void BM_FateKernelEvent(benchmark::State& state) {
  constexpr int kSteps = 8;
  KernelCase c(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)));
  const int64_t events0 = c.kernel.events(), stalled0 = c.kernel.stalled_divisions();
  for (auto _ : state) {
    state.PauseTiming();
    c.reset();
    state.ResumeTiming();
    for (int64_t now = 0; now < kSteps; ++now) c.step(now);
  }
  const double events = static_cast<double>(c.kernel.events() - events0);
  state.SetItemsProcessed(static_cast<int64_t>(events));
  state.counters["agents"] = static_cast<double>(c.agents);
  state.counters["events/step"] = events / static_cast<double>(state.iterations() * kSteps);
  state.counters["stalled"] = static_cast<double>(c.kernel.stalled_divisions() - stalled0) / events;
}
BENCHMARK(BM_FateKernelEvent)
    ->ArgNames({"edge", "occ_pct"})
    ->Args({256, 25})
    ->Args({256, 75})
    ->Unit(benchmark::kMillisecond);

// Simulation::step on the human preset scaled to an edge x edge section (Arg). Each iteration
// restores the initial state (untimed) and steps one simulated day (24 steps of 1 h); items:
// events handled.
void BM_SimulationStep(benchmark::State& state) {
  constexpr int kSteps = 24;
  SimulationCase& c = human_simulation(static_cast<int>(state.range(0)));
  const int64_t events0 = c.sim->events();
  for (auto _ : state) {
    state.PauseTiming();
    c.reset();
    state.ResumeTiming();
    for (int i = 0; i < kSteps; ++i) c.sim->step();
  }
  const double events = static_cast<double>(c.sim->events() - events0);
  state.SetItemsProcessed(static_cast<int64_t>(events));
  state.counters["agents"] = static_cast<double>(c.agents.size());
  state.counters["events/step"] = events / static_cast<double>(state.iterations() * kSteps);
  state.counters["steps/s"] = benchmark::Counter(static_cast<double>(state.iterations() * kSteps),
                                                 benchmark::Counter::kIsRate);
}
BENCHMARK(BM_SimulationStep)->ArgName("edge")->Arg(256)->Arg(640)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace marrow::micro
