#pragma once
// The lattice-bd workload (../shared/bench/lattice-bd.md) run by marrow's own engine: its
// lattice, agent blocks and their due-agent scans, random streams and colour-phase parallel update.
#include <array>
#include <cstdint>

namespace marrow::bench {

struct LatticeBdConfig {
  int size = 512;   // L
  int steps = 200;  // T
  int dim = 2;
  int64_t agents = 0;  // initial agents; 0: the central square (cube) of side L/2
  uint64_t seed = 1;
  int block = 0;  // block edge; 0: a default for the dimension
};

struct LatticeBdResult {
  int64_t final_agents = 0;
  int64_t updates = 0;  // sum over steps of the agents alive at the step's start
  int64_t events = 0;   // divisions attempted and deaths
  double seconds = 0;   // the stepping loop alone
  std::array<int64_t, 4> by_type{};
  uint64_t checksum = 0;  // of the final state: (site, type, clone) of every agent
};

LatticeBdResult run_lattice_bd(const LatticeBdConfig& config);

}  // namespace marrow::bench
