// Clinical endpoints from observations: engraftment after aplasia, unsupported platelet days,
// transfusions as events, aplasia, graft failure, nadirs and recovery.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "io/scenario.hpp"
#include "model/endpoints.hpp"
#include "model/simulation.hpp"

namespace marrow {
namespace {

// A small human scenario: the endpoints read only its blood pools, lineages and schedule.
Simulation small_sim(std::vector<std::string> extra = {}) {
  std::vector<std::string> o = {
      "lattice.size=[64, 64]",   "lattice.block=16",       "run.spin_up_days=0",
      "types.LT_HSC.initial=10", "types.ST_HSC.initial=0", "types.MPP.initial=0",
      "types.CMP.initial=0",     "types.CLP.initial=0",    "types.GMP.initial=0",
      "types.MEP.initial=0",     "types.EryP.initial=0",   "types.MyP.initial=0",
      "types.MkP.initial=0",     "types.LyP.initial=0"};
  o.insert(o.end(), extra.begin(), extra.end());
  return Simulation(load_scenario("", o).scenario);
}

// Daily rows from day 0 with the given neutrophil and platelet counts (other pools at 1, Hb 13).
std::vector<Observation> rows(const Simulation& sim, const std::vector<double>& anc,
                              const std::vector<double>& plt) {
  std::vector<Observation> out;
  for (size_t i = 0; i < anc.size(); ++i) {
    Observation o;
    o.time_days = static_cast<double>(i);
    o.blood.assign(static_cast<size_t>(sim.blood().pool_count()), 1.0);
    o.blood[static_cast<size_t>(sim.blood().pool_index("neutrophils"))] = anc[i];
    o.blood[static_cast<size_t>(sim.blood().pool_index("platelets"))] = plt[i];
    o.hemoglobin = 13;
    o.chimerism.assign(sim.lineages().size(), 1.0);
    out.push_back(o);
  }
  return out;
}

TEST(Endpoints, EngraftmentAfterAplasiaAndNadirs) {
  const Simulation sim = small_sim();
  //            day: 0    1    2    3    4    5    6    7    8    9   10   11   12   13
  std::vector<double> anc = {3.0, 0.1, 0.2, 0.6, 0.4, 0.6, 0.7, 0.8, 1.0, 2.0, 3.0, 3.0, 3.0, 3.0};
  std::vector<double> plt(anc.size(), 10.0);
  for (size_t i = 4; i < plt.size(); ++i) plt[i] = 25;
  const Endpoints e = compute_endpoints(sim, rows(sim, anc, plt));
  EXPECT_EQ(e.neutrophil_engraftment_day, 5.0);  // the 0.6 of day 3 is followed by 0.4
  EXPECT_EQ(e.platelet_engraftment_day, 4.0);
  EXPECT_FALSE(e.aplasia);  // the run ended before day 28
  EXPECT_FALSE(e.transplant);
  const PoolEndpoints& n = e.pools[static_cast<size_t>(sim.blood().pool_index("neutrophils"))];
  EXPECT_EQ(n.nadir.value, 0.1);
  EXPECT_EQ(n.nadir.day, 1.0);
  EXPECT_EQ(n.recovery_day, 10.0);  // back at 90 % of 3.0
  EXPECT_TRUE(e.transfusions.empty());
}

TEST(Endpoints, TransfusionsAreEventsAndPlateletEngraftmentIsUnsupported) {
  const Simulation sim = small_sim();
  std::vector<double> anc(30, 3.0), plt(30, 30.0);
  plt[2] = 8;
  std::vector<Observation> r = rows(sim, anc, plt);
  // A platelet unit counted on day 3, two red-cell units on day 5.
  for (size_t i = 3; i < r.size(); ++i) r[i].platelet_units = 1;
  r[4].hemoglobin = 6.5;
  for (size_t i = 5; i < r.size(); ++i) r[i].rbc_units = 2;
  const Endpoints e = compute_endpoints(sim, r);
  ASSERT_EQ(e.transfusions.size(), 2u);
  EXPECT_EQ(e.transfusions[0].day, 3.0);
  EXPECT_EQ(e.transfusions[0].product, "platelets");
  EXPECT_EQ(e.transfusions[0].units, 1);
  EXPECT_EQ(e.transfusions[0].count_before, 8.0);
  EXPECT_EQ(e.transfusions[1].day, 5.0);
  EXPECT_EQ(e.transfusions[1].product, "rbc");
  EXPECT_EQ(e.transfusions[1].units, 2);
  EXPECT_EQ(e.transfusions[1].count_before, 6.5);
  EXPECT_EQ(e.platelet_transfusions, 1);
  EXPECT_EQ(e.rbc_transfusions, 2);
  // The unit was given after the day-2 count: days 3-9 lie within 7 days of it and do not count,
  // so the 7 unsupported days from day 10 engraft.
  EXPECT_EQ(e.platelet_engraftment_day, 10.0);
}

TEST(Endpoints, GraftFailureWithoutNeutrophilEngraftmentByDay28) {
  const Simulation sim =
      small_sim({"schedule.g.kind=\"transplant\"", "schedule.g.day=0", "schedule.g.cd34_per_kg=2e6",
                 "schedule.g.source=\"peripheral_blood\"", "schedule.g.donor=\"autologous\""});
  std::vector<double> low(30, 0.2), plt(30, 50.0);
  const Endpoints failed = compute_endpoints(sim, rows(sim, low, plt));
  EXPECT_TRUE(failed.transplant);
  EXPECT_TRUE(failed.graft_failure);
  EXPECT_TRUE(failed.aplasia);
  std::vector<double> anc(30, 0.2);
  for (size_t i = 14; i < anc.size(); ++i) anc[i] = 1.0;
  const Endpoints ok = compute_endpoints(sim, rows(sim, anc, plt));
  EXPECT_EQ(ok.neutrophil_engraftment_day, 14.0);
  EXPECT_FALSE(ok.graft_failure);
  EXPECT_FALSE(ok.aplasia);
}

}  // namespace
}  // namespace marrow
