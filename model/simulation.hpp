#pragma once
// The whole model stepping in time: lattice and geometry, agents in spatial blocks, the fate
// kernel, and the maturation/blood compartments fed by the lattice's hand-offs.
#include <array>
#include <cmath>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "agents/agent_store.hpp"
#include "agents/domain.hpp"
#include "agents/fate_kernel.hpp"
#include "blood/compartments.hpp"
#include "core/block_grid.hpp"
#include "core/lattice.hpp"
#include "core/random.hpp"
#include "core/site_set.hpp"
#include "model/scenario.hpp"
#include "niche/fields.hpp"
#include "niche/geometry.hpp"

namespace marrow {

struct Observation {
  double time_days = 0;
  std::vector<int64_t> population;    // per cell type
  std::vector<double> blood;          // per blood pool, in its unit per litre
  std::vector<double> production;     // per blood pool, cells entering the blood per day (body)
  std::vector<double> drive;          // per maturation compartment: its production multiplier
  std::vector<double> hormone;        // per maturation compartment: hormone level (1: set point)
  std::vector<double> cycling;        // per cell type: fraction of its agents cycling, 0..1
  double hemoglobin = 0;              // g/dL
  std::vector<double> chimerism;      // donor fraction per lineage (agents), 0..1
  std::vector<double> gene_modified;  // gene-modified fraction per lineage (agents), 0..1
  double stroma = 1;                  // stromal (niche support) health, 0..1
  double activation = 1;              // regenerative recruitment of quiescent cells
  double immunity = 1;                // host immunity left, 0..1
  double autoreactive_clone = 0;      // the host's autoreactive clone, 1: established size
  // Transfused units since day 0 (supportive care).
  int64_t platelet_units = 0, rbc_units = 0;
  int64_t occupied_niches = 0;  // niche sites holding a cell of the stem type
  double hsc_in_niche_fraction = 0;
  int64_t agents = 0;
  // Stem cells that left for the blood and that homed back since the previous observation.
  int64_t egressed = 0, homed = 0;
};

class Simulation {
 public:
  explicit Simulation(const Scenario& scenario);

  // Advances one step of dt: every process of processes() in order, each at its cadence.
  void step();

  // When a process runs: every step, or at the first step of each day (of the spin-up too);
  // `treated` ones only in recorded time with a treatment, autoimmunity or supportive care.
  enum class Cadence : uint8_t { kStep, kDay, kTreatedStep, kTreatedDay };
  struct Process {
    const char* name;
    Cadence cadence;
    void (Simulation::*run)();
  };
  static std::span<const Process> processes();
  // Runs the spin-up (run.spin_up_days) so that recorded time starts from a settled marrow: the
  // spatial structure forms, and the blood compartments are then set to equilibrium with the
  // mean hand-off rate of the spin-up's last third. Recorded time is 0 afterwards.
  // Returns false when `stop` returned true before the spin-up ended (checked every step); a
  // later call, or one after restore_spin_up(), continues where it stopped.
  bool spin_up(const std::function<bool()>& stop = {});
  // True between the start and the end of the spin-up.
  bool in_spin_up() const { return spinning_; }
  int64_t spin_up_steps_done() const { return spin_done_; }
  const std::vector<double>& spin_up_handoff_sums() const { return spin_sum_; }
  // After restore(): the snapshot was taken `done` steps into the spin-up, with these sums of
  // the hand-off rates of its last third.
  void restore_spin_up(int64_t done, const std::vector<double>& sums);
  // Steps since the start of the spin-up: the step index of the random streams.
  int64_t steps_done() const { return step_; }
  // Steps of recorded time (after the spin-up).
  int64_t elapsed_steps() const { return step_ - origin_; }
  int64_t origin_step() const { return origin_; }
  // Recorded time starts at `start_day` (before 0 when treatment starts before the graft).
  double time_hours() const {
    return start_day_ * 24.0 + static_cast<double>(step_ - origin_) * scenario_.run.dt_hours;
  }
  double start_day() const { return start_day_; }
  // Steps from the start of recorded time to day `days`.
  int64_t steps_until(double days) const {
    return std::llround((days - start_day_) * 24.0 / scenario_.run.dt_hours);
  }
  const Treatment& treatment() const { return treatment_; }
  // Per padded site (of the window, in a distributed run): 1 where a niche supports stem cells
  // now (stroma working).
  const SiteVector<uint8_t>& niche_support() const { return niche_now_; }
  // The stem cells that left at the last daily egress and homed back (a restart sets them from
  // the stored history).
  void set_egress_counts(int64_t egressed, int64_t homed) {
    egressed_ = egressed;
    homed_ = homed;
  }
  // Transfused units before a restart's snapshot (the stored history's last row).
  void set_transfusions(int64_t platelet_units, int64_t rbc_units) {
    platelet_units_ = platelet_units;
    rbc_units_ = rbc_units;
  }
  // Activation of a stem cell on this niche site now (1: at rest).
  double stem_activation_at(SiteId s) const {
    return FateKernel::stem_activation(stem_level_[s], scenario_.treatment.regeneration.cap);
  }
  double time_days() const { return time_hours() / 24.0; }

  // Collective in a distributed run: every rank calls it, and every rank gets the same.
  Observation observe() const;
  // Every agent, ordered by site (a canonical order, whatever the blocks' history). Collective
  // in a distributed run: rank 0 gets every agent, the other ranks none.
  std::vector<AgentRecord> agents() const;
  // The agents this process holds, ordered by site (in a distributed run, its slab's).
  std::vector<AgentRecord> local_agents() const { return domain_.local_records(); }
  // Replaces the state with a checkpoint's.
  // `fields` holds each field's values over the unpadded lattice ([z][y][x]), or is empty to
  // solve them afresh.
  void restore(int64_t steps_done, int64_t origin_step, const std::vector<AgentRecord>& agents,
               const std::vector<double>& blood_state,
               const std::vector<std::vector<float>>& fields = {});
  const std::vector<SignalField>& fields() const { return fields_; }

  const Scenario& scenario() const { return scenario_; }
  const Lattice& lattice() const { return lattice_; }
  const Geometry& geometry() const { return geometry_; }
  const BlockGrid& grid() const { return domain_.grid(); }
  const BloodSystem& blood() const { return blood_; }
  // Removes a fraction of a blood pool (a bleed, platelet or red cell destruction).
  void remove_blood(int pool, double fraction) { blood_.remove(pool, fraction); }
  const std::vector<std::string>& lineages() const { return lineages_; }
  double represented_fraction() const { return blood_.represented_fraction(); }
  int64_t stalled_divisions() const { return kernel_->stalled_divisions(); }
  int64_t events() const { return kernel_->events(); }
  // The agents this process holds (in a distributed run, its share).
  int64_t agents_here() const { return domain_.alive(); }

 private:
  void place_initial_agents();
  // The processes of a step (processes()).
  void sense_activation() { update_activation(day_start_); }
  void restore_niche_support();
  void treat();
  void fate_events();
  void feed_blood();
  void advance_clock() { ++step_; }
  void solve_due_fields() { solve_fields(true); }
  bool day_start_ = false;  // this step opens a day
  void infuse(const GraftDose& g);
  // Entry weights of the sites next to sinusoids for homing stem cells: the chemoattractant
  // concentration, summed in site order over the whole lattice; uniform entry without a
  // chemoattractant field (or with no signal anywhere). Each rank holds the weights of its own
  // entry sites and the running sum before every 64th of them, which gives the running sum at
  // any of its sites exactly as one process's table would.
  struct EntryWeights {
    bool uniform = true;
    std::vector<float> weight;   // this rank's entry sites
    size_t offset = 0;           // the index of its first among every rank's
    std::vector<double> before;  // the running sum before its entry 64 k
    double start = 0, end = 0;   // the running sum before its first entry and after its last
    double total = 0;            // after every rank's
  };
  // Collective: the same on every rank.
  const EntryWeights& entry_weights() const;
  // The weights from the chemoattractant field (none: uniform).
  EntryWeights weigh_entries(const SignalField* field) const;
  mutable EntryWeights entry_weights_;
  mutable uint64_t entry_weights_version_ = UINT64_MAX;  // of the field they were summed from
  // The index among n entry sites each draw picks: uniformly, or by the weights (the first entry
  // whose running sum exceeds d.u(3) * total). Collective.
  static std::vector<uint32_t> pick_entries(size_t n, const EntryWeights& weight,
                                            const std::vector<Draw>& draws);
  // Which members of an ordered set of sites hold a cell now (bit i: the i-th member), on every
  // rank (collective).
  SiteBits occupied_members(const SiteSet& set) const;
  void kill(const StepEffects& fx);
  // Niche support after stromal damage, and regenerative recruitment of quiescent cells.
  // `signals`: also scale or re-solve the fields for a change of stromal health since the day
  // before.
  void update_niche_support(double hours, bool signals);
  // Niche response levels of the types with a niche signal, from the fields.
  void update_signal_levels();
  void update_activation(bool reschedule);
  // Transfusions by the rules of supportive care, at the start of a day.
  void supportive_care();
  // Daily egress to the blood and homing back next to a sinusoid.
  void egress();

  Scenario scenario_;
  Lattice lattice_;
  Geometry geometry_;
  Domain domain_;
  std::unique_ptr<FateKernel> kernel_;
  BloodSystem blood_;
  std::vector<SignalField> fields_;
  void solve_fields(bool due_only);
  std::vector<std::string> lineages_;
  std::vector<int> lineage_of_type_;
  int hsc_type_ = -1;
  int64_t step_ = 0;
  int64_t origin_ = 0;
  std::vector<int64_t> last_handoffs_;
  Treatment treatment_;
  double start_day_ = 0;
  bool recording_ = true;  // false during the spin-up: no treatment then
  bool spinning_ = false;
  int64_t spin_done_ = 0;
  std::vector<double> spin_sum_;
  SiteVector<uint8_t> niche_now_;      // supportive sites with their stroma working
  SiteVector<float> niche_threshold_;  // stroma health below which a niche site fails
  // Known whole on every rank: the marrow sites where cells arrive from blood, and those
  // without stem-cell niche stroma.
  SiteSet vessel_adjacent_;
  SiteSet marrow_sites_;
  double reference_agents_ = 1;
  // Niche vacancy sensing: the stem-cell niche sites (of this rank's window), their tile, per tile
  // the working and the occupied niche sites, and per padded site the stem activation level.
  std::vector<SiteId> niche_sites_;     // of the window, in site order
  std::array<size_t, 2> own_niches_{};  // those of the slab: [first, last) of niche_sites_
  std::vector<int32_t> niche_tile_;
  // The slab's niche sites by tile row (along the slabs' axis: y in 2D, z in 3D): row k is
  // [niche_rows_[k], niche_rows_[k + 1]) of niche_sites_, in site order, and no two rows share
  // a tile, so the rows are counted side by side.
  std::vector<size_t> niche_rows_;
  std::vector<int32_t> sensed_tiles_;  // distinct tiles of niche_tile_, ascending
  std::vector<int32_t> tile_work_, tile_held_, area_work_, area_held_;
  std::vector<int32_t> own_tile_work_;  // the slab's working niche sites per tile
  std::vector<int32_t> shared_tiles_;   // distributed: the tiles whose counts are summed
  std::vector<uint8_t> tile_level_;     // the stem activation level sensed in each tile
  std::array<int, 3> tiles_{1, 1, 1};
  SiteVector<uint8_t> stem_level_;
  // Per niche site (in niche_sites_ order): the slab's working (bit 0) and held (bit 1) niche
  // sites at the last activation update, and the level stem_level_ holds at each.
  std::vector<uint8_t> niche_state_, niche_level_;
  // Whether a niche site's level may differ from niche_level_ (the working niches or a tile's
  // level changed since the levels were last written).
  bool levels_stale_ = true;
  // Whether the working niches changed since own_tile_work_ and bit 0 of niche_state_ were set.
  bool working_stale_ = true;
  // Whether update_activation has sensed the niches (niche_state_ and niche_level_ hold that).
  bool activation_sensed_ = false;
  // The mean activation of the stem cells on niche sites at the last update (collective).
  double mean_stem_activation() const;
  // Stem cells that left for the blood at the last daily egress, and of them those that homed
  // back to a free site.
  int64_t egressed_ = 0, homed_ = 0;
  int64_t platelet_units_ = 0, rbc_units_ = 0;
};

}  // namespace marrow
