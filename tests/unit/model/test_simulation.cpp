// The whole model: reproducibility, restart from a checkpoint, and thread independence.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "core/parallel.hpp"
#include "io/scenario.hpp"
#include "model/simulation.hpp"

namespace marrow {
namespace {

// The human preset on a 96 x 96 section, with about 1/40 of the initial cells: about 2700
// agents on ~7000 marrow sites. Blocks of 16 give 36 blocks in 4 colours; a calendar of 64
// steps makes events beyond the window common. Every sinusoid contact site holds niche stroma
// (the preset's 160 um patches would leave a section this small with few or none).
std::vector<std::string> small(std::vector<std::string> extra = {}) {
  std::vector<std::string> o = {"lattice.size=[96, 96]",      "lattice.block=16",
                                "lattice.calendar_window=64", "run.days=4",
                                "types.LT_HSC.initial=50",    "types.ST_HSC.initial=30",
                                "types.MPP.initial=45",       "types.CMP.initial=100",
                                "types.CLP.initial=30",       "types.GMP.initial=220",
                                "types.MEP.initial=150",      "types.EryP.initial=550",
                                "types.MyP.initial=1150",     "types.MkP.initial=230",
                                "types.LyP.initial=110"};
  o.push_back("geometry.stem_cell_niche_fraction=1");
  o.insert(o.end(), extra.begin(), extra.end());
  return o;
}

Scenario scenario(std::vector<std::string> extra = {}) {
  return load_scenario("", small(std::move(extra))).scenario;
}

bool same(const AgentRecord& a, const AgentRecord& b) {
  return a.site == b.site && a.type == b.type && a.origin == b.origin && a.flags == b.flags &&
         a.divisions == b.divisions && a.clone == b.clone && a.next_step == b.next_step;
}

// Compares two agent lists field by field, reporting the first difference.
::testing::AssertionResult same_agents(const std::vector<AgentRecord>& a,
                                       const std::vector<AgentRecord>& b) {
  if (a.size() != b.size())
    return ::testing::AssertionFailure() << a.size() << " agents vs " << b.size();
  for (size_t i = 0; i < a.size(); ++i)
    if (!same(a[i], b[i]))
      return ::testing::AssertionFailure()
             << "agent " << i << " differs: site " << a[i].site << "/" << b[i].site << " type "
             << int(a[i].type) << "/" << int(b[i].type) << " next " << a[i].next_step << "/"
             << b[i].next_step;
  return ::testing::AssertionSuccess();
}

// One thread unless a test asks for more: the tests run side by side on shared cores, and their
// lattices are too small to pay for waking a second thread. Results do not depend on the thread
// count (ThreadCountDoesNotChangeTheResult).
class SimulationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    saved_threads_ = threads();
    set_threads(1);
  }
  void TearDown() override { set_threads(saved_threads_); }
  int saved_threads_ = 1;
};

void run(Simulation& sim, int64_t steps) {
  for (int64_t i = 0; i < steps; ++i) sim.step();
}

TEST_F(SimulationTest, SmallScenarioStartsConsistently) {
  const Simulation sim(scenario());
  const std::vector<AgentRecord> agents = sim.agents();
  EXPECT_EQ(static_cast<int64_t>(agents.size()), 2665);
  const Observation o = sim.observe();
  EXPECT_EQ(o.agents, 2665);
  EXPECT_EQ(o.population[sim.scenario().graph.type_index("LT_HSC")], 50);
  EXPECT_EQ(o.population[sim.scenario().graph.type_index("MyP")], 1150);
  // Sorted by site, each on a free-for-cells marrow site marked occupied.
  int64_t occupied = 0;
  for (const uint8_t v : sim.lattice().occupancy()) occupied += v == kOccupied;
  EXPECT_EQ(occupied, static_cast<int64_t>(agents.size()));
  for (size_t i = 0; i < agents.size(); ++i) {
    if (i) {
      ASSERT_LT(agents[i - 1].site, agents[i].site);
    }
    ASSERT_EQ(sim.geometry().kind[agents[i].site], kMarrow);
    ASSERT_EQ(sim.lattice().occupancy()[agents[i].site], kOccupied);
    ASSERT_GE(agents[i].next_step, 0);
  }
  // Stem cells seek the niche: with 50 LT-HSC and far more niche sites, all start in one.
  ASSERT_GT(sim.geometry().niche_sites, 50);
  EXPECT_EQ(o.occupied_niches, 50);
  EXPECT_DOUBLE_EQ(o.hsc_in_niche_fraction, 1.0);
  // The blood starts at the equilibrium of the expected hand-offs: finite, positive counts.
  EXPECT_GT(o.hemoglobin, 0.0);
  for (const double c : o.blood) EXPECT_GT(c, 0.0);
  EXPECT_DOUBLE_EQ(sim.represented_fraction(), 50.0 / 1e5);
}

TEST_F(SimulationTest, SameSeedSameAgentsDifferentSeedDifferent) {
  Simulation a(scenario()), b(scenario()), c(scenario({"run.seed=2"}));
  run(a, 48);
  run(b, 48);
  run(c, 48);
  EXPECT_EQ(a.steps_done(), 48);
  EXPECT_DOUBLE_EQ(a.time_days(), 2.0);
  EXPECT_TRUE(same_agents(a.agents(), b.agents()));
  EXPECT_EQ(a.blood().state(), b.blood().state());
  EXPECT_FALSE(same_agents(a.agents(), c.agents()));
  // The run did something: events moved, divided and removed agents.
  const Simulation fresh(scenario());
  EXPECT_FALSE(same_agents(a.agents(), fresh.agents()));
}

TEST_F(SimulationTest, RestoreThenStepEqualsSteppingStraight) {
  // With a short spin-up (12 steps) so that the restored origin matters too.
  const int64_t n = 100, m = 200;
  Simulation straight(scenario({"run.spin_up_days=0.5"}));
  straight.spin_up();
  run(straight, n);
  const int64_t done_n = straight.steps_done(), origin = straight.origin_step();
  EXPECT_EQ(done_n, 12 + n);
  EXPECT_EQ(origin, 12);
  const std::vector<AgentRecord> agents_n = straight.agents();
  const std::vector<double> blood_n = straight.blood().state();
  run(straight, m);

  Simulation restored(scenario({"run.spin_up_days=0.5"}));
  run(restored, 3);  // some unrelated history, overwritten by the restore
  restored.restore(done_n, origin, agents_n, blood_n);
  EXPECT_EQ(restored.steps_done(), done_n);
  EXPECT_EQ(restored.elapsed_steps(), n);
  EXPECT_TRUE(same_agents(restored.agents(), agents_n));
  run(restored, m);
  EXPECT_EQ(restored.steps_done(), straight.steps_done());
  EXPECT_DOUBLE_EQ(restored.time_days(), straight.time_days());
  EXPECT_TRUE(same_agents(restored.agents(), straight.agents()));
  EXPECT_EQ(restored.blood().state(), straight.blood().state());
  const Observation a = restored.observe(), b = straight.observe();
  EXPECT_EQ(a.time_days, b.time_days);
  EXPECT_EQ(a.population, b.population);
  EXPECT_EQ(a.blood, b.blood);
  EXPECT_EQ(a.hemoglobin, b.hemoglobin);
  EXPECT_EQ(a.production, b.production);
  // The lattice occupancy is rebuilt from the agents.
  EXPECT_EQ(restored.lattice().occupancy(), straight.lattice().occupancy());
}

TEST_F(SimulationTest, SpinUpStepsAndResetsRecordedTime) {
  // 0.25 days of 1 h steps: 6 steps before recorded time 0.
  Simulation sim(scenario({"run.spin_up_days=0.25"}));
  Simulation plain(scenario({"run.spin_up_days=0.25"}));
  sim.spin_up();
  EXPECT_EQ(sim.steps_done(), 6);
  EXPECT_EQ(sim.origin_step(), 6);
  EXPECT_EQ(sim.elapsed_steps(), 0);
  EXPECT_DOUBLE_EQ(sim.time_days(), 0.0);
  EXPECT_DOUBLE_EQ(sim.observe().time_days, 0.0);
  // The agents are those of six plain steps: the spin-up only moves the origin and the blood.
  run(plain, 6);
  EXPECT_TRUE(same_agents(sim.agents(), plain.agents()));
  sim.step();
  EXPECT_EQ(sim.elapsed_steps(), 1);
  EXPECT_DOUBLE_EQ(sim.time_hours(), 1.0);
  // No spin-up: nothing happens.
  Simulation none(scenario({"run.spin_up_days=0"}));
  none.spin_up();
  EXPECT_EQ(none.steps_done(), 0);
  EXPECT_EQ(none.origin_step(), 0);
}

TEST_F(SimulationTest, RestoreRejectsImpossibleCheckpoints) {
  Simulation sim(scenario());
  run(sim, 5);
  const std::vector<AgentRecord> agents = sim.agents();
  const std::vector<double> blood = sim.blood().state();
  ASSERT_FALSE(agents.empty());
  // Two agents on one site.
  std::vector<AgentRecord> twice = agents;
  twice.push_back(agents.front());
  EXPECT_THROW(sim.restore(5, 0, twice, blood), std::invalid_argument);
  // An agent on bone.
  std::vector<AgentRecord> on_bone = agents;
  on_bone.front().site = sim.lattice().index(0, 0, 0);
  ASSERT_EQ(sim.geometry().kind[on_bone.front().site], kBone);
  EXPECT_THROW(sim.restore(5, 0, on_bone, blood), std::invalid_argument);
  // Outside the lattice.
  std::vector<AgentRecord> outside = agents;
  outside.front().site = static_cast<SiteId>(sim.lattice().padded_sites() + 10);
  EXPECT_THROW(sim.restore(5, 0, outside, blood), std::invalid_argument);
  // An unknown type.
  std::vector<AgentRecord> unknown = agents;
  unknown.front().type = 200;
  EXPECT_THROW(sim.restore(5, 0, unknown, blood), std::invalid_argument);
  // An event in the past.
  std::vector<AgentRecord> past = agents;
  past.front().next_step = 2;
  EXPECT_THROW(sim.restore(5, 0, past, blood), std::invalid_argument);
  // Blood state of the wrong size.
  std::vector<double> short_blood(blood.begin(), blood.end() - 1);
  EXPECT_THROW(sim.restore(5, 0, agents, short_blood), std::invalid_argument);
  // A valid checkpoint still restores after the failures.
  sim.restore(5, 0, agents, blood);
  EXPECT_TRUE(same_agents(sim.agents(), agents));
}

TEST_F(SimulationTest, ThreadCountDoesNotChangeTheResult) {
#ifndef MARROW_ONE_THREAD
  std::vector<std::vector<AgentRecord>> results;
  std::vector<std::vector<double>> blood;
  for (const int threads : {1, 2}) {
    set_threads(threads);
    Simulation sim(scenario());
    run(sim, 72);
    results.push_back(sim.agents());
    blood.push_back(sim.blood().state());
  }
  EXPECT_TRUE(same_agents(results[0], results[1]));
  EXPECT_EQ(blood[0], blood[1]);
#else
  GTEST_SKIP() << "built for one thread";
#endif
}

TEST_F(SimulationTest, ThreeDimensionalScenarioIsReproducible) {
  const std::vector<std::string> three_d = {
      "lattice.size=[24, 24, 16]", "lattice.block=8",         "lattice.division_reach=4",
      "geometry.bone_thickness=2", "types.LT_HSC.initial=20", "types.ST_HSC.initial=10",
      "types.MPP.initial=10",      "types.CMP.initial=40",    "types.CLP.initial=10",
      "types.GMP.initial=80",      "types.MEP.initial=60",    "types.EryP.initial=200",
      "types.MyP.initial=400",     "types.MkP.initial=80",    "types.LyP.initial=40"};
  const Scenario s = load_scenario("", three_d).scenario;
  Simulation a(s), b(s);
  run(a, 30);
  run(b, 30);
  EXPECT_TRUE(same_agents(a.agents(), b.agents()));
  EXPECT_EQ(a.grid().colours(), 8);
}

TEST_F(SimulationTest, ScenarioErrorsAreReported) {
  EXPECT_THROW(Simulation(scenario({"types.LT_HSC.initial=0"})), std::invalid_argument);
  EXPECT_THROW(Simulation(scenario({"types.MyP.initial=4000"})), std::invalid_argument);
}

}  // namespace
}  // namespace marrow
