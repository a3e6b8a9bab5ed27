#include "core/block_grid.hpp"

#include <algorithm>
#include <stdexcept>

namespace marrow {
namespace {

// Splits [0, n) into pieces of `edge`; a remainder narrower than 2 joins the last piece.
std::vector<int> split_axis(int n, int edge, int& pieces) {
  pieces = std::max(1, n / edge);
  if (n - pieces * edge >= 2) ++pieces;
  std::vector<int> of(n);
  for (int i = 0; i < n; ++i) of[i] = std::min(i / edge, pieces - 1);
  return of;
}

}  // namespace

BlockGrid::BlockGrid(const Lattice& lattice, int edge) : edge_(edge) {
  if (edge < 2) throw std::invalid_argument("block edge must be >= 2");
  bx_of_ = split_axis(lattice.nx(), edge, nb_[0]);
  by_of_ = split_axis(lattice.ny(), edge, nb_[1]);
  bz_of_ = split_axis(lattice.nz(), edge, nb_[2]);
  const int ncol = lattice.dim() == 3 ? 8 : 4;
  by_colour_.resize(ncol);
  const int n[3] = {lattice.nx(), lattice.ny(), lattice.nz()};
  auto lo = [&](int b) { return b * edge; };
  auto hi = [&](int axis, int b, int nbk) { return b == nbk - 1 ? n[axis] : (b + 1) * edge; };
  for (int bz = 0; bz < nb_[2]; ++bz)
    for (int by = 0; by < nb_[1]; ++by)
      for (int bx = 0; bx < nb_[0]; ++bx) {
        Box box{{lo(bx), lo(by), lo(bz)},
                {hi(0, bx, nb_[0]), hi(1, by, nb_[1]), hi(2, bz, nb_[2])}};
        const int colour = (bx & 1) | ((by & 1) << 1) | (ncol == 8 ? (bz & 1) << 2 : 0);
        by_colour_[colour].push_back(static_cast<int>(boxes_.size()));
        boxes_.push_back(box);
      }
  std::erase_if(by_colour_, [](const std::vector<int>& v) { return v.empty(); });
  neighbours_.resize(boxes_.size());
  for (int bz = 0; bz < nb_[2]; ++bz)
    for (int by = 0; by < nb_[1]; ++by)
      for (int bx = 0; bx < nb_[0]; ++bx) {
        std::vector<int>& n = neighbours_[(bz * nb_[1] + by) * nb_[0] + bx];
        for (int dz = -1; dz <= 1; ++dz)
          for (int dy = -1; dy <= 1; ++dy)
            for (int dx = -1; dx <= 1; ++dx) {
              const int x = bx + dx, y = by + dy, z = bz + dz;
              if ((dx | dy | dz) == 0 || x < 0 || y < 0 || z < 0 || x >= nb_[0] || y >= nb_[1] ||
                  z >= nb_[2])
                continue;
              n.push_back((z * nb_[1] + y) * nb_[0] + x);
            }
        std::sort(n.begin(), n.end());
      }
}

}  // namespace marrow
