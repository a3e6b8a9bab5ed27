// Spatial blocks and colour phases: a partition of the lattice in which blocks of one colour
// can be updated concurrently because their one-site halos never overlap.
#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <tuple>
#include <vector>

#include "core/block_grid.hpp"

namespace marrow {
namespace {

struct GridCase {
  int nx, ny, nz, edge;
};

Box grown(const Box& b) {
  return Box{{b.lo.x - 1, b.lo.y - 1, b.lo.z - 1}, {b.hi.x + 1, b.hi.y + 1, b.hi.z + 1}};
}

bool overlap(const Box& a, const Box& b, bool three_d) {
  const bool x = a.lo.x < b.hi.x && b.lo.x < a.hi.x;
  const bool y = a.lo.y < b.hi.y && b.lo.y < a.hi.y;
  const bool z = !three_d || (a.lo.z < b.hi.z && b.lo.z < a.hi.z);
  return x && y && z;
}

class BlockGridCases : public ::testing::TestWithParam<GridCase> {};

TEST_P(BlockGridCases, EverySiteBelongsToExactlyOneBox) {
  const GridCase g = GetParam();
  const Lattice lat(g.nx, g.ny, g.nz, Neighbourhood::kMoore);
  const BlockGrid grid(lat, g.edge);
  EXPECT_EQ(grid.edge(), g.edge);
  int64_t volume = 0;
  for (int b = 0; b < grid.count(); ++b) {
    const Box& box = grid.box(b);
    volume += int64_t{box.hi.x - box.lo.x} * (box.hi.y - box.lo.y) * (box.hi.z - box.lo.z);
  }
  EXPECT_EQ(volume, lat.sites());
  for (int z = 0; z < g.nz; ++z)
    for (int y = 0; y < g.ny; ++y)
      for (int x = 0; x < g.nx; ++x) {
        const Coord c{x, y, z};
        int holders = 0, holder = -1;
        for (int b = 0; b < grid.count(); ++b)
          if (grid.box(b).contains(c)) {
            ++holders;
            holder = b;
          }
        ASSERT_EQ(holders, 1) << x << "," << y << "," << z;
        ASSERT_EQ(grid.block_of(c), holder) << x << "," << y << "," << z;
      }
}

TEST_P(BlockGridCases, BlocksAreAtLeastTwoWide) {
  const GridCase g = GetParam();
  const Lattice lat(g.nx, g.ny, g.nz, Neighbourhood::kMoore);
  const BlockGrid grid(lat, g.edge);
  for (int b = 0; b < grid.count(); ++b) {
    const Box& box = grid.box(b);
    EXPECT_GE(box.hi.x - box.lo.x, 2) << "block " << b;
    EXPECT_GE(box.hi.y - box.lo.y, 2) << "block " << b;
    if (lat.dim() == 3) {
      EXPECT_GE(box.hi.z - box.lo.z, 2) << "block " << b;
    } else {
      EXPECT_EQ(box.lo.z, 0);
      EXPECT_EQ(box.hi.z, 1);
    }
    // No block is wider than edge + 1 (a remainder of one site joins the last block).
    EXPECT_LE(box.hi.x - box.lo.x, g.edge + 1) << "block " << b;
    EXPECT_LE(box.hi.y - box.lo.y, g.edge + 1) << "block " << b;
    EXPECT_LE(box.hi.z - box.lo.z, g.edge + 1) << "block " << b;
  }
}

TEST_P(BlockGridCases, SameColourHalosNeverOverlap) {
  const GridCase g = GetParam();
  const Lattice lat(g.nx, g.ny, g.nz, Neighbourhood::kMoore);
  const BlockGrid grid(lat, g.edge);
  const bool three_d = lat.dim() == 3;
  EXPECT_LE(grid.colours(), three_d ? 8 : 4);
  for (int c = 0; c < grid.colours(); ++c) {
    const auto& ids = grid.colour(c);
    EXPECT_FALSE(ids.empty());
    for (size_t i = 0; i < ids.size(); ++i)
      for (size_t j = i + 1; j < ids.size(); ++j)
        EXPECT_FALSE(overlap(grown(grid.box(ids[i])), grown(grid.box(ids[j])), three_d))
            << "colour " << c << ": blocks " << ids[i] << " and " << ids[j];
  }
}

TEST_P(BlockGridCases, ColourSweepVisitsEveryBlockOnceColourByColour) {
  const GridCase g = GetParam();
  const Lattice lat(g.nx, g.ny, g.nz, Neighbourhood::kMoore);
  const BlockGrid grid(lat, g.edge);
  std::vector<std::atomic<int>> visits(static_cast<size_t>(grid.count()));
  std::vector<int> colour_of(static_cast<size_t>(grid.count()), -1);
  int listed = 0;
  for (int c = 0; c < grid.colours(); ++c)
    for (const int b : grid.colour(c)) {
      ASSERT_EQ(colour_of[b], -1) << "block " << b << " has two colours";
      colour_of[b] = c;
      ++listed;
    }
  EXPECT_EQ(listed, grid.count());
  // Every visit of a block of colour c happens after all blocks of lower colours finished.
  std::atomic<int> finished_below{0};
  std::vector<int> done_before(static_cast<size_t>(grid.colours()), 0);
  int start = 0;
  for (int c = 0; c < grid.colours(); ++c) {
    done_before[c] = start;
    start += static_cast<int>(grid.colour(c).size());
  }
  std::atomic<bool> ordered{true};
  colour_sweep(grid, [&](int b) {
    if (finished_below.load() < done_before[colour_of[b]]) ordered = false;
    ++visits[b];
    ++finished_below;
  });
  for (int b = 0; b < grid.count(); ++b) EXPECT_EQ(visits[b].load(), 1) << "block " << b;
  EXPECT_TRUE(ordered.load());
}

INSTANTIATE_TEST_SUITE_P(Sizes, BlockGridCases,
                         ::testing::Values(GridCase{65, 33, 1, 32}, GridCase{64, 64, 1, 32},
                                           GridCase{3, 3, 1, 32}, GridCase{66, 34, 1, 32},
                                           GridCase{17, 9, 1, 2}, GridCase{5, 7, 1, 4},
                                           GridCase{13, 11, 1, 3}, GridCase{33, 17, 9, 8},
                                           GridCase{12, 12, 12, 4}, GridCase{9, 5, 3, 2},
                                           GridCase{65, 3, 7, 16}));

TEST(BlockGrid, SplitsAxesAsDocumented) {
  // 65 = 2 x 32 + 1: the remainder of one joins the last block; 66 gives a third block of 2.
  const Lattice a(65, 66, 1, Neighbourhood::kMoore);
  const BlockGrid ga(a, 32);
  EXPECT_EQ(ga.count(), 2 * 3);
  EXPECT_EQ(ga.box(ga.block_of({64, 0, 0})).lo.x, 32);
  EXPECT_EQ(ga.box(ga.block_of({64, 0, 0})).hi.x, 65);
  EXPECT_EQ(ga.box(ga.block_of({0, 65, 0})).lo.y, 64);
  EXPECT_EQ(ga.box(ga.block_of({0, 65, 0})).hi.y, 66);
  EXPECT_EQ(ga.colours(), 4);
  // A lattice smaller than one block is one block of one colour.
  const Lattice b(3, 3, 1, Neighbourhood::kMoore);
  const BlockGrid gb(b, 32);
  EXPECT_EQ(gb.count(), 1);
  EXPECT_EQ(gb.colours(), 1);
  // 3D uses eight colours.
  const Lattice c(8, 8, 8, Neighbourhood::kVonNeumann);
  EXPECT_EQ(BlockGrid(c, 2).colours(), 8);
}

TEST(BlockGrid, RejectsEdgeBelowTwo) {
  const Lattice lat(8, 8, 1, Neighbourhood::kMoore);
  EXPECT_THROW(BlockGrid(lat, 1), std::invalid_argument);
  EXPECT_THROW(BlockGrid(lat, 0), std::invalid_argument);
}

}  // namespace
}  // namespace marrow
