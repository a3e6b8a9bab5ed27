#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <map>

#include "agents/room.hpp"
#include "core/random.hpp"

namespace marrow {
namespace {

// A plain first-in first-out breadth-first search over coordinates, written independently of
// the code under test: the sites at the smallest distance that a daughter may take, in the
// order it finds them.
std::vector<SiteId> reference(const Lattice& l, const std::vector<uint8_t>& niche, SiteId from,
                              int reach, bool stem, int& depth) {
  const auto& occ = l.occupancy();
  std::map<SiteId, int> dist{{from, 0}};
  std::deque<SiteId> queue{from};
  std::map<int, std::vector<SiteId>> takeable;
  while (!queue.empty()) {
    const SiteId s = queue.front();
    queue.pop_front();
    const int d = dist[s];
    if (d == reach) continue;
    const Coord c = l.coord(s);
    for (const Coord o : l.offsets()) {
      const Coord n{c.x + o.x, c.y + o.y, c.z + o.z};
      if (!l.inside(n)) continue;
      const SiteId t = l.index(n);
      if (dist.count(t) || occ[t] == kBlocked) continue;
      dist[t] = d + 1;
      if (occ[t] == kFree && (stem || !niche[t]))
        takeable[d + 1].push_back(t);
      else
        queue.push_back(t);
    }
  }
  if (takeable.empty()) {
    depth = 0;
    return {};
  }
  depth = takeable.begin()->first;
  return takeable.begin()->second;
}

void random_state(Lattice& l, std::vector<uint8_t>& niche, uint64_t seed, double fill,
                  double blocked = 0.06) {
  const Stream st(seed);
  auto& occ = l.occupancy();
  niche.assign(occ.size(), 0);
  for (int z = 0; z < l.nz(); ++z)
    for (int y = 0; y < l.ny(); ++y)
      for (int x = 0; x < l.nx(); ++x) {
        const SiteId s = l.index(x, y, z);
        const Draw d = st.draw(s, 0, Purpose::kGeometry);
        occ[s] = d.u(0) < blocked ? kBlocked : d.u(1) < fill ? kOccupied : kFree;
        niche[s] = d.u(2) < 0.1;
      }
}

TEST(NearestRoom, AgreesWithAPlainBreadthFirstSearch) {
  // Crowded lattices with vessels (blocked sites) and niche sites, in 2D (row search inside,
  // site search at the edges) and 3D, both neighbourhoods, every reach up to 9: the same depth,
  // the same candidates, and the same choice for words across the range.
  int searched = 0, found = 0;
  for (const int nz : {1, 9})
    for (const Neighbourhood hood : {Neighbourhood::kMoore, Neighbourhood::kVonNeumann})
      for (uint64_t seed = 1; seed <= 3; ++seed) {
        Lattice l(nz > 1 ? 21 : 45, nz > 1 ? 19 : 41, nz, hood);
        std::vector<uint8_t> niche;
        random_state(l, niche, seed, nz > 1 ? 0.985 : 0.97);
        for (int y = 0; y < l.ny(); y += 2)
          for (int x = (y / 2) % 3; x < l.nx(); x += 3) {
            const SiteId s = l.index(x, y, nz / 2);
            if (l.occupancy()[s] != kOccupied) continue;
            for (const int reach : {1, 2, 4, 6, 9})
              for (const bool stem : {false, true}) {
                int depth = 0;
                const std::vector<SiteId> want = reference(l, niche, s, reach, stem, depth);
                ++searched;
                found += !want.empty();
                for (const uint32_t word : {0u, 0x55555555u, 0x9E3779B9u, 0xFFFFFFFFu}) {
                  const Room expect{
                      want.empty() ? SiteId{0} : want[(uint64_t{word} * want.size()) >> 32], depth,
                      static_cast<int>(want.size())};
                  for (const bool rows : {true, false}) {
                    const Room got = nearest_room(l, niche.data(), s, reach, stem, word, rows);
                    ASSERT_EQ(got.site, expect.site) << "seed " << seed << " site " << s
                                                     << " reach " << reach << " rows " << rows;
                    ASSERT_EQ(got.depth, expect.depth);
                    ASSERT_EQ(got.count, expect.count);
                  }
                }
              }
          }
      }
  // The states exercise both outcomes, at several depths.
  EXPECT_GT(found, searched / 4);
  EXPECT_LT(found, searched);
}

TEST(NearestRoom, OpenRingsAgreeWithAPlainBreadthFirstSearch) {
  // No blocked site: the search reaches each ring whole, and several free sites at the nearest
  // depth are the rule (the order of a ring taken whole), up to the row search's largest reach.
  int several = 0;
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    Lattice l(48, 48, 1, Neighbourhood::kMoore);
    std::vector<uint8_t> niche;
    random_state(l, niche, seed, seed <= 2 ? 0.97 : 0.995, seed % 2 == 0 ? 0.0 : 0.002);
    for (int y = 16; y < 32; ++y)
      for (int x = 16; x < 32; ++x) {
        const SiteId s = l.index(x, y, 0);
        if (l.occupancy()[s] != kOccupied) continue;
        for (const int reach : {3, 8, 15})
          for (const bool stem : {false, true}) {
            int depth = 0;
            const std::vector<SiteId> want = reference(l, niche, s, reach, stem, depth);
            several += want.size() > 1;
            for (const uint32_t word : {0u, 0x40000000u, 0x9E3779B9u, 0xFFFFFFFFu}) {
              const SiteId expect =
                  want.empty() ? SiteId{0} : want[(uint64_t{word} * want.size()) >> 32];
              ASSERT_EQ(nearest_room(l, niche.data(), s, reach, stem, word).site, expect)
                  << "seed " << seed << " site " << s << " reach " << reach;
            }
          }
      }
  }
  EXPECT_GT(several, 100);
}

}  // namespace
}  // namespace marrow
