#pragma once
// The `marrow` subcommands. Each returns the process exit code (0 ok, 2 bad input, 1 failure).
#include <cstdint>
#include <string>
#include <vector>

namespace marrow::cli {

inline constexpr int kOk = 0;
inline constexpr int kFailure = 1;
inline constexpr int kBadInput = 2;

struct RunOptions {
  std::string scenario;
  std::string out;
  std::string restart;  // FILE.h5[:SNAPSHOT]
  std::vector<std::string> set;
  long long seed = -1;
  int threads = 0;  // 0: OMP_NUM_THREADS or all cores
  double days = -1;
  double snapshot_every = -1;
  bool quiet = false;
  std::string command_line;
};

struct SweepOptions {
  std::string scenario;
  std::string out;
  std::vector<std::string> vary;
  std::vector<std::string> set;
  int replicates = 1;
  int jobs = 0;  // concurrent runs; 0: all cores
  int threads_per_run = 1;
  double days = -1;
  bool quiet = false;
  std::string scheduler = "local";         // local (child processes) or slurm (a job array)
  std::vector<std::string> slurm_options;  // passed to sbatch as #SBATCH lines
  bool wait = false;                       // slurm: wait for the array, then collect
  std::string collect;                     // summarise a folder's finished runs
};

struct BenchOptions {
  std::string workload = "lattice-bd";
  int size = 0, steps = 0, dim = 2, threads = 0, block = 0;
  int64_t agents = 0;
  double days = 0;
  uint64_t seed = 1;
  bool json = false;
};

int run(const RunOptions& o);
int bench(const BenchOptions& o);
int sweep(const SweepOptions& o);
int validate(const std::string& scenario, const std::vector<std::string>& set);
int inspect(const std::string& file, bool json);
// Lists presets, regimens, conditions or drugs (`what`; empty: all).
int list(const std::string& what);

}  // namespace marrow::cli
