#include "niche/geometry.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

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

bool cortical(const Lattice& lat, int t, int x, int y, int z) {
  return x < t || y < t || x >= lat.nx() - t || y >= lat.ny() - t ||
         (lat.dim() == 3 && (z < t || z >= lat.nz() - t));
}

// Paints straight segments of `kind` with a round brush of `radius` from random cavity points in
// random directions until `target` of the cavity's sites hold that kind. Only marrow sites are
// painted, so earlier structures stay. Each segment is one draw sequence: the same seed gives
// the same geometry.
void paint_segments(const Lattice& lat, const GeometryConfig& cfg, Geometry& g, uint8_t kind,
                    double target, double radius, uint64_t salt) {
  const int t = cfg.bone_thickness;
  const bool three_d = lat.dim() == 3;
  const int zlo = three_d ? t : 0, zhi = three_d ? lat.nz() - t : 1;
  const int64_t cavity = static_cast<int64_t>(lat.nx() - 2 * t) * (lat.ny() - 2 * t) * (zhi - zlo);
  if (cavity <= 0 || target <= 0) return;
  const auto goal = static_cast<int64_t>(std::llround(target * static_cast<double>(cavity)));
  int64_t painted = 0;
  for (int z = zlo; z < zhi; ++z)
    for (int y = t; y < lat.ny() - t; ++y)
      for (int x = t; x < lat.nx() - t; ++x) painted += g.kind[lat.index(x, y, z)] == kind;
  const Stream st(cfg.seed);
  const int r = static_cast<int>(std::ceil(radius));
  for (uint64_t seg = 0; painted < goal && seg < 10000000; ++seg) {
    const Draw a = st.draw(salt << 40 | seg, 0, Purpose::kGeometry);
    const Draw b = st.draw(salt << 40 | seg, 1, Purpose::kGeometry);
    double px = t + a.u(0) * (lat.nx() - 2 * t), py = t + a.u(1) * (lat.ny() - 2 * t);
    double pz = three_d ? t + a.u(2) * (lat.nz() - 2 * t) : 0;
    // A uniformly random direction (on the circle or the sphere).
    double dx, dy, dz = 0;
    if (three_d) {
      const double c = 2 * b.u(0) - 1, phi = 2 * M_PI * b.u(1), sn = std::sqrt(1 - c * c);
      dx = sn * std::cos(phi);
      dy = sn * std::sin(phi);
      dz = c;
    } else {
      const double phi = 2 * M_PI * b.u(0);
      dx = std::cos(phi);
      dy = std::sin(phi);
    }
    const int length = std::max(1, static_cast<int>(2 * cfg.segment_length * b.u(2)));
    for (int step = 0; step < length && painted < goal; ++step) {
      const int cx = static_cast<int>(std::lround(px)), cy = static_cast<int>(std::lround(py));
      const int cz = three_d ? static_cast<int>(std::lround(pz)) : 0;
      for (int oz = three_d ? -r : 0; oz <= (three_d ? r : 0); ++oz)
        for (int oy = -r; oy <= r; ++oy)
          for (int ox = -r; ox <= r; ++ox) {
            if (ox * ox + oy * oy + oz * oz > radius * radius) continue;
            const int x = cx + ox, y = cy + oy, z = cz + oz;
            if (x < 0 || y < 0 || z < 0 || x >= lat.nx() || y >= lat.ny() || z >= lat.nz())
              continue;
            if (cortical(lat, t, x, y, z)) continue;
            uint8_t& k = g.kind[lat.index(x, y, z)];
            if (k != kMarrow || painted >= goal) continue;
            k = kind;
            ++painted;
          }
      px += dx;
      py += dy;
      pz += dz;
      if (px < t || py < t || px >= lat.nx() - t || py >= lat.ny() - t ||
          (three_d && (pz < t || pz >= lat.nz() - t)))
        break;
    }
  }
}

}  // namespace

std::vector<double> cavity_fractions(const Lattice& lat, const GeometryConfig& cfg,
                                     const Geometry& g) {
  std::vector<double> f(kSiteKindNames.size(), 0.0);
  double n = 0;
  for (int z = 0; z < lat.nz(); ++z)
    for (int y = 0; y < lat.ny(); ++y)
      for (int x = 0; x < lat.nx(); ++x) {
        if (cortical(lat, cfg.bone_thickness, x, y, z)) continue;
        f[g.kind[lat.index(x, y, z)]] += 1;
        n += 1;
      }
  for (double& x : f) x = n > 0 ? x / n : 0;
  return f;
}

namespace {

// The geometry of every site, as one process builds it.
Geometry whole_geometry(const Lattice& lat, const GeometryConfig& cfg) {
  Geometry g;
  g.kind.assign(static_cast<size_t>(lat.padded_sites()), kBone);
  if (!cfg.imported.empty()) {
    if (cfg.imported.size() != static_cast<size_t>(lat.sites()))
      throw std::invalid_argument("imported geometry does not match the lattice size");
    size_t i = 0;
    for (int z = 0; z < lat.nz(); ++z)
      for (int y = 0; y < lat.ny(); ++y)
        for (int x = 0; x < lat.nx(); ++x) g.kind[lat.index(x, y, z)] = cfg.imported[i++];
    classify_niches(lat, cfg, g);
    return g;
  }
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
  if (cfg.generator == "network") {
    // Trabeculae first (bone plates through the cavity), then arterioles, then sinusoids.
    paint_segments(lat, cfg, g, kBone, cfg.trabecular_fraction, 2.0, 1);
    paint_segments(lat, cfg, g, kArteriole, cfg.arteriole_fraction, 1.0, 2);
    paint_segments(lat, cfg, g, kSinusoid, cfg.sinusoid_fraction, 0.5 * cfg.sinusoid_width + 0.5,
                   3);
    classify_niches(lat, cfg, g);
    return g;
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

}  // namespace

Geometry generate_geometry(const Lattice& lat, const GeometryConfig& cfg) {
  // The network's segments are drawn one after the other over the whole cavity, each painting
  // until its layer's share is reached: every process builds every site, then keeps its window.
  Geometry g = whole_geometry(lat, cfg);
  const SiteWindow& w = lat.window();
  if (w.whole(lat.padded_sites())) return g;
  g.kind = copy_window(g.kind, w.lo, w.hi);
  g.niche = copy_window(g.niche, w.lo, w.hi);
  g.supportive = copy_window(g.supportive, w.lo, w.hi);
  return g;
}

uint64_t niche_patch(const Lattice& lat, const GeometryConfig& cfg, SiteId s) {
  const int p = std::max(1, cfg.supportive_patch);
  if (p == 1) return s;
  const Coord c = lat.coord(s);
  return static_cast<uint64_t>(lat.index(c.x / p, c.y / p, c.z / p)) | uint64_t{1} << 40;
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
        const uint64_t patch = niche_patch(lat, cfg, s);
        const bool kept =
            cfg.supportive_fraction >= 1 ||
            Stream(cfg.seed).draw(patch, 0, Purpose::kGeometry).u(1) < cfg.supportive_fraction;
        // Niche stroma holds only the kept share of the contact sites; the rest is plain marrow.
        g.niche[s] = kept ? n : kNoNiche;
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
  for (SiteId s = lat.window().lo; s < lat.window().hi; ++s)
    if (g.kind[s] != kMarrow) occ[s] = kBlocked;
}

}  // namespace marrow
