// kind = "immunosuppression": antithymocyte globulin (ATG) and cyclosporine, as given for
// aplastic anemia (horse ATG 40 mg/kg/day on 4 days with cyclosporine for at least 6 months:
// Scheinberg 2011 N Engl J Med 365:430) and with conditioning for autoimmune disease.
//   depletion           share of lymphocytes (host immunity and the autoreactive clone) the ATG
//                       course removes, 0..1 (0: cyclosporine alone)
//   doses               ATG doses, equal shares of the course's kill (default 4)
//   interval_hours      between doses (default 24)
//   cyclosporine_days   cyclosporine from the entry's day (default 0: none)
//   cyclosporine_block  share of the autoreactive clone's attack and regrowth blocked while
//                       cyclosporine is given (calcineurin inhibition of T-cell activation and
//                       IL-2; default 0)
#include <cmath>

#include "model/treatment.hpp"

namespace marrow {
namespace {

struct Params {
  double depletion = 0;
  double cyclosporine_days = 0;
  double cyclosporine_block = 0;
};

struct Course {
  double day;
  int doses;
  double interval_hours;
  Params p;
};

class Model : public KindModel {
 public:
  explicit Model(std::vector<Course> courses) : courses_(std::move(courses)) {}

  void immunity_kill(double h, double& log_kill) const override {
    for (const Course& c : courses_) {
      if (!(c.p.depletion > 0)) continue;
      const double per_dose = -std::log1p(-c.p.depletion) / c.doses;
      for (int i = 0; i < c.doses; ++i) {
        const double at = c.day * 24.0 + i * c.interval_hours;
        if (at >= h && at < h + 1) log_kill += per_dose;
      }
    }
  }

  void attack(double hours, double& f) const override { f *= 1.0 - blocked(hours); }
  void clone_growth(double hours, double& f) const override { f *= 1.0 - blocked(hours); }

 private:
  double blocked(double hours) const {
    double kept = 1;
    for (const Course& c : courses_)
      if (hours >= c.day * 24.0 && hours < (c.day + c.p.cyclosporine_days) * 24.0)
        kept *= 1.0 - c.p.cyclosporine_block;
    return 1.0 - kept;
  }
  std::vector<Course> courses_;
};

class Immunosuppression : public TreatmentKind {
 public:
  std::string name() const override { return "immunosuppression"; }
  void read(ParameterReader& r, const TreatmentConfig&, const std::vector<std::string>&,
            TreatmentEvent& e) const override {
    Params p;
    p.depletion = r.number("depletion", 0, 1 - 1e-12);
    p.cyclosporine_days = r.number_or("cyclosporine_days", 0, 0, 1e5);
    p.cyclosporine_block = r.number_or("cyclosporine_block", 0, 0, 1);
    e.params = p;
    e.repeats = static_cast<int>(r.integer_or("doses", 4, 1, 1000));
    e.interval_hours = r.number_or("interval_hours", 24, 1e-3, 1e5);
  }
  std::unique_ptr<KindModel> model(const std::vector<const TreatmentEvent*>& events,
                                   const KindContext&) const override {
    std::vector<Course> courses;
    for (const TreatmentEvent* e : events)
      courses.push_back({e->day, e->repeats, e->interval_hours, e->as<Params>()});
    return std::make_unique<Model>(std::move(courses));
  }
};

}  // namespace

const TreatmentKind& immunosuppression_kind() {
  static const Immunosuppression k;
  return k;
}

}  // namespace marrow
