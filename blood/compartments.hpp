#pragma once
// Downstream of the lattice: per-lineage maturation chains (precursor amplification and
// transit, as in Friberg 2002) and blood pools with a lifespan distribution. These hold whole-body
// numbers of cells; the lattice's hand-offs are scaled up by the fraction of marrow it represents.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace marrow {

// A linear chain of stages; each step a stage passes on k dt of its content, k = stages / mean.
// The time through the chain is a sum of geometric stage residences: mean `mean_hours`
// exactly, CV close to 1/sqrt(stages) (Erlang) when k dt is small.
// A destruction rate removes cells from every stage in competition with passage.
class Chain {
 public:
  Chain() = default;
  Chain(int stages, double mean_hours, double destruction_per_hour, double dt_hours);

  // Adds `inflow` cells to the first stage; returns the cells leaving the last stage.
  double step(double inflow);
  // Sets the content at equilibrium with a constant inflow per step.
  void equilibrate(double inflow_per_step);
  double total() const;
  void set_destruction(double per_hour, double dt_hours);
  // Multiplies the passage rate of every stage by `factor` (a hormone shortening the transit:
  // the mean transit becomes mean_hours / factor).
  void set_speed(double factor, double dt_hours);

  std::vector<double> stage;

 private:
  void update(double dt_hours);

  double pass_ = 0;         // fraction leaving a stage per step
  double matured_ = 1;      // share of leavers that pass on rather than are destroyed
  double base_rate_ = 0;    // passage rate per hour at speed 1
  double rate_ = 0;         // passage rate per hour now
  double destruction_ = 0;  // per hour
};

// How a hormone's production depends on what it senses.
enum class HormoneProduction {
  // Constant production, cleared by receptors on the sensed cells (TPO, G-CSF): the level is
  // set by the mass of receptor-bearing cells.
  kConstant,
  // Production rising exponentially with the sensed pool's deficit, first-order clearance
  // (EPO: serum EPO rises log-linearly as hemoglobin falls).
  kExponential,
};

struct MaturationConfig {
  std::string name;
  int stages = 3;
  double transit_days = 5;
  double amplification = 1;  // cells reaching blood per differentiated agent daughter
  std::vector<std::pair<std::string, double>> feeds;  // blood pool -> share
  // Systemic feedback by a hormone (TPO, EPO, G-CSF) of relative level L (1 at the set point of
  // the sensed pool), integrated in time. kConstant: dL/dt = k [1 - L ((1 - f) + f M)],
  // M = (1 - phi) P + phi K; kExponential: dL/dt = k [exp(s (1 - P)) - L]; with k = ln 2 /
  // half-life, P the sensed pool over its set point and K this compartment's content over its
  // unstimulated content (with L = 1, at the hand-offs of the last equilibrium: the healthy
  // marrow after the spin-up). The compartment's amplification is multiplied by
  // response(L) = Mx L^h / (L^h + Mx - 1) (1 at L = 1, Mx as L grows) and its stage rate by
  // max(1, the same form with transit_speedup_max). No feedback when `sensor` is empty.
  std::string hormone;
  std::string sensor;
  double set_point = 1;
  double half_life_hours = 24;
  HormoneProduction production = HormoneProduction::kConstant;
  double specific_clearance = 0;     // f: the receptor-mediated share of clearance at the set point
  double compartment_clearance = 0;  // phi: this compartment's share of the receptor mass
  double deficit_slope = 0;          // s: ln L per unit relative deficit (exponential)
  double response_max = 1;           // Mx
  double response_hill = 1;          // h
  double transit_speedup_max = 1;    // 1: the hormone does not change the transit
};

// The production multiplier at relative hormone level `level`: max L^h / (L^h + max - 1).
double hormone_response(double level, double max, double hill);
// The factor on a compartment's stage rate at relative hormone level `level` (never below 1).
double hormone_speedup(const MaturationConfig& c, double level);
// The level a hormone approaches while the sensed pool is held at `pool` (relative to its set
// point) and the compartment at `content` (relative to its reference content).
double hormone_steady_level(const MaturationConfig& c, double pool, double content);
// The level after `dt_hours` from `level` with the sensed values held: the exact solution of
// the linear equation for L (stable for any step and half-life).
double hormone_advance(const MaturationConfig& c, double level, double pool, double content,
                       double dt_hours);

struct BloodPoolConfig {
  std::string name;
  double lifespan_days = 1;
  double lifespan_cv = 1;  // 1: exponential survival; smaller: senescence
  double destruction_per_day = 0;
  double unit_per_l = 1e9;  // concentration reported in these units per litre
  // Non-empty: this pool counts the youngest cells of the named pool (reticulocytes of rbc): it
  // is fed as that pool is, loses cells to destruction and removal as it does, and its cells
  // leave it after lifespan_days by maturing, not by dying. They are not cells of their own:
  // they count in the named pool, its hemoglobin and its feedback.
  std::string young_of;
};

class BloodSystem {
 public:
  BloodSystem() = default;
  BloodSystem(std::vector<MaturationConfig> maturation, std::vector<BloodPoolConfig> pools,
              double represented_fraction, double blood_volume_l, double mch_pg, double dt_hours);

  // Advances one step with the lattice hand-offs (agent daughters) of each compartment: the
  // hormone levels first (from the counts at the start of the step), then the chains.
  void step(const std::vector<int64_t>& handoffs);
  // The compensated equilibrium for constant hand-off rates (daughters per step): every chain at
  // equilibrium with its inflow, and every hormone at the level its equilibrium counts hold it
  // at (a fixed point of step to ~1e-13 relative). Sets the compartments' reference contents
  // from these hand-offs.
  void equilibrate(const std::vector<double>& handoffs_per_step);

  int pool_count() const { return static_cast<int>(pools_.size()); }
  const BloodPoolConfig& pool(int i) const { return pool_cfg_[i]; }
  int pool_index(const std::string& name) const;
  // Concentration of a pool in its unit per litre.
  double concentration(int pool) const;
  // Hemoglobin in g/dL from the red cell count and the mean cell hemoglobin; NaN without rbc.
  double hemoglobin() const;
  // The production multiplier of each maturation compartment in the last step (1 without).
  double drive(int maturation) const { return drive_[maturation]; }
  // The relative hormone level the compartment sees (endogenous times administered; 1 at the
  // set point and without a hormone).
  double level(int maturation) const { return level_[maturation] * external_[maturation]; }
  // The endogenous level alone (the state).
  double endogenous_level(int maturation) const { return level_[maturation]; }
  // The factor on the compartment's stage rate in the last step (1: the configured transit).
  double transit_speed(int maturation) const { return speed_[maturation]; }
  int maturation_count() const { return static_cast<int>(mat_cfg_.size()); }
  const MaturationConfig& maturation(int m) const { return mat_cfg_[m]; }
  // Cells in a maturation compartment (whole body).
  double maturation_content(int m) const { return maturation_[m].total(); }
  // Its reference content, against which its share of the hormone's receptor mass is measured
  // (0 without a hormone).
  double reference_content(int m) const { return content0_[m]; }
  // Removes a fraction of a pool's cells (a bleed, a destruction episode), and as much of the
  // pools that count its youngest cells.
  void remove(int pool, double fraction);
  // Adds cells of mixed ages to a pool (a transfusion): spread over its stages as in a pool at
  // equilibrium, none of them young enough to count in the pools of its youngest cells.
  void infuse(int pool, double cells);
  // Keeps a share of every stage of a maturation compartment (cells killed by treatment).
  void scale_maturation(int m, double survival);
  // An administered hormone: a factor on the compartment's hormone level before the response
  // (exogenous hormone saturates as endogenous does), 1 by default.
  void set_external_drive(int m, double factor);
  // Cells produced into a pool in the last step (whole body).
  double production(int pool) const { return produced_[pool]; }
  double represented_fraction() const { return fraction_; }

  // Every stage of every chain, then the endogenous level and the reference content of each
  // hormone, for checkpoints.
  std::vector<double> state() const;
  void set_state(const std::vector<double>& s);

 private:
  // The sensed pool relative to its set point; the compartment's content relative to its
  // reference.
  double sensed(int m) const;
  double content(int m) const;
  // Multiplier and transit speed from the current level.
  void respond(int m);
  // Chains at equilibrium with the hand-offs at the current levels.
  void settle(const std::vector<double>& handoffs_per_step);

  std::vector<MaturationConfig> mat_cfg_;
  std::vector<BloodPoolConfig> pool_cfg_;
  std::vector<Chain> maturation_;
  std::vector<Chain> pools_;
  std::vector<std::vector<std::pair<int, double>>> feeds_;
  std::vector<double> produced_;
  std::vector<int> sensor_;       // pool sensed by each maturation compartment, or -1
  std::vector<double> level_;     // its endogenous hormone level (state)
  std::vector<double> drive_;     // its last production multiplier
  std::vector<double> speed_;     // its last transit speed factor
  std::vector<double> content0_;  // its reference content (state: set by equilibrate)
  std::vector<double> external_;
  std::vector<int> young_of_;  // per pool: the pool whose youngest cells it counts, or -1
  double fraction_ = 1, volume_l_ = 5, mch_pg_ = 29, dt_ = 1;
  int rbc_ = -1;
};

}  // namespace marrow
