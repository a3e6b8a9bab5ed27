// The fate kernel on hand-built lineage graphs: transition choice, division fates and targets,
// waiting for room, death, migration, and the waiting time to the next event.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <span>
#include <vector>

#include "agents/agent_store.hpp"
#include "agents/fate_kernel.hpp"
#include "agents/lineage_graph.hpp"
#include "core/block_grid.hpp"
#include "core/lattice.hpp"
#include "core/random.hpp"

namespace marrow {
namespace {

// Chi-square statistic of observed counts against expected probabilities.
double chi_square(const std::vector<int64_t>& observed, const std::vector<double>& p) {
  int64_t n = 0;
  for (const int64_t o : observed) n += o;
  double chi2 = 0;
  for (size_t i = 0; i < observed.size(); ++i) {
    const double e = p[i] * static_cast<double>(n);
    chi2 += (static_cast<double>(observed[i]) - e) * (static_cast<double>(observed[i]) - e) / e;
  }
  return chi2;
}
// Upper 0.1 % points of the chi-square distribution.
constexpr double kChi2Crit1 = 10.828, kChi2Crit2 = 13.816, kChi2Crit3 = 16.266;

TypeRates rates(double division, double death = 0, double q_entry = 0, double q_exit = 0,
                double migration = 0, FateProbabilities fate = {}) {
  TypeRates r;
  r.division = division;
  r.death = death;
  r.quiescence_entry = q_entry;
  r.quiescence_exit = q_exit;
  r.migration = migration;
  r.fate = fate;
  return r;
}

CellType type(const std::string& name, TypeRates r,
              std::vector<std::pair<Target, double>> to = {}) {
  CellType t;
  t.name = name;
  t.lineage = name;
  t.off_niche = r;
  t.in_niche = r;
  t.differentiate_to = std::move(to);
  return t;
}

// A lattice, its blocks and a kernel, wired as in model/simulation.cpp.
struct World {
  World(const LineageGraph& g, int nx, int ny, int edge, uint64_t seed, double dt = 1.0,
        int window = 64)
      : graph(g),
        lattice(nx, ny, 1, Neighbourhood::kMoore),
        grid(lattice, edge),
        niche(static_cast<size_t>(lattice.padded_sites()), 0),
        kernel(graph, lattice, grid, niche, Stream(seed), dt) {
    for (int b = 0; b < grid.count(); ++b) blocks.emplace_back(window);
  }

  int block_of(SiteId s) const { return grid.block_of(lattice.coord(s)); }

  void place(AgentRecord a) {
    lattice.occupancy()[a.site] = kOccupied;
    blocks[block_of(a.site)].add(a);
  }
  void place(int x, int y, int t, int32_t next_step, uint8_t flags = 0) {
    AgentRecord a;
    a.site = lattice.index(x, y, 0);
    a.type = static_cast<uint8_t>(t);
    a.flags = flags;
    a.next_step = next_step;
    place(a);
  }

  // A (type 0, due at step 0) at (5, 5), inert B (type 1) on every other site of the box
  // x0..x1, y0..y1.
  void crowd(int x0, int x1, int y0, int y1) {
    place(5, 5, 0, 0);
    for (int y = y0; y <= y1; ++y)
      for (int x = x0; x <= x1; ++x)
        if (x != 5 || y != 5) place(x, y, 1, kNeverStep);
  }

  // One step: every block drained colour by colour, then the outboxes merged. The blocks of a
  // colour run one after the other here (colour_sweep's threads are tested in model/); a
  // parallel region per step only slows these tests down on a busy machine.
  // `reverse`: the blocks of each colour in the opposite order, as threads may take them.
  // `prepared`: a block's draws made together beforehand, as the simulation makes them.
  std::vector<int64_t> step(int64_t now, bool reverse = false, bool prepared = false) {
    FateKernel::EventDraws draws;
    for (int c = 0; c < grid.colours(); ++c)
      for (size_t i = 0; i < grid.colour(c).size(); ++i) {
        const std::vector<int>& ids = grid.colour(c);
        const int b = reverse ? ids[ids.size() - 1 - i] : ids[i];
        AgentBlock& block = blocks[b];
        if (!prepared) {
          block.drain<true>(now, [&](uint32_t slot) { kernel.event(block, b, slot, now); });
          continue;
        }
        const std::span<const uint32_t> due = block.due_by_site(now);
        kernel.draw_events(block, due, now, draws);
        for (size_t k = 0; k < due.size(); ++k)
          if (block.type[due[k]] != kDead && block.next_step[due[k]] == now)
            kernel.event(block, b, due[k], now, draws.event(k), draws.daughter(k));
      }
    for (AgentBlock& from : blocks) {
      for (const AgentRecord& a : from.outbox) blocks[block_of(a.site)].add(a);
      from.outbox.clear();
    }
    return kernel.take_handoffs();
  }

  std::map<SiteId, AgentRecord> agents() const {
    std::map<SiteId, AgentRecord> all;
    for (const AgentBlock& b : blocks)
      for (uint32_t i = 0; i < b.slots(); ++i)
        if (b.type[i] != kDead) all[b.site[i]] = b.record(i);
    return all;
  }

  int64_t alive() const {
    int64_t n = 0;
    for (const AgentBlock& b : blocks) n += b.alive();
    return n;
  }

  // Each agent in the block that holds its site, one agent per occupied site, and occupied
  // sites exactly those of agents.
  void expect_consistent() const {
    std::vector<int> on(lattice.occupancy().size(), 0);
    for (int b = 0; b < grid.count(); ++b)
      for (uint32_t i = 0; i < blocks[b].slots(); ++i) {
        if (blocks[b].type[i] == kDead) continue;
        const SiteId s = blocks[b].site[i];
        ASSERT_EQ(block_of(s), b) << "agent at " << s << " in the wrong block";
        ++on[s];
      }
    for (size_t s = 0; s < on.size(); ++s) {
      ASSERT_LE(on[s], 1) << "two agents at " << s;
      if (lattice.occupancy()[s] == kBlocked) {
        ASSERT_EQ(on[s], 0);
      } else {
        ASSERT_EQ(lattice.occupancy()[s] == kOccupied, on[s] == 1) << "site " << s;
      }
    }
  }

  const LineageGraph& graph;
  Lattice lattice;
  BlockGrid grid;
  std::vector<uint8_t> niche;
  FateKernel kernel;
  std::vector<AgentBlock> blocks;
};

// Type A (0): divides only, fates 0.2 / 0.3 / 0.5, targets B 0.6 and compartment c 0.4.
// Type B (1): terminal, no events. Compartment c is target 2.
LineageGraph division_graph() {
  const FateProbabilities f{0.2, 0.3, 0.5};
  return LineageGraph(
      {type("A", rates(0.5, 0, 0, 0, 0, f), {{1, 0.6}, {2, 1.0}}), type("B", rates(0))}, {"c"});
}

TEST(FateKernel, DivisionFatesAndTargetsFollowTheGraph) {
  const LineageGraph g = division_graph();
  ASSERT_TRUE(g.is_compartment(2));
  ASSERT_EQ(g.compartment_of(2), 0);
  // Parents 4 sites apart: their Moore neighbourhoods are disjoint and always have room.
  const int spacing = 4, per_axis = 150;
  World w(g, spacing * per_axis, spacing * per_axis, 32, 2718);
  int parents = 0;
  for (int y = 1; y < w.lattice.ny(); y += spacing)
    for (int x = 1; x < w.lattice.nx(); x += spacing) {
      AgentRecord a;
      a.site = w.lattice.index(x, y, 0);
      a.type = 0;
      a.origin = (parents % 3 == 0) ? kDonor : kHost;
      a.flags = (parents % 2 == 0) ? kGeneModified : 0;
      a.clone = static_cast<uint32_t>(parents + 1);
      a.next_step = 0;
      w.place(a);
      ++parents;
    }
  const auto before = w.agents();
  const std::vector<int64_t> handoff = w.step(0);
  ASSERT_EQ(handoff.size(), 1u);
  w.expect_consistent();
  const auto after = w.agents();

  // Classify each parent's outcome from its site and its neighbourhood.
  std::vector<int64_t> fates(3, 0);  // self-renewal, asymmetric, differentiation
  int64_t to_b = 0, to_c = 0, daughters_seen = 0;
  for (const auto& [site, parent] : before) {
    std::vector<AgentRecord> out;
    if (after.count(site)) out.push_back(after.at(site));
    for (const int64_t d : w.lattice.deltas()) {
      const SiteId n = static_cast<SiteId>(site + d);
      if (after.count(n)) {
        out.push_back(after.at(n));
        ++daughters_seen;
      }
    }
    ASSERT_LE(out.size(), 2u);
    int n_a = 0, n_b = 0;
    for (const AgentRecord& a : out) {
      n_a += a.type == 0;
      n_b += a.type == 1;
      // Daughters inherit origin, clone and gene marking, and count the division.
      EXPECT_EQ(a.origin, parent.origin);
      EXPECT_EQ(a.clone, parent.clone);
      EXPECT_EQ(a.flags, parent.flags & kGeneModified);
      EXPECT_EQ(a.divisions, 1);
      if (a.type == 0) {
        EXPECT_GT(a.next_step, 0);
        EXPECT_LT(a.next_step, kNeverStep);
      } else {
        EXPECT_EQ(a.next_step, kNeverStep);  // B has no events
      }
    }
    if (n_a == 2) {
      ++fates[0];
      ASSERT_EQ(n_b, 0);
    } else if (n_a == 1) {
      ++fates[1];
      ASSERT_EQ(after.count(site), 1u);
      ASSERT_EQ(after.at(site).type, 0);  // the parent's type stays on its site
      to_b += n_b;
      to_c += 1 - n_b;
    } else {
      ++fates[2];
      to_b += n_b;
      to_c += 2 - n_b;
      if (n_b >= 1) {
        ASSERT_EQ(after.count(site), 1u);  // an agent daughter keeps the parent's site
      }
    }
  }
  EXPECT_EQ(fates[0] + fates[1] + fates[2], parents);
  // Compartment daughters are exactly the hand-offs.
  EXPECT_EQ(to_c, handoff[0]);
  EXPECT_GT(daughters_seen, 0);
  EXPECT_LT(chi_square(fates, {0.2, 0.3, 0.5}), kChi2Crit2)
      << fates[0] << " " << fates[1] << " " << fates[2];
  // Every differentiated daughter is an independent draw of the target: B with 0.6.
  EXPECT_LT(chi_square({to_b, to_c}, {0.6, 0.4}), kChi2Crit1) << to_b << " " << to_c;
  EXPECT_EQ(w.kernel.stalled_divisions(), 0);
  // Hand-offs are cleared by the take.
  EXPECT_EQ(w.kernel.take_handoffs(), std::vector<int64_t>{0});
}

TEST(FateKernel, CompetingTransitionsAreChosenByRate) {
  // Rates per hour: death 1, migration 2, quiescence entry 3, division 4 (self-renewal, so a
  // division leaves two agents). Each isolated agent has one event; the outcome shares must be
  // 0.1 / 0.2 / 0.3 / 0.4 (chi-square, 3 degrees of freedom, p = 0.001).
  const LineageGraph g({type("A", rates(4, 1, 3, 0, 2, {1, 0, 0}))}, {});
  const int spacing = 4, per_axis = 100;
  World w(g, spacing * per_axis, spacing * per_axis, 16, 99);
  for (int y = 1; y < w.lattice.ny(); y += spacing)
    for (int x = 1; x < w.lattice.nx(); x += spacing) w.place(x, y, 0, 0);
  const auto before = w.agents();
  w.step(0);
  w.expect_consistent();
  const auto after = w.agents();
  std::vector<int64_t> outcome(4, 0);  // death, migration, quiescence, division
  for (const auto& [site, parent] : before) {
    int around = 0;
    for (const int64_t d : w.lattice.deltas()) around += after.count(site + d);
    const bool home = after.count(site);
    if (!home && around == 0) {
      ++outcome[0];
    } else if (!home && around == 1) {
      ++outcome[1];
    } else if (home && around == 0) {
      ASSERT_TRUE(after.at(site).flags & kQuiescent);
      ++outcome[2];
    } else {
      ASSERT_TRUE(home);
      ASSERT_EQ(around, 1);
      ++outcome[3];
    }
  }
  EXPECT_LT(chi_square(outcome, {0.1, 0.2, 0.3, 0.4}), kChi2Crit3)
      << outcome[0] << " " << outcome[1] << " " << outcome[2] << " " << outcome[3];
}

TEST(FateKernel, QuiescentAgentsOnlyExitOrDie) {
  // Quiescent: exit 3, death 1 per hour: shares 0.75 / 0.25; division and migration rates do
  // not apply. Chi-square, 1 degree of freedom, p = 0.001.
  const LineageGraph g({type("A", rates(5, 1, 0, 3, 5, {1, 0, 0}))}, {});
  World w(g, 300, 300, 32, 5);
  for (int y = 1; y < 300; y += 3)
    for (int x = 1; x < 300; x += 3) w.place(x, y, 0, 0, kQuiescent);
  const auto before = w.agents();
  w.step(0);
  const auto after = w.agents();
  int64_t exited = 0, died = 0;
  for (const auto& [site, a] : before) {
    if (!after.count(site)) {
      ++died;
      continue;
    }
    EXPECT_FALSE(after.at(site).flags & kQuiescent);
    EXPECT_EQ(after.at(site).divisions, 0);
    ++exited;
  }
  EXPECT_EQ(w.alive(), exited);  // nothing divided or moved
  EXPECT_LT(chi_square({exited, died}, {0.75, 0.25}), kChi2Crit1) << exited << " " << died;
}

TEST(FateKernel, DeathOnlyTypeEmptiesTheLattice) {
  const LineageGraph g({type("D", rates(0, 0.2))}, {});
  World w(g, 40, 40, 8, 11);
  const Stream s(77);
  int placed = 0;
  for (int y = 0; y < 40; ++y)
    for (int x = 0; x < 40; ++x) {
      if ((x + y) % 2) continue;
      const SiteId site = w.lattice.index(x, y, 0);
      const int64_t next =
          w.kernel.next_event(0, false, site, -1, s.draw(site, 0, Purpose::kSchedule).u(0));
      w.place(x, y, 0, static_cast<int32_t>(next));
      ++placed;
    }
  ASSERT_EQ(w.alive(), placed);
  // Survival to step 400 is exp(-0.2 * 400) per agent: all are dead well before.
  int64_t last = 0;
  for (int64_t step = 0; step < 400 && w.alive() > 0; ++step) {
    const int64_t before = w.alive();
    const auto h = w.step(step);
    EXPECT_TRUE(h.empty());
    EXPECT_LE(w.alive(), before);
    last = step;
  }
  EXPECT_EQ(w.alive(), 0);
  EXPECT_GT(last, 5);
  w.expect_consistent();
  for (int y = 0; y < 40; ++y)
    for (int x = 0; x < 40; ++x) EXPECT_EQ(w.lattice.occupancy()[w.lattice.index(x, y, 0)], kFree);
}

TEST(FateKernel, DivisionWithoutRoomWaitsWithItsFateUntilRoomAppears) {
  // A (0) divides only: self-renewal 0.5, asymmetric 0.5 to B; B (1) is inert and fills every
  // neighbour. The division stalls, keeping its fate, until one neighbour is freed.
  const LineageGraph g(
      {type("A", rates(0.5, 0, 0, 0, 0, {0.5, 0.5, 0}), {{1, 1.0}}), type("B", rates(0))}, {});
  std::map<int, int> fates_seen;
  for (uint64_t seed = 1; seed <= 24; ++seed) {
    World w(g, 5, 5, 2, seed);
    const SiteId centre = w.lattice.index(2, 2, 0);
    w.place(2, 2, 0, 0);
    for (const Coord o : w.lattice.offsets()) w.place(2 + o.x, 2 + o.y, 1, kNeverStep);
    auto find_centre = [&]() {
      const auto all = w.agents();
      return all.at(centre);
    };
    w.step(0);
    AgentRecord a = find_centre();
    const int pending = (a.flags & kPendingMask) >> kPendingShift;
    ASSERT_TRUE(pending == 1 || pending == 2) << "seed " << seed;
    EXPECT_EQ(a.type, 0);
    EXPECT_EQ(a.divisions, 0);
    EXPECT_GT(a.next_step, 0);
    EXPECT_EQ(w.alive(), 9);
    EXPECT_EQ(w.kernel.stalled_divisions(), 1);
    // Retries while there is no room change nothing but the stall count.
    int64_t step = 1;
    for (; step < 40; ++step) w.step(step);
    a = find_centre();
    EXPECT_EQ((a.flags & kPendingMask) >> kPendingShift, pending);
    EXPECT_EQ(w.alive(), 9);
    EXPECT_EQ(a.divisions, 0);
    const int64_t stalls = w.kernel.stalled_divisions();
    EXPECT_GT(stalls, 1);  // retried at the division rate: ~ 40 x 0.39 retries expected
    // Free the east neighbour.
    const SiteId east = w.lattice.index(3, 2, 0);
    bool removed = false;
    for (AgentBlock& b : w.blocks)
      for (uint32_t i = 0; i < b.slots(); ++i)
        if (b.type[i] != kDead && b.site[i] == east) {
          b.remove(i);
          removed = true;
        }
    ASSERT_TRUE(removed);
    w.lattice.occupancy()[east] = kFree;
    // The next retry divides: P(no retry in 100 steps) = exp(-50).
    for (; step < 140 && w.alive() == 8; ++step) w.step(step);
    ASSERT_EQ(w.alive(), 9) << "seed " << seed;
    w.expect_consistent();
    const auto all = w.agents();
    a = all.at(centre);
    EXPECT_EQ(a.type, 0);
    EXPECT_EQ(a.flags & kPendingMask, 0);
    EXPECT_EQ(a.divisions, 1);
    ASSERT_EQ(all.count(east), 1u);
    // The waiting fate is the one carried out: self-renewal gives A, asymmetric gives B.
    EXPECT_EQ(all.at(east).type, pending == 1 ? 0 : 1) << "seed " << seed;
    EXPECT_EQ(all.at(east).divisions, 1);
    ++fates_seen[pending];
  }
  EXPECT_EQ(fates_seen.size(), 2u);  // both fates occurred over the seeds
}

TEST(FateKernel, DivisionPushesItsDaughterToTheNearestFreeSiteWithinReach) {
  // A (0) self-renews once; B (1) is inert. A sits at (5, 5) inside a block of B two sites
  // deep (x 3..7, y 3..7). Its nearest free sites are the ring three steps out (24 sites).
  const LineageGraph g({type("A", rates(0.5, 0, 0, 0, 0, {1, 0, 0})), type("B", rates(0))}, {});
  std::map<SiteId, int> landed;
  for (uint64_t seed = 1; seed <= 60; ++seed) {
    World w(g, 11, 11, 6, seed);
    w.kernel.set_division_reach(3);
    w.crowd(3, 7, 3, 7);
    w.step(0);
    w.expect_consistent();
    ASSERT_EQ(w.alive(), 26) << "seed " << seed;
    EXPECT_EQ(w.kernel.stalled_divisions(), 0);
    for (const auto& [site, a] : w.agents()) {
      if (a.type != 0 || site == w.lattice.index(5, 5, 0)) continue;
      const Coord c = w.lattice.coord(site);
      EXPECT_EQ(std::max(std::abs(c.x - 5), std::abs(c.y - 5)), 3) << "seed " << seed;
      EXPECT_EQ(a.divisions, 1);
      ++landed[site];
    }
  }
  // Chosen uniformly over the ring: 60 draws over 24 sites leave on average 24 (1 - 1/24)^60
  // = 1.9 sites unchosen; fewer than 14 distinct sites has probability far below 1e-6.
  EXPECT_GE(landed.size(), 14u);
  int64_t total = 0;
  for (const auto& [site, n] : landed) total += n;
  EXPECT_EQ(total, 60);

  // Two sites short of the ring, the division waits as with neighbours only; and so it does
  // for a type whose own reach is 1, whatever the lattice's.
  CellType sessile = type("A", rates(0.5, 0, 0, 0, 0, {1, 0, 0}));
  sessile.division_reach = 1;
  const LineageGraph own({sessile, type("B", rates(0))}, {});
  for (const auto& [graph, reach] : {std::pair<const LineageGraph*, int>{&g, 2}, {&own, 3}}) {
    World w(*graph, 11, 11, 6, 1);
    w.kernel.set_division_reach(reach);
    w.crowd(3, 7, 3, 7);
    w.step(0);
    EXPECT_EQ(w.alive(), 25);
    EXPECT_EQ(w.kernel.stalled_divisions(), 1);
  }
}

TEST(FateKernel, PushedDaughtersDoNotCrossVesselsOrBone) {
  // A vessel (blocked column x = 6) beside the mother at (5, 5); B fills x 3..5, y 2..8. The
  // free sites just across the vessel are two sites away but not reachable through marrow; the
  // nearest reachable ones are column x = 2, three steps away.
  const LineageGraph g({type("A", rates(0.5, 0, 0, 0, 0, {1, 0, 0})), type("B", rates(0))}, {});
  for (uint64_t seed = 1; seed <= 30; ++seed) {
    World w(g, 11, 11, 6, seed);
    w.kernel.set_division_reach(3);
    for (int y = 0; y < 11; ++y) w.lattice.occupancy()[w.lattice.index(6, y, 0)] = kBlocked;
    w.crowd(3, 5, 2, 8);
    w.step(0);
    w.expect_consistent();
    ASSERT_EQ(w.alive(), 22) << "seed " << seed;
    for (const auto& [site, a] : w.agents()) {
      if (a.type == 0 && site != w.lattice.index(5, 5, 0)) {
        EXPECT_EQ(w.lattice.coord(site).x, 2) << "seed " << seed;
      }
    }
  }
}

TEST(FateKernel, PushedDaughtersGiveTheSameResultInAnyBlockOrder) {
  // A crowded population that divides and dies, pushing daughters up to 4 sites across block
  // boundaries (blocks of 8, the smallest edge for that reach): blocks of one colour never
  // reach the same site, so their order within a colour, as threads take them, cannot matter.
  const LineageGraph g({type("A", rates(0.4, 0.05, 0, 0, 0.2, {0.5, 0.2, 0.3}), {{1, 1.0}}),
                        type("B", rates(0.3, 0.2, 0, 0, 0.2, {0.3, 0, 0.7}), {{2, 1.0}})},
                       {"c"});
  std::vector<std::map<SiteId, AgentRecord>> result;
  for (const bool reverse : {false, true}) {
    World w(g, 40, 40, 8, 7);
    w.kernel.set_division_reach(4);
    for (int y = 0; y < 40; ++y)
      for (int x = 0; x < 40; ++x)
        if ((x * 7 + y * 3) % 5 != 0) w.place(x, y, (x + y) % 2, (x * 13 + y) % 5);
    for (int64_t step = 0; step < 60; ++step) w.step(step, reverse);
    w.expect_consistent();
    result.push_back(w.agents());
  }
  ASSERT_EQ(result[0].size(), result[1].size());
  EXPECT_GT(result[0].size(), 1000u);
  for (const auto& [site, a] : result[0]) {
    ASSERT_EQ(result[1].count(site), 1u) << "site " << site;
    const AgentRecord& b = result[1].at(site);
    EXPECT_TRUE(a.type == b.type && a.flags == b.flags && a.divisions == b.divisions &&
                a.next_step == b.next_step)
        << "site " << site;
  }
}

TEST(FateKernel, DrawsMadeTogetherGiveTheSameResultAsOneByOne) {
  // Divisions, deaths, migration and pushes across blocks: a block's draws made beforehand, on
  // the vector unit, are the draws each event would make, and no event changes another's site.
  const LineageGraph g({type("A", rates(0.4, 0.05, 0, 0, 0.3, {0.5, 0.2, 0.3}), {{1, 1.0}}),
                        type("B", rates(0.3, 0.2, 0.1, 0.2, 0.3, {0.3, 0, 0.7}), {{2, 1.0}})},
                       {"c"});
  std::vector<std::map<SiteId, AgentRecord>> result;
  for (const bool prepared : {false, true}) {
    World w(g, 40, 40, 8, 11);
    w.kernel.set_division_reach(4);
    for (int y = 0; y < 40; ++y)
      for (int x = 0; x < 40; ++x)
        if ((x * 7 + y * 3) % 4 != 0) w.place(x, y, (x + y) % 2, (x * 13 + y) % 5);
    for (int64_t step = 0; step < 60; ++step) w.step(step, false, prepared);
    w.expect_consistent();
    result.push_back(w.agents());
  }
  ASSERT_EQ(result[0].size(), result[1].size());
  EXPECT_GT(result[0].size(), 500u);
  for (const auto& [site, a] : result[0]) {
    ASSERT_EQ(result[1].count(site), 1u) << "site " << site;
    const AgentRecord& b = result[1].at(site);
    EXPECT_TRUE(a.type == b.type && a.flags == b.flags && a.divisions == b.divisions &&
                a.next_step == b.next_step && a.clone == b.clone)
        << "site " << site;
  }
}

TEST(FateKernel, WaitingRetryUsesDivisionDeathAndMigrationRates) {
  // The waiting state's event rate is division + death + migration; quiescence rates do not
  // apply while waiting.
  const LineageGraph g({type("A", rates(2, 0, 7, 0.001, 0, {1, 0, 0}))}, {});
  World w(g, 3, 3, 2, 3);
  const SiteId s = w.lattice.index(1, 1, 0);
  const double u = 0.3;
  const int64_t waiting = w.kernel.next_event(0, false, s, 10, u, true);
  const int64_t cycling = w.kernel.next_event(0, false, s, 10, u, false);
  const int64_t quiescent = w.kernel.next_event(0, true, s, 10, u, false);
  EXPECT_EQ(waiting, 10 + geometric_steps(u, 2.0));
  EXPECT_EQ(cycling, 10 + geometric_steps(u, 9.0));
  EXPECT_EQ(quiescent, 10 + geometric_steps(u, 0.001));
}

TEST(FateKernel, NextEventRatesAndNicheContext) {
  // Off niche the total rate is division + death + quiescence entry + migration; quiescent
  // agents use exit + death; niche sites use the in-niche rates.
  CellType t = type("A", rates(0.1, 0.02, 0.03, 0.5, 0.05));
  t.in_niche = rates(0.01, 0, 0.7, 0.004, 0);
  const LineageGraph g({t}, {});
  World w(g, 6, 6, 3, 1, 0.25);
  const SiteId off = w.lattice.index(1, 1, 0), on = w.lattice.index(2, 1, 0);
  w.niche[on] = 1;
  EXPECT_EQ(w.kernel.rates(0, off).quiescence_exit, g.type(0).off_niche.quiescence_exit);
  EXPECT_EQ(w.kernel.rates(0, on).quiescence_exit, g.type(0).in_niche.quiescence_exit);
  EXPECT_EQ(w.kernel.rates(0, on).division, g.type(0).in_niche.division);
  const double dt = 0.25;
  for (const double u : {0.9, 0.5, 0.01}) {
    EXPECT_EQ(w.kernel.next_event(0, false, off, 7, u), 7 + geometric_steps(u, 0.2 * dt));
    EXPECT_EQ(w.kernel.next_event(0, true, off, 7, u), 7 + geometric_steps(u, 0.52 * dt));
    EXPECT_EQ(w.kernel.next_event(0, false, on, 7, u), 7 + geometric_steps(u, 0.71 * dt));
    EXPECT_EQ(w.kernel.next_event(0, true, on, 7, u), 7 + geometric_steps(u, 0.004 * dt));
  }
  // A type with no events is never scheduled.
  const LineageGraph inert({type("Z", rates(0))}, {});
  World wz(inert, 4, 4, 2, 1);
  EXPECT_EQ(wz.kernel.next_event(0, false, wz.lattice.index(1, 1, 0), 5, 0.5), kNever);
  // A wait past the 32-bit step range is never, not an overflow.
  const LineageGraph slow({type("S", rates(1e-9))}, {});
  World ws(slow, 4, 4, 2, 1);
  EXPECT_EQ(ws.kernel.next_event(0, false, ws.lattice.index(1, 1, 0), 5, 1e-300), kNever);
}

TEST(FateKernel, MeanWaitingTimeToFirstEventIsGeometric) {
  // Division 0.012, death 0.004, migration 0.004 per hour, dt 0.5 h: rate dt = 0.01 and
  // p = 1 - exp(-0.01) per step. Agents scheduled with next_event at step 0 and drained from a
  // calendar of window 16 (many laps); the first call of each is its waiting time.
  // Mean 1/p, SE sqrt((1-p)/p^2/n); tolerance 4 SE.
  const LineageGraph g({type("A", rates(0.012, 0.004, 0, 0, 0.004))}, {});
  World w(g, 200, 100, 200, 4242, 0.5, 16);
  ASSERT_EQ(w.grid.count(), 1);
  AgentBlock& block = w.blocks[0];
  const Stream s(8);
  const int64_t n = 20000;
  for (int64_t i = 0; i < n; ++i) {
    const SiteId site = w.lattice.index(static_cast<int>(i % 200), static_cast<int>(i / 200), 0);
    AgentRecord a;
    a.site = site;
    a.next_step = static_cast<int32_t>(
        w.kernel.next_event(0, false, site, 0, s.draw(site, 0, Purpose::kSchedule).u(0)));
    block.add(a);
  }
  double sum = 0;
  int64_t called = 0;
  // P(wait > 4000 steps) = exp(-40) per agent.
  for (int64_t step = 1; step <= 4000 && called < n; ++step)
    block.drain<true>(step, [&](uint32_t slot) {
      sum += static_cast<double>(step);
      ++called;
      block.reschedule(slot, kNever);
    });
  ASSERT_EQ(called, n);
  const double p = 1 - std::exp(-0.01);
  EXPECT_NEAR(sum / n, 1 / p, 4 * std::sqrt((1 - p) / (p * p) / n));
}

TEST(FateKernel, MigrationKeepsAgentsAndCrossesBlocks) {
  // A random walk only: agents are conserved, move one neighbour step per event, and end up in
  // the block of their site after crossing block boundaries through the outboxes.
  const LineageGraph g({type("M", rates(0, 0, 0, 0, 0.6))}, {});
  World w(g, 24, 24, 4, 123, 1.0, 8);
  const Stream s(5);
  int placed = 0;
  for (int y = 0; y < 24; ++y)
    for (int x = 0; x < 24; ++x) {
      if ((x * 7 + y * 3) % 5) continue;
      const SiteId site = w.lattice.index(x, y, 0);
      AgentRecord a;
      a.site = site;
      a.clone = static_cast<uint32_t>(placed++);
      a.next_step = static_cast<int32_t>(
          w.kernel.next_event(0, false, site, -1, s.draw(site, 0, Purpose::kInit).u(0)));
      w.place(a);
    }
  std::map<uint32_t, SiteId> where;
  for (const auto& [site, a] : w.agents()) where[a.clone] = site;
  int64_t moves = 0, crossings = 0;
  for (int64_t step = 0; step < 200; ++step) {
    w.step(step);
    ASSERT_EQ(w.alive(), placed);
    for (const auto& [site, a] : w.agents()) {
      const SiteId from = where[a.clone];
      if (site != from) {
        const Coord c = w.lattice.coord(site), f = w.lattice.coord(from);
        ASSERT_LE(std::abs(c.x - f.x), 1);
        ASSERT_LE(std::abs(c.y - f.y), 1);
        ++moves;
        crossings += w.block_of(site) != w.block_of(from);
      }
      where[a.clone] = site;
    }
  }
  w.expect_consistent();
  EXPECT_GT(moves, 1000);
  EXPECT_GT(crossings, 100);
}

TEST(FateKernel, MigrationWithoutRoomStays) {
  const LineageGraph g({type("M", rates(0, 0, 0, 0, 1.0)), type("B", rates(0))}, {});
  World w(g, 1, 1, 2, 9);
  w.place(0, 0, 0, 0);  // a 1 x 1 lattice: every neighbour is padding
  for (int64_t step = 0; step < 30; ++step) w.step(step);
  const auto all = w.agents();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all.begin()->first, w.lattice.index(0, 0, 0));
  EXPECT_GT(all.begin()->second.next_step, 29);
}

TEST(FateKernel, DifferentiationIntoTwoCompartmentDaughtersFreesTheSite) {
  const LineageGraph g({type("P", rates(1, 0, 0, 0, 0, {0, 0, 1}), {{1, 0.25}, {2, 1.0}})},
                       {"x", "y"});
  World w(g, 30, 30, 8, 31);
  int n = 0;
  for (int y = 0; y < 30; y += 2)
    for (int x = 0; x < 30; x += 2, ++n) w.place(x, y, 0, 0);
  const auto h = w.step(0);
  EXPECT_EQ(w.alive(), 0);
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[0] + h[1], 2 * n);
  w.expect_consistent();
}

TEST(LineageGraph, TargetsAndYield) {
  const FateProbabilities f{0.2, 0.3, 0.5};
  const LineageGraph g(
      {type("A", rates(1, 0, 0, 0, 0, f), {{1, 0.6}, {2, 0.9}, {3, 1.0}}), type("B", rates(0))},
      {"c", "d"});
  EXPECT_EQ(g.type_count(), 2);
  EXPECT_EQ(g.compartment_count(), 2);
  EXPECT_EQ(g.type_index("B"), 1);
  EXPECT_EQ(g.type_index("c"), -1);
  EXPECT_EQ(g.target_of("A"), 0);
  EXPECT_EQ(g.target_of("c"), 2);
  EXPECT_EQ(g.target_of("d"), 3);
  EXPECT_EQ(g.target_of("e"), -1);
  EXPECT_FALSE(g.is_compartment(1));
  EXPECT_TRUE(g.is_compartment(3));
  EXPECT_EQ(g.compartment_of(3), 1);
  EXPECT_EQ(g.choose_target(0, 0.0), 1);
  EXPECT_EQ(g.choose_target(0, 0.5999), 1);
  EXPECT_EQ(g.choose_target(0, 0.6), 2);
  EXPECT_EQ(g.choose_target(0, 0.95), 3);
  EXPECT_EQ(g.choose_target(0, 0.99999999), 3);
  // Differentiated daughters per division: 0.3 + 2 x 0.5 = 1.3; c gets 0.3 of them, d 0.1.
  const auto y = g.compartment_yield(0, g.type(0).off_niche);
  ASSERT_EQ(y.size(), 2u);
  EXPECT_NEAR(y[0], 1.3 * 0.3, 1e-12);
  EXPECT_NEAR(y[1], 1.3 * 0.1, 1e-12);
  EXPECT_THROW(LineageGraph({}, {"c"}), std::invalid_argument);
  EXPECT_THROW(LineageGraph(std::vector<CellType>(255, type("T", rates(0))), {}),
               std::invalid_argument);
}

}  // namespace

TEST(FateKernel, ActivationRecruitsQuiescentCellsAndShiftsFateToSelfRenewal) {
  // Activation a multiplies quiescence exit by a, divides entry by a, and moves a share
  // boost * (1 - 1/a) of the differentiating divisions to self-renewal; a niche-seeking type
  // keeps its off-niche fate.
  CellType t = type("A", rates(0.1, 0.02, 0.03, 0.5, 0.05));
  t.off_niche.fate = {0.2, 0.3, 0.5};
  t.in_niche = t.off_niche;
  CellType s = t;
  s.name = "S";
  s.seeks_niche = true;
  const LineageGraph g({t, s}, {});
  World w(g, 6, 6, 3, 1, 0.25);
  const SiteId off = w.lattice.index(1, 1, 0), on = w.lattice.index(2, 1, 0);
  w.niche[on] = 1;
  w.kernel.set_renewal_boost(0.5, 0.5);
  w.kernel.set_activation({4.0, 4.0});
  const double shift = 0.5 * (1 - 1 / 4.0) * 0.5;
  for (const SiteId site : {off, on}) {
    const TypeRates& r = w.kernel.rates(0, site);
    EXPECT_DOUBLE_EQ(r.quiescence_exit, 4 * t.off_niche.quiescence_exit);
    EXPECT_DOUBLE_EQ(r.quiescence_entry, t.off_niche.quiescence_entry / 4);
    EXPECT_DOUBLE_EQ(r.fate.self_renewal, 0.2 + shift);
    EXPECT_DOUBLE_EQ(r.fate.differentiation, 0.5 - shift);
    EXPECT_DOUBLE_EQ(r.fate.asymmetric, 0.3);
  }
  // A type that seeks a niche ignores the per-type activation: on a niche site it takes the
  // site's (here level 31 of a cap of 4: a = 4), off a niche none.
  EXPECT_DOUBLE_EQ(w.kernel.rates(1, on).fate.self_renewal, 0.2);
  std::vector<uint8_t> level(w.lattice.occupancy().size(), 0);
  level[on] = FateKernel::kStemLevels - 1;
  w.kernel.set_stem_activation(level, 4.0);
  EXPECT_DOUBLE_EQ(w.kernel.rates(1, on).fate.self_renewal, 0.2 + shift);
  EXPECT_DOUBLE_EQ(w.kernel.rates(1, on).quiescence_exit, 4 * s.in_niche.quiescence_exit);
  EXPECT_DOUBLE_EQ(w.kernel.rates(1, off).fate.self_renewal, 0.2);
  EXPECT_DOUBLE_EQ(w.kernel.rates(1, off).quiescence_exit, s.off_niche.quiescence_exit);
  EXPECT_DOUBLE_EQ(w.kernel.activation(), 4.0);
  w.kernel.set_activation({1.0, 1.0});
  EXPECT_DOUBLE_EQ(w.kernel.rates(0, on).fate.self_renewal, 0.2);
}

TEST(FateKernel, NicheSignalLevelsBlendOffAndInNicheRates) {
  CellType t = type("A", rates(1.0, 0.0, 0.1, 0.5, 4.0));
  t.off_niche.fate = {0.0, 0.2, 0.8};
  t.in_niche = rates(1.0, 0.0, 1.0, 0.01, 0.0);
  t.in_niche.fate = {0.3, 0.6, 0.1};
  const LineageGraph g({t}, {});
  World w(g, 6, 6, 3, 1, 0.25);
  const SiteId off = w.lattice.index(1, 1, 0), on = w.lattice.index(2, 1, 0);
  w.niche[on] = 1;
  SiteVector<uint8_t> level(w.niche.size());
  level[on] = FateKernel::kLevels - 1;
  w.kernel.set_signal_levels(0, level);
  EXPECT_DOUBLE_EQ(w.kernel.rates(0, on).quiescence_exit, t.in_niche.quiescence_exit);
  EXPECT_DOUBLE_EQ(w.kernel.rates(0, off).quiescence_exit, t.off_niche.quiescence_exit);
  level[on] = 0;  // no signal: a niche site without the niche's hold
  w.kernel.set_signal_levels(0, level);
  EXPECT_DOUBLE_EQ(w.kernel.rates(0, on).fate.self_renewal, 0.0);
  EXPECT_DOUBLE_EQ(w.kernel.rates(0, on).migration, t.off_niche.migration);
  level[on] = 5;  // a third of the way
  w.kernel.set_signal_levels(0, level);
  const TypeRates& r = w.kernel.rates(0, on);
  EXPECT_NEAR(r.fate.self_renewal, 0.1, 1e-12);
  EXPECT_NEAR(r.fate.asymmetric, 0.2 + (0.6 - 0.2) / 3, 1e-12);
  EXPECT_NEAR(r.fate.self_renewal + r.fate.asymmetric + r.fate.differentiation, 1.0, 1e-12);
  EXPECT_NEAR(r.quiescence_entry, 0.1 + (1.0 - 0.1) / 3, 1e-12);
}

}  // namespace marrow

namespace marrow {

// A type that seeks a niche, off any niche here: rates per hour.
CellType seeker(const TypeRates& r, std::vector<std::pair<Target, double>> to = {}) {
  CellType t = type("S", r, std::move(to));
  t.seeks_niche = true;
  return t;
}

TEST(FateKernel, QuiescentStemCellsMoveWhileTheySearch) {
  // Quiescent and off a niche: exit 1, migration 3 per hour, so a quarter leave G0 and three
  // quarters move, still quiescent. Chi-square, 1 degree of freedom, p = 0.001.
  const LineageGraph g({seeker(rates(5, 0, 0, 1, 3, {1, 0, 0}))}, {});
  World w(g, 300, 300, 32, 7);
  for (int y = 1; y < 300; y += 3)
    for (int x = 1; x < 300; x += 3) w.place(x, y, 0, 0, kQuiescent);
  const auto before = w.agents();
  w.step(0);
  w.expect_consistent();
  int64_t moved = 0, exited = 0;
  for (const auto& [site, a] : w.agents()) {
    EXPECT_EQ(a.divisions, 0);
    if (before.count(site)) {
      EXPECT_FALSE(a.flags & kQuiescent);
      ++exited;
    } else {
      EXPECT_TRUE(a.flags & kQuiescent);
      ++moved;
    }
  }
  EXPECT_EQ(moved + exited, static_cast<int64_t>(before.size()));
  EXPECT_LT(chi_square({exited, moved}, {0.25, 0.75}), kChi2Crit1) << exited << " " << moved;
}

TEST(FateKernel, StemCellWithoutRoomReturnsToQuiescence) {
  // A stem cell whose division finds no free site (reach 1, every neighbour taken, no niche)
  // does not hold the division ready in the cycle: it goes back to G0, keeping its fate.
  const LineageGraph g({seeker(rates(1, 0, 0, 0, 0, {0, 1, 0}), {{1, 1.0}}), type("B", rates(0))},
                       {});
  World w(g, 11, 11, 11, 3);
  w.crowd(4, 6, 4, 6);
  w.step(0);
  const AgentRecord a = w.agents().at(w.lattice.index(5, 5, 0));
  EXPECT_TRUE(a.flags & kQuiescent);
  EXPECT_EQ((a.flags & kPendingMask) >> kPendingShift, 2);  // asymmetric, kept
  EXPECT_EQ(a.divisions, 0);
  EXPECT_EQ(a.next_step, kNeverStep);  // exit rate 0: it stays in G0
  EXPECT_EQ(w.alive(), 9);
  EXPECT_EQ(w.kernel.stalled_divisions(), 1);
}

}  // namespace marrow
