#pragma once
// Shared set-up of the micro-benchmarks: random lattice fillings and the human preset on a
// section of a chosen size, built once and shared between benchmarks.
#include <cstdint>
#include <memory>
#include <vector>

#include "agents/agent_store.hpp"
#include "core/lattice.hpp"
#include "io/scenario.hpp"
#include "model/simulation.hpp"

namespace marrow::micro {

// Marks each free site occupied with probability `fraction` (a pure function of the seed).
void fill_random(Lattice& lattice, double fraction, uint64_t seed);
// The occupied sites of the lattice, in index order.
std::vector<SiteId> occupied_sites(const Lattice& lattice);

// The human preset on an edge x edge section: every initial count, the vessels and the blocks
// scaled with the area so that density and dynamics stay those of the preset (640: the preset
// itself, about 1.1e5 agents). No spin-up.
LoadedScenario human_section(int edge);

// A Simulation of human_section(edge) and its initial state, for restoring between timings.
struct SimulationCase {
  LoadedScenario loaded;
  std::unique_ptr<Simulation> sim;
  std::vector<AgentRecord> agents;
  std::vector<double> blood;
  std::vector<std::vector<float>> fields;

  // Puts the simulation back in its initial state (fields loaded, not re-solved).
  void reset();
};

// Built on first use and kept for the whole run.
SimulationCase& human_simulation(int edge);

}  // namespace marrow::micro
