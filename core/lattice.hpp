#pragma once
// Lattice geometry: a 2D or 3D box of sites padded by one layer of blocked sites, so that a
// neighbour of any interior site is a valid index without bounds checks.
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/site_vector.hpp"

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

// The sites one process holds state for. In one process, every site. Distributed (several MPI
// ranks, core/comm.hpp), rank k owns a slab of whole rows of spatial blocks of `edge` sites along
// the slowest axis (y in 2D, z in 3D), rows k * R / P to (k + 1) * R / P of the R block rows;
// the padding rows at the ends belong to the first and last slabs. Its window adds `edge` / 2 + 1
// rows on each side: what its blocks' events and the field stencil read and write around the
// slab. A rank with no block row has an empty slab and window.
struct SiteWindow {
  SiteId lo = 0, hi = 0;          // padded sites [lo, hi) this rank holds state for
  SiteId own_lo = 0, own_hi = 0;  // its slab, [own_lo, own_hi)
  int row_lo = 0, row_hi = 0;     // the slab's rows along the slowest axis, [row_lo, row_hi)
  bool contains(SiteId s) const { return s >= lo && s < hi; }
  bool owns(SiteId s) const { return s >= own_lo && s < own_hi; }
  bool whole(int64_t padded_sites) const {
    return lo == 0 && static_cast<int64_t>(hi) == padded_sites && own_lo == lo && own_hi == hi;
  }
};

class Lattice {
 public:
  // nz == 1 makes a 2D lattice. With slab_edge > 0 in a distributed run, this rank's window is
  // its slab of blocks of that edge (SiteWindow); otherwise every site.
  Lattice(int nx, int ny, int nz, Neighbourhood hood, int slab_edge = 0);

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
    const uint32_t row = div_px_(s), plane = pad_z_ ? div_pxy_(s) : 0;  // 2D: one plane
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

  // One byte per padded site: kFree, kOccupied or kBlocked. Padding is kBlocked. Only the
  // window's sites hold the state; the others read as kFree.
  SiteVector<uint8_t>& occupancy() { return occupancy_; }
  const SiteVector<uint8_t>& occupancy() const { return occupancy_; }
  const SiteWindow& window() const { return window_; }
  // The first padded site of row r along the slowest axis (r from -1, the padding, to n + 1, the
  // end of the lattice).
  SiteId row_start(int r) const {
    return static_cast<SiteId>(static_cast<int64_t>(r + 1) * px_ * (nz_ > 1 ? py_ : 1));
  }
  // The slab of `rank` of `ranks` (rows along the slowest axis, [first, last)) when slabs are
  // made of blocks of `edge` (SiteWindow).
  std::array<int, 2> slab_rows(int edge, int rank, int ranks) const;
  // Rows along the slowest axis (ny in 2D, nz in 3D).
  int rows() const { return nz_ > 1 ? nz_ : ny_; }
  // Padded sites per row along the slowest axis.
  SiteId row_sites() const { return row_start(0); }
  // Rows of the window beyond each side of the slab (0 when the window is every site).
  int halo_rows() const { return halo_; }
  // f(site) over rows [row, row + rows) of the slowest axis without padding, [z][y][x].
  template <class T, class F>
  std::vector<T> unpadded_rows(int row, int count, F&& f) const {
    std::vector<T> v;
    v.reserve(static_cast<size_t>(count) * static_cast<size_t>(sites() / rows()));
    const bool planes = nz_ > 1;
    for (int z = planes ? row : 0; z < (planes ? row + count : 1); ++z)
      for (int y = planes ? 0 : row; y < (planes ? ny_ : row + count); ++y)
        for (int x = 0; x < nx_; ++x) v.push_back(f(index(x, y, z)));
    return v;
  }

 private:
  int nx_, ny_, nz_;
  int px_, py_, pz_, pad_z_;
  FastDivisor div_px_, div_pxy_;
  Neighbourhood hood_;
  std::vector<int64_t> deltas_;
  std::vector<Coord> offsets_;
  SiteVector<uint8_t> occupancy_;
  SiteWindow window_;
  int halo_ = 0;
};

Neighbourhood parse_neighbourhood(const std::string& name);  // "moore" | "von_neumann"

}  // namespace marrow
