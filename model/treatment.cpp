#include "model/treatment.hpp"

#include <algorithm>
#include <cmath>

#include "core/random.hpp"

namespace marrow {
namespace {

constexpr double kLn2 = 0.69314718055994530942;

bool in_step(double t, double hours, double dt) { return t >= hours && t < hours + dt; }

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

}  // namespace

Treatment::Treatment(const TreatmentConfig& config, int types, int compartments, int pools,
                     double weight_kg, uint64_t seed)
    : seed_(seed),
      config_(config),
      types_(types),
      compartments_(compartments),
      pools_(pools),
      weight_kg_(weight_kg) {
  for (const TreatmentEvent& e : config_.schedule) {
    const double start = e.day * 24.0;
    if (e.kind == EventKind::kIrradiation)
      for (int i = 0; i < e.repeats; ++i)
        fractions_.push_back({start + i * e.interval_hours, e.dose_gy / e.repeats});
    if (e.kind == EventKind::kChemotherapy)
      for (int i = 0; i < e.repeats; ++i)
        doses_.push_back({e.drug, start + i * e.interval_hours, e.dose_mg_per_kg});
  }
  std::stable_sort(fractions_.begin(), fractions_.end(),
                   [](const Fraction& a, const Fraction& b) { return a.hours < b.hours; });
  std::stable_sort(doses_.begin(), doses_.end(),
                   [](const Dose& a, const Dose& b) { return a.hours < b.hours; });
}

double Treatment::first_day() const {
  double first = 0;
  for (const TreatmentEvent& e : config_.schedule) first = std::min(first, e.day);
  if (autoimmune()) first = std::min(first, config_.autoimmunity.onset_day);
  return first;
}

bool Treatment::any_transplant() const {
  for (const TreatmentEvent& e : config_.schedule)
    if (e.kind == EventKind::kTransplant) return true;
  return false;
}

bool Treatment::allogeneic() const {
  for (const TreatmentEvent& e : config_.schedule)
    if (e.kind == EventKind::kTransplant && e.donor == Donor::kAllogeneic) return true;
  return false;
}

double Treatment::fraction_log_kill(size_t i, const RadiationResponse& r) const {
  const double mu = kLn2 / config_.radiation.repair_half_time_hours;
  const Fraction& f = fractions_[i];
  double unrepaired = 0;  // dose of earlier fractions whose damage is still present
  for (size_t j = 0; j < i; ++j)
    unrepaired += fractions_[j].gy * std::exp(-mu * (f.hours - fractions_[j].hours));
  return log_survival(unrepaired, r) - log_survival(unrepaired + f.gy, r);
}

double Treatment::radiation_survival(const std::vector<std::pair<double, double>>& fractions,
                                     double d0_gy, double extrapolation_number) const {
  Treatment probe = *this;
  probe.fractions_.clear();
  for (const auto& [hours, gy] : fractions) probe.fractions_.push_back({hours, gy});
  const RadiationResponse r{d0_gy, extrapolation_number};
  double log_kill = 0;
  for (size_t i = 0; i < probe.fractions_.size(); ++i) log_kill += probe.fraction_log_kill(i, r);
  return std::exp(-log_kill);
}

double Treatment::concentration(int drug, double hours) const {
  const double k = kLn2 / config_.drugs[drug].half_life_hours;
  double c = 0;
  for (const Dose& d : doses_)
    if (d.drug == drug && d.hours <= hours) c += d.mg_per_kg * std::exp(-k * (hours - d.hours));
  return c;
}

double Treatment::exposure(const Dose& d) const {
  // With C = C0 exp(-k t): the integral of C / (C + E) over t >= 0 is ln(1 + C0 / E) / k.
  const DrugConfig& drug = config_.drugs[d.drug];
  const double k = kLn2 / drug.half_life_hours;
  return std::log1p(d.mg_per_kg / drug.ec50_mg_per_kg) / k;
}

double Treatment::gvh(double hours, double immunity) const {
  const ImmunologyConfig& im = config_.immunology;
  double h = 0;
  for (const TreatmentEvent& e : config_.schedule) {
    if (e.kind != EventKind::kTransplant || e.donor != Donor::kAllogeneic || e.day * 24.0 >= hours)
      continue;
    const double since_days = hours / 24.0 - e.day;
    const double t_cells = e.cd34_per_kg * config_.sources[e.source].t_cells_per_cd34;
    h += im.gvh_per_day * t_cells / im.t_cell_reference_per_kg * (1.0 - immunity) *
         -std::expm1(-since_days / im.gvh_onset_days);
  }
  return h;
}

double Treatment::immunity(double hours) const {
  const double start = first_day() * 24.0;
  if (hours < start) return 1.0;
  const auto want = static_cast<size_t>(std::floor(hours - start)) + 1;
  if (immunity_.empty()) immunity_.push_back(1.0);
  const double r = config_.immunology.recovery_per_day / 24.0;
  while (immunity_.size() <= want) {
    // Hour [h, h + 1): exposures given in it, then an hour of regrowth and removal.
    const double h = start + static_cast<double>(immunity_.size() - 1);
    double x = immunity_.back();
    x *= std::exp(-immunity_log_kill(h));
    x += (r * x * (1.0 - x) - gvh(h, x) / 24.0 * x);
    immunity_.push_back(std::clamp(x, 0.0, 1.0));
  }
  // Linear within the hour.
  const double f = hours - start - std::floor(hours - start);
  const size_t i = want - 1;
  return immunity_[i] + f * (immunity_[i + 1] - immunity_[i]);
}

double Treatment::immunity_log_kill(double h) const {
  double log_kill = 0;
  for (size_t i = 0; i < fractions_.size(); ++i)
    if (fractions_[i].hours >= h && fractions_[i].hours < h + 1)
      log_kill += fraction_log_kill(i, config_.radiation.immunity);
  for (const Dose& d : doses_)
    if (d.hours >= h && d.hours < h + 1) {
      // A dose's whole effect on immunity is counted when it is given.
      const DrugConfig& drug = config_.drugs[d.drug];
      log_kill += drug.kill_per_hour * drug.sensitivity.immunity * exposure(d);
    }
  return log_kill;
}

double Treatment::autoreactive_clone(double hours) const {
  const AutoimmunityConfig& a = config_.autoimmunity;
  if (!(a.clone_cells > 0)) return 0;
  const double start = a.onset_day * 24.0;
  if (hours < start) return 0;
  const auto want = static_cast<size_t>(std::floor(hours - start)) + 1;
  if (clone_.empty()) clone_.push_back(a.clone_cells);
  const double r = a.growth_per_day / 24.0;
  const Stream stream(seed_);
  while (clone_.size() <= want) {
    // Hour [h, h + 1): the exposures given in it, the grafts, then an hour of regrowth.
    const size_t hour = clone_.size() - 1;
    const double h = start + static_cast<double>(hour);
    double n = clone_.back();
    const double log_kill = immunity_log_kill(h);
    if (log_kill > 0 && n > 0) {
      n *= std::exp(-log_kill);
      // Each cell survives on its own: with few expected survivors, their number is drawn
      // (Poisson), so that a clone brought down to a handful of cells may die out.
      if (n < 30) {
        const Draw d = stream.draw(hour, 0, Purpose::kAutoimmunity);
        const double limit = std::exp(-n);
        double product = d.u(0);
        int k = 0;
        for (int i = 1; product > limit && k < 200; ++i) {
          product *= stream.draw(hour, static_cast<uint64_t>(i), Purpose::kAutoimmunity).u(0);
          ++k;
        }
        n = k;
      }
    }
    for (const TreatmentEvent& e : config_.schedule)
      if (e.kind == EventKind::kTransplant && e.day * 24.0 >= h && e.day * 24.0 < h + 1)
        n += e.autoreactive_cells_per_kg * weight_kg_;
    n += r * n * (1.0 - n / a.clone_cells);
    clone_.push_back(std::max(0.0, n));
  }
  return clone_[want - 1] / a.clone_cells;
}

double Treatment::stroma(double hours) const {
  const double tau = config_.stroma.recovery_days * 24.0;
  double health = 1;
  for (const TreatmentEvent& e : config_.schedule)
    if (e.kind == EventKind::kNicheLoss && e.day * 24.0 <= hours) health *= 1.0 - e.fraction;
  for (size_t i = 0; i < fractions_.size() && fractions_[i].hours <= hours; ++i) {
    const double damage = -std::expm1(-fraction_log_kill(i, config_.radiation.stroma));
    health *= 1.0 - damage * std::exp(-(hours - fractions_[i].hours) / tau);
  }
  for (const Dose& d : doses_)
    if (d.hours <= hours) {
      const DrugConfig& drug = config_.drugs[d.drug];
      const double damage =
          -std::expm1(-drug.kill_per_hour * drug.sensitivity.stroma * exposure(d));
      health *= 1.0 - damage * std::exp(-(hours - d.hours) / tau);
    }
  return health;
}

double Treatment::cytokine(const std::string& hormone, double hours) const {
  double f = 1;
  for (const TreatmentEvent& e : config_.schedule)
    if (e.kind == EventKind::kCytokine && e.hormone == hormone && hours >= e.day * 24.0 &&
        hours < (e.day + e.duration_days) * 24.0)
      f *= e.factor;
  return f;
}

StepEffects Treatment::effects(double hours, double dt, bool daily) const {
  StepEffects fx;
  fx.agents.assign(static_cast<size_t>(types_) * 4, 1.0);
  fx.compartment.assign(static_cast<size_t>(compartments_), 1.0);
  fx.pool.assign(static_cast<size_t>(pools_), 1.0);
  // -ln survival per type, cycling and quiescent, and per compartment and pool.
  std::vector<double> cycling(types_, 0.0), quiescent(types_, 0.0), comp(compartments_, 0.0),
      pool(pools_, 0.0);
  const RadiationConfig& rad = config_.radiation;
  for (size_t i = 0; i < fractions_.size(); ++i) {
    if (!in_step(fractions_[i].hours, hours, dt)) continue;
    for (int t = 0; t < types_; ++t) {
      const double k = fraction_log_kill(i, rad.type[t]);
      cycling[t] += k;
      quiescent[t] += k;
    }
    for (int c = 0; c < compartments_; ++c) comp[c] += fraction_log_kill(i, rad.compartment[c]);
    for (int p = 0; p < pools_; ++p) pool[p] += fraction_log_kill(i, rad.pool[p]);
  }
  const double mid = hours + 0.5 * dt;
  for (size_t d = 0; d < config_.drugs.size(); ++d) {
    const DrugConfig& drug = config_.drugs[d];
    const double c = concentration(static_cast<int>(d), mid);
    if (c <= 1e-6 * drug.ec50_mg_per_kg) continue;
    const double hazard = drug.kill_per_hour * c / (c + drug.ec50_mg_per_kg) * dt;
    for (int t = 0; t < types_; ++t) {
      cycling[t] += hazard * drug.sensitivity.type[t];
      if (!drug.cycling_only) quiescent[t] += hazard * drug.sensitivity.type[t];
    }
    for (int m = 0; m < compartments_; ++m) comp[m] += hazard * drug.sensitivity.compartment[m];
    for (int p = 0; p < pools_; ++p) pool[p] += hazard * drug.sensitivity.pool[p];
  }
  // The autoreactive clone's attack: on host agents over the day (at whole days), on maturing
  // and blood cells every step.
  std::vector<double> auto_host(types_, 0.0);
  if (autoimmune()) {
    const Sensitivity& attack = config_.autoimmunity.attack;
    const double clone = autoreactive_clone(hours);
    if (daily && clone > 0)
      for (int t = 0; t < types_; ++t) auto_host[t] = attack.type[t] * clone;
    for (int m = 0; m < compartments_; ++m) comp[m] += attack.compartment[m] * clone * dt / 24.0;
    for (int p = 0; p < pools_; ++p) pool[p] += attack.pool[p] * clone * dt / 24.0;
  }
  double host = 0, donor = 0;  // immune hazards over the day
  if (daily && allogeneic()) {
    const double immunity_now = immunity(hours);
    host = gvh(hours, immunity_now);
    for (const TreatmentEvent& e : config_.schedule)
      if (e.kind == EventKind::kTransplant && e.donor == Donor::kAllogeneic && e.day * 24.0 < hours)
        donor = config_.immunology.rejection_per_day * immunity_now;
  }
  for (int t = 0; t < types_; ++t) {
    const size_t i = static_cast<size_t>(t) * 4;
    fx.agents[i + 0] = std::exp(-cycling[t] - host - auto_host[t]);
    fx.agents[i + 1] = std::exp(-cycling[t] - donor);
    fx.agents[i + 2] = std::exp(-quiescent[t] - host - auto_host[t]);
    fx.agents[i + 3] = std::exp(-quiescent[t] - donor);
  }
  for (const double s : fx.agents) fx.any_agents |= s < 1.0;
  for (int m = 0; m < compartments_; ++m) fx.compartment[m] = std::exp(-comp[m]);
  for (int p = 0; p < pools_; ++p) fx.pool[p] = std::exp(-pool[p]);
  return fx;
}

std::vector<GraftDose> Treatment::grafts(double hours, double dt,
                                         double represented_fraction) const {
  std::vector<GraftDose> out;
  for (size_t i = 0; i < config_.schedule.size(); ++i) {
    const TreatmentEvent& e = config_.schedule[i];
    if (e.kind != EventKind::kTransplant || !in_step(e.day * 24.0, hours, dt)) continue;
    const GraftSourceConfig& src = config_.sources[e.source];
    GraftDose g;
    g.event = static_cast<int>(i);
    g.hours = e.day * 24.0;
    g.donor_origin = e.donor != Donor::kAutologous;
    g.gene_modified_fraction = e.gene_modified_fraction;
    for (const double per : src.per_cd34)
      g.agents_per_type.push_back(e.cd34_per_kg * weight_kg_ * per * represented_fraction *
                                  src.homing_efficiency);
    out.push_back(std::move(g));
  }
  return out;
}

}  // namespace marrow
