#pragma once
// Conditioning and transplantation as data and as pure functions of time: irradiation
// (multi-target survival with incomplete repair between fractions), chemotherapy
// (one-compartment pharmacokinetics and a saturating concentration-kill relation), grafts,
// cytokines, stromal damage with recovery, and a minimal allogeneic immunology. Nothing here
// holds state that changes during a run: every quantity is computed from the schedule and the
// time, so a restarted run sees exactly what an uninterrupted one saw.
#include <any>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "model/treatment/kind.hpp"

namespace marrow {

// Sensitivity of every kind of target, indexed by cell type, maturation compartment, blood pool,
// plus the stroma (niche support) and host immunity.
struct Sensitivity {
  std::vector<double> type, compartment, pool;
  double stroma = 0;
  double immunity = 0;
};

// Multi-target single-hit survival of one kind of target after a dose D given at once:
// S(D) = 1 - (1 - exp(-D / D0))^n. The shoulder (extrapolation number n) is the damage a cell
// can repair; the final slope 1 / D0 is what a pure linear-quadratic curve lacks, and without it
// single doses above a few Gy would kill far more marrow cells than measured.
struct RadiationResponse {
  double d0_gy = std::numeric_limits<double>::infinity();  // infinite: not killed
  double extrapolation_number = 1;
};

struct RadiationConfig {
  // Damage of earlier fractions repairs with this half-time: fraction i acts on a cell that
  // still carries the dose D' = sum_j d_j exp(-mu (t_i - t_j)) and kills
  // -ln[S(D' + d_i) / S(D')], so fully repaired fractions multiply single-dose survivals and
  // fractions given together act as their summed dose.
  double repair_half_time_hours = 1.5;
  // Per cell type, maturation compartment, blood pool, the stroma (niche support) and host
  // immunity.
  std::vector<RadiationResponse> type, compartment, pool;
  RadiationResponse stroma, immunity;
};

struct DrugConfig {
  std::string name;
  double half_life_hours = 6;
  double ec50_mg_per_kg = 10;  // concentration (as mg/kg body weight) of half the maximal kill
  double kill_per_hour = 0.1;  // maximal kill hazard at sensitivity 1
  bool cycling_only = false;   // spares quiescent cells (5-FU-like)
  Sensitivity sensitivity;
};

struct GraftSourceConfig {
  std::string name;
  // Whole-body cells of each type per infused CD34+ cell.
  std::vector<double> per_cd34;
  double t_cells_per_cd34 = 0;
  double cd34_per_tnc = 0.01;      // to read doses given as total nucleated cells
  double homing_efficiency = 0.1;  // share of infused cells that reach the marrow
};

// Who gave the graft. Allogeneic cells are donor cells under alloimmunity (rejection,
// graft-versus-host); autologous cells are the patient's own; syngeneic cells are donor cells
// (counted in chimerism, as CD45.1 cells in a CD45.2 mouse) without alloimmunity.
enum class Donor { kAllogeneic, kAutologous, kSyngeneic };

// One entry of the schedule: its kind (model/treatment/), when, and the kind's own
// configuration.
struct TreatmentEvent {
  std::string name;
  const TreatmentKind* kind = nullptr;
  double day = 0;
  int repeats = 1;  // fractions or doses
  double interval_hours = 24;
  std::any params;  // the kind's configuration
  template <class T>
  const T& as() const {
    return std::any_cast<const T&>(params);
  }
};

struct ImmunologyConfig {
  // Host-versus-graft: hazard on donor cells per day at full host immunity; host immunity is
  // what conditioning leaves of it (its own sensitivities in radiation and drugs).
  double rejection_per_day = 0;
  // Graft-versus-host-hematopoiesis: hazard on host cells per day for a graft with the reference
  // T-cell dose, reached with this onset time after the graft and damped by host immunity.
  double gvh_per_day = 0;
  double t_cell_reference_per_kg = 1e8;
  double gvh_onset_days = 30;
  // Host immunity regrows logistically at this rate from what conditioning left, while donor T
  // cells remove it at the graft-versus-host hazard.
  double recovery_per_day = 0;
};

struct RegenerationConfig {
  // A depleted marrow recruits quiescent cells into cycle: quiescence exit is multiplied, and
  // entry divided, by (reference agents / agents)^gain, between 1 and cap.
  double gain = 0;
  double cap = 1;
  double renewal_boost = 0;  // largest share of differentiating divisions turned self-renewing
  // Stem cells on niche sites sense the occupancy of the working niche sites within tiles of
  // this edge, and activate as (reference / occupancy)^gain, between 1 and cap.
  double stem_renewal_boost = 0;  // the same for stem cells on niche sites
  double niche_sensing_um = 160;
  double niche_occupancy_reference = 0.5;
};

// Autoimmunity as cells: an autoreactive lymphoid clone of the host (B cells and the plasma
// cells making antiplatelet or anti-red-cell antibodies, or cytotoxic T cells against stem and
// progenitor cells) and what it destroys. The destruction follows the clone: conditioning kills
// it as it kills host immunity (the `immunity` targets of radiation and drugs); it regrows
// logistically from what is left, so incomplete removal relapses; a clone brought down to its
// last few cells survives or dies out cell by cell; a graft may bring its cells back.
struct AutoimmunityConfig {
  double clone_cells = 0;        // whole-body cells of the established clone; 0: none
  double onset_day = 0;          // established from this day of recorded time
  double growth_per_day = 0.05;  // regrowth rate of the clone from a remnant
  // Between patients the clone's strength differs (its size and avidity): the attack of one
  // patient is the attack below times exp(attack_spread * z), z standard normal drawn once from
  // the seed, so the replicates of a sweep are a cohort of patients. 0: every patient alike.
  double attack_spread = 0;
  // Destruction per day at the established clone: of host agents by type, of maturation
  // compartments' cells and of blood pools' cells.
  Sensitivity attack;
};

// Supportive care as rules: a transfusion when a daily count falls below its threshold.
struct SupportiveCareConfig {
  bool enabled = false;
  double platelet_threshold = 10;     // 1e9/L
  double platelet_unit_cells = 3e11;  // platelets per unit
  double platelet_recovery = 0.67;    // share of transfused platelets that circulate
  double hemoglobin_threshold = 7;    // g/dL
  double rbc_unit_cells = 1.9e12;     // red cells per unit
  int rbc_units = 1;                  // units per red-cell transfusion
};

struct StromaConfig {
  double recovery_days = 21;  // time constant of stromal (niche support) recovery
};

struct TreatmentConfig {
  std::vector<TreatmentEvent> schedule;
  std::vector<DrugConfig> drugs;
  std::vector<GraftSourceConfig> sources;
  RadiationConfig radiation;
  ImmunologyConfig immunology;
  RegenerationConfig regeneration;
  StromaConfig stroma;
  AutoimmunityConfig autoimmunity;
  SupportiveCareConfig supportive_care;
};

// A schedule entry built from key = value pairs through its kind's reader (for tests and
// scenarios built in code); throws std::invalid_argument on a bad entry.
TreatmentEvent make_event(const std::string& kind, double day,
                          const std::vector<std::pair<std::string, std::any>>& values,
                          const TreatmentConfig& config = {},
                          const std::vector<std::string>& hormones = {});

// One transplant as it happens: time, agents per type, and what it sets going.
struct GraftDose {
  int event = -1;
  double hours = 0;
  std::vector<double> agents_per_type;  // expected agents on the lattice, before rounding
  bool donor_origin = true;             // the infused agents count as donor cells
  double gene_modified_fraction = 0;
};

// What treatment does to cells during one step.
struct StepEffects {
  bool any_agents = false;
  // Survival per type for [cycling host, cycling donor, quiescent host, quiescent donor].
  std::vector<double> agents;
  std::vector<double> compartment;  // survival of each maturation compartment's cells
  std::vector<double> pool;         // survival of each blood pool's cells
  double survival(int type, bool quiescent, bool donor) const {
    return agents[static_cast<size_t>(type) * 4 + (quiescent ? 2 : 0) + (donor ? 1 : 0)];
  }
};

class Treatment {
 public:
  Treatment() = default;
  Treatment(const TreatmentConfig& config, int types, int compartments, int pools, double weight_kg,
            uint64_t seed = 1);

  bool empty() const { return config_.schedule.empty(); }
  // Whether anything acts during recorded time: a schedule, autoimmunity or supportive care.
  bool active() const { return !empty() || autoimmune() || config_.supportive_care.enabled; }
  bool autoimmune() const { return config_.autoimmunity.clone_cells > 0; }
  // The autoreactive clone at a time relative to its established size (0 before onset and
  // once it died out).
  double autoreactive_clone(double hours) const;
  // This patient's multiplier of the clone's attack (AutoimmunityConfig::attack_spread), 1 when
  // patients do not differ.
  double patient_attack() const { return patient_attack_; }
  // The earliest scheduled day or autoimmune onset (0 when none is earlier).
  double first_day() const;
  // Effects during the step [hours, hours + dt) (hours since day 0). Immune hazards act once a
  // day, at whole days; `daily` says whether this step starts one.
  StepEffects effects(double hours, double dt_hours, bool daily) const;
  // Grafts given during [hours, hours + dt).
  std::vector<GraftDose> grafts(double hours, double dt_hours, double represented_fraction) const;
  // Extra multiplier of a hormone's drive at a time (cytokine administration).
  double cytokine(const std::string& hormone, double hours) const;
  // Stromal (niche support) health at a time, 0..1.
  double stroma(double hours) const;
  // Host immunity left at a time, 0..1.
  double immunity(double hours) const;
  // Surviving fraction of a target with the given D0 and extrapolation number after the
  // irradiation fractions (hours, Gy), for tests.
  double radiation_survival(const std::vector<std::pair<double, double>>& fractions, double d0_gy,
                            double extrapolation_number) const;
  bool any_transplant() const;
  // Whether any graft is allogeneic (alloimmunity acts).
  bool allogeneic() const;
  const TreatmentConfig& config() const { return config_; }

 private:
  // Graft-versus-host hazard per day at a time, given the host immunity then.
  double gvh(double hours, double immunity) const;

  // Host immunity on an hourly grid from the first event, extended on demand (a cache of a
  // pure function of the schedule).
  mutable std::vector<double> immunity_;
  // The autoreactive clone's cells on an hourly grid from its onset (a pure function of the
  // schedule and the seed, cached the same way).
  mutable std::vector<double> clone_;
  uint64_t seed_ = 1;
  double patient_attack_ = 1;

  TreatmentConfig config_;
  std::vector<std::shared_ptr<const KindModel>> models_;  // of the kinds scheduled, in order
  int types_ = 0, compartments_ = 0, pools_ = 0;
};

}  // namespace marrow
