// marrow: the command-line program. Subcommands only; the model lives in the libraries.
#include <fcntl.h>
#include <fmt/format.h>
#include <hdf5.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "cli/commands.hpp"
#include "core/comm.hpp"

namespace {

// Options parse strictly: the whole text must be the number, NaN and infinities are refused,
// and a value out of range is an error (never clamped), with the range in short words.
// `kind` names what the text must be ("a number", "a whole number").
template <class T>
CLI::Validator parsed_in(T lo, T hi, const std::string& kind, const std::string& range) {
  return CLI::Validator(
      [lo, hi, kind, range](std::string& text) -> std::string {
        T v{};
        const char* end = text.data() + text.size();
        const auto r = std::from_chars(text.data(), end, v);
        if (text.empty() || r.ec == std::errc::invalid_argument || r.ptr != end)
          return "expected " + kind + " " + range + ", got '" + text + "'";
        if constexpr (std::is_floating_point_v<T>)
          if (!std::isfinite(v)) return "must be " + range + ", got " + text;
        if (r.ec == std::errc::result_out_of_range || v < lo || v > hi)
          return "must be " + range + ", got " + text;
        return "";
      },
      range);
}

CLI::Validator number_in(double lo, double hi, const std::string& range) {
  return parsed_in<double>(lo, hi, "a number", range);
}

const CLI::Validator kDays = number_in(0, 1e6, "from 0 to 1e6 (days)");
const CLI::Validator kSeed = parsed_in<int64_t>(0, std::numeric_limits<int64_t>::max(),
                                                "a whole number", "from 0 to 2^63-1");

int dispatch(int argc, char** argv) {
  // Every file marrow writes is closed, checked, before exit; HDF5's own shutdown would retry
  // the close of a file whose write failed (a full disk) and crash in it.
  H5dont_atexit();
  using namespace marrow::cli;
  CLI::App app{"marrow: a stochastic agent-based simulator of the bone marrow niche"};
  app.set_version_flag("--version",
                       std::string("marrow ") + MARROW_VERSION + " (" + MARROW_GIT_HASH + ")");
  app.require_subcommand(1);

  RunOptions ro;
  for (int i = 0; i < argc; ++i) ro.command_line += (i ? " " : "") + std::string(argv[i]);
  auto* run = app.add_subcommand("run", "run a scenario (the built-in default without one)");
  run->add_option("scenario", ro.scenario, "scenario file (TOML)");
  run->add_option("--out,-o", ro.out, "output HDF5 file (default: <scenario>.h5 or marrow_run.h5)");
  run->add_option("--seed", ro.seed, "random seed (overrides run.seed)")->check(kSeed);
  run->add_option("--threads", ro.threads, "threads (default: OMP_NUM_THREADS or all cores)")
      ->check(CLI::Range(1, 4096));
  run->add_option("--days", ro.days, "simulated days (overrides run.days)")->check(kDays);
  run->add_option("--set", ro.set, "override a scenario key: key=value (repeatable)");
  run->add_option("--snapshot-every", ro.snapshot_every, "days between snapshots (0: at the end)")
      ->check(kDays);
  run->add_option(
      "--restart", ro.restart,
      "continue from a snapshot of an output file: FILE.h5[:SNAPSHOT] (default the last)");
  run->add_flag("--quiet,-q", ro.quiet, "no progress or summary");

  std::string vscenario;
  std::vector<std::string> vset;
  auto* validate_cmd =
      app.add_subcommand("validate", "check a scenario and print it fully resolved");
  validate_cmd->add_option("scenario", vscenario, "scenario file (TOML); none: the default");
  validate_cmd->add_option("--set", vset, "override a scenario key: key=value (repeatable)");

  SweepOptions so;
  auto* sweep_cmd = app.add_subcommand("sweep", "replicates and parameter grids");
  sweep_cmd->add_option("scenario", so.scenario, "scenario file (TOML); none: the default");
  sweep_cmd->add_option("--vary", so.vary, "key=v1,v2,... (repeat for a product grid)");
  sweep_cmd->add_option("--replicates", so.replicates, "replicates per grid point")
      ->check(CLI::Range(1, 100000));
  sweep_cmd->add_option("--out", so.out, "output folder");
  sweep_cmd->add_option("--set", so.set, "override a scenario key: key=value (repeatable)");
  sweep_cmd->add_option("--days", so.days, "simulated days per run")->check(kDays);
  sweep_cmd->add_option("--jobs,--threads", so.jobs, "runs at a time (default: all cores)")
      ->check(CLI::Range(1, 4096));
  sweep_cmd->add_flag("--quiet,-q", so.quiet, "no progress or summary");
  sweep_cmd->add_option("--scheduler", so.scheduler, "local (child processes) or slurm (job array)")
      ->check(CLI::IsMember({"local", "slurm"}));
  sweep_cmd->add_option("--slurm-option", so.slurm_options,
                        "an sbatch option for the job array, e.g. --partition=long (repeatable)");
  sweep_cmd->add_flag("--wait", so.wait, "slurm: wait for the job array to end, then collect");
  sweep_cmd->add_option("--collect", so.collect,
                        "write DIR/summary.csv and summary.h5 from the runs finished in DIR");

  BenchOptions bo;
  auto* bench_cmd = app.add_subcommand("bench", "benchmark workloads (lattice-bd, steady)");
  bench_cmd->add_option("workload", bo.workload, "lattice-bd (default) or steady");
  bench_cmd->add_option("--size", bo.size, "lattice edge L (lattice-bd)")
      ->check(CLI::Range(4, 100000));
  bench_cmd->add_option("--steps", bo.steps, "steps (lattice-bd)")->check(CLI::Range(1, 100000000));
  bench_cmd->add_option("--dim", bo.dim, "2 or 3 (lattice-bd)")->check(CLI::IsMember({2, 3}));
  bench_cmd->add_option("--agents", bo.agents, "initial agents")
      ->check(CLI::Range(int64_t{1}, int64_t{4000000000}));
  bench_cmd->add_option("--days", bo.days, "simulated days (steady)")
      ->check(number_in(1e-3, 1e6, "from 0.001 to 1e6 (days)"));
  bench_cmd->add_option("--seed", bo.seed, "random seed")->check(kSeed);
  bench_cmd->add_option("--block", bo.block, "block edge (lattice-bd; default 128 in 2D, 32 in 3D)")
      ->check(CLI::Range(2, 4096));
  bench_cmd->add_option("--threads", bo.threads, "threads")->check(CLI::Range(1, 4096));
  bench_cmd->add_flag("--json", bo.json, "one JSON object");

  std::string ifile;
  bool ijson = false;
  auto* inspect_cmd = app.add_subcommand("inspect", "summarise an output file");
  inspect_cmd->add_option("file", ifile, "marrow output (HDF5)")->required();
  inspect_cmd->add_flag("--json", ijson, "print JSON");

  std::string lwhat;
  auto* list_cmd = app.add_subcommand("list", "what the scenario library holds");
  list_cmd->add_option("what", lwhat, "presets, regimens, conditions or drugs (default: all)")
      ->check(CLI::IsMember({"presets", "regimens", "conditions", "drugs"}));

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kBadInput;
  }
  if (*run) return marrow::cli::run(ro);
  if (*bench_cmd) return marrow::cli::bench(bo);
  if (*sweep_cmd) return marrow::cli::sweep(so);
  if (*validate_cmd) return marrow::cli::validate(vscenario, vset);
  if (*inspect_cmd) return marrow::cli::inspect(ifile, ijson);
  if (*list_cmd) return marrow::cli::list(lwhat);
  return kBadInput;
}

}  // namespace

int main(int argc, char** argv) {
  // Under mpirun, each rank runs the same command; rank 0 speaks for all of them.
  marrow::comm::init(&argc, &argv);
  if (marrow::comm::rank() != 0) {
    const int devnull = ::open("/dev/null", O_WRONLY);
    if (devnull >= 0) {
      dup2(devnull, STDOUT_FILENO);
      dup2(devnull, STDERR_FILENO);
    }
  }
  const int rc = dispatch(argc, argv);
  marrow::comm::finalize();
  return rc;
}
