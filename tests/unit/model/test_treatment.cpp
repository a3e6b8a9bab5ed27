// Conditioning and transplantation: multi-target radiation survival with repair between
// fractions, drug exposure, cell kill in the simulation against its expected binomial spread,
// grafts (allogeneic and syngeneic), and thread independence of a transplant run.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/parallel.hpp"
#include "io/scenario.hpp"
#include "model/simulation.hpp"
#include "model/treatment.hpp"

namespace marrow {
namespace {

// The preset's stem and progenitor response.
constexpr double kD0 = 0.8, kN = 3.0;

// S(D) = 1 - (1 - exp(-D / D0))^n, written out as the curve is defined.
double multi_target(double gy, double d0, double n) {
  return 1.0 - std::pow(1.0 - std::exp(-gy / d0), n);
}

TreatmentConfig radiation_only(double repair_half_time_hours) {
  TreatmentConfig c;
  c.radiation.repair_half_time_hours = repair_half_time_hours;
  c.radiation.type = {{kD0, kN}};
  return c;
}

TEST(Irradiation, SingleDoseFollowsTheMultiTargetCurve) {
  const Treatment t(radiation_only(1.5), 1, 0, 0, 70);
  for (const double d : {0.5, 1.0, 2.0, 4.0, 6.0, 8.0}) {
    const double s = t.radiation_survival({{0.0, d}}, kD0, kN);
    std::printf("%.1f Gy: S = %.6g (formula %.6g)\n", d, s, multi_target(d, kD0, kN));
    EXPECT_NEAR(s, multi_target(d, kD0, kN), 1e-12 * multi_target(d, kD0, kN)) << d << " Gy";
  }
}

// The same curve without cancellation where S is small: 1 - (1 - e)^n = sum_k>=1 of
// -C(n, k) (-e)^k, e = exp(-D / D0), a fast series for e <= 0.1.
double multi_target_series(double gy, double d0, double n) {
  const double e = std::exp(-gy / d0);
  if (e > 0.1) return multi_target(gy, d0, n);
  double term = n * e, sum = 0;
  for (int k = 1; k < 200 && term != 0; ++k) {
    sum += term;
    term *= -(n - k) / (k + 1) * e;
  }
  return sum;
}

TEST(Irradiation, LargeDosesHaveAFiniteFinalSlope) {
  const Treatment t(radiation_only(1.5), 1, 0, 0, 70);
  for (const double n : {1.0, 1.5, 3.0, 7.0, 20.0})
    for (const double d0 : {0.6, 0.8, 1.25, 25.0}) {
      double previous = 1;
      for (double d = 0.25; d <= 100.0; d += 0.25) {
        const double s = t.radiation_survival({{0.0, d}}, d0, n);
        ASSERT_TRUE(std::isfinite(s) && s > 0) << "n " << n << ", D0 " << d0 << ", " << d << " Gy";
        EXPECT_LE(s, previous);
        previous = s;
        EXPECT_NEAR(s, multi_target_series(d, d0, n), 1e-12 * s) << n << ", " << d0 << ", " << d;
        // Far down the curve S = n exp(-D / D0) (1 + O(n exp(-D / D0))): the final slope.
        if (d / d0 > 40) {
          EXPECT_NEAR(std::log(s), std::log(n) - d / d0, 1e-12 * d / d0);
        }
      }
    }
  // The kill of a fraction given on top of unrepaired dose is a difference of two large log
  // survivals: 99 Gy and 1 Gy together are 100 Gy at once.
  const double together = t.radiation_survival({{0.0, 99.0}, {0.0, 1.0}}, 0.6, 20);
  EXPECT_NEAR(std::log(together), std::log(20.0) - 100.0 / 0.6, 1e-9 * 100.0 / 0.6);
  // A small dose kills little, accurately: 1 - S = (D / D0)^n to leading order.
  const double tiny = 1e-3;
  EXPECT_NEAR(1 - t.radiation_survival({{0.0, tiny}}, kD0, kN), std::pow(tiny / kD0, 3),
              1e-2 * std::pow(tiny / kD0, 3));
}

TEST(Irradiation, FractionsFarApartMultiplySingleDoseSurvivals) {
  const Treatment t(radiation_only(1.5), 1, 0, 0, 70);
  // Ten days apart: exp(-mu 240 h) = 2^-160, the first fraction's damage is all repaired.
  const double apart = t.radiation_survival({{0.0, 2.0}, {240.0, 3.0}}, kD0, kN);
  const double product = multi_target(2.0, kD0, kN) * multi_target(3.0, kD0, kN);
  std::printf("2 Gy and 3 Gy 10 days apart: S = %.6g, product of single doses %.6g\n", apart,
              product);
  EXPECT_NEAR(apart, product, 1e-12 * product);
}

TEST(Irradiation, FractionsGivenTogetherActAsTheirSummedDose) {
  const Treatment t(radiation_only(1.5), 1, 0, 0, 70);
  const double two = t.radiation_survival({{0.0, 2.0}, {0.0, 2.0}}, kD0, kN);
  const double three = t.radiation_survival({{5.0, 1.0}, {5.0, 2.0}, {5.0, 3.0}}, kD0, kN);
  std::printf("2 + 2 Gy together: S = %.6g (4 Gy %.6g); 1 + 2 + 3 Gy: %.6g (6 Gy %.6g)\n", two,
              multi_target(4.0, kD0, kN), three, multi_target(6.0, kD0, kN));
  EXPECT_NEAR(two, multi_target(4.0, kD0, kN), 1e-12 * two);
  EXPECT_NEAR(three, multi_target(6.0, kD0, kN), 1e-12 * three);
}

TEST(Irradiation, FractionatedMyeloablativeDoseSparesCells) {
  const Treatment t(radiation_only(1.5), 1, 0, 0, 70);
  std::vector<std::pair<double, double>> six;
  for (int i = 0; i < 6; ++i) six.emplace_back(12.0 * i, 2.0);
  const double fractionated = t.radiation_survival(six, kD0, kN);
  const double once = t.radiation_survival({{0.0, 12.0}}, kD0, kN);
  const double repaired = std::pow(multi_target(2.0, kD0, kN), 6);
  std::printf("6 x 2 Gy 12 h apart: S = %.4g; fully repaired %.4g; 12 Gy at once %.4g\n",
              fractionated, repaired, once);
  // Each fraction meets the shoulder again: two orders of magnitude more survivors.
  EXPECT_GT(fractionated, 100 * once);
  // 12 h is eight repair half-times: close to, and just below, full repair.
  EXPECT_LT(fractionated, repaired);
  EXPECT_GT(fractionated, 0.9 * repaired);
  // Partial repair lies in between, closer to full repair the longer the gap.
  const double three_h = t.radiation_survival({{0.0, 2.0}, {3.0, 2.0}}, kD0, kN);
  const double six_h = t.radiation_survival({{0.0, 2.0}, {6.0, 2.0}}, kD0, kN);
  const double together = multi_target(4.0, kD0, kN);
  const double full = std::pow(multi_target(2.0, kD0, kN), 2);
  EXPECT_LT(together, three_h);
  EXPECT_LT(three_h, six_h);
  EXPECT_LT(six_h, full);
  // Two fractions 3 h apart: the second acts on D' = 2 Gy exp(-mu 3 h) = 0.5 Gy.
  const double unrepaired = 2.0 * std::exp(-std::log(2.0) / 1.5 * 3.0);
  EXPECT_NEAR(three_h,
              multi_target(2.0, kD0, kN) * multi_target(unrepaired + 2.0, kD0, kN) /
                  multi_target(unrepaired, kD0, kN),
              1e-12 * three_h);
}

TEST(Irradiation, EffectsActOnlyInTheStepOfTheFraction) {
  TreatmentConfig c = radiation_only(1.5);
  c.schedule.push_back(make_event(
      "irradiation", 1, {{"dose_gy", 4.0}, {"fractions", 2}, {"interval_hours", 6.0}}, c));
  const Treatment t(c, 1, 0, 0, 70);
  EXPECT_FALSE(t.effects(23.0, 1.0, false).any_agents);
  const StepEffects first = t.effects(24.0, 1.0, false);
  ASSERT_TRUE(first.any_agents);
  EXPECT_NEAR(first.survival(0, false, false), multi_target(2.0, kD0, kN), 1e-12);
  EXPECT_EQ(first.survival(0, true, true), first.survival(0, false, false));
  EXPECT_FALSE(t.effects(25.0, 1.0, false).any_agents);
  const double second = t.effects(30.0, 1.0, false).survival(0, false, false);
  EXPECT_NEAR(first.survival(0, false, false) * second,
              t.radiation_survival({{24.0, 2.0}, {30.0, 2.0}}, kD0, kN), 1e-12);
}

TEST(Irradiation, PresetKeepsTheLymphocyteAndStromalKillPerFraction) {
  const Scenario sc = load_scenario("", {}).scenario;
  const RadiationConfig& r = sc.treatment.radiation;
  const int lt = sc.graph.type_index("LT_HSC");
  ASSERT_GE(lt, 0);
  EXPECT_EQ(r.type[lt].d0_gy, 0.8);
  EXPECT_EQ(r.type[lt].extrapolation_number, 3.0);
  for (const RadiationResponse& c : r.compartment) EXPECT_EQ(c.d0_gy, 0.8);
  const Treatment t(sc.treatment, sc.graph.type_count(), sc.graph.compartment_count(),
                    static_cast<int>(sc.blood.size()), sc.organism.weight_kg);
  const RadiationResponse& im = r.immunity;
  EXPECT_NEAR(t.radiation_survival({{0.0, 2.0}}, im.d0_gy, im.extrapolation_number), std::exp(-1.6),
              1e-12);
  const RadiationResponse& st = r.stroma;
  EXPECT_NEAR(t.radiation_survival({{0.0, 2.0}}, st.d0_gy, st.extrapolation_number),
              std::exp(-0.08), 1e-12);
  // Blood pools not named are not killed; lymphocytes are.
  for (size_t p = 0; p < sc.blood.size(); ++p)
    EXPECT_EQ(std::isinf(r.pool[p].d0_gy), sc.blood[p].name != "lymphocytes") << sc.blood[p].name;
}

TEST(Chemotherapy, CyclingOnlyDrugSparesQuiescentCellsAndFollowsItsExposure) {
  TreatmentConfig c;
  c.radiation.type = {RadiationResponse{}};  // not killed by radiation
  DrugConfig d;
  d.name = "fu";
  d.half_life_hours = 2;
  d.ec50_mg_per_kg = 5;
  d.kill_per_hour = 0.75;
  d.cycling_only = true;
  d.sensitivity.type = {1.0};
  c.drugs.push_back(d);
  c.schedule.push_back(
      make_event("chemotherapy", 0, {{"drug", std::string(d.name)}, {"dose_mg_per_kg", 15.0}}, c));
  const Treatment t(c, 1, 0, 0, 70);
  // Summed over fine steps, -ln survival approaches the closed-form exposure
  // kill * ln(1 + C0 / EC50) / k.
  double log_survival = 0;
  for (double h = 0; h < 200; h += 0.05) {
    const StepEffects fx = t.effects(h, 0.05, false);
    EXPECT_EQ(fx.survival(0, true, false), 1.0);
    log_survival += std::log(fx.survival(0, false, false));
  }
  const double expected = 0.75 * std::log1p(15.0 / 5.0) / (std::log(2.0) / 2.0);
  EXPECT_NEAR(-log_survival, expected, 1e-3 * expected);
}

TEST(Cytokine, MultipliesItsHormoneWhileGiven) {
  TreatmentConfig c;
  c.schedule.push_back(make_event(
      "cytokine", 1, {{"hormone", std::string("G-CSF")}, {"factor", 2.5}, {"duration_days", 3.0}},
      c, {"G-CSF", "EPO"}));
  const Treatment t(c, 0, 0, 0, 70);
  EXPECT_EQ(t.cytokine("G-CSF", 23.0), 1.0);
  EXPECT_EQ(t.cytokine("G-CSF", 24.0), 2.5);
  EXPECT_EQ(t.cytokine("G-CSF", 95.0), 2.5);
  EXPECT_EQ(t.cytokine("G-CSF", 96.0), 1.0);
  EXPECT_EQ(t.cytokine("EPO", 48.0), 1.0);
}

TEST(Stroma, DamageRecoversWithItsTimeConstant) {
  TreatmentConfig c = radiation_only(1.5);
  c.radiation.stroma = {10.0, 1.0};
  c.stroma.recovery_days = 10;
  c.schedule.push_back(make_event("irradiation", 0, {{"dose_gy", 5.0}}, c));
  const Treatment t(c, 1, 0, 0, 70);
  const double damage = 1 - std::exp(-0.5);
  EXPECT_NEAR(t.stroma(0.0), 1 - damage, 1e-12);
  EXPECT_NEAR(t.stroma(240.0), 1 - damage * std::exp(-1.0), 1e-12);
  EXPECT_EQ(t.stroma(-1.0), 1.0);
}

// The small human section of the simulation tests, with every rate 0 so that only the
// treatment acts in a step.
std::vector<std::string> frozen(std::vector<std::string> extra) {
  std::vector<std::string> o = {"lattice.size=[96, 96]",      "lattice.block=16",
                                "lattice.calendar_window=64", "run.days=4",
                                "run.spin_up_days=0",         "types.LT_HSC.initial=50",
                                "types.ST_HSC.initial=30",    "types.MPP.initial=45",
                                "types.CMP.initial=100",      "types.CLP.initial=30",
                                "types.GMP.initial=220",      "types.MEP.initial=150",
                                "types.EryP.initial=550",     "types.MyP.initial=1150",
                                "types.MkP.initial=230",      "types.LyP.initial=110",
                                "regeneration.gain=0"};
  for (const char* t :
       {"LT_HSC", "ST_HSC", "MPP", "CMP", "CLP", "GMP", "MEP", "EryP", "MyP", "MkP", "LyP"})
    for (const char* k : {"division_per_day", "migration_per_day", "quiescence_exit_per_day",
                          "quiescence_entry_per_day"}) {
      o.push_back(std::string("types.") + t + "." + k + "=0");
      o.push_back(std::string("types.") + t + ".niche." + k + "=0");
    }
  o.insert(o.end(), extra.begin(), extra.end());
  return o;
}

TEST(Irradiation, SimulatedSurvivorsMatchTheMultiTargetCurve) {
  set_threads(1);
  // Ten times the agents of the small section on a lattice large enough for them: 6 Gy leaves
  // 0.17 % of ~27,000 agents, some 45.
  std::vector<std::string> more = {"lattice.size=[320, 320]"};
  for (const auto& [type, initial] : std::vector<std::pair<const char*, int>>{{"LT_HSC", 500},
                                                                              {"ST_HSC", 300},
                                                                              {"MPP", 450},
                                                                              {"CMP", 1000},
                                                                              {"CLP", 300},
                                                                              {"GMP", 2200},
                                                                              {"MEP", 1500},
                                                                              {"EryP", 5500},
                                                                              {"MyP", 11500},
                                                                              {"MkP", 2300},
                                                                              {"LyP", 1100}})
    more.push_back(std::string("types.") + type + ".initial=" + std::to_string(initial));
  for (const double dose : {1.0, 2.0, 4.0, 6.0}) {
    std::vector<std::string> set = more;
    set.insert(set.end(), {"schedule.tbi.day=0", "schedule.tbi.kind=irradiation",
                           "schedule.tbi.dose_gy=" + std::to_string(dose)});
    Simulation sim(load_scenario("", frozen(set)).scenario);
    sim.spin_up();
    // Only the agents present just before the dose count.
    std::set<uint32_t> before;
    for (const AgentRecord& a : sim.agents()) before.insert(a.clone);
    sim.step();
    int64_t survivors = 0;
    for (const AgentRecord& a : sim.agents()) survivors += before.count(a.clone);
    const double n = static_cast<double>(before.size());
    const double p = multi_target(dose, kD0, kN);
    const double sd = std::sqrt(n * p * (1 - p));
    std::printf("%.0f Gy: %lld of %.0f agents survive, expected %.1f +- %.1f (S = %.4g)\n", dose,
                static_cast<long long>(survivors), n, n * p, sd, p);
    EXPECT_NEAR(static_cast<double>(survivors), n * p, 4 * sd) << dose << " Gy";
  }
}

TEST(Chemotherapy, QuiescentStemCellsSurviveACyclingOnlyDrug) {
  set_threads(1);
  Simulation sim(
      load_scenario("", frozen({"schedule.fu.day=0", "schedule.fu.kind=chemotherapy",
                                "schedule.fu.drug=fluorouracil", "schedule.fu.dose_mg_per_kg=15"}))
          .scenario);
  sim.spin_up();
  const int myp = sim.scenario().graph.type_index("MyP");
  auto count = [&] {
    int64_t q = 0, cycling_myp = 0;
    for (const AgentRecord& a : sim.agents()) {
      q += (a.flags & kQuiescent) != 0;
      cycling_myp += a.type == myp && !(a.flags & kQuiescent);
    }
    return std::make_pair(q, cycling_myp);
  };
  const auto before = count();
  for (int s = 0; s < 48; ++s) sim.step();
  const auto after = count();
  EXPECT_GT(before.first, 0);
  EXPECT_EQ(after.first, before.first);
  // Cycling MyP (sensitivity 1): 15 mg/kg gives -ln S = 0.75 ln(4) / (ln 2 / 2 h) = 3.0.
  EXPECT_GT(before.second, 1000);
  const double p = std::exp(-0.75 * std::log(4.0) / (std::log(2.0) / 2.0));
  EXPECT_NEAR(static_cast<double>(after.second), before.second * p,
              4 * std::sqrt(before.second * p) + 1);
}

TEST(Transplant, InfusedAgentsMatchTheDoseAndCarryTheirOwnClones) {
  set_threads(1);
  const Scenario sc =
      load_scenario(
          "", frozen({"schedule.graft.day=0", "schedule.graft.kind=transplant",
                      "schedule.graft.source=peripheral_blood", "schedule.graft.cd34_per_kg=5e7",
                      "schedule.graft.donor=allogeneic",
                      "schedule.graft.gene_modified_fraction=0.25", "immunology.gvh_per_day=0"}))
          .scenario;
  Simulation sim(sc);
  sim.spin_up();
  const size_t host = sim.agents().size();
  sim.step();
  const auto agents = sim.agents();
  double expected = 0;
  const GraftSourceConfig& src = sc.treatment.sources[2];
  ASSERT_EQ(src.name, "peripheral_blood");
  for (const double per : src.per_cd34)
    expected +=
        5e7 * sc.organism.weight_kg * per * sim.represented_fraction() * src.homing_efficiency;
  std::set<uint32_t> clones;
  int64_t donor = 0, marked = 0;
  for (const AgentRecord& a : agents) {
    if (a.origin != kDonor) continue;
    ++donor;
    marked += (a.flags & kGeneModified) != 0;
    EXPECT_TRUE(a.clone & 0x80000000u);
    clones.insert(a.clone);
  }
  EXPECT_EQ(agents.size() - host, static_cast<size_t>(donor));
  EXPECT_EQ(clones.size(), static_cast<size_t>(donor));
  // Stochastic rounding per type: the count is within a few units of the expectation.
  EXPECT_NEAR(static_cast<double>(donor), expected, 6.0);
  const double sd = std::sqrt(donor * 0.25 * 0.75);
  EXPECT_NEAR(static_cast<double>(marked), 0.25 * donor, 4 * sd);
}

TEST(Transplant, SyngeneicGraftIsDonorOriginWithoutAlloimmunity) {
  set_threads(1);
  auto graft = [](const char* donor) {
    return load_scenario("", frozen({"schedule.graft.day=0", "schedule.graft.kind=transplant",
                                     "schedule.graft.source=peripheral_blood",
                                     "schedule.graft.cd34_per_kg=5e7",
                                     std::string("schedule.graft.donor=") + donor}))
        .scenario;
  };
  const Scenario sc = graft("syngeneic");
  // The preset's alloimmunity is on: only the donor kind keeps it from acting.
  ASSERT_GT(sc.treatment.immunology.rejection_per_day, 0);
  ASSERT_GT(sc.treatment.immunology.gvh_per_day, 0);
  Simulation sim(sc);
  sim.spin_up();
  const size_t host = sim.agents().size();
  sim.step();
  int64_t donor = 0;
  for (const AgentRecord& a : sim.agents()) donor += a.origin == kDonor;
  std::printf("syngeneic graft: %lld donor-origin agents beside %zu host agents\n",
              static_cast<long long>(donor), host);
  EXPECT_GT(donor, 0);
  EXPECT_EQ(sim.agents().size() - host, static_cast<size_t>(donor));
  const Treatment& t = sim.treatment();
  EXPECT_TRUE(t.any_transplant());
  EXPECT_FALSE(t.allogeneic());
  for (int day = 1; day <= 60; ++day) {
    const double h = 24.0 * day;
    EXPECT_EQ(t.immunity(h), 1.0) << "day " << day;
    EXPECT_FALSE(t.effects(h, sc.run.dt_hours, true).any_agents) << "day " << day;
  }
  // The same graft from an allogeneic donor is rejected from the first day on.
  const Scenario allo = graft("allogeneic");
  const Treatment a(allo.treatment, allo.graph.type_count(), allo.graph.compartment_count(),
                    static_cast<int>(allo.blood.size()), allo.organism.weight_kg);
  EXPECT_LT(a.effects(24.0, allo.run.dt_hours, true).survival(0, false, true), 1.0);
}

TEST(Transplant, ConditioningAndGraftAreIdenticalAtOneAndTwoThreads) {
  const std::vector<std::string> set = {"lattice.size=[96, 96]",
                                        "lattice.block=16",
                                        "run.spin_up_days=2",
                                        "types.LT_HSC.initial=50",
                                        "types.ST_HSC.initial=30",
                                        "types.MPP.initial=45",
                                        "types.CMP.initial=100",
                                        "types.CLP.initial=30",
                                        "types.GMP.initial=220",
                                        "types.MEP.initial=150",
                                        "types.EryP.initial=550",
                                        "types.MyP.initial=1150",
                                        "types.MkP.initial=230",
                                        "types.LyP.initial=110",
                                        "regimen=myeloablative",
                                        "schedule.graft.day=0",
                                        "schedule.graft.kind=transplant",
                                        "schedule.graft.source=peripheral_blood",
                                        "schedule.graft.cd34_per_kg=1e8",
                                        "schedule.graft.donor=allogeneic"};
  std::vector<std::vector<AgentRecord>> result;
  for (const int threads : {1, 2}) {
    set_threads(threads);
    Simulation sim(load_scenario("", set).scenario);
    sim.spin_up();
    EXPECT_EQ(sim.start_day(), -6.0);
    const int64_t total = sim.steps_until(6.0);
    while (sim.elapsed_steps() < total) sim.step();
    result.push_back(sim.agents());
  }
  set_threads(1);
  ASSERT_EQ(result[0].size(), result[1].size());
  int64_t donor = 0;
  for (size_t i = 0; i < result[0].size(); ++i) {
    EXPECT_EQ(result[0][i].site, result[1][i].site);
    EXPECT_EQ(result[0][i].clone, result[1][i].clone);
    EXPECT_EQ(result[0][i].next_step, result[1][i].next_step);
    donor += result[0][i].origin == kDonor;
  }
  EXPECT_GT(donor, 0);
}

}  // namespace
}  // namespace marrow

namespace marrow {
namespace {

// Homing: stem cells infused next to sinusoids reach free arteriolar niches by a random walk
// biased up the CXCL12 gradient (arterioles its only source here); the median time is reported.
TEST(Homing, InfusedStemCellsReachFreeNiches) {
  set_threads(1);
  std::vector<std::string> set = {"lattice.size=[64, 64]",
                                  "lattice.block=16",
                                  "run.spin_up_days=0",
                                  "geometry.generator=\"straight\"",
                                  "geometry.sinusoid_width=2",
                                  "geometry.stem_cell_niche_fraction=1",
                                  "geometry.stem_cell_niche_patch=1",
                                  "geometry.sinusoids=2",
                                  "geometry.arterioles=2",
                                  "geometry.stem_cell_niches=[\"arteriolar\"]",
                                  "fields.CXCL12.source_sinusoidal=0",
                                  "fields.CXCL12.source_endosteal=0",
                                  "regeneration.gain=0",
                                  "types.LT_HSC.initial=4",
                                  "types.LT_HSC.division_per_day=0",
                                  "types.LT_HSC.quiescence_entry_per_day=0",
                                  "types.LT_HSC.niche.quiescence_entry_per_day=0",
                                  "schedule.graft.day=0",
                                  "schedule.graft.kind=transplant",
                                  "schedule.graft.source=bone_marrow",
                                  "schedule.graft.cd34_per_kg=2e7",
                                  "organism.hsc_total=100",
                                  "schedule.graft.donor=allogeneic",
                                  "immunology.gvh_per_day=0",
                                  "immunology.rejection_per_day=0"};
  // A graft of stem cells only (the table is taken whole from the layer that sets it).
  set.push_back("grafts.bone_marrow.per_cd34={LT_HSC=1.37e-5}");
  for (const char* t : {"ST_HSC", "MPP", "CMP", "CLP", "GMP", "MEP", "EryP", "MyP", "MkP", "LyP"})
    set.push_back(std::string("types.") + t + ".initial=0");
  const Scenario sc = load_scenario("", set).scenario;
  Simulation sim(sc);
  sim.spin_up();
  sim.step();  // the graft arrives
  std::vector<double> homed_at;
  std::set<uint32_t> infused, homed;
  for (const AgentRecord& a : sim.agents())
    if (a.origin == kDonor) infused.insert(a.clone);
  ASSERT_GE(infused.size(), 20u) << "too few infused stem cells for a median";
  const int per_day = 24;
  for (int step = 1; step <= 120 * per_day && homed.size() < infused.size(); ++step) {
    for (const AgentRecord& a : sim.agents())
      if (a.origin == kDonor && sim.niche_support()[a.site] && homed.insert(a.clone).second)
        homed_at.push_back(static_cast<double>(step) / per_day);
    sim.step();
  }
  std::sort(homed_at.begin(), homed_at.end());
  const double share = static_cast<double>(homed.size()) / static_cast<double>(infused.size());
  const double median = homed_at.empty() ? NAN : homed_at[homed_at.size() / 2];
  RecordProperty("median_homing_days", std::to_string(median));
  std::printf(
      "%zu stem cells infused, %.0f %% reached a free niche within 120 days, median %.2f d\n",
      infused.size(), 100 * share, median);
  // Straight vessels cross the whole section and cut it into strips: cells entering a strip
  // without an arteriole have no niche to reach (here about 1 in 10).
  EXPECT_GT(share, 0.75);
  EXPECT_LT(median, 30.0);
}

}  // namespace
}  // namespace marrow

namespace marrow {
namespace {

// Egress: each day a stem cell leaves for the blood with probability 1 - exp(-egress_per_day)
// and homes back to a free marrow site beside a sinusoid.
TEST(Egress, StemCellsLeaveAtTheDailyFractionAndHomeBesideSinusoids) {
  set_threads(1);
  Simulation sim(load_scenario("", frozen({"types.LT_HSC.initial=400", "types.MyP.initial=300",
                                           "types.LT_HSC.egress_per_day=0.05"}))
                     .scenario);
  sim.spin_up();
  const int lt = sim.scenario().graph.type_index("LT_HSC");
  std::map<uint32_t, SiteId> before;
  for (const AgentRecord& a : sim.agents())
    if (a.type == lt) before[a.clone] = a.site;
  sim.step();  // the day's egress
  int64_t moved = 0;
  const Lattice& lat = sim.lattice();
  for (const AgentRecord& a : sim.agents()) {
    if (a.type != lt || before.at(a.clone) == a.site) continue;
    ++moved;
    bool by_sinusoid = false;
    for (const auto d : lat.deltas()) by_sinusoid |= sim.geometry().kind[a.site + d] == kSinusoid;
    EXPECT_TRUE(by_sinusoid) << "clone " << a.clone << " homed away from the sinusoids";
  }
  const double n = static_cast<double>(before.size());
  const double p = -std::expm1(-0.05);
  std::printf("%lld of %.0f stem cells left and homed back beside a sinusoid (expected %.1f)\n",
              static_cast<long long>(moved), n, n * p);
  EXPECT_NEAR(static_cast<double>(moved), n * p, 4 * std::sqrt(n * p * (1 - p)))
      << moved << " of " << n << " stem cells moved";
  // Nothing moves on the steps between the daily ones.
  std::map<uint32_t, SiteId> after;
  for (const AgentRecord& a : sim.agents()) after[a.clone] = a.site;
  sim.step();
  for (const AgentRecord& a : sim.agents()) EXPECT_EQ(after.at(a.clone), a.site);
}

}  // namespace
}  // namespace marrow
