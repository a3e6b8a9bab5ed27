#include "blood/compartments.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace marrow {

Chain::Chain(int stages, double mean_hours, double destruction_per_hour, double dt_hours) {
  if (stages < 1 || !(mean_hours > 0)) throw std::invalid_argument("chain needs stages and a mean");
  stage.assign(static_cast<size_t>(stages), 0.0);
  base_rate_ = rate_ = stages / mean_hours;
  set_destruction(destruction_per_hour, dt_hours);
}

void Chain::set_destruction(double per_hour, double dt_hours) {
  destruction_ = per_hour;
  update(dt_hours);
}

void Chain::set_speed(double factor, double dt_hours) {
  rate_ = base_rate_ * factor;
  update(dt_hours);
}

void Chain::update(double dt_hours) {
  // A cell leaves a stage with probability (k + d) dt per step: its residence is geometric with
  // mean 1 / (k + d) exactly, so the chain's mean transit time is the configured one. Rates
  // faster than one stage per step are capped at one.
  const double out = rate_ + destruction_;
  pass_ = std::min(1.0, out * dt_hours);
  matured_ = rate_ / out;
}

double Chain::step(double inflow) {
  double carried = 0;
  for (size_t i = stage.size(); i-- > 0;) {
    const double leaving = stage[i] * pass_;
    stage[i] -= leaving;
    if (i + 1 < stage.size())
      stage[i + 1] += leaving * matured_;
    else
      carried = leaving * matured_;
  }
  stage[0] += inflow;
  return carried;
}

void Chain::equilibrate(double inflow) {
  // At equilibrium a stage with inflow J holds J / pass and passes J * matured on.
  for (double& x : stage) {
    x = inflow / pass_;
    inflow *= matured_;
  }
}

double Chain::total() const {
  double t = 0;
  for (const double x : stage) t += x;
  return t;
}

double hormone_response(double level, double max, double hill) {
  if (max <= 1) return 1;
  if (!(level > 0)) return 0;
  const double x = std::pow(level, hill);
  if (!std::isfinite(x)) return max;
  return max * x / (x + (max - 1));
}

double hormone_speedup(const MaturationConfig& c, double level) {
  // Only a hormone above its set point shortens the transit: below it the transit stays the
  // healthy one (model assumption: neutrophils are still released without G-CSF).
  if (c.transit_speedup_max <= 1) return 1;
  return std::max(1.0, hormone_response(level, c.transit_speedup_max, c.response_hill));
}

namespace {

// The relative clearance rate of a hormone cleared by receptors (1 at the set point).
double clearance(const MaturationConfig& c, double pool, double content) {
  const double mass = (1 - c.compartment_clearance) * pool + c.compartment_clearance * content;
  return (1 - c.specific_clearance) + c.specific_clearance * mass;
}

}  // namespace

double hormone_steady_level(const MaturationConfig& c, double pool, double content) {
  if (c.production == HormoneProduction::kExponential)
    return std::exp(c.deficit_slope * (1 - pool));
  return 1.0 / clearance(c, pool, content);
}

double hormone_advance(const MaturationConfig& c, double level, double pool, double content,
                       double dt_hours) {
  // Both forms are dL/dt = r (target - L) with the sensed values held: L relaxes to the target
  // by exp(-r dt) exactly. Receptor-mediated clearance makes r = k x clearance: a larger
  // receptor mass clears faster.
  const double k = std::log(2.0) / c.half_life_hours;
  const double r =
      c.production == HormoneProduction::kExponential ? k : k * clearance(c, pool, content);
  const double a = r * dt_hours;
  return level * std::exp(-a) - std::expm1(-a) * hormone_steady_level(c, pool, content);
}

BloodSystem::BloodSystem(std::vector<MaturationConfig> maturation,
                         std::vector<BloodPoolConfig> pools, double represented_fraction,
                         double blood_volume_l, double mch_pg, double dt_hours)
    : mat_cfg_(std::move(maturation)),
      pool_cfg_(std::move(pools)),
      fraction_(represented_fraction),
      volume_l_(blood_volume_l),
      mch_pg_(mch_pg),
      dt_(dt_hours) {
  for (const auto& p : pool_cfg_) {
    const int n = std::max(1, static_cast<int>(std::lround(1.0 / (p.lifespan_cv * p.lifespan_cv))));
    pools_.emplace_back(n, p.lifespan_days * 24.0, p.destruction_per_day / 24.0, dt_);
    if (p.name == "rbc") rbc_ = static_cast<int>(pools_.size()) - 1;
  }
  for (const auto& p : pool_cfg_) {
    young_of_.push_back(p.young_of.empty() ? -1 : pool_index(p.young_of));
    if (!p.young_of.empty() && young_of_.back() < 0)
      throw std::invalid_argument("blood pool " + p.name + " counts cells of unknown pool " +
                                  p.young_of);
    if (young_of_.back() >= 0 && !pool_cfg_[young_of_.back()].young_of.empty())
      throw std::invalid_argument("blood pool " + p.name + " counts cells of " + p.young_of +
                                  ", which counts cells of another pool itself");
  }
  for (size_t p = 0; p < pool_cfg_.size(); ++p)
    if (young_of_[p] >= 0)
      pools_[p].set_destruction(pool_cfg_[young_of_[p]].destruction_per_day / 24.0, dt_);
  for (const auto& m : mat_cfg_) {
    maturation_.emplace_back(m.stages, m.transit_days * 24.0, 0.0, dt_);
    std::vector<std::pair<int, double>> f;
    for (const auto& [name, share] : m.feeds) {
      const int p = pool_index(name);
      if (p < 0) throw std::invalid_argument("maturation feeds unknown blood pool " + name);
      if (young_of_[p] >= 0)
        throw std::invalid_argument("maturation " + m.name + " feeds " + name +
                                    ", which only counts the youngest cells of " +
                                    pool_cfg_[p].young_of + ": feed " + pool_cfg_[p].young_of);
      f.emplace_back(p, share);
    }
    feeds_.push_back(std::move(f));
  }
  produced_.assign(pools_.size(), 0.0);
  for (size_t m = 0; m < mat_cfg_.size(); ++m) {
    const MaturationConfig& c = mat_cfg_[m];
    const int p = c.sensor.empty() ? -1 : pool_index(c.sensor);
    if (!c.sensor.empty() && p < 0)
      throw std::invalid_argument("feedback senses unknown pool " + c.sensor);
    if (p >= 0 && young_of_[p] >= 0)
      throw std::invalid_argument("feedback of " + c.name + " senses " + c.sensor +
                                  ", which only counts the youngest cells of " +
                                  pool_cfg_[p].young_of + ": sense " + pool_cfg_[p].young_of);
    sensor_.push_back(p);
    // The reference of the compartment's share of the receptor mass until equilibrate sets it
    // from the marrow's hand-offs: the content with which this compartment alone holds its
    // sensed pool at the set point.
    double content0 = 0;
    if (p >= 0) {
      double share = 0;
      for (const auto& [q, w] : feeds_[m])
        if (q == p) share += w;
      Chain pool_unit = pools_[p], mat = maturation_[m];
      pool_unit.equilibrate(1.0);
      const double inflow = c.set_point * pool_cfg_[p].unit_per_l * volume_l_ / pool_unit.total();
      if (share > 0) {
        mat.equilibrate(inflow / share);
        content0 = mat.total();
      }
      if (c.compartment_clearance > 0 && !(content0 > 0))
        throw std::invalid_argument("maturation " + c.name +
                                    ": compartment_clearance needs the compartment to feed its "
                                    "feedback_sensor");
      if (!(c.half_life_hours > 0))
        throw std::invalid_argument("maturation " + c.name + ": hormone half-life must be > 0");
    }
    content0_.push_back(content0);
  }
  level_.assign(mat_cfg_.size(), 1.0);
  drive_.assign(mat_cfg_.size(), 1.0);
  speed_.assign(mat_cfg_.size(), 1.0);
  external_.assign(mat_cfg_.size(), 1.0);
}

void BloodSystem::scale_maturation(int m, double survival) {
  for (double& x : maturation_[m].stage) x *= survival;
}

void BloodSystem::remove(int pool, double fraction) {
  for (size_t p = 0; p < pools_.size(); ++p)
    if (static_cast<int>(p) == pool || young_of_[p] == pool)
      for (double& x : pools_[p].stage) x *= 1.0 - fraction;
}

void BloodSystem::infuse(int pool, double cells) {
  Chain unit = pools_[pool];
  unit.equilibrate(1.0);
  const double total = unit.total();
  for (size_t i = 0; i < unit.stage.size(); ++i)
    pools_[pool].stage[i] += cells * unit.stage[i] / total;
}

void BloodSystem::set_external_drive(int m, double factor) { external_[m] = factor; }

int BloodSystem::pool_index(const std::string& name) const {
  for (size_t i = 0; i < pool_cfg_.size(); ++i)
    if (pool_cfg_[i].name == name) return static_cast<int>(i);
  return -1;
}

double BloodSystem::sensed(int m) const {
  return concentration(sensor_[m]) / mat_cfg_[m].set_point;
}

double BloodSystem::content(int m) const {
  return content0_[m] > 0 ? maturation_[m].total() / content0_[m] : 1.0;
}

void BloodSystem::respond(int m) {
  const MaturationConfig& c = mat_cfg_[m];
  const double l = level(m);
  drive_[m] = hormone_response(l, c.response_max, c.response_hill);
  const double speed = hormone_speedup(c, l);
  if (speed != speed_[m]) {
    speed_[m] = speed;
    maturation_[m].set_speed(speed, dt_);
  }
}

void BloodSystem::step(const std::vector<int64_t>& handoffs) {
  std::vector<double> into(pools_.size(), 0.0);
  for (size_t m = 0; m < maturation_.size(); ++m) {
    const MaturationConfig& c = mat_cfg_[m];
    const int i = static_cast<int>(m);
    if (sensor_[m] >= 0) {
      // The counts at the start of the step, held over it (the pools move on after every
      // compartment has sensed them).
      level_[m] = hormone_advance(c, level_[m], sensed(i), content(i), dt_);
      respond(i);
    }
    const double in = static_cast<double>(handoffs[m]) * c.amplification * drive_[m] / fraction_;
    const double out = maturation_[m].step(in);
    for (const auto& [p, share] : feeds_[m]) into[p] += out * share;
  }
  for (size_t p = 0; p < pools_.size(); ++p) {
    if (young_of_[p] >= 0) into[p] = into[young_of_[p]];
    pools_[p].step(into[p]);
    produced_[p] = into[p];
  }
}

void BloodSystem::settle(const std::vector<double>& handoffs_per_step) {
  std::vector<double> into(pools_.size(), 0.0);
  for (size_t m = 0; m < maturation_.size(); ++m) {
    if (sensor_[m] >= 0) respond(static_cast<int>(m));
    const double in = handoffs_per_step[m] * mat_cfg_[m].amplification * drive_[m] / fraction_;
    maturation_[m].equilibrate(in);
    for (const auto& [p, share] : feeds_[m]) into[p] += in * share;
  }
  for (size_t p = 0; p < pools_.size(); ++p) {
    if (young_of_[p] >= 0) into[p] = into[young_of_[p]];
    pools_[p].equilibrate(into[p]);
    produced_[p] = into[p];
  }
}

void BloodSystem::equilibrate(const std::vector<double>& handoffs_per_step) {
  // The fixed point of hand-offs -> chains -> counts -> hormone levels -> multipliers. For each
  // hormone in turn (the others held) the level L solves g(L) = steady level(counts(L)) - L = 0
  // by bisection: g(0) > 0 and g(upper) <= 0, where upper bounds the steady level (no sensed
  // cells at all). Sweeps repeat until no level moves, for pools fed by several compartments.
  std::vector<int> hormones;
  for (size_t m = 0; m < mat_cfg_.size(); ++m)
    if (sensor_[m] >= 0) hormones.push_back(static_cast<int>(m));
  // The compartments' reference content: what they hold with the hormone at its set point (no
  // response, the configured transit) at these hand-offs. Their receptor mass is thus measured
  // against the unstimulated marrow, so a compartment expanded by its hormone clears more of
  // it. Without hand-offs the previous reference stays.
  for (const int m : hormones) {
    const double in = handoffs_per_step[m] * mat_cfg_[m].amplification / fraction_;
    if (!(in > 0)) continue;
    Chain unstimulated = maturation_[m];
    unstimulated.set_speed(1.0, dt_);
    unstimulated.equilibrate(in);
    content0_[m] = unstimulated.total();
  }
  for (int sweep = 0; sweep < 100; ++sweep) {
    double moved = 0;
    for (const int m : hormones) {
      const MaturationConfig& c = mat_cfg_[m];
      auto excess = [&](double l) {
        level_[m] = l;
        settle(handoffs_per_step);
        return hormone_steady_level(c, sensed(m), content(m)) - l;
      };
      const double before = level_[m];
      double lo = 0;
      double hi = c.production == HormoneProduction::kExponential
                      ? std::exp(c.deficit_slope)
                      : 1.0 / (1.0 - c.specific_clearance);
      for (int it = 0; it < 400 && hi - lo > 1e-15 * hi; ++it) {
        const double mid = 0.5 * (lo + hi);
        if (mid <= lo || mid >= hi) break;
        (excess(mid) > 0 ? lo : hi) = mid;
      }
      level_[m] = 0.5 * (lo + hi);
      moved = std::max(moved, std::abs(level_[m] - before) / std::max(level_[m], 1e-300));
    }
    // One hormone is solved in one sweep; several until a sweep moves none of them.
    if (hormones.size() <= 1 || moved < 1e-14) break;
  }
  settle(handoffs_per_step);
}

double BloodSystem::concentration(int p) const {
  return pools_[p].total() / volume_l_ / pool_cfg_[p].unit_per_l;
}

double BloodSystem::hemoglobin() const {
  if (rbc_ < 0) return std::numeric_limits<double>::quiet_NaN();
  // cells/L * pg/cell = pg/L; 1e-12 g/pg and 0.1 L/dL give g/dL.
  return pools_[rbc_].total() / volume_l_ * mch_pg_ * 1e-13;
}

std::vector<double> BloodSystem::state() const {
  std::vector<double> s;
  for (const auto& c : maturation_) s.insert(s.end(), c.stage.begin(), c.stage.end());
  for (const auto& c : pools_) s.insert(s.end(), c.stage.begin(), c.stage.end());
  for (size_t m = 0; m < mat_cfg_.size(); ++m)
    if (sensor_[m] >= 0) {
      s.push_back(level_[m]);
      s.push_back(content0_[m]);
    }
  return s;
}

void BloodSystem::set_state(const std::vector<double>& s) {
  size_t need = 0;
  for (const auto& c : maturation_) need += c.stage.size();
  for (const auto& c : pools_) need += c.stage.size();
  for (const int p : sensor_) need += p >= 0 ? 2 : 0;
  if (s.size() != need)
    throw std::invalid_argument("blood state has " + std::to_string(s.size()) +
                                " values, the scenario needs " + std::to_string(need) +
                                " (every stage of every chain, then a level and a reference "
                                "content per hormone)");
  size_t k = 0;
  for (auto* chains : {&maturation_, &pools_})
    for (auto& c : *chains)
      for (double& x : c.stage) x = s[k++];
  for (size_t m = 0; m < mat_cfg_.size(); ++m) {
    if (sensor_[m] < 0) continue;
    if (!(s[k] >= 0) || !std::isfinite(s[k]) || !(s[k + 1] >= 0) || !std::isfinite(s[k + 1]))
      throw std::invalid_argument("blood state has an invalid hormone level or reference");
    level_[m] = s[k++];
    content0_[m] = s[k++];
    respond(static_cast<int>(m));
  }
}

}  // namespace marrow
