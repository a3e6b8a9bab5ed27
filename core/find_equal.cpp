#include "core/find_equal.hpp"

#include <array>
#include <bit>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define MARROW_X86_VECTOR 1
#endif

namespace marrow {
namespace {

// Any machine: a word of match bits per 32 values (SSE2 compares where there are), then the
// set bits in order.
size_t find_portable(const int32_t* a, size_t begin, size_t n, int32_t value, uint32_t first,
                     uint32_t* out, size_t k) {
  size_t i = begin;
#ifdef __SSE2__
  const __m128i at = _mm_set1_epi32(value);
#endif
  for (; i + 32 <= n; i += 32) {
    uint32_t m = 0;
#ifdef __SSE2__
    for (uint32_t j = 0; j < 32; j += 4) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(a + i + j));
      m |= static_cast<uint32_t>(_mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(v, at)))) << j;
    }
#else
    for (uint32_t j = 0; j < 32; ++j) m |= static_cast<uint32_t>(a[i + j] == value) << j;
#endif
    for (; m != 0; m &= m - 1)
      out[k++] = first + static_cast<uint32_t>(i) + static_cast<uint32_t>(std::countr_zero(m));
  }
  for (; i < n; ++i)
    if (a[i] == value) out[k++] = first + static_cast<uint32_t>(i);
  return k;
}

#ifdef MARROW_X86_VECTOR
// The positions of the set bits of each byte, packed to the front: eight bytes per mask.
struct Packed {
  std::array<uint64_t, 256> at{};
  constexpr Packed() {
    for (int m = 0; m < 256; ++m) {
      int n = 0;
      for (int j = 0; j < 8; ++j)
        if (m >> j & 1) at[m] |= uint64_t(j) << (8 * n++);
    }
  }
};
constexpr Packed kPacked{};

// Eight values a compare: the match mask picks the packed positions, widened to 32 bits.
__attribute__((target("avx2"))) size_t find_avx2(const int32_t* a, size_t n, int32_t value,
                                                 uint32_t first, uint32_t* out) {
  const __m256i at = _mm256_set1_epi32(value);
  size_t i = 0, k = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + i));
    const unsigned m =
        static_cast<unsigned>(_mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpeq_epi32(v, at))));
    if (m == 0) continue;
    const __m256i idx = _mm256_add_epi32(
        _mm256_cvtepu8_epi32(_mm_cvtsi64_si128(static_cast<long long>(kPacked.at[m]))),
        _mm256_set1_epi32(static_cast<int>(first + i)));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + k), idx);
    k += static_cast<size_t>(std::popcount(m));
  }
  return find_portable(a, i, n, value, first, out, k);
}

// Sixteen values a compare into a mask register; the matching indices compressed to the front.
__attribute__((target("avx512f"))) size_t find_avx512(const int32_t* a, size_t n, int32_t value,
                                                      uint32_t first, uint32_t* out) {
  const __m512i at = _mm512_set1_epi32(value), sixteen = _mm512_set1_epi32(16);
  __m512i idx =
      _mm512_add_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                       _mm512_set1_epi32(static_cast<int>(first)));
  size_t i = 0, k = 0;
  for (; i + 16 <= n; i += 16, idx = _mm512_add_epi32(idx, sixteen)) {
    const __mmask16 m = _mm512_cmpeq_epi32_mask(_mm512_loadu_si512(a + i), at);
    if (m == 0) continue;
    _mm512_storeu_si512(out + k, _mm512_maskz_compress_epi32(m, idx));
    k += static_cast<size_t>(std::popcount(static_cast<unsigned>(m)));
  }
  return find_portable(a, i, n, value, first, out, k);
}
#endif

}  // namespace

size_t find_equal(const int32_t* a, size_t n, int32_t value, uint32_t first, uint32_t* out,
                  VectorUnit unit) {
#ifdef MARROW_X86_VECTOR
  // A unit the processor lacks falls back to the next narrower one.
  if (unit == VectorUnit::kAvx512 && widest_vector_unit() == VectorUnit::kAvx512)
    return find_avx512(a, n, value, first, out);
  if (unit != VectorUnit::kScalar && widest_vector_unit() != VectorUnit::kScalar)
    return find_avx2(a, n, value, first, out);
#else
  (void)unit;
#endif
  return find_portable(a, 0, n, value, first, out, 0);
}

}  // namespace marrow
