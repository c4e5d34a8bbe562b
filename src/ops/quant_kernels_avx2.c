/* octet — AVX2 integer Conv kernels (flags from CMake: *_avx2.c), called
 * only through oct_quant_kernels_get() after run-time detection. The MAC
 * rows are the portable loops vectorized by the compiler (-O3); the
 * scatters transpose 8 x 8 tiles (tails: the scalar code). */
#include <immintrin.h>

#include "ops/quant_kernels.h"

static void mac_u8(uint32_t *acc, const uint8_t *x, int64_t n, int64_t stride, int32_t w, int32_t zx)
{
    if (stride == 1)
        for (int64_t i = 0; i < n; i++) acc[i] += (uint32_t)(w * ((int32_t)x[i] - zx));
    else
        for (int64_t i = 0; i < n; i++) acc[i] += (uint32_t)(w * ((int32_t)x[i * stride] - zx));
}

static void mac_s8(uint32_t *acc, const uint8_t *x_, int64_t n, int64_t stride, int32_t w, int32_t zx)
{
    const int8_t *x = (const int8_t *)x_;
    if (stride == 1)
        for (int64_t i = 0; i < n; i++) acc[i] += (uint32_t)(w * ((int32_t)x[i] - zx));
    else
        for (int64_t i = 0; i < n; i++) acc[i] += (uint32_t)(w * ((int32_t)x[i * stride] - zx));
}

static inline void transpose8(__m256 r[8])
{
    __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
    __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
    __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
    __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
    __m256 s0 = _mm256_shuffle_ps(t0, t2, 0x44), s1 = _mm256_shuffle_ps(t0, t2, 0xEE);
    __m256 s2 = _mm256_shuffle_ps(t1, t3, 0x44), s3 = _mm256_shuffle_ps(t1, t3, 0xEE);
    __m256 s4 = _mm256_shuffle_ps(t4, t6, 0x44), s5 = _mm256_shuffle_ps(t4, t6, 0xEE);
    __m256 s6 = _mm256_shuffle_ps(t5, t7, 0x44), s7 = _mm256_shuffle_ps(t5, t7, 0xEE);
    r[0] = _mm256_permute2f128_ps(s0, s4, 0x20);
    r[1] = _mm256_permute2f128_ps(s1, s5, 0x20);
    r[2] = _mm256_permute2f128_ps(s2, s6, 0x20);
    r[3] = _mm256_permute2f128_ps(s3, s7, 0x20);
    r[4] = _mm256_permute2f128_ps(s0, s4, 0x31);
    r[5] = _mm256_permute2f128_ps(s1, s5, 0x31);
    r[6] = _mm256_permute2f128_ps(s2, s6, 0x31);
    r[7] = _mm256_permute2f128_ps(s3, s7, 0x31);
}

static void scatter_q(const float *src, int64_t ld, int64_t P, int64_t Mg, uint8_t *dst, int64_t ldd, float lo,
                      float hi, int32_t zo, int is_signed)
{
    int64_t P8 = P & ~(int64_t)7, M8 = Mg & ~(int64_t)7;
    const __m256 vlo = _mm256_set1_ps(lo), vhi = _mm256_set1_ps(hi);
    const __m256i vzo = _mm256_set1_epi32(zo);
    for (int64_t p0 = 0; p0 < P8; p0 += 8) {
        for (int64_t m0 = 0; m0 < M8; m0 += 8) {
            __m256 r[8];
            for (int i = 0; i < 8; i++) {
                __m256 v = _mm256_loadu_ps(src + (p0 + i) * ld + m0);
                v = _mm256_min_ps(_mm256_max_ps(v, vlo), vhi); /* NaN -> lo, as oct_quant_rne */
                /* round half to even (the default MXCSR mode), add the zero point */
                r[i] = _mm256_castsi256_ps(_mm256_add_epi32(_mm256_cvtps_epi32(v), vzo));
            }
            transpose8(r);
            for (int j = 0; j < 8; j++) {
                __m256i q = _mm256_castps_si256(r[j]);
                __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
                __m128i b = is_signed ? _mm_packs_epi16(w, w) : _mm_packus_epi16(w, w);
                _mm_storel_epi64((__m128i *)(dst + (m0 + j) * ldd + p0), b);
            }
        }
        if (M8 < Mg)
            oct_quant_scatter_q_scalar(src + p0 * ld + M8, ld, 8, Mg - M8, dst + M8 * ldd + p0, ldd, lo, hi, zo,
                                       is_signed);
    }
    if (P8 < P) oct_quant_scatter_q_scalar(src + P8 * ld, ld, P - P8, Mg, dst + P8, ldd, lo, hi, zo, is_signed);
}

static void scatter_i32(const int32_t *src, int64_t ld, int64_t P, int64_t Mg, int32_t *dst, int64_t ldd)
{
    int64_t P8 = P & ~(int64_t)7, M8 = Mg & ~(int64_t)7;
    for (int64_t p0 = 0; p0 < P8; p0 += 8) {
        for (int64_t m0 = 0; m0 < M8; m0 += 8) {
            __m256 r[8];
            for (int i = 0; i < 8; i++) r[i] = _mm256_loadu_ps((const float *)(src + (p0 + i) * ld + m0));
            transpose8(r);
            for (int j = 0; j < 8; j++) _mm256_storeu_ps((float *)(dst + (m0 + j) * ldd + p0), r[j]);
        }
        if (M8 < Mg) oct_quant_scatter_i32_scalar(src + p0 * ld + M8, ld, 8, Mg - M8, dst + M8 * ldd + p0, ldd);
    }
    if (P8 < P) oct_quant_scatter_i32_scalar(src + P8 * ld, ld, P - P8, Mg, dst + P8, ldd);
}

static void finish_q(const uint32_t *acc, int64_t n, uint32_t bias, float mult, float lo, float hi, int32_t zo,
                     int is_signed, uint8_t *dst)
{
    const __m256 vlo = _mm256_set1_ps(lo), vhi = _mm256_set1_ps(hi), vm = _mm256_set1_ps(mult);
    const __m256i vzo = _mm256_set1_epi32(zo), vb = _mm256_set1_epi32((int32_t)bias);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256i a = _mm256_add_epi32(_mm256_loadu_si256((const __m256i *)(acc + i)), vb);
        __m256 v = _mm256_mul_ps(_mm256_cvtepi32_ps(a), vm);
        v = _mm256_min_ps(_mm256_max_ps(v, vlo), vhi);
        __m256i q = _mm256_add_epi32(_mm256_cvtps_epi32(v), vzo);
        __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
        __m128i b = is_signed ? _mm_packs_epi16(w, w) : _mm_packus_epi16(w, w);
        _mm_storel_epi64((__m128i *)(dst + i), b);
    }
    oct_quant_finish_q_scalar(acc + i, n - i, bias, mult, lo, hi, zo, is_signed, dst + i);
}

static void finish_i32(const uint32_t *acc, int64_t n, uint32_t bias, int32_t *dst)
{
    for (int64_t i = 0; i < n; i++) dst[i] = (int32_t)(acc[i] + bias);
}

static void round_q(const float *src, int64_t n, float lo, float hi, int32_t zo, int is_signed, uint8_t *dst)
{
    const __m256 vlo = _mm256_set1_ps(lo), vhi = _mm256_set1_ps(hi);
    const __m256i vzo = _mm256_set1_epi32(zo);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_min_ps(_mm256_max_ps(_mm256_loadu_ps(src + i), vlo), vhi);
        __m256i q = _mm256_add_epi32(_mm256_cvtps_epi32(v), vzo);
        __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
        __m128i b = is_signed ? _mm_packs_epi16(w, w) : _mm_packus_epi16(w, w);
        _mm_storel_epi64((__m128i *)(dst + i), b);
    }
    oct_quant_round_q_scalar(src + i, n - i, lo, hi, zo, is_signed, dst + i);
}

static void quantize(const float *x, int64_t n, float scale, float lo, float hi, int32_t zo, int is_signed,
                     uint8_t *dst)
{
    const __m256 vlo = _mm256_set1_ps(lo), vhi = _mm256_set1_ps(hi), vs = _mm256_set1_ps(scale);
    const __m256i vzo = _mm256_set1_epi32(zo);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_div_ps(_mm256_loadu_ps(x + i), vs);
        v = _mm256_min_ps(_mm256_max_ps(v, vlo), vhi);
        __m256i q = _mm256_add_epi32(_mm256_cvtps_epi32(v), vzo);
        __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
        __m128i b = is_signed ? _mm_packs_epi16(w, w) : _mm_packus_epi16(w, w);
        _mm_storel_epi64((__m128i *)(dst + i), b);
    }
    oct_quant_quantize_scalar(x + i, n - i, scale, lo, hi, zo, is_signed, dst + i);
}

static void dequantize(const uint8_t *x, int64_t n, int is_signed, int32_t zp, float scale, float *y)
{
    const __m256 vs = _mm256_set1_ps(scale);
    const __m256i vz = _mm256_set1_epi32(zp);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m128i b = _mm_loadl_epi64((const __m128i *)(x + i));
        __m256i v = is_signed ? _mm256_cvtepi8_epi32(b) : _mm256_cvtepu8_epi32(b);
        _mm256_storeu_ps(y + i, _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(v, vz)), vs));
    }
    oct_quant_dequantize_scalar(x + i, n - i, is_signed, zp, scale, y + i);
}

/* minps(x, acc) returns acc when x is NaN: NaN is ignored as in the scalar loop. */
static void minmax(const float *x, int64_t n, float *lo, float *hi)
{
    __m256 a0 = _mm256_set1_ps(*lo), a1 = a0, b0 = _mm256_set1_ps(*hi), b1 = b0;
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256 v0 = _mm256_loadu_ps(x + i), v1 = _mm256_loadu_ps(x + i + 8);
        a0 = _mm256_min_ps(v0, a0);
        a1 = _mm256_min_ps(v1, a1);
        b0 = _mm256_max_ps(v0, b0);
        b1 = _mm256_max_ps(v1, b1);
    }
    float la[8], lb[8], ha[8], hb[8];
    _mm256_storeu_ps(la, a0);
    _mm256_storeu_ps(lb, a1);
    _mm256_storeu_ps(ha, b0);
    _mm256_storeu_ps(hb, b1);
    float l = *lo, h = *hi;
    for (int k = 0; k < 8; k++) {
        l = la[k] < l ? la[k] : l;
        l = lb[k] < l ? lb[k] : l;
        h = ha[k] > h ? ha[k] : h;
        h = hb[k] > h ? hb[k] : h;
    }
    oct_quant_minmax_scalar(x + i, n - i, &l, &h);
    *lo = l;
    *hi = h;
}

const oct_quant_kernels oct_quant_kernels_avx2 = {mac_u8,     mac_s8,  scatter_q, scatter_i32, finish_q,
                                                  finish_i32, round_q, quantize,  dequantize, minmax};
