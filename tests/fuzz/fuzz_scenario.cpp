// libFuzzer target: the scenario loader (`marrow validate`, `marrow run SCENARIO --set ...`).
//
// Input: the scenario file's text, optionally followed by a line "%%" and then one --set
// override per line, e.g.
//     [lattice]
//     size = [24, 24]
//     %%
//     run.days=3
//     types.LT_HSC.initial=40
// The loader may only throw ScenarioError (the CLI prints it and exits 2). Anything else aborts
// so that libFuzzer reports it. A scenario that loads must also
//  - reload from its resolved TOML to the same resolved TOML (restarts load the scenario stored
//    in the output file), and
//  - need a bounded amount of memory to simulate, so that an absurd lattice or calendar is
//    rejected with a message instead of being allocated, and
//  - when its lattice is tiny (building a Simulation is too slow per input otherwise), build
//    and step as `marrow validate` and `marrow run` do: std::invalid_argument from the
//    Simulation is allowed (both commands report it with exit code 2), anything else aborts.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>
#include <typeinfo>
#include <vector>

#include "io/scenario.hpp"
#include "model/simulation.hpp"

namespace {

[[noreturn]] void fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "fuzz_scenario: %s: %s\n", what, detail.c_str());
  std::abort();
}

// Blocks along an axis as BlockGrid splits it (core/block_grid.cpp).
double pieces(int n, int edge) {
  int p = std::max(1, n / edge);
  if (n - p * edge >= 2) ++p;
  return p;
}

// The memory a Simulation of `sc` allocates, roughly, in bytes (measured with /usr/bin/time on
// `marrow validate`): per padded site the occupancy, geometry and placement lists (~16 B) and
// per field its values and solver lists (8 B); per block its columns and bookkeeping (~512 B)
// and an empty vector per calendar bucket (24 B); per initial agent ~40 B (at most half of the
// sites hold one).
double memory_estimate(const marrow::Scenario& sc) {
  const auto& l = sc.lattice;
  const double padded = (l.nx + 2.0) * (l.ny + 2.0) * (l.nz > 1 ? l.nz + 2.0 : 1.0);
  const double blocks = pieces(l.nx, l.block) * pieces(l.ny, l.block) * pieces(l.nz, l.block);
  double agents = 0;
  for (const auto& t : sc.graph.types()) agents += static_cast<double>(t.initial);
  agents = std::min(agents, padded / 2);
  return padded * (16.0 + 8.0 * static_cast<double>(sc.fields.size())) +
         blocks * (512.0 + 24.0 * l.calendar_window) + agents * 40.0;
}

constexpr double kMemoryBudget = 4.0 * (1u << 30);

marrow::LoadedScenario load(const std::string& text, const std::string& label,
                            const std::vector<std::string>& overrides) {
  try {
    return marrow::load_scenario_text(text, label, overrides);
  } catch (const marrow::ScenarioError&) {
    throw;
  } catch (const std::exception& e) {
    fail("an exception other than ScenarioError escaped the loader",
         std::string(typeid(e).name()) + ": " + e.what());
  } catch (...) {
    fail("a non-standard exception escaped the loader", "");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t split = input.find("\n%%\n");
  const std::string text(input.substr(0, split));
  std::vector<std::string> overrides;
  if (split != std::string_view::npos) {
    std::string_view rest = input.substr(split + 4);
    while (!rest.empty()) {
      const size_t nl = rest.find('\n');
      std::string_view line = rest.substr(0, nl);
      // A command-line argument ends at its first NUL.
      line = line.substr(0, line.find('\0'));
      overrides.emplace_back(line);
      if (nl == std::string_view::npos) break;
      rest = rest.substr(nl + 1);
    }
  }

  marrow::LoadedScenario first;
  try {
    first = load(text, "fuzz.toml", overrides);
  } catch (const marrow::ScenarioError&) {
    return 0;  // rejected with a message: exit 2
  }

  const double bytes = memory_estimate(first.scenario);
  if (bytes > kMemoryBudget)
    fail("the loader accepted a scenario needing too much memory",
         std::to_string(bytes / (1u << 30)) + " GiB:\n" + first.resolved_toml);

  marrow::LoadedScenario again;
  try {
    again = load(first.resolved_toml, "resolved.toml", {});
  } catch (const marrow::ScenarioError& e) {
    fail("the resolved scenario does not load again", e.what() + ("\n" + first.resolved_toml));
  }
  if (again.resolved_toml != first.resolved_toml)
    fail("the resolved scenario changes when loaded again",
         first.resolved_toml + "\n----- became -----\n" + again.resolved_toml);

  const auto& l = first.scenario.lattice;
  if (static_cast<int64_t>(l.nx) * l.ny * l.nz > 1024 || l.calendar_window > 1024) return 0;
  try {
    marrow::Simulation sim(first.scenario);
    for (int i = 0; i < 3; ++i) sim.step();
    (void)sim.observe();
  } catch (const std::invalid_argument&) {
  } catch (const std::exception& e) {
    fail("the simulation of a loaded scenario threw",
         std::string(typeid(e).name()) + ": " + e.what());
  }
  return 0;
}
