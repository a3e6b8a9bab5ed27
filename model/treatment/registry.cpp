// The registry of treatment kinds.
#include <algorithm>

#include "model/treatment.hpp"

namespace marrow {

// The kinds in the order their effects combine, one line each. KIND(name) is defined in its own
// file of model/treatment/ as `const TreatmentKind& name_kind()`.
// clang-format off
#define MARROW_TREATMENT_KINDS(KIND) \
  KIND(niche_loss)                   \
  KIND(irradiation)                  \
  KIND(chemotherapy)                 \
  KIND(transplant)                   \
  KIND(cytokine)                     \
  KIND(immunosuppression)            \
  KIND(tpo_agonist)                  \
  KIND(corticosteroid)               \
  KIND(ivig)                         \
  KIND(rituximab)                    \
  KIND(splenectomy)
// clang-format on

#define MARROW_DECLARE_KIND(name) const TreatmentKind& name##_kind();
MARROW_TREATMENT_KINDS(MARROW_DECLARE_KIND)
#undef MARROW_DECLARE_KIND

const std::vector<const TreatmentKind*>& treatment_kinds() {
#define MARROW_LIST_KIND(name) &name##_kind(),
  static const std::vector<const TreatmentKind*> kinds = {MARROW_TREATMENT_KINDS(MARROW_LIST_KIND)};
#undef MARROW_LIST_KIND
  return kinds;
}

const TreatmentKind* treatment_kind(const std::string& name) {
  for (const TreatmentKind* k : treatment_kinds())
    if (k->name() == name) return k;
  return nullptr;
}

std::vector<std::string> treatment_kind_names() {
  std::vector<std::string> out;
  for (const TreatmentKind* k : treatment_kinds()) out.push_back(k->name());
  return out;
}

namespace {

// A reader over key = value pairs (double, int, or std::string values).
class MapReader : public ParameterReader {
 public:
  MapReader(std::string kind, const std::vector<std::pair<std::string, std::any>>& values)
      : kind_(std::move(kind)), values_(values) {}
  bool has(const std::string& key) const override { return find(key) != nullptr; }
  double number(const std::string& key, double lo, double hi) override {
    const std::any* v = find(key);
    if (!v) fail(key, "is required");
    const double x = v->type() == typeid(int) ? std::any_cast<int>(*v) : std::any_cast<double>(*v);
    if (!(x >= lo && x <= hi)) fail(key, "out of range");
    return x;
  }
  double number_or(const std::string& key, double fallback, double lo, double hi) override {
    return has(key) ? number(key, lo, hi) : fallback;
  }
  int64_t integer_or(const std::string& key, int64_t fallback, int64_t lo, int64_t hi) override {
    return has(key)
               ? static_cast<int64_t>(number(key, static_cast<double>(lo), static_cast<double>(hi)))
               : fallback;
  }
  std::string text(const std::string& key, const std::vector<std::string>& allowed) override {
    const std::any* v = find(key);
    if (!v) fail(key, "is required");
    const std::string s = std::any_cast<std::string>(*v);
    if (std::find(allowed.begin(), allowed.end(), s) == allowed.end()) fail(key, "not allowed");
    return s;
  }
  [[noreturn]] void fail(const std::string& key, const std::string& message) const override {
    throw error(key, message);
  }
  // Throws itself rather than through the virtual fail(), which the compiler cannot see return.
  [[noreturn]] void fail_any(const std::vector<std::string>& keys,
                             const std::string& message) const override {
    for (const std::string& k : keys)
      if (has(k)) throw error(k, message);
    throw error(keys.front(), message);
  }

 private:
  std::invalid_argument error(const std::string& key, const std::string& message) const {
    return std::invalid_argument(kind_ + "." + key + ": " + message);
  }
  const std::any* find(const std::string& key) const {
    for (const auto& [k, v] : values_)
      if (k == key) return &v;
    return nullptr;
  }
  std::string kind_;
  const std::vector<std::pair<std::string, std::any>>& values_;
};

}  // namespace

TreatmentEvent make_event(const std::string& kind, double day,
                          const std::vector<std::pair<std::string, std::any>>& values,
                          const TreatmentConfig& config, const std::vector<std::string>& hormones) {
  const TreatmentKind* k = treatment_kind(kind);
  if (!k) throw std::invalid_argument("unknown treatment kind " + kind);
  TreatmentEvent e;
  e.name = kind;
  e.kind = k;
  e.day = day;
  MapReader r(kind, values);
  k->read(r, config, hormones, e);
  return e;
}

}  // namespace marrow
