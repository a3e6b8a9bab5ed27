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
  int bone_thickness = 4;  // sites of cortical bone along the faces of the box
  int sinusoids = 4;       // straight sinusoids across the box
  int sinusoid_width = 2;  // sites
  int arterioles = 1;      // straight arterioles across the box
  // Niche kinds whose sites hold stem cells in their niche state (fate and quiescence).
  std::vector<NicheKind> supportive = {kEndosteal, kSinusoidal, kArteriolar};
  // Share of those sites that do support stem cells (a seeded random subset): a switch to
  // remove part of the niche.
  double supportive_fraction = 1;
};

// Per padded site: kind and niche; padding is bone.
struct Geometry {
  std::vector<uint8_t> kind;
  std::vector<uint8_t> niche;
  std::vector<uint8_t> supportive;  // 1 where the niche kind supports stem cells
  int64_t niche_sites = 0;          // supportive niche sites
  int64_t marrow_sites = 0;
};

// Procedural box marrow: bone along the faces, straight vessels at seeded positions.
Geometry generate_geometry(const Lattice& lattice, const GeometryConfig& config);

// Marks non-marrow sites kBlocked in the lattice occupancy.
void apply_geometry(const Geometry& g, Lattice& lattice);

// Derives niche kinds from site kinds (von Neumann contact; arteriole > bone > sinusoid).
void classify_niches(const Lattice& lattice, const GeometryConfig& config, Geometry& g);

// The niche kind of a name in kNicheKindNames; -1 if unknown.
int niche_kind_of(const std::string& name);

}  // namespace marrow
