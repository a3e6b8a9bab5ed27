#pragma once
// Layered, validating reads of TOML scenario tables. A key is looked up in the layers in order
// (--set overrides, the user's file, the preset) and the value found is range-checked and
// recorded in a resolved table, which is thus exactly the scenario that runs. Keys that no read
// asked for are errors, reported with a suggestion for the nearest known key.
#include <toml++/toml.h>

#include <cstdint>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace marrow {

// A bad scenario: the message names the file, line and key.
class ScenarioError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Bounds on the shape of a TOML text, checked on the raw text before it is parsed: the parser
// and the tables it builds recurse once per level, so a key of tens of thousands of dotted parts
// (or as many nested arrays) would exhaust the stack. No scenario needs more than a few levels.
struct TomlLimits {
  static constexpr size_t kKeyParts = 32;    // dotted parts of one key or table header
  static constexpr size_t kKeyChars = 1024;  // characters of one key or table header
  static constexpr size_t kNesting = 64;     // arrays and inline tables inside one another
  static constexpr size_t kDepth = 128;      // levels of a value: headers, keys and nesting
};

// The first place where `text` exceeds TomlLimits: its line (from 1) and what was expected.
struct TomlShapeError {
  size_t line = 0;
  std::string message;
};
std::optional<TomlShapeError> check_toml_shape(std::string_view text);

// "file:line" of a node, or the layer's label when the node has no source.
std::string location(const toml::node& n, const std::string& fallback);

// Closest candidate by edit distance, if close enough to be a likely misspelling.
std::optional<std::string> suggest(const std::string& word, const std::set<std::string>& options);

class Section {
 public:
  struct Layer {
    const toml::table* table;  // may be null: the layer has no such table
    std::string label;         // where the layer came from, for nodes without a source
  };

  Section(std::vector<Layer> layers, std::string path, toml::table* resolved);

  // Required values (an error when no layer has the key).
  double number(const std::string& key, double lo, double hi);
  int64_t integer(const std::string& key, int64_t lo, int64_t hi);
  std::string text(const std::string& key, const std::vector<std::string>& allowed = {});
  bool boolean(const std::string& key);
  std::vector<std::string> texts(const std::string& key, const std::vector<std::string>& allowed);
  std::vector<int64_t> integers(const std::string& key, size_t min_n, size_t max_n, int64_t lo,
                                int64_t hi);
  // Optional values: the default is recorded when no layer has the key.
  double number_or(const std::string& key, double fallback, double lo, double hi);
  int64_t integer_or(const std::string& key, int64_t fallback, int64_t lo, int64_t hi);
  bool boolean_or(const std::string& key, bool fallback);

  bool has(const std::string& key) const { return find(key) != nullptr; }
  // A sub-table merged over the layers.
  Section table(const std::string& key);
  // A table of name = number taken whole from the first layer that has it (not merged).
  std::vector<std::pair<std::string, double>> weights(const std::string& key, double lo, double hi);
  // A table of name = integer in [lo, hi], taken whole like weights (a number with no fraction,
  // as 3.0, counts as an integer).
  std::vector<std::pair<std::string, int64_t>> integer_table(const std::string& key, int64_t lo,
                                                             int64_t hi);
  // The names of the sub-tables present in any layer, in sorted order.
  std::vector<std::string> keys() const;

  // Reports keys that no read consumed.
  void finish() const;
  // `key` may name an entry of a sub-table ("labels.marrow"): the message gives that entry's line.
  [[noreturn]] void fail(const std::string& key, const std::string& message) const;
  // Fails at whichever of the keys the highest-priority layer sets.
  [[noreturn]] void fail_any(const std::vector<std::string>& keys,
                             const std::string& message) const;
  const std::string& path() const { return path_; }

 private:
  struct Found {
    const toml::node* node;
    const Layer* layer;
  };
  const toml::node* find(const std::string& key, const Layer** layer = nullptr) const;
  Found require(const std::string& key);
  double as_number(const std::string& key, const Found& f) const;
  std::string full(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }
  std::string where(const std::string& key) const;

  std::vector<Layer> layers_;
  std::string path_;
  toml::table* resolved_;
  std::set<std::string> used_;
};

}  // namespace marrow
