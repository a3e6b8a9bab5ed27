#include <fmt/format.h>
#include <toml++/toml.h>

#include <cmath>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "io/hdf5_file.hpp"
#include "io/run_reader.hpp"
#include "io/toml_reader.hpp"

namespace marrow::cli {
namespace {

using Rows = std::vector<std::pair<std::string, double>>;

void table(const std::string& title, const Rows& rows) {
  if (rows.empty()) return;
  size_t w = 0;
  for (const auto& [k, v] : rows) w = std::max(w, k.size());
  fmt::print("{}\n", title);
  for (const auto& [k, v] : rows) fmt::print("  {:<{}}  {:>12.6g}\n", k, w, v);
}

// The last values of the systemic feedback and of the stem type's cycling fraction, which the
// summary of the run file does not hold: every /timeseries/cytokines series (levels and
// multipliers) and /timeseries/cycling/<stem type> (organism.hsc_type of the stored scenario).
struct Feedback {
  Rows cytokines;
  Rows cycling;
};

Feedback read_feedback(const std::string& path) {
  Feedback out;
  try {
    h5::Handle f = h5::open_file(path);
    if (h5::exists(f, "timeseries/cytokines"))
      for (const auto& name : h5::children(h5::open_group(f, "timeseries/cytokines"))) {
        const auto v = h5::read<double>(f, "timeseries/cytokines/" + name);
        if (!v.empty()) out.cytokines.emplace_back(name, v.back());
      }
    std::string stem = "LT_HSC";
    if (h5::exists(f, "parameters") && h5::has_attr(h5::open_group(f, "parameters"), "scenario")) {
      try {
        const std::string text = h5::attr_string(h5::open_group(f, "parameters"), "scenario");
        // A stored scenario too deep for the parser is damaged like any other.
        const toml::table sc = check_toml_shape(text) ? toml::table{} : toml::parse(text);
        if (auto s = sc["organism"]["hsc_type"].value<std::string>()) stem = *s;
      } catch (const toml::parse_error&) {
        // A damaged stored scenario: keep the default stem type.
      }
    }
    const std::string cycling = "timeseries/cycling/" + stem;
    if (h5::exists(f, "timeseries/cycling") && h5::exists(f, cycling)) {
      const auto v = h5::read<double>(f, cycling);
      if (!v.empty()) out.cycling.emplace_back(stem, v.back());
    }
  } catch (const h5::Error& e) {
    throw OutputFileError(with_path(path, e.what()));
  }
  return out;
}

}  // namespace

int inspect(const std::string& file, bool json) {
  RunSummary s;
  Feedback fb;
  try {
    s = read_summary(file);
    fb = read_feedback(file);
  } catch (const OutputFileError& e) {
    fmt::print(stderr, "marrow: {}\n", e.what());
    return kBadInput;
  }
  if (json) {
    nlohmann::json j = nlohmann::json::parse(summary_json(s));
    auto numbers = [](const Rows& rows) {
      nlohmann::json o = nlohmann::json::object();
      for (const auto& [k, v] : rows)
        o[k] = std::isfinite(v) ? nlohmann::json(v) : nlohmann::json();
      return o;
    };
    j["final"]["cytokines"] = numbers(fb.cytokines);
    j["final"]["cycling"] = numbers(fb.cycling);
    // Names come from the file: replace what is not UTF-8 rather than fail.
    std::cout << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return kOk;
  }
  size_t w = 0;
  for (const auto& [k, v] : s.info) w = std::max(w, k.size());
  fmt::print("run {}\n", file);
  for (const auto& [k, v] : s.info) fmt::print("  {:<{}}  {}\n", k, w, v);
  fmt::print("  {:<{}}  {}\n", "snapshots", w, s.snapshots);
  table("endpoints", s.endpoints);
  table(fmt::format("final population (day {:.1f})", s.final_day), s.final_population);
  table(fmt::format("final blood (day {:.1f})", s.final_day), s.final_blood);
  table(fmt::format("final hormone levels and multipliers (day {:.1f}; 1 at the set point)",
                    s.final_day),
        fb.cytokines);
  table(fmt::format("final cycling fraction (day {:.1f})", s.final_day), fb.cycling);
  return kOk;
}

}  // namespace marrow::cli
