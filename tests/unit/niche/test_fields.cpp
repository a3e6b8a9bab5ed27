// The signal-field solver against analytical solutions: a source plane with decay gives the
// profile exp(-x / lambda), lambda = sqrt(D / k), with second-order convergence as the grid is
// refined; production balances decay and vessel washout (mass conservation).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/lattice.hpp"
#include "niche/fields.hpp"
#include "niche/geometry.hpp"

namespace marrow {
namespace {

// An all-marrow strip nx x 3 with closed faces; the sites of column 0 are endosteal niches
// (the only sources).
Geometry strip(const Lattice& lat) {
  Geometry g;
  g.kind.assign(static_cast<size_t>(lat.padded_sites()), kBone);
  g.niche.assign(g.kind.size(), kNoNiche);
  g.supportive.assign(g.kind.size(), 0);
  for (int y = 0; y < lat.ny(); ++y)
    for (int x = 0; x < lat.nx(); ++x) {
      const SiteId s = lat.index(x, y, 0);
      g.kind[s] = kMarrow;
      if (x == 0) g.niche[s] = kEndosteal;
    }
  return g;
}

FieldConfig plane_source(double decay_per_hour) {
  FieldConfig c;
  c.name = "test";
  c.diffusion_um2_per_s = 100;
  c.decay_per_hour = decay_per_hour;
  c.source[kEndosteal] = 1.0;
  return c;
}

// Largest error of c(x) / c(0) against exp(-x / lambda) over 0 <= x <= 4 lambda, for a grid of
// `per_lambda` sites per decay length.
double profile_error(int per_lambda) {
  const double decay = 100.0;                             // per hour
  const double lambda = std::sqrt(100.0 * 3600 / decay);  // 60 um
  const double dx = lambda / per_lambda;
  const int nx = 12 * per_lambda;  // 12 decay lengths: the closed far end does not matter
  Lattice lat(nx, 3, 1, Neighbourhood::kVonNeumann);
  const Geometry g = strip(lat);
  SignalField f(plane_source(decay), lat, g, dx);
  const SiteVector<uint8_t> occ(static_cast<size_t>(lat.padded_sites()));  // kFree
  const int sweeps = f.solve(occ, {}, 1e-6);
  EXPECT_LT(sweeps, 100000) << "not converged";
  const double c0 = f.at(lat.index(0, 1, 0));
  double worst = 0;
  for (int x = 0; x <= 4 * per_lambda; ++x) {
    const double exact = std::exp(-x * dx / lambda);
    worst = std::max(worst, std::abs(f.at(lat.index(x, 1, 0)) / c0 - exact));
  }
  return worst;
}

TEST(Fields, PlaneSourceProfileConvergesAtSecondOrder) {
  std::vector<double> err;
  for (const int n : {2, 4, 8, 16}) err.push_back(profile_error(n));
  for (size_t i = 0; i + 1 < err.size(); ++i) {
    const double order = std::log2(err[i] / err[i + 1]);
    RecordProperty("order_" + std::to_string(i), std::to_string(order));
    std::printf("sites per decay length %d: error %.3e; observed order %.2f\n", 2 << i, err[i],
                order);
    EXPECT_GT(order, 1.8) << "errors " << err[i] << " -> " << err[i + 1];
    EXPECT_LT(order, 2.2);
  }
  EXPECT_LT(err.back(), 2e-3);
}

// Sum of production and of losses: decay over the marrow, washout into the vessel lumen.
TEST(Fields, ProductionBalancesDecayAndWashout) {
  // Down to (almost) no decay: the vessel then takes all of it, and the solver still converges.
  for (const double decay : {100.0, 1.0, 1e-3, 1e-9}) {
    Lattice lat(40, 5, 1, Neighbourhood::kVonNeumann);
    Geometry g = strip(lat);
    // A vessel column at the far end: the lumen holds c = 0.
    for (int y = 0; y < lat.ny(); ++y) g.kind[lat.index(39, y, 0)] = kSinusoid;
    const double site_um = 10;
    SignalField f(plane_source(decay), lat, g, site_um);
    const SiteVector<uint8_t> occ(static_cast<size_t>(lat.padded_sites()));  // kFree
    const int sweeps = f.solve(occ, {}, 5e-6);
    EXPECT_LT(sweeps, 5000) << "decay " << decay << ": slow to converge";
    const double a = 100.0 * 3600 / (site_um * site_um);
    double produced = 0, decayed = 0, washed = 0;
    for (int y = 0; y < lat.ny(); ++y)
      for (int x = 0; x < 39; ++x) {
        const SiteId s = lat.index(x, y, 0);
        produced += x == 0 ? 1.0 : 0.0;
        decayed += decay * f.at(s);
        if (x == 38) washed += a * f.at(s);  // flux a (c - 0) across the face into the lumen
      }
    EXPECT_NEAR(decayed + washed, produced, 1e-3 * produced) << "decay " << decay;
    if (decay < 1) {
      EXPECT_GT(washed, 0.9 * produced) << "without decay the vessel takes it all";
    }
    if (decay < 1e-6) {
      EXPECT_GT(washed, 0.999 * produced);
    }
  }
}

}  // namespace
}  // namespace marrow
