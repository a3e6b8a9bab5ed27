// kind = "ivig": intravenous immunoglobulin (1 g/kg on 1-2 days) blocking the Fc receptors of
// splenic macrophages, so opsonised blood cells are cleared less: a fast, transient response in
// ITP (platelets rise within days in ~80 % of patients and fall back after 2-4 weeks: Neunert
// 2019 Blood Adv 3:3829). It acts on the clone's attack on blood cells, not on the clone.
//   days   how long the blockade lasts, from the entry's day (default 21)
//   block  share of the attack on blood cells removed meanwhile (default 0.8; model assumption)
#include "model/treatment.hpp"

namespace marrow {
namespace {

class Model : public KindModel {
 public:
  explicit Model(std::vector<std::pair<double, std::pair<double, double>>> doses)
      : doses_(std::move(doses)) {}
  void attack_on_blood(double hours, double& f) const override {
    for (const auto& [day, d] : doses_)
      if (hours >= day * 24.0 && hours < (day + d.first) * 24.0) f *= 1.0 - d.second;
  }

 private:
  std::vector<std::pair<double, std::pair<double, double>>> doses_;  // day, (days, block)
};

class Ivig : public TreatmentKind {
 public:
  std::string name() const override { return "ivig"; }
  void read(ParameterReader& r, const TreatmentConfig&, const std::vector<std::string>&,
            TreatmentEvent& e) const override {
    e.params = std::make_pair(r.number_or("days", 21, 0, 1e5), r.number_or("block", 0.8, 0, 1));
  }
  std::unique_ptr<KindModel> model(const std::vector<const TreatmentEvent*>& events,
                                   const KindContext&) const override {
    std::vector<std::pair<double, std::pair<double, double>>> doses;
    for (const TreatmentEvent* e : events)
      doses.emplace_back(e->day, e->as<std::pair<double, double>>());
    return std::make_unique<Model>(std::move(doses));
  }
};

}  // namespace

const TreatmentKind& ivig_kind() {
  static const Ivig k;
  return k;
}

}  // namespace marrow
