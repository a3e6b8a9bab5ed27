// Regulation of the stem-cell pool: stem cells on niche sites sense the vacancy of the working
// niches in their tile, activate, refill the pool, and return to dormancy once it is full.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "core/parallel.hpp"
#include "io/scenario.hpp"
#include "model/simulation.hpp"

namespace marrow {
namespace {

class Regulation : public ::testing::Test {
 protected:
  void SetUp() override {
    saved_ = threads();
    set_threads(1);
  }
  void TearDown() override { set_threads(saved_); }
  int saved_ = 1;
};

// The human preset on a 128 x 128 section with every sinusoid contact holding niche stroma.
std::vector<std::string> section(int lt, std::vector<std::string> extra = {}) {
  std::vector<std::string> o = {"lattice.size=[128, 128]", "lattice.block=16",
                                "geometry.stem_cell_niche_fraction=1",
                                "types.LT_HSC.initial=" + std::to_string(lt)};
  for (const char* t : {"ST_HSC", "MPP", "CMP", "CLP", "GMP", "MEP", "EryP", "MyP", "MkP", "LyP"})
    o.push_back(std::string("types.") + t + ".initial=0");
  o.insert(o.end(), extra.begin(), extra.end());
  return o;
}

int tile_of(const Lattice& l, SiteId s, int edge) {
  const Coord c = l.coord(s);
  return (c.y / edge) * ((l.nx() + edge - 1) / edge) + c.x / edge;
}

TEST_F(Regulation, StemCellsSenseTheVacancyOfTheNichesAroundThem) {
  const Scenario sc = load_scenario("", section(1)).scenario;
  Simulation sim(sc);
  const Lattice& l = sim.lattice();
  const RegenerationConfig& r = sc.treatment.regeneration;
  const int edge = static_cast<int>(std::lround(r.niche_sensing_um / sc.lattice.site_um));
  const int tx = (l.nx() + edge - 1) / edge;
  std::map<int, std::vector<SiteId>> tiles;
  for (SiteId s = 0; s < sim.niche_support().size(); ++s)
    if (sim.niche_support()[s]) tiles[tile_of(l, s, edge)].push_back(s);
  // Niche sites in a tile and the 8 around it.
  auto area = [&](int t) {
    std::vector<SiteId> out;
    for (int dy = -1; dy <= 1; ++dy)
      for (int dx = -1; dx <= 1; ++dx) {
        const int x = t % tx + dx, y = t / tx + dy;
        if (x < 0 || y < 0 || x >= tx || y >= (l.ny() + edge - 1) / edge) continue;
        const auto it = tiles.find(y * tx + x);
        if (it != tiles.end()) out.insert(out.end(), it->second.begin(), it->second.end());
      }
    return out;
  };
  // Two areas that do not overlap: one filled with stem cells, one holding a single one.
  int full = -1, sparse = -1;
  size_t best = 0;
  for (const auto& [t, sites] : tiles)
    if (area(t).size() > best) best = area(t).size(), full = t;
  best = 0;
  for (const auto& [t, sites] : tiles) {
    const int fx = full % tx, fy = full / tx, x = t % tx, y = t / tx;
    if (std::abs(x - fx) < 3 && std::abs(y - fy) < 3) continue;
    if (area(t).size() > best) best = area(t).size(), sparse = t;
  }
  ASSERT_GE(full, 0);
  ASSERT_GE(sparse, 0);
  const std::vector<SiteId> filled = area(full), lone = area(sparse);
  ASSERT_GE(lone.size(), 8u);
  std::vector<AgentRecord> agents;
  for (const SiteId s : filled) agents.push_back({s, 0, kHost, kQuiescent, 0, 1, kNeverStep});
  const SiteId alone = tiles[sparse][0];
  agents.push_back({alone, 0, kHost, kQuiescent, 0, 2, kNeverStep});
  std::sort(agents.begin(), agents.end(),
            [](const AgentRecord& a, const AgentRecord& b) { return a.site < b.site; });
  sim.restore(0, 0, agents, sim.blood().state());
  // Every stem cell counts towards the cellularity reference (the initial count is 1), so only
  // the vacancy of the niches activates.
  EXPECT_DOUBLE_EQ(sim.stem_activation_at(tiles[full][0]), 1.0);
  const double rho = 1.0 / static_cast<double>(lone.size());
  const double expected = std::min(r.cap, std::pow(r.niche_occupancy_reference / rho, r.gain));
  // The kernel holds activation in levels a = cap^(k / 31): within half a level.
  const double half_level = std::pow(r.cap, 0.5 / (FateKernel::kStemLevels - 1));
  EXPECT_NEAR(std::log(sim.stem_activation_at(alone)), std::log(expected),
              std::log(half_level) + 1e-12);
  EXPECT_GT(sim.stem_activation_at(alone), 1.0);
  std::printf(
      "%zu niche sites around a lone stem cell: activation %.2f (expected %.2f); in a "
      "full area %.2f\n",
      lone.size(), sim.stem_activation_at(alone), expected, sim.stem_activation_at(tiles[full][0]));
}

// A pool depleted to a tenth regrows by the self-renewal that vacant niches call for, and its
// activation falls back to rest once the tiles are refilled; an intact pool stays where it is.
TEST_F(Regulation, VacantNichesRefillThePoolThenItReturnsToRest) {
  const Scenario sc = load_scenario("", section(180, {"run.spin_up_days=0"})).scenario;
  Simulation intact(sc), depleted(sc);
  std::vector<AgentRecord> kept;
  const std::vector<AgentRecord> all = depleted.agents();
  for (size_t i = 0; i < all.size(); i += 10) kept.push_back(all[i]);
  depleted.restore(0, 0, kept, depleted.blood().state());
  const int lt = sc.graph.type_index("LT_HSC");
  const double a0 = depleted.observe().activation;
  double peak = a0;
  for (int day = 0; day < 180; ++day) {
    for (int h = 0; h < 24; ++h) {
      intact.step();
      depleted.step();
    }
    peak = std::max(peak, depleted.observe().activation);
  }
  const Observation oi = intact.observe(), od = depleted.observe();
  const double n0 = static_cast<double>(kept.size());
  std::printf(
      "intact 180 -> %lld; depleted %g -> %lld; activation at start %.1f, peak %.1f, "
      "day 180 %.2f\n",
      static_cast<long long>(oi.population[lt]), n0, static_cast<long long>(od.population[lt]), a0,
      peak, od.activation);
  // Regrowth: the pool at least tripled and came close to the intact one, whose size the
  // working niches set (at full activation a niche stem cell divides about daily with a net
  // gain of ~0.1 per division, so a tenth refills in weeks; a Poisson spread of the pools,
  // ~sqrt(N) ~ 25, is far below the margins used here).
  EXPECT_GT(od.population[lt], 3 * n0);
  EXPECT_GT(static_cast<double>(od.population[lt]), 0.7 * static_cast<double>(oi.population[lt]));
  EXPECT_GT(a0, 10.0);
  // Back towards rest: the activation of the refilled pool is that of the intact one, not the
  // depleted start's.
  EXPECT_LT(od.activation, a0 / 5.0);
  EXPECT_LT(od.activation, 2.0 * oi.activation + 1.0);
}

}  // namespace
}  // namespace marrow
