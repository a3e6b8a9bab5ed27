// marrow list: what the scenario library holds, one line each.
#include <fmt/core.h>

#include <algorithm>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "io/library.hpp"
#include "io/presets.hpp"
#include "io/scenario.hpp"

namespace marrow::cli {
namespace {

void show(const std::string& heading,
          const std::vector<std::pair<std::string, std::string>>& rows) {
  size_t width = 0;
  for (const auto& [name, what] : rows) width = std::max(width, name.size());
  fmt::print("{}:\n", heading);
  for (const auto& [name, what] : rows) fmt::print("  {:<{}}  {}\n", name, width, what);
}

}  // namespace

int list(const std::string& what) {
  const std::vector<std::string> kinds{"presets", "regimens", "conditions", "drugs"};
  if (!what.empty() && std::find(kinds.begin(), kinds.end(), what) == kinds.end()) {
    fmt::print(stderr,
               "marrow: list: unknown '{}'; expected presets, regimens, conditions or drugs\n",
               what);
    return kBadInput;
  }
  auto wanted = [&](const std::string& k) { return what.empty() || what == k; };
  if (wanted("presets")) {
    std::vector<std::pair<std::string, std::string>> rows;
    for (const std::string& n : preset_names()) rows.emplace_back(n, describe_toml(preset_text(n)));
    show("presets (preset = \"NAME\")", rows);
  }
  for (const std::string kind : {"regimens", "conditions"}) {
    if (!wanted(kind)) continue;
    std::vector<std::pair<std::string, std::string>> rows;
    for (const LibraryEntry& e : library_entries(kind)) rows.emplace_back(e.name, e.description);
    show(kind == std::string("regimens") ? "regimens (regimen = \"NAME\")"
                                         : "conditions (conditions = [\"NAME\", ...])",
         rows);
  }
  if (wanted("drugs")) {
    for (const std::string& p : preset_names()) {
      const LoadedScenario loaded = load_scenario_text("preset = \"" + p + "\"", "preset " + p, {});
      std::vector<std::pair<std::string, std::string>> rows;
      for (const DrugConfig& d : loaded.scenario.treatment.drugs)
        rows.emplace_back(d.name, fmt::format("half-life {:g} h, EC50 {:g} mg/kg{}",
                                              d.half_life_hours, d.ec50_mg_per_kg,
                                              d.cycling_only ? ", spares quiescent cells" : ""));
      show("drugs of preset " + p + " (schedule kind = \"chemotherapy\", drug = \"NAME\")", rows);
    }
  }
  return kOk;
}

}  // namespace marrow::cli
