#include "niche/fields.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "core/comm.hpp"
#include "core/halo.hpp"
#include "core/parallel.hpp"

namespace marrow {

SignalField::SignalField(FieldConfig config, const Lattice& lattice, const Geometry& geometry,
                         double site_um)
    : config_(std::move(config)), lattice_(lattice), geometry_(geometry) {
  if (!(config_.decay_per_hour > 0)) throw std::invalid_argument("field decay must be > 0");
  a_ = config_.diffusion_um2_per_s * 3600.0 / (site_um * site_um);
  c_ = SiteVector<float>(static_cast<size_t>(lattice.padded_sites()));
  const int64_t dy = int64_t{lattice.index(0, 1, 0)} - lattice.index(0, 0, 0);
  face_ = {1, -1, dy, -dy, 0, 0};
  if (lattice.dim() == 3) {
    const int64_t dz = int64_t{lattice.index(0, 0, 1)} - lattice.index(0, 0, 0);
    face_[4] = dz;
    face_[5] = -dz;
    faces_ = 6;
  }
}

void SignalField::load(const std::vector<float>& unpadded) {
  ++version_;
  if (unpadded.size() != static_cast<size_t>(lattice_.sites()))
    throw std::invalid_argument("field " + config_.name + " does not match the lattice");
  const SiteWindow& w = lattice_.window();
  size_t i = 0;
  for (int z = 0; z < lattice_.nz(); ++z)
    for (int y = 0; y < lattice_.ny(); ++y)
      for (int x = 0; x < lattice_.nx(); ++x, ++i) {
        const SiteId s = lattice_.index(x, y, z);
        if (w.contains(s)) c_[s] = unpadded[i];
      }
}

double SignalField::decay_length_um() const {
  return std::sqrt(config_.diffusion_um2_per_s * 3600.0 / config_.decay_per_hour);
}

void SignalField::scale(double factor) {
  ++version_;
  const SiteWindow& w = lattice_.window();
  for (SiteId s = w.lo; s < w.hi; ++s) c_[s] = static_cast<float>(c_[s] * factor);
}

int SignalField::solve(const SiteVector<uint8_t>& occupancy, std::optional<float> stroma,
                       double tolerance) {
  ++version_;
  // Face neighbours: marrow exchanges, vessel lumen holds c = 0 (washout), bone and the box
  // edge are closed (no flux).
  const auto& kind = geometry_.kind;
  const double k = config_.decay_per_hour, u = config_.consumption_per_hour;
  // Over-relaxation near its optimum for this screened problem (spectral radius of Jacobi
  // rho = a n / (k + a n)): omega = 2 / (1 + sqrt(1 - rho^2)). With little or no decay the
  // box's slowest mode bounds rho instead (Poisson on N sites: cos(pi / (N + 1))), so a field
  // that only washes out into vessels still converges in O(N) sweeps.
  const int span = std::max({lattice_.nx(), lattice_.ny(), lattice_.nz()});
  const double rho =
      std::min(a_ * faces_ / (k + a_ * faces_), std::cos(M_PI / static_cast<double>(span + 1)));
  const double omega = 2.0 / (1.0 + std::sqrt(1.0 - rho * rho));
  const SiteWindow& w = lattice_.window();
  double strongest = 0;
  for (const double s : config_.source) strongest = std::max(strongest, s);
  if (strongest <= 0) {
    fill_window(c_, w.lo, w.hi, 0.0f);
    return 0;
  }
  // The lines (x rows at one y and z) of this rank's slab, a piece of them at a time.
  const bool planes = lattice_.dim() == 3;
  const int lines_per_row = planes ? lattice_.ny() : 1;
  const int64_t lines = static_cast<int64_t>(w.row_hi - w.row_lo) * lines_per_row;
  const int64_t per_piece = std::max<int64_t>(1, kPiece / lattice_.nx());
  const int64_t pieces = (lines + per_piece - 1) / per_piece;
  const bool shared = comm::size() > 1;
  int sweep = 0;
  for (; sweep < 100000; ++sweep) {
    double change = 0, largest = 0;
    for (int colour = 0; colour < 2; ++colour) {
      // Pieces of a fixed size, each with its own maxima: the same result for any thread count.
      piece_max_.assign(static_cast<size_t>(2 * pieces), 0.0);
      parallel_for(
          pieces,
          [&](int64_t p) {
            double piece_change = 0, piece_largest = 0;
            for (int64_t line = p * per_piece; line < std::min(lines, (p + 1) * per_piece);
                 ++line) {
              const int r = w.row_lo + static_cast<int>(line / lines_per_row);
              const int y = planes ? static_cast<int>(line % lines_per_row) : r, z = planes ? r : 0;
              // Sites of this colour: (x + y + z) even for the first, odd for the second.
              const SiteId first = lattice_.index(0, y, z);
              for (int x = (y + z + colour) % 2; x < lattice_.nx(); x += 2) {
                const SiteId s = first + static_cast<SiteId>(x);
                if (kind[s] != kMarrow) continue;
                double sum = 0;
                int open = 0;
                for (int f = 0; f < faces_; ++f) {
                  const SiteId t = static_cast<SiteId>(s + face_[f]);
                  const uint8_t kt = kind[t];
                  if (kt == kMarrow) {
                    sum += c_[t];
                    ++open;
                  } else if (kt == kSinusoid || kt == kArteriole) {
                    ++open;  // c = 0 in the lumen
                  }
                }
                double source = config_.source[geometry_.niche[s]];
                if (stroma) source *= *stroma;
                const double uptake = occupancy[s] == kOccupied ? u : 0.0;
                const double target = (source + a_ * sum) / (k + uptake + a_ * open);
                const double next = c_[s] + omega * (target - c_[s]);
                const float v = static_cast<float>(std::max(0.0, next));
                piece_change = std::max(piece_change, std::abs(static_cast<double>(v) - c_[s]));
                piece_largest = std::max(piece_largest, static_cast<double>(v));
                c_[s] = v;
              }
            }
            piece_max_[static_cast<size_t>(2 * p)] = piece_change;
            piece_max_[static_cast<size_t>(2 * p + 1)] = piece_largest;
          },
          pieces > 1);
      for (int64_t p = 0; p < pieces; ++p) {
        change = std::max(change, piece_max_[static_cast<size_t>(2 * p)]);
        largest = std::max(largest, piece_max_[static_cast<size_t>(2 * p + 1)]);
      }
      // The next colour reads one row beyond the slab.
      if (shared) share_halo(lattice_, c_, 1);
    }
    if (shared) {
      change = comm::max(change);
      largest = comm::max(largest);
    }
    if (change <= tolerance * largest) break;
  }
  // Cells in the halo read the field too.
  if (shared) share_halo(lattice_, c_, lattice_.halo_rows());
  return sweep < 100000 ? sweep + 1 : sweep;
}

}  // namespace marrow
