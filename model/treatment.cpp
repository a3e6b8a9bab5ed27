#include "model/treatment.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "core/random.hpp"

namespace marrow {

Treatment::Treatment(const TreatmentConfig& config, int types, int compartments, int pools,
                     double weight_kg, uint64_t seed)
    : seed_(seed), config_(config), types_(types), compartments_(compartments), pools_(pools) {
  if (const double spread = config_.autoimmunity.attack_spread; spread > 0) {
    // One standard normal per seed (Box-Muller), median-preserving: the configured attack is the
    // median patient's.
    const Draw d = Stream(seed).draw(0, 0, Purpose::kPatient);
    const double z = std::sqrt(-2.0 * std::log(d.u(0))) * std::cos(2.0 * std::numbers::pi * d.u(1));
    patient_attack_ = std::exp(spread * z);
  }
  const KindContext context{&config_, types, compartments, pools, weight_kg};
  // The registry's kinds in its order, then any other kind an event names (one defined by a
  // program or a test), in the order they first appear.
  std::vector<const TreatmentKind*> kinds = treatment_kinds();
  for (const TreatmentEvent& e : config_.schedule)
    if (e.kind && std::find(kinds.begin(), kinds.end(), e.kind) == kinds.end())
      kinds.push_back(e.kind);
  for (const TreatmentKind* kind : kinds) {
    std::vector<const TreatmentEvent*> events;
    for (const TreatmentEvent& e : config_.schedule)
      if (e.kind == kind) events.push_back(&e);
    if (!events.empty()) models_.push_back(kind->model(events, context));
  }
}

double Treatment::first_day() const {
  double first = 0;
  for (const TreatmentEvent& e : config_.schedule) first = std::min(first, e.day);
  if (autoimmune()) first = std::min(first, config_.autoimmunity.onset_day);
  return first;
}

bool Treatment::any_transplant() const {
  for (const auto& m : models_)
    if (m->transplant()) return true;
  return false;
}

bool Treatment::allogeneic() const {
  for (const auto& m : models_)
    if (m->allogeneic()) return true;
  return false;
}

double Treatment::radiation_survival(const std::vector<std::pair<double, double>>& fractions,
                                     double d0_gy, double extrapolation_number) const {
  return fractionated_survival(fractions, config_.radiation.repair_half_time_hours, d0_gy,
                               extrapolation_number);
}

double Treatment::gvh(double hours, double immunity) const {
  double h = 0;
  for (const auto& m : models_) h += m->graft_versus_host(hours, immunity);
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
    double log_kill = 0;
    for (const auto& m : models_) m->immunity_kill(h, log_kill);
    x *= std::exp(-log_kill);
    x += (r * x * (1.0 - x) - gvh(h, x) / 24.0 * x);
    immunity_.push_back(std::clamp(x, 0.0, 1.0));
  }
  // Linear within the hour.
  const double f = hours - start - std::floor(hours - start);
  const size_t i = want - 1;
  return immunity_[i] + f * (immunity_[i + 1] - immunity_[i]);
}

double Treatment::autoreactive_clone(double hours) const {
  const AutoimmunityConfig& a = config_.autoimmunity;
  if (!(a.clone_cells > 0)) return 0;
  const double start = a.onset_day * 24.0;
  if (hours < start) return 0;
  const auto want = static_cast<size_t>(std::floor(hours - start)) + 1;
  if (clone_.empty()) clone_.push_back(a.clone_cells);
  const Stream stream(seed_);
  while (clone_.size() <= want) {
    // Hour [h, h + 1): the exposures given in it, the grafts, then an hour of regrowth.
    const size_t hour = clone_.size() - 1;
    const double h = start + static_cast<double>(hour);
    double n = clone_.back();
    double log_kill = 0;
    for (const auto& m : models_) m->clone_kill(h, log_kill);
    if (log_kill > 0 && n > 0) {
      n *= std::exp(-log_kill);
      // Each cell survives on its own: with few expected survivors, their number is drawn
      // (Poisson), so that a clone brought down to a handful of cells may die out.
      if (n < 30) {
        const double limit = std::exp(-n);
        double product = stream.draw(hour, 0, Purpose::kAutoimmunity).u(0);
        int k = 0;
        for (int i = 1; product > limit && k < 200; ++i) {
          product *= stream.draw(hour, static_cast<uint64_t>(i), Purpose::kAutoimmunity).u(0);
          ++k;
        }
        n = k;
      }
    }
    for (const auto& m : models_) n += m->clone_cells_given(h);
    double growth = a.growth_per_day / 24.0;
    for (const auto& m : models_) m->clone_growth(h, growth);
    n += growth * n * (1.0 - n / a.clone_cells);
    clone_.push_back(std::max(0.0, n));
  }
  return clone_[want - 1] / a.clone_cells;
}

double Treatment::stroma(double hours) const {
  double health = 1;
  for (const auto& m : models_) m->stroma(hours, health);
  return health;
}

double Treatment::cytokine(const std::string& hormone, double hours) const {
  double f = 1;
  for (const auto& m : models_) m->cytokine(hormone, hours, f);
  return f;
}

StepEffects Treatment::effects(double hours, double dt, bool daily) const {
  StepEffects fx;
  fx.agents.assign(static_cast<size_t>(types_) * 4, 1.0);
  fx.compartment.assign(static_cast<size_t>(compartments_), 1.0);
  fx.pool.assign(static_cast<size_t>(pools_), 1.0);
  // -ln survival per type, cycling and quiescent, and per compartment and pool.
  LogKill k{std::vector<double>(types_, 0.0), std::vector<double>(types_, 0.0),
            std::vector<double>(compartments_, 0.0), std::vector<double>(pools_, 0.0)};
  for (const auto& m : models_) m->kill(hours, dt, k);
  // The autoreactive clone's attack: on host agents over the day (at whole days), on maturing
  // and blood cells every step.
  std::vector<double> auto_host(types_, 0.0);
  if (autoimmune()) {
    const Sensitivity& attack = config_.autoimmunity.attack;
    double clone = autoreactive_clone(hours) * patient_attack_;
    for (const auto& m : models_) m->attack(hours, clone);
    if (daily && clone > 0)
      for (int t = 0; t < types_; ++t) auto_host[t] = attack.type[t] * clone;
    for (int c = 0; c < compartments_; ++c)
      k.compartment[c] += attack.compartment[c] * clone * dt / 24.0;
    double on_blood = clone;
    for (const auto& m : models_) m->attack_on_blood(hours, on_blood);
    for (int p = 0; p < pools_; ++p) k.pool[p] += attack.pool[p] * on_blood * dt / 24.0;
  }
  double host = 0, donor = 0;  // immune hazards over the day
  if (daily && allogeneic()) {
    const double immunity_now = immunity(hours);
    host = gvh(hours, immunity_now);
    for (const auto& m : models_) donor += m->rejection(hours, immunity_now);
  }
  for (int t = 0; t < types_; ++t) {
    const size_t i = static_cast<size_t>(t) * 4;
    fx.agents[i + 0] = std::exp(-k.cycling[t] - host - auto_host[t]);
    fx.agents[i + 1] = std::exp(-k.cycling[t] - donor);
    fx.agents[i + 2] = std::exp(-k.quiescent[t] - host - auto_host[t]);
    fx.agents[i + 3] = std::exp(-k.quiescent[t] - donor);
  }
  for (const double s : fx.agents) fx.any_agents |= s < 1.0;
  for (int m = 0; m < compartments_; ++m) fx.compartment[m] = std::exp(-k.compartment[m]);
  for (int p = 0; p < pools_; ++p) fx.pool[p] = std::exp(-k.pool[p]);
  return fx;
}

std::vector<GraftDose> Treatment::grafts(double hours, double dt,
                                         double represented_fraction) const {
  std::vector<GraftDose> out;
  for (const auto& m : models_) m->grafts(hours, dt, represented_fraction, out);
  return out;
}

}  // namespace marrow
