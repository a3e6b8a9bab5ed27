#include "bench/micro/common.hpp"

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <map>
#include <string>

#include "core/parallel.hpp"
#include "core/random.hpp"

namespace marrow::micro {
namespace {

// One thread unless OMP_NUM_THREADS says otherwise: these benchmarks time the kernels.
const bool kThreadsSet = [] {
  if (std::getenv("OMP_NUM_THREADS") == nullptr) set_threads(1);
  benchmark::AddCustomContext("threads", std::to_string(threads()));
  return true;
}();

}  // namespace

void fill_random(Lattice& lattice, double fraction, uint64_t seed) {
  const Stream stream(seed);
  auto& occ = lattice.occupancy();
  for (size_t s = 0; s < occ.size(); ++s)
    if (occ[s] == kFree && stream.draw(s, 0, Purpose::kBench).u(0) < fraction) occ[s] = kOccupied;
}

std::vector<SiteId> occupied_sites(const Lattice& lattice) {
  std::vector<SiteId> sites;
  const auto& occ = lattice.occupancy();
  for (size_t s = 0; s < occ.size(); ++s)
    if (occ[s] == kOccupied) sites.push_back(static_cast<SiteId>(s));
  return sites;
}

LoadedScenario human_section(int edge) {
  std::vector<std::string> set = {"run.spin_up_days=0"};
  const Scenario base = load_scenario("", set).scenario;
  const double f = static_cast<double>(edge) / base.lattice.nx;
  set.push_back(fmt::format("lattice.size=[{},{}]", edge, edge));
  set.push_back(
      fmt::format("geometry.sinusoids={}", std::max(1L, std::lround(base.geometry.sinusoids * f))));
  set.push_back(fmt::format("geometry.arterioles={}",
                            std::max(0L, std::lround(base.geometry.arterioles * f))));
  for (const CellType& t : base.graph.types())
    set.push_back(fmt::format("types.{}.initial={}", t.name,
                              std::llround(static_cast<double>(t.initial) * f * f)));
  return load_scenario("", set);
}

void SimulationCase::reset() { sim->restore(0, 0, agents, blood, fields); }

SimulationCase& human_simulation(int edge) {
  static std::map<int, SimulationCase> cases;
  auto it = cases.find(edge);
  if (it != cases.end()) return it->second;
  SimulationCase c;
  c.loaded = human_section(edge);
  c.sim = std::make_unique<Simulation>(c.loaded.scenario);
  c.agents = c.sim->agents();
  c.blood = c.sim->blood().state();
  const Lattice& lattice = c.sim->lattice();
  for (const SignalField& f : c.sim->fields())
    c.fields.push_back(
        lattice.unpadded_rows<float>(0, lattice.rows(), [&](SiteId s) { return f.at(s); }));
  return cases.emplace(edge, std::move(c)).first->second;
}

}  // namespace marrow::micro
