// Conditions and supportive care: reticulocytes as the youngest red cells, the autoreactive
// clone (its kill by conditioning, regrowth, extinction and return with a graft), the clone's
// attack, and the condition overlays of the scenario library.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "blood/compartments.hpp"
#include "io/library.hpp"
#include "io/scenario.hpp"
#include "io/toml_reader.hpp"
#include "model/treatment.hpp"

namespace marrow {
namespace {

BloodSystem red_cells(double destruction_per_day) {
  MaturationConfig m;
  m.name = "erythroid";
  m.stages = 2;
  m.transit_days = 2;
  m.feeds = {{"rbc", 1.0}};
  BloodPoolConfig rbc{"rbc", 100.0, 0.2, destruction_per_day, 1e12, ""};
  BloodPoolConfig retic{"reticulocytes", 1.0, 0.5, 0.0, 1e9, "rbc"};
  return BloodSystem({m}, {rbc, retic}, 1.0, 5.0, 29.0, 1.0);
}

TEST(Reticulocytes, CountADayOfProductionAtEquilibrium) {
  BloodSystem b = red_cells(0.0);
  const double per_step = 1e9;  // red cells released per hour
  b.equilibrate({per_step});
  // A day of release, per litre, in 1e9/L: 24e9 / 5 L = 4.8.
  EXPECT_NEAR(b.concentration(1), per_step * 24 / 5.0 / 1e9, 1e-9);
  EXPECT_DOUBLE_EQ(b.production(1), b.production(0));
  // The red-cell count and hemoglobin do not count them twice.
  EXPECT_NEAR(b.concentration(0), per_step * 100 * 24 / 5.0 / 1e12, 1e-9);
}

TEST(Reticulocytes, FollowTheirPoolsDestructionAndRemovalButNotTransfusion) {
  BloodSystem b = red_cells(0.5);
  b.equilibrate({1e9});
  // With destruction 0.5/day against a 1-day passage, fewer released cells are counted young.
  EXPECT_LT(b.concentration(1), 0.8 * 24e9 / 5.0 / 1e9);
  const double retic = b.concentration(1), rbc = b.concentration(0);
  b.remove(0, 0.25);
  EXPECT_NEAR(b.concentration(1), 0.75 * retic, 1e-12 * retic);
  EXPECT_NEAR(b.concentration(0), 0.75 * rbc, 1e-12 * rbc);
  const double hb = b.hemoglobin();
  b.infuse(0, 1.9e12);
  EXPECT_NEAR(b.concentration(1), 0.75 * retic, 1e-12 * retic);
  // One unit of 1.9e12 red cells at 29 pg in 5 L: +1.1 g/dL.
  EXPECT_NEAR(b.hemoglobin() - hb, 1.9e12 * 29e-12 / 50.0, 1e-9);
}

TEST(Reticulocytes, CannotBeFedOrSensedThemselves) {
  MaturationConfig m;
  m.name = "erythroid";
  m.feeds = {{"reticulocytes", 1.0}};
  BloodPoolConfig rbc{"rbc", 100.0, 0.2, 0.0, 1e12, ""};
  BloodPoolConfig retic{"reticulocytes", 1.0, 0.5, 0.0, 1e9, "rbc"};
  EXPECT_THROW(BloodSystem({m}, {rbc, retic}, 1.0, 5.0, 29.0, 1.0), std::invalid_argument);
  m.feeds = {{"rbc", 1.0}};
  m.sensor = "reticulocytes";
  m.hormone = "EPO";
  EXPECT_THROW(BloodSystem({m}, {rbc, retic}, 1.0, 5.0, 29.0, 1.0), std::invalid_argument);
}

// One cell type, one compartment, one pool; a clone of `cells` from day 0.
TreatmentConfig clone_of(double cells, double growth_per_day) {
  TreatmentConfig c;
  c.radiation.type = {{0.8, 3.0}};
  c.radiation.compartment = {{1e300, 1.0}};
  c.radiation.pool = {{1e300, 1.0}};
  c.radiation.stroma = {1e300, 1.0};
  c.radiation.immunity = {1.25, 1.0};
  c.autoimmunity.clone_cells = cells;
  c.autoimmunity.growth_per_day = growth_per_day;
  c.autoimmunity.attack.type = {0.1};
  c.autoimmunity.attack.compartment = {0.2};
  c.autoimmunity.attack.pool = {0.4};
  return c;
}

void irradiate(TreatmentConfig& c, double day, double gy) {
  c.schedule.push_back(make_event("irradiation", day, {{"dose_gy", gy}}, c));
}

TEST(AutoreactiveClone, IsEstablishedFromOnsetAndAttacksAtItsRates) {
  TreatmentConfig c = clone_of(1e6, 0.05);
  c.autoimmunity.onset_day = 10;
  const Treatment t(c, 1, 1, 1, 70);
  EXPECT_TRUE(t.active());
  EXPECT_DOUBLE_EQ(t.first_day(), 0.0);
  EXPECT_EQ(t.autoreactive_clone(9 * 24.0), 0.0);
  EXPECT_DOUBLE_EQ(t.autoreactive_clone(10 * 24.0), 1.0);
  EXPECT_DOUBLE_EQ(t.autoreactive_clone(50 * 24.0), 1.0);  // at its established size
  const StepEffects fx = t.effects(20 * 24.0, 1.0, true);
  EXPECT_NEAR(fx.survival(0, false, false), std::exp(-0.1), 1e-15);  // a day's attack, daily
  EXPECT_NEAR(fx.survival(0, true, false), std::exp(-0.1), 1e-15);
  EXPECT_EQ(fx.survival(0, false, true), 1.0);  // donor cells are not self
  EXPECT_NEAR(fx.compartment[0], std::exp(-0.2 / 24), 1e-15);
  EXPECT_NEAR(fx.pool[0], std::exp(-0.4 / 24), 1e-15);
  EXPECT_EQ(t.effects(20 * 24.0 + 1, 1.0, false).survival(0, false, false), 1.0);
}

TEST(AutoreactiveClone, PatientsDifferByALognormalAttackDrawnFromTheSeed) {
  TreatmentConfig c = clone_of(1e6, 0.05);
  EXPECT_EQ(Treatment(c, 1, 1, 1, 70, 7).patient_attack(), 1.0);  // no spread: all alike
  c.autoimmunity.attack_spread = 0.5;
  // ln(multiplier) / spread over 400 patients: standard normal. Mean within 4 standard errors
  // (4 / sqrt(400) = 0.2); standard deviation within 4 of its standard errors (~4 / sqrt(800)).
  const int n = 400;
  double sum = 0, sum2 = 0;
  for (int seed = 1; seed <= n; ++seed) {
    const double z = std::log(Treatment(c, 1, 1, 1, 70, seed).patient_attack()) / 0.5;
    sum += z;
    sum2 += z * z;
  }
  const double mean = sum / n, sd = std::sqrt(sum2 / n - mean * mean);
  EXPECT_NEAR(mean, 0.0, 0.2);
  EXPECT_NEAR(sd, 1.0, 0.15);
  // A patient is a pure function of the seed, and the attack on cells, compartments and blood
  // scales with it.
  const Treatment t(c, 1, 1, 1, 70, 3);
  EXPECT_EQ(t.patient_attack(), Treatment(c, 1, 1, 1, 70, 3).patient_attack());
  EXPECT_NE(t.patient_attack(), Treatment(c, 1, 1, 1, 70, 4).patient_attack());
  const double m = t.patient_attack();
  const StepEffects fx = t.effects(20 * 24.0, 1.0, true);
  EXPECT_NEAR(fx.survival(0, false, false), std::exp(-0.1 * m), 1e-15);
  EXPECT_NEAR(fx.compartment[0], std::exp(-0.2 * m / 24), 1e-15);
  EXPECT_NEAR(fx.pool[0], std::exp(-0.4 * m / 24), 1e-15);
}

TEST(AutoreactiveClone, ConditioningCutsItAndItRegrowsLogistically) {
  TreatmentConfig c = clone_of(1e9, 0.05);
  irradiate(c, 5, 2.0);  // exp(-1.6) survive
  const Treatment t(c, 1, 1, 1, 70);
  const double after = t.autoreactive_clone(5 * 24.0 + 2);
  EXPECT_NEAR(after, std::exp(-1.6), 0.002);
  // Logistic regrowth from x0: x(t) = 1 / (1 + (1 / x0 - 1) exp(-r t)), hourly steps.
  const double x0 = t.autoreactive_clone(5 * 24.0 + 1);
  const double x = t.autoreactive_clone(65 * 24.0 + 1);
  EXPECT_NEAR(x, 1.0 / (1.0 + (1.0 / x0 - 1.0) * std::exp(-0.05 * 60)), 2e-3);
  // The attack follows the clone.
  EXPECT_NEAR(-std::log(t.effects(6 * 24.0, 1.0, true).survival(0, false, false)),
              0.1 * t.autoreactive_clone(6 * 24.0), 1e-12);
}

TEST(AutoreactiveClone, ALastFewCellsDieOutOrSurviveCellByCell) {
  // 100 cells, 8 Gy in 4 fractions far apart: exp(-6.4) x 100 = 0.17 expected survivors.
  int extinct = 0;
  const int runs = 400;
  for (int seed = 1; seed <= runs; ++seed) {
    TreatmentConfig c = clone_of(100, 0.05);
    for (int f = 0; f < 4; ++f) irradiate(c, 1 + f, 2.0);
    const Treatment t(c, 1, 1, 1, 70, static_cast<uint64_t>(seed));
    if (t.autoreactive_clone(5 * 24.0) == 0) {
      ++extinct;
      EXPECT_EQ(t.autoreactive_clone(400 * 24.0), 0.0);  // gone for good
    }
  }
  // P(extinct) = exp(-0.166) = 0.847 (Poisson); binomial sd over 400 runs 0.018: 4 sd.
  const double p = std::exp(-100 * std::exp(-6.4));
  EXPECT_NEAR(extinct / static_cast<double>(runs), p, 4 * std::sqrt(p * (1 - p) / runs));
  // The same seed, the same fate.
  TreatmentConfig c = clone_of(100, 0.05);
  for (int f = 0; f < 4; ++f) irradiate(c, 1 + f, 2.0);
  EXPECT_EQ(Treatment(c, 1, 1, 1, 70, 7).autoreactive_clone(300 * 24.0),
            Treatment(c, 1, 1, 1, 70, 7).autoreactive_clone(300 * 24.0));
}

TEST(AutoreactiveClone, AGraftCanBringItBack) {
  TreatmentConfig c = clone_of(1e6, 0.05);
  c.autoimmunity.onset_day = -20;
  for (int f = 0; f < 6; ++f) irradiate(c, -10 + f, 4.0);  // exp(-19): none left
  c.radiation.type = {{0.8, 3.0}};
  c.sources.push_back(GraftSourceConfig{"pb", {1e-5}, 10, 0.01, 0.1});
  auto graft = [&](double autoreactive) {
    return make_event("transplant", 0,
                      {{"source", std::string("pb")},
                       {"cd34_per_kg", 5e6},
                       {"donor", std::string("autologous")},
                       {"autoreactive_cells_per_kg", autoreactive}},
                      c);
  };
  TreatmentConfig carried = c;
  carried.schedule.push_back(graft(100));
  c.schedule.push_back(graft(0));
  const Treatment clean(c, 1, 1, 1, 70), relapsing(carried, 1, 1, 1, 70);
  EXPECT_EQ(clean.autoreactive_clone(-1 * 24.0), 0.0);
  EXPECT_EQ(clean.autoreactive_clone(200 * 24.0), 0.0);
  // 100/kg x 70 kg = 7000 cells, then an hour of regrowth.
  EXPECT_NEAR(relapsing.autoreactive_clone(1.0), 7e-3 * (1 + 0.05 / 24 * (1 - 7e-3)), 1e-12);
  EXPECT_GT(relapsing.autoreactive_clone(200 * 24.0), 0.5);
}

TEST(Conditions, OverlayThePresetInOrderUnderTheUsersFile) {
  const auto names = library_names("conditions");
  for (const char* n : {"aiha", "aplastic_anemia", "itp"})
    EXPECT_NE(std::find(names.begin(), names.end(), n), names.end()) << n;
  for (const LibraryEntry& e : library_entries("conditions")) {
    EXPECT_FALSE(e.description.empty()) << e.path;
    EXPECT_FALSE(check_toml_shape(e.text)) << e.path;
  }
  const LoadedScenario itp = load_scenario_text("conditions = [\"itp\"]", "t.toml", {});
  const AutoimmunityConfig& a = itp.scenario.treatment.autoimmunity;
  EXPECT_GT(a.clone_cells, 0);
  const int platelets = 3;
  ASSERT_EQ(itp.scenario.blood[platelets].name, "platelets");
  EXPECT_GT(a.attack.pool[platelets], 0);
  // A later condition over an earlier one, the user's file over both, --set over all.
  const LoadedScenario both = load_scenario_text("conditions = [\"itp\", \"aiha\"]", "t.toml", {});
  EXPECT_EQ(both.scenario.treatment.autoimmunity.attack.pool[platelets], 0);
  const LoadedScenario user =
      load_scenario_text("conditions = [\"itp\"]\n[autoimmunity]\ngrowth_per_day = 0.01\n",
                         "t.toml", {"autoimmunity.clone_cells=5e5"});
  EXPECT_EQ(user.scenario.treatment.autoimmunity.growth_per_day, 0.01);
  EXPECT_EQ(user.scenario.treatment.autoimmunity.clone_cells, 5e5);
  EXPECT_NE(user.resolved_toml.find("conditions = [ 'itp' ]"), std::string::npos)
      << user.resolved_toml;
  // The resolved scenario runs the same when read again (a restart's stored scenario).
  const LoadedScenario again = load_scenario_text(user.resolved_toml, "stored", {});
  EXPECT_EQ(again.resolved_toml, user.resolved_toml);
}

TEST(NormalRanges, AreThePresetsDataAndChecked) {
  const Scenario human = load_scenario_text("", "t.toml", {}).scenario;
  auto range = [](const Scenario& sc, const std::string& name) {
    for (const NormalRange& r : sc.normal_ranges)
      if (r.name == name) return std::pair{r.low, r.high};
    return std::pair{-1.0, -1.0};
  };
  EXPECT_EQ(range(human, "platelets"), std::pair(150.0, 400.0));
  EXPECT_EQ(range(human, "hemoglobin"), std::pair(12.0, 17.5));
  const Scenario mouse = load_scenario_text("preset = \"mouse\"", "t.toml", {}).scenario;
  EXPECT_EQ(range(mouse, "platelets"), std::pair(900.0, 1500.0));
  for (const char* bad :
       {"normal_ranges.spleen={low=1,high=2}", "normal_ranges.platelets={low=5,high=2}",
        "normal_ranges.platelets={low=-1,high=2}"})
    EXPECT_THROW(load_scenario_text("", "t.toml", {bad}), ScenarioError) << bad;
}

TEST(Conditions, UnknownOrRepeatedNamesAreOneClearMessage) {
  auto message = [](const std::string& text) {
    try {
      load_scenario_text(text, "t.toml", {});
    } catch (const ScenarioError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  std::string known;
  for (const std::string& n : library_names("conditions")) known += (known.empty() ? "" : ", ") + n;
  EXPECT_EQ(
      message("conditions = [\"itpp\"]"),
      "t.toml:1: conditions: unknown condition 'itpp' (known: " + known + "); did you mean 'itp'?");
  EXPECT_EQ(message("conditions = \"itp\""),
            "t.toml:1: conditions: expected an array of condition names, as [\"itp\"] (known: " +
                known + ")");
  EXPECT_EQ(message("conditions = [\"itp\", \"itp\"]"),
            "t.toml:1: conditions: 'itp' is named twice");
}

TEST(SupportiveCare, IsOffInThePresetsAndSwitchedByName) {
  EXPECT_FALSE(load_scenario_text("", "t.toml", {}).scenario.treatment.supportive_care.enabled);
  const SupportiveCareConfig on = load_scenario_text("supportive_care = \"standard\"", "t.toml", {})
                                      .scenario.treatment.supportive_care;
  EXPECT_TRUE(on.enabled);
  EXPECT_EQ(on.platelet_threshold, 10.0);
  EXPECT_EQ(on.hemoglobin_threshold, 7.0);
  EXPECT_THROW(load_scenario_text("supportive_care = \"some\"", "t.toml", {}), ScenarioError);
}

}  // namespace
}  // namespace marrow

namespace marrow {
namespace {

TEST(TpoAgonist, MultipliesTheTpoSignalByItsSaturatingConcentration) {
  TreatmentConfig c;
  c.schedule.push_back(make_event(
      "tpo_agonist", 1, {{"agent", std::string("romiplostim")}, {"dose_per_kg", 2.0}, {"doses", 2}},
      c, {"TPO", "EPO"}));
  const Treatment t(c, 0, 0, 0, 70);
  EXPECT_EQ(t.cytokine("TPO", 23.9), 1.0);
  // At the dose: C = 2 ug/kg = EC50, so 1 + 3 x 1/2.
  EXPECT_NEAR(t.cytokine("TPO", 24.0), 2.5, 1e-12);
  // A half-life (84 h) later: C = 1, 1 + 3 x 1/3.
  EXPECT_NEAR(t.cytokine("TPO", 24.0 + 84), 2.0, 1e-12);
  // The second weekly dose adds to what is left of the first.
  const double left = 2.0 * std::exp(-std::log(2.0) * 168 / 84);
  EXPECT_NEAR(t.cytokine("TPO", 24.0 + 168), 1 + 3 * (2 + left) / (2 + left + 2), 1e-12);
  EXPECT_EQ(t.cytokine("EPO", 30.0), 1.0);
  EXPECT_THROW(make_event("tpo_agonist", 0,
                          {{"agent", std::string("aspirin")}, {"dose_per_kg", 1.0}}, c, {"TPO"}),
               std::invalid_argument);
}

}  // namespace
}  // namespace marrow

namespace marrow {
namespace {

// One type, one compartment, one pool, attacked at 0.1, 0.2 and 0.4 per day by a clone of 1e6.
TreatmentConfig attacked() {
  TreatmentConfig c;
  c.radiation.type = {{0.8, 3.0}};
  c.radiation.compartment = {{1e300, 1.0}};
  c.radiation.pool = {{1e300, 1.0}};
  c.autoimmunity.clone_cells = 1e6;
  c.autoimmunity.growth_per_day = 0.05;
  c.autoimmunity.attack.type = {0.1};
  c.autoimmunity.attack.compartment = {0.2};
  c.autoimmunity.attack.pool = {0.4};
  return c;
}

// -ln survival of the type (over a day), the compartment and the pool (per hour) at a time.
std::array<double, 3> attack_at(const Treatment& t, double hours) {
  const StepEffects fx = t.effects(hours, 1.0, true);
  return {-std::log(fx.survival(0, false, false)), -std::log(fx.compartment[0]) * 24,
          -std::log(fx.pool[0]) * 24};
}

TEST(ImmuneTreatments, SteroidsIvigAndSplenectomyLowerTheAttackWhereTheyAct) {
  TreatmentConfig c = attacked();
  c.schedule.push_back(make_event("corticosteroid", 10, {{"days", 28.0}}, c));
  c.schedule.push_back(make_event("ivig", 50, {}, c));
  c.schedule.push_back(make_event("splenectomy", 100, {}, c));
  const Treatment t(c, 1, 1, 1, 70);
  auto expect = [&](double day, double agents, double blood) {
    const auto a = attack_at(t, day * 24);
    EXPECT_NEAR(a[0], 0.1 * agents, 1e-12) << "day " << day;
    EXPECT_NEAR(a[1], 0.2 * agents, 1e-12) << "day " << day;
    EXPECT_NEAR(a[2], 0.4 * agents * blood, 1e-12) << "day " << day;
  };
  expect(5, 1, 1);
  expect(20, 0.3, 1);  // prednisone: 70 % of the attack blocked, everywhere
  expect(40, 1, 1);    // over after 28 days
  expect(60, 1, 0.2);  // IVIG: 80 % of the attack on blood cells, for 21 days
  expect(80, 1, 1);
  expect(150, 1, 0.3);  // splenectomy: 70 % of it, for good
  expect(400, 1, 0.3);
}

TEST(ImmuneTreatments, RituximabDepletesTheCloneButNotHostImmunity) {
  TreatmentConfig c = attacked();
  c.schedule.push_back(make_event("rituximab", 10, {}, c));
  const Treatment t(c, 1, 1, 1, 70);
  // Four weekly infusions, 99 % in all, with the clone regrowing hour by hour between them.
  double x = 1;
  for (int h = 0; h <= (10 + 21) * 24; ++h) {
    if (h >= 10 * 24 && (h - 10 * 24) % 168 == 0 && h <= (10 + 21) * 24) x *= std::pow(0.01, 0.25);
    x += 0.05 / 24 * x * (1 - x);
  }
  EXPECT_NEAR(t.autoreactive_clone((10 + 21) * 24.0 + 1), x, 1e-12);
  EXPECT_LT(x, 0.03);
  EXPECT_EQ(t.immunity((10 + 22) * 24.0), 1.0);
  // The attack follows the clone down and back up as it regrows.
  EXPECT_LT(attack_at(t, 40 * 24)[0], 0.1 * 0.05);
  EXPECT_GT(t.autoreactive_clone(300 * 24.0), 0.5);
}

}  // namespace
}  // namespace marrow
