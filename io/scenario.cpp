#include "io/scenario.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <sstream>
#include <system_error>

#include "io/hdf5_file.hpp"
#include "io/library.hpp"
#include "io/presets.hpp"

namespace marrow {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kPerDay = 1.0 / 24.0;

toml::table parse_text(const std::string& text, const std::string& label) {
  if (const auto bad = check_toml_shape(text))
    throw ScenarioError(fmt::format("{}:{}: {}", label, bad->line, bad->message));
  try {
    return toml::parse(text, std::string_view(label));
  } catch (const toml::parse_error& e) {
    throw ScenarioError(
        fmt::format("{}:{}: not valid TOML: {}", label, e.source().begin.line, e.description()));
  }
}

// An override as messages quote it: a very long one by its start and its length.
std::string override_label(const std::string& assignment) {
  constexpr size_t kShown = 60;
  const bool long_one = assignment.size() > kShown + 20;
  std::string shown;
  for (const char c : std::string_view(assignment).substr(0, long_one ? kShown : assignment.size()))
    shown += c == '\n' ? std::string("\\n") : std::string(1, c);
  if (!long_one) return "--set " + shown;
  return fmt::format("--set {}... ({} characters)", shown, assignment.size());
}

// "a.b.c=value" as a one-key document; a value that is not TOML is taken as a string.
toml::table parse_override(const std::string& assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    throw ScenarioError(fmt::format("{}: expected key=value", override_label(assignment)));
  const std::string key = assignment.substr(0, eq), value = assignment.substr(eq + 1);
  const std::string label = "--set " + assignment;
  // Each text goes to the parser only within the bounds on keys and nesting.
  auto checked = [&](const std::string& text) {
    if (const auto bad = check_toml_shape(text))
      throw ScenarioError(
          fmt::format("{}: line {}: {}", override_label(assignment), bad->line, bad->message));
    return text;
  };
  try {
    return toml::parse(checked(fmt::format("{} = {}", key, value)), std::string_view(label));
  } catch (const toml::parse_error&) {
  }
  try {
    return toml::parse(checked(fmt::format("{} = \"{}\"", key, value)), std::string_view(label));
  } catch (const toml::parse_error& e) {
    throw ScenarioError(
        fmt::format("{}: cannot read the key: {}", override_label(assignment), e.description()));
  }
}

std::string errno_text(int err) { return std::generic_category().message(err); }

// What a file that is not a regular one is, from its mode.
std::string kind_of_mode(mode_t mode) {
  if (S_ISDIR(mode)) return "is a directory";
  if (S_ISCHR(mode)) return "is a character device";
  if (S_ISBLK(mode)) return "is a block device";
  if (S_ISFIFO(mode)) return "is a FIFO (named pipe)";
  if (S_ISSOCK(mode)) return "is a socket";
  return "is not a regular file";
}

// A file opened for reading only when it is a regular file. Anything else is refused by its type
// before it is opened (opening a FIFO would wait for a writer, a device may never end), and again
// on the open descriptor in case the path changed in between.
class RegularFile {
 public:
  explicit RegularFile(const std::string& path) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::file_status st = fs::status(path, ec);
    if (st.type() == fs::file_type::not_found) {
      error_ = "does not exist";
      return;
    }
    if (ec) {
      error_ = fmt::format("cannot be accessed ({})", ec.message());
      return;
    }
    if (st.type() != fs::file_type::regular) {
      error_ = st.type() == fs::file_type::directory   ? "is a directory"
               : st.type() == fs::file_type::character ? "is a character device"
               : st.type() == fs::file_type::block     ? "is a block device"
               : st.type() == fs::file_type::fifo      ? "is a FIFO (named pipe)"
               : st.type() == fs::file_type::socket    ? "is a socket"
                                                       : "is not a regular file";
      return;
    }
    fd_ = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd_ < 0) {
      error_ = fmt::format("cannot be opened ({})", errno_text(errno));
      return;
    }
    struct stat info;
    if (::fstat(fd_, &info) != 0) {
      error_ = fmt::format("cannot be read ({})", errno_text(errno));
      return;
    }
    if (!S_ISREG(info.st_mode)) {
      error_ = kind_of_mode(info.st_mode);
      return;
    }
    size_ = static_cast<uint64_t>(info.st_size);
  }
  ~RegularFile() {
    if (fd_ >= 0) ::close(fd_);
  }
  RegularFile(const RegularFile&) = delete;
  RegularFile& operator=(const RegularFile&) = delete;

  // Empty when the file is open; else what is wrong, e.g. "is a directory".
  const std::string& error() const { return error_; }
  bool ok() const { return error_.empty(); }
  uint64_t size() const { return size_; }  // as the file system reports it

  // Up to `n` bytes into `out`: how many were read before the end of the file, or -1 on an error.
  int64_t read(char* out, size_t n) {
    size_t got = 0;
    while (got < n) {
      const ssize_t r = ::read(fd_, out + got, n - got);
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) {
        error_ = fmt::format("cannot be read ({})", errno_text(errno));
        return -1;
      }
      if (r == 0) break;
      got += static_cast<size_t>(r);
    }
    return static_cast<int64_t>(got);
  }
  // The rest of the file, or nothing on an error.
  std::optional<std::string> read_all() {
    std::string text;
    std::array<char, 1 << 16> chunk;
    for (;;) {
      const int64_t r = read(chunk.data(), chunk.size());
      if (r < 0) return std::nullopt;
      text.append(chunk.data(), static_cast<size_t>(r));
      if (static_cast<size_t>(r) < chunk.size()) return text;
    }
  }

 private:
  int fd_ = -1;
  std::string error_;
  uint64_t size_ = 0;
};

// Memory a simulation of `sc` allocates, roughly, in bytes: per lattice site its occupancy,
// geometry and placement lists (~16 B), and per signal field its values and solver lists (8 B);
// per spatial block its columns and bookkeeping (~512 B) and an empty vector per bucket of its
// event calendar (24 B); per initial agent its columns and calendar entry (~40 B; at most half
// of the sites hold one). Measured on 2D lattices of 9e6 and 1e8 sites.
struct MemoryNeed {
  double sites = 0, blocks = 0, agents = 0;
  double total() const { return sites + blocks + agents; }
};
MemoryNeed memory_need(const Scenario& sc) {
  const LatticeConfig& l = sc.lattice;
  const double sites = (l.nx + 2.0) * (l.ny + 2.0) * (l.nz > 1 ? l.nz + 2.0 : 1.0);
  auto blocks = [&](int n) { return std::ceil(static_cast<double>(n) / l.block); };
  double agents = 0;
  for (const CellType& t : sc.graph.types()) agents += static_cast<double>(t.initial);
  // A block's calendar counts the entries of each bucket, and each bucket has a bit per slot.
  return {sites * (16.0 + 8.0 * static_cast<double>(sc.fields.size())),
          blocks(l.nx) * blocks(l.ny) * blocks(l.nz) * (512.0 + 4.0 * l.calendar_window),
          std::min(agents, sites / 2) * (40.0 + l.calendar_window / 8.0)};
}
constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;
constexpr double kMaxMemory = 4 * kGiB;

TypeRates read_rates(Section& s, const TypeRates* base) {
  TypeRates r;
  auto rate = [&](const char* key, double fallback) {
    return (base ? s.number_or(key, fallback, 0, kInf) : s.number_or(key, 0.0, 0, kInf)) * kPerDay;
  };
  r.division = base ? rate("division_per_day", base->division / kPerDay)
                    : s.number("division_per_day", 0, kInf) * kPerDay;
  r.death = rate("death_per_day", base ? base->death / kPerDay : 0);
  r.quiescence_entry =
      rate("quiescence_entry_per_day", base ? base->quiescence_entry / kPerDay : 0);
  r.quiescence_exit = rate("quiescence_exit_per_day", base ? base->quiescence_exit / kPerDay : 0);
  r.migration = rate("migration_per_day", base ? base->migration / kPerDay : 0);
  r.chemotaxis = base ? s.number_or("chemotaxis", base->chemotaxis, -1e6, 1e6)
                      : s.number_or("chemotaxis", 0, -1e6, 1e6);
  auto prob = [&](const char* key, double fallback) {
    return base ? s.number_or(key, fallback, 0, 1) : s.number(key, 0, 1);
  };
  r.fate.self_renewal = prob("self_renewal", base ? base->fate.self_renewal : 0);
  r.fate.asymmetric = prob("asymmetric", base ? base->fate.asymmetric : 0);
  r.fate.differentiation = prob("differentiation", base ? base->fate.differentiation : 0);
  const double sum = r.fate.self_renewal + r.fate.asymmetric + r.fate.differentiation;
  if (std::abs(sum - 1.0) > 1e-9)
    s.fail_any({"self_renewal", "asymmetric", "differentiation"},
               fmt::format("self_renewal + asymmetric + differentiation must be 1, is {}", sum));
  return r;
}

// A user-segmented label volume: uint8 labels from an HDF5 dataset ([Z][Y][X] or [Y][X]) or a
// raw file of `labels_dims` = [nx, ny] or [nx, ny, nz] bytes (x fastest), mapped to site kinds
// by `labels = { marrow = L, bone = L, sinusoid = L, arteriole = L }`.
void read_labels(Section& s, Scenario& sc) {
  const std::string file = s.text("labels_file");
  sc.geometry.imported_from = file;
  const LatticeConfig& l = sc.lattice;
  const size_t n = static_cast<size_t>(l.nx) * l.ny * l.nz;
  std::vector<uint8_t> raw;
  if (s.has("labels_dataset")) {
    const std::string name = s.text("labels_dataset");
    // HDF5 opens the path itself: refuse what is not a regular file before it does.
    if (const RegularFile probe(file); !probe.ok())
      s.fail("labels_file", fmt::format("{} {}, expected an HDF5 file holding the dataset '{}'",
                                        file, probe.error(), name));
    std::vector<hsize_t> dims;
    try {
      h5::Handle f = h5::open_file(file);
      raw = h5::read<uint8_t>(f, name, &dims);
    } catch (const std::exception& e) {
      s.fail("labels_file",
             fmt::format("cannot read dataset '{}' from {}: {}", name, file, e.what()));
    }
    std::vector<hsize_t> want = {static_cast<hsize_t>(l.nz), static_cast<hsize_t>(l.ny),
                                 static_cast<hsize_t>(l.nx)};
    if (dims.size() == 2) want.erase(want.begin());
    if (dims != want)
      s.fail("labels_dataset",
             fmt::format("{}:{} has shape [{}], the lattice needs [{}] ([z][y][x])", file, name,
                         fmt::join(dims, ", "), fmt::join(want, ", ")));
  } else {
    const auto dims = s.integers("labels_dims", 2, 3, 1, 100000);
    const int64_t nz = dims.size() == 3 ? dims[2] : 1;
    if (dims[0] != l.nx || dims[1] != l.ny || nz != l.nz)
      s.fail("labels_dims",
             fmt::format("[{}] does not match lattice.size [{}, {}{}]", fmt::join(dims, ", "), l.nx,
                         l.ny, l.nz > 1 ? fmt::format(", {}", l.nz) : ""));
    RegularFile in(file);
    if (!in.ok())
      s.fail("labels_file", fmt::format("{} {}, expected a regular file of {} bytes (labels_dims "
                                        "[{}])",
                                        file, in.error(), n, fmt::join(dims, ", ")));
    if (in.size() != n)
      s.fail("labels_file",
             fmt::format("{} holds {} bytes, labels_dims needs exactly {}", file, in.size(), n));
    raw.resize(n);
    char extra = 0;
    const int64_t got = in.read(reinterpret_cast<char*>(raw.data()), n);
    const int64_t more = got == static_cast<int64_t>(n) ? in.read(&extra, 1) : 0;
    if (got < 0 || more < 0) s.fail("labels_file", fmt::format("{} {}", file, in.error()));
    if (got != static_cast<int64_t>(n) || more != 0)
      s.fail("labels_file",
             fmt::format("{} changed while it was read: it no longer holds exactly {} bytes", file,
                         n));
  }
  std::array<int, 256> kind_of;
  kind_of.fill(-1);
  for (const auto& [name, label] : s.integer_table("labels", 0, 255)) {
    const auto it = std::find(kSiteKindNames.begin(), kSiteKindNames.end(), name);
    if (it == kSiteKindNames.end())
      s.fail("labels." + name, fmt::format("'{}' is not a site kind (known: {})", name,
                                           fmt::join(kSiteKindNames, ", ")));
    kind_of[static_cast<size_t>(label)] = static_cast<int>(it - kSiteKindNames.begin());
  }
  sc.geometry.imported.resize(n);
  for (size_t i = 0; i < n; ++i) {
    if (kind_of[raw[i]] < 0)
      s.fail("labels", fmt::format("{} holds label {} (at index {}), which `labels` does not map "
                                   "to a site kind",
                                   file, static_cast<int>(raw[i]), i));
    sc.geometry.imported[i] = static_cast<uint8_t>(kind_of[raw[i]]);
  }
}

// A sensitivity table: named types, compartments and pools, "stroma" and "immunity". Agent types
// and compartments not named take `fallback`; pools, stroma and immunity not named take 0.
Sensitivity read_sensitivity(Section& s, const std::string& key, const Scenario& sc,
                             double fallback, double hi) {
  Sensitivity out;
  out.type.assign(sc.graph.type_count(), fallback);
  out.compartment.assign(sc.graph.compartment_count(), fallback);
  out.pool.assign(sc.blood.size(), 0.0);
  for (const auto& [name, v] : s.weights(key, 0, hi)) {
    if (name == "stroma") {
      out.stroma = v;
      continue;
    }
    if (name == "immunity") {
      out.immunity = v;
      continue;
    }
    if (const int t = sc.graph.type_index(name); t >= 0) {
      out.type[t] = v;
      continue;
    }
    const auto& comps = sc.graph.compartments();
    if (auto it = std::find(comps.begin(), comps.end(), name); it != comps.end()) {
      out.compartment[it - comps.begin()] = v;
      continue;
    }
    bool pool = false;
    for (size_t p = 0; p < sc.blood.size(); ++p)
      if (sc.blood[p].name == name) {
        out.pool[p] = v;
        pool = true;
      }
    if (!pool)
      s.fail(key + "." + name,
             fmt::format("'{}' is not a cell type, maturation compartment, blood pool, 'stroma' "
                         "or 'immunity'",
                         name));
  }
  return out;
}

// A table like read_sensitivity's for a quantity with its own range [lo, hi] and its own value
// for the blood pools, stroma and immunity not named (the radiation response: D0 infinite, not
// killed).
Sensitivity read_targets(Section& s, const std::string& key, const Scenario& sc, double fallback,
                         double unnamed, double lo, double hi) {
  Sensitivity out;
  out.type.assign(sc.graph.type_count(), fallback);
  out.compartment.assign(sc.graph.compartment_count(), fallback);
  out.pool.assign(sc.blood.size(), unnamed);
  out.stroma = out.immunity = unnamed;
  for (const auto& [name, v] : s.weights(key, lo, hi)) {
    if (name == "stroma") {
      out.stroma = v;
      continue;
    }
    if (name == "immunity") {
      out.immunity = v;
      continue;
    }
    if (const int t = sc.graph.type_index(name); t >= 0) {
      out.type[t] = v;
      continue;
    }
    const auto& comps = sc.graph.compartments();
    if (auto it = std::find(comps.begin(), comps.end(), name); it != comps.end()) {
      out.compartment[it - comps.begin()] = v;
      continue;
    }
    bool pool = false;
    for (size_t p = 0; p < sc.blood.size(); ++p)
      if (sc.blood[p].name == name) {
        out.pool[p] = v;
        pool = true;
      }
    if (!pool)
      s.fail(key + "." + name,
             fmt::format("'{}' is not a cell type, maturation compartment, blood pool, 'stroma' "
                         "or 'immunity'",
                         name));
  }
  return out;
}

// A treatment kind's reader over a schedule entry of the layered scenario.
class SectionReader : public ParameterReader {
 public:
  explicit SectionReader(Section& s) : s_(s) {}
  bool has(const std::string& key) const override { return s_.has(key); }
  double number(const std::string& key, double lo, double hi) override {
    return s_.number(key, lo, hi);
  }
  double number_or(const std::string& key, double fallback, double lo, double hi) override {
    return s_.number_or(key, fallback, lo, hi);
  }
  int64_t integer_or(const std::string& key, int64_t fallback, int64_t lo, int64_t hi) override {
    return s_.integer_or(key, fallback, lo, hi);
  }
  std::string text(const std::string& key, const std::vector<std::string>& allowed) override {
    return s_.text(key, allowed);
  }
  [[noreturn]] void fail(const std::string& key, const std::string& message) const override {
    s_.fail(key, message);
  }
  [[noreturn]] void fail_any(const std::vector<std::string>& keys,
                             const std::string& message) const override {
    s_.fail_any(keys, message);
  }

 private:
  Section& s_;
};

void read_treatment(Section& top, Scenario& sc) {
  TreatmentConfig& tc = sc.treatment;
  {
    Section s = top.table("regeneration");
    tc.regeneration.gain = s.number("gain", 0, 100);
    tc.regeneration.cap = s.number("cap", 1, 1e6);
    tc.regeneration.renewal_boost = s.number("renewal_boost", 0, 1);
    tc.regeneration.stem_renewal_boost = s.number("stem_renewal_boost", 0, 1);
    tc.regeneration.niche_sensing_um = s.number("niche_sensing_um", 1e-3, 1e7);
    tc.regeneration.niche_occupancy_reference = s.number("niche_occupancy_reference", 1e-6, 1);
    s.finish();
  }
  {
    Section s = top.table("stroma");
    tc.stroma.recovery_days = s.number("recovery_days", 1e-3, 1e5);
    s.finish();
  }
  {
    Section s = top.table("immunology");
    tc.immunology.rejection_per_day = s.number("rejection_per_day", 0, 1e3);
    tc.immunology.gvh_per_day = s.number("gvh_per_day", 0, 1e3);
    tc.immunology.t_cell_reference_per_kg = s.number("t_cell_reference_per_kg", 1, 1e15);
    tc.immunology.gvh_onset_days = s.number("gvh_onset_days", 1e-3, 1e5);
    tc.immunology.recovery_per_day = s.number("recovery_per_day", 0, 1e3);
    s.finish();
  }
  {
    Section s = top.table("transfusion");
    SupportiveCareConfig& c = tc.supportive_care;
    c.enabled = top.text("supportive_care", {"standard", "none"}) == "standard";
    c.platelet_threshold = s.number("platelet_threshold", 0, 1e5);
    c.platelet_unit_cells = s.number("platelet_unit_cells", 0, 1e15);
    c.platelet_recovery = s.number("platelet_recovery", 0, 1);
    c.hemoglobin_threshold = s.number("hemoglobin_threshold", 0, 30);
    c.rbc_unit_cells = s.number("rbc_unit_cells", 0, 1e15);
    c.rbc_units = static_cast<int>(s.integer("rbc_units", 1, 10));
    s.finish();
  }
  if (top.has("autoimmunity")) {
    Section s = top.table("autoimmunity");
    AutoimmunityConfig& a = tc.autoimmunity;
    a.clone_cells = s.number("clone_cells", 0, 1e13);
    a.onset_day = s.number_or("onset_day", 0, -1e4, 1e6);
    a.growth_per_day = s.number("growth_per_day", 0, 100);
    a.attack_spread = s.number_or("attack_spread", 0, 0, 3);
    a.attack = read_sensitivity(s, "attack", sc, 0, 1e3);
    if (a.attack.stroma > 0 || a.attack.immunity > 0)
      s.fail("attack", "the clone attacks cell types, maturation compartments and blood pools");
    s.finish();
  }
  {
    Section s = top.table("radiation");
    RadiationConfig& rc = tc.radiation;
    rc.repair_half_time_hours = s.number("repair_half_time_hours", 1e-3, 1e4);
    // Multi-target survival 1 - (1 - exp(-D / D0))^n: D0 > 0, extrapolation number n >= 1.
    constexpr double kMinD0 = 1e-6, kMaxD0 = 1e6, kMaxN = 100;
    const double d0 = s.number("default_d0_gy", kMinD0, kMaxD0);
    const double n = s.number("default_extrapolation_number", 1, kMaxN);
    const Sensitivity d0s = read_targets(s, "d0_gy", sc, d0, kInf, kMinD0, kMaxD0);
    const Sensitivity ns = read_targets(s, "extrapolation_number", sc, n, 1, 1, kMaxN);
    auto zip = [](const std::vector<double>& a, const std::vector<double>& b) {
      std::vector<RadiationResponse> out;
      for (size_t i = 0; i < a.size(); ++i) out.push_back({a[i], b[i]});
      return out;
    };
    rc.type = zip(d0s.type, ns.type);
    rc.compartment = zip(d0s.compartment, ns.compartment);
    rc.pool = zip(d0s.pool, ns.pool);
    rc.stroma = {d0s.stroma, ns.stroma};
    rc.immunity = {d0s.immunity, ns.immunity};
    s.finish();
  }
  {
    Section drugs = top.table("drugs");
    for (const std::string& name : drugs.keys()) {
      Section s = drugs.table(name);
      DrugConfig d;
      d.name = name;
      d.half_life_hours = s.number("half_life_hours", 1e-3, 1e5);
      d.ec50_mg_per_kg = s.number("ec50_mg_per_kg", 1e-9, 1e6);
      d.kill_per_hour = s.number("kill_per_hour", 0, 1e3);
      d.cycling_only = s.boolean("cycling_only");
      d.sensitivity =
          read_sensitivity(s, "sensitivity", sc, s.number("default_sensitivity", 0, 1e3), 1e3);
      s.finish();
      tc.drugs.push_back(std::move(d));
    }
    drugs.finish();
  }
  {
    Section grafts = top.table("grafts");
    for (const std::string& name : grafts.keys()) {
      Section s = grafts.table(name);
      GraftSourceConfig g;
      g.name = name;
      g.per_cd34.assign(sc.graph.type_count(), 0.0);
      for (const auto& [type, v] : s.weights("per_cd34", 0, 1e6)) {
        const int t = sc.graph.type_index(type);
        if (t < 0) s.fail("per_cd34." + type, fmt::format("'{}' is not a cell type", type));
        g.per_cd34[t] = v;
      }
      g.t_cells_per_cd34 = s.number("t_cells_per_cd34", 0, 1e9);
      g.cd34_per_tnc = s.number("cd34_per_tnc", 1e-9, 1);
      g.homing_efficiency = s.number("homing_efficiency", 0, 1);
      s.finish();
      tc.sources.push_back(std::move(g));
    }
    grafts.finish();
  }
  std::vector<std::string> hormones;
  for (const auto& m : sc.maturation)
    if (!m.hormone.empty()) hormones.push_back(m.hormone);
  Section schedule = top.table("schedule");
  for (const std::string& name : schedule.keys()) {
    Section s = schedule.table(name);
    TreatmentEvent e;
    e.name = name;
    e.day = s.number("day", -1e4, 1e6);
    e.kind = treatment_kind(s.text("kind", treatment_kind_names()));
    SectionReader reader(s);
    e.kind->read(reader, tc, hormones, e);
    s.finish();
    tc.schedule.push_back(std::move(e));
  }
  schedule.finish();
}

Scenario read_scenario(Section& top) {
  Scenario sc;
  {
    Section s = top.table("run");
    sc.run.days = s.number("days", 0, 1e6);
    sc.run.spin_up_days = s.number("spin_up_days", 0, 1e5);
    sc.run.dt_hours = s.number("dt_hours", 1e-3, 24);
    sc.run.seed = static_cast<uint64_t>(s.integer("seed", 0, std::numeric_limits<int64_t>::max()));
    sc.run.output_every_hours = s.number("output_every_hours", sc.run.dt_hours, 1e6);
    sc.run.snapshot_every_days = s.number("snapshot_every_days", 0, 1e6);
    s.finish();
  }
  Section organism = top.table("organism");
  {
    Section& s = organism;
    sc.organism.name = s.text("name");
    sc.organism.blood_volume_l = s.number("blood_volume_l", 1e-6, 100);
    sc.organism.weight_kg = s.number("weight_kg", 1e-4, 1000);
    sc.organism.hsc_total = s.number("hsc_total", 1, 1e9);
    sc.organism.hsc_type = s.text("hsc_type");
    sc.organism.mch_pg = s.number("mch_pg", 1, 100);
    s.finish();
  }
  {
    Section s = top.table("lattice");
    const auto size = s.integers("size", 2, 3, 2, 100000);
    sc.lattice.nx = static_cast<int>(size[0]);
    sc.lattice.ny = static_cast<int>(size[1]);
    sc.lattice.nz = size.size() == 3 ? static_cast<int>(size[2]) : 1;
    sc.lattice.site_um = s.number("site_um", 0.1, 1000);
    sc.lattice.neighbourhood =
        parse_neighbourhood(s.text("neighbourhood", {"moore", "von_neumann"}));
    sc.lattice.block = static_cast<int>(s.integer("block", 2, 4096));
    sc.lattice.calendar_window = static_cast<int>(s.integer("calendar_window", 0, 1 << 20));
    if (sc.lattice.calendar_window & (sc.lattice.calendar_window - 1))
      s.fail("calendar_window", "expected a power of two, or 0 (no calendar: a scan each step)");
    sc.lattice.division_reach = static_cast<int>(s.integer_or("division_reach", 1, 1, 2048));
    if (2 * sc.lattice.division_reach > sc.lattice.block)
      s.fail("division_reach", "expected at most half of lattice.block (" +
                                   std::to_string(sc.lattice.block) +
                                   "), so that blocks updated together never reach one site");
    if (static_cast<double>(sc.lattice.nx + 2) * (sc.lattice.ny + 2) * (sc.lattice.nz + 2) > 4e9)
      s.fail("size", "the lattice may have at most 4e9 sites");
    s.finish();
  }
  {
    Section s = top.table("geometry");
    sc.geometry.seed =
        static_cast<uint64_t>(s.integer("seed", 0, std::numeric_limits<int64_t>::max()));
    sc.geometry.bone_thickness = static_cast<int>(s.integer("bone_thickness", 0, 10000));
    sc.geometry.generator = "straight";
    if (s.has("generator")) sc.geometry.generator = s.text("generator", {"straight", "network"});
    sc.geometry.sinusoid_fraction = s.number_or("sinusoid_fraction", 0.3, 0, 0.9);
    sc.geometry.arteriole_fraction = s.number_or("arteriole_fraction", 0.01, 0, 0.9);
    sc.geometry.trabecular_fraction = s.number_or("trabecular_fraction", 0.0, 0, 0.9);
    sc.geometry.segment_length = static_cast<int>(s.integer_or("segment_length", 40, 1, 100000));
    if (sc.geometry.sinusoid_fraction + sc.geometry.arteriole_fraction +
            sc.geometry.trabecular_fraction >
        0.9)
      s.fail_any(
          {"sinusoid_fraction", "arteriole_fraction", "trabecular_fraction"},
          "vessel and trabecular fractions must leave at least 10 % of the cavity as marrow");
    sc.geometry.sinusoids = static_cast<int>(s.integer_or("sinusoids", 4, 0, 10000));
    sc.geometry.sinusoid_width = static_cast<int>(s.integer_or("sinusoid_width", 2, 1, 1000));
    sc.geometry.arterioles = static_cast<int>(s.integer_or("arterioles", 1, 0, 10000));
    sc.geometry.supportive.clear();
    for (const auto& k : s.texts("stem_cell_niches", {"endosteal", "sinusoidal", "arteriolar"}))
      sc.geometry.supportive.push_back(static_cast<NicheKind>(niche_kind_of(k)));
    sc.geometry.supportive_fraction = s.number_or("stem_cell_niche_fraction", 1, 0, 1);
    sc.geometry.supportive_patch =
        static_cast<int>(s.integer_or("stem_cell_niche_patch", 1, 1, 100000));
    if (s.has("labels_file")) read_labels(s, sc);
    s.finish();
  }

  {
    Section fields = top.table("fields");
    for (const std::string& name : fields.keys()) {
      Section s = fields.table(name);
      FieldConfig f;
      f.name = name;
      f.diffusion_um2_per_s = s.number("diffusion_um2_per_s", 0, 1e6);
      f.decay_per_hour = s.number("decay_per_hour", 1e-9, 1e9);
      f.source[kEndosteal] = s.number_or("source_endosteal", 0, 0, 1e12);
      f.source[kSinusoidal] = s.number_or("source_sinusoidal", 0, 0, 1e12);
      f.source[kArteriolar] = s.number_or("source_arteriolar", 0, 0, 1e12);
      f.consumption_per_hour = s.number_or("consumption_per_hour", 0, 0, 1e9);
      f.update_hours = s.number_or("update_hours", 24, sc.run.dt_hours, 1e6);
      f.chemoattractant = s.boolean_or("chemoattractant", false);
      s.finish();
      sc.fields.push_back(f);
    }
    fields.finish();
  }

  // Maturation compartments and blood pools first: cell types name them as targets.
  std::vector<std::string> compartments;
  {
    Section blood = top.table("blood");
    for (const std::string& name : blood.keys()) {
      Section s = blood.table(name);
      BloodPoolConfig p;
      p.name = name;
      p.lifespan_days = s.number("lifespan_days", 1e-3, 1e5);
      p.lifespan_cv = s.number("lifespan_cv", 0.01, 1);
      p.destruction_per_day = s.number_or("destruction_per_day", 0, 0, kInf);
      p.unit_per_l = s.number("unit_per_l", 1, 1e15);
      if (s.has("young_of")) p.young_of = s.text("young_of", blood.keys());
      if (p.young_of == name) s.fail("young_of", "a pool cannot count its own cells");
      s.finish();
      sc.blood.push_back(p);
    }
    for (const BloodPoolConfig& p : sc.blood)
      for (const BloodPoolConfig& q : sc.blood)
        if (p.young_of == q.name && !q.young_of.empty())
          blood.table(p.name).fail("young_of",
                                   fmt::format("'{}' counts the cells of '{}' itself: name a pool "
                                               "of cells of its own",
                                               q.name, q.young_of));
    blood.finish();
  }
  if (top.has("normal_ranges")) {
    Section ranges = top.table("normal_ranges");
    std::vector<std::string> names{"hemoglobin"};
    for (const auto& p : sc.blood) names.push_back(p.name);
    for (const std::string& name : ranges.keys()) {
      if (std::find(names.begin(), names.end(), name) == names.end())
        ranges.fail(name, fmt::format("expected a blood pool or hemoglobin (one of {})",
                                      fmt::join(names, ", ")));
      Section s = ranges.table(name);
      NormalRange r{name, s.number("low", 0, 1e9), s.number("high", 0, 1e9)};
      if (!(r.low < r.high)) s.fail("high", fmt::format("expected more than low ({})", r.low));
      s.finish();
      sc.normal_ranges.push_back(r);
    }
    ranges.finish();
  }
  Section mat = top.table("maturation");
  {
    for (const std::string& name : mat.keys()) {
      Section s = mat.table(name);
      MaturationConfig m;
      m.name = name;
      m.stages = static_cast<int>(s.integer("stages", 1, 1000));
      m.transit_days = s.number("transit_days", 1e-3, 1e4);
      m.amplification = s.number("amplification", 0, 1e15);
      m.feeds = s.weights("feeds", 0, 1);
      for (const char* key : {"feedback_gain", "feedback_cap"})
        if (s.has(key))
          s.fail(key,
                 "no longer a key: feedback is hormone kinetics (hormone_half_life_hours, "
                 "hormone_production, specific_clearance or deficit_slope, response_max, "
                 "response_hill; see marrow validate)");
      if (s.has("feedback_sensor") || s.has("hormone")) {
        m.sensor = s.text("feedback_sensor");
        bool known = false;
        for (const auto& p : sc.blood) known |= p.name == m.sensor;
        if (!known) s.fail("feedback_sensor", fmt::format("'{}' is not a blood pool", m.sensor));
        m.hormone = s.text("hormone");
        if (m.hormone.empty()) s.fail("hormone", "expected a hormone name");
        for (const auto& other : sc.maturation)
          if (other.hormone == m.hormone)
            s.fail("hormone", fmt::format("'{}' is already the hormone of maturation.{}", m.hormone,
                                          other.name));
        m.set_point = s.number("feedback_set_point", 1e-9, 1e9);
        m.half_life_hours = s.number("hormone_half_life_hours", 1e-3, 1e5);
        m.production = s.text("hormone_production", {"constant", "exponential"}) == "exponential"
                           ? HormoneProduction::kExponential
                           : HormoneProduction::kConstant;
        if (m.production == HormoneProduction::kConstant) {
          // Some clearance is always non-specific (renal, hepatic): with none, a hormone
          // cleared only by its target cells would grow without bound when they are gone.
          m.specific_clearance = s.number("specific_clearance", 0, 0.999);
          m.compartment_clearance = s.number_or("compartment_clearance", 0, 0, 1);
          if (m.compartment_clearance > 0) {
            double share = 0;
            for (const auto& [pool, w] : m.feeds) share += pool == m.sensor ? w : 0;
            if (!(share > 0))
              s.fail(
                  "compartment_clearance",
                  fmt::format("needs the compartment to feed its feedback_sensor '{}'", m.sensor));
          }
          if (s.has("deficit_slope"))
            s.fail("deficit_slope", "only for hormone_production = \"exponential\"");
        } else {
          m.deficit_slope = s.number("deficit_slope", 0, 50);
          for (const char* key : {"specific_clearance", "compartment_clearance"})
            if (s.has(key)) s.fail(key, "only for hormone_production = \"constant\"");
        }
        m.response_max = s.number("response_max", 1, 1e3);
        m.response_hill = s.number("response_hill", 0.1, 20);
        m.transit_speedup_max = s.number_or("transit_speedup_max", 1, 1, 100);
      } else {
        for (const char* key :
             {"feedback_set_point", "hormone_half_life_hours", "hormone_production",
              "specific_clearance", "compartment_clearance", "deficit_slope", "response_max",
              "response_hill", "transit_speedup_max"})
          if (s.has(key)) s.fail(key, "systemic feedback needs a hormone and a feedback_sensor");
      }
      double sum = 0;
      for (const auto& [pool, share] : m.feeds) {
        bool known = false;
        for (const auto& p : sc.blood) known |= p.name == pool;
        if (!known) s.fail("feeds", fmt::format("'{}' is not a blood pool", pool));
        sum += share;
      }
      if (std::abs(sum - 1) > 1e-6)
        s.fail("feeds", fmt::format("shares must sum to 1, sum to {}", sum));
      s.finish();
      sc.maturation.push_back(m);
      compartments.push_back(name);
    }
    mat.finish();
  }

  std::vector<CellType> types;
  std::vector<std::vector<std::pair<std::string, double>>> targets;
  Section types_section = top.table("types");
  std::vector<Section> type_sections;
  const auto type_names = types_section.keys();
  for (const std::string& name : type_names) {
    Section s = types_section.table(name);
    CellType t;
    t.name = name;
    t.lineage = s.text("lineage");
    t.initial = s.integer_or("initial", 0, 0, 100000000);
    t.initial_quiescent_fraction = s.number_or("initial_quiescent_fraction", 0, 0, 1);
    t.seeks_niche = s.boolean_or("seeks_niche", false);
    t.egress_per_day = s.number_or("egress_per_day", 0, 0, 1);
    if (s.has("division_reach")) {
      t.division_reach = static_cast<int>(s.integer("division_reach", 1, 2048));
      if (2 * t.division_reach > sc.lattice.block)
        s.fail("division_reach",
               "expected at most half of lattice.block (" + std::to_string(sc.lattice.block) + ")");
    }
    if (s.has("niche_signal")) {
      std::vector<std::string> names;
      for (const auto& f : sc.fields) names.push_back(f.name);
      t.niche_signal = s.text("niche_signal", names);
      if (names.empty()) s.fail("niche_signal", "no [fields] are defined");
      t.niche_signal_half = s.number("niche_signal_half", 1e-12, 1e12);
      t.niche_signal_hill = s.number("niche_signal_hill", 0.1, 100);
    }
    t.off_niche = read_rates(s, nullptr);
    if (s.has("niche")) {
      Section n = s.table("niche");
      t.in_niche = read_rates(n, &t.off_niche);
      n.finish();
    } else {
      t.in_niche = t.off_niche;
    }
    const bool differentiates =
        t.off_niche.fate.self_renewal < 1 || t.in_niche.fate.self_renewal < 1;
    targets.push_back(differentiates || s.has("differentiate_to")
                          ? s.weights("differentiate_to", 0, 1)
                          : std::vector<std::pair<std::string, double>>{});
    s.finish();
    types.push_back(t);
    type_sections.push_back(std::move(s));
  }
  types_section.finish();
  if (types.empty()) types_section.fail("types", "at least one cell type is needed");
  // Agents hold their type in a byte (255 marks a dead slot); targets are 16-bit.
  if (types.size() > 254) types_section.fail(type_names[254], "at most 254 cell types");
  if (types.size() + compartments.size() > 65535)
    mat.fail(compartments.back(), "at most 65535 cell types and compartments in all");

  for (const auto& c : compartments)
    for (const auto& t : types)
      if (t.name == c) mat.fail(c, "a compartment cannot share a cell type's name");
  LineageGraph probe(types, compartments);
  for (size_t i = 0; i < types.size(); ++i) {
    double cumulative = 0;
    for (const auto& [name, w] : targets[i]) {
      const int target = probe.target_of(name);
      if (target < 0)
        type_sections[i].fail(
            "differentiate_to",
            fmt::format("'{}' is neither a cell type nor a maturation compartment", name));
      if (w <= 0) continue;
      cumulative += w;
      types[i].differentiate_to.emplace_back(static_cast<Target>(target), cumulative);
    }
    if (!targets[i].empty() && std::abs(cumulative - 1) > 1e-6)
      type_sections[i].fail("differentiate_to",
                            fmt::format("weights must sum to 1, sum to {}", cumulative));
    if (!targets[i].empty()) types[i].differentiate_to.back().second = 1.0;
  }
  sc.graph = LineageGraph(std::move(types), std::move(compartments));
  read_treatment(top, sc);
  int attractants = 0;
  for (const auto& f : sc.fields) attractants += f.chemoattractant;
  if (attractants > 1) top.fail("fields", "at most one field can be the chemoattractant");
  if (sc.graph.type_index(sc.organism.hsc_type) < 0)
    organism.fail("hsc_type", fmt::format("'{}' is not a cell type", sc.organism.hsc_type));
  // Refuse what would exhaust memory (validate builds the simulation too).
  if (const MemoryNeed m = memory_need(sc); m.total() > kMaxMemory)
    top.table("lattice").fail_any(
        {"size", "calendar_window", "block"},
        fmt::format("the simulation would need about {:.1f} GiB of memory, at most {:.0f} GiB "
                    "are allowed (lattice and fields {:.1f} GiB, blocks and their event "
                    "calendars {:.1f} GiB, initial agents and their calendar entries {:.1f} "
                    "GiB): use a smaller "
                    "lattice.size, a larger lattice.block or a smaller lattice.calendar_window",
                    m.total() / kGiB, kMaxMemory / kGiB, m.sites / kGiB, m.blocks / kGiB,
                    m.agents / kGiB));
  return sc;
}

LoadedScenario load(const toml::table* user, const std::string& user_label,
                    const std::vector<std::string>& overrides) {
  std::vector<toml::table> sets;
  for (const auto& o : overrides) sets.push_back(parse_override(o));
  // A top-level choice: the last --set that gives it, else the user's file; null when neither.
  struct Given {
    const toml::node* node = nullptr;
    std::string label;
  };
  auto given = [&](const std::string& key) {
    Given g{user ? user->get(key) : nullptr, user_label};
    for (size_t i = 0; i < sets.size(); ++i)
      if (sets[i].get(key)) g = {sets[i].get(key), "--set " + overrides[i]};
    return g;
  };
  // A name among `names` (what `key` chooses), or one clear message.
  auto known = [&](const toml::node& n, const std::string& label, const std::string& key,
                   const std::string& what, const std::vector<std::string>& names) {
    const std::string name = *n.value<std::string>();
    if (std::find(names.begin(), names.end(), name) == names.end()) {
      const auto hint = suggest(name, {names.begin(), names.end()});
      throw ScenarioError(fmt::format("{}: {}: unknown {} '{}' (known: {}){}", location(n, label),
                                      key, what, name, fmt::join(names, ", "),
                                      hint ? fmt::format("; did you mean '{}'?", *hint) : ""));
    }
    return name;
  };
  // Which preset: the last --set preset=..., else the file's, else human.
  std::string preset = "human";
  if (const Given g = given("preset"); g.node) {
    if (!g.node->is_string())
      throw ScenarioError(fmt::format("{}: preset: expected a string", location(*g.node, g.label)));
    preset = known(*g.node, g.label, "preset", "preset", preset_names());
  }
  // The preset and the parts it extends (extends = "NAME", presets/NAME.toml), each a layer
  // under the one that extends it.
  std::vector<toml::table> preset_tables;
  std::vector<std::string> preset_paths;
  for (std::string part = preset;;) {
    const std::string path = "presets/" + part + ".toml";
    if (std::find(preset_paths.begin(), preset_paths.end(), path) != preset_paths.end())
      throw ScenarioError(fmt::format("{}: extends: '{}' extends itself", path, part));
    toml::table t = parse_text(preset_text(part), path);
    preset_paths.push_back(path);
    const toml::node* next = t.get("extends");
    if (!next) {
      preset_tables.push_back(std::move(t));
      break;
    }
    const auto names = library_names("presets");
    if (!next->is_string() ||
        std::find(names.begin(), names.end(), *next->value<std::string>()) == names.end())
      throw ScenarioError(fmt::format("{}: extends: expected a preset or part of presets/ ({})",
                                      location(*next, path), fmt::join(names, ", ")));
    part = *next->value<std::string>();
    t.erase("extends");
    preset_tables.push_back(std::move(t));
  }
  // A conditioning regimen: its schedule lies between the user's file and the preset.
  std::string regimen = "none";
  if (const Given g = given("regimen"); g.node) {
    if (!g.node->is_string())
      throw ScenarioError(
          fmt::format("{}: regimen: expected a string", location(*g.node, g.label)));
    regimen = known(*g.node, g.label, "regimen", "regimen", regimen_names());
  }
  const std::string regimen_path = "regimens/" + regimen + ".toml";
  const toml::table regimen_table = parse_text(regimen_text(regimen), regimen_path);
  // Conditions: overlays from conditions/, applied in order over the preset (a later one over
  // an earlier one), under the regimen.
  std::vector<std::string> conditions;
  if (const Given g = given("conditions"); g.node) {
    const auto names = library_names("conditions");
    const auto* a = g.node->as_array();
    if (!a)
      throw ScenarioError(fmt::format(
          "{}: conditions: expected an array of condition names, as [\"itp\"] (known: {})",
          location(*g.node, g.label), fmt::join(names, ", ")));
    for (const auto& e : *a) {
      if (!e.is_string())
        throw ScenarioError(fmt::format("{}: conditions: expected condition names (strings)",
                                        location(e, g.label)));
      const std::string name = known(e, g.label, "conditions", "condition", names);
      if (std::find(conditions.begin(), conditions.end(), name) != conditions.end())
        throw ScenarioError(
            fmt::format("{}: conditions: '{}' is named twice", location(e, g.label), name));
      conditions.push_back(name);
    }
  }
  std::vector<toml::table> condition_tables;
  for (const std::string& name : conditions) {
    const LibraryEntry* e = library_entry("conditions", name);
    condition_tables.push_back(parse_text(std::string(e->text), e->path));
  }

  std::vector<Section::Layer> layers;
  for (size_t i = sets.size(); i-- > 0;) layers.push_back({&sets[i], "--set " + overrides[i]});
  if (user) layers.push_back({user, user_label});
  layers.push_back({&regimen_table, regimen_path});
  for (size_t i = condition_tables.size(); i-- > 0;)
    layers.push_back({&condition_tables[i], "conditions/" + conditions[i] + ".toml"});
  for (size_t i = 0; i < preset_tables.size(); ++i)
    layers.push_back({&preset_tables[i], preset_paths[i]});

  toml::table resolved;
  Section top(layers, "", &resolved);
  if (top.has("preset")) top.text("preset");
  resolved.insert_or_assign("preset", preset);
  if (top.has("regimen")) top.text("regimen");
  resolved.insert_or_assign("regimen", regimen);
  if (top.has("conditions")) top.texts("conditions", conditions);
  LoadedScenario out;
  out.scenario = read_scenario(top);
  top.finish();
  out.preset = preset;
  out.warnings = lineage_warnings(out.scenario);
  if (!out.scenario.geometry.imported_from.empty())
    out.inputs.push_back(out.scenario.geometry.imported_from);
  std::ostringstream text;
  text << resolved << "\n";
  out.resolved_toml = text.str();
  return out;
}

}  // namespace

std::vector<std::string> lineage_warnings(const Scenario& sc) {
  const LineageGraph& g = sc.graph;
  const int types = g.type_count();
  // A type's daughters leave it only when it divides and not every division self-renews; the
  // niche blends its two sets of rates, so either context counts.
  auto never_divides = [&](const CellType& t) {
    return !(t.off_niche.division > 0) && !(t.in_niche.division > 0);
  };
  auto only_renews = [&](const CellType& t) {
    return !(t.off_niche.fate.self_renewal < 1) && !(t.in_niche.fate.self_renewal < 1);
  };
  auto differentiates = [&](int t) {
    const CellType& c = g.type(t);
    return !never_divides(c) && !only_renews(c) && !c.differentiate_to.empty();
  };
  auto feeds_blood = [&](int compartment) {
    if (compartment < 0 || static_cast<size_t>(compartment) >= sc.maturation.size()) return false;
    for (const auto& [pool, share] : sc.maturation[static_cast<size_t>(compartment)].feeds)
      if (share > 0) return true;
    return false;
  };
  // Which types reach the blood: grown from the types that hand off to a compartment feeding it
  // (at most 254 types, so repeated sweeps are cheap).
  std::vector<char> reaches(static_cast<size_t>(types), 0);
  for (bool grew = true; grew;) {
    grew = false;
    for (int t = 0; t < types; ++t) {
      if (reaches[t] || !differentiates(t)) continue;
      for (const auto& [target, cumulative] : g.type(t).differentiate_to) {
        const bool through =
            g.is_compartment(target) ? feeds_blood(g.compartment_of(target)) : reaches[target] != 0;
        if (through) {
          reaches[t] = 1;
          grew = true;
          break;
        }
      }
    }
  }
  std::vector<std::string> out;
  for (int t = 0; t < types; ++t) {
    if (reaches[t]) continue;
    const CellType& c = g.type(t);
    const char* why = never_divides(c) ? "it never divides: division_per_day is 0"
                      : only_renews(c) ? "every division self-renews: self_renewal is 1"
                                       : "no type downstream of it feeds a compartment";
    out.push_back(fmt::format("lineage: type {} has no path to the blood ({})", c.name, why));
  }
  // Pools: fed when a compartment that some differentiating type hands off to feeds them.
  std::vector<char> targeted(static_cast<size_t>(g.compartment_count()), 0);
  for (int t = 0; t < types; ++t)
    if (differentiates(t))
      for (const auto& [target, cumulative] : g.type(t).differentiate_to)
        if (g.is_compartment(target)) targeted[static_cast<size_t>(g.compartment_of(target))] = 1;
  for (const BloodPoolConfig& pool : sc.blood) {
    if (!pool.young_of.empty()) continue;  // fed as the pool it counts
    std::vector<std::string> feeders;
    bool fed = false;
    for (size_t m = 0; m < sc.maturation.size(); ++m)
      for (const auto& [name, share] : sc.maturation[m].feeds)
        if (name == pool.name && share > 0) {
          feeders.push_back(sc.maturation[m].name);
          fed |= m < targeted.size() && targeted[m];
        }
    if (fed) continue;
    out.push_back(
        feeders.empty()
            ? fmt::format("lineage: blood pool {} is fed by no cell type (no maturation "
                          "compartment feeds it)",
                          pool.name)
            : fmt::format("lineage: blood pool {} is fed by no cell type (no type differentiates "
                          "to {}, which feed{} it)",
                          pool.name, fmt::join(feeders, " or "), feeders.size() == 1 ? "s" : ""));
  }
  return out;
}

LoadedScenario load_scenario(const std::string& file, const std::vector<std::string>& overrides) {
  if (file.empty()) return load(nullptr, "default", overrides);
  RegularFile in(file);
  std::optional<std::string> text;
  if (in.ok()) text = in.read_all();
  if (!text)
    throw ScenarioError(
        fmt::format("{}: the scenario file {}; expected a regular file in TOML", file, in.error()));
  const toml::table user = parse_text(*text, file);
  return load(&user, file, overrides);
}

LoadedScenario load_scenario_text(const std::string& text, const std::string& label,
                                  const std::vector<std::string>& overrides) {
  const toml::table user = parse_text(text, label);
  return load(&user, label, overrides);
}

}  // namespace marrow
