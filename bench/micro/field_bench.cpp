// The field solver: SignalField::solve (red-black SOR) on the procedural box marrow, from a
// cold start (all zero) and as a warm re-solve after the cells have moved.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "bench/micro/common.hpp"
#include "core/lattice.hpp"
#include "core/random.hpp"
#include "niche/fields.hpp"
#include "niche/geometry.hpp"

namespace marrow::micro {
namespace {

// CXCL12 as in the human preset (decay length 40 um on 10 um sites), with uptake by cells when
// `consumption` > 0.
FieldConfig cxcl12(double consumption) {
  FieldConfig f;
  f.name = "CXCL12";
  f.diffusion_um2_per_s = 100;
  f.decay_per_hour = 225;
  f.source = {0, 225, 225, 225};
  f.consumption_per_hour = consumption;
  return f;
}

// Args: nx, ny, nz. Default geometry (bone along the faces, 4 sinusoids, 1 arteriole), half of
// the marrow sites occupied; `moved` holds the same cells after 5 % of the marrow sites have
// changed state.
struct FieldCase {
  Lattice lattice;
  Geometry geometry;
  SiteVector<uint8_t> occupancy, moved;

  FieldCase(int nx, int ny, int nz)
      : lattice(nx, ny, nz, Neighbourhood::kMoore),
        geometry(generate_geometry(lattice, GeometryConfig{})) {
    apply_geometry(geometry, lattice);
    fill_random(lattice, 0.5, 31);
    occupancy = moved = lattice.occupancy();
    const Stream stream(32);
    for (size_t s = 0; s < moved.size(); ++s)
      if (moved[s] != kBlocked && stream.draw(s, 0, Purpose::kBench).u(0) < 0.05)
        moved[s] = moved[s] == kFree ? kOccupied : kFree;
  }
};

void report(benchmark::State& state, const FieldCase& c, int64_t sweeps) {
  state.SetItemsProcessed(sweeps * c.geometry.marrow_sites);  // site updates
  state.counters["sweeps"] = static_cast<double>(sweeps) / static_cast<double>(state.iterations());
  state.counters["marrow_sites"] = static_cast<double>(c.geometry.marrow_sites);
}

// From zero to convergence; the field is built (untimed) for every iteration.
void BM_FieldSolveCold(benchmark::State& state) {
  const FieldCase c(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)),
                    static_cast<int>(state.range(2)));
  const std::optional<float> full_support;
  int64_t sweeps = 0;
  for (auto _ : state) {
    state.PauseTiming();
    SignalField field(cxcl12(0), c.lattice, c.geometry, 10.0);
    state.ResumeTiming();
    sweeps += field.solve(c.occupancy, full_support);
  }
  report(state, c, sweeps);
}
BENCHMARK(BM_FieldSolveCold)
    ->ArgNames({"nx", "ny", "nz"})
    ->Args({256, 256, 1})
    ->Args({512, 512, 1})
    ->Args({64, 64, 64})
    ->Unit(benchmark::kMillisecond);

// With uptake by cells (100 per hour): each iteration re-solves from the previous solution
// after 5 % of the marrow sites changed occupancy, alternately one way and back.
void BM_FieldSolveWarm(benchmark::State& state) {
  const FieldCase c(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)),
                    static_cast<int>(state.range(2)));
  const std::optional<float> full_support;
  SignalField field(cxcl12(100), c.lattice, c.geometry, 10.0);
  field.solve(c.occupancy, full_support);
  bool flip = false;
  int64_t sweeps = 0;
  for (auto _ : state) {
    flip = !flip;
    sweeps += field.solve(flip ? c.moved : c.occupancy, full_support);
  }
  report(state, c, sweeps);
}
BENCHMARK(BM_FieldSolveWarm)
    ->ArgNames({"nx", "ny", "nz"})
    ->Args({256, 256, 1})
    ->Args({512, 512, 1})
    ->Args({64, 64, 64})
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace marrow::micro
