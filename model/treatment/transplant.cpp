// kind = "transplant": a graft of a source of [grafts], with the minimal alloimmunity of
// [immunology] (rejection by host immunity, graft-versus-host by donor T cells).
//   source                     a name from [grafts]
//   cd34_per_kg                dose, or tnc_per_kg (total nucleated cells, by the source's
//                              cd34_per_tnc)
//   donor                      "allogeneic", "autologous" or "syngeneic"
//   gene_modified_fraction     share of the graft's cells carrying a vector (default 0)
//   autoreactive_cells_per_kg  cells of the host's autoreactive clone it carries (default 0)
#include <algorithm>
#include <cmath>

#include "model/treatment.hpp"

namespace marrow {
namespace {

struct Params {
  int source = -1;
  double cd34_per_kg = 0;
  Donor donor = Donor::kAllogeneic;
  double gene_modified_fraction = 0;
  double autoreactive_cells_per_kg = 0;
};

struct Graft {
  int event;  // index in the schedule
  double day;
  Params p;
};

class Model : public KindModel {
 public:
  Model(std::vector<Graft> grafts, const KindContext& c)
      : grafts_(std::move(grafts)),
        sources_(c.config->sources),
        im_(c.config->immunology),
        weight_kg_(c.weight_kg) {}

  bool transplant() const override { return !grafts_.empty(); }
  bool allogeneic() const override {
    for (const Graft& g : grafts_)
      if (g.p.donor == Donor::kAllogeneic) return true;
    return false;
  }

  void grafts(double hours, double dt, double represented_fraction,
              std::vector<GraftDose>& out) const override {
    for (const Graft& g : grafts_) {
      if (!(g.day * 24.0 >= hours && g.day * 24.0 < hours + dt)) continue;
      const GraftSourceConfig& src = sources_[g.p.source];
      GraftDose d;
      d.event = g.event;
      d.hours = g.day * 24.0;
      d.donor_origin = g.p.donor != Donor::kAutologous;
      d.gene_modified_fraction = g.p.gene_modified_fraction;
      for (const double per : src.per_cd34)
        d.agents_per_type.push_back(g.p.cd34_per_kg * weight_kg_ * per * represented_fraction *
                                    src.homing_efficiency);
      out.push_back(std::move(d));
    }
  }

  double clone_cells_given(double h) const override {
    double n = 0;
    for (const Graft& g : grafts_)
      if (g.day * 24.0 >= h && g.day * 24.0 < h + 1)
        n += g.p.autoreactive_cells_per_kg * weight_kg_;
    return n;
  }

  // Donor T cells reach their hazard with the onset time after the graft, damped by host
  // immunity.
  double graft_versus_host(double hours, double immunity) const override {
    double h = 0;
    for (const Graft& g : grafts_) {
      if (g.p.donor != Donor::kAllogeneic || g.day * 24.0 >= hours) continue;
      const double since_days = hours / 24.0 - g.day;
      const double t_cells = g.p.cd34_per_kg * sources_[g.p.source].t_cells_per_cd34;
      h += im_.gvh_per_day * t_cells / im_.t_cell_reference_per_kg * (1.0 - immunity) *
           -std::expm1(-since_days / im_.gvh_onset_days);
    }
    return h;
  }

  double rejection(double hours, double immunity) const override {
    for (const Graft& g : grafts_)
      if (g.p.donor == Donor::kAllogeneic && g.day * 24.0 < hours)
        return im_.rejection_per_day * immunity;
    return 0;
  }

 private:
  std::vector<Graft> grafts_;
  std::vector<GraftSourceConfig> sources_;
  ImmunologyConfig im_;
  double weight_kg_;
};

class Transplant : public TreatmentKind {
 public:
  std::string name() const override { return "transplant"; }
  void read(ParameterReader& r, const TreatmentConfig& config, const std::vector<std::string>&,
            TreatmentEvent& e) const override {
    std::vector<std::string> names;
    for (const GraftSourceConfig& g : config.sources) names.push_back(g.name);
    if (names.empty()) r.fail("source", "no [grafts] sources are defined");
    Params p;
    const std::string source = r.text("source", names);
    p.source = static_cast<int>(std::find(names.begin(), names.end(), source) - names.begin());
    if (r.has("cd34_per_kg") && r.has("tnc_per_kg"))
      r.fail_any({"cd34_per_kg", "tnc_per_kg"}, "give the dose as cd34_per_kg or tnc_per_kg");
    if (r.has("tnc_per_kg"))
      p.cd34_per_kg = r.number("tnc_per_kg", 0, 1e12) *
                      config.sources[static_cast<size_t>(p.source)].cd34_per_tnc;
    else
      p.cd34_per_kg = r.number("cd34_per_kg", 0, 1e10);
    const std::string donor = r.text("donor", {"allogeneic", "autologous", "syngeneic"});
    p.donor = donor == "allogeneic"   ? Donor::kAllogeneic
              : donor == "autologous" ? Donor::kAutologous
                                      : Donor::kSyngeneic;
    p.gene_modified_fraction = r.number_or("gene_modified_fraction", 0, 0, 1);
    p.autoreactive_cells_per_kg = r.number_or("autoreactive_cells_per_kg", 0, 0, 1e12);
    e.params = p;
  }
  std::unique_ptr<KindModel> model(const std::vector<const TreatmentEvent*>& events,
                                   const KindContext& c) const override {
    std::vector<Graft> grafts;
    for (const TreatmentEvent* e : events)
      grafts.push_back({static_cast<int>(e - c.config->schedule.data()), e->day, e->as<Params>()});
    return std::make_unique<Model>(std::move(grafts), c);
  }
};

}  // namespace

const TreatmentKind& transplant_kind() {
  static const Transplant k;
  return k;
}

}  // namespace marrow
