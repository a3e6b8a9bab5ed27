// Neighbourhood search: for a random occupied site, scan its Moore neighbourhood (8 sites in
// 2D, 26 in 3D) through lattice.deltas() and pick a free neighbour uniformly, as the kernels
// do when a cell migrates or places a daughter.
#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <vector>

#include "bench/micro/common.hpp"
#include "core/lattice.hpp"
#include "core/random.hpp"

namespace marrow::micro {
namespace {

// Args: dimension (2: 512 x 512, 3: 64^3, both 262144 sites) and occupancy in percent.
struct NeighbourCase {
  Lattice lattice;
  std::vector<SiteId> site;  // random occupied sites, in random order
  std::vector<uint32_t> word;

  NeighbourCase(int dim, int percent)
      : lattice(dim == 3 ? 64 : 512, dim == 3 ? 64 : 512, dim == 3 ? 64 : 1,
                Neighbourhood::kMoore) {
    fill_random(lattice, percent / 100.0, 11);
    const std::vector<SiteId> occupied = occupied_sites(lattice);
    const Stream stream(12);
    for (uint64_t i = 0; i < (1 << 16); ++i) {
      const Draw d = stream.draw(i, 0, Purpose::kBench);
      site.push_back(occupied[d.below(0, static_cast<uint32_t>(occupied.size()))]);
      word.push_back(d.w[1]);
    }
  }
};

void report(benchmark::State& state, const NeighbourCase& c, int64_t found) {
  const int64_t scans = state.iterations() * static_cast<int64_t>(c.site.size());
  state.SetItemsProcessed(scans);
  state.counters["neighbours/s"] = benchmark::Counter(
      static_cast<double>(scans) * static_cast<double>(c.lattice.deltas().size()),
      benchmark::Counter::kIsRate);
  state.counters["found"] = static_cast<double>(found) / static_cast<double>(scans);
}

// FateKernel::free_neighbour: a branch per neighbour, free ones listed, one picked.
void BM_FreeNeighbour(benchmark::State& state) {
  const NeighbourCase c(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)));
  const auto& occ = c.lattice.occupancy();
  const auto deltas = c.lattice.deltas();
  const int n_deltas = static_cast<int>(deltas.size());
  int64_t found = 0;
  for (auto _ : state) {
    int64_t acc = 0;
    for (size_t i = 0; i < c.site.size(); ++i) {
      const SiteId s = c.site[i];
      std::array<uint8_t, 26> free_k;
      int n = 0;
      for (int k = 0; k < n_deltas; ++k)
        if (occ[s + deltas[k]] == kFree) free_k[n++] = static_cast<uint8_t>(k);
      if (n == 0) continue;
      ++found;
      acc += deltas[free_k[(static_cast<uint64_t>(c.word[i]) * static_cast<uint32_t>(n)) >> 32]];
    }
    benchmark::DoNotOptimize(acc);
  }
  report(state, c, found);
}
BENCHMARK(BM_FreeNeighbour)
    ->ArgNames({"dim", "occ_pct"})
    ->Args({2, 25})
    ->Args({2, 75})
    ->Args({3, 25})
    ->Args({3, 75});

// The lattice-bd kernel's branch-free variant: every neighbour written, the count advanced
// only for free ones.
void BM_FreeNeighbourBranchless(benchmark::State& state) {
  const NeighbourCase c(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)));
  const auto& occ = c.lattice.occupancy();
  const std::vector<int64_t> deltas(c.lattice.deltas().begin(), c.lattice.deltas().end());
  const int n_deltas = static_cast<int>(deltas.size());
  int64_t found = 0;
  for (auto _ : state) {
    int64_t acc = 0;
    for (size_t i = 0; i < c.site.size(); ++i) {
      const SiteId s = c.site[i];
      uint8_t free_k[26];
      int n = 0;
      for (int k = 0; k < n_deltas; ++k) {
        free_k[n] = static_cast<uint8_t>(k);
        n += occ[s + deltas[k]] == kFree;
      }
      if (n == 0) continue;
      ++found;
      acc += deltas[free_k[((c.word[i] >> 16) * static_cast<uint32_t>(n)) >> 16]];
    }
    benchmark::DoNotOptimize(acc);
  }
  report(state, c, found);
}
BENCHMARK(BM_FreeNeighbourBranchless)
    ->ArgNames({"dim", "occ_pct"})
    ->Args({2, 25})
    ->Args({2, 75})
    ->Args({3, 25})
    ->Args({3, 75});

}  // namespace
}  // namespace marrow::micro
