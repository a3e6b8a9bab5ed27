#pragma once
// Diffusing signals on the lattice (CXCL12, SCF, or any user-defined field): secreted at niche
// sites, diffusing through marrow, decaying, washed out in vessel lumen, taken up by cells if
// configured. Diffusion (seconds) is far faster than cell events (hours to weeks), so the field
// is solved quasi-steady: -D lap c + (k + u occ) c = S, by red-black successive
// over-relaxation, re-solved when its sources or the cells change.
#include <array>
#include <optional>
#include <string>
#include <vector>

#include "core/lattice.hpp"
#include "niche/geometry.hpp"

namespace marrow {

struct FieldConfig {
  std::string name;
  double diffusion_um2_per_s = 100;
  double decay_per_hour = 100;
  std::array<double, 4> source{};   // per hour, per NicheKind (index 0: none)
  double consumption_per_hour = 0;  // uptake by a cell on the site
  double update_hours = 24;         // re-solve interval while cells take it up
  bool chemoattractant = false;     // migrating cells climb its gradient (type chemotaxis)
};

class SignalField {
 public:
  SignalField(FieldConfig config, const Lattice& lattice, const Geometry& geometry, double site_um);

  // Solves for the current occupancy (uptake) and stromal support (scales the sources; none:
  // full support). Starts from the previous solution and stops when a sweep changes no value by
  // more than `tolerance` times the largest value. Returns the sweeps used. Distributed, each
  // rank updates the sites of its slab and takes its halo from its neighbours after each colour;
  // the result is the same (a site's update reads only sites of the other colour).
  int solve(const SiteVector<uint8_t>& occupancy, std::optional<float> stroma,
            double tolerance = 1e-5);
  // Multiplies every value (sources scaled uniformly, no uptake: the solution scales).
  void scale(double factor);

  const FieldConfig& config() const { return config_; }
  float at(SiteId s) const { return c_[s]; }
  // Per padded site (the window's sites in a distributed run).
  const SiteVector<float>& values() const { return c_; }
  // Sets the window's values from values over the unpadded lattice, [z][y][x] (a checkpoint).
  void load(const std::vector<float>& unpadded);
  // Changes with every change of the values (solve, scale, load).
  uint64_t version() const { return version_; }
  // Decay length sqrt(D / k) in micrometres.
  double decay_length_um() const;

 private:
  FieldConfig config_;
  const Lattice& lattice_;
  const Geometry& geometry_;
  double a_;  // D / dx^2, per hour
  SiteVector<float> c_;
  uint64_t version_ = 0;
  static constexpr int64_t kPiece = 8192;  // sites a thread takes at a time (whole lines)
  std::vector<double> piece_max_;          // per piece: largest change, largest value
  std::array<int64_t, 6> face_{};
  int faces_ = 4;
};

}  // namespace marrow
