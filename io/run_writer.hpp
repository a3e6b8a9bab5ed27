#pragma once
// Writes one run's HDF5 file (DESIGN.md 4.2) under a temporary name, renamed into place when
// the run ends; a run that never finishes leaves only the temporary file.
#include <string>
#include <vector>

#include "io/hdf5_file.hpp"
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
  RunWriter(std::string path, const Simulation& sim, const LoadedScenario& scenario,
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
  // Writes the timeseries, endpoints and provenance, renames the file into place and writes
  // its XDMF sidecar (FILE.xmf).
  // `interrupted` names the signal when the run was stopped early.
  void finish(bool complete, const std::string& interrupted = "");

  const std::string& path() const { return path_; }
  const std::vector<Observation>& rows() const { return rows_; }

 private:
  void write_endpoints(const std::vector<double>& t, const std::vector<std::vector<double>>& blood);

  std::string path_, temp_;
  h5::Handle file_;
  const Simulation& sim_;
  std::vector<Observation> rows_;
  int snapshots_ = 0;
  std::vector<XdmfSnapshot> xdmf_;
  bool done_ = false;
};

std::string now_iso8601();

}  // namespace marrow
