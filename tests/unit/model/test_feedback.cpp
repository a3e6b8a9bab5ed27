// Systemic feedback: after half the circulating platelets are removed, TPO-driven production
// brings the count back to its steady state, faster than the same marrow without feedback.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "io/scenario.hpp"
#include "model/simulation.hpp"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace marrow {
namespace {

// The human preset on a quarter of the default section, counts scaled with it.
Scenario quarter_human(double tpo_gain) {
  std::vector<std::string> set = {
      "lattice.size=[384,384]", "run.spin_up_days=120", "organism.hsc_total=25000",
      "maturation.megakaryocyte.feedback_gain=" + std::to_string(tpo_gain)};
  const Scenario base = load_scenario("", {}).scenario;
  for (const CellType& t : base.graph.types())
    set.push_back("types." + t.name + ".initial=" + std::to_string(t.initial / 4));
  return load_scenario("", set).scenario;
}

struct Recovery {
  double baseline = 0;
  double day = NAN;  // first day back within 10 % of the baseline
  double late = 0;   // mean over days 50-60 after the loss
};

Recovery platelet_recovery(double tpo_gain) {
#ifdef _OPENMP
  omp_set_num_threads(1);
#endif
  Simulation sim(quarter_human(tpo_gain));
  sim.spin_up();
  const int plt = sim.blood().pool_index("platelets");
  const int per_day = static_cast<int>(std::lround(24 / sim.scenario().run.dt_hours));
  Recovery r;
  for (int d = 0; d < 30; ++d) {
    for (int s = 0; s < per_day; ++s) sim.step();
    r.baseline += sim.blood().concentration(plt) / 30;
  }
  sim.remove_blood(plt, 0.5);
  for (int d = 1; d <= 60; ++d) {
    for (int s = 0; s < per_day; ++s) sim.step();
    const double c = sim.blood().concentration(plt);
    if (std::isnan(r.day) && std::abs(c / r.baseline - 1) <= 0.1) r.day = d;
    if (d > 50) r.late += c / 10;
  }
  return r;
}

TEST(Feedback, PlateletsRecoverFromHalvingAndFasterWithTpo) {
  const Recovery with = platelet_recovery(1.0);
  const Recovery without = platelet_recovery(0.0);
  RecordProperty("recovery_day_with_tpo", std::to_string(with.day));
  RecordProperty("recovery_day_without", std::to_string(without.day));
  std::printf("platelets %.1f: back within 10 %% on day %.0f with TPO feedback, %.0f without\n",
              with.baseline, with.day, without.day);
  ASSERT_FALSE(std::isnan(with.day)) << "no recovery within 60 days";
  EXPECT_NEAR(with.late / with.baseline, 1.0, 0.1);
  // Without feedback production stays at its baseline: the pool refills only as the removed
  // cohort would have aged out, over about a lifespan (9.5 d); with feedback sooner.
  EXPECT_TRUE(std::isnan(without.day) || with.day < without.day)
      << with.day << " vs " << without.day;
}

}  // namespace
}  // namespace marrow
