// kind = "chemotherapy": doses of a drug of [drugs], one-compartment pharmacokinetics and a
// saturating concentration-kill relation.
//   drug            a name from [drugs]
//   dose_mg_per_kg  per dose
//   doses           how many (default 1)
//   interval_hours  between doses (default 24)
#include <algorithm>
#include <cmath>

#include "model/treatment.hpp"

namespace marrow {
namespace {

constexpr double kLn2 = 0.69314718055994530942;

struct Params {
  int drug = -1;
  double dose_mg_per_kg = 0;
};

struct Dose {
  int drug;
  double hours, mg_per_kg;
};

class Model : public KindModel {
 public:
  Model(std::vector<Dose> doses, const KindContext& c)
      : doses_(std::move(doses)),
        drugs_(c.config->drugs),
        types_(c.types),
        compartments_(c.compartments),
        pools_(c.pools),
        tau_(c.config->stroma.recovery_days * 24.0) {
    std::stable_sort(doses_.begin(), doses_.end(),
                     [](const Dose& a, const Dose& b) { return a.hours < b.hours; });
  }

  double concentration(int drug, double hours) const {
    const double k = kLn2 / drugs_[drug].half_life_hours;
    double c = 0;
    for (const Dose& d : doses_)
      if (d.drug == drug && d.hours <= hours) c += d.mg_per_kg * std::exp(-k * (hours - d.hours));
    return c;
  }

  // With C = C0 exp(-k t): the integral of C / (C + E) over t >= 0 is ln(1 + C0 / E) / k.
  double exposure(const Dose& d) const {
    const DrugConfig& drug = drugs_[d.drug];
    const double k = kLn2 / drug.half_life_hours;
    return std::log1p(d.mg_per_kg / drug.ec50_mg_per_kg) / k;
  }

  void kill(double hours, double dt, LogKill& k) const override {
    const double mid = hours + 0.5 * dt;
    for (size_t d = 0; d < drugs_.size(); ++d) {
      const DrugConfig& drug = drugs_[d];
      const double c = concentration(static_cast<int>(d), mid);
      if (c <= 1e-6 * drug.ec50_mg_per_kg) continue;
      const double hazard = drug.kill_per_hour * c / (c + drug.ec50_mg_per_kg) * dt;
      for (int t = 0; t < types_; ++t) {
        k.cycling[t] += hazard * drug.sensitivity.type[t];
        if (!drug.cycling_only) k.quiescent[t] += hazard * drug.sensitivity.type[t];
      }
      for (int m = 0; m < compartments_; ++m)
        k.compartment[m] += hazard * drug.sensitivity.compartment[m];
      for (int p = 0; p < pools_; ++p) k.pool[p] += hazard * drug.sensitivity.pool[p];
    }
  }

  // A dose's whole effect on immunity is counted when it is given.
  void immunity_kill(double h, double& log_kill) const override {
    for (const Dose& d : doses_)
      if (d.hours >= h && d.hours < h + 1) {
        const DrugConfig& drug = drugs_[d.drug];
        log_kill += drug.kill_per_hour * drug.sensitivity.immunity * exposure(d);
      }
  }

  void stroma(double hours, double& health) const override {
    for (const Dose& d : doses_)
      if (d.hours <= hours) {
        const DrugConfig& drug = drugs_[d.drug];
        const double damage =
            -std::expm1(-drug.kill_per_hour * drug.sensitivity.stroma * exposure(d));
        health *= 1.0 - damage * std::exp(-(hours - d.hours) / tau_);
      }
  }

 private:
  std::vector<Dose> doses_;
  std::vector<DrugConfig> drugs_;
  int types_, compartments_, pools_;
  double tau_;
};

class Chemotherapy : public TreatmentKind {
 public:
  std::string name() const override { return "chemotherapy"; }
  void read(ParameterReader& r, const TreatmentConfig& config, const std::vector<std::string>&,
            TreatmentEvent& e) const override {
    std::vector<std::string> names;
    for (const DrugConfig& d : config.drugs) names.push_back(d.name);
    if (names.empty()) r.fail("drug", "no [drugs] are defined");
    const std::string drug = r.text("drug", names);
    Params p;
    p.drug = static_cast<int>(std::find(names.begin(), names.end(), drug) - names.begin());
    p.dose_mg_per_kg = r.number("dose_mg_per_kg", 0, 1e5);
    e.params = p;
    e.repeats = static_cast<int>(r.integer_or("doses", 1, 1, 1000));
    e.interval_hours = r.number_or("interval_hours", 24, 1e-3, 1e5);
  }
  std::unique_ptr<KindModel> model(const std::vector<const TreatmentEvent*>& events,
                                   const KindContext& c) const override {
    std::vector<Dose> doses;
    for (const TreatmentEvent* e : events) {
      const Params& p = e->as<Params>();
      for (int i = 0; i < e->repeats; ++i)
        doses.push_back({p.drug, e->day * 24.0 + i * e->interval_hours, p.dose_mg_per_kg});
    }
    return std::make_unique<Model>(std::move(doses), c);
  }
};

}  // namespace

const TreatmentKind& chemotherapy_kind() {
  static const Chemotherapy k;
  return k;
}

}  // namespace marrow
