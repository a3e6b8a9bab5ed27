#pragma once
// Downstream of the lattice: per-lineage maturation chains (precursor amplification and
// transit, as in Friberg 2002) and blood pools with a lifespan distribution. These hold whole-body
// numbers of cells; the lattice's hand-offs are scaled up by the fraction of marrow it represents.
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

  std::vector<double> stage;

 private:
  double pass_ = 0;     // fraction leaving a stage per step
  double matured_ = 1;  // share of leavers that pass on rather than are destroyed
  double rate_ = 0;     // passage rate per hour
};

struct MaturationConfig {
  std::string name;
  int stages = 3;
  double transit_days = 5;
  double amplification = 1;  // cells reaching blood per differentiated agent daughter
  std::vector<std::pair<std::string, double>> feeds;  // blood pool -> share
  // Systemic feedback (EPO, TPO, G-CSF): amplification times (set_point / count)^gain of the
  // sensed blood pool, between 1/cap and cap, as Friberg 2002's (Circ0/Circ)^gamma. No
  // feedback when `sensor` is empty.
  std::string hormone;
  std::string sensor;
  double set_point = 1;
  double gain = 0;
  double cap = 1;
};

struct BloodPoolConfig {
  std::string name;
  double lifespan_days = 1;
  double lifespan_cv = 1;  // 1: exponential survival; smaller: senescence
  double destruction_per_day = 0;
  double unit_per_l = 1e9;  // concentration reported in these units per litre
};

class BloodSystem {
 public:
  BloodSystem() = default;
  BloodSystem(std::vector<MaturationConfig> maturation, std::vector<BloodPoolConfig> pools,
              double represented_fraction, double blood_volume_l, double mch_pg, double dt_hours);

  // Advances one step with the lattice hand-offs (agent daughters) of each compartment.
  void step(const std::vector<int64_t>& handoffs);
  // Equilibrium of every chain for constant hand-off rates (daughters per step).
  void equilibrate(const std::vector<double>& handoffs_per_step);

  int pool_count() const { return static_cast<int>(pools_.size()); }
  const BloodPoolConfig& pool(int i) const { return pool_cfg_[i]; }
  int pool_index(const std::string& name) const;
  // Concentration of a pool in its unit per litre.
  double concentration(int pool) const;
  // Hemoglobin in g/dL from the red cell count and the mean cell hemoglobin; NaN without rbc.
  double hemoglobin() const;
  // The feedback multiplier of each maturation compartment in the last step (1 without).
  double drive(int maturation) const { return drive_[maturation]; }
  int maturation_count() const { return static_cast<int>(mat_cfg_.size()); }
  const MaturationConfig& maturation(int m) const { return mat_cfg_[m]; }
  // Removes a fraction of a pool's cells (a bleed, a destruction episode).
  void remove(int pool, double fraction);
  // Keeps a share of every stage of a maturation compartment (cells killed by treatment).
  void scale_maturation(int m, double survival);
  // An external multiplier on a compartment's drive (an administered cytokine), 1 by default.
  void set_external_drive(int m, double factor) { external_[m] = factor; }
  // Cells produced into a pool in the last step (whole body).
  double production(int pool) const { return produced_[pool]; }
  double represented_fraction() const { return fraction_; }

  // Every stage of every chain, for checkpoints.
  std::vector<double> state() const;
  void set_state(const std::vector<double>& s);

 private:
  std::vector<MaturationConfig> mat_cfg_;
  std::vector<BloodPoolConfig> pool_cfg_;
  std::vector<Chain> maturation_;
  std::vector<Chain> pools_;
  std::vector<std::vector<std::pair<int, double>>> feeds_;
  std::vector<double> produced_;
  std::vector<int> sensor_;    // pool sensed by each maturation compartment, or -1
  std::vector<double> drive_;  // its last feedback multiplier
  std::vector<double> external_;
  double fraction_ = 1, volume_l_ = 5, mch_pg_ = 29, dt_ = 1;
  int rbc_ = -1;
};

}  // namespace marrow
