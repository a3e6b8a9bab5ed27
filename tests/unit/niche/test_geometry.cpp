// Procedural marrow geometry: bone, vessels, niches and supportive sites.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <tuple>
#include <vector>

#include "core/lattice.hpp"
#include "niche/geometry.hpp"

namespace marrow {
namespace {

GeometryConfig config(uint64_t seed = 3, int bone = 4, int sinusoids = 3, int width = 2,
                      int arterioles = 1) {
  GeometryConfig c;
  c.seed = seed;
  c.bone_thickness = bone;
  c.sinusoids = sinusoids;
  c.sinusoid_width = width;
  c.arterioles = arterioles;
  return c;
}

template <class F>
void for_each_site(const Lattice& lat, F&& f) {
  for (int z = 0; z < lat.nz(); ++z)
    for (int y = 0; y < lat.ny(); ++y)
      for (int x = 0; x < lat.nx(); ++x) f(x, y, z, lat.index(x, y, z));
}

// The niche of a marrow site from the rule alone: the kinds of its face neighbours inside the
// box; arteriole over bone over sinusoid.
NicheKind expected_niche(const Lattice& lat, const Geometry& g, int x, int y, int z) {
  std::vector<Coord> faces = {{x + 1, y, z}, {x - 1, y, z}, {x, y + 1, z}, {x, y - 1, z}};
  if (lat.dim() == 3) {
    faces.push_back({x, y, z + 1});
    faces.push_back({x, y, z - 1});
  }
  bool art = false, bone = false, sin = false;
  for (const Coord c : faces) {
    if (!lat.inside(c)) continue;
    const uint8_t k = g.kind[lat.index(c)];
    art |= k == kArteriole;
    bone |= k == kBone;
    sin |= k == kSinusoid;
  }
  return art ? kArteriolar : bone ? kEndosteal : sin ? kSinusoidal : kNoNiche;
}

TEST(Geometry, BoneAlongTheFacesWithTheGivenThickness) {
  for (const int t : {0, 1, 4}) {
    const Lattice lat2(40, 30, 1, Neighbourhood::kMoore);
    const Lattice lat3(20, 18, 16, Neighbourhood::kVonNeumann);
    for (const Lattice* lat : {&lat2, &lat3}) {
      const Geometry g = generate_geometry(*lat, config(3, t));
      ASSERT_EQ(static_cast<int64_t>(g.kind.size()), lat->padded_sites());
      const bool three_d = lat->dim() == 3;
      for_each_site(*lat, [&](int x, int y, int z, SiteId s) {
        const bool bone = x < t || y < t || x >= lat->nx() - t || y >= lat->ny() - t ||
                          (three_d && (z < t || z >= lat->nz() - t));
        ASSERT_EQ(g.kind[s] == kBone, bone) << x << "," << y << "," << z << " t=" << t;
      });
      // Padding counts as bone.
      for (int64_t i = 0; i < lat->padded_sites(); ++i)
        if (!lat->inside(lat->coord(static_cast<SiteId>(i)))) {
          ASSERT_EQ(g.kind[i], kBone);
        }
    }
  }
}

// Runs of sinusoid sites along x on row y (2D).
std::vector<std::pair<int, int>> sinusoid_runs(const Lattice& lat, const Geometry& g, int y) {
  std::vector<std::pair<int, int>> runs;
  for (int x = 0; x < lat.nx(); ++x) {
    if (g.kind[lat.index(x, y, 0)] != kSinusoid) continue;
    if (!runs.empty() && runs.back().first + runs.back().second == x)
      ++runs.back().second;
    else
      runs.push_back({x, 1});
  }
  return runs;
}

TEST(Geometry, RequestedVesselsArePresent2D) {
  const Lattice lat(120, 80, 1, Neighbourhood::kMoore);
  for (const int n : {1, 3, 5}) {
    for (const int arterioles : {0, 1, 2}) {
      const GeometryConfig cfg = config(11, 4, n, 2, arterioles);
      const Geometry g = generate_geometry(lat, cfg);
      // Arterioles: whole marrow rows across x.
      std::vector<int> art_rows;
      for (int y = 0; y < lat.ny(); ++y)
        if (g.kind[lat.index(lat.nx() / 2, y, 0)] == kArteriole) art_rows.push_back(y);
      EXPECT_EQ(static_cast<int>(art_rows.size()), arterioles);
      for (const int y : art_rows)
        for (int x = 4; x < lat.nx() - 4; ++x)
          ASSERT_EQ(g.kind[lat.index(x, y, 0)], kArteriole) << x << "," << y;
      // Sinusoids: the same n runs of width 2 on every other marrow row (straight along y).
      std::vector<std::pair<int, int>> first;
      for (int y = 4; y < lat.ny() - 4; ++y) {
        if (std::find(art_rows.begin(), art_rows.end(), y) != art_rows.end()) continue;
        const auto runs = sinusoid_runs(lat, g, y);
        if (first.empty()) first = runs;
        ASSERT_EQ(runs, first) << "row " << y;
      }
      ASSERT_EQ(static_cast<int>(first.size()), n) << n << " sinusoids";
      for (const auto& [x0, width] : first) {
        EXPECT_EQ(width, 2);
        EXPECT_GE(x0, 4);
        EXPECT_LE(x0 + width, lat.nx() - 4);
      }
      // No vessel inside the bone.
      for (int y = 0; y < 4; ++y)
        for (int x = 0; x < lat.nx(); ++x) ASSERT_EQ(g.kind[lat.index(x, y, 0)], kBone);
    }
  }
}

TEST(Geometry, RequestedVesselsArePresent3D) {
  // Sinusoids are tubes of width x width sites; arterioles single-site lines along x.
  const Lattice lat(48, 30, 40, Neighbourhood::kVonNeumann);
  const GeometryConfig cfg = config(5, 3, 3, 2, 2);
  const Geometry g = generate_geometry(lat, cfg);
  int64_t sinusoid = 0, arteriole = 0;
  for_each_site(lat, [&](int, int, int, SiteId s) {
    sinusoid += g.kind[s] == kSinusoid;
    arteriole += g.kind[s] == kArteriole;
  });
  EXPECT_EQ(arteriole, 2 * (lat.nx() - 6));  // two lines along x through the marrow
  // Cross-section through a plane free of arterioles: 3 tubes of 2 x 2.
  int best = -1;
  for (int y = 3; y < lat.ny() - 3 && best < 0; ++y) {
    bool has_art = false;
    for (int z = 0; z < lat.nz(); ++z)
      for (int x = 0; x < lat.nx(); ++x) has_art |= g.kind[lat.index(x, y, z)] == kArteriole;
    if (!has_art) best = y;
  }
  ASSERT_GE(best, 0);
  int in_plane = 0;
  for (int z = 0; z < lat.nz(); ++z)
    for (int x = 0; x < lat.nx(); ++x) in_plane += g.kind[lat.index(x, best, z)] == kSinusoid;
  EXPECT_EQ(in_plane, 3 * 2 * 2);
  // Straight: the cross-section is the same in every marrow plane without arterioles. The
  // tubes run along y (positions are drawn in x and z; the comment in generate_geometry says z).
  for (int y = 3; y < lat.ny() - 3; ++y)
    for (int z = 0; z < lat.nz(); ++z)
      for (int x = 0; x < lat.nx(); ++x) {
        const uint8_t k = g.kind[lat.index(x, y, z)];
        if (k == kArteriole) continue;
        ASSERT_EQ(k == kSinusoid, g.kind[lat.index(x, best, z)] == kSinusoid);
      }
  EXPECT_GT(sinusoid, 0);
}

TEST(Geometry, NicheSitesAreMarrowWithAFaceNeighbourOfBoneOrVessel) {
  const Lattice lat2(70, 50, 1, Neighbourhood::kMoore);
  const Lattice lat3(30, 26, 22, Neighbourhood::kMoore);
  for (const Lattice* lat : {&lat2, &lat3}) {
    for (const int bone : {0, 3}) {
      GeometryConfig cfg = config(9, bone, 3, 2, 2);
      cfg.supportive = {kEndosteal, kSinusoidal, kArteriolar};
      const Geometry g = generate_geometry(*lat, cfg);
      std::vector<int64_t> of_kind(4, 0);
      int64_t marrow = 0, supportive = 0;
      for_each_site(*lat, [&](int x, int y, int z, SiteId s) {
        if (g.kind[s] != kMarrow) {
          ASSERT_EQ(g.niche[s], kNoNiche);
          ASSERT_EQ(g.supportive[s], 0);
          return;
        }
        ++marrow;
        const NicheKind n = expected_niche(*lat, g, x, y, z);
        ASSERT_EQ(g.niche[s], n) << x << "," << y << "," << z;
        ++of_kind[n];
        supportive += g.supportive[s];
      });
      EXPECT_EQ(g.marrow_sites, marrow);
      EXPECT_EQ(g.niche_sites, supportive);
      EXPECT_EQ(supportive, of_kind[1] + of_kind[2] + of_kind[3]);
      EXPECT_GT(of_kind[kSinusoidal], 0);
      EXPECT_GT(of_kind[kArteriolar], 0);
      EXPECT_GT(of_kind[kNoNiche], 0);
      // The edge of the box is not bone: without bone there is no endosteal niche.
      if (bone == 0) {
        EXPECT_EQ(of_kind[kEndosteal], 0);
      } else {
        EXPECT_GT(of_kind[kEndosteal], 0);
      }
    }
  }
}

TEST(Geometry, NichesUseFaceContactWhateverTheNeighbourhood) {
  const Lattice moore(50, 40, 1, Neighbourhood::kMoore), vn(50, 40, 1, Neighbourhood::kVonNeumann);
  const GeometryConfig cfg = config(2, 3, 2, 2, 1);
  const Geometry a = generate_geometry(moore, cfg), b = generate_geometry(vn, cfg);
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.niche, b.niche);
  // A site touching bone only diagonally is not a niche.
  const SiteId diag = moore.index(3, 3, 0);  // bone is x < 3 or y < 3
  ASSERT_EQ(a.kind[diag], kMarrow);
  EXPECT_EQ(a.niche[moore.index(3, 3, 0)], kEndosteal);  // faces (2,3) and (3,2) are bone
  EXPECT_EQ(a.niche[moore.index(4, 4, 0)] == kEndosteal, false);
}

TEST(Geometry, SupportiveMarksOnlyTheConfiguredKinds) {
  const Lattice lat(80, 60, 1, Neighbourhood::kMoore);
  const std::vector<std::vector<NicheKind>> choices = {{},
                                                       {kEndosteal},
                                                       {kSinusoidal},
                                                       {kArteriolar},
                                                       {kSinusoidal, kArteriolar},
                                                       {kEndosteal, kSinusoidal, kArteriolar}};
  for (const auto& kinds : choices) {
    GeometryConfig cfg = config(4, 3, 3, 2, 2);
    cfg.supportive = kinds;
    const Geometry g = generate_geometry(lat, cfg);
    int64_t n = 0;
    for (size_t s = 0; s < g.niche.size(); ++s) {
      const bool want = g.niche[s] != kNoNiche &&
                        std::find(kinds.begin(), kinds.end(), g.niche[s]) != kinds.end();
      ASSERT_EQ(g.supportive[s], want ? 1 : 0) << "site " << s;
      n += want;
    }
    EXPECT_EQ(g.niche_sites, n);
    if (!kinds.empty()) {
      EXPECT_GT(n, 0);
    }
  }
}

TEST(Geometry, SameSeedSameGeometryDifferentSeedDifferentVessels) {
  const Lattice lat(200, 60, 1, Neighbourhood::kMoore);
  GeometryConfig cfg = config(7, 4, 4, 2, 1);
  const Geometry a = generate_geometry(lat, cfg);
  const Geometry b = generate_geometry(lat, cfg);
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.niche, b.niche);
  EXPECT_EQ(a.supportive, b.supportive);
  EXPECT_EQ(a.niche_sites, b.niche_sites);
  // Another seed moves the sinusoids (positions jitter by up to a quarter of the spacing).
  std::set<std::vector<std::pair<int, int>>> layouts;
  for (uint64_t seed = 7; seed < 12; ++seed) {
    cfg.seed = seed;
    const Geometry g = generate_geometry(lat, cfg);
    int row = 4;
    while (g.kind[lat.index(100, row, 0)] == kArteriole) ++row;
    const auto runs = sinusoid_runs(lat, g, row);
    EXPECT_EQ(runs.size(), 4u);
    layouts.insert(runs);
    if (seed != 7) {
      EXPECT_NE(g.kind, a.kind) << "seed " << seed;
    }
  }
  EXPECT_EQ(layouts.size(), 5u);
  // 3D as well.
  const Lattice lat3(40, 20, 40, Neighbourhood::kMoore);
  GeometryConfig cfg3 = config(1, 2, 3, 2, 1);
  const Geometry c = generate_geometry(lat3, cfg3);
  EXPECT_EQ(c.kind, generate_geometry(lat3, cfg3).kind);
  cfg3.seed = 2;
  EXPECT_NE(c.kind, generate_geometry(lat3, cfg3).kind);
}

TEST(Geometry, ApplyGeometryBlocksNonMarrowSites) {
  Lattice lat(30, 20, 1, Neighbourhood::kMoore);
  const Geometry g = generate_geometry(lat, config(1, 2, 2, 2, 1));
  apply_geometry(g, lat);
  for (size_t s = 0; s < g.kind.size(); ++s)
    ASSERT_EQ(lat.occupancy()[s], g.kind[s] == kMarrow ? kFree : kBlocked) << s;
}

TEST(Geometry, ClassifyNichesRecountsAfterAnEdit) {
  const Lattice lat(30, 20, 1, Neighbourhood::kMoore);
  GeometryConfig cfg = config(1, 2, 0, 2, 0);
  Geometry g = generate_geometry(lat, cfg);
  const int64_t marrow = g.marrow_sites;
  // Carve one vessel site in the middle: its four face neighbours become sinusoidal niches.
  g.kind[lat.index(15, 10, 0)] = kSinusoid;
  cfg.supportive = {kSinusoidal};
  classify_niches(lat, cfg, g);
  EXPECT_EQ(g.marrow_sites, marrow - 1);
  EXPECT_EQ(g.niche_sites, 4);
  EXPECT_EQ(g.niche[lat.index(14, 10, 0)], kSinusoidal);
  EXPECT_EQ(g.niche[lat.index(15, 11, 0)], kSinusoidal);
  EXPECT_EQ(g.niche[lat.index(14, 11, 0)], kNoNiche);
}

TEST(Geometry, NicheKindNames) {
  EXPECT_EQ(niche_kind_of("endosteal"), kEndosteal);
  EXPECT_EQ(niche_kind_of("sinusoidal"), kSinusoidal);
  EXPECT_EQ(niche_kind_of("arteriolar"), kArteriolar);
  EXPECT_EQ(niche_kind_of("none"), -1);
  EXPECT_EQ(niche_kind_of("bone"), -1);
  EXPECT_EQ(kSiteKindNames.size(), 4u);
  EXPECT_EQ(kNicheKindNames[kSinusoidal], "sinusoidal");
}

}  // namespace
}  // namespace marrow

namespace marrow {
namespace {

TEST(Geometry, NicheFractionKeepsThatShareOfTheSupportiveSites) {
  // Each supportive site is kept with probability f: the kept count is binomial, so 4 standard
  // errors, 4 sqrt(n f (1 - f)), bound its distance from n f. Kept sites are a subset.
  Lattice lat(300, 300, 1, Neighbourhood::kMoore);
  GeometryConfig all = config(9, 4, 6, 2, 2);
  const Geometry full = generate_geometry(lat, all);
  all.supportive_fraction = 0.5;
  const Geometry half = generate_geometry(lat, all);
  const double n = static_cast<double>(full.niche_sites);
  ASSERT_GT(n, 1000);
  EXPECT_NEAR(static_cast<double>(half.niche_sites), 0.5 * n, 4 * std::sqrt(n * 0.25));
  for (size_t s = 0; s < half.supportive.size(); ++s) {
    if (half.supportive[s]) {
      EXPECT_TRUE(full.supportive[s]);
    }
  }
}

}  // namespace
}  // namespace marrow

namespace marrow {
namespace {

GeometryConfig network(uint64_t seed, double sinusoids, double arterioles, double trabeculae) {
  GeometryConfig c;
  c.seed = seed;
  c.generator = "network";
  c.bone_thickness = 3;
  c.sinusoid_width = 2;
  c.sinusoid_fraction = sinusoids;
  c.arteriole_fraction = arterioles;
  c.trabecular_fraction = trabeculae;
  c.segment_length = 30;
  return c;
}

TEST(Geometry, NetworkReachesTheConfiguredVolumeFractionsOverSeeds) {
  // 2D and 3D, several seeds: sinusoid, arteriole and trabecular shares of the cavity within 2
  // percentage points of the configured ones.
  const Lattice flat(200, 160, 1, Neighbourhood::kMoore);
  const Lattice cube(48, 40, 36, Neighbourhood::kMoore);
  for (const Lattice* lat : {&flat, &cube})
    for (const uint64_t seed : {1u, 2u, 3u, 4u, 5u})
      for (const auto& [s, a, t] : {std::tuple{0.3, 0.01, 0.0}, std::tuple{0.2, 0.02, 0.1}}) {
        const GeometryConfig c = network(seed, s, a, t);
        const Geometry g = generate_geometry(*lat, c);
        const auto f = cavity_fractions(*lat, c, g);
        EXPECT_NEAR(f[kSinusoid], s, 0.02) << "seed " << seed << " dim " << lat->dim();
        EXPECT_NEAR(f[kArteriole], a, 0.02) << "seed " << seed << " dim " << lat->dim();
        EXPECT_NEAR(f[kBone], t, 0.02) << "seed " << seed << " dim " << lat->dim();
        EXPECT_GT(g.niche_sites, 0);
      }
}

TEST(Geometry, NichePatchesKeepOrDropWholePatches) {
  // Drawn by 16-site patches, a patch's niche sites are all kept or all dropped, and the kept
  // share is binomial over patches: kept sites n_k over all n, each patch p with n_p sites kept
  // with probability f, has variance f (1 - f) sum n_p^2; 4 standard deviations bound it.
  const int edge = 16;
  Lattice lat(512, 512, 1, Neighbourhood::kMoore);
  GeometryConfig c = network(4, 0.3, 0.01, 0.0);
  const Geometry full = generate_geometry(lat, c);
  c.supportive_fraction = 0.25;
  c.supportive_patch = edge;
  const Geometry part = generate_geometry(lat, c);
  std::map<int, std::pair<int, int>> patch;  // patch -> (niche sites, kept)
  for_each_site(lat, [&](int x, int y, int, SiteId s) {
    if (!full.supportive[s]) {
      EXPECT_FALSE(part.supportive[s]);
      return;
    }
    auto& [n, kept] = patch[(y / edge) * 1000 + x / edge];
    ++n;
    kept += part.supportive[s];
  });
  double sum_sq = 0;
  int mixed = 0;
  for (const auto& [id, nk] : patch) {
    sum_sq += static_cast<double>(nk.first) * nk.first;
    mixed += nk.second != 0 && nk.second != nk.first;
  }
  EXPECT_EQ(mixed, 0);
  const double n = static_cast<double>(full.niche_sites);
  EXPECT_NEAR(static_cast<double>(part.niche_sites), 0.25 * n, 4 * std::sqrt(0.25 * 0.75 * sum_sq));
  EXPECT_GT(part.niche_sites, 0);
}

TEST(Geometry, NetworkSameSeedSameGeometryOtherSeedOther) {
  const Lattice lat(120, 100, 1, Neighbourhood::kMoore);
  const Geometry a = generate_geometry(lat, network(7, 0.3, 0.01, 0.05));
  const Geometry b = generate_geometry(lat, network(7, 0.3, 0.01, 0.05));
  const Geometry c = generate_geometry(lat, network(8, 0.3, 0.01, 0.05));
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.niche, b.niche);
  EXPECT_NE(a.kind, c.kind);
}

}  // namespace
}  // namespace marrow
