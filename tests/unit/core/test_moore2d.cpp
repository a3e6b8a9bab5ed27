// Neighbour masks on a 2D Moore lattice against the plain loop over the neighbours.
#include <gtest/gtest.h>

#include <vector>

#include "core/lattice.hpp"
#include "core/moore2d.hpp"
#include "core/random.hpp"

namespace marrow {
namespace {

TEST(Moore2d, MaskAndPickAgreeWithTheLoopOverNeighbours) {
  ASSERT_TRUE(moore2d::kAvailable);
  const Lattice lattice(23, 17, 1, Neighbourhood::kMoore);
  const auto deltas = lattice.deltas();
  ASSERT_EQ(deltas.size(), 8u);
  const Stream s(5);
  // Exactly the padded lattice: a read beyond either end is caught by the address sanitizer.
  std::vector<uint8_t> occ(static_cast<size_t>(lattice.padded_sites()));
  for (int round = 0; round < 20; ++round) {
    // Occupancy values 0 (free), 1 and 2, free with probability round / 20.
    for (size_t i = 0; i < occ.size(); ++i) {
      const Draw d = s.draw(i, static_cast<uint64_t>(round), Purpose::kBench);
      occ[i] = d.u(0) < round / 20.0 ? 0 : static_cast<uint8_t>(1 + d.w[1] % 2);
    }
    for (int y = 0; y < lattice.ny(); ++y)
      for (int x = 0; x < lattice.nx(); ++x) {
        const SiteId site = lattice.index(x, y, 0);
        std::vector<int> free;
        for (int k = 0; k < 8; ++k)
          if (occ[site + deltas[k]] == 0) free.push_back(k);
        const uint32_t m = moore2d::zero_mask(occ.data(), site, deltas[6]);
        for (int k = 0; k < 8; ++k)
          ASSERT_EQ(m >> k & 1, occ[site + deltas[k]] == 0 ? 1u : 0u) << x << "," << y << " " << k;
        for (const uint8_t value : {0, 1, 2})
          ASSERT_EQ(moore2d::equal_mask_portable(occ.data(), site, deltas[6], value),
                    moore2d::equal_mask(occ.data(), site, deltas[6], value));
        for (const uint32_t half : {0u, 1u, 12345u, 32768u, 65535u}) {
          const int want = free.empty() ? -1 : free[(half * free.size()) >> 16];
          ASSERT_EQ(moore2d::pick16(m, half), want);
        }
      }
  }
}

}  // namespace
}  // namespace marrow
