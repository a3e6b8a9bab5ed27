#include "core/random.hpp"

#if defined(__x86_64__) && defined(__GNUC__)
// GCC 12's AVX-512 shift and multiply intrinsics pass an undefined vector as the unused merge
// source, which -Wmaybe-uninitialized reports inside the header (clang has no such warning).
#if !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>
#define MARROW_X86_VECTOR 1
#endif

namespace marrow {
namespace {

constexpr uint32_t kM0 = 0xD2511F53, kM1 = 0xCD9E8D57, kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;

void many_scalar(const uint32_t* c0, size_t begin, size_t n, uint32_t c1, uint32_t c2, uint32_t c3,
                 std::array<uint32_t, 2> k, uint32_t* w0, uint32_t* w1, uint32_t* w2,
                 uint32_t* w3) {
  for (size_t i = begin; i < n; ++i) {
    const auto w = philox4x32_10({c0[i], c1, c2, c3}, k);
    w0[i] = w[0];
    w1[i] = w[1];
    w2[i] = w[2];
    w3[i] = w[3];
  }
}

#ifdef MARROW_X86_VECTOR
// One round on 8 (16) counters: the 32 x 32 -> 64-bit products of the even lanes and of the
// odd lanes (shifted down), their low and high halves put back in lane order.
__attribute__((target("avx2"))) void many_avx2(const uint32_t* c0, size_t n, uint32_t c1,
                                               uint32_t c2, uint32_t c3, std::array<uint32_t, 2> k,
                                               uint32_t* w0, uint32_t* w1, uint32_t* w2,
                                               uint32_t* w3) {
  const __m256i m0 = _mm256_set1_epi32(static_cast<int>(kM0)),
                m1 = _mm256_set1_epi32(static_cast<int>(kM1));
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256i x0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(c0 + i));
    __m256i x1 = _mm256_set1_epi32(static_cast<int>(c1)),
            x2 = _mm256_set1_epi32(static_cast<int>(c2)),
            x3 = _mm256_set1_epi32(static_cast<int>(c3));
    uint32_t k0 = k[0], k1 = k[1];
    for (int round = 0; round < 10; ++round) {
      if (round > 0) {
        k0 += kW0;
        k1 += kW1;
      }
      const __m256i e0 = _mm256_mul_epu32(x0, m0),
                    o0 = _mm256_mul_epu32(_mm256_srli_epi64(x0, 32), m0);
      const __m256i e1 = _mm256_mul_epu32(x2, m1),
                    o1 = _mm256_mul_epu32(_mm256_srli_epi64(x2, 32), m1);
      const __m256i lo0 = _mm256_blend_epi32(e0, _mm256_slli_epi64(o0, 32), 0xAA),
                    hi0 = _mm256_blend_epi32(_mm256_srli_epi64(e0, 32), o0, 0xAA);
      const __m256i lo1 = _mm256_blend_epi32(e1, _mm256_slli_epi64(o1, 32), 0xAA),
                    hi1 = _mm256_blend_epi32(_mm256_srli_epi64(e1, 32), o1, 0xAA);
      x0 = _mm256_xor_si256(_mm256_xor_si256(hi1, x1), _mm256_set1_epi32(static_cast<int>(k0)));
      x1 = lo1;
      x2 = _mm256_xor_si256(_mm256_xor_si256(hi0, x3), _mm256_set1_epi32(static_cast<int>(k1)));
      x3 = lo0;
    }
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(w0 + i), x0);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(w1 + i), x1);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(w2 + i), x2);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(w3 + i), x3);
  }
  many_scalar(c0, i, n, c1, c2, c3, k, w0, w1, w2, w3);
}

__attribute__((target("avx512f"))) void many_avx512(const uint32_t* c0, size_t n, uint32_t c1,
                                                    uint32_t c2, uint32_t c3,
                                                    std::array<uint32_t, 2> k, uint32_t* w0,
                                                    uint32_t* w1, uint32_t* w2, uint32_t* w3) {
  const __m512i m0 = _mm512_set1_epi32(static_cast<int>(kM0)),
                m1 = _mm512_set1_epi32(static_cast<int>(kM1));
  constexpr __mmask16 odd = 0xAAAA;
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m512i x0 = _mm512_loadu_si512(c0 + i);
    __m512i x1 = _mm512_set1_epi32(static_cast<int>(c1)),
            x2 = _mm512_set1_epi32(static_cast<int>(c2)),
            x3 = _mm512_set1_epi32(static_cast<int>(c3));
    uint32_t k0 = k[0], k1 = k[1];
    for (int round = 0; round < 10; ++round) {
      if (round > 0) {
        k0 += kW0;
        k1 += kW1;
      }
      const __m512i e0 = _mm512_mul_epu32(x0, m0),
                    o0 = _mm512_mul_epu32(_mm512_srli_epi64(x0, 32), m0);
      const __m512i e1 = _mm512_mul_epu32(x2, m1),
                    o1 = _mm512_mul_epu32(_mm512_srli_epi64(x2, 32), m1);
      const __m512i lo0 = _mm512_mask_blend_epi32(odd, e0, _mm512_slli_epi64(o0, 32)),
                    hi0 = _mm512_mask_blend_epi32(odd, _mm512_srli_epi64(e0, 32), o0);
      const __m512i lo1 = _mm512_mask_blend_epi32(odd, e1, _mm512_slli_epi64(o1, 32)),
                    hi1 = _mm512_mask_blend_epi32(odd, _mm512_srli_epi64(e1, 32), o1);
      x0 = _mm512_xor_si512(_mm512_xor_si512(hi1, x1), _mm512_set1_epi32(static_cast<int>(k0)));
      x1 = lo1;
      x2 = _mm512_xor_si512(_mm512_xor_si512(hi0, x3), _mm512_set1_epi32(static_cast<int>(k1)));
      x3 = lo0;
    }
    _mm512_storeu_si512(w0 + i, x0);
    _mm512_storeu_si512(w1 + i, x1);
    _mm512_storeu_si512(w2 + i, x2);
    _mm512_storeu_si512(w3 + i, x3);
  }
  many_scalar(c0, i, n, c1, c2, c3, k, w0, w1, w2, w3);
}
#endif

}  // namespace

VectorUnit widest_vector_unit() {
#ifdef MARROW_X86_VECTOR
  static const VectorUnit unit = __builtin_cpu_supports("avx512f") ? VectorUnit::kAvx512
                                 : __builtin_cpu_supports("avx2")  ? VectorUnit::kAvx2
                                                                   : VectorUnit::kScalar;
  return unit;
#else
  return VectorUnit::kScalar;
#endif
}

void philox4x32_10_many(const uint32_t* c0, size_t n, uint32_t c1, uint32_t c2, uint32_t c3,
                        std::array<uint32_t, 2> k, uint32_t* w0, uint32_t* w1, uint32_t* w2,
                        uint32_t* w3, VectorUnit unit) {
#ifdef MARROW_X86_VECTOR
  // A unit the processor lacks falls back to the next narrower one.
  if (unit == VectorUnit::kAvx512 && widest_vector_unit() == VectorUnit::kAvx512)
    return many_avx512(c0, n, c1, c2, c3, k, w0, w1, w2, w3);
  if (unit != VectorUnit::kScalar && widest_vector_unit() != VectorUnit::kScalar)
    return many_avx2(c0, n, c1, c2, c3, k, w0, w1, w2, w3);
#else
  (void)unit;
#endif
  many_scalar(c0, 0, n, c1, c2, c3, k, w0, w1, w2, w3);
}

}  // namespace marrow
