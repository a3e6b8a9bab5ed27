#pragma once
// Restart from a snapshot of a marrow output file: every snapshot holds the complete state
// (agents with their next event, blood compartments, the step of the random streams).
#include <string>
#include <vector>

#include "agents/agent_store.hpp"
#include "core/lattice.hpp"
#include "model/simulation.hpp"

namespace marrow {

struct Checkpoint {
  std::string scenario_toml;  // the resolved scenario of the run that wrote it
  std::string snapshot;       // its name under /snapshots
  std::string file;           // the file it was read from, exactly as named
  // A snapshot taken during the spin-up: its steps done (-1: after the spin-up) and the sums
  // of the hand-off rates of its last third so far.
  int64_t spin_up_steps_done = -1;
  std::vector<double> spin_up_handoff_sums;
  int64_t step = 0, origin_step = 0;
  double time_days = 0;
  // The agents' coordinates, and every other column in `columns` (their sites not yet set).
  std::vector<int32_t> x, y, z;
  std::vector<AgentRecord> columns;
  std::vector<double> blood_state;
  std::vector<std::pair<std::string, std::vector<float>>> fields;  // name -> [z][y][x]

  // The stored fields in the order of `sim`'s fields; empty when the snapshot has none of them.
  std::vector<std::vector<float>> fields_for(const Simulation& sim) const;
  // Agents placed on `lattice`; throws OutputFileError when a coordinate lies outside it.
  std::vector<AgentRecord> agents(const Lattice& lattice) const;
};

// `spec` is FILE or FILE:SNAPSHOT (a snapshot name or index; default the last), whatever the
// file's name; a spec that names an existing file is that file.
// Throws OutputFileError for a file that is not a restartable marrow output.
Checkpoint read_checkpoint(const std::string& spec);

// Timeseries rows of a marrow output up to and including `up_to_day`, in the order of the
// given simulation's types, pools and lineages.
std::vector<Observation> read_rows(const std::string& path, const Simulation& sim,
                                   double up_to_day);

}  // namespace marrow
