#pragma once
// The scenario library: the TOML files under presets/, regimens/ and conditions/, embedded in
// the program at build time. Each file opens with a comment whose first line describes it.
#include <string>
#include <string_view>
#include <vector>

namespace marrow {

struct LibraryEntry {
  std::string kind;         // "presets", "regimens" or "conditions"
  std::string name;         // the file name without .toml
  std::string path;         // as in the source tree, e.g. "conditions/itp.toml" (for messages)
  std::string_view text;    // the file's TOML
  std::string description;  // its first comment line
};

// The first sentence of the first paragraph of comments of a TOML text.
std::string describe_toml(std::string_view text);

// The entries of one kind, sorted by name.
std::vector<LibraryEntry> library_entries(const std::string& kind);
// The entry, or null when the library has none of that kind and name.
const LibraryEntry* library_entry(const std::string& kind, const std::string& name);
std::vector<std::string> library_names(const std::string& kind);

}  // namespace marrow
