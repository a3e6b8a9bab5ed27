#include <fmt/format.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <optional>

#include "cli/commands.hpp"
#include "core/comm.hpp"
#include "core/parallel.hpp"
#include "io/checkpoint.hpp"
#include "io/hdf5_file.hpp"
#include "io/output_target.hpp"
#include "io/run_reader.hpp"
#include "io/run_writer.hpp"
#include "io/scenario.hpp"
#include "model/simulation.hpp"

namespace marrow::cli {
namespace {

std::atomic<int> g_signal{0};  // set by the signal handler only
extern "C" void on_signal(int sig) { g_signal.store(sig); }

std::string default_out(const std::string& scenario) {
  if (scenario.empty()) return "marrow_run.h5";
  return std::filesystem::path(scenario).filename().replace_extension(".h5").string();
}

std::vector<std::string> with_cli_overrides(const RunOptions& o) {
  std::vector<std::string> set = o.set;
  if (o.seed >= 0) set.push_back(fmt::format("run.seed={}", o.seed));
  if (o.days >= 0) set.push_back(fmt::format("run.days={}", o.days));
  if (o.snapshot_every >= 0)
    set.push_back(fmt::format("run.snapshot_every_days={}", o.snapshot_every));
  return set;
}

int threads_in_use(int requested) {
  if (requested > 0) set_threads(requested);
  return threads();
}

class Progress {
 public:
  explicit Progress(bool on) : on_(on), start_(Clock::now()), last_(start_) {}
  void update(const Simulation& sim, double total_days, const Observation* o) {
    if (!on_) return;
    const auto now = Clock::now();
    if (now - last_ < std::chrono::milliseconds(250) && sim.time_days() < total_days) return;
    last_ = now;
    const double wall = std::chrono::duration<double>(now - start_).count();
    const double rate = wall > 0 ? sim.time_days() / wall : 0;
    const double eta = rate > 0 ? (total_days - sim.time_days()) / rate : 0;
    std::string counts;
    if (o) {
      for (int p = 0; p < sim.blood().pool_count(); ++p)
        counts += fmt::format(" {}={:.3g}", sim.blood().pool(p).name, o->blood[p]);
      counts = fmt::format(" agents={}{}", o->agents, counts);
    }
    fmt::print(stderr, "\r\033[Kday {:.1f}/{:.0f}{}  {:.1f} d/s  ETA {:.0f} s", sim.time_days(),
               total_days, counts, rate, eta);
  }
  void done() {
    if (on_) fmt::print(stderr, "\r\033[K");
  }

 private:
  using Clock = std::chrono::steady_clock;
  bool on_;
  Clock::time_point start_, last_;
};

void print_summary(const Simulation& sim, const Observation& o, const std::string& path,
                   double wall) {
  const LineageGraph& g = sim.scenario().graph;
  fmt::print("marrow: {} days simulated in {:.1f} s ({} preset, seed {})\n", sim.time_days(), wall,
             sim.scenario().organism.name, sim.scenario().run.seed);
  fmt::print(
      "  agents {}  {} {}  HSC in niche {:.0f} %\n", o.agents, sim.scenario().organism.hsc_type,
      o.population[g.type_index(sim.scenario().organism.hsc_type)], 100 * o.hsc_in_niche_fraction);
  fmt::print("  blood:");
  for (int p = 0; p < sim.blood().pool_count(); ++p)
    fmt::print(" {} {:.3g}", sim.blood().pool(p).name, o.blood[p]);
  fmt::print(" hemoglobin {:.3g} g/dL\n", o.hemoglobin);
  fmt::print("  output {}\n", path);
}

// Distributed: per rank, the agents it holds, what it exchanged and its peak memory (collective).
void print_ranks(const Simulation& sim) {
  if (comm::size() == 1) return;
  const comm::Traffic t = comm::traffic();
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  const std::vector<double> mine = {static_cast<double>(sim.agents_here()),
                                    static_cast<double>(t.calls),
                                    static_cast<double>(t.sent),
                                    static_cast<double>(t.received),
                                    t.seconds,
                                    static_cast<double>(u.ru_maxrss) * 1024.0};
  const std::vector<double> all = comm::root_gather(mine);
  const double steps = std::max<double>(1.0, static_cast<double>(sim.steps_done()));
  for (size_t r = 0; r * mine.size() < all.size(); ++r) {
    const double* v = all.data() + r * mine.size();
    fmt::print(
        "  rank {}: {:.0f} agents; per step {:.1f} exchanges, {:.0f} B sent, {:.0f} B received; "
        "{:.1f} s in exchanges; peak memory {:.0f} MB\n",
        r, v[0], v[1] / steps, v[2] / steps, v[3] / steps, v[4], v[5] / 1e6);
  }
}

}  // namespace

int run(const RunOptions& o) {
  // Signals are honoured from here on, in every phase: loading, spin-up, recorded time. In a
  // distributed run the ranks stop together: at the first step where any of them has one.
  g_signal.store(0);
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  int signalled = 0;
  const auto stop = [&] {
    signalled = comm::max(g_signal.load());
    return signalled != 0;
  };
  const bool root = comm::root();
  std::unique_ptr<Simulation> sim;
  LoadedScenario loaded;
  std::optional<Checkpoint> checkpoint;
  std::vector<Observation> history;
  OutputTarget target;
  std::string out;
  const auto setup = [&]() -> int {
    try {
      std::vector<std::string> inputs;
      if (!o.restart.empty()) {
        if (!o.scenario.empty())
          throw ScenarioError("--restart takes its scenario from the file; give no SCENARIO");
        checkpoint = read_checkpoint(o.restart);
        inputs.push_back(checkpoint->file);
        loaded = load_scenario_text(checkpoint->scenario_toml,
                                    checkpoint->file + " (stored scenario)", with_cli_overrides(o));
      } else {
        loaded = load_scenario(o.scenario, with_cli_overrides(o));
        if (!o.scenario.empty()) inputs.push_back(o.scenario);
      }
      for (const std::string& w : loaded.warnings) fmt::print(stderr, "marrow: warning: {}\n", w);
      for (const std::string& f : loaded.inputs) inputs.push_back(f);
      out = !o.out.empty() ? o.out
            : checkpoint ? std::filesystem::path(checkpoint->file).stem().string() + "_continued.h5"
                         : default_out(o.scenario);
      // The output is claimed before any simulation: a bad or busy target costs nothing. Rank 0
      // alone writes it.
      if (root) target = OutputTarget(out, inputs, true);
      sim = std::make_unique<Simulation>(loaded.scenario);
      if (checkpoint) {
        sim->restore(checkpoint->step, checkpoint->origin_step, checkpoint->agents(sim->lattice()),
                     checkpoint->blood_state, checkpoint->fields_for(*sim));
        if (checkpoint->spin_up_steps_done >= 0) {
          sim->restore_spin_up(checkpoint->spin_up_steps_done, checkpoint->spin_up_handoff_sums);
        } else {
          // The history up to the snapshot, from exactly the file named.
          history = read_rows(checkpoint->file, *sim, checkpoint->time_days);
          // The last daily egress is part of the state the history row of the snapshot recorded.
          if (!history.empty() && history.back().time_days == checkpoint->time_days) {
            sim->set_egress_counts(history.back().egressed, history.back().homed);
            sim->set_transfusions(history.back().platelet_units, history.back().rbc_units);
          }
        }
      }
    } catch (const TargetError& e) {
      fmt::print(stderr, "marrow: {}\n", e.what());
      return kBadInput;
    } catch (const OutputFileError& e) {
      fmt::print(stderr, "marrow: {}\n", e.what());
      return kBadInput;
    } catch (const ScenarioError& e) {
      fmt::print(stderr, "marrow: {}\n", e.what());
      return kBadInput;
    } catch (const std::invalid_argument& e) {
      const std::string what = !o.restart.empty()   ? o.restart
                               : o.scenario.empty() ? std::string("default scenario")
                                                    : o.scenario;
      fmt::print(stderr, "marrow: {}: {}\n", what, e.what());
      return kBadInput;
    }
    return kOk;
  };
  // Every rank sets up the same way; a target only rank 0 claims may fail there alone.
  if (const int rc = comm::max(setup()); rc != kOk) return rc;
  if (stop()) {
    fmt::print(stderr, "marrow: interrupted before the run started; nothing written\n");
    return 128 + signalled;
  }
  const int threads = threads_in_use(o.threads);
  // A write that fails on rank 0 ends every rank.
  const auto failed = [](int rc) {
    if (comm::size() > 1) comm::abort(rc);
    return rc;
  };
  try {
    const RunConfig& rc = loaded.scenario.run;
    // Recorded time runs from the start day (before 0 with pre-graft conditioning) to run.days.
    const int64_t total = sim->steps_until(rc.days);
    const int64_t every = std::max<int64_t>(1, std::llround(rc.output_every_hours / rc.dt_hours));
    const int64_t snap_every =
        rc.snapshot_every_days > 0
            ? std::max<int64_t>(1, std::llround(rc.snapshot_every_days * 24.0 / rc.dt_hours))
            : 0;
    // Every rank writes the file (rank 0 holds the target).
    std::optional<RunWriter> writer;
    writer.emplace(std::move(target), *sim, loaded,
                   Provenance{o.command_line, now_iso8601(), threads});
    // The time of the last row recorded, known to every rank.
    std::optional<double> last_row;
    const auto record = [&](const Observation& row) {
      if (writer) writer->record(row);
      last_row = row.time_days;
    };
    const auto snapshot = [&] { writer->snapshot(*sim); };
    Progress progress(!o.quiet && isatty(STDERR_FILENO));
    const auto start = std::chrono::steady_clock::now();
    Observation last;
    bool spun = true;
    if (checkpoint && checkpoint->spin_up_steps_done < 0) {
      // The new file carries the history up to the snapshot, then continues it.
      if (writer) writer->prepend(history);
      if (!history.empty()) last_row = history.back().time_days;
      last = sim->observe();
      if (!last_row || *last_row != last.time_days) record(last);
    } else {
      spun = sim->spin_up(stop);
      if (spun) {
        last = sim->observe();
        record(last);
      }
    }
    while (spun && sim->elapsed_steps() < total && !stop()) {
      sim->step();
      const int64_t s = sim->elapsed_steps();
      const bool at_output = s % every == 0 || s == total;
      if (at_output) {
        last = sim->observe();
        record(last);
      }
      if (snap_every && s % snap_every == 0 && s < total) snapshot();
      if (at_output) progress.update(*sim, rc.days, &last);
    }
    progress.done();
    const int sig = signalled;
    if (spun && sig != 0 && (!last_row || *last_row != sim->time_days())) {
      last = sim->observe();
      record(last);
    }
    snapshot();
    const std::string interrupted = sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "";
    const std::string written = writer ? writer->finish(sig == 0, interrupted) : out;
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (sig != 0) {
      if (!spun)
        fmt::print(stderr,
                   "marrow: interrupted during the spin-up ({} of {} days); state saved in {} "
                   "(--restart {} continues the spin-up)\n",
                   std::floor(static_cast<double>(sim->spin_up_steps_done()) * rc.dt_hours / 24.0),
                   rc.spin_up_days, written, written);
      else
        fmt::print(stderr, "marrow: interrupted at day {:.2f}; state saved in {}{}\n",
                   sim->time_days(), written,
                   written != out ? fmt::format(" ({} exists and was kept)", out) : "");
      return 128 + sig;
    }
    if (!o.quiet) {
      print_summary(*sim, last, written, wall);
      print_ranks(*sim);
    }
    return kOk;
  } catch (const TargetError& e) {
    fmt::print(stderr, "marrow: {}\n", e.what());
    return failed(kBadInput);
  } catch (const h5::Error& e) {
    fmt::print(stderr, "marrow: {}; nothing written under {}\n", e.what(), out);
    return failed(kFailure);
  } catch (const WriteError& e) {
    fmt::print(stderr, "marrow: {}\n", e.what());
    return failed(kFailure);
  }
}

int validate(const std::string& scenario, const std::vector<std::string>& set) {
  try {
    const LoadedScenario loaded = load_scenario(scenario, set);
    for (const std::string& w : loaded.warnings) fmt::print(stderr, "marrow: warning: {}\n", w);
    Simulation probe(loaded.scenario);  // geometry and initial placement must work too
    fmt::print("# {} resolved: preset {}; {} agents at start, represented fraction {:.4g}\n",
               scenario.empty() ? "default scenario" : scenario, loaded.preset,
               probe.observe().agents, probe.represented_fraction());
    std::cout << loaded.resolved_toml;
    return kOk;
  } catch (const ScenarioError& e) {
    fmt::print(stderr, "marrow: {}\n", e.what());
  } catch (const std::invalid_argument& e) {
    fmt::print(stderr, "marrow: {}: {}\n", scenario.empty() ? "default scenario" : scenario,
               e.what());
  }
  return kBadInput;
}

}  // namespace marrow::cli
