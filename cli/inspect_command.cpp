#include <fmt/format.h>

#include <cmath>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "io/run_reader.hpp"

namespace marrow::cli {
namespace {

void table(const std::string& title, const std::vector<std::pair<std::string, double>>& rows) {
  if (rows.empty()) return;
  size_t w = 0;
  for (const auto& [k, v] : rows) w = std::max(w, k.size());
  fmt::print("{}\n", title);
  for (const auto& [k, v] : rows) fmt::print("  {:<{}}  {:>12.6g}\n", k, w, v);
}

}  // namespace

int inspect(const std::string& file, bool json) {
  RunSummary s;
  try {
    s = read_summary(file);
  } catch (const OutputFileError& e) {
    fmt::print(stderr, "marrow: {}\n", e.what());
    return kBadInput;
  }
  if (json) {
    nlohmann::json j;
    for (const auto& [k, v] : s.info) j["run"][k] = v;
    auto numbers = [](const std::vector<std::pair<std::string, double>>& rows) {
      nlohmann::json o = nlohmann::json::object();
      for (const auto& [k, v] : rows)
        o[k] = std::isfinite(v) ? nlohmann::json(v) : nlohmann::json();
      return o;
    };
    j["endpoints"] = numbers(s.endpoints);
    j["final"]["day"] = s.final_day;
    j["final"]["population"] = numbers(s.final_population);
    j["final"]["blood"] = numbers(s.final_blood);
    j["snapshots"] = s.snapshots;
    j["complete"] = s.complete;
    std::cout << j.dump(2) << "\n";
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
  return kOk;
}

}  // namespace marrow::cli
