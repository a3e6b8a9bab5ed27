#include "io/presets.hpp"

#include <map>
#include <stdexcept>

#include "io/library.hpp"

namespace marrow {

// The presets are presets/NAME.toml of the scenario library; a name starting with "_" is a
// part that presets extend, not a preset.
const std::string& preset_text(const std::string& name) {
  static std::map<std::string, std::string> texts;
  const LibraryEntry* e = library_entry("presets", name);
  if (!e) throw std::out_of_range("unknown preset " + name);
  return texts.try_emplace(name, e->text).first->second;
}

std::vector<std::string> preset_names() {
  std::vector<std::string> out;
  for (const std::string& n : library_names("presets"))
    if (!n.starts_with("_")) out.push_back(n);
  return out;
}

std::string regimen_text(const std::string& name) {
  const LibraryEntry* e = library_entry("regimens", name);
  if (!e) throw std::out_of_range("unknown regimen " + name);
  return std::string(e->text);
}

std::vector<std::string> regimen_names() { return library_names("regimens"); }

}  // namespace marrow
