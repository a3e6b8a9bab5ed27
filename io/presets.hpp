#pragma once
// Built-in parameter sets. Each is a complete scenario in TOML, every default with its source.
#include <string>
#include <vector>

namespace marrow {

// The TOML text of presets/NAME.toml (a preset, or a part presets extend, named with a leading
// "_"); throws std::out_of_range for an unknown name.
const std::string& preset_text(const std::string& name);
// The presets (not the parts they extend).
std::vector<std::string> preset_names();

// A conditioning regimen's schedule events as TOML (regimens/NAME.toml; "none" has none);
// throws std::out_of_range for an unknown name.
std::string regimen_text(const std::string& name);
std::vector<std::string> regimen_names();

}  // namespace marrow
