#pragma once
// Lattice geometry: a 2D or 3D box of sites padded by one layer of blocked sites, so that a
// neighbour of any interior site is a valid index without bounds checks.
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace marrow {

using SiteId = uint32_t;

enum class Neighbourhood : uint8_t { kVonNeumann, kMoore };

// What the engine knows of a site: free marrow space, a cell, or no room for cells.
enum Occupancy : uint8_t { kFree = 0, kOccupied = 1, kBlocked = 2 };

struct Coord {
  int x = 0, y = 0, z = 0;
  bool operator==(const Coord&) const = default;
};

// Exact division of any 32-bit numerator by a fixed divisor with one multiplication
// (Lemire, Kaser & Kurz 2019, "Faster remainder by direct computation").
class FastDivisor {
 public:
  FastDivisor() = default;
  explicit FastDivisor(uint32_t d) : m_(~uint64_t{0} / d + 1), d_(d) {}
  uint32_t operator()(uint32_t n) const {
    return d_ == 1 ? n : static_cast<uint32_t>((static_cast<__uint128_t>(m_) * n) >> 64);
  }

 private:
  uint64_t m_ = 0;
  uint32_t d_ = 1;
};

class Lattice {
 public:
  // nz == 1 makes a 2D lattice.
  Lattice(int nx, int ny, int nz, Neighbourhood hood);

  int nx() const { return nx_; }
  int ny() const { return ny_; }
  int nz() const { return nz_; }
  int dim() const { return nz_ > 1 ? 3 : 2; }
  int64_t sites() const { return static_cast<int64_t>(nx_) * ny_ * nz_; }
  // Size of the padded index space.
  int64_t padded_sites() const { return static_cast<int64_t>(px_) * py_ * pz_; }

  SiteId index(int x, int y, int z) const {
    return static_cast<SiteId>((static_cast<int64_t>(z + pad_z_) * py_ + (y + 1)) * px_ + (x + 1));
  }
  SiteId index(Coord c) const { return index(c.x, c.y, c.z); }
  Coord coord(SiteId s) const {
    const uint32_t row = div_px_(s), plane = div_pxy_(s);
    return Coord{static_cast<int>(s - row * static_cast<uint32_t>(px_)) - 1,
                 static_cast<int>(row - plane * static_cast<uint32_t>(py_)) - 1,
                 static_cast<int>(plane) - pad_z_};
  }
  bool inside(Coord c) const {
    return c.x >= 0 && c.x < nx_ && c.y >= 0 && c.y < ny_ && c.z >= 0 && c.z < nz_;
  }

  Neighbourhood neighbourhood() const { return hood_; }
  // Index offsets of the neighbours, and the same as coordinate offsets.
  std::span<const int64_t> deltas() const { return deltas_; }
  std::span<const Coord> offsets() const { return offsets_; }

  // One byte per padded site: kFree, kOccupied or kBlocked. Padding is kBlocked.
  std::vector<uint8_t>& occupancy() { return occupancy_; }
  const std::vector<uint8_t>& occupancy() const { return occupancy_; }

 private:
  int nx_, ny_, nz_;
  int px_, py_, pz_, pad_z_;
  FastDivisor div_px_, div_pxy_;
  Neighbourhood hood_;
  std::vector<int64_t> deltas_;
  std::vector<Coord> offsets_;
  std::vector<uint8_t> occupancy_;
};

Neighbourhood parse_neighbourhood(const std::string& name);  // "moore" | "von_neumann"

}  // namespace marrow
