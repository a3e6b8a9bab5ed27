#include "core/lattice.hpp"

#include <stdexcept>

#include "core/comm.hpp"

namespace marrow {

Lattice::Lattice(int nx, int ny, int nz, Neighbourhood hood, int slab_edge)
    : nx_(nx), ny_(ny), nz_(nz), hood_(hood) {
  if (nx < 1 || ny < 1 || nz < 1) throw std::invalid_argument("lattice extent must be >= 1");
  pad_z_ = nz > 1 ? 1 : 0;
  px_ = nx + 2;
  py_ = ny + 2;
  pz_ = nz + 2 * pad_z_;
  if (static_cast<double>(px_) * py_ * pz_ >= 4294967295.0)
    throw std::invalid_argument("lattice has more than 2^32 sites");
  div_px_ = FastDivisor(static_cast<uint32_t>(px_));
  div_pxy_ = FastDivisor(static_cast<uint32_t>(px_) * static_cast<uint32_t>(py_));
  const int zr = nz > 1 ? 1 : 0;
  for (int dz = -zr; dz <= zr; ++dz)
    for (int dy = -1; dy <= 1; ++dy)
      for (int dx = -1; dx <= 1; ++dx) {
        const int manhattan = std::abs(dx) + std::abs(dy) + std::abs(dz);
        if (manhattan == 0) continue;
        if (hood == Neighbourhood::kVonNeumann && manhattan != 1) continue;
        offsets_.push_back({dx, dy, dz});
        deltas_.push_back((static_cast<int64_t>(dz) * py_ + dy) * px_ + dx);
      }
  const int n = rows();
  window_ = {0, static_cast<SiteId>(padded_sites()), 0, static_cast<SiteId>(padded_sites()), 0, n};
  if (slab_edge > 0 && comm::size() > 1) {
    // A division pushes a daughter at most half a block from its block (io/scenario.cpp), and
    // reads one site beyond; the field stencil reads one row beyond the slab.
    halo_ = slab_edge / 2 + 1;
    const auto [first, last] = slab_rows(slab_edge, comm::rank(), comm::size());
    if (first >= last) {
      window_ = {};
    } else {
      window_.row_lo = first;
      window_.row_hi = last;
      window_.own_lo = window_.row_lo == 0 ? 0 : row_start(window_.row_lo);
      window_.own_hi = window_.row_hi == n ? window_.hi : row_start(window_.row_hi);
      window_.lo = row_start(std::max(-1, window_.row_lo - halo_));
      window_.hi = row_start(std::min(n + 1, window_.row_hi + halo_));
    }
  }
  // Zero (kFree) until written: the window's padding is blocked.
  occupancy_ = SiteVector<uint8_t>(static_cast<size_t>(padded_sites()));
  for (SiteId s = window_.lo; s < window_.hi; ++s)
    if (!inside(coord(s))) occupancy_[s] = kBlocked;
}

std::array<int, 2> Lattice::slab_rows(int edge, int rank, int ranks) const {
  // Block rows as BlockGrid cuts them: pieces of `edge`, a remainder under 2 joining the last.
  const int n = rows();
  int pieces = std::max(1, n / edge);
  if (n - pieces * edge >= 2) ++pieces;
  const int r0 = static_cast<int>(int64_t{rank} * pieces / ranks),
            r1 = static_cast<int>(int64_t{rank + 1} * pieces / ranks);
  auto start = [&](int r) { return r >= pieces ? n : r * edge; };
  return {start(r0), start(r1)};
}

Neighbourhood parse_neighbourhood(const std::string& name) {
  if (name == "moore") return Neighbourhood::kMoore;
  if (name == "von_neumann") return Neighbourhood::kVonNeumann;
  throw std::invalid_argument("neighbourhood must be \"moore\" or \"von_neumann\"");
}

}  // namespace marrow
