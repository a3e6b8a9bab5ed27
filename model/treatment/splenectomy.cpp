// kind = "splenectomy": removal of the spleen, the main site where opsonised platelets and red
// cells are cleared, for good from the entry's day. About two thirds of adults with ITP keep a
// response (Kojouri 2004 Blood 104:2623).
//   block  share of the clone's attack on blood cells removed with the spleen (default 0.7;
//          model assumption: the liver's macrophages clear the rest)
#include "model/treatment.hpp"

namespace marrow {
namespace {

class Model : public KindModel {
 public:
  explicit Model(std::vector<std::pair<double, double>> at) : at_(std::move(at)) {}
  void attack_on_blood(double hours, double& f) const override {
    for (const auto& [day, block] : at_)
      if (hours >= day * 24.0) f *= 1.0 - block;
  }

 private:
  std::vector<std::pair<double, double>> at_;  // day, block
};

class Splenectomy : public TreatmentKind {
 public:
  std::string name() const override { return "splenectomy"; }
  void read(ParameterReader& r, const TreatmentConfig&, const std::vector<std::string>&,
            TreatmentEvent& e) const override {
    e.params = r.number_or("block", 0.7, 0, 1);
  }
  std::unique_ptr<KindModel> model(const std::vector<const TreatmentEvent*>& events,
                                   const KindContext&) const override {
    std::vector<std::pair<double, double>> at;
    for (const TreatmentEvent* e : events) at.emplace_back(e->day, e->as<double>());
    return std::make_unique<Model>(std::move(at));
  }
};

}  // namespace

const TreatmentKind& splenectomy_kind() {
  static const Splenectomy k;
  return k;
}

}  // namespace marrow
