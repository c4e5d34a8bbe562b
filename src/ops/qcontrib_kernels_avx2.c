/* octet — AVX2 + FMA kernels of the com.microsoft quantized ops (flags from
 * CMake: *_avx2.c), called only through oct_qc_kernels_get() after run-time
 * detection. Same float operations per element as the portable build
 * (qcontrib_kernels.h); tails run the scalar functions. */
#include <immintrin.h>

#include "ops/qcontrib_kernels.h"

/* 8 bytes -> 8 floats */
static inline __m256 load8(const uint8_t *p, int is_signed)
{
    __m128i b = _mm_loadl_epi64((const __m128i *)p);
    return _mm256_cvtepi32_ps(is_signed ? _mm256_cvtepi8_epi32(b) : _mm256_cvtepu8_epi32(b));
}

/* clamp (NaN -> lo), round half to even (the default MXCSR mode) */
static inline __m256i round8(__m256 v, __m256 lo, __m256 hi)
{
    return _mm256_cvtps_epi32(_mm256_min_ps(_mm256_max_ps(v, lo), hi));
}

/* low bytes of 4 x 8 int32 (values in [-128, 255]) in order */
static inline __m256i bytes32(__m256i a0, __m256i a1, __m256i a2, __m256i a3)
{
    const __m256i m = _mm256_set1_epi16(0xFF);
    __m256i p01 = _mm256_and_si256(_mm256_packs_epi32(a0, a1), m);
    __m256i p23 = _mm256_and_si256(_mm256_packs_epi32(a2, a3), m);
    __m256i b = _mm256_packus_epi16(p01, p23);
    return _mm256_permutevar8x32_epi32(b, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

/* low bytes of 8 int32 */
static inline void store8(uint8_t *y, __m256i a)
{
    __m256i p = _mm256_and_si256(_mm256_packs_epi32(a, a), _mm256_set1_epi16(0xFF));
    p = _mm256_packus_epi16(p, p);
    __m128i lo = _mm256_castsi256_si128(p), hi = _mm256_extracti128_si256(p, 1);
    _mm_storel_epi64((__m128i *)y, _mm_unpacklo_epi32(lo, hi));
}

static void add_vv(const uint8_t *p, const uint8_t *q, int64_t n, float rp, float rq, float c, float lo, float hi,
                   int is_signed, uint8_t *y)
{
    const __m256 vrp = _mm256_set1_ps(rp), vrq = _mm256_set1_ps(rq), vc = _mm256_set1_ps(c);
    const __m256 vlo = _mm256_set1_ps(lo), vhi = _mm256_set1_ps(hi);
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        __m256i r[4];
        for (int k = 0; k < 4; k++) {
            __m256 t = _mm256_fmadd_ps(load8(q + i + 8 * k, is_signed), vrq, vc);
            r[k] = round8(_mm256_fmadd_ps(load8(p + i + 8 * k, is_signed), vrp, t), vlo, vhi);
        }
        _mm256_storeu_si256((__m256i *)(y + i), bytes32(r[0], r[1], r[2], r[3]));
    }
    for (; i + 8 <= n; i += 8) {
        __m256 t = _mm256_fmadd_ps(load8(q + i, is_signed), vrq, vc);
        store8(y + i, round8(_mm256_fmadd_ps(load8(p + i, is_signed), vrp, t), vlo, vhi));
    }
    oct_qc_add_vv_scalar(p + i, q + i, n - i, rp, rq, c, lo, hi, is_signed, y + i);
}

static void add_vs(const uint8_t *p, int64_t n, float rp, float c, float lo, float hi, int is_signed, uint8_t *y)
{
    const __m256 vrp = _mm256_set1_ps(rp), vc = _mm256_set1_ps(c);
    const __m256 vlo = _mm256_set1_ps(lo), vhi = _mm256_set1_ps(hi);
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        __m256i r[4];
        for (int k = 0; k < 4; k++) r[k] = round8(_mm256_fmadd_ps(load8(p + i + 8 * k, is_signed), vrp, vc), vlo, vhi);
        _mm256_storeu_si256((__m256i *)(y + i), bytes32(r[0], r[1], r[2], r[3]));
    }
    for (; i + 8 <= n; i += 8) store8(y + i, round8(_mm256_fmadd_ps(load8(p + i, is_signed), vrp, vc), vlo, vhi));
    oct_qc_add_vs_scalar(p + i, n - i, rp, c, lo, hi, is_signed, y + i);
}

/* u8 sums with vpsadbw; i8 bytes are flipped to u8 (x ^ 0x80 = x + 128) */
static int64_t sum_q8(const uint8_t *x, int64_t n, int is_signed)
{
    const __m256i flip = _mm256_set1_epi8(is_signed ? (char)0x80 : 0), zero = _mm256_setzero_si256();
    __m256i acc = zero;
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        __m256i v = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(x + i)), flip);
        acc = _mm256_add_epi64(acc, _mm256_sad_epu8(v, zero));
    }
    int64_t lanes[4];
    _mm256_storeu_si256((__m256i *)lanes, acc);
    int64_t s = lanes[0] + lanes[1] + lanes[2] + lanes[3] - (is_signed ? 128 * i : 0);
    if (is_signed)
        for (; i < n; i++) s += (int8_t)x[i];
    else
        for (; i < n; i++) s += x[i];
    return s;
}

static void acc_q8(const uint8_t *x, int64_t n, int is_signed, int32_t *acc)
{
    if (is_signed)
        for (int64_t i = 0; i < n; i++) acc[i] += (int8_t)x[i];
    else
        for (int64_t i = 0; i < n; i++) acc[i] += x[i];
}

static void avg_run(const float *x, const int64_t *row, int64_t nrows, int64_t kw, int64_t sx, int64_t n, float cnt,
                    float ys, float zy, float lo, float hi, uint8_t *y)
{
    const __m256 vcnt = _mm256_set1_ps(cnt), vys = _mm256_set1_ps(ys), vzy = _mm256_set1_ps(zy);
    const __m256 vlo = _mm256_set1_ps(lo), vhi = _mm256_set1_ps(hi);
    int64_t o = 0;
    if (sx == 1) {
        for (; o + 8 <= n; o += 8) {
            __m256 s = _mm256_setzero_ps();
            for (int64_t r = 0; r < nrows; r++) {
                const float *xr = x + row[r] + o;
                for (int64_t j = 0; j < kw; j++) s = _mm256_add_ps(s, _mm256_loadu_ps(xr + j));
            }
            __m256 v = _mm256_add_ps(_mm256_div_ps(_mm256_div_ps(s, vcnt), vys), vzy);
            store8(y + o, round8(v, vlo, vhi));
        }
    } else if (sx * 8 < ((int64_t)1 << 30)) {
        const __m256i idx = _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32((int)sx));
        for (; o + 8 <= n; o += 8) {
            __m256 s = _mm256_setzero_ps();
            for (int64_t r = 0; r < nrows; r++) {
                const float *xr = x + row[r] + o * sx;
                for (int64_t j = 0; j < kw; j++) s = _mm256_add_ps(s, _mm256_i32gather_ps(xr + j, idx, 4));
            }
            __m256 v = _mm256_add_ps(_mm256_div_ps(_mm256_div_ps(s, vcnt), vys), vzy);
            store8(y + o, round8(v, vlo, vhi));
        }
    }
    oct_qc_avg_run_scalar(x + o * sx, row, nrows, kw, sx, n - o, cnt, ys, zy, lo, hi, y + o);
}

const oct_qc_kernels oct_qc_kernels_avx2 = {"avx2", add_vv, add_vs, sum_q8, acc_q8, avg_run};
