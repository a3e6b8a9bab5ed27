#include "agents/room.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <span>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace marrow {
namespace {

// Set bits, without the library call that std::popcount becomes on the portable x86-64 target.
int bits_set(uint32_t x) {
  x = x - ((x >> 1) & 0x55555555u);
  x = (x & 0x33333333u) + ((x >> 2) & 0x33333333u);
  return static_cast<int>((((x + (x >> 4)) & 0x0F0F0F0Fu) * 0x01010101u) >> 24);
}

uint32_t choose(uint32_t word, int count) {
  return static_cast<uint32_t>((static_cast<uint64_t>(word) * static_cast<uint32_t>(count)) >> 32);
}

// Site by site, for any dimension and position.
Room by_sites(const Lattice& lattice, const uint8_t* niche, SiteId site, int r, bool stem,
              uint32_t word) {
  const int w = 2 * r + 1;
  const bool three = lattice.dim() == 3;
  thread_local std::vector<uint8_t> seen;
  thread_local std::vector<std::pair<SiteId, int>> frontier, next;  // (site, window cell)
  thread_local std::vector<SiteId> found;
  seen.assign(static_cast<size_t>(three ? w * w * w : w * w), 0);
  const auto& occ = lattice.occupancy();
  const auto deltas = lattice.deltas();
  const auto offsets = lattice.offsets();
  std::array<int, 26> cell_delta{};
  for (size_t k = 0; k < offsets.size(); ++k)
    cell_delta[k] = ((three ? offsets[k].z : 0) * w + offsets[k].y) * w + offsets[k].x;
  const int centre = ((three ? r : 0) * w + r) * w + r;
  frontier.assign(1, {site, centre});
  seen[static_cast<size_t>(centre)] = 1;
  for (int depth = 1; depth <= r && !frontier.empty(); ++depth) {
    next.clear();
    found.clear();
    for (const auto& [s, c] : frontier)
      for (size_t k = 0; k < deltas.size(); ++k) {
        uint8_t& v = seen[static_cast<size_t>(c + cell_delta[k])];
        if (v) continue;
        v = 1;
        const SiteId t = static_cast<SiteId>(s + deltas[k]);
        if (occ[t] == kFree && (stem || !niche[t]))
          found.push_back(t);
        else if (occ[t] != kBlocked)
          next.push_back({t, c + cell_delta[k]});
      }
    if (!found.empty()) {
      const int n = static_cast<int>(found.size());
      return {found[choose(word, n)], depth, n};
    }
    std::swap(frontier, next);
  }
  return {};
}

// Bits of one window row: bit i for the site at row + i, i < w <= 31.
struct RowBits {
  uint32_t take, pass;
};

RowBits row_bits(const uint8_t* occ, const uint8_t* niche, int w, bool stem) {
  uint32_t take = 0, blocked = 0;
#if defined(__SSE2__)
  const auto sixteen = [&](int at, uint32_t& t, uint32_t& b) {
    const __m128i o = _mm_loadu_si128(reinterpret_cast<const __m128i*>(occ + at));
    const __m128i n =
        stem ? _mm_setzero_si128() : _mm_loadu_si128(reinterpret_cast<const __m128i*>(niche + at));
    t = static_cast<uint32_t>(
        _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_or_si128(o, n), _mm_setzero_si128())));
    b = static_cast<uint32_t>(
        _mm_movemask_epi8(_mm_cmpeq_epi8(o, _mm_set1_epi8(static_cast<char>(kBlocked)))));
  };
  if (w <= 16) {
    sixteen(w - 16, take, blocked);  // the caller leaves 16 bytes before the window
    take >>= 16 - w;
    blocked >>= 16 - w;
  } else {
    uint32_t t1, b1;
    sixteen(0, take, blocked);
    sixteen(w - 16, t1, b1);
    take |= t1 << (w - 16);
    blocked |= b1 << (w - 16);
  }
#else
  for (int i = 0; i < w; ++i) {
    take |= static_cast<uint32_t>(occ[i] == kFree && (stem || !niche[i])) << i;
    blocked |= static_cast<uint32_t>(occ[i] == kBlocked) << i;
  }
#endif
  const uint32_t full = (uint32_t{1} << w) - 1;
  take &= full;
  return {take, ~(take | blocked) & full};
}

// Bit rows of the window: 1..w, padded by one row each side.
using Rows = std::array<uint32_t, 33>;

// The takeable sites at `depth` in the order of the site-by-site search (frontier in the order
// found, neighbours in the lattice's order), as window positions (x = bit, y = row): visit(x, y)
// for each until it returns true.
// layers[d] holds the sites first reached at depth d (rows c - d .. c + d): a frontier site
// claims, in the lattice's order, its neighbours in the next layer that no earlier one claimed.
// Its three rows of neighbours are read at once, so a site with none left costs three loads.
// (Window positions as x | y << 8, in arrays on the stack: at most 31 x 31 sites.)
template <class Visit>
void in_search_order(const std::array<Rows, 16>& layers, const Rows& take, const Rows& pass, int c,
                     int r, int depth, std::span<const Coord> offsets, Visit&& visit) {
  // Bit (oy + 1) * 3 + (ox + 1) of a 3 x 3 neighbourhood for each offset, in the lattice's order;
  // and the neighbourhood's rows that are offsets at all.
  std::array<uint8_t, 8> bit{};
  uint32_t near[3] = {0, 0, 0};
  for (size_t i = 0; i < offsets.size(); ++i) {
    bit[i] = static_cast<uint8_t>((offsets[i].y + 1) * 3 + offsets[i].x + 1);
    near[offsets[i].y + 1] |= uint32_t{1} << (offsets[i].x + 1);
  }
  const int n_offsets = static_cast<int>(offsets.size());
  std::array<uint16_t, 31 * 31> a, b;
  uint16_t* frontier = a.data();
  uint16_t* next = b.data();
  int in_frontier = 1;
  frontier[0] = static_cast<uint16_t>(r | c << 8);
  for (int d = 1; d <= depth; ++d) {
    const Rows& layer = layers[static_cast<size_t>(d)];
    Rows claimed;
    for (int i = c - d; i <= c + d; ++i) claimed[i] = 0;
    int in_next = 0;
    for (int f = 0; f < in_frontier; ++f) {
      const int fx = frontier[f] & 0xFF, fy = frontier[f] >> 8;
      uint32_t hood = 0;  // the unclaimed neighbours in the layer, 3 bits per row
      for (int dy = 0; dy < 3; ++dy) {
        const int y = fy + dy - 1;
        const uint32_t row =
            static_cast<uint32_t>((uint64_t{layer[y] & ~claimed[y]} << 1) >> fx) & near[dy];
        claimed[y] |= static_cast<uint32_t>((uint64_t{row} << fx) >> 1);
        hood |= row << (3 * dy);
      }
      if (hood == 0) continue;
      for (int i = 0; i < n_offsets; ++i) {
        if (!(hood >> bit[i] & 1)) continue;
        const int x = fx + offsets[i].x, y = fy + offsets[i].y;
        const uint32_t at = uint32_t{1} << x;
        if (d == depth) {
          if ((take[y] & at) && visit(x, y)) return;
        } else if (pass[y] & at) {
          next[in_next++] = static_cast<uint16_t>(x | y << 8);
        }
      }
    }
    std::swap(frontier, next);
    in_frontier = in_next;
  }
}

// The bits of the 2 d - 1 window columns centred on column r (d >= 1).
uint32_t centred_bits(int r, int d) { return ((uint32_t{1} << (2 * d - 1)) - 1) << (r - d + 1); }

// The 2D Moore neighbourhood in the lattice's order (core/lattice.cpp).
constexpr std::array<Coord, 8> kMoore2d{
    {{-1, -1, 0}, {0, -1, 0}, {1, -1, 0}, {-1, 0, 0}, {1, 0, 0}, {-1, 1, 0}, {0, 1, 0}, {1, 1, 0}}};

// Where nothing blocks the first depth - 1 rings around the site (the usual case in the
// marrow's interior), the search reaches ring `depth` whole and always in the same order: the
// ring's sites in that order, as offsets (x | y << 8, each biased by 16), made once by the
// search itself on an open window.
struct RingOrder {
  std::array<std::vector<uint16_t>, 16> ring;
  RingOrder() {
    constexpr int r = 15, c = r + 1;
    Rows open{};
    std::array<Rows, 16> layers{};
    for (int i = 1; i <= 2 * r + 1; ++i) open[i] = (uint32_t{1} << (2 * r + 1)) - 1;
    for (int d = 1; d <= r; ++d) {
      Rows& layer = layers[static_cast<size_t>(d)];  // ring d: its square less the one inside
      for (int i = c - d; i <= c + d; ++i)
        layer[i] = i == c - d || i == c + d ? centred_bits(r, d + 1)
                                            : centred_bits(r, d + 1) & ~centred_bits(r, d);
      in_search_order(layers, layer, open, c, r, d, kMoore2d, [&](int x, int y) {
        ring[static_cast<size_t>(d)].push_back(
            static_cast<uint16_t>((x - r + 16) | (y - c + 16) << 8));
        return false;
      });
    }
  }
};

// The 2D window as bit rows, a breadth-first layer per pass: the layer at depth d is the
// neighbourhood of the frontier at d - 1 less what was seen; its takeable sites end the search,
// the rest of it that is not blocked is the next frontier.
Room by_rows(const Lattice& lattice, const uint8_t* niche, SiteId site, int r, bool stem,
             uint32_t word, int64_t stride) {
  const int w = 2 * r + 1;
  const uint32_t full = (uint32_t{1} << w) - 1;
  const uint8_t* occ = lattice.occupancy().data();
  const bool moore = lattice.neighbourhood() == Neighbourhood::kMoore;
  // Rows 1..w, padded by one row each side. take and pass are set as rows are loaded; seen
  // and front are cleared here, a layer's rows are set before they are read.
  Rows take, pass, seen, front;
  std::array<Rows, 16> layers;  // layers[d]: the sites first reached at depth d
  for (int i = 0; i < w + 2; ++i) seen[i] = front[i] = 0;
  // Row i of the window (i = 1..w) is lattice row y + i - 1 - r; it is read when first needed.
  const int64_t left = static_cast<int64_t>(site) - r - r * stride;
  const auto load = [&](int i) {
    const int64_t at = left + (i - 1) * stride;
    const RowBits b = row_bits(occ + at, niche + at, w, stem);
    take[i] = b.take;
    pass[i] = b.pass;
  };
  const int c = r + 1;
  load(c);
  front[c] = seen[c] = uint32_t{1} << r;
  int loaded = 0;  // rows c - loaded .. c + loaded are loaded
  for (int depth = 1; depth <= r; ++depth) {
    if (depth > loaded) {
      load(c - depth);
      load(c + depth);
      loaded = depth;
    }
    int count = 0;
    bool any = false;
    Rows& here = layers[static_cast<size_t>(depth)];
    for (int i = c - depth; i <= c + depth; ++i) {
      const uint32_t m = moore ? front[i - 1] | front[i] | front[i + 1] : front[i];
      const uint32_t spread =
          moore ? m | m << 1 | m >> 1 : m | m << 1 | m >> 1 | front[i - 1] | front[i + 1];
      here[i] = spread & full & ~seen[i];
      count += bits_set(here[i] & take[i]);
    }
    if (count == 1) {
      for (int i = c - depth;; ++i)
        if (const uint32_t bits = here[i] & take[i])
          return {static_cast<SiteId>(left + (i - 1) * stride + std::countr_zero(bits)), depth, 1};
    }
    if (count > 1) {
      // Several at this depth: the one chosen in the order the site-by-site search finds them.
      uint32_t k = choose(word, count);
      int ax = 0, ay = 0;
      const auto kth = [&](int x, int y) {
        if (k-- != 0) return false;
        ax = x;
        ay = y;
        return true;
      };
      const std::span<const Coord> offsets = lattice.offsets();
      bool open =
          moore && std::equal(offsets.begin(), offsets.end(), kMoore2d.begin(), kMoore2d.end());
      const uint32_t inner = centred_bits(r, depth);
      for (int i = c - depth + 1; open && i <= c + depth - 1; ++i)
        open = ((pass[i] | (i == c ? uint32_t{1} << r : 0)) & inner) == inner;
      if (open) {
        static const RingOrder order;
        for (const uint16_t o : order.ring[static_cast<size_t>(depth)]) {
          const int x = r + (o & 0xFF) - 16, y = c + (o >> 8) - 16;
          if ((take[y] >> x & 1) && kth(x, y)) break;
        }
      } else {
        in_search_order(layers, take, pass, c, r, depth, offsets, kth);
      }
      return {static_cast<SiteId>(left + (ay - 1) * stride + ax), depth, count};
    }
    for (int i = c - depth; i <= c + depth; ++i) {
      seen[i] |= here[i];
      front[i] = here[i] & pass[i];
      any |= front[i] != 0;
    }
    if (!any) break;
    if (depth == 2 && r > 2) {
      // Not within two steps: with no takeable site anywhere in the window (a crowded
      // neighbourhood, most searches that fail), none is within reach.
      uint32_t anywhere = 0;
      for (int d = 3; d <= r; ++d) {
        load(c - d);
        load(c + d);
        anywhere |= take[c - d] | take[c + d];
      }
      loaded = r;
      for (int i = c - 2; i <= c + 2; ++i) anywhere |= take[i];
      if (anywhere == 0) break;
    }
  }
  return {};
}

}  // namespace

Room nearest_room(const Lattice& lattice, const uint8_t* niche, SiteId site, int reach, bool stem,
                  uint32_t word, bool allow_rows) {
  if (reach < 1) return {};
  if (allow_rows && lattice.dim() == 2 && reach <= 15) {
    const int64_t stride = lattice.index(0, 1, 0) - lattice.index(0, 0, 0);
    const int64_t lo = static_cast<int64_t>(site) - reach - reach * stride;
    const int64_t hi = static_cast<int64_t>(site) + reach + reach * stride;
    const Coord c = lattice.coord(site);
    // Inside the padded lattice, with 16 bytes before the window for the short rows' loads.
    if (c.x - reach >= -1 && c.x + reach <= lattice.nx() && c.y - reach >= -1 &&
        c.y + reach <= lattice.ny() && lo >= 16 && hi < lattice.padded_sites())
      return by_rows(lattice, niche, site, reach, stem, word, stride);
  }
  return by_sites(lattice, niche, site, reach, stem, word);
}

}  // namespace marrow
