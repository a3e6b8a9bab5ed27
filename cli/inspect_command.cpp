#include <fmt/format.h>

#include <cmath>
#include <iostream>

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
    std::cout << summary_json(s) << "\n";
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
