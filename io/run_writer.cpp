#include "io/run_writer.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>

#include "core/comm.hpp"
#include "model/endpoints.hpp"
#include "niche/geometry.hpp"

namespace marrow {

std::string now_iso8601() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

RunWriter::RunWriter(const std::string& path, const Simulation& sim, const LoadedScenario& scenario,
                     const Provenance& p)
    : RunWriter(OutputTarget(path, {}, true), sim, scenario, p) {}

RunWriter::RunWriter(OutputTarget target, const Simulation& sim, const LoadedScenario& scenario,
                     const Provenance& p)
    : target_(std::move(target)), sim_(sim) {
  // Distributed, rank 0 holds the target and names the temporary file; every rank opens it.
  path_ = comm::from_root(target_.path());
  temporary_ = comm::from_root(comm::root() ? target_.create_temporary() : std::string());
  file_ = h5::create_file(temporary_, true);
  h5::set_attr(file_, "schema_version", kSchemaVersion);
  {
    h5::Handle g = h5::ensure_group(file_, "provenance");
    h5::set_attr(g, "version", std::string(MARROW_VERSION));
    h5::set_attr(g, "git_hash", std::string(MARROW_GIT_HASH));
    h5::set_attr(g, "seed", static_cast<int64_t>(sim.scenario().run.seed));
    h5::set_attr(g, "threads", static_cast<int64_t>(p.threads));
    // Attributes are the same on every rank: rank 0's.
    h5::set_attr(g, "command_line", comm::from_root(p.command_line));
    h5::set_attr(g, "started_at", comm::from_root(p.started_at));
    h5::set_attr(g, "complete", int64_t{0});
  }
  {
    h5::Handle g = h5::ensure_group(file_, "parameters");
    h5::set_attr(g, "scenario", scenario.resolved_toml);
    h5::set_attr(g, "preset", scenario.preset);
    h5::set_attr(g, "represented_fraction", sim.represented_fraction());
    h5::set_attr(g, "site_um", sim.scenario().lattice.site_um);
    h5::set_attr(g, "dt_hours", sim.scenario().run.dt_hours);
    // This patient's multiplier of the autoreactive clone's attack (autoimmunity.attack_spread).
    if (sim.treatment().autoimmune())
      h5::set_attr(g, "patient_attack", sim.treatment().patient_attack());
  }
  {
    // The preset's normal adult ranges, [low, high] in the unit of the timeseries.
    h5::Handle g = h5::ensure_group(file_, "normal_ranges");
    for (const NormalRange& r : sim.scenario().normal_ranges)
      h5::set_attr(g, r.name, std::vector<double>{r.low, r.high});
  }
  h5::ensure_group(file_, "snapshots");
}

// An unfinished file is closed unchecked; the target removes it.
RunWriter::~RunWriter() { file_.reset(); }

void RunWriter::record(const Observation& o) { rows_.push_back(o); }

void RunWriter::prepend(const std::vector<Observation>& rows) {
  rows_.insert(rows_.begin(), rows.begin(), rows.end());
}

void RunWriter::snapshot(const Simulation& sim) {
  const std::string base = fmt::format("snapshots/{:06d}", snapshots_);
  h5::Handle g = h5::ensure_group(file_, base);
  h5::set_attr(g, "time_days", sim.time_days());
  h5::set_attr(g, "step", sim.steps_done());
  h5::set_attr(g, "origin_step", sim.origin_step());
  if (sim.in_spin_up()) {
    // A snapshot of an interrupted spin-up: a restart continues the spin-up from here.
    h5::set_attr(g, "spin_up_steps_done", sim.spin_up_steps_done());
    h5::write<double>(file_, base + "/spin_up_handoff_sums", sim.spin_up_handoff_sums());
  }
  const int64_t agents = write_agents(base, sim);
  write_sites(base, sim, snapshots_ == 0);
  if (snapshots_ > 0) {
    // Site kinds and niches do not change in a run: later snapshots link the first's datasets.
    h5::link(file_, "snapshots/000000/lattice/site_kind", base + "/lattice/site_kind");
    h5::link(file_, "snapshots/000000/lattice/niche", base + "/lattice/niche");
  }
  {
    h5::Handle lg = h5::open_group(file_, base + "/lattice");
    h5::Handle kd(H5Dopen2(lg, "site_kind", H5P_DEFAULT));
    h5::set_attr(kd, "kind_names", kSiteKindNames);
    h5::Handle nd(H5Dopen2(lg, "niche", H5P_DEFAULT));
    h5::set_attr(nd, "kind_names", kNicheKindNames);
  }
  const auto state = sim.blood().state();
  h5::write<double>(file_, base + "/compartments/state", state);
  xdmf_.push_back(
      {fmt::format("{:06d}", snapshots_), sim.time_days(), static_cast<long long>(agents)});
  ++snapshots_;
  errno = 0;
  if (H5Fflush(file_, H5F_SCOPE_GLOBAL) < 0)
    throw h5::Error(fmt::format("cannot write {}: {}", temporary_,
                                errno != 0 ? std::strerror(errno) : "the HDF5 library failed"));
}

namespace {

// f(site) over the unpadded lattice into `path` ([z][y][x]): each rank writes its slab, all in
// pieces of about 2^18 sites, so no rank holds more than a piece at a time.
template <class T, class F>
void site_dataset(hid_t file, const std::string& path, const Simulation& sim, F&& f) {
  const Lattice& lat = sim.lattice();
  const std::vector<hsize_t> dims = {static_cast<hsize_t>(lat.nz()), static_cast<hsize_t>(lat.ny()),
                                     static_cast<hsize_t>(lat.nx())};
  h5::Handle ds = h5::create_dataset<T>(file, path, dims);
  const bool planes = lat.dim() == 3;
  const int per_piece =
      std::max<int>(1, static_cast<int>((int64_t{1} << 18) / (lat.sites() / lat.rows())));
  const auto slab = [&](int r) {
    return comm::size() == 1 ? std::array<int, 2>{0, lat.rows()}
                             : lat.slab_rows(sim.scenario().lattice.block, r, comm::size());
  };
  // Collective: every rank writes as many pieces as the rank with the most.
  int pieces = 0;
  for (int r = 0; r < comm::size(); ++r) {
    const auto [first, last] = slab(r);
    pieces = std::max(pieces, (last - first + per_piece - 1) / per_piece);
  }
  const auto [first, last] = slab(comm::rank());
  for (int k = 0; k < pieces; ++k) {
    const int row = first + k * per_piece, rows = std::max(0, std::min(per_piece, last - row));
    const std::vector<T> part = lat.unpadded_rows<T>(row, rows, f);
    const auto at = static_cast<hsize_t>(row), m = static_cast<hsize_t>(rows);
    h5::write_part<T>(ds, {planes ? at : 0, planes ? 0 : at, 0},
                      {planes ? m : (rows > 0 ? 1 : 0), planes ? dims[1] : m, dims[2]}, part);
  }
}

}  // namespace

void RunWriter::write_sites(const std::string& base, const Simulation& sim, bool first) {
  const hid_t file = file_;
  const Geometry& g = sim.geometry();
  if (first) {
    site_dataset<uint8_t>(file, base + "/lattice/site_kind", sim,
                          [&](SiteId s) { return g.kind[s]; });
    site_dataset<uint8_t>(file, base + "/lattice/niche", sim, [&](SiteId s) { return g.niche[s]; });
  }
  for (const SignalField& f : sim.fields())
    site_dataset<float>(file, base + "/fields/" + f.config().name, sim,
                        [&](SiteId s) { return f.at(s); });
  const double h = sim.treatment().empty() ? 1.0 : sim.treatment().stroma(sim.time_hours());
  site_dataset<float>(file, base + "/lattice/stroma_health", sim, [&](SiteId s) {
    return g.kind[s] == kMarrow ? static_cast<float>(h) : 0.0f;
  });
  site_dataset<uint8_t>(file, base + "/lattice/niche_support", sim,
                        [&](SiteId s) { return sim.niche_support()[s]; });
}

int64_t RunWriter::write_agents(const std::string& base, const Simulation& sim) {
  // This rank's agents by site: ranks hold slabs in site order, so rank by rank they follow
  // each other as one process's would.
  const auto agents = sim.local_agents();
  std::vector<int64_t> counts(static_cast<size_t>(comm::size()), 0);
  counts[static_cast<size_t>(comm::rank())] = static_cast<int64_t>(agents.size());
  comm::sum(counts);
  hsize_t offset = 0, total = 0;
  for (int r = 0; r < comm::size(); ++r) {
    if (r < comm::rank()) offset += static_cast<hsize_t>(counts[static_cast<size_t>(r)]);
    total += static_cast<hsize_t>(counts[static_cast<size_t>(r)]);
  }
  const hsize_t n = agents.size();
  const auto column = [&]<class T>(const std::string& name, const std::vector<T>& v) {
    h5::Handle ds = h5::create_dataset<T>(file_, base + "/agents/" + name, {total});
    h5::write_part<T>(ds, {offset}, {n}, v);
  };
  const Lattice& lat = sim.lattice();
  std::vector<int32_t> x, y, z;
  for (const AgentRecord& a : agents) {
    const Coord c = lat.coord(a.site);
    x.push_back(c.x);
    y.push_back(c.y);
    z.push_back(c.z);
  }
  column("x", x);
  column("y", y);
  column("z", z);
  {
    // The same coordinates as rows (x, y, z): the geometry ParaView's XDMF3 readers take.
    std::vector<int32_t> xyz;
    xyz.reserve(3 * x.size());
    for (size_t i = 0; i < x.size(); ++i) xyz.insert(xyz.end(), {x[i], y[i], z[i]});
    h5::Handle ds = h5::create_dataset<int32_t>(file_, base + "/agents/position", {total, 3});
    h5::write_part<int32_t>(ds, {offset, 0}, {n, 3}, xyz);
  }
  // Every other column as it is stored, and the flags as their bit fields
  // (agents/agent_columns.hpp).
#define MARROW_WRITE_COLUMN(T, member, init, dataset)               \
  if (!std::string_view(dataset).empty()) {                         \
    std::vector<T> values;                                          \
    values.reserve(agents.size());                                  \
    for (const AgentRecord& a : agents) values.push_back(a.member); \
    column(dataset, values);                                        \
  }
  MARROW_AGENT_COLUMNS(MARROW_WRITE_COLUMN)
#undef MARROW_WRITE_COLUMN
#define MARROW_WRITE_FLAG(dataset, mask, shift)                              \
  {                                                                          \
    std::vector<uint8_t> values;                                             \
    values.reserve(agents.size());                                           \
    for (const AgentRecord& a : agents)                                      \
      values.push_back(static_cast<uint8_t>((a.flags & (mask)) >> (shift))); \
    column(dataset, values);                                                 \
  }
  MARROW_AGENT_FLAG_COLUMNS(MARROW_WRITE_FLAG)
#undef MARROW_WRITE_FLAG
  {
    h5::Handle ag = h5::open_group(file_, base + "/agents");
    std::vector<std::string> names;
    for (const CellType& t : sim.scenario().graph.types()) names.push_back(t.name);
    h5::set_attr(ag, "type_names", names);
    h5::set_attr(ag, "origin_names", std::vector<std::string>{"host", "donor"});
    // Also on the datasets they name, where readers of one column look for them.
    h5::set_attr(h5::open_dataset(ag, "type"), "type_names", names);
    h5::set_attr(h5::open_dataset(ag, "origin"), "origin_names",
                 std::vector<std::string>{"host", "donor"});
  }
  {
    // Clone sizes: agents per clone id, largest first (ties by id).
    std::vector<uint32_t> ids;
    ids.reserve(agents.size());
    for (const AgentRecord& a : agents) ids.push_back(a.clone);
    ids = comm::all_gather(ids);  // every rank's (the table is written by rank 0)
    std::sort(ids.begin(), ids.end());
    std::vector<uint32_t> id;
    std::vector<int64_t> size;
    std::vector<uint8_t> clone_origin;
    int64_t donor = 0;
    for (size_t i = 0; i < ids.size();) {
      size_t j = i;
      while (j < ids.size() && ids[j] == ids[i]) ++j;
      id.push_back(ids[i]);
      size.push_back(static_cast<int64_t>(j - i));
      i = j;
    }
    std::vector<size_t> order(id.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return size[a] != size[b] ? size[a] > size[b] : id[a] < id[b];
    });
    std::vector<uint32_t> id_sorted;
    std::vector<int64_t> size_sorted;
    for (const size_t i : order) {
      id_sorted.push_back(id[i]);
      size_sorted.push_back(size[i]);
      // Graft clones carry the top bit (model/simulation.cpp).
      clone_origin.push_back(id[i] & 0x80000000u ? 1 : 0);
      donor += id[i] & 0x80000000u ? 1 : 0;
    }
    h5::write<uint32_t>(file_, base + "/clones/id", id_sorted);
    h5::write<int64_t>(file_, base + "/clones/size", size_sorted);
    h5::write<uint8_t>(file_, base + "/clones/graft", clone_origin);
    h5::Handle cg = h5::open_group(file_, base + "/clones");
    h5::set_attr(cg, "contributing_clones", static_cast<int64_t>(id_sorted.size()));
    h5::set_attr(cg, "graft_clones", donor);
  }
  return static_cast<int64_t>(total);
}

void RunWriter::write_endpoints() {
  const Endpoints e = compute_endpoints(sim_, rows_);
  h5::Handle g = h5::ensure_group(file_, "endpoints");
  h5::set_attr(g, "platelet_transfusions", e.platelet_transfusions);
  h5::set_attr(g, "rbc_transfusions", e.rbc_transfusions);
  h5::set_attr(g, "neutrophil_engraftment_day", e.neutrophil_engraftment_day);
  h5::set_attr(g, "platelet_engraftment_day", e.platelet_engraftment_day);
  h5::set_attr(g, "aplasia", int64_t{e.aplasia ? 1 : 0});
  h5::set_attr(g, "graft_failure", int64_t{e.graft_failure ? 1 : 0});
  h5::set_attr(g, "transplant", int64_t{e.transplant ? 1 : 0});
  for (const PoolEndpoints& p : e.pools) {
    h5::set_attr(g, "nadir_" + p.name, p.nadir.value);
    h5::set_attr(g, "nadir_" + p.name + "_day", p.nadir.day);
    h5::set_attr(g, p.name + "_recovery_day", p.recovery_day);
  }
  // Supportive care's transfusions, one row each.
  std::vector<double> day, before;
  std::vector<uint8_t> product;
  std::vector<int64_t> units;
  const std::vector<std::string> products = {"platelets", "rbc"};
  for (const TransfusionEvent& t : e.transfusions) {
    day.push_back(t.day);
    product.push_back(t.product == products[0] ? 0 : 1);
    units.push_back(t.units);
    before.push_back(t.count_before);
  }
  h5::write<double>(file_, "events/transfusions/day", day);
  h5::write<uint8_t>(file_, "events/transfusions/product", product);
  h5::set_attr(h5::open_dataset(file_, "events/transfusions/product"), "names", products);
  h5::write<int64_t>(file_, "events/transfusions/units", units);
  h5::write<double>(file_, "events/transfusions/count_before", before);
}

std::string RunWriter::finish(bool complete, const std::string& interrupted) {
  const Scenario& sc = sim_.scenario();
  std::vector<double> t;
  for (const auto& r : rows_) t.push_back(r.time_days);
  h5::write<double>(file_, "timeseries/time_days", t);
  for (int i = 0; i < sc.graph.type_count(); ++i) {
    std::vector<int64_t> v;
    for (const auto& r : rows_) v.push_back(r.population[i]);
    h5::write<int64_t>(file_, "timeseries/population/" + sc.graph.type(i).name, v);
  }
  std::vector<std::vector<double>> blood(sim_.blood().pool_count() + 1);
  for (const auto& r : rows_) {
    for (size_t p = 0; p < r.blood.size(); ++p) blood[p].push_back(r.blood[p]);
    blood.back().push_back(r.hemoglobin);
  }
  for (int p = 0; p < sim_.blood().pool_count(); ++p)
    h5::write<double>(file_, "timeseries/blood/" + sim_.blood().pool(p).name, blood[p]);
  h5::write<double>(file_, "timeseries/blood/hemoglobin", blood.back());
  for (int p = 0; p < sim_.blood().pool_count(); ++p) {
    std::vector<double> v;
    for (const auto& r : rows_) v.push_back(r.production[p]);
    h5::write<double>(file_, "timeseries/production/" + sim_.blood().pool(p).name, v);
  }
  for (int m = 0; m < sim_.blood().maturation_count(); ++m) {
    const MaturationConfig& c = sim_.blood().maturation(m);
    if (c.sensor.empty()) continue;
    std::vector<double> level, multiplier;
    for (const auto& r : rows_) {
      level.push_back(r.hormone[m]);
      multiplier.push_back(r.drive[m]);
    }
    h5::write<double>(file_, "timeseries/cytokines/" + c.hormone, level);
    h5::write<double>(file_, "timeseries/cytokines/" + c.hormone + "_multiplier", multiplier);
  }
  for (int i = 0; i < sc.graph.type_count(); ++i) {
    std::vector<double> v;
    for (const auto& r : rows_) v.push_back(r.cycling[i]);
    h5::write<double>(file_, "timeseries/cycling/" + sc.graph.type(i).name, v);
  }
  for (size_t l = 0; l < sim_.lineages().size(); ++l) {
    std::vector<double> v, w;
    for (const auto& r : rows_) {
      v.push_back(r.chimerism[l]);
      w.push_back(r.gene_modified[l]);
    }
    h5::write<double>(file_, "timeseries/chimerism/" + sim_.lineages()[l], v);
    h5::write<double>(file_, "timeseries/gene_modified/" + sim_.lineages()[l], w);
  }
  {
    std::vector<double> stroma, activation, immunity;
    for (const auto& r : rows_) {
      stroma.push_back(r.stroma);
      activation.push_back(r.activation);
      immunity.push_back(r.immunity);
    }
    h5::write<double>(file_, "timeseries/treatment/stroma", stroma);
    h5::write<double>(file_, "timeseries/treatment/activation", activation);
    h5::write<double>(file_, "timeseries/treatment/immunity", immunity);
    std::vector<double> clone;
    std::vector<int64_t> platelet_units, rbc_units;
    for (const auto& r : rows_) {
      clone.push_back(r.autoreactive_clone);
      platelet_units.push_back(r.platelet_units);
      rbc_units.push_back(r.rbc_units);
    }
    h5::write<double>(file_, "timeseries/treatment/autoreactive_clone", clone);
    h5::write<int64_t>(file_, "timeseries/transfusions/platelet_units", platelet_units);
    h5::write<int64_t>(file_, "timeseries/transfusions/rbc_units", rbc_units);
  }
  {
    std::vector<double> occupied, fraction, agents;
    for (const auto& r : rows_) {
      occupied.push_back(static_cast<double>(r.occupied_niches));
      fraction.push_back(r.hsc_in_niche_fraction);
      agents.push_back(static_cast<double>(r.agents));
    }
    h5::write<double>(file_, "timeseries/niche/occupied_niches", occupied);
    h5::write<double>(file_, "timeseries/niche/hsc_in_niche_fraction", fraction);
    std::vector<int64_t> egressed, homed;
    for (const auto& r : rows_) {
      egressed.push_back(r.egressed);
      homed.push_back(r.homed);
    }
    h5::write<int64_t>(file_, "timeseries/niche/egress", egressed);
    h5::write<int64_t>(file_, "timeseries/niche/homed", homed);
    h5::write<int64_t>(file_, "timeseries/agents", [&] {
      std::vector<int64_t> a;
      for (const auto& r : rows_) a.push_back(r.agents);
      return a;
    }());
  }
  write_endpoints();
  {
    h5::Handle g = h5::open_group(file_, "provenance");
    h5::set_attr(g, "finished_at", comm::from_root(now_iso8601()));
    h5::set_attr(g, "complete", int64_t{complete ? 1 : 0});
    if (!interrupted.empty()) h5::set_attr(g, "interrupted", interrupted);
  }
  h5::close_file(file_, temporary_);
  path_ = comm::from_root(comm::root() ? target_.commit(complete) : std::string());
  if (!comm::root()) return path_;
  XdmfLayout layout{sim_.lattice().nx(), sim_.lattice().ny(), sim_.lattice().nz(), {}, {}};
  for (const auto& f : sim_.fields()) layout.fields.push_back(f.config().name);
  // Every agent dataset but the 1-D coordinates (agents/agent_columns.hpp).
  layout.agent_fields = {"position"};
#define MARROW_XDMF_COLUMN(T, member, init, dataset) \
  if (!std::string_view(dataset).empty()) layout.agent_fields.emplace_back(dataset);
  MARROW_AGENT_COLUMNS(MARROW_XDMF_COLUMN)
#undef MARROW_XDMF_COLUMN
#define MARROW_XDMF_FLAG(dataset, mask, shift) layout.agent_fields.emplace_back(dataset);
  MARROW_AGENT_FLAG_COLUMNS(MARROW_XDMF_FLAG)
#undef MARROW_XDMF_FLAG
  const std::filesystem::path p(path_);
  try {
    write_xdmf(OutputTarget::sidecar_of(path_), p.filename().string(), layout, xdmf_);
  } catch (const std::exception& e) {
    throw WriteError(e.what());
  }
  return path_;
}

}  // namespace marrow
