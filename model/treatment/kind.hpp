#pragma once
// Treatment kinds as a registry. A kind (one file in model/treatment/, one line in registry.cpp)
// owns its configuration (the keys of its schedule entries), their reader, and its effects on
// the model: kill of cells, host immunity and the autoreactive clone, stromal damage, hormone
// drive, grafts, and the clone's attack. Treatment (model/treatment.hpp) combines the kinds in
// registry order.
#include <any>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace marrow {

struct TreatmentConfig;
struct TreatmentEvent;
struct GraftDose;

// What a kind's reader needs of one schedule entry: io/ implements it over the layered TOML
// scenario (messages name the file, line and key), tests over a plain map.
class ParameterReader {
 public:
  virtual ~ParameterReader() = default;
  virtual bool has(const std::string& key) const = 0;
  virtual double number(const std::string& key, double lo, double hi) = 0;
  virtual double number_or(const std::string& key, double fallback, double lo, double hi) = 0;
  virtual int64_t integer_or(const std::string& key, int64_t fallback, int64_t lo, int64_t hi) = 0;
  // A string among `allowed`.
  virtual std::string text(const std::string& key, const std::vector<std::string>& allowed) = 0;
  [[noreturn]] virtual void fail(const std::string& key, const std::string& message) const = 0;
  // Fails at whichever of the keys is set.
  [[noreturn]] virtual void fail_any(const std::vector<std::string>& keys,
                                     const std::string& message) const = 0;
};

// -ln survival accumulated over one step, per cell type (cycling and quiescent), maturation
// compartment and blood pool.
struct LogKill {
  std::vector<double> cycling, quiescent, compartment, pool;
};

// What a kind's events do during a run: built once from the events of the kind. Every method is
// a pure function of the schedule and the time.
class KindModel {
 public:
  virtual ~KindModel() = default;
  // Adds the kill of the step [hours, hours + dt) (hours since day 0).
  virtual void kill(double /*hours*/, double /*dt*/, LogKill& /*k*/) const {}
  // Adds -ln of the surviving share of host immunity from exposures given in [h, h + 1).
  virtual void immunity_kill(double /*h*/, double& /*log_kill*/) const {}
  // Adds -ln of the surviving share of the autoreactive clone from exposures in [h, h + 1);
  // by default the clone dies as host immunity does.
  virtual void clone_kill(double h, double& log_kill) const { immunity_kill(h, log_kill); }
  // Multiplies stromal (niche support) health at a time by what this kind leaves of it.
  virtual void stroma(double /*hours*/, double& /*health*/) const {}
  // Multiplies a hormone's administered drive at a time.
  virtual void cytokine(const std::string& /*hormone*/, double /*hours*/, double& /*f*/) const {}
  // Multiplies the autoreactive clone's attack at a time (immunosuppression, steroids, IVIG).
  virtual void attack(double /*hours*/, double& /*f*/) const {}
  // Multiplies the clone's attack on blood cells alone at a time (clearance of opsonised cells
  // by splenic macrophages: IVIG, splenectomy).
  virtual void attack_on_blood(double /*hours*/, double& /*f*/) const {}
  // Multiplies the clone's regrowth rate at a time.
  virtual void clone_growth(double /*hours*/, double& /*f*/) const {}
  // Autoreactive cells (whole body) given in [h, h + 1).
  virtual double clone_cells_given(double /*h*/) const { return 0; }
  // Grafts given in [hours, hours + dt).
  virtual void grafts(double /*hours*/, double /*dt*/, double /*represented_fraction*/,
                      std::vector<GraftDose>& /*out*/) const {}
  // Alloimmunity: hazards per day on host cells (graft-versus-host) and on donor cells
  // (rejection), given host immunity at the time.
  virtual double graft_versus_host(double /*hours*/, double /*immunity*/) const { return 0; }
  virtual double rejection(double /*hours*/, double /*immunity*/) const { return 0; }
  virtual bool transplant() const { return false; }
  virtual bool allogeneic() const { return false; }
};

// What building a model may use.
struct KindContext {
  const TreatmentConfig* config = nullptr;
  int types = 0, compartments = 0, pools = 0;
  double weight_kg = 70;
};

class TreatmentKind {
 public:
  virtual ~TreatmentKind() = default;
  // The schedule's `kind = "..."`.
  virtual std::string name() const = 0;
  // Reads the entry's own keys (after `kind` and `day`) into e.params (and e.repeats,
  // e.interval_hours where the kind repeats).
  virtual void read(ParameterReader& r, const TreatmentConfig& config,
                    const std::vector<std::string>& hormones, TreatmentEvent& e) const = 0;
  virtual std::unique_ptr<KindModel> model(const std::vector<const TreatmentEvent*>& events,
                                           const KindContext& c) const = 0;
};

// Every kind, in the order their effects combine.
const std::vector<const TreatmentKind*>& treatment_kinds();
const TreatmentKind* treatment_kind(const std::string& name);
std::vector<std::string> treatment_kind_names();

// Survival of a target (D0, extrapolation number) after irradiation fractions (hours, Gy)
// with the repair half-time given (the irradiation kind's model, for tests).
double fractionated_survival(const std::vector<std::pair<double, double>>& fractions,
                             double repair_half_time_hours, double d0_gy,
                             double extrapolation_number);

}  // namespace marrow
