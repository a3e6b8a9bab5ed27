#pragma once
// Site kinds and niches. A marrow site next to bone is an endosteal niche, next to a sinusoid
// or an arteriole a perivascular one; bone and vessel lumen hold no marrow cells.
#include <cstdint>
#include <string>
#include <vector>

#include "core/lattice.hpp"

namespace marrow {

enum SiteKind : uint8_t { kMarrow = 0, kBone = 1, kSinusoid = 2, kArteriole = 3 };
inline const std::vector<std::string> kSiteKindNames = {"marrow", "bone", "sinusoid", "arteriole"};

enum NicheKind : uint8_t { kNoNiche = 0, kEndosteal = 1, kSinusoidal = 2, kArteriolar = 3 };
inline const std::vector<std::string> kNicheKindNames = {"none", "endosteal", "sinusoidal",
                                                         "arteriolar"};

struct GeometryConfig {
  uint64_t seed = 1;
  // "straight": a few straight vessels across the box (counts below); "network": randomly
  // oriented vessel segments and optional trabeculae until the configured volume fractions of
  // the marrow cavity are reached.
  std::string generator = "straight";
  double sinusoid_fraction = 0.3;    // network: share of the cavity in sinusoid lumen
  double arteriole_fraction = 0.01;  // network: share in arteriole lumen
  double trabecular_fraction = 0.0;  // network: share in trabecular bone
  int segment_length = 40;           // network: mean segment length, sites
  int bone_thickness = 4;            // sites of cortical bone along the faces of the box
  int sinusoids = 4;                 // straight sinusoids across the box
  int sinusoid_width = 2;            // sites
  int arterioles = 1;                // straight arterioles across the box
  // Niche kinds whose sites hold stem cells in their niche state (fate and quiescence).
  std::vector<NicheKind> supportive = {kEndosteal, kSinusoidal, kArteriolar};
  // Share of the bone and vessel contact sites that hold niche stroma (a seeded random subset;
  // the others are plain marrow: no niche kind, no stromal signal sources).
  double supportive_fraction = 1;
  // Edge of the square (cubic) patches the subset is drawn by, sites: 1 draws site by site;
  // larger patches keep niche sites in contiguous stretches along the vessels, as stromal
  // niche cells cluster.
  int supportive_patch = 1;
  // A user-segmented geometry: site kinds over the unpadded lattice, [z][y][x]; when set it
  // replaces the generator (bone, sinusoid and arteriole sites as labelled; niches derived).
  std::vector<uint8_t> imported;
  std::string imported_from;  // the labels file it was read from
};

// Per padded site: kind and niche; padding is bone.
struct Geometry {
  // Per padded site; in a distributed run only the lattice's window holds values (site_vector.hpp).
  SiteVector<uint8_t> kind;
  SiteVector<uint8_t> niche;
  SiteVector<uint8_t> supportive;  // 1 where the niche kind supports stem cells
  int64_t niche_sites = 0;         // supportive niche sites
  int64_t marrow_sites = 0;
};

// Procedural marrow: cortical bone along the faces, then vessels (and trabeculae) by the
// configured generator, all from the geometry seed.
Geometry generate_geometry(const Lattice& lattice, const GeometryConfig& config);

// Marks non-marrow sites kBlocked in the lattice occupancy.
void apply_geometry(const Geometry& g, Lattice& lattice);

// Volume fractions of the marrow cavity (the box inside the cortical bone) by site kind,
// indexed by SiteKind, with trabecular bone counted under kBone.
std::vector<double> cavity_fractions(const Lattice& lattice, const GeometryConfig& config,
                                     const Geometry& g);

// Derives niche kinds from site kinds (von Neumann contact; arteriole > bone > sinusoid), for
// the sites that hold niche stroma.
void classify_niches(const Lattice& lattice, const GeometryConfig& config, Geometry& g);

// The niche stroma patch of a site (its random stream counter): the site itself for patches of
// one site. Niche sites of one patch are kept together, and fail together under stromal damage.
uint64_t niche_patch(const Lattice& lattice, const GeometryConfig& config, SiteId site);

// The niche kind of a name in kNicheKindNames; -1 if unknown.
int niche_kind_of(const std::string& name);

}  // namespace marrow
