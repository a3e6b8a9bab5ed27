// Conditioning and transplantation: linear-quadratic survival with repair between fractions,
// drug exposure, cell kill in the simulation against its expected binomial spread, grafts,
// and thread independence of a transplant run.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "io/scenario.hpp"
#include "model/simulation.hpp"
#include "model/treatment.hpp"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace marrow {
namespace {

TreatmentConfig radiation_only(double repair_half_time_hours) {
  TreatmentConfig c;
  c.radiation.repair_half_time_hours = repair_half_time_hours;
  c.radiation.alpha.type = {0.2};
  c.radiation.beta.type = {0.25};
  c.radiation.alpha.compartment = c.radiation.beta.compartment = {};
  c.radiation.alpha.pool = c.radiation.beta.pool = {};
  return c;
}

TEST(Irradiation, SingleFractionFollowsTheLinearQuadraticFormula) {
  const Treatment t(radiation_only(1.5), 1, 0, 0, 70);
  for (const double d : {0.5, 1.0, 2.0, 4.0, 8.0})
    EXPECT_NEAR(t.radiation_survival({{0.0, d}}, 0.2, 0.25), std::exp(-(0.2 * d + 0.25 * d * d)),
                1e-12);
}

TEST(Irradiation, FractionsBeyondTheRepairTimeSpareCells) {
  const Treatment t(radiation_only(1.5), 1, 0, 0, 70);
  const double once = t.radiation_survival({{0.0, 4.0}}, 0.2, 0.25);
  const double apart = t.radiation_survival({{0.0, 2.0}, {24.0, 2.0}}, 0.2, 0.25);
  const double together = t.radiation_survival({{0.0, 2.0}, {0.0, 2.0}}, 0.2, 0.25);
  // Complete repair: the product of two independent 2 Gy survivals (exp(-mu 24 h) ~ 1.5e-5).
  EXPECT_NEAR(apart, std::pow(std::exp(-(0.2 * 2 + 0.25 * 4)), 2), 1e-4 * apart);
  // No time to repair: exactly the single 4 Gy dose.
  EXPECT_NEAR(together, once, 1e-12);
  EXPECT_GT(apart, 5 * once);
  // Partial repair lies in between, closer to full repair the longer the gap.
  const double three_h = t.radiation_survival({{0.0, 2.0}, {3.0, 2.0}}, 0.2, 0.25);
  const double six_h = t.radiation_survival({{0.0, 2.0}, {6.0, 2.0}}, 0.2, 0.25);
  EXPECT_LT(once, three_h);
  EXPECT_LT(three_h, six_h);
  EXPECT_LT(six_h, apart);
  // Lea-Catcheside factor for two fractions 3 h apart: the cross term 2 d1 d2 exp(-mu dt).
  const double mu = std::log(2.0) / 1.5;
  EXPECT_NEAR(three_h, std::exp(-(0.2 * 4 + 0.25 * (4 + 4 + 2 * 2 * 2 * std::exp(-mu * 3.0)))),
              1e-12);
}

TEST(Irradiation, EffectsActOnlyInTheStepOfTheFraction) {
  TreatmentConfig c = radiation_only(1.5);
  TreatmentEvent e;
  e.kind = EventKind::kIrradiation;
  e.day = 1;
  e.dose_gy = 4;
  e.repeats = 2;
  e.interval_hours = 6;
  c.schedule.push_back(e);
  const Treatment t(c, 1, 0, 0, 70);
  EXPECT_FALSE(t.effects(23.0, 1.0, false).any_agents);
  const StepEffects first = t.effects(24.0, 1.0, false);
  ASSERT_TRUE(first.any_agents);
  EXPECT_NEAR(first.survival(0, false, false), std::exp(-(0.4 + 1.0)), 1e-12);
  EXPECT_EQ(first.survival(0, true, true), first.survival(0, false, false));
  EXPECT_FALSE(t.effects(25.0, 1.0, false).any_agents);
  const double second = t.effects(30.0, 1.0, false).survival(0, false, false);
  EXPECT_NEAR(first.survival(0, false, false) * second,
              t.radiation_survival({{24.0, 2.0}, {30.0, 2.0}}, 0.2, 0.25), 1e-12);
}

TEST(Chemotherapy, CyclingOnlyDrugSparesQuiescentCellsAndFollowsItsExposure) {
  TreatmentConfig c;
  c.radiation.repair_half_time_hours = 1.5;
  c.radiation.alpha.type = c.radiation.beta.type = {0.0};
  DrugConfig d;
  d.name = "fu";
  d.half_life_hours = 2;
  d.ec50_mg_per_kg = 5;
  d.kill_per_hour = 0.75;
  d.cycling_only = true;
  d.sensitivity.type = {1.0};
  c.drugs.push_back(d);
  TreatmentEvent e;
  e.kind = EventKind::kChemotherapy;
  e.drug = 0;
  e.dose_mg_per_kg = 15;
  c.schedule.push_back(e);
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
  TreatmentEvent e;
  e.kind = EventKind::kCytokine;
  e.hormone = "G-CSF";
  e.factor = 2.5;
  e.day = 1;
  e.duration_days = 3;
  c.schedule.push_back(e);
  const Treatment t(c, 0, 0, 0, 70);
  EXPECT_EQ(t.cytokine("G-CSF", 23.0), 1.0);
  EXPECT_EQ(t.cytokine("G-CSF", 24.0), 2.5);
  EXPECT_EQ(t.cytokine("G-CSF", 95.0), 2.5);
  EXPECT_EQ(t.cytokine("G-CSF", 96.0), 1.0);
  EXPECT_EQ(t.cytokine("EPO", 48.0), 1.0);
}

TEST(Stroma, DamageRecoversWithItsTimeConstant) {
  TreatmentConfig c = radiation_only(1.5);
  c.radiation.alpha.stroma = 0.1;
  c.radiation.beta.stroma = 0.0;
  c.stroma.recovery_days = 10;
  TreatmentEvent e;
  e.kind = EventKind::kIrradiation;
  e.dose_gy = 5;
  c.schedule.push_back(e);
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

TEST(Irradiation, SimulatedSurvivorsMatchTheExpectedFraction) {
#ifdef _OPENMP
  omp_set_num_threads(1);
#endif
  Simulation sim(load_scenario("", frozen({"schedule.tbi.day=0", "schedule.tbi.kind=irradiation",
                                           "schedule.tbi.dose_gy=2"}))
                     .scenario);
  sim.spin_up();
  const double n = static_cast<double>(sim.agents().size());
  sim.step();
  const double survivors = static_cast<double>(sim.agents().size());
  const double p = std::exp(-(0.2 * 2 + 0.25 * 4));  // the preset's stem/progenitor LQ
  const double sd = std::sqrt(n * p * (1 - p));
  EXPECT_NEAR(survivors, n * p, 4 * sd) << n << " agents, p " << p;
}

TEST(Chemotherapy, QuiescentStemCellsSurviveACyclingOnlyDrug) {
#ifdef _OPENMP
  omp_set_num_threads(1);
#endif
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
#ifdef _OPENMP
  omp_set_num_threads(1);
#endif
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
#ifdef _OPENMP
    omp_set_num_threads(threads);
#endif
    Simulation sim(load_scenario("", set).scenario);
    sim.spin_up();
    EXPECT_EQ(sim.start_day(), -6.0);
    const int64_t total = sim.steps_until(6.0);
    while (sim.elapsed_steps() < total) sim.step();
    result.push_back(sim.agents());
  }
#ifdef _OPENMP
  omp_set_num_threads(1);
#endif
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
#ifdef _OPENMP
  omp_set_num_threads(1);
#endif
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
#ifdef _OPENMP
  omp_set_num_threads(1);
#endif
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
