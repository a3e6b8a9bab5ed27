#include "io/toml_reader.hpp"

#include <fmt/format.h>

#include <algorithm>
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

}  // namespace

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
  const Layer* layer = nullptr;
  if (const toml::node* n = find(key, &layer)) return location(*n, layer->label);
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
      fail(key + "." + std::string(k.str()), fmt::format("expected {}", range_text(lo, hi)));
    out.emplace_back(std::string(k.str()), x);
    rec.insert(k, x);
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
