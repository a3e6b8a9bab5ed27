// marrow sweep: a grid of parameter values times replicates. Each run is a `marrow run` of its
// own: a child process here (so one failing run cannot take the others down), several at a
// time, or one task of a Slurm job array; `--collect` summarises what finished.
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

// A sweep laid out: the grid, each point's overrides, and every run with its seed and file.
struct Plan {
  std::vector<std::pair<std::string, std::vector<std::string>>> axes;
  std::vector<SweepPoint> points;
  std::vector<std::vector<std::string>> point_sets;  // --set overrides of each point
  std::vector<SweepRun> runs;                        // point-major, replicate-minor
};

std::string run_file(const std::string& dir, size_t point, int replicate) {
  return fmt::format("{}/p{:03d}_r{:03d}.h5", dir, point, replicate);
}

// The command line of run k: `exe run [scenario] --set ... --seed S --threads T --quiet --out F`.
std::vector<std::string> run_arguments(const SweepOptions& o, const Plan& plan, size_t k,
                                       const std::string& exe, const std::string& scenario,
                                       const std::string& file) {
  const SweepRun& r = plan.runs[k];
  std::vector<std::string> args = {exe, "run"};
  if (!scenario.empty()) args.push_back(scenario);
  for (const auto& s : plan.point_sets[r.point]) {
    args.push_back("--set");
    args.push_back(s);
  }
  for (const std::string& a :
       {std::string("--seed"), std::to_string(r.seed), std::string("--threads"),
        std::to_string(o.threads_per_run), std::string("--quiet"), std::string("--out"), file})
    args.push_back(a);
  return args;
}

// The grid and its runs; every point must be a valid scenario before anything runs.
int plan_sweep(const SweepOptions& o, Plan& plan) {
  if (o.replicates < 1) {
    fmt::print(stderr, "marrow: --replicates must be at least 1\n");
    return kBadInput;
  }
  for (const auto& v : o.vary) {
    const auto eq = v.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == v.size()) {
      fmt::print(stderr, "marrow: --vary {}: expected key=v1,v2,...\n", v);
      return kBadInput;
    }
    plan.axes.emplace_back(v.substr(0, eq), split_values(v.substr(eq + 1)));
  }
  plan.points.assign(1, {});
  for (const auto& [key, values] : plan.axes) {
    std::vector<SweepPoint> next;
    for (const auto& p : plan.points)
      for (const auto& val : values) {
        SweepPoint q = p;
        q.values.emplace_back(key, val);
        next.push_back(q);
      }
    plan.points = next;
  }
  uint64_t base_seed = 0;
  try {
    for (const auto& p : plan.points) {
      std::vector<std::string> set = o.set;
      if (o.days >= 0) set.push_back(fmt::format("run.days={}", o.days));
      for (const auto& [k, v] : p.values) set.push_back(k + "=" + v);
      const LoadedScenario s = load_scenario(o.scenario, set);
      base_seed = s.scenario.run.seed;
      plan.point_sets.push_back(set);
    }
  } catch (const ScenarioError& e) {
    fmt::print(stderr, "marrow: {}\n", e.what());
    return kBadInput;
  }
  for (size_t p = 0; p < plan.points.size(); ++p)
    for (int i = 0; i < o.replicates; ++i) {
      SweepRun r;
      r.point = static_cast<int>(p);
      r.replicate = i;
      r.seed = replicate_seed(base_seed, i);
      r.file = run_file(o.out, p, i);
      plan.runs.push_back(r);
    }
  return kOk;
}

// DIR/runs.csv: point, replicate, seed, file and the varied values, one row per run.
void write_run_index(const std::string& dir, const Plan& plan) {
  std::ostringstream index;
  index << "point,replicate,seed,file";
  for (const auto& [k, v] : plan.axes) index << "," << csv_field(k);
  index << "\n";
  for (const auto& r : plan.runs) {
    index << r.point << "," << r.replicate << "," << r.seed << ","
          << std::filesystem::path(r.file).filename().string();
    for (const auto& [k, v] : plan.points[r.point].values) index << "," << csv_field(v);
    index << "\n";
  }
  write_text_atomically(dir + "/runs.csv", index.str());
}

// One CSV record (RFC 4180 quoting, as csv_field writes it).
std::vector<std::string> parse_csv_line(const std::string& line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        out.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        out.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.emplace_back();
    } else {
      out.back() += c;
    }
  }
  return out;
}

// The plan of a sweep folder, read back from its runs.csv; files are named under `dir`.
int read_run_index(const std::string& dir, Plan& plan) {
  const std::string path = dir + "/runs.csv";
  std::ifstream in(path);
  if (!in) {
    fmt::print(stderr, "marrow: {}: cannot read it; --collect needs a sweep folder\n", path);
    return kBadInput;
  }
  std::string line;
  std::getline(in, line);
  const std::vector<std::string> header = parse_csv_line(line);
  if (header.size() < 4 || header[0] != "point" || header[1] != "replicate" ||
      header[2] != "seed" || header[3] != "file") {
    fmt::print(stderr, "marrow: {}:1: expected the header point,replicate,seed,file,...\n", path);
    return kBadInput;
  }
  for (size_t k = 4; k < header.size(); ++k)
    plan.axes.emplace_back(header[k], std::vector<std::string>{});
  int lineno = 1;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.empty()) continue;
    const std::vector<std::string> f = parse_csv_line(line);
    SweepRun r;
    try {
      if (f.size() != header.size()) throw std::invalid_argument("field count");
      size_t used = 0;
      r.point = std::stoi(f[0], &used);
      if (used != f[0].size() || r.point < 0) throw std::invalid_argument("point");
      r.replicate = std::stoi(f[1], &used);
      if (used != f[1].size() || r.replicate < 0) throw std::invalid_argument("replicate");
      r.seed = std::stoull(f[2], &used);
      if (used != f[2].size()) throw std::invalid_argument("seed");
    } catch (const std::exception&) {
      fmt::print(stderr,
                 "marrow: {}:{}: expected {} fields: point, replicate and seed as integers, the "
                 "file and the varied values\n",
                 path, lineno, header.size());
      return kBadInput;
    }
    if (f[3].find('/') != std::string::npos) {
      fmt::print(stderr, "marrow: {}:{}: file: expected a name inside the folder, got {}\n", path,
                 lineno, f[3]);
      return kBadInput;
    }
    r.file = dir + "/" + f[3];
    if (static_cast<size_t>(r.point) >= plan.points.size()) {
      plan.points.resize(r.point + 1);
      plan.points[r.point].values.clear();
      for (size_t k = 4; k < f.size(); ++k)
        plan.points[r.point].values.emplace_back(header[k], f[k]);
    }
    plan.runs.push_back(r);
  }
  if (plan.runs.empty()) {
    fmt::print(stderr, "marrow: {}: no runs listed\n", path);
    return kBadInput;
  }
  return kOk;
}

// Writes the summaries of whichever runs completed and reports the failed ones.
int summarise(const std::string& dir, const Plan& plan, bool quiet, size_t skipped, bool stopped) {
  try {
    write_sweep_summary(dir, plan.points, plan.runs);
  } catch (const std::exception& e) {
    fmt::print(stderr, "marrow: writing the summary: {}\n", e.what());
    return kFailure;
  }
  size_t failed = 0;
  for (const auto& r : plan.runs)
    if (!r.ok) {
      ++failed;
      if (!stopped) fmt::print(stderr, "marrow: run {} failed ({})\n", r.file, r.error);
    }
  if (stopped) return kOk;
  if (!quiet)
    fmt::print(
        "marrow: sweep of {} points x {} replicates: {} completed ({} already), {} failed\n"
        "  summary {}/summary.csv and {}/summary.h5\n",
        plan.points.size(), plan.runs.size() / plan.points.size(), plan.runs.size() - failed,
        skipped, failed, dir, dir);
  return failed ? kFailure : kOk;
}

// The runs as child processes, `jobs` at a time; SIGINT/SIGTERM stop them and the sweep.
int run_local(const SweepOptions& o, Plan& plan) {
  auto& runs = plan.runs;
  const int jobs =
      std::max(1, o.jobs > 0 ? o.jobs : static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN)));
  std::signal(SIGINT, on_sweep_signal);
  std::signal(SIGTERM, on_sweep_signal);
  std::map<pid_t, size_t> running;
  size_t next = 0, done = 0, skipped = 0;
  const bool progress = !o.quiet && isatty(STDERR_FILENO);
  auto launch = [&](size_t k) {
    const std::vector<std::string> args =
        run_arguments(o, plan, k, "marrow", o.scenario, runs[k].file);
    const pid_t pid = fork();
    if (pid == 0) {
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
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
  const int rc = summarise(o.out, plan, o.quiet, skipped, g_stop.load() != 0);
  if (g_stop.load()) {
    fmt::print(stderr, "marrow: sweep interrupted; run it again to finish the remaining runs\n");
    return 128 + g_stop.load();
  }
  return rc;
}

// A word for a shell script, single-quoted.
std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (const char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// "0-2,5,7-9": Slurm's --array list of sorted task ids.
std::string array_ranges(const std::vector<size_t>& ids) {
  std::string out;
  for (size_t i = 0; i < ids.size();) {
    size_t j = i;
    while (j + 1 < ids.size() && ids[j + 1] == ids[j] + 1) ++j;
    if (!out.empty()) out += ",";
    out += j == i ? fmt::format("{}", ids[i]) : fmt::format("{}-{}", ids[i], ids[j]);
    i = j + 1;
  }
  return out;
}

// Runs a program (searched on PATH) and returns its exit status and standard output; its
// standard error goes to ours unless `quiet`.
std::pair<int, std::string> capture(const std::vector<std::string>& args, bool quiet = false) {
  int fd[2];
  if (pipe(fd) != 0) return {-1, ""};
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(fd[1], STDOUT_FILENO);
    if (quiet) {
      const int devnull = ::open("/dev/null", O_WRONLY);
      if (devnull >= 0) dup2(devnull, STDERR_FILENO);
    }
    ::close(fd[0]);
    ::close(fd[1]);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execvp(argv[0], argv.data());
    _exit(127);
  }
  ::close(fd[1]);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
    if (n > 0) out.append(buf, static_cast<size_t>(n));
  ::close(fd[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), out};
}

std::string absolute(const std::string& p) {
  return std::filesystem::absolute(p).lexically_normal().string();
}

// The incomplete runs as one Slurm job array: DIR/slurm/sweep.sbatch, task k = run k of
// runs.csv. A folder whose previous array is still queued or running is refused.
int submit_slurm(const SweepOptions& o, Plan& plan) {
  const std::string sdir = o.out + "/slurm";
  std::error_code ec;
  std::filesystem::create_directories(sdir, ec);
  if (ec) {
    fmt::print(stderr, "marrow: {}: cannot create it: {}\n", sdir, ec.message());
    return kBadInput;
  }
  std::string previous;
  if (std::ifstream(sdir + "/job_id") >> previous) {
    const auto [rc, queued] = capture({"squeue", "-h", "-o", "%i", "-j", previous}, true);
    if (rc == 0 && queued.find_first_not_of(" \n") != std::string::npos) {
      fmt::print(stderr,
                 "marrow: {}: this sweep's Slurm job {} is still queued or running; wait for it "
                 "(squeue -j {}) or cancel it (scancel {})\n",
                 o.out, previous, previous, previous);
      return kBadInput;
    }
  }
  std::vector<size_t> todo;
  size_t skipped = 0;
  for (size_t k = 0; k < plan.runs.size(); ++k) {
    if (complete(plan.runs[k].file)) {
      plan.runs[k].ok = true;
      ++skipped;
    } else {
      todo.push_back(k);
    }
  }
  if (todo.empty()) {
    if (!o.quiet) fmt::print("marrow: all {} runs are complete; nothing to submit\n", skipped);
    return summarise(o.out, plan, o.quiet, skipped, false);
  }
  // The script names everything by absolute path: tasks start in Slurm's working folder.
  char self[4096];
  const ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
  if (len <= 0) {
    fmt::print(stderr, "marrow: cannot locate the marrow program (/proc/self/exe)\n");
    return kFailure;
  }
  const std::string exe(self, static_cast<size_t>(len));
  const int cpus = std::max(1, o.threads_per_run);
  std::ostringstream sh;
  sh << "#!/bin/bash\n"
     << "# marrow sweep of " << plan.points.size() << " points x " << o.replicates
     << " replicates as a Slurm job array: task k is run k of runs.csv, run by the line below.\n"
     << "#SBATCH --job-name=marrow-sweep\n"
     << "#SBATCH --array=" << array_ranges(todo)
     << (o.jobs > 0 ? fmt::format("%{}", o.jobs) : std::string()) << "\n"
     << "#SBATCH --ntasks=1\n"
     << "#SBATCH --cpus-per-task=" << cpus << "\n"
     << "#SBATCH --output=" << absolute(sdir) << "/%A_%a.log\n";
  for (const auto& opt : o.slurm_options) sh << "#SBATCH " << opt << "\n";
  sh << "set -eu\ncase \"$SLURM_ARRAY_TASK_ID\" in\n";
  const std::string scenario = o.scenario.empty() ? o.scenario : absolute(o.scenario);
  for (const size_t k : todo) {
    std::string line;
    for (const auto& a : run_arguments(o, plan, k, exe, scenario, absolute(plan.runs[k].file))) {
      if (!line.empty()) line += ' ';
      line += shell_quote(a);
    }
    sh << "  " << k << ") exec " << line << " ;;\n";
  }
  sh << "  *) echo \"marrow sweep: no run $SLURM_ARRAY_TASK_ID\" >&2; exit 2 ;;\nesac\n";
  const std::string script = sdir + "/sweep.sbatch";
  try {
    write_text_atomically(script, sh.str());
  } catch (const WriteError& e) {
    fmt::print(stderr, "marrow: {}\n", e.what());
    return kFailure;
  }
  std::vector<std::string> sbatch = {"sbatch", "--parsable"};
  if (o.wait) sbatch.emplace_back("--wait");
  sbatch.push_back(script);
  const auto [rc, out] = capture(sbatch);
  const std::string job = out.substr(0, out.find_first_of(";\n"));
  if (job.empty()) {
    fmt::print(stderr, "marrow: sbatch {} failed ({}); is Slurm installed and running?\n", script,
               rc == 127 ? "sbatch not found" : fmt::format("exit {}", rc));
    return kFailure;
  }
  write_text_atomically(sdir + "/job_id", job + "\n");
  if (!o.quiet)
    fmt::print("marrow: submitted Slurm job array {}: {} runs ({} already complete), script {}\n",
               job, todo.size(), skipped, script);
  if (o.wait) {
    for (const size_t k : todo) plan.runs[k].ok = complete(plan.runs[k].file);
    for (auto& r : plan.runs)
      if (!r.ok) r.error = "did not complete; see its log in " + sdir;
    return summarise(o.out, plan, o.quiet, skipped, false);
  }
  if (!o.quiet)
    fmt::print(
        "  when it has ended: marrow sweep --collect {}  (a re-submission runs only what "
        "is missing)\n",
        o.out);
  return kOk;
}

int collect(const SweepOptions& o) {
  Plan plan;
  if (const int rc = read_run_index(o.collect, plan); rc != kOk) return rc;
  for (auto& r : plan.runs) {
    r.ok = complete(r.file);
    if (!r.ok) r.error = std::filesystem::exists(r.file) ? "incomplete" : "missing";
  }
  return summarise(o.collect, plan, o.quiet, 0, false);
}

}  // namespace

int sweep(const SweepOptions& o) {
  if (!o.collect.empty()) {
    if (!o.out.empty() || !o.vary.empty() || !o.scenario.empty()) {
      fmt::print(stderr, "marrow: --collect DIR takes no scenario, --vary or --out\n");
      return kBadInput;
    }
    return collect(o);
  }
  if (o.out.empty()) {
    fmt::print(stderr, "marrow: sweep: --out DIR is required\n");
    return kBadInput;
  }
  if (o.wait && o.scheduler != "slurm") {
    fmt::print(stderr, "marrow: --wait goes with --scheduler slurm\n");
    return kBadInput;
  }
  if (!o.slurm_options.empty() && o.scheduler != "slurm") {
    fmt::print(stderr, "marrow: --slurm-option goes with --scheduler slurm\n");
    return kBadInput;
  }
  Plan plan;
  if (const int rc = plan_sweep(o, plan); rc != kOk) return rc;
  std::error_code ec;
  std::filesystem::create_directories(o.out, ec);
  if (ec) {
    fmt::print(stderr, "marrow: {}: cannot create the output folder: {}\n", o.out, ec.message());
    return kBadInput;
  }
  // The folder's run index is claimed while this process works on the folder: a second sweep
  // into it is refused at once instead of racing this one's runs.
  OutputTarget claim;
  try {
    claim = OutputTarget(
        o.out + "/runs.csv",
        o.scenario.empty() ? std::vector<std::string>{} : std::vector<std::string>{o.scenario},
        false, TargetKind::kText);
    write_run_index(o.out, plan);
  } catch (const TargetError& e) {
    fmt::print(stderr, "marrow: {}\n", e.what());
    return kBadInput;
  } catch (const WriteError& e) {
    fmt::print(stderr, "marrow: {}\n", e.what());
    return kFailure;
  }
  return o.scheduler == "slurm" ? submit_slurm(o, plan) : run_local(o, plan);
}

}  // namespace marrow::cli
