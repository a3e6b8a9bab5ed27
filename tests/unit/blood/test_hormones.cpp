// Systemic feedback as hormone kinetics: the levels' steady states and half-lives, the
// production response, the transit speedup, and the compensated equilibrium.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "blood/compartments.hpp"

namespace marrow {
namespace {

MaturationConfig tpo() {
  MaturationConfig m;
  m.name = "megakaryocyte";
  m.stages = 4;
  m.transit_days = 5;
  m.feeds = {{"platelets", 1.0}};
  m.hormone = "TPO";
  m.sensor = "platelets";
  m.set_point = 250;
  m.half_life_hours = 30;
  m.production = HormoneProduction::kConstant;
  m.specific_clearance = 0.9;
  m.compartment_clearance = 0.1;
  m.response_max = 8;
  m.response_hill = 2;
  return m;
}

MaturationConfig epo() {
  MaturationConfig m;
  m.name = "erythroid";
  m.stages = 4;
  m.transit_days = 7;
  m.feeds = {{"rbc", 1.0}};
  m.hormone = "EPO";
  m.sensor = "rbc";
  m.set_point = 5;
  m.half_life_hours = 7;
  m.production = HormoneProduction::kExponential;
  m.deficit_slope = 5.5;
  m.response_max = 3;
  m.response_hill = 2;
  return m;
}

MaturationConfig gcsf() {
  MaturationConfig m;
  m.name = "myeloid";
  m.stages = 4;
  m.transit_days = 5.8;
  m.feeds = {{"neutrophils", 0.917}, {"monocytes", 0.083}};
  m.hormone = "G-CSF";
  m.sensor = "neutrophils";
  m.set_point = 4;
  m.half_life_hours = 3.5;
  m.production = HormoneProduction::kConstant;
  m.specific_clearance = 0.9;
  m.response_max = 5;
  m.response_hill = 2;
  m.transit_speedup_max = 5;
  return m;
}

BloodPoolConfig pool(const std::string& name, double days, double cv, double unit) {
  BloodPoolConfig p;
  p.name = name;
  p.lifespan_days = days;
  p.lifespan_cv = cv;
  p.unit_per_l = unit;
  return p;
}

constexpr double kVolume = 5, kFraction = 1e-3, kHandoffs = 20;

// Amplification that brings `pool_days` of lifespan to the set point with every hormone at 1:
// a pool of lifespan T holds its inflow per step times T (in steps) at equilibrium.
double calibrated(const MaturationConfig& m, double unit, double pool_days) {
  const double share = m.feeds.front().second;
  return m.set_point * unit * kVolume * kFraction / (kHandoffs * share * pool_days * 24.0);
}

// The three hormones of the human preset, with the red-cell and platelet lifespans given.
BloodSystem human(double rbc_days, double platelet_days) {
  MaturationConfig g = gcsf(), e = epo(), t = tpo();
  g.amplification = calibrated(g, 1e9, 0.721);
  e.amplification = calibrated(e, 1e12, 115);
  t.amplification = calibrated(t, 1e9, 9.5);
  return BloodSystem(
      {g, e, t},
      {pool("neutrophils", 0.721, 1.0, 1e9), pool("monocytes", 1.0, 1.0, 1e9),
       pool("rbc", rbc_days, 0.15, 1e12), pool("platelets", platelet_days, 0.3, 1e9)},
      kFraction, kVolume, 29.0, 1.0);
}

TEST(Hormone, ResponseIsOneAtTheSetPointAndSaturatesAtItsMaximum) {
  for (const double mx : {3.0, 5.0, 8.0})
    for (const double h : {0.5, 1.0, 2.0, 3.0}) {
      EXPECT_NEAR(hormone_response(1.0, mx, h), 1.0, 1e-15) << mx << " " << h;
      EXPECT_NEAR(hormone_response(1e30, mx, h), mx, 1e-12 * mx) << mx << " " << h;
      EXPECT_DOUBLE_EQ(hormone_response(1e300, mx, h), mx);
      EXPECT_EQ(hormone_response(0.0, mx, h), 0.0);
      double last = 0;
      for (double l = 0.01; l < 100; l *= 1.5) {
        const double r = hormone_response(l, mx, h);
        EXPECT_GT(r, last);
        EXPECT_LT(r, mx);
        last = r;
      }
    }
  // The closed form at twice the set-point level.
  EXPECT_NEAR(hormone_response(2.0, 3.0, 2.0), 3.0 * 4 / 6, 1e-15);
  EXPECT_NEAR(hormone_response(2.0, 8.0, 2.0), 8.0 * 4 / 11, 1e-15);
  // A maximum of 1: no response at any level.
  EXPECT_EQ(hormone_response(0.0, 1.0, 2.0), 1.0);
  EXPECT_EQ(hormone_response(50.0, 1.0, 2.0), 1.0);
}

TEST(Hormone, LevelsConvergeToTheirClosedFormsForHeldCounts) {
  const MaturationConfig t = tpo(), e = epo(), g = gcsf();
  for (const double p : {0.0, 0.25, 0.6, 1.0, 1.7})
    for (const double k : {0.0, 0.5, 1.0, 3.0}) {
      double lt = 1, le = 1, lg = 1;
      for (int i = 0; i < 5000; ++i) {  // 50000 h: many half-lives even at the slowest
        lt = hormone_advance(t, lt, p, k, 10.0);
        le = hormone_advance(e, le, p, k, 10.0);
        lg = hormone_advance(g, lg, p, k, 10.0);
      }
      const double mass = 0.9 * p + 0.1 * k;
      EXPECT_NEAR(lt, 1.0 / (0.1 + 0.9 * mass), 1e-12 * lt) << p << " " << k;
      EXPECT_NEAR(le, std::exp(5.5 * (1 - p)), 1e-12 * le) << p;
      EXPECT_NEAR(lg, 1.0 / (0.1 + 0.9 * p), 1e-12 * lg) << p;  // no compartment share
      EXPECT_NEAR(hormone_steady_level(t, p, k), 1.0 / (0.1 + 0.9 * mass), 1e-15 * lt);
    }
  // Without any sensed cells TPO and G-CSF rise to 1 / (1 - f) = 10x, EPO to exp(s).
  EXPECT_NEAR(hormone_steady_level(t, 0, 0), 10.0, 1e-12);
  EXPECT_NEAR(hormone_steady_level(e, 0, 0), std::exp(5.5), 1e-9);
  EXPECT_NEAR(hormone_steady_level(t, 1, 1), 1.0, 1e-15);
  EXPECT_NEAR(hormone_steady_level(e, 1, 1), 1.0, 1e-15);
}

TEST(Hormone, LevelsInTheBloodSystemConvergeForAHeldCount) {
  // Pools that live for ages and no hand-offs: the sensed counts stay put while the level
  // relaxes, through BloodSystem::step. The TPO compartment empties (K = 0).
  MaturationConfig t = tpo(), e = epo();
  BloodSystem b({t, e}, {pool("platelets", 1e9, 1.0, 1e9), pool("rbc", 1e9, 1.0, 1e12)}, 1.0,
                kVolume, 29.0, 1.0);
  std::vector<double> s = b.state();
  ASSERT_EQ(s.size(), 4u + 4u + 1u + 1u + 2u * 2);
  s[8] = 100 * 1e9 * kVolume;   // platelets 100e9/L: 0.4 of the set point
  s[9] = 4.0 * 1e12 * kVolume;  // red cells 4e12/L: 0.8
  b.set_state(s);
  for (int i = 0; i < 24 * 150; ++i) b.step({0, 0});  // ~35 relaxation times of TPO
  const double p = b.concentration(0) / 250, r = b.concentration(1) / 5;
  EXPECT_NEAR(p, 0.4, 1e-3);
  EXPECT_NEAR(b.level(0), 1.0 / (0.1 + 0.9 * 0.9 * p), 1e-6);
  EXPECT_NEAR(b.level(1), std::exp(5.5 * (1 - r)), 1e-6);
  EXPECT_NEAR(b.drive(1), hormone_response(b.level(1), 3, 2), 1e-12);
}

TEST(Hormone, ApproachAfterAStepChangeHasTheConfiguredHalfLife) {
  // With the sensed counts at the set point the relative clearance is 1: the distance to the
  // steady level halves every half-life, exactly, whatever the step.
  for (const MaturationConfig& c : {tpo(), epo(), gcsf()}) {
    const double half = c.half_life_hours;
    double l = 3.0;  // a step change: the level 2 above its steady value 1
    double t = 0;
    const double dt = 0.5;
    while (t < 4 * half - 1e-9) {
      l = hormone_advance(c, l, 1.0, 1.0, dt);
      t += dt;
    }
    EXPECT_NEAR(l - 1, 2.0 * std::exp(-std::log(2.0) * t / half), 1e-12) << c.hormone;
    // One step longer than several half-lives is still exact and never overshoots.
    const double big = hormone_advance(c, 3.0, 1.0, 1.0, 5 * half);
    EXPECT_NEAR(big - 1, 2.0 / 32, 1e-12) << c.hormone;
    EXPECT_GT(big, 1.0);
  }
  // Receptor-mediated clearance: with half the receptor mass TPO relaxes at 0.1 + 0.9 x 0.5 =
  // 0.55 of the set-point rate, towards 1 / 0.55.
  const MaturationConfig t = tpo();
  const double target = 1 / 0.55;
  const double l = hormone_advance(t, 1.0, 0.5, 0.5, 30.0 / 0.55);
  EXPECT_NEAR(target - l, 0.5 * (target - 1), 1e-12);
  // In the blood system: G-CSF after the neutrophils are removed, sensed each step.
  BloodSystem b({gcsf()}, {pool("neutrophils", 1e9, 1.0, 1e9), pool("monocytes", 1, 1.0, 1e9)}, 1.0,
                kVolume, 29.0, 1.0);
  std::vector<double> s = b.state();
  s[4] = 4.0 * 1e9 * kVolume;  // neutrophils at the set point
  b.set_state(s);
  b.remove(0, 1.0);  // none left: G-CSF heads for 10 at the rate of non-specific clearance
  for (int i = 0; i < 35; ++i) b.step({0});
  // 35 h at 0.1 x ln 2 / 3.5 h per hour: one tenth of the rate, one half of the distance.
  EXPECT_NEAR(b.level(0), 10.0 - 9.0 * 0.5, 1e-9);
}

TEST(Hormone, TransitSpeedupShortensTheMyeloidTransit) {
  const MaturationConfig g = gcsf();
  EXPECT_EQ(hormone_speedup(g, 1.0), 1.0);
  EXPECT_EQ(hormone_speedup(g, 0.2), 1.0);  // below the set point the transit stays healthy
  EXPECT_NEAR(hormone_speedup(g, 4.0), 5.0 * 16 / 20, 1e-12);
  EXPECT_NEAR(hormone_speedup(g, 1e9), 5.0, 1e-9);
  EXPECT_EQ(hormone_speedup(tpo(), 100.0), 1.0);  // transit_speedup_max = 1: none
  // A pulse through a chain at speed 4 takes a quarter of the configured mean.
  Chain c(4, 139.2, 0.0, 0.25);
  c.set_speed(4.0, 0.25);
  double m1 = 0, total = c.step(1.0);
  for (int k = 1; k < 100000 && c.total() > 1e-16; ++k) {
    const double out = c.step(0.0);
    total += out;
    m1 += k * out;
  }
  EXPECT_NEAR(total, 1.0, 1e-12);
  EXPECT_NEAR(m1 / total * 0.25, 139.2 / 4, 1e-9);
  // In the blood system: G-CSF held at 4 (administered) speeds the myeloid chain 4x; at
  // equilibrium it holds a quarter of the cells for the same output (Little's law).
  MaturationConfig fixed = g;
  fixed.response_max = 1;  // production unchanged: only the transit responds
  // One hand-off per step holding the neutrophils at their set point, so that G-CSF is at 1.
  fixed.amplification = 4.0 * 1e9 * kVolume / (0.917 * 0.721 * 24);
  BloodSystem b({fixed}, {pool("neutrophils", 0.721, 1.0, 1e9), pool("monocytes", 1, 1.0, 1e9)},
                1.0, kVolume, 29.0, 1.0);
  b.equilibrate({1.0});
  EXPECT_NEAR(b.level(0), 1.0, 1e-12);
  const double slow = b.maturation_content(0);
  EXPECT_NEAR(slow, fixed.amplification * 5.8 * 24, 1e-9 * slow);
  b.set_external_drive(0, 4.0);
  b.step({1});
  EXPECT_NEAR(b.transit_speed(0), hormone_speedup(g, b.level(0)), 1e-12);
  b.equilibrate({1.0});  // the neutrophil output is the same, so G-CSF itself is back at 1
  EXPECT_NEAR(b.level(0), 4.0, 1e-12);
  EXPECT_NEAR(b.transit_speed(0), 4.0, 1e-12);
  EXPECT_NEAR(b.maturation_content(0), slow / 4, 1e-9 * slow);
}

TEST(Hormone, AdministeredHormoneMultipliesTheLevelBeforeTheResponse) {
  BloodSystem b = human(115, 9.5);
  b.equilibrate({kHandoffs, kHandoffs, kHandoffs});
  const double l = b.endogenous_level(2);
  b.set_external_drive(2, 3.0);
  b.step({20, 20, 20});
  EXPECT_NEAR(b.level(2), 3.0 * b.endogenous_level(2), 1e-15);
  EXPECT_NEAR(b.drive(2), hormone_response(3.0 * b.endogenous_level(2), 8, 2), 1e-12);
  EXPECT_NEAR(b.endogenous_level(2), l, 1e-3);  // the endogenous level barely moved in one hour
  // Saturation: however much is given, production stays below the maximum.
  b.set_external_drive(2, 1e6);
  b.step({20, 20, 20});
  EXPECT_LT(b.drive(2), 8.0);
  EXPECT_GT(b.drive(2), 7.99);
}

TEST(Hormone, CalibratedEquilibriumIsAtTheSetPoints) {
  BloodSystem b = human(115, 9.5);
  b.equilibrate({kHandoffs, kHandoffs, kHandoffs});
  for (int m = 0; m < 3; ++m) {
    EXPECT_NEAR(b.level(m), 1.0, 1e-12) << m;
    EXPECT_NEAR(b.drive(m), 1.0, 1e-12) << m;
  }
  EXPECT_NEAR(b.concentration(b.pool_index("neutrophils")), 4.0, 1e-10);
  EXPECT_NEAR(b.concentration(b.pool_index("rbc")), 5.0, 1e-10);
  EXPECT_NEAR(b.hemoglobin(), 14.5, 1e-9);
  EXPECT_NEAR(b.concentration(b.pool_index("platelets")), 250.0, 1e-8);
  EXPECT_NEAR(b.maturation_content(2), b.reference_content(2), 1e-10 * b.reference_content(2));
}

TEST(Hormone, EquilibrateFindsTheCompensatedFixedPoint) {
  // Shortened red-cell and platelet lifespans: the equilibrium is compensated (hormones up,
  // counts between the uncompensated and the set point) and one step from it changes nothing.
  BloodSystem b = human(50, 3.17);
  b.equilibrate({kHandoffs, kHandoffs, kHandoffs});
  const int rbc = b.pool_index("rbc"), plt = b.pool_index("platelets");
  const double r = b.concentration(rbc) / 5, p = b.concentration(plt) / 250;
  EXPECT_GT(b.level(1), 1.5);
  EXPECT_GT(b.level(2), 1.2);
  EXPECT_GT(r, 50.0 / 115);
  EXPECT_LT(r, 1.0);
  EXPECT_GT(p, 3.17 / 9.5);
  EXPECT_LT(p, 1.0);
  // The levels are the closed forms of the counts they produce.
  EXPECT_NEAR(b.level(1), std::exp(5.5 * (1 - r)), 1e-12 * b.level(1));
  // The megakaryocyte content follows the inflow: measured against the unstimulated marrow it
  // is the production multiplier.
  const double k = b.maturation_content(2) / b.reference_content(2);
  EXPECT_NEAR(k, b.drive(2), 1e-12 * k);
  EXPECT_NEAR(b.level(2), 1 / (0.1 + 0.9 * (0.9 * p + 0.1 * k)), 1e-12 * b.level(2));
  // Production balances the loss: the counts are production times lifespan.
  EXPECT_NEAR(r, b.drive(1) * 50 / 115, 1e-12);
  EXPECT_NEAR(p, b.drive(2) * 3.17 / 9.5, 1e-12);
  std::printf(
      "lifespans 50 d / 3.17 d: hemoglobin %.2f g/dL (EPO %.2f, production x%.3f), "
      "platelets %.1f (TPO %.2f, production x%.3f)\n",
      b.hemoglobin(), b.level(1), b.drive(1), b.concentration(plt), b.level(2), b.drive(2));
  const std::vector<double> before = b.state();
  b.step({20, 20, 20});
  const std::vector<double> after = b.state();
  ASSERT_EQ(before.size(), after.size());
  for (size_t i = 0; i < before.size(); ++i)
    EXPECT_NEAR(after[i], before[i], 1e-9 * std::abs(before[i])) << i;
  // From a neutropenic state as well (G-CSF high, the transit sped up).
  BloodSystem n = human(115, 9.5);
  n.equilibrate({2, kHandoffs, kHandoffs});
  EXPECT_GT(n.level(0), 2.0);
  EXPECT_GT(n.transit_speed(0), 1.5);
  const std::vector<double> n0 = n.state();
  n.step({2, 20, 20});
  const std::vector<double> n1 = n.state();
  for (size_t i = 0; i < n0.size(); ++i) EXPECT_NEAR(n1[i], n0[i], 1e-9 * std::abs(n0[i])) << i;
}

TEST(Hormone, NoHandoffsGiveTheLevelsOfEmptyPools) {
  BloodSystem b = human(115, 9.5);
  b.equilibrate({0, 0, 0});
  EXPECT_NEAR(b.level(0), 10.0, 1e-9);
  EXPECT_NEAR(b.level(1), std::exp(5.5), 1e-9 * std::exp(5.5));
  EXPECT_NEAR(b.level(2), 10.0, 1e-9);
  EXPECT_EQ(b.concentration(0), 0.0);
}

TEST(Hormone, LevelsAreStateAndRestartsContinueIdentically) {
  BloodSystem a = human(60, 5);
  a.equilibrate({kHandoffs, kHandoffs, kHandoffs});
  a.remove(a.pool_index("platelets"), 0.5);
  std::vector<int64_t> h = {17, 25, 9};
  for (int i = 0; i < 50; ++i) a.step(h);
  const std::vector<double> saved = a.state();
  ASSERT_EQ(saved.size(), 4u * 3 + 1 + 1 + 44 + 11 + 3 * 2);
  BloodSystem b = human(60, 5);
  b.set_state(saved);
  for (int i = 0; i < 100; ++i) {
    h = {17 + i % 3, 25 - i % 5, 9 + i % 2};
    a.step(h);
    b.step(h);
  }
  EXPECT_EQ(a.state(), b.state());  // bit-identical
  for (int m = 0; m < 3; ++m) EXPECT_EQ(a.drive(m), b.drive(m));
  // A state without the hormone levels (as before they were state) is refused with a reason.
  std::vector<double> old(saved.begin(), saved.end() - 6);
  try {
    b.set_state(old);
    ADD_FAILURE() << "accepted a state without hormone levels";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("per hormone"), std::string::npos) << e.what();
  }
  std::vector<double> bad = saved;
  bad[bad.size() - 2] = -1;
  EXPECT_THROW(b.set_state(bad), std::invalid_argument);
}

TEST(Hormone, CompartmentClearanceNeedsTheCompartmentToFeedItsSensor) {
  MaturationConfig t = tpo();
  t.feeds = {{"other", 1.0}};
  EXPECT_THROW(BloodSystem({t}, {pool("platelets", 9.5, 0.3, 1e9), pool("other", 1, 1, 1e9)}, 1.0,
                           kVolume, 29.0, 1.0),
               std::invalid_argument);
  t.compartment_clearance = 0;
  EXPECT_NO_THROW(BloodSystem({t}, {pool("platelets", 9.5, 0.3, 1e9), pool("other", 1, 1, 1e9)},
                              1.0, kVolume, 29.0, 1.0));
}

}  // namespace
}  // namespace marrow
