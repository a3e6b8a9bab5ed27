// Lattice geometry: padded indexing, neighbourhoods and the occupancy array.
#include <gtest/gtest.h>

#include <cstdlib>
#include <set>
#include <stdexcept>
#include <tuple>

#include "core/lattice.hpp"

namespace marrow {
namespace {

struct Shape {
  int nx, ny, nz;
};

class LatticeShapes : public ::testing::TestWithParam<std::tuple<Shape, Neighbourhood>> {};

TEST_P(LatticeShapes, IndexAndCoordRoundTripIncludingPadding) {
  const auto [sh, hood] = GetParam();
  const Lattice lat(sh.nx, sh.ny, sh.nz, hood);
  const bool three_d = sh.nz > 1;
  EXPECT_EQ(lat.dim(), three_d ? 3 : 2);
  EXPECT_EQ(lat.sites(), int64_t{sh.nx} * sh.ny * sh.nz);
  EXPECT_EQ(lat.padded_sites(), int64_t{sh.nx + 2} * (sh.ny + 2) * (three_d ? sh.nz + 2 : 1));
  // Every padded index maps to a coordinate in the padded box and back.
  std::set<Coord, bool (*)(const Coord&, const Coord&)> seen([](const Coord& a, const Coord& b) {
    return std::tie(a.x, a.y, a.z) < std::tie(b.x, b.y, b.z);
  });
  for (int64_t i = 0; i < lat.padded_sites(); ++i) {
    const SiteId s = static_cast<SiteId>(i);
    const Coord c = lat.coord(s);
    ASSERT_GE(c.x, -1);
    ASSERT_LE(c.x, sh.nx);
    ASSERT_GE(c.y, -1);
    ASSERT_LE(c.y, sh.ny);
    if (three_d) {
      ASSERT_GE(c.z, -1);
      ASSERT_LE(c.z, sh.nz);
    } else {
      ASSERT_EQ(c.z, 0);
    }
    ASSERT_EQ(lat.index(c), s);
    seen.insert(c);
  }
  EXPECT_EQ(static_cast<int64_t>(seen.size()), lat.padded_sites());
  // Interior coordinates map to distinct indices and back, and are inside().
  for (int z = 0; z < sh.nz; ++z)
    for (int y = 0; y < sh.ny; ++y)
      for (int x = 0; x < sh.nx; ++x) {
        const Coord c{x, y, z};
        ASSERT_EQ(lat.coord(lat.index(x, y, z)), c);
        ASSERT_TRUE(lat.inside(c));
      }
  EXPECT_FALSE(lat.inside({-1, 0, 0}));
  EXPECT_FALSE(lat.inside({sh.nx, 0, 0}));
  EXPECT_FALSE(lat.inside({0, -1, 0}));
  EXPECT_FALSE(lat.inside({0, sh.ny, 0}));
  EXPECT_FALSE(lat.inside({0, 0, -1}));
  EXPECT_FALSE(lat.inside({0, 0, sh.nz}));
}

TEST_P(LatticeShapes, NeighbourCountsAndDeltasMatchOffsets) {
  const auto [sh, hood] = GetParam();
  const Lattice lat(sh.nx, sh.ny, sh.nz, hood);
  const bool three_d = sh.nz > 1;
  const size_t expected =
      three_d ? (hood == Neighbourhood::kMoore ? 26 : 6) : (hood == Neighbourhood::kMoore ? 8 : 4);
  ASSERT_EQ(lat.deltas().size(), expected);
  ASSERT_EQ(lat.offsets().size(), expected);
  EXPECT_EQ(lat.neighbourhood(), hood);
  std::set<int64_t> distinct;
  for (size_t k = 0; k < expected; ++k) {
    const Coord o = lat.offsets()[k];
    const int manhattan = std::abs(o.x) + std::abs(o.y) + std::abs(o.z);
    EXPECT_GE(manhattan, 1);
    EXPECT_LE(std::max({std::abs(o.x), std::abs(o.y), std::abs(o.z)}), 1);
    if (hood == Neighbourhood::kVonNeumann) {
      EXPECT_EQ(manhattan, 1);
    }
    if (!three_d) {
      EXPECT_EQ(o.z, 0);
    }
    distinct.insert(lat.deltas()[k]);
    // The index delta is the coordinate offset, at every interior site.
    for (int z = 0; z < sh.nz; ++z)
      for (int y = 0; y < sh.ny; ++y)
        for (int x = 0; x < sh.nx; ++x) {
          const int64_t s = lat.index(x, y, z);
          ASSERT_EQ(s + lat.deltas()[k], int64_t{lat.index(x + o.x, y + o.y, z + o.z)});
        }
  }
  EXPECT_EQ(distinct.size(), expected);
  EXPECT_EQ(distinct.count(0), 0u);
}

TEST_P(LatticeShapes, PaddingIsBlockedAndInteriorFree) {
  const auto [sh, hood] = GetParam();
  const Lattice lat(sh.nx, sh.ny, sh.nz, hood);
  const auto& occ = lat.occupancy();
  ASSERT_EQ(static_cast<int64_t>(occ.size()), lat.padded_sites());
  int64_t free = 0;
  for (int64_t i = 0; i < lat.padded_sites(); ++i) {
    const bool inside = lat.inside(lat.coord(static_cast<SiteId>(i)));
    EXPECT_EQ(occ[i], inside ? kFree : kBlocked) << "site " << i;
    free += occ[i] == kFree;
  }
  EXPECT_EQ(free, lat.sites());
}

TEST_P(LatticeShapes, NeighboursOfEdgeSitesLandOnBlockedPadding) {
  const auto [sh, hood] = GetParam();
  const Lattice lat(sh.nx, sh.ny, sh.nz, hood);
  const auto& occ = lat.occupancy();
  const int64_t n = static_cast<int64_t>(occ.size());
  // Every interior site: each neighbour index is inside the array; it is blocked exactly when
  // it lies outside the box. Corners are included.
  for (int z = 0; z < sh.nz; ++z)
    for (int y = 0; y < sh.ny; ++y)
      for (int x = 0; x < sh.nx; ++x)
        for (size_t k = 0; k < lat.deltas().size(); ++k) {
          const int64_t t = int64_t{lat.index(x, y, z)} + lat.deltas()[k];
          ASSERT_GE(t, 0);
          ASSERT_LT(t, n);
          const Coord o = lat.offsets()[k];
          const bool inside = lat.inside({x + o.x, y + o.y, z + o.z});
          ASSERT_EQ(occ[t], inside ? kFree : kBlocked);
        }
  // The outward diagonal neighbours of the first and last corners are the first and last
  // entries of the occupancy array.
  if (hood == Neighbourhood::kMoore) {
    const int dz = sh.nz > 1 ? 1 : 0;
    ASSERT_EQ(lat.offsets().front(), (Coord{-1, -1, -dz}));
    ASSERT_EQ(lat.offsets().back(), (Coord{1, 1, dz}));
    EXPECT_EQ(int64_t{lat.index(0, 0, 0)} + lat.deltas().front(), 0);
    EXPECT_EQ(int64_t{lat.index(sh.nx - 1, sh.ny - 1, sh.nz - 1)} + lat.deltas().back(), n - 1);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, LatticeShapes,
    ::testing::Combine(::testing::Values(Shape{5, 4, 1}, Shape{1, 1, 1}, Shape{7, 3, 1},
                                         Shape{4, 5, 3}, Shape{3, 3, 2}, Shape{2, 6, 4}),
                       ::testing::Values(Neighbourhood::kVonNeumann, Neighbourhood::kMoore)));

TEST(Lattice, RejectsEmptyExtents) {
  EXPECT_THROW(Lattice(0, 4, 1, Neighbourhood::kMoore), std::invalid_argument);
  EXPECT_THROW(Lattice(4, 0, 1, Neighbourhood::kMoore), std::invalid_argument);
  EXPECT_THROW(Lattice(4, 4, 0, Neighbourhood::kMoore), std::invalid_argument);
  EXPECT_THROW(Lattice(-3, 4, 1, Neighbourhood::kMoore), std::invalid_argument);
}

TEST(Lattice, RejectsMoreThanTwoTo32Sites) {
  // 65536 x 65536 padded is above 2^32; the check happens before any allocation.
  EXPECT_THROW(Lattice(65536, 65536, 1, Neighbourhood::kMoore), std::invalid_argument);
}

TEST(Lattice, ParsesNeighbourhoodNames) {
  EXPECT_EQ(parse_neighbourhood("moore"), Neighbourhood::kMoore);
  EXPECT_EQ(parse_neighbourhood("von_neumann"), Neighbourhood::kVonNeumann);
  EXPECT_THROW(parse_neighbourhood("Moore"), std::invalid_argument);
  EXPECT_THROW(parse_neighbourhood("hex"), std::invalid_argument);
  EXPECT_THROW(parse_neighbourhood(""), std::invalid_argument);
}

}  // namespace
}  // namespace marrow
