#pragma once
// Writes one run's HDF5 file (DESIGN.md 4.2) under a temporary name unique to the process,
// synced and renamed into place when the run ends (io/output_target.hpp); a run that never
// finishes leaves nothing, and an interrupted one never replaces an existing file.
//
// Distributed (a build with MARROW_MPI on several ranks), every rank makes every call in the same
// order: the file is written by all of them together with parallel HDF5, each rank writing its
// own agents and its own slab of the lattice, rank 0 the rest; rank 0 alone claims the target
// and renames the file into place.
#include <string>
#include <vector>

#include "io/hdf5_file.hpp"
#include "io/output_target.hpp"
#include "io/scenario.hpp"
#include "io/xdmf.hpp"
#include "model/simulation.hpp"

namespace marrow {

inline constexpr int64_t kSchemaVersion = 1;

struct Provenance {
  std::string command_line;
  std::string started_at;
  int threads = 1;
};

class RunWriter {
 public:
  // Writes into a claimed target.
  RunWriter(OutputTarget target, const Simulation& sim, const LoadedScenario& scenario,
            const Provenance& provenance);
  // Claims `path` itself (no inputs to protect beyond the rules of OutputTarget).
  RunWriter(const std::string& path, const Simulation& sim, const LoadedScenario& scenario,
            const Provenance& provenance);
  ~RunWriter();
  RunWriter(const RunWriter&) = delete;
  RunWriter& operator=(const RunWriter&) = delete;

  // Buffers one row of the timeseries.
  void record(const Observation& o);
  // Prepends rows from an earlier run (a restart continues its timeseries).
  void prepend(const std::vector<Observation>& rows);
  // Writes the complete state now: agents, lattice, blood compartments.
  void snapshot(const Simulation& sim);
  // Writes the timeseries, endpoints and provenance, closes the file (checked), syncs and
  // renames it into place and writes its XDMF sidecar (FILE.xmf). `interrupted` names the
  // signal when the run was stopped early; such a file never replaces an existing one and goes
  // beside it (OutputTarget::commit). Returns the final name. Throws h5::Error or WriteError.
  std::string finish(bool complete, const std::string& interrupted = "");

  const std::string& path() const { return path_; }
  // The file being written until finish() (PATH.<pid>.partial).
  const std::string& temporary() const { return temporary_; }
  const std::vector<Observation>& rows() const { return rows_; }

 private:
  void write_endpoints();
  // The agents (returns how many) and the per-site datasets of a snapshot, each rank writing its
  // own.
  int64_t write_agents(const std::string& base, const Simulation& sim);
  void write_sites(const std::string& base, const Simulation& sim, bool first);

  OutputTarget target_;  // distributed, rank 0's; every rank writes the one file
  std::string path_, temporary_;
  h5::Handle file_;
  const Simulation& sim_;
  std::vector<Observation> rows_;
  int snapshots_ = 0;
  std::vector<XdmfSnapshot> xdmf_;
};

std::string now_iso8601();

}  // namespace marrow
