#include "io/toml_reader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>

namespace marrow {
namespace {

std::string type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a number";
    default:
      return "a date or time";
  }
}

// A single pass over TOML text that follows strings, comments, keys, table headers, arrays and
// inline tables just far enough to measure them; it validates nothing else (the parser does).
class ShapeScan {
 public:
  explicit ShapeScan(std::string_view text) : t_(text) {}

  std::optional<TomlShapeError> run() {
    if (t_.substr(0, 3) == "\xEF\xBB\xBF") i_ = 3;  // a UTF-8 byte order mark, as the parser skips
    while (i_ < t_.size() && !error_) {
      switch (mode_) {
        case Mode::kLineStart:
          line_start();
          break;
        case Mode::kRestOfLine:
          if (t_[i_] == '\n') mode_ = Mode::kLineStart;
          advance();
          break;
        case Mode::kInlineKey:
          inline_key();
          break;
        case Mode::kValue:
          value();
          break;
      }
    }
    return error_;
  }

 private:
  enum class Mode { kLineStart, kRestOfLine, kInlineKey, kValue };
  struct Open {
    char kind;     // '[' or '{'
    size_t depth;  // levels above the array or inline table itself
  };
  struct Key {
    size_t parts = 0, begin = 0, end = 0, line = 0;
  };

  static bool bare(char c) {
    const auto u = static_cast<unsigned char>(c);
    return std::isalnum(u) || c == '_' || c == '-' || u >= 0x80;
  }

  void advance(size_t n = 1) {
    for (size_t k = 0; k < n && i_ < t_.size(); ++k, ++i_)
      if (t_[i_] == '\n') ++line_;
  }
  void skip_blanks() {
    while (i_ < t_.size() && (t_[i_] == ' ' || t_[i_] == '\t')) ++i_;
  }
  void skip_comment() {
    while (i_ < t_.size() && t_[i_] != '\n') ++i_;
  }

  void fail(size_t line, std::string message) {
    if (!error_) error_ = TomlShapeError{line, std::move(message)};
  }

  // The start of a long key, printable, for a message.
  std::string excerpt(const Key& k) const {
    constexpr size_t kShown = 40;
    std::string out;
    for (size_t j = k.begin; j < k.end && out.size() < kShown; ++j)
      out += std::isprint(static_cast<unsigned char>(t_[j])) ? t_[j] : '?';
    if (k.end - k.begin > kShown) out += "...";
    return out;
  }

  // A dotted key: bare, "basic" or 'literal' parts joined by dots. Consumes nothing when no key
  // starts here.
  Key key() {
    skip_blanks();
    Key k;
    k.line = line_;
    k.begin = k.end = i_;
    while (i_ < t_.size()) {
      skip_blanks();
      if (i_ >= t_.size()) break;
      const char c = t_[i_];
      if (c == '"' || c == '\'') {
        ++i_;
        while (i_ < t_.size() && t_[i_] != c && t_[i_] != '\n')
          i_ += (c == '"' && t_[i_] == '\\' && i_ + 1 < t_.size() && t_[i_ + 1] != '\n') ? 2 : 1;
        if (i_ < t_.size() && t_[i_] == c) ++i_;
      } else if (bare(c)) {
        while (i_ < t_.size() && bare(t_[i_])) ++i_;
      } else {
        break;
      }
      ++k.parts;
      k.end = i_;
      skip_blanks();
      if (i_ >= t_.size() || t_[i_] != '.') break;
      ++i_;
    }
    if (k.parts == 0) i_ = k.begin;
    return k;
  }

  // Checks a key's size; `what` is "key" or "table header".
  bool within(const Key& k, const char* what) {
    if (k.parts > TomlLimits::kKeyParts) {
      fail(k.line, fmt::format("the {} '{}' has {} dotted parts, expected a {} of at most {} parts",
                               what, excerpt(k), k.parts, what, TomlLimits::kKeyParts));
      return false;
    }
    if (k.end - k.begin > TomlLimits::kKeyChars) {
      fail(k.line,
           fmt::format("the {} '{}' is {} characters long, expected a {} of at most {} characters",
                       what, excerpt(k), k.end - k.begin, what, TomlLimits::kKeyChars));
      return false;
    }
    return true;
  }

  bool deep_enough(size_t depth, size_t line) {
    if (depth <= TomlLimits::kDepth) return true;
    fail(line, fmt::format("a value {} levels deep (table header, dotted keys, arrays and inline "
                           "tables together), expected at most {} levels",
                           depth, TomlLimits::kDepth));
    return false;
  }

  // After a key: its '=' and then its value, `depth` levels down.
  void assign(const Key& k, size_t container) {
    if (!within(k, "key") || !deep_enough(container + k.parts, k.line)) return;
    skip_blanks();
    if (i_ < t_.size() && t_[i_] == '=') ++i_;
    depth_ = container + k.parts;
    mode_ = Mode::kValue;
  }

  void line_start() {
    const char c = t_[i_];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') return advance();
    if (c == '#') return skip_comment();
    if (c == '[') {
      const size_t line = line_;
      ++i_;
      const bool array = i_ < t_.size() && t_[i_] == '[';
      if (array) ++i_;
      const Key k = key();
      if (!within(k, "table header")) return;
      table_depth_ = k.parts + (array ? 1 : 0);
      if (!deep_enough(table_depth_, line)) return;
      mode_ = Mode::kRestOfLine;
      return;
    }
    const Key k = key();
    if (k.parts == 0) {  // not TOML; the parser reports it, the nesting after it still counts
      depth_ = table_depth_;
      mode_ = Mode::kValue;
      return;
    }
    assign(k, table_depth_);
  }

  void inline_key() {
    const char c = t_[i_];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ',') return advance();
    if (c == '#') return skip_comment();
    if (c == '}') return close('{');
    const Key k = key();
    if (k.parts == 0) {
      depth_ = open_.back().depth + 1;
      mode_ = Mode::kValue;
      return;
    }
    assign(k, open_.back().depth);
  }

  void open(char kind) {
    if (open_.size() >= TomlLimits::kNesting) {
      fail(line_, fmt::format("arrays and inline tables nested {} deep, expected at most {} "
                              "levels of nesting",
                              open_.size() + 1, TomlLimits::kNesting));
      return;
    }
    if (kind == '[' && !deep_enough(depth_ + 1, line_)) return;  // its elements' level
    open_.push_back({kind, depth_});
    ++i_;
    if (kind == '[') {
      depth_ = depth_ + 1;
    } else {
      mode_ = Mode::kInlineKey;
    }
  }

  void close(char kind) {
    ++i_;
    if (open_.empty() || open_.back().kind != kind) return;  // not TOML; the parser reports it
    open_.pop_back();
    mode_ = Mode::kValue;
    if (!open_.empty()) depth_ = open_.back().depth + 1;
  }

  // A string of either kind, single- or multi-line, from its opening quote.
  void string() {
    const char q = t_[i_];
    const bool basic = q == '"';
    if (t_.substr(i_, 3) == std::string_view(q == '"' ? "\"\"\"" : "'''")) {
      i_ += 3;
      while (i_ < t_.size()) {
        if (basic && t_[i_] == '\\') {
          advance(2);
        } else if (t_[i_] == q) {
          size_t run = 0;
          while (i_ < t_.size() && t_[i_] == q) ++i_, ++run;
          if (run >= 3) return;  // up to two quotes before the closing three are content
        } else {
          advance();
        }
      }
      return;
    }
    ++i_;
    while (i_ < t_.size() && t_[i_] != '\n') {
      if (basic && t_[i_] == '\\' && i_ + 1 < t_.size() && t_[i_ + 1] != '\n') {
        i_ += 2;
      } else if (t_[i_++] == q) {
        return;
      }
    }
  }

  void value() {
    switch (t_[i_]) {
      case '\n':
        advance();
        if (open_.empty()) mode_ = Mode::kLineStart;
        return;
      case '#':
        return skip_comment();
      case '"':
      case '\'':
        return string();
      case '[':
      case '{':
        return open(t_[i_]);
      case ']':
        return close('[');
      case '}':
        return close('{');
      case ',':
        ++i_;
        if (!open_.empty() && open_.back().kind == '{') mode_ = Mode::kInlineKey;
        return;
      default:
        ++i_;  // part of a number, boolean, date or time, or blank
    }
  }

  std::string_view t_;
  size_t i_ = 0, line_ = 1;
  Mode mode_ = Mode::kLineStart;
  size_t table_depth_ = 0;  // levels of the current [table] or [[array of tables]]
  size_t depth_ = 0;        // levels of a value that starts here
  std::vector<Open> open_;
  std::optional<TomlShapeError> error_;
};

}  // namespace

std::optional<TomlShapeError> check_toml_shape(std::string_view text) {
  return ShapeScan(text).run();
}

std::string location(const toml::node& n, const std::string& fallback) {
  const auto& src = n.source();
  if (!src.path || src.path->empty()) return fallback;
  if (src.path->rfind("--set", 0) == 0) return *src.path;
  return fmt::format("{}:{}", *src.path, src.begin.line);
}

std::optional<std::string> suggest(const std::string& word, const std::set<std::string>& options) {
  auto distance = [](const std::string& a, const std::string& b) {
    std::vector<size_t> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
      size_t diag = row[0];
      row[0] = i;
      for (size_t j = 1; j <= b.size(); ++j) {
        const size_t up = row[j];
        row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] != b[j - 1])});
        diag = up;
      }
    }
    return row[b.size()];
  };
  std::optional<std::string> best;
  size_t best_d = std::max<size_t>(2, word.size() / 3) + 1;
  for (const auto& o : options) {
    const size_t d = distance(word, o);
    if (d < best_d) {
      best_d = d;
      best = o;
    }
  }
  return best;
}

Section::Section(std::vector<Layer> layers, std::string path, toml::table* resolved)
    : layers_(std::move(layers)), path_(std::move(path)), resolved_(resolved) {}

namespace {

// `key` in `t`, or an entry of a sub-table when `key` is "sub.entry" (names may hold dots
// themselves, so each split is tried).
const toml::node* lookup(const toml::table& t, std::string_view key) {
  if (const toml::node* n = t.get(key)) return n;
  for (size_t dot = key.find('.'); dot != std::string_view::npos; dot = key.find('.', dot + 1))
    if (const toml::table* sub = t.get_as<toml::table>(key.substr(0, dot)))
      if (const toml::node* n = lookup(*sub, key.substr(dot + 1))) return n;
  return nullptr;
}

// A value as a message quotes it: numbers as written, anything else by its type.
std::string value_text(const toml::node& n) {
  if (const auto* i = n.as_integer()) return fmt::format("{}", i->get());
  if (const auto* d = n.as_floating_point()) return fmt::format("{}", d->get());
  return type_name(n);
}

}  // namespace

const toml::node* Section::find(const std::string& key, const Layer** layer) const {
  for (const Layer& l : layers_) {
    if (!l.table) continue;
    if (const toml::node* n = l.table->get(key)) {
      if (layer) *layer = &l;
      return n;
    }
  }
  return nullptr;
}

std::string Section::where(const std::string& key) const {
  for (const Layer& l : layers_)
    if (l.table)
      if (const toml::node* n = lookup(*l.table, key)) return location(*n, l.label);
  // Not present anywhere: point at the table itself in the first layer that has it.
  for (const Layer& l : layers_)
    if (l.table) return location(*l.table, l.label);
  return layers_.empty() ? std::string("scenario") : layers_.front().label;
}

void Section::fail(const std::string& key, const std::string& message) const {
  throw ScenarioError(fmt::format("{}: {}: {}", where(key), full(key), message));
}

void Section::fail_any(const std::vector<std::string>& keys, const std::string& message) const {
  // Blame the key set by the highest layer: the one the user most likely just edited.
  for (const Layer& l : layers_)
    for (const auto& k : keys)
      if (l.table && l.table->get(k)) fail(k, message);
  fail(keys.front(), message);
}

Section::Found Section::require(const std::string& key) {
  const Layer* layer = nullptr;
  const toml::node* n = find(key, &layer);
  if (!n) fail(key, "missing (this key is required here)");
  used_.insert(key);
  return {n, layer};
}

double Section::as_number(const std::string& key, const Found& f) const {
  if (const auto* i = f.node->as_integer()) return static_cast<double>(i->get());
  if (const auto* d = f.node->as_floating_point()) return d->get();
  fail(key, fmt::format("expected a number, got {}", type_name(*f.node)));
}

namespace {
std::string range_text(double lo, double hi) {
  if (std::isinf(hi)) return fmt::format("a number >= {}", lo);
  if (lo == 0 && hi == 1) return "a probability in [0, 1]";
  return fmt::format("a number in [{}, {}]", lo, hi);
}
}  // namespace

double Section::number(const std::string& key, double lo, double hi) {
  const Found f = require(key);
  const double v = as_number(key, f);
  if (!std::isfinite(v) || v < lo || v > hi)
    fail(key, fmt::format("expected {}, got {}", range_text(lo, hi), v));
  resolved_->insert_or_assign(key, v);
  return v;
}

int64_t Section::integer(const std::string& key, int64_t lo, int64_t hi) {
  const Found f = require(key);
  const auto* i = f.node->as_integer();
  if (!i) fail(key, "expected an integer");
  const int64_t v = i->get();
  if (v < lo || v > hi)
    fail(key, fmt::format("expected an integer in [{}, {}], got {}", lo, hi, v));
  resolved_->insert_or_assign(key, v);
  return v;
}

std::string Section::text(const std::string& key, const std::vector<std::string>& allowed) {
  const Found f = require(key);
  const auto* s = f.node->as_string();
  if (!s) fail(key, "expected a string");
  const std::string v = s->get();
  if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), v) == allowed.end())
    fail(key, fmt::format("expected one of \"{}\", got \"{}\"", fmt::join(allowed, "\", \""), v));
  resolved_->insert_or_assign(key, v);
  return v;
}

bool Section::boolean(const std::string& key) {
  const Found f = require(key);
  const auto* b = f.node->as_boolean();
  if (!b) fail(key, "expected true or false");
  resolved_->insert_or_assign(key, b->get());
  return b->get();
}

std::vector<std::string> Section::texts(const std::string& key,
                                        const std::vector<std::string>& allowed) {
  const Found f = require(key);
  const auto* a = f.node->as_array();
  if (!a) fail(key, "expected an array of strings");
  std::vector<std::string> v;
  toml::array out;
  for (const auto& e : *a) {
    const auto* s = e.as_string();
    if (!s || std::find(allowed.begin(), allowed.end(), s->get()) == allowed.end())
      fail(key, fmt::format("expected strings among \"{}\"", fmt::join(allowed, "\", \"")));
    v.push_back(s->get());
    out.push_back(s->get());
  }
  resolved_->insert_or_assign(key, std::move(out));
  return v;
}

std::vector<int64_t> Section::integers(const std::string& key, size_t min_n, size_t max_n,
                                       int64_t lo, int64_t hi) {
  const Found f = require(key);
  const auto* a = f.node->as_array();
  if (!a || a->size() < min_n || a->size() > max_n)
    fail(key, fmt::format("expected an array of {} to {} integers", min_n, max_n));
  std::vector<int64_t> v;
  toml::array out;
  for (const auto& e : *a) {
    const auto* i = e.as_integer();
    if (!i || i->get() < lo || i->get() > hi)
      fail(key, fmt::format("expected integers in [{}, {}]", lo, hi));
    v.push_back(i->get());
    out.push_back(i->get());
  }
  resolved_->insert_or_assign(key, std::move(out));
  return v;
}

double Section::number_or(const std::string& key, double fallback, double lo, double hi) {
  used_.insert(key);  // known even when absent: a misspelling of it gets a suggestion
  if (has(key)) return number(key, lo, hi);
  resolved_->insert_or_assign(key, fallback);
  return fallback;
}

int64_t Section::integer_or(const std::string& key, int64_t fallback, int64_t lo, int64_t hi) {
  used_.insert(key);
  if (has(key)) return integer(key, lo, hi);
  resolved_->insert_or_assign(key, fallback);
  return fallback;
}

bool Section::boolean_or(const std::string& key, bool fallback) {
  used_.insert(key);
  if (has(key)) return boolean(key);
  resolved_->insert_or_assign(key, fallback);
  return fallback;
}

Section Section::table(const std::string& key) {
  used_.insert(key);
  std::vector<Layer> sub;
  for (const Layer& l : layers_) {
    const toml::node* n = l.table ? l.table->get(key) : nullptr;
    if (n && !n->is_table()) fail(key, "expected a table");
    sub.push_back({n ? n->as_table() : nullptr, l.label});
  }
  auto [it, inserted] = resolved_->insert(key, toml::table{});
  (void)inserted;
  return Section(std::move(sub), full(key), it->second.as_table());
}

std::vector<std::pair<std::string, double>> Section::weights(const std::string& key, double lo,
                                                             double hi) {
  const Found f = require(key);
  const auto* t = f.node->as_table();
  if (!t || t->empty())
    fail(key, "expected a table of name = number, e.g. { CMP = 0.7, CLP = 0.3 }");
  std::vector<std::pair<std::string, double>> out;
  toml::table rec;
  rec.is_inline(true);
  for (const auto& [k, v] : *t) {
    const double x =
        v.is_integer() ? static_cast<double>(*v.value<int64_t>()) : v.value<double>().value_or(NAN);
    if (!v.is_number() || !(x >= lo && x <= hi))
      fail(key + "." + std::string(k.str()),
           fmt::format("expected {}, got {}", range_text(lo, hi), value_text(v)));
    out.emplace_back(std::string(k.str()), x);
    rec.insert(k, x);
  }
  resolved_->insert_or_assign(key, std::move(rec));
  return out;
}

std::vector<std::pair<std::string, int64_t>> Section::integer_table(const std::string& key,
                                                                    int64_t lo, int64_t hi) {
  const Found f = require(key);
  const auto* t = f.node->as_table();
  if (!t || t->empty())
    fail(key, fmt::format("expected a table of name = integer in [{}, {}]", lo, hi));
  std::vector<std::pair<std::string, int64_t>> out;
  toml::table rec;
  rec.is_inline(true);
  for (const auto& [k, v] : *t) {
    // Compared before any conversion, so that the message quotes the value as written.
    std::optional<int64_t> x;
    if (const auto* i = v.as_integer(); i && i->get() >= lo && i->get() <= hi) x = i->get();
    if (const auto* d = v.as_floating_point(); d && d->get() == std::floor(d->get()) &&
                                               d->get() >= static_cast<double>(lo) &&
                                               d->get() <= static_cast<double>(hi))
      x = static_cast<int64_t>(d->get());
    if (!x)
      fail(key + "." + std::string(k.str()),
           fmt::format("expected an integer in [{}, {}], got {}", lo, hi, value_text(v)));
    out.emplace_back(std::string(k.str()), *x);
    rec.insert(k, *x);
  }
  resolved_->insert_or_assign(key, std::move(rec));
  return out;
}

std::vector<std::string> Section::keys() const {
  std::set<std::string> k;
  for (const Layer& l : layers_)
    if (l.table)
      for (const auto& [name, node] : *l.table) k.insert(std::string(name.str()));
  return {k.begin(), k.end()};
}

void Section::finish() const {
  for (const Layer& l : layers_) {
    if (!l.table) continue;
    for (const auto& [name, node] : *l.table) {
      const std::string key(name.str());
      if (used_.count(key)) continue;
      const auto hint = suggest(key, used_);
      throw ScenarioError(
          fmt::format("{}: unknown key '{}'{}", location(node, l.label), full(key),
                      hint ? fmt::format(" (did you mean '{}'?)", full(*hint)) : std::string()));
    }
  }
}

}  // namespace marrow
