// kind = "corticosteroid": prednisone or dexamethasone lowering the autoreactive clone's attack
// while given (less antibody and T-cell activity, less clearance of opsonised cells by
// macrophages), first-line in ITP and warm AIHA.
//   days   how long it acts, from the entry's day (prednisone 1 mg/kg for 21-28 days, or
//          dexamethasone 40 mg on 4 days: Neunert 2019 Blood Adv 3:3829)
//   block  share of the attack removed while it acts (default 0.7: about 70-80 % of adults
//          with ITP respond to a first course; model assumption for the share)
#include "model/treatment.hpp"

namespace marrow {
namespace {

class Model : public KindModel {
 public:
  explicit Model(std::vector<std::pair<double, std::pair<double, double>>> courses)
      : courses_(std::move(courses)) {}
  void attack(double hours, double& f) const override {
    for (const auto& [day, c] : courses_)
      if (hours >= day * 24.0 && hours < (day + c.first) * 24.0) f *= 1.0 - c.second;
  }

 private:
  std::vector<std::pair<double, std::pair<double, double>>> courses_;  // day, (days, block)
};

class Corticosteroid : public TreatmentKind {
 public:
  std::string name() const override { return "corticosteroid"; }
  void read(ParameterReader& r, const TreatmentConfig&, const std::vector<std::string>&,
            TreatmentEvent& e) const override {
    e.params = std::make_pair(r.number("days", 0, 1e5), r.number_or("block", 0.7, 0, 1));
  }
  std::unique_ptr<KindModel> model(const std::vector<const TreatmentEvent*>& events,
                                   const KindContext&) const override {
    std::vector<std::pair<double, std::pair<double, double>>> courses;
    for (const TreatmentEvent* e : events)
      courses.emplace_back(e->day, e->as<std::pair<double, double>>());
    return std::make_unique<Model>(std::move(courses));
  }
};

}  // namespace

const TreatmentKind& corticosteroid_kind() {
  static const Corticosteroid k;
  return k;
}

}  // namespace marrow
