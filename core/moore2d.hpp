#pragma once
// Neighbour masks on a 2D lattice with the Moore neighbourhood: bit k stands for
// Lattice::deltas()[k], in their raster order (the three sites of the row below, the left and the
// right one, the three of the row above). A per-site byte array is read with three 4-byte loads
// and tested four bytes at a time, where a loop over the eight neighbours loads and tests each.
// The j-th set neighbour is then a table lookup: the same choice as listing them in order and
// taking the j-th.
#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace marrow::moore2d {

// Whether the masks can be used: a little-endian machine (the byte order of the loads).
inline constexpr bool kAvailable = std::endian::native == std::endian::little;

// The high bit of each byte of x that is zero (exact: no carry crosses bytes).
inline uint32_t zero_bytes(uint32_t x) {
  return ~(((x & 0x7F7F7F7Fu) + 0x7F7F7F7Fu) | x | 0x7F7F7F7Fu);
}

inline uint32_t load4(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
// The neighbours of `site` (row stride px) whose byte in `a` equals `value`. Each row is read as
// four bytes that stay inside the padded lattice: the row below and the site's own row from the
// left neighbour on (one byte beyond the right one, still inside the lattice), the row above up
// to the right neighbour (one byte before the left one), whose last byte ends the array at the
// corner.
// Four bytes at a time in general-purpose registers (any machine).
inline uint32_t equal_mask_portable(const uint8_t* a, int64_t site, int64_t px, uint8_t value) {
  const uint32_t v = 0x01010101u * value, b = zero_bytes(load4(a + site - px - 1) ^ v),
                 m = zero_bytes(load4(a + site - 1) ^ v),
                 t = zero_bytes(load4(a + site + px - 2) ^ v);
  return ((b >> 7) & 1) | ((b >> 14) & 2) | ((b >> 21) & 4) | ((m >> 7) & 1) << 3 |
         ((m >> 23) & 1) << 4 | ((t >> 15) & 1) << 5 | ((t >> 22) & 2) << 5 | ((t >> 29) & 4) << 5;
}
inline uint32_t equal_mask(const uint8_t* a, int64_t site, int64_t px, uint8_t value) {
#ifdef __SSE2__
  // The three rows side by side in one vector: one compare, one byte mask of 12 bits.
  const __m128i rows = _mm_set_epi32(0, static_cast<int>(load4(a + site + px - 2)),
                                     static_cast<int>(load4(a + site - 1)),
                                     static_cast<int>(load4(a + site - px - 1)));
  const uint32_t z = static_cast<uint32_t>(
      _mm_movemask_epi8(_mm_cmpeq_epi8(rows, _mm_set1_epi8(static_cast<char>(value)))));
  return (z & 7) | ((z >> 1) & 8) | ((z >> 2) & 16) | ((z >> 4) & 0xE0);
#else
  return equal_mask_portable(a, site, px, value);
#endif
}
inline uint32_t zero_mask(const uint8_t* a, int64_t site, int64_t px) {
  return equal_mask(a, site, px, 0);
}

struct Tables {
  std::array<uint8_t, 256> count{};
  std::array<std::array<uint8_t, 8>, 256> nth{};  // the j-th set bit of a mask
  constexpr Tables() {
    for (int m = 0; m < 256; ++m) {
      int n = 0;
      for (int k = 0; k < 8; ++k)
        if (m >> k & 1) nth[m][n++] = static_cast<uint8_t>(k);
      count[m] = static_cast<uint8_t>(n);
    }
  }
};
inline constexpr Tables kTables{};

// The neighbour a 32-bit word picks among those set in `m` (`set[(word * n) >> 32]`), or -1.
inline int pick(uint32_t m, uint32_t word) {
  const uint32_t n = kTables.count[m];
  if (n == 0) return -1;
  return kTables.nth[m][(static_cast<uint64_t>(word) * n) >> 32];
}
// The neighbour a 16-bit number picks among those set in `m` (`set[(half * n) >> 16]` over the
// n set ones in order), or -1 for none.
inline int pick16(uint32_t m, uint32_t half) {
  const uint32_t n = kTables.count[m];
  if (n == 0) return -1;
  return kTables.nth[m][(half * n) >> 16];
}

}  // namespace marrow::moore2d
