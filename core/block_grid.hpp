#pragma once
// Fixed spatial blocks updated in colour phases. Blocks of one colour are at least one block
// apart, and every block is at least two sites wide, so a block and its one-site halo never
// overlap another block of the same colour: those blocks can be updated concurrently, in any
// order, with the same result.
#include <cstdint>
#include <utility>
#include <vector>

#include "core/lattice.hpp"
#include "core/parallel.hpp"

namespace marrow {

struct Box {
  Coord lo, hi;  // half-open [lo, hi)
  bool contains(Coord c) const {
    return c.x >= lo.x && c.x < hi.x && c.y >= lo.y && c.y < hi.y && c.z >= lo.z && c.z < hi.z;
  }
};

class BlockGrid {
 public:
  BlockGrid(const Lattice& lattice, int edge);

  int count() const { return static_cast<int>(boxes_.size()); }
  int colours() const { return static_cast<int>(by_colour_.size()); }
  const std::vector<int>& colour(int c) const { return by_colour_[c]; }
  const Box& box(int b) const { return boxes_[b]; }
  int block_of(Coord c) const {
    return (bz_of_[c.z] * nb_[1] + by_of_[c.y]) * nb_[0] + bx_of_[c.x];
  }
  int edge() const { return edge_; }
  // The blocks whose boxes meet this block's one-site halo, in increasing order.
  const std::vector<int>& neighbours(int b) const { return neighbours_[b]; }

 private:
  int edge_;
  int nb_[3];
  std::vector<int> bx_of_, by_of_, bz_of_;
  std::vector<Box> boxes_;
  std::vector<std::vector<int>> by_colour_;
  std::vector<std::vector<int>> neighbours_;
};

// Runs f(block) for every block, colour by colour; blocks of one colour in parallel unless
// `parallel` is false (too little work to pay for waking the threads); after_colour() after each
// colour's blocks are done.
template <class F, class After>
void colour_sweep(const BlockGrid& grid, F&& f, bool parallel, After&& after_colour) {
  for (int c = 0; c < grid.colours(); ++c) {
    const std::vector<int>& ids = grid.colour(c);
    parallel_for(
        static_cast<int64_t>(ids.size()), [&](int64_t i) { f(ids[static_cast<size_t>(i)]); },
        parallel);
    after_colour();
  }
}
template <class F>
void colour_sweep(const BlockGrid& grid, F&& f, bool parallel = true) {
  colour_sweep(grid, std::forward<F>(f), parallel, [] {});
}

}  // namespace marrow
