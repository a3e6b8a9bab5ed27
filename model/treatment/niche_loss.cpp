// kind = "niche_loss": a share of the niches' stroma removed for good from the entry's day.
//   fraction  0..1
#include "model/treatment.hpp"

namespace marrow {
namespace {

class Model : public KindModel {
 public:
  explicit Model(std::vector<std::pair<double, double>> losses) : losses_(std::move(losses)) {}
  void stroma(double hours, double& health) const override {
    for (const auto& [day, fraction] : losses_)
      if (day * 24.0 <= hours) health *= 1.0 - fraction;
  }

 private:
  std::vector<std::pair<double, double>> losses_;  // day, fraction
};

class NicheLoss : public TreatmentKind {
 public:
  std::string name() const override { return "niche_loss"; }
  void read(ParameterReader& r, const TreatmentConfig&, const std::vector<std::string>&,
            TreatmentEvent& e) const override {
    e.params = r.number("fraction", 0, 1);
  }
  std::unique_ptr<KindModel> model(const std::vector<const TreatmentEvent*>& events,
                                   const KindContext&) const override {
    std::vector<std::pair<double, double>> losses;
    for (const TreatmentEvent* e : events) losses.emplace_back(e->day, e->as<double>());
    return std::make_unique<Model>(std::move(losses));
  }
};

}  // namespace

const TreatmentKind& niche_loss_kind() {
  static const NicheLoss k;
  return k;
}

}  // namespace marrow
