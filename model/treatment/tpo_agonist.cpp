// kind = "tpo_agonist": a thrombopoietin-receptor agonist (romiplostim weekly subcutaneous,
// eltrombopag daily oral) acting through the TPO pathway: it stimulates c-Mpl as TPO does, so it
// multiplies the TPO level the megakaryocytes see by 1 + max_effect C / (C + ec50), with C the
// drug in the body (one compartment, first-order elimination, doses as boluses).
//   agent            "romiplostim" or "eltrombopag": the defaults below
//   dose_per_kg      per dose (romiplostim in ug/kg, eltrombopag in mg/kg)
//   doses            how many (default 1)
//   interval_hours   between doses (romiplostim 168, eltrombopag 24)
//   half_life_hours  elimination half-life (defaults by agent)
//   ec50_per_kg      amount in the body (per kg) of half the maximal effect (defaults by agent)
//   max_effect       the largest multiple of the TPO signal added (defaults by agent)
//   hormone          the hormone it mimics (default "TPO")
// Romiplostim: median half-life 3.5 days after a subcutaneous dose (Wang 2004 Clin Pharmacol
// Ther 76:628); ec50 2 ug/kg and max_effect 3 are calibrated on healthy volunteers, where a
// single 1 ug/kg raised platelets >= 1.5x in half of them and 2 ug/kg >= 1.5x in 7 of 8 and
// >= 2x in 3 of 8, peaking at day 12-15 (AMG 531 phase 1 in healthy Japanese men, Blood 2006
// 108:1071, ASH abstract; the model gives 1.56x and 1.90x at day 11-12). Eltrombopag: half-life
// 26-35 h (verify); ec50 1 mg/kg with the same max_effect is a model assumption (not
// calibrated). The ITP response is then a prediction (Kuter 2008 Lancet 371:395: platelets
// above 50e9/L within 2-4 weeks in most patients).
#include <cmath>

#include "model/treatment.hpp"

namespace marrow {
namespace {

constexpr double kLn2 = 0.69314718055994530942;

struct Params {
  double dose_per_kg = 0;
  double half_life_hours = 84;
  double ec50_per_kg = 1;
  double max_effect = 1;
  std::string hormone = "TPO";
};

struct Dose {
  double hours, amount;
  Params p;
};

class Model : public KindModel {
 public:
  explicit Model(std::vector<Dose> doses) : doses_(std::move(doses)) {}
  void cytokine(const std::string& hormone, double hours, double& f) const override {
    // Each course acts through its own concentration; courses of one agent add.
    double effect = 0;
    for (size_t i = 0; i < doses_.size();) {
      const Params& p = doses_[i].p;
      double c = 0;
      size_t j = i;
      for (; j < doses_.size() && doses_[j].p.half_life_hours == p.half_life_hours &&
             doses_[j].p.ec50_per_kg == p.ec50_per_kg && doses_[j].p.hormone == p.hormone;
           ++j)
        if (doses_[j].hours <= hours)
          c += doses_[j].amount * std::exp(-kLn2 / p.half_life_hours * (hours - doses_[j].hours));
      if (p.hormone == hormone) effect += p.max_effect * c / (c + p.ec50_per_kg);
      i = j;
    }
    f *= 1.0 + effect;
  }

 private:
  std::vector<Dose> doses_;
};

class TpoAgonist : public TreatmentKind {
 public:
  std::string name() const override { return "tpo_agonist"; }
  void read(ParameterReader& r, const TreatmentConfig&, const std::vector<std::string>& hormones,
            TreatmentEvent& e) const override {
    const std::string agent = r.text("agent", {"romiplostim", "eltrombopag"});
    const bool romiplostim = agent == "romiplostim";
    Params p;
    p.dose_per_kg = r.number("dose_per_kg", 0, 1e3);
    p.half_life_hours = r.number_or("half_life_hours", romiplostim ? 84.0 : 30.0, 1e-3, 1e5);
    p.ec50_per_kg = r.number_or("ec50_per_kg", romiplostim ? 2.0 : 1.0, 1e-9, 1e6);
    p.max_effect = r.number_or("max_effect", 3.0, 0, 1e3);
    p.hormone = r.has("hormone") ? r.text("hormone", hormones) : "TPO";
    e.params = p;
    e.repeats = static_cast<int>(r.integer_or("doses", 1, 1, 10000));
    e.interval_hours = r.number_or("interval_hours", romiplostim ? 168.0 : 24.0, 1e-3, 1e5);
  }
  std::unique_ptr<KindModel> model(const std::vector<const TreatmentEvent*>& events,
                                   const KindContext&) const override {
    std::vector<Dose> doses;
    for (const TreatmentEvent* e : events) {
      const Params& p = e->as<Params>();
      for (int i = 0; i < e->repeats; ++i)
        doses.push_back({e->day * 24.0 + i * e->interval_hours, p.dose_per_kg, p});
    }
    return std::make_unique<Model>(std::move(doses));
  }
};

}  // namespace

const TreatmentKind& tpo_agonist_kind() {
  static const TpoAgonist k;
  return k;
}

}  // namespace marrow
