#pragma once
// Scenario loading: preset, then the user's file, then --set overrides; every key validated.
#include <optional>
#include <string>
#include <vector>

#include "io/toml_reader.hpp"
#include "model/scenario.hpp"

namespace marrow {

struct LoadedScenario {
  Scenario scenario;
  std::string resolved_toml;  // the scenario as run, every key explicit
  std::string preset;
  // What loads and runs but is likely a mistake, one sentence each (e.g. a cell type whose
  // descendants never reach the blood).
  std::vector<std::string> warnings;
  // Files the scenario reads besides itself (a labels file): never an output.
  std::vector<std::string> inputs;
};

// Warnings about the lineage graph: one per cell type from which no chain of differentiations
// reaches a maturation compartment (the only way to the blood), and one per blood pool that no
// compartment reached by differentiation feeds.
std::vector<std::string> lineage_warnings(const Scenario& sc);

// `file` may be empty (the built-in default). Overrides are "dotted.key=value".
LoadedScenario load_scenario(const std::string& file, const std::vector<std::string>& overrides);
// Loads from TOML text (e.g. the resolved scenario stored in an output file).
LoadedScenario load_scenario_text(const std::string& text, const std::string& label,
                                  const std::vector<std::string>& overrides);

}  // namespace marrow
