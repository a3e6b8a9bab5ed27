#include "core/lattice.hpp"

#include <stdexcept>

namespace marrow {

Lattice::Lattice(int nx, int ny, int nz, Neighbourhood hood)
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
  occupancy_.assign(static_cast<size_t>(padded_sites()), kBlocked);
  for (int z = 0; z < nz; ++z)
    for (int y = 0; y < ny; ++y)
      for (int x = 0; x < nx; ++x) occupancy_[index(x, y, z)] = kFree;
}

Neighbourhood parse_neighbourhood(const std::string& name) {
  if (name == "moore") return Neighbourhood::kMoore;
  if (name == "von_neumann") return Neighbourhood::kVonNeumann;
  throw std::invalid_argument("neighbourhood must be \"moore\" or \"von_neumann\"");
}

}  // namespace marrow
