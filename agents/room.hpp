#pragma once
// Room for a pushed daughter: the nearest free sites reachable from a dividing cell through
// occupied marrow. A daughter pushed along a chain of cells ends, in occupancy, the same as the
// daughter taking the free site at the chain's end (the push itself is not simulated).
#include <cstdint>
#include <vector>

#include "core/lattice.hpp"

namespace marrow {

struct Room {
  SiteId site = 0;  // the chosen site; 0 (a padding site) for none
  int depth = 0;    // steps between neighbours to it; 0 for none
  int count = 0;    // sites at that depth, among which `site` was chosen
};

// Breadth-first from `site` over the lattice's neighbourhood, through sites that are neither
// blocked nor takeable, up to `reach` steps. A free site is takeable unless it is a niche
// site (niche[s] != 0) and the daughter is not a stem cell; free niche sites are crossed.
// The takeable sites at the smallest depth, in the order the search finds them (the frontier
// in the order found, each site's neighbours in the lattice's order), and one is chosen by
// `word` (multiply-shift).
//
// In 2D, away from the lattice's edge and for reach <= 15, the search runs on bit rows of
// the (2 reach + 1)^2 window: a whole breadth-first layer at a time until the nearest depth
// with room is known (most searches end there: none within reach, or one site), then the order
// within that depth on the same bits. Elsewhere site by site. `allow_rows` false forces the
// site-by-site search (for tests: both give the same).
Room nearest_room(const Lattice& lattice, const uint8_t* niche, SiteId site, int reach, bool stem,
                  uint32_t word, bool allow_rows = true);

}  // namespace marrow
