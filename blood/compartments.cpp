#include "blood/compartments.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace marrow {

Chain::Chain(int stages, double mean_hours, double destruction_per_hour, double dt_hours) {
  if (stages < 1 || !(mean_hours > 0)) throw std::invalid_argument("chain needs stages and a mean");
  stage.assign(static_cast<size_t>(stages), 0.0);
  rate_ = stages / mean_hours;
  set_destruction(destruction_per_hour, dt_hours);
}

void Chain::set_destruction(double per_hour, double dt_hours) {
  // A cell leaves a stage with probability (k + d) dt per step: its residence is geometric with
  // mean 1 / (k + d) exactly, so the chain's mean transit time is the configured one. Rates
  // faster than one stage per step are capped at one.
  const double out = rate_ + per_hour;
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
  for (const auto& m : mat_cfg_) {
    maturation_.emplace_back(m.stages, m.transit_days * 24.0, 0.0, dt_);
    std::vector<std::pair<int, double>> f;
    for (const auto& [name, share] : m.feeds) {
      const int p = pool_index(name);
      if (p < 0) throw std::invalid_argument("maturation feeds unknown blood pool " + name);
      f.emplace_back(p, share);
    }
    feeds_.push_back(std::move(f));
  }
  produced_.assign(pools_.size(), 0.0);
  for (const auto& m : mat_cfg_) {
    const int p = m.sensor.empty() ? -1 : pool_index(m.sensor);
    if (!m.sensor.empty() && p < 0)
      throw std::invalid_argument("feedback senses unknown pool " + m.sensor);
    sensor_.push_back(p);
  }
  drive_.assign(mat_cfg_.size(), 1.0);
  external_.assign(mat_cfg_.size(), 1.0);
}

void BloodSystem::scale_maturation(int m, double survival) {
  for (double& x : maturation_[m].stage) x *= survival;
}

void BloodSystem::remove(int pool, double fraction) {
  for (double& x : pools_[pool].stage) x *= 1.0 - fraction;
}

int BloodSystem::pool_index(const std::string& name) const {
  for (size_t i = 0; i < pool_cfg_.size(); ++i)
    if (pool_cfg_[i].name == name) return static_cast<int>(i);
  return -1;
}

void BloodSystem::step(const std::vector<int64_t>& handoffs) {
  std::vector<double> into(pools_.size(), 0.0);
  for (size_t m = 0; m < maturation_.size(); ++m) {
    const MaturationConfig& c = mat_cfg_[m];
    if (sensor_[m] >= 0) {
      const double count = concentration(sensor_[m]);
      drive_[m] =
          count > 0 ? std::clamp(std::pow(c.set_point / count, c.gain), 1.0 / c.cap, c.cap) : c.cap;
    }
    const double in =
        static_cast<double>(handoffs[m]) * c.amplification * drive_[m] * external_[m] / fraction_;
    const double out = maturation_[m].step(in);
    for (const auto& [p, share] : feeds_[m]) into[p] += out * share;
  }
  for (size_t p = 0; p < pools_.size(); ++p) {
    pools_[p].step(into[p]);
    produced_[p] = into[p];
  }
}

void BloodSystem::equilibrate(const std::vector<double>& handoffs_per_step) {
  std::vector<double> into(pools_.size(), 0.0);
  for (size_t m = 0; m < maturation_.size(); ++m) {
    const double in = handoffs_per_step[m] * mat_cfg_[m].amplification / fraction_;
    maturation_[m].equilibrate(in);
    for (const auto& [p, share] : feeds_[m]) into[p] += in * share;
  }
  for (size_t p = 0; p < pools_.size(); ++p) {
    pools_[p].equilibrate(into[p]);
    produced_[p] = into[p];
  }
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
  return s;
}

void BloodSystem::set_state(const std::vector<double>& s) {
  size_t k = 0;
  auto fill = [&](std::vector<Chain>& chains) {
    for (auto& c : chains)
      for (double& x : c.stage) {
        if (k >= s.size()) throw std::invalid_argument("blood state has too few values");
        x = s[k++];
      }
  };
  fill(maturation_);
  fill(pools_);
  if (k != s.size()) throw std::invalid_argument("blood state has too many values");
}

}  // namespace marrow
