/* octet — the branch-free float math of ew_vmath.h on 16 lanes with AVX-512
 * intrinsics: the same operations in the same order (no FMA contraction),
 * so results are bit-identical to the scalar forms; loops built on them take
 * their tails with masks instead of scalar code. Include only from files
 * compiled with AVX-512 F/DQ flags (ew_kernels.inc in its AVX-512 build). */
#ifndef OCT_OPS_EW_VMATH_AVX512_H
#define OCT_OPS_EW_VMATH_AVX512_H

#include <immintrin.h>

#include "ops/ew_vmath.h"

static inline __m512 oct_v16_clamp(__m512 x, float lo, float hi)
{
    /* oct_vclampf: x < lo ? lo : x, then x > hi ? hi : x (NaN stays NaN) */
    x = _mm512_mask_mov_ps(x, _mm512_cmp_ps_mask(x, _mm512_set1_ps(lo), _CMP_LT_OQ), _mm512_set1_ps(lo));
    return _mm512_mask_mov_ps(x, _mm512_cmp_ps_mask(x, _mm512_set1_ps(hi), _CMP_GT_OQ), _mm512_set1_ps(hi));
}

#define OCT_V16_MADD(p, g, c) _mm512_add_ps(_mm512_mul_ps((p), (g)), _mm512_set1_ps(c))

static inline __m512 oct_v16_exp(__m512 x)
{
    __m512 xc = oct_v16_clamp(x, -104.0f, 100.0f);
    __m512 t = _mm512_add_ps(_mm512_mul_ps(xc, _mm512_set1_ps(1.44269504088896341f)), _mm512_set1_ps(12582912.0f));
    __m512i n = _mm512_sub_epi32(_mm512_castps_si512(t), _mm512_set1_epi32(0x4B400000));
    __m512 fn = _mm512_sub_ps(t, _mm512_set1_ps(12582912.0f));
    __m512 g = _mm512_sub_ps(xc, _mm512_mul_ps(fn, _mm512_set1_ps(0.693359375f)));
    g = _mm512_sub_ps(g, _mm512_mul_ps(fn, _mm512_set1_ps(-2.12194440e-4f)));
    __m512 p = _mm512_set1_ps(1.9875691500e-4f);
    p = OCT_V16_MADD(p, g, 1.3981999507e-3f);
    p = OCT_V16_MADD(p, g, 8.3334519073e-3f);
    p = OCT_V16_MADD(p, g, 4.1665795894e-2f);
    p = OCT_V16_MADD(p, g, 1.6666665459e-1f);
    p = OCT_V16_MADD(p, g, 5.0000001201e-1f);
    __m512 r = _mm512_add_ps(_mm512_add_ps(_mm512_mul_ps(_mm512_mul_ps(p, g), g), g), _mm512_set1_ps(1.0f));
    __m512i n1 = _mm512_srai_epi32(n, 1), n2 = _mm512_sub_epi32(n, n1);
    __m512 s1 = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(n1, _mm512_set1_epi32(127)), 23));
    __m512 s2 = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(n2, _mm512_set1_epi32(127)), 23));
    return _mm512_mul_ps(_mm512_mul_ps(r, s1), s2);
}

/* oct_verff: the interval's coefficients picked with one permute each */
static inline __m512 oct_v16_erf(__m512 x)
{
    const __m512 one = _mm512_set1_ps(1.0f);
    __m512 ax = _mm512_castsi512_ps(_mm512_and_si512(_mm512_castps_si512(x), _mm512_set1_epi32(0x7fffffff)));
    __mmask16 i1 = _mm512_cmp_ps_mask(ax, one, _CMP_GE_OQ);
    __mmask16 i2 = _mm512_cmp_ps_mask(ax, _mm512_set1_ps(2.0f), _CMP_GE_OQ);
    __mmask16 i3 = _mm512_cmp_ps_mask(ax, _mm512_set1_ps(3.0f), _CMP_GE_OQ);
    __m512i idx = _mm512_mask_add_epi32(_mm512_setzero_si512(), i1, _mm512_setzero_si512(), _mm512_set1_epi32(1));
    idx = _mm512_mask_add_epi32(idx, i2, idx, _mm512_set1_epi32(1));
    idx = _mm512_mask_add_epi32(idx, i3, idx, _mm512_set1_epi32(1));
    __m512 a = _mm512_mask_mov_ps(_mm512_mask_mov_ps(one, i2, _mm512_set1_ps(2.0f)), i3, _mm512_set1_ps(3.0f));
    __m512 w2 = _mm512_mask_mov_ps(_mm512_set1_ps(2.0f), i3, _mm512_set1_ps(2.0f / 0.92f));
    __m512 ubig = _mm512_sub_ps(_mm512_mul_ps(_mm512_sub_ps(ax, a), w2), one);
    __m512 usmall = _mm512_sub_ps(_mm512_mul_ps(_mm512_mul_ps(_mm512_set1_ps(2.0f), ax), ax), one);
    __m512 u = _mm512_mask_mov_ps(usmall, i1, ubig);
    __m512 p = _mm512_setzero_ps();
    for (int k = 10; k >= 0; k--) {
        __m512 tbl = _mm512_castps128_ps512(_mm_loadu_ps(oct_verf_c[k]));
        p = _mm512_add_ps(_mm512_mul_ps(p, u), _mm512_permutexvar_ps(idx, tbl));
    }
    __m512 r = _mm512_mask_mov_ps(_mm512_mul_ps(ax, p), i1, p);
    r = _mm512_mask_mov_ps(r, _mm512_cmp_ps_mask(ax, _mm512_set1_ps(3.92f), _CMP_GE_OQ), one);
    __m512i sign = _mm512_and_si512(_mm512_castps_si512(x), _mm512_set1_epi32((int)0x80000000u));
    return _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(r), sign));
}

static inline __mmask16 oct_v16_tail(int64_t n) { return n >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << n) - 1u); }

#endif
