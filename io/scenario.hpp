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
};

// `file` may be empty (the built-in default). Overrides are "dotted.key=value".
LoadedScenario load_scenario(const std::string& file, const std::vector<std::string>& overrides);
// Loads from TOML text (e.g. the resolved scenario stored in an output file).
LoadedScenario load_scenario_text(const std::string& text, const std::string& label,
                                  const std::vector<std::string>& overrides);

}  // namespace marrow
