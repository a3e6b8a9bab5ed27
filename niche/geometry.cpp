#include "niche/geometry.hpp"

#include <algorithm>

#include "core/random.hpp"

namespace marrow {
namespace {

// Evenly spaced positions across [lo, hi) with a seeded jitter of up to a quarter spacing.
std::vector<int> spaced(int count, int lo, int hi, const Stream& s, uint64_t salt) {
  std::vector<int> at;
  if (count <= 0 || hi <= lo) return at;
  const double spacing = static_cast<double>(hi - lo) / count;
  for (int i = 0; i < count; ++i) {
    const double jitter =
        (s.draw(salt, static_cast<uint64_t>(i), Purpose::kGeometry).u(0) - 0.5) * 0.5 * spacing;
    at.push_back(std::clamp(static_cast<int>(lo + (i + 0.5) * spacing + jitter), lo, hi - 1));
  }
  return at;
}

}  // namespace

Geometry generate_geometry(const Lattice& lat, const GeometryConfig& cfg) {
  Geometry g;
  g.kind.assign(static_cast<size_t>(lat.padded_sites()), kBone);
  const int t = cfg.bone_thickness;
  const bool three_d = lat.dim() == 3;
  const Stream s(cfg.seed);
  for (int z = 0; z < lat.nz(); ++z)
    for (int y = 0; y < lat.ny(); ++y)
      for (int x = 0; x < lat.nx(); ++x) {
        const bool bone = x < t || y < t || x >= lat.nx() - t || y >= lat.ny() - t ||
                          (three_d && (z < t || z >= lat.nz() - t));
        g.kind[lat.index(x, y, z)] = bone ? kBone : kMarrow;
      }
  // Sinusoids run along y (2D) or z (3D) through the marrow; arterioles along x.
  const auto sx = spaced(cfg.sinusoids, t, lat.nx() - t, s, 1);
  const auto sz = spaced(cfg.sinusoids, t, lat.nz() - t, s, 2);
  const auto ay = spaced(cfg.arterioles, t, lat.ny() - t, s, 3);
  const auto az = spaced(cfg.arterioles, t, lat.nz() - t, s, 4);
  const int w = cfg.sinusoid_width;
  for (int z = 0; z < lat.nz(); ++z)
    for (int y = 0; y < lat.ny(); ++y)
      for (int x = 0; x < lat.nx(); ++x) {
        uint8_t& k = g.kind[lat.index(x, y, z)];
        if (k != kMarrow) continue;
        for (size_t i = 0; i < sx.size(); ++i)
          if (x >= sx[i] && x < sx[i] + w && (!three_d || (z >= sz[i] && z < sz[i] + w)))
            k = kSinusoid;
        for (size_t i = 0; i < ay.size(); ++i)
          if (y == ay[i] && (!three_d || z == az[i])) k = kArteriole;
      }
  classify_niches(lat, cfg, g);
  return g;
}

void classify_niches(const Lattice& lat, const GeometryConfig& cfg, Geometry& g) {
  g.niche.assign(g.kind.size(), kNoNiche);
  g.supportive.assign(g.kind.size(), 0);
  g.niche_sites = g.marrow_sites = 0;
  // Face neighbours whatever the lattice's neighbourhood: contact means a shared face.
  const int64_t dx = 1, dy = int64_t{lat.index(0, 1, 0)} - lat.index(0, 0, 0);
  std::vector<int64_t> face = {dx, -dx, dy, -dy};
  if (lat.dim() == 3) {
    const int64_t dz = int64_t{lat.index(0, 0, 1)} - lat.index(0, 0, 0);
    face.push_back(dz);
    face.push_back(-dz);
  }
  for (int z = 0; z < lat.nz(); ++z)
    for (int y = 0; y < lat.ny(); ++y)
      for (int x = 0; x < lat.nx(); ++x) {
        const SiteId s = lat.index(x, y, z);
        if (g.kind[s] != kMarrow) continue;
        ++g.marrow_sites;
        NicheKind n = kNoNiche;
        for (const int64_t d : face) {
          const Coord c = lat.coord(static_cast<SiteId>(s + d));
          if (!lat.inside(c)) continue;  // the edge of the box is not bone
          switch (g.kind[s + d]) {
            case kArteriole:
              n = kArteriolar;
              break;
            case kBone:
              n = n == kArteriolar ? n : kEndosteal;
              break;
            case kSinusoid:
              n = n == kNoNiche ? kSinusoidal : n;
              break;
            default:
              break;
          }
        }
        g.niche[s] = n;
        const bool kept =
            cfg.supportive_fraction >= 1 ||
            Stream(cfg.seed).draw(s, 0, Purpose::kGeometry).u(1) < cfg.supportive_fraction;
        if (n != kNoNiche && kept &&
            std::find(cfg.supportive.begin(), cfg.supportive.end(), n) != cfg.supportive.end()) {
          g.supportive[s] = 1;
          ++g.niche_sites;
        }
      }
}

int niche_kind_of(const std::string& name) {
  for (size_t i = 1; i < kNicheKindNames.size(); ++i)
    if (kNicheKindNames[i] == name) return static_cast<int>(i);
  return -1;
}

void apply_geometry(const Geometry& g, Lattice& lat) {
  auto& occ = lat.occupancy();
  for (size_t s = 0; s < occ.size(); ++s)
    if (g.kind[s] != kMarrow) occ[s] = kBlocked;
}

}  // namespace marrow
