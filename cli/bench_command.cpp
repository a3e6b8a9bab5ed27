// marrow bench: workloads timed by the engine itself, reported as text or one JSON object.
#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "bench/lattice_bd.hpp"
#include "cli/commands.hpp"
#include "core/parallel.hpp"
#include "io/scenario.hpp"
#include "model/simulation.hpp"

namespace marrow::cli {
namespace {

int64_t peak_rss_bytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stoll(line.substr(6)) * 1024;
  return -1;
}

// The default human scenario scaled to about `agents` agents: lattice area and every initial
// count grow by the same factor, so density and dynamics stay those of the default.
// `depleted`: every initial count cut to a fraction, as after myeloablation (HSCs to 30 %,
// everything downstream to 5 %), so the run is a regeneration.
Scenario steady_scenario(int64_t agents, const std::vector<std::string>& set, bool depleted) {
  std::vector<std::string> s = set;
  s.push_back("run.spin_up_days=0");
  Scenario base = load_scenario("", s).scenario;
  int64_t total = 0;
  for (const CellType& t : base.graph.types()) total += t.initial;
  const double f = agents > 0 ? static_cast<double>(agents) / static_cast<double>(total) : 1.0;
  const double edge = std::sqrt(f);
  s.push_back(fmt::format("lattice.size=[{},{}]", std::lround(base.lattice.nx * edge),
                          std::lround(base.lattice.ny * edge)));
  if (base.geometry.generator == "straight") {  // a network fills its fractions at any size
    s.push_back(fmt::format("geometry.sinusoids={}",
                            std::max<long>(1, std::lround(base.geometry.sinusoids * edge))));
    s.push_back(fmt::format("geometry.arterioles={}",
                            std::max<long>(0, std::lround(base.geometry.arterioles * edge))));
  }
  const std::string& stem = base.organism.hsc_type;
  for (const CellType& t : base.graph.types()) {
    const double cut = !depleted ? 1.0 : t.name == stem ? 0.3 : 0.05;
    s.push_back(
        fmt::format("types.{}.initial={}", t.name,
                    std::max<long long>(t.name == stem ? 1 : 0,
                                        std::llround(static_cast<double>(t.initial) * f * cut))));
  }
  // The lattice still stands for the same share of the marrow: the represented fraction
  // (initial stem cells / hsc_total) must not shrink with the depletion.
  if (depleted) s.push_back(fmt::format("organism.hsc_total={}", base.organism.hsc_total * 0.3));
  return load_scenario("", s).scenario;
}

}  // namespace

int bench(const BenchOptions& o) {
  if (o.threads > 0) set_threads(o.threads);
  const int threads = marrow::threads();
  nlohmann::json j;
  j["workload"] = o.workload;
  j["threads"] = threads;
  if (o.workload == "lattice-bd") {
    bench::LatticeBdConfig c;
    c.size = o.size > 0 ? o.size : 512;
    c.steps = o.steps > 0 ? o.steps : 200;
    c.dim = o.dim;
    c.agents = o.agents;
    c.seed = o.seed;
    c.block = o.block;
    const auto r = bench::run_lattice_bd(c);
    j["size"] = c.size;
    j["steps"] = c.steps;
    j["dim"] = c.dim;
    j["block"] = c.block;
    j["final_agents"] = r.final_agents;
    j["updates"] = r.updates;
    j["events"] = r.events;
    j["seconds"] = r.seconds;
    j["rate"] = static_cast<double>(r.updates) / r.seconds;
    j["types"] = r.by_type;
    j["checksum"] = fmt::format("{:016x}", r.checksum);
  } else if (o.workload == "steady" || o.workload == "transplant") {
    // "transplant": until conditioning and grafts exist, a comparable regeneration from a
    // depleted marrow.
    Scenario sc;
    try {
      sc = steady_scenario(o.agents, {}, o.workload == "transplant");
    } catch (const ScenarioError& e) {
      fmt::print(stderr, "marrow: {}\n", e.what());
      return kBadInput;
    }
    Simulation sim(sc);
    const int64_t start_agents = sim.observe().agents;
    const double days = o.days > 0 ? o.days : 100;
    const int64_t steps = std::llround(days * 24 / sc.run.dt_hours);
    const auto t0 = std::chrono::steady_clock::now();
    for (int64_t s = 0; s < steps; ++s) sim.step();
    const double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    j["size"] = sc.lattice.nx;
    j["steps"] = steps;
    j["days"] = days;
    j["start_agents"] = start_agents;
    j["final_agents"] = sim.observe().agents;
    j["updates"] = sim.events();
    j["seconds"] = sec;
    j["rate"] = static_cast<double>(sim.events()) / sec;
    j["days_per_second"] = days / sec;
  } else {
    fmt::print(stderr, "marrow: unknown workload '{}' (known: lattice-bd, steady, transplant)\n",
               o.workload);
    return kBadInput;
  }
  j["peak_rss_bytes"] = peak_rss_bytes();
  if (o.json) {
    std::cout << j.dump() << "\n";
  } else {
    for (const auto& [k, v] : j.items()) fmt::print("{:>16}  {}\n", k, v.dump());
  }
  return kOk;
}

}  // namespace marrow::cli
