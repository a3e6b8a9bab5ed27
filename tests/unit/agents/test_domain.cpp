// The domain keeps the lattice's occupancy and the blocks of agents consistent.
#include <gtest/gtest.h>

#include <vector>

#include "agents/domain.hpp"
#include "core/parallel.hpp"

namespace marrow {
namespace {

// Occupied sites are exactly the agents' sites, once each.
void expect_consistent(const Domain& d) {
  std::vector<int> held(d.occupancy().size(), 0);
  d.for_each([&](const AgentBlock& b, uint32_t i) { ++held[b.site[i]]; });
  int64_t occupied = 0;
  for (size_t s = 0; s < held.size(); ++s) {
    ASSERT_LE(held[s], 1) << "site " << s;
    ASSERT_EQ(held[s] == 1, d.occupancy()[s] == kOccupied) << "site " << s;
    occupied += held[s];
  }
  EXPECT_EQ(occupied, d.alive());
}

Domain filled(Lattice& lattice) {
  Domain d(lattice, 8, 64);
  for (int y = 0; y < lattice.ny(); ++y)
    for (int x = (y % 3); x < lattice.nx(); x += 3) {
      AgentRecord a;
      a.site = lattice.index(x, y, 0);
      a.type = static_cast<uint8_t>((x + y) % 4);
      a.next_step = 10 + x;
      d.place(a);
    }
  return d;
}

TEST(Domain, PlaceRemoveAndRecordsKeepOccupancyConsistent) {
  set_threads(2);
  Lattice lattice(40, 40, 1, Neighbourhood::kMoore);
  Domain d = filled(lattice);
  const int64_t n = d.alive();
  EXPECT_GT(n, 500);
  expect_consistent(d);
  const auto all = d.records();
  ASSERT_EQ(static_cast<int64_t>(all.size()), n);
  for (size_t i = 1; i < all.size(); ++i) EXPECT_LT(all[i - 1].site, all[i].site);
  d.remove_unless([](const AgentBlock& b, uint32_t i) { return b.type[i] != 2; }, true);
  expect_consistent(d);
  int64_t left = 0;
  for (const auto& a : all) left += a.type != 2;
  EXPECT_EQ(d.alive(), left);
  d.clear();
  EXPECT_EQ(d.alive(), 0);
  expect_consistent(d);
  set_threads(0);
}

TEST(Domain, RelocationVisitsTheLeavingAgentsInSiteOrder) {
  Lattice lattice(40, 40, 1, Neighbourhood::kMoore);
  Domain d = filled(lattice);
  std::vector<SiteId> order;
  // Types 1 and 3 are asked (3 leaves from even sites), types 0 and 2 never: the agents of the
  // types asked are found whatever their place among the eight slots read together.
  int64_t expected = 0;
  d.for_each([&](const AgentBlock& b, uint32_t i) {
    expected += b.type[i] == 1 || (b.type[i] == 3 && b.site[i] % 2 == 0);
  });
  const std::vector<uint8_t> asked{3, 1};
  int64_t wrongly_asked = 0;
  const int64_t moved = d.relocate(
      asked,
      [&](const AgentBlock& b, uint32_t i) {
        wrongly_asked += b.type[i] == 0 || b.type[i] == 2;
        return b.type[i] == 1 || b.site[i] % 2 == 0;
      },
      [](const std::vector<AgentRecord>&) {},
      [&](AgentRecord& a) {
        order.push_back(a.site);
        // One site on when it is free (as it left, its own is).
        if (d.is_free(a.site + 1)) ++a.site;
      });
  EXPECT_EQ(moved, static_cast<int64_t>(order.size()));
  EXPECT_EQ(moved, expected);
  EXPECT_EQ(wrongly_asked, 0);
  EXPECT_GT(moved, 100);
  for (size_t i = 1; i < order.size(); ++i) EXPECT_LT(order[i - 1], order[i]);
  expect_consistent(d);
}

}  // namespace
}  // namespace marrow
