#include "io/checkpoint.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "io/hdf5_file.hpp"
#include "io/run_reader.hpp"

namespace marrow {

std::vector<AgentRecord> Checkpoint::agents(const Lattice& lattice) const {
  std::vector<AgentRecord> out = columns;
  for (size_t i = 0; i < x.size(); ++i) {
    const Coord c{x[i], y[i], z[i]};
    if (!lattice.inside(c))
      throw OutputFileError(
          fmt::format("snapshot {}: agent {} at ({}, {}, {}) is outside the lattice", snapshot, i,
                      c.x, c.y, c.z));
    out[i].site = lattice.index(c);
  }
  return out;
}

std::vector<std::vector<float>> Checkpoint::fields_for(const Simulation& sim) const {
  std::vector<std::vector<float>> out;
  for (const auto& field : sim.fields()) {
    const auto it = std::find_if(fields.begin(), fields.end(),
                                 [&](const auto& f) { return f.first == field.config().name; });
    if (it == fields.end()) return {};
    if (it->second.size() != static_cast<size_t>(sim.lattice().sites()))
      throw OutputFileError(
          fmt::format("snapshot {}: field {} does not match the lattice", snapshot, it->first));
    out.push_back(it->second);
  }
  return out;
}

Checkpoint read_checkpoint(const std::string& spec) {
  std::string path = spec, which;
  const auto colon = spec.rfind(':');
  std::error_code ec;
  if (colon != std::string::npos && colon + 1 < spec.size() && !std::filesystem::exists(spec, ec)) {
    path = spec.substr(0, colon);
    which = spec.substr(colon + 1);
  }
  try {
    h5::Handle f = h5::open_file(path);
    if (!h5::has_attr(f, "schema_version") || !h5::exists(f, "parameters") ||
        !h5::exists(f, "snapshots"))
      throw OutputFileError(path + ": not a marrow output file");
    Checkpoint c;
    c.scenario_toml = h5::attr_string(h5::open_group(f, "parameters"), "scenario");
    auto names = h5::children(h5::open_group(f, "snapshots"));
    if (names.empty()) throw OutputFileError(path + ": has no snapshot to restart from");
    std::sort(names.begin(), names.end());
    if (which.empty()) {
      c.snapshot = names.back();
    } else {
      const bool numeric = std::all_of(which.begin(), which.end(),
                                       [](unsigned char ch) { return ch >= '0' && ch <= '9'; }) &&
                           which.size() < 9;
      const std::string name = numeric ? fmt::format("{:06d}", std::stoi(which)) : which;
      if (std::find(names.begin(), names.end(), name) == names.end())
        throw OutputFileError(fmt::format("{}: no snapshot '{}' (have {} to {})", path, which,
                                          names.front(), names.back()));
      c.snapshot = name;
    }
    const std::string base = "snapshots/" + c.snapshot;
    h5::Handle g = h5::open_group(f, base);
    c.file = path;
    if (h5::has_attr(g, "spin_up_steps_done")) {
      c.spin_up_steps_done = h5::attr_int(g, "spin_up_steps_done");
      c.spin_up_handoff_sums = h5::read<double>(f, base + "/spin_up_handoff_sums");
      if (c.spin_up_steps_done < 0)
        throw OutputFileError(path + ": " + base + " has an invalid spin_up_steps_done");
    }
    c.step = h5::attr_int(g, "step");
    c.origin_step = h5::attr_int(g, "origin_step");
    c.time_days = h5::attr_double(g, "time_days");
    c.x = h5::read<int32_t>(f, base + "/agents/x");
    c.y = h5::read<int32_t>(f, base + "/agents/y");
    c.z = h5::read<int32_t>(f, base + "/agents/z");
    const size_t n = c.x.size();
    if (c.y.size() != n || c.z.size() != n)
      throw OutputFileError(path + ": agent fields of " + base + " differ in length");
    c.columns.assign(n, AgentRecord{});
    // Every column of agents/agent_columns.hpp, the flags from their bit fields.
    auto column = [&]<class T>(const char* dataset, auto&& set) {
      const std::vector<T> v = h5::read<T>(f, base + "/agents/" + dataset);
      if (v.size() != n)
        throw OutputFileError(path + ": agent fields of " + base + " differ in length");
      for (size_t i = 0; i < n; ++i) set(c.columns[i], v[i]);
    };
#define MARROW_READ_COLUMN(T, member, init, dataset) \
  if (!std::string_view(dataset).empty())            \
    column.template operator()<T>(dataset, [](AgentRecord& a, T v) { a.member = v; });
    MARROW_AGENT_COLUMNS(MARROW_READ_COLUMN)
#undef MARROW_READ_COLUMN
#define MARROW_READ_FLAG(dataset, mask, shift)                                    \
  column.template operator()<uint8_t>(dataset, [&](AgentRecord& a, uint8_t v) {   \
    if (v > ((mask) >> (shift)))                                                  \
      throw OutputFileError(                                                      \
          fmt::format("{}: {} has an agent with a bad {}", path, base, dataset)); \
    a.flags = static_cast<uint8_t>(a.flags | (v << (shift)));                     \
  });
    MARROW_AGENT_FLAG_COLUMNS(MARROW_READ_FLAG)
#undef MARROW_READ_FLAG
    c.blood_state = h5::read<double>(f, base + "/compartments/state");
    if (h5::exists(f, base + "/fields"))
      for (const auto& name : h5::children(h5::open_group(f, base + "/fields")))
        c.fields.emplace_back(name, h5::read<float>(f, base + "/fields/" + name));
    // Steps count on from here (beyond 2^53 a step has no exact time in a double).
    if (c.step < 0 || c.origin_step < 0 || c.origin_step > c.step || c.step > (int64_t{1} << 53))
      throw OutputFileError(path + ": " + base + " has an invalid step");
    if (!std::isfinite(c.time_days))
      throw OutputFileError(path + ": " + base + " has an invalid time_days");
    return c;
  } catch (const h5::Error& e) {
    throw OutputFileError(with_path(path, e.what()));
  }
}

std::vector<Observation> read_rows(const std::string& path, const Simulation& sim,
                                   double up_to_day) {
  try {
    h5::Handle f = h5::open_file(path);
    const auto t = h5::read<double>(f, "timeseries/time_days");
    size_t n = 0;
    while (n < t.size() && t[n] <= up_to_day + 1e-9) ++n;
    auto column = [&](const std::string& name) {
      auto v = h5::read<double>(f, "timeseries/" + name);
      if (v.size() != t.size()) throw OutputFileError(path + ": " + name + " has the wrong length");
      return v;
    };
    // Counts are stored as numbers: check before converting (a NaN or 1e300 has no int64_t).
    auto count = [&](double x, const std::string& name) {
      if (!(x >= 0 && x <= 9007199254740992.0))
        throw OutputFileError(fmt::format("{}: {} holds {}, not a count", path, name, x));
      return static_cast<int64_t>(x);
    };
    std::vector<Observation> rows(n);
    for (size_t i = 0; i < n; ++i) rows[i].time_days = t[i];
    const LineageGraph& g = sim.scenario().graph;
    for (int k = 0; k < g.type_count(); ++k) {
      const auto v = column("population/" + g.type(k).name);
      for (size_t i = 0; i < n; ++i)
        rows[i].population.push_back(count(v[i], "population/" + g.type(k).name));
    }
    for (int p = 0; p < sim.blood().pool_count(); ++p) {
      const auto v = column("blood/" + sim.blood().pool(p).name);
      const auto w = column("production/" + sim.blood().pool(p).name);
      for (size_t i = 0; i < n; ++i) {
        rows[i].blood.push_back(v[i]);
        rows[i].production.push_back(w[i]);
      }
    }
    for (int m = 0; m < sim.blood().maturation_count(); ++m) {
      const MaturationConfig& c = sim.blood().maturation(m);
      const std::vector<double> ones(t.size(), 1.0);
      const auto level = c.sensor.empty() ? ones : column("cytokines/" + c.hormone);
      const auto multiplier =
          c.sensor.empty() ? ones : column("cytokines/" + c.hormone + "_multiplier");
      for (size_t i = 0; i < n; ++i) {
        rows[i].hormone.push_back(level[i]);
        rows[i].drive.push_back(multiplier[i]);
      }
    }
    for (int k = 0; k < g.type_count(); ++k) {
      const auto v = column("cycling/" + g.type(k).name);
      for (size_t i = 0; i < n; ++i) rows[i].cycling.push_back(v[i]);
    }
    const auto hb = column("blood/hemoglobin");
    const auto occ = column("niche/occupied_niches");
    const auto frac = column("niche/hsc_in_niche_fraction");
    const auto agents = column("agents");
    const auto egressed = column("niche/egress");
    const auto homed = column("niche/homed");
    for (size_t i = 0; i < n; ++i) {
      rows[i].hemoglobin = hb[i];
      rows[i].occupied_niches = count(occ[i], "niche/occupied_niches");
      rows[i].hsc_in_niche_fraction = frac[i];
      rows[i].agents = count(agents[i], "agents");
      rows[i].egressed = count(egressed[i], "niche/egress");
      rows[i].homed = count(homed[i], "niche/homed");
    }
    for (const auto& lineage : sim.lineages()) {
      const auto v = column("chimerism/" + lineage);
      const auto w = column("gene_modified/" + lineage);
      for (size_t i = 0; i < n; ++i) {
        rows[i].chimerism.push_back(v[i]);
        rows[i].gene_modified.push_back(w[i]);
      }
    }
    const auto stroma = column("treatment/stroma");
    const auto activation = column("treatment/activation");
    const auto immunity = column("treatment/immunity");
    for (size_t i = 0; i < n; ++i) {
      rows[i].stroma = stroma[i];
      rows[i].activation = activation[i];
      rows[i].immunity = immunity[i];
    }
    // Written since version 0.9 of the schema: an older file had neither.
    if (h5::exists(f, "timeseries/treatment/autoreactive_clone")) {
      const auto clone = column("treatment/autoreactive_clone");
      const auto platelet_units = column("transfusions/platelet_units");
      const auto rbc_units = column("transfusions/rbc_units");
      for (size_t i = 0; i < n; ++i) {
        rows[i].autoreactive_clone = clone[i];
        rows[i].platelet_units = count(platelet_units[i], "transfusions/platelet_units");
        rows[i].rbc_units = count(rbc_units[i], "transfusions/rbc_units");
      }
    }
    return rows;
  } catch (const h5::Error& e) {
    throw OutputFileError(with_path(path, e.what()));
  }
}

}  // namespace marrow
