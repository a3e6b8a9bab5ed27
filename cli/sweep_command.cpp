// marrow sweep: a grid of parameter values times replicates, each run a child `marrow run`
// process (so one failing run cannot take the others down), several at a time.
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "cli/commands.hpp"
#include "io/output_target.hpp"
#include "io/run_reader.hpp"
#include "io/scenario.hpp"
#include "io/sweep_summary.hpp"

namespace marrow::cli {
namespace {

std::atomic<int> g_stop{0};
extern "C" void on_sweep_signal(int sig) { g_stop.store(sig); }

// Splits "a,b,[1,2],c" at commas outside brackets and quotes.
std::vector<std::string> split_values(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  int depth = 0;
  bool quoted = false;
  for (const char c : s) {
    if (c == '"') quoted = !quoted;
    if (!quoted && (c == '[' || c == '{')) ++depth;
    if (!quoted && (c == ']' || c == '}')) --depth;
    if (c == ',' && depth == 0 && !quoted) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

// Seed of replicate i: a function of (base seed, i) only (splitmix64).
uint64_t replicate_seed(uint64_t base, int i) {
  uint64_t z = base + 0x9E3779B97F4A7C15ull * static_cast<uint64_t>(i + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return (z ^ (z >> 31)) >> 1;  // fits a TOML integer
}

bool complete(const std::string& file) {
  if (!std::filesystem::exists(file)) return false;
  try {
    return read_summary(file).complete;
  } catch (const OutputFileError&) {
    return false;
  }
}

}  // namespace

int sweep(const SweepOptions& o) {
  if (o.replicates < 1) {
    fmt::print(stderr, "marrow: --replicates must be at least 1\n");
    return kBadInput;
  }
  // The grid: the product of every --vary.
  std::vector<std::pair<std::string, std::vector<std::string>>> axes;
  for (const auto& v : o.vary) {
    const auto eq = v.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == v.size()) {
      fmt::print(stderr, "marrow: --vary {}: expected key=v1,v2,...\n", v);
      return kBadInput;
    }
    axes.emplace_back(v.substr(0, eq), split_values(v.substr(eq + 1)));
  }
  std::vector<SweepPoint> points(1);
  for (const auto& [key, values] : axes) {
    std::vector<SweepPoint> next;
    for (const auto& p : points)
      for (const auto& val : values) {
        SweepPoint q = p;
        q.values.emplace_back(key, val);
        next.push_back(q);
      }
    points = next;
  }
  // Every point must be a valid scenario before anything runs.
  std::vector<std::vector<std::string>> point_sets;
  uint64_t base_seed = 0;
  try {
    for (const auto& p : points) {
      std::vector<std::string> set = o.set;
      if (o.days >= 0) set.push_back(fmt::format("run.days={}", o.days));
      for (const auto& [k, v] : p.values) set.push_back(k + "=" + v);
      const LoadedScenario s = load_scenario(o.scenario, set);
      base_seed = s.scenario.run.seed;
      point_sets.push_back(set);
    }
  } catch (const ScenarioError& e) {
    fmt::print(stderr, "marrow: {}\n", e.what());
    return kBadInput;
  }
  std::error_code ec;
  std::filesystem::create_directories(o.out, ec);
  if (ec) {
    fmt::print(stderr, "marrow: {}: cannot create the output folder: {}\n", o.out, ec.message());
    return kBadInput;
  }

  // The folder's run index is claimed for the whole sweep: a second sweep into the same
  // folder is refused at once instead of racing this one's runs.
  OutputTarget claim;
  try {
    claim = OutputTarget(
        o.out + "/runs.csv",
        o.scenario.empty() ? std::vector<std::string>{} : std::vector<std::string>{o.scenario},
        false, TargetKind::kText);
  } catch (const TargetError& e) {
    fmt::print(stderr, "marrow: {}\n", e.what());
    return kBadInput;
  }
  std::vector<SweepRun> runs;
  for (size_t p = 0; p < points.size(); ++p)
    for (int i = 0; i < o.replicates; ++i) {
      SweepRun r;
      r.point = static_cast<int>(p);
      r.replicate = i;
      r.seed = replicate_seed(base_seed, i);
      r.file = fmt::format("{}/p{:03d}_r{:03d}.h5", o.out, p, i);
      runs.push_back(r);
    }
  try {
    std::ostringstream index;
    index << "point,replicate,seed,file";
    for (const auto& [k, v] : axes) index << "," << k;
    index << "\n";
    for (const auto& r : runs) {
      index << r.point << "," << r.replicate << "," << r.seed << ","
            << std::filesystem::path(r.file).filename().string();
      for (const auto& [k, v] : points[r.point].values) index << "," << csv_field(v);
      index << "\n";
    }
    write_text_atomically(o.out + "/runs.csv", index.str());
  } catch (const WriteError& e) {
    fmt::print(stderr, "marrow: {}\n", e.what());
    return kFailure;
  }

  const int jobs =
      std::max(1, o.jobs > 0 ? o.jobs : static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN)));
  std::signal(SIGINT, on_sweep_signal);
  std::signal(SIGTERM, on_sweep_signal);
  std::map<pid_t, size_t> running;
  size_t next = 0, done = 0, skipped = 0;
  const bool progress = !o.quiet && isatty(STDERR_FILENO);
  auto launch = [&](size_t k) {
    SweepRun& r = runs[k];
    std::vector<std::string> args = {"marrow", "run"};
    if (!o.scenario.empty()) args.push_back(o.scenario);
    for (const auto& s : point_sets[r.point]) {
      args.push_back("--set");
      args.push_back(s);
    }
    for (const std::string& a :
         {std::string("--seed"), std::to_string(r.seed), std::string("--threads"),
          std::to_string(o.threads_per_run), std::string("--quiet"), std::string("--out"), r.file})
      args.push_back(a);
    const pid_t pid = fork();
    if (pid == 0) {
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      const int devnull = ::open("/dev/null", O_WRONLY);
      if (devnull >= 0) dup2(devnull, STDOUT_FILENO);
      execv("/proc/self/exe", argv.data());
      _exit(127);
    }
    running[pid] = k;
  };
  while ((next < runs.size() || !running.empty())) {
    while (g_stop.load() == 0 && next < runs.size() && static_cast<int>(running.size()) < jobs) {
      if (complete(runs[next].file)) {
        runs[next].ok = true;
        ++skipped;
        ++done;
        ++next;
        continue;
      }
      launch(next++);
    }
    if (running.empty()) break;
    int status = 0;
    const pid_t pid = waitpid(-1, &status, 0);
    if (pid < 0) {
      if (errno == EINTR) {
        for (const auto& [p, k] : running) kill(p, g_stop.load() ? g_stop.load() : SIGTERM);
        continue;
      }
      break;
    }
    auto it = running.find(pid);
    if (it == running.end()) continue;
    SweepRun& r = runs[it->second];
    running.erase(it);
    ++done;
    r.ok = WIFEXITED(status) && WEXITSTATUS(status) == 0 && complete(r.file);
    if (!r.ok)
      r.error = WIFEXITED(status) ? fmt::format("exit {}", WEXITSTATUS(status))
                                  : fmt::format("signal {}", WTERMSIG(status));
    if (progress)
      fmt::print(stderr, "\r\033[Ksweep: {}/{} runs done ({} already complete)", done, runs.size(),
                 skipped);
  }
  if (progress) fmt::print(stderr, "\r\033[K");
  try {
    write_sweep_summary(o.out, points, runs);
  } catch (const std::exception& e) {
    fmt::print(stderr, "marrow: writing the summary: {}\n", e.what());
    return kFailure;
  }
  int failed = 0;
  for (const auto& r : runs)
    if (!r.ok) {
      ++failed;
      if (!g_stop.load()) fmt::print(stderr, "marrow: run {} failed ({})\n", r.file, r.error);
    }
  if (g_stop.load()) {
    fmt::print(stderr, "marrow: sweep interrupted; run it again to finish the remaining runs\n");
    return 128 + g_stop.load();
  }
  if (!o.quiet)
    fmt::print(
        "marrow: sweep of {} points x {} replicates: {} completed ({} already), {} failed\n"
        "  summary {}/summary.csv and {}/summary.h5\n",
        points.size(), o.replicates, runs.size() - failed, skipped, failed, o.out, o.out);
  return failed ? kFailure : kOk;
}

}  // namespace marrow::cli
