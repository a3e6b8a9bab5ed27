// kind = "irradiation": total-body irradiation in fractions, multi-target survival with
// incomplete repair between fractions.
//   dose_gy         total over the fractions (Gy)
//   fractions       how many, equal (default 1)
//   interval_hours  between fractions (default 24)
#include <algorithm>
#include <cmath>

#include "model/treatment.hpp"

namespace marrow {
namespace {

constexpr double kLn2 = 0.69314718055994530942;

// ln(1 - exp(y)) for y < 0 without cancellation: log1p where exp(y) is small, expm1 where it is
// near 1 (Maechler 2012, "Accurately computing log(1 - exp(-|a|))").
double log1mexp(double y) {
  return y < -kLn2 ? std::log1p(-std::exp(y)) : std::log(-std::expm1(y));
}

// ln S(D) of the multi-target curve S = 1 - q^n, q = 1 - exp(-D / D0): ln q and then ln S by
// log1mexp, exact at small doses (S near 1) and at large ones (S ~ n exp(-D / D0)). Beyond
// D / D0 = 700 exp(-D / D0) leaves the normal doubles, and ln S = ln n - D / D0 to rounding.
double log_survival(double gy, const RadiationResponse& r) {
  const double x = gy / r.d0_gy;
  if (!(x > 0)) return 0;  // no dose, or a target that is not killed (D0 infinite)
  const double n = r.extrapolation_number;
  if (x > 700) return std::log(n) - x;
  return log1mexp(n * log1mexp(-x));
}

struct Fraction {
  double hours, gy;
};

class Model : public KindModel {
 public:
  Model(std::vector<Fraction> fractions, const RadiationConfig& rc, const KindContext& c)
      : fractions_(std::move(fractions)),
        rc_(rc),
        types_(c.types),
        compartments_(c.compartments),
        pools_(c.pools),
        tau_(c.config->stroma.recovery_days * 24.0) {
    std::stable_sort(fractions_.begin(), fractions_.end(),
                     [](const Fraction& a, const Fraction& b) { return a.hours < b.hours; });
  }

  // -ln survival of fraction i for a target with this response: fraction i acts on a cell that
  // still carries the dose D' = sum_j d_j exp(-mu (t_i - t_j)) and kills
  // -ln[S(D' + d_i) / S(D')].
  double log_kill(size_t i, const RadiationResponse& r) const {
    const double mu = kLn2 / rc_.repair_half_time_hours;
    const Fraction& f = fractions_[i];
    double unrepaired = 0;  // dose of earlier fractions whose damage is still present
    for (size_t j = 0; j < i; ++j)
      unrepaired += fractions_[j].gy * std::exp(-mu * (f.hours - fractions_[j].hours));
    return log_survival(unrepaired, r) - log_survival(unrepaired + f.gy, r);
  }

  void kill(double hours, double dt, LogKill& k) const override {
    for (size_t i = 0; i < fractions_.size(); ++i) {
      if (!(fractions_[i].hours >= hours && fractions_[i].hours < hours + dt)) continue;
      for (int t = 0; t < types_; ++t) {
        const double x = log_kill(i, rc_.type[t]);
        k.cycling[t] += x;
        k.quiescent[t] += x;
      }
      for (int m = 0; m < compartments_; ++m) k.compartment[m] += log_kill(i, rc_.compartment[m]);
      for (int p = 0; p < pools_; ++p) k.pool[p] += log_kill(i, rc_.pool[p]);
    }
  }

  void immunity_kill(double h, double& log_kill_sum) const override {
    for (size_t i = 0; i < fractions_.size(); ++i)
      if (fractions_[i].hours >= h && fractions_[i].hours < h + 1)
        log_kill_sum += log_kill(i, rc_.immunity);
  }

  void stroma(double hours, double& health) const override {
    for (size_t i = 0; i < fractions_.size() && fractions_[i].hours <= hours; ++i) {
      const double damage = -std::expm1(-log_kill(i, rc_.stroma));
      health *= 1.0 - damage * std::exp(-(hours - fractions_[i].hours) / tau_);
    }
  }

 private:
  std::vector<Fraction> fractions_;
  RadiationConfig rc_;
  int types_, compartments_, pools_;
  double tau_;  // stromal recovery time constant, hours
};

struct Params {
  double dose_gy = 0;
};

class Irradiation : public TreatmentKind {
 public:
  std::string name() const override { return "irradiation"; }
  void read(ParameterReader& r, const TreatmentConfig&, const std::vector<std::string>&,
            TreatmentEvent& e) const override {
    e.params = Params{r.number("dose_gy", 0, 100)};
    e.repeats = static_cast<int>(r.integer_or("fractions", 1, 1, 1000));
    e.interval_hours = r.number_or("interval_hours", 24, 1e-3, 1e5);
  }
  std::unique_ptr<KindModel> model(const std::vector<const TreatmentEvent*>& events,
                                   const KindContext& c) const override {
    std::vector<Fraction> fractions;
    for (const TreatmentEvent* e : events)
      for (int i = 0; i < e->repeats; ++i)
        fractions.push_back(
            {e->day * 24.0 + i * e->interval_hours, e->as<Params>().dose_gy / e->repeats});
    return std::make_unique<Model>(std::move(fractions), c.config->radiation, c);
  }
};

}  // namespace

const TreatmentKind& irradiation_kind() {
  static const Irradiation k;
  return k;
}

double fractionated_survival(const std::vector<std::pair<double, double>>& fractions,
                             double repair_half_time_hours, double d0_gy,
                             double extrapolation_number) {
  std::vector<Fraction> f;
  for (const auto& [hours, gy] : fractions) f.push_back({hours, gy});
  TreatmentConfig config;
  config.radiation.repair_half_time_hours = repair_half_time_hours;
  const Model m(std::move(f), config.radiation, KindContext{&config, 0, 0, 0, 70});
  const RadiationResponse r{d0_gy, extrapolation_number};
  double log_kill = 0;
  for (size_t i = 0; i < fractions.size(); ++i) log_kill += m.log_kill(i, r);
  return std::exp(-log_kill);
}

}  // namespace marrow
