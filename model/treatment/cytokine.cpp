// kind = "cytokine": an administered hormone (G-CSF, EPO, TPO) multiplying its compartment's
// hormone level while given.
//   hormone        a hormone of [maturation]
//   factor         multiplier of the hormone's level
//   duration_days  from the entry's day
#include "model/treatment.hpp"

namespace marrow {
namespace {

struct Params {
  std::string hormone;
  double factor = 1;
  double duration_days = 0;
};

class Model : public KindModel {
 public:
  explicit Model(std::vector<std::pair<double, Params>> given) : given_(std::move(given)) {}
  void cytokine(const std::string& hormone, double hours, double& f) const override {
    for (const auto& [day, p] : given_)
      if (p.hormone == hormone && hours >= day * 24.0 && hours < (day + p.duration_days) * 24.0)
        f *= p.factor;
  }

 private:
  std::vector<std::pair<double, Params>> given_;
};

class Cytokine : public TreatmentKind {
 public:
  std::string name() const override { return "cytokine"; }
  void read(ParameterReader& r, const TreatmentConfig&, const std::vector<std::string>& hormones,
            TreatmentEvent& e) const override {
    if (hormones.empty()) r.fail("hormone", "no maturation compartment has a hormone");
    Params p;
    p.hormone = r.text("hormone", hormones);
    p.factor = r.number("factor", 0, 1e3);
    p.duration_days = r.number("duration_days", 0, 1e5);
    e.params = p;
  }
  std::unique_ptr<KindModel> model(const std::vector<const TreatmentEvent*>& events,
                                   const KindContext&) const override {
    std::vector<std::pair<double, Params>> given;
    for (const TreatmentEvent* e : events) given.emplace_back(e->day, e->as<Params>());
    return std::make_unique<Model>(std::move(given));
  }
};

}  // namespace

const TreatmentKind& cytokine_kind() {
  static const Cytokine k;
  return k;
}

}  // namespace marrow
