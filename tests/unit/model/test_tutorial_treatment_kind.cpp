// Tutorial: adding a treatment kind. A kind reads its own keys and says what its events do;
// Treatment combines it with the others. This one is a phlebotomy (a bleed): it removes a
// share of the red cells on its day. To ship a kind, put the class in its own file of
// model/treatment/, add its line to model/treatment/registry.cpp, and its row to the README's
// table of kinds; a scenario then names it with kind = "phlebotomy".
#include <gtest/gtest.h>

#include <cmath>

#include "model/treatment.hpp"

namespace marrow {
namespace {

// 1. The configuration of one entry: what its keys hold.
struct Phlebotomy {
  double share = 0;  // of the red cells removed
};

// 2. What its events do, as pure functions of the time: here, a kill of one blood pool in the
// step that holds the event.
class PhlebotomyModel : public KindModel {
 public:
  PhlebotomyModel(std::vector<std::pair<double, double>> bleeds, int pool)
      : bleeds_(std::move(bleeds)), pool_(pool) {}
  void kill(double hours, double dt, LogKill& k) const override {
    for (const auto& [day, share] : bleeds_)
      if (day * 24.0 >= hours && day * 24.0 < hours + dt) k.pool[pool_] += -std::log1p(-share);
  }

 private:
  std::vector<std::pair<double, double>> bleeds_;
  int pool_;
};

// 3. The kind: its name, its reader (ranges checked, messages from the reader name the file,
// line and key), and its model built from its events.
class PhlebotomyKind : public TreatmentKind {
 public:
  std::string name() const override { return "phlebotomy"; }
  void read(ParameterReader& r, const TreatmentConfig&, const std::vector<std::string>&,
            TreatmentEvent& e) const override {
    e.params = Phlebotomy{r.number("share", 0, 0.5)};
  }
  std::unique_ptr<KindModel> model(const std::vector<const TreatmentEvent*>& events,
                                   const KindContext&) const override {
    std::vector<std::pair<double, double>> bleeds;
    for (const TreatmentEvent* e : events) bleeds.emplace_back(e->day, e->as<Phlebotomy>().share);
    return std::make_unique<PhlebotomyModel>(std::move(bleeds), 0);
  }
};

TEST(TutorialTreatmentKind, APhlebotomyRemovesItsShareOfRedCellsOnItsDay) {
  const PhlebotomyKind kind;
  // An entry as the scenario reader would build it: kind, day, and the kind's own keys.
  TreatmentEvent e;
  e.kind = &kind;
  e.day = 2;
  TreatmentConfig config;
  struct Keys : ParameterReader {
    bool has(const std::string& k) const override { return k == "share"; }
    double number(const std::string&, double lo, double hi) override {
      EXPECT_EQ(lo, 0);
      EXPECT_EQ(hi, 0.5);
      return 0.1;
    }
    double number_or(const std::string& k, double, double lo, double hi) override {
      return number(k, lo, hi);
    }
    int64_t integer_or(const std::string&, int64_t f, int64_t, int64_t) override { return f; }
    std::string text(const std::string&, const std::vector<std::string>&) override { return ""; }
    [[noreturn]] void fail(const std::string& k, const std::string& m) const override {
      throw std::invalid_argument(k + ": " + m);
    }
    [[noreturn]] void fail_any(const std::vector<std::string>& k,
                               const std::string& m) const override {
      throw std::invalid_argument(k.front() + ": " + m);
    }
  } keys;
  kind.read(keys, config, {}, e);
  config.schedule.push_back(e);
  // One blood pool (the red cells), no cell types or compartments.
  const Treatment t(config, 0, 0, 1, 70);
  EXPECT_TRUE(t.active());
  EXPECT_EQ(t.effects(47.0, 1.0, false).pool[0], 1.0);
  EXPECT_NEAR(t.effects(48.0, 1.0, false).pool[0], 0.9, 1e-15);
  EXPECT_EQ(t.effects(49.0, 1.0, false).pool[0], 1.0);
  // The kinds that ship are in the registry, found by name.
  EXPECT_NE(treatment_kind("immunosuppression"), nullptr);
  EXPECT_EQ(treatment_kind("phlebotomy"), nullptr);
}

}  // namespace
}  // namespace marrow
