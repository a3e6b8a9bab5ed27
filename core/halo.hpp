#pragma once
// Halo exchange of per-site state between the ranks' windows (core/lattice.hpp): each rank sends
// the values of the first and last rows of its slab, and every rank takes those that fall in its
// window outside its own slab. A no-op in one process.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "core/comm.hpp"
#include "core/lattice.hpp"

namespace marrow {

// Shares `rows` rows (at most the lattice's halo_rows()) from each end of every slab.
template <class T>
void share_halo(const Lattice& lattice, SiteVector<T>& a, int rows) {
  if (comm::size() == 1) return;
  const SiteWindow& w = lattice.window();
  const SiteId depth = static_cast<SiteId>(rows) * lattice.row_sites();
  // Pieces as (first site, count) then the values.
  std::vector<unsigned char> mine;
  auto put = [&](SiteId from, SiteId to) {
    if (from >= to) return;
    const uint32_t head[2] = {from, to - from};
    const size_t at = mine.size();
    mine.resize(at + sizeof(head) + (to - from) * sizeof(T));
    std::memcpy(mine.data() + at, head, sizeof(head));
    std::memcpy(mine.data() + at + sizeof(head), a.data() + from, (to - from) * sizeof(T));
  };
  if (w.own_lo < w.own_hi) {
    const SiteId low_end = std::min(w.own_hi, w.own_lo + depth);
    put(w.own_lo, low_end);
    put(std::max(low_end, w.own_hi > depth ? w.own_hi - depth : 0), w.own_hi);
  }
  const std::vector<unsigned char> all = comm::all_gather(mine);
  for (size_t at = 0; at < all.size();) {
    uint32_t head[2];
    std::memcpy(head, all.data() + at, sizeof(head));
    at += sizeof(head);
    const SiteId from = head[0], to = head[0] + head[1];
    // The part in this window and outside this slab.
    for (SiteId s = std::max(from, w.lo); s < std::min(to, w.hi); ++s)
      if (!w.owns(s)) std::memcpy(&a[s], all.data() + at + (s - from) * sizeof(T), sizeof(T));
    at += head[1] * sizeof(T);
  }
}

}  // namespace marrow
