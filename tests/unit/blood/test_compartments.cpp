// Maturation chains and blood pools.
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

#include "blood/compartments.hpp"

namespace marrow {
namespace {

// Passes a unit pulse through the chain; returns {mean, variance} of the exit step (the step
// that returns the cells, counted from the step that took the pulse in) and checks that cells
// are conserved when nothing is destroyed.
std::pair<double, double> pulse_moments(Chain& c, bool conserved) {
  double out_total = c.step(1.0);
  EXPECT_EQ(out_total, 0.0);  // nothing leaves in the step the pulse enters
  double m1 = 0, m2 = 0;
  for (int64_t k = 1; k < 1000000; ++k) {
    const double out = c.step(0.0);
    EXPECT_GE(out, 0.0);
    out_total += out;
    m1 += static_cast<double>(k) * out;
    m2 += static_cast<double>(k) * k * out;
    if (conserved) {
      EXPECT_NEAR(c.total() + out_total, 1.0, 1e-12) << "step " << k;
    }
    if (c.total() < 1e-16) break;
  }
  const double mean = m1 / out_total;
  return {mean, m2 / out_total - mean * mean};
}

TEST(Chain, PulseMeanTransitTimeIsTheConfiguredMean) {
  // Each step a stage passes on p = k dt, k = n / M: the residence in a stage is geometric on
  // {1, 2, ...} steps with mean 1/p, so the exit step of a pulse has mean n/p = M/dt and
  // variance n (1-p)/p^2 exactly.
  struct Case {
    int n;
    double mean_h, dt;
  };
  for (const Case cs : {Case{1, 48.0, 1.0}, Case{4, 139.2, 1.0}, Case{4, 24.0, 0.25},
                        Case{44, 2760.0, 1.0}, Case{3, 10.0, 2.0}}) {
    Chain c(cs.n, cs.mean_h, 0.0, cs.dt);
    ASSERT_EQ(c.stage.size(), static_cast<size_t>(cs.n));
    const auto [mean_steps, var_steps] = pulse_moments(c, true);
    const double p = cs.n / cs.mean_h * cs.dt;
    EXPECT_NEAR(mean_steps, cs.n / p, 1e-9 * cs.n / p) << cs.n << " stages";
    EXPECT_NEAR(var_steps, cs.n * (1 - p) / (p * p), 1e-7 * cs.n / (p * p)) << cs.n << " stages";
    EXPECT_NEAR(mean_steps * cs.dt, cs.mean_h, 1e-8 * cs.mean_h) << cs.n << " stages";
  }
}

TEST(Chain, PulseCoefficientOfVariationApproachesErlang) {
  // With k dt small the exit time is close to Erlang: CV 1/sqrt(n).
  Chain c(4, 400.0, 0.0, 0.5);
  const auto [mean, var] = pulse_moments(c, true);
  EXPECT_NEAR(std::sqrt(var) / mean, 0.5, 0.01);
}

TEST(Chain, EquilibriumIsAFixedPointOfStep) {
  for (const double destruction : {0.0, 0.002, 0.05}) {
    for (const int n : {1, 3, 44}) {
      Chain c(n, 96.0, destruction, 1.0);
      const double inflow = 1234.5;
      c.equilibrate(inflow);
      const std::vector<double> before = c.stage;
      c.step(inflow);
      for (int i = 0; i < n; ++i)
        EXPECT_NEAR(c.stage[i], before[i], 1e-12 * before[i]) << n << " stages, stage " << i;
    }
  }
}

TEST(Chain, DestructionScalesTheEquilibriumOutput) {
  // Passage at rate k = n/M competes with destruction d in every stage: a share k / (k + d)
  // passes on, so the output at equilibrium is the inflow times (k / (k + d))^n.
  const double inflow = 10.0, d = 0.01;
  for (const int n : {1, 4}) {
    Chain c(n, 50.0, d, 1.0);
    c.equilibrate(inflow);
    const double k = n / 50.0;
    const double out = c.step(inflow);
    EXPECT_NEAR(out, inflow * std::pow(k / (k + d), n), 1e-12 * inflow) << n << " stages";
    if (n == 1) {
      EXPECT_NEAR(out / inflow, k / (k + d), 1e-12);
    }
  }
  // Without destruction the output equals the inflow.
  Chain c(4, 50.0, 0.0, 1.0);
  c.equilibrate(inflow);
  EXPECT_NEAR(c.step(inflow), inflow, 1e-12 * inflow);
  // set_destruction changes the share destroyed.
  c.set_destruction(d, 1.0);
  c.equilibrate(inflow);
  const double k = 4 / 50.0;
  EXPECT_NEAR(c.step(inflow), inflow * std::pow(k / (k + d), 4), 1e-12 * inflow);
}

TEST(Chain, DynamicsConvergeToTheEquilibrium) {
  Chain run(3, 30.0, 0.01, 1.0), eq(3, 30.0, 0.01, 1.0);
  eq.equilibrate(5.0);
  for (int i = 0; i < 5000; ++i) run.step(5.0);
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(run.stage[i], eq.stage[i], 1e-9 * eq.stage[i]);
  EXPECT_NEAR(run.total(), eq.total(), 1e-9 * eq.total());
}

TEST(Chain, RejectsBadConfiguration) {
  EXPECT_THROW(Chain(0, 10.0, 0.0, 1.0), std::invalid_argument);
  EXPECT_THROW(Chain(3, 0.0, 0.0, 1.0), std::invalid_argument);
  EXPECT_THROW(Chain(3, -5.0, 0.0, 1.0), std::invalid_argument);
}

TEST(Chain, RejectsNegativeStages) {
  EXPECT_THROW(Chain(-1, 10.0, 0.0, 1.0), std::invalid_argument);
}

MaturationConfig maturation(const std::string& name, int stages, double days, double amp,
                            std::vector<std::pair<std::string, double>> feeds) {
  MaturationConfig m;
  m.name = name;
  m.stages = stages;
  m.transit_days = days;
  m.amplification = amp;
  m.feeds = std::move(feeds);
  return m;
}

BloodPoolConfig pool(const std::string& name, double days, double cv, double unit,
                     double destruction = 0) {
  BloodPoolConfig p;
  p.name = name;
  p.lifespan_days = days;
  p.lifespan_cv = cv;
  p.unit_per_l = unit;
  p.destruction_per_day = destruction;
  return p;
}

TEST(BloodSystem, ConcentrationAndHemoglobinUnits) {
  // 2.5e13 red cells in 5 L: 5e12 cells/L, reported as 5.0 in units of 1e12/L. With 29 pg per
  // cell: 5e12 x 29e-12 g = 145 g/L = 14.5 g/dL.
  BloodSystem b({}, {pool("rbc", 115, 1.0, 1e12), pool("platelets", 9.5, 1.0, 1e9)}, 1.0, 5.0, 29.0,
                1.0);
  ASSERT_EQ(b.pool_count(), 2);
  ASSERT_EQ(b.state().size(), 2u);  // one stage each (CV 1)
  b.set_state({2.5e13, 1.25e12});
  EXPECT_NEAR(b.concentration(b.pool_index("rbc")), 5.0, 1e-12);
  EXPECT_NEAR(b.hemoglobin(), 14.5, 1e-12);
  EXPECT_NEAR(b.concentration(b.pool_index("platelets")), 250.0, 1e-10);
  // Mouse-like numbers: 1.8e10 red cells in 2 mL with 15 pg: 9e12/L, 13.5 g/dL.
  BloodSystem m({}, {pool("rbc", 42, 1.0, 1e12)}, 1.0, 0.002, 15.0, 1.0);
  m.set_state({1.8e10});
  EXPECT_NEAR(m.concentration(0), 9.0, 1e-12);
  EXPECT_NEAR(m.hemoglobin(), 13.5, 1e-12);
}

TEST(BloodSystem, HemoglobinIsNanWithoutRedCells) {
  BloodSystem b({}, {pool("platelets", 9.5, 1.0, 1e9)}, 1.0, 5.0, 29.0, 1.0);
  EXPECT_TRUE(std::isnan(b.hemoglobin()));
  EXPECT_EQ(b.pool_index("rbc"), -1);
}

TEST(BloodSystem, PoolStagesFollowTheLifespanCv) {
  // stages = round(1 / cv^2): cv 0.15 -> 44, cv 0.3 -> 11, cv 0.5 -> 4, cv 1 -> 1.
  BloodSystem b({maturation("m", 3, 2.0, 1.0, {{"a", 1.0}})},
                {pool("a", 1, 0.15, 1e9), pool("b", 1, 0.3, 1e9), pool("c", 1, 0.5, 1e9),
                 pool("d", 1, 1.0, 1e9)},
                1.0, 5.0, 29.0, 1.0);
  EXPECT_EQ(b.state().size(), 3u + 44u + 11u + 4u + 1u);
}

TEST(BloodSystem, EquilibriumScalesHandoffsAndIsAFixedPoint) {
  // 3 agent daughters per step, amplification 100, the lattice representing 1 % of the marrow:
  // 3 x 100 / 0.01 = 30000 cells per step reach the blood, split 3:1 between two pools.
  BloodSystem b({maturation("m", 2, 3.0, 100.0, {{"a", 0.75}, {"b", 0.25}})},
                {pool("a", 1.0, 1.0, 1e9), pool("b", 2.0, 0.5, 1e9, 0.1)}, 0.01, 5.0, 29.0, 1.0);
  EXPECT_DOUBLE_EQ(b.represented_fraction(), 0.01);
  b.equilibrate({3.0});
  EXPECT_NEAR(b.production(0), 22500.0, 1e-9);
  EXPECT_NEAR(b.production(1), 7500.0, 1e-9);
  // Pool a: one stage passing 1/24 per step holds 22500 * 24.
  EXPECT_NEAR(b.concentration(0) * 5.0 * 1e9, 22500.0 * 24, 1e-6);
  const std::vector<double> eq = b.state();
  b.step({3});
  const std::vector<double> after = b.state();
  ASSERT_EQ(after.size(), eq.size());
  for (size_t i = 0; i < eq.size(); ++i) EXPECT_NEAR(after[i], eq[i], 1e-12 * eq[i]) << i;
  EXPECT_NEAR(b.production(0), 22500.0, 1e-8);
  // From empty, constant hand-offs converge to the same equilibrium.
  BloodSystem c({maturation("m", 2, 3.0, 100.0, {{"a", 0.75}, {"b", 0.25}})},
                {pool("a", 1.0, 1.0, 1e9), pool("b", 2.0, 0.5, 1e9, 0.1)}, 0.01, 5.0, 29.0, 1.0);
  for (int i = 0; i < 5000; ++i) c.step({3});
  const std::vector<double> reached = c.state();
  for (size_t i = 0; i < eq.size(); ++i) EXPECT_NEAR(reached[i], eq[i], 1e-9 * eq[i]) << i;
}

TEST(BloodSystem, StateRoundTripsAndChecksItsSize) {
  BloodSystem b({maturation("m", 2, 3.0, 10.0, {{"a", 1.0}})}, {pool("a", 1.0, 0.5, 1e9)}, 0.5, 5.0,
                29.0, 1.0);
  const std::vector<double> s = {1, 2, 3, 4, 5, 6};
  ASSERT_EQ(b.state().size(), s.size());
  b.set_state(s);
  EXPECT_EQ(b.state(), s);
  EXPECT_THROW(b.set_state({1, 2, 3}), std::invalid_argument);
  EXPECT_THROW(b.set_state({1, 2, 3, 4, 5, 6, 7}), std::invalid_argument);
}

TEST(BloodSystem, UnknownFedPoolIsRejected) {
  EXPECT_THROW(BloodSystem({maturation("m", 2, 3.0, 1.0, {{"nope", 1.0}})},
                           {pool("a", 1.0, 1.0, 1e9)}, 1.0, 5.0, 29.0, 1.0),
               std::invalid_argument);
}

}  // namespace
}  // namespace marrow
