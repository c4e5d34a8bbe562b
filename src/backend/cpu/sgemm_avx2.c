/* octet — AVX2/FMA SGEMM microkernel: up to 6 x 16 (12 ymm accumulators). */
#include <immintrin.h>

#include "backend/cpu/sgemm_kernels.h"

#define MR OCT_SGEMM_AVX2_MR
#define NR OCT_SGEMM_AVX2_NR

#define ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5)

#define DECL(r) __m256 c##r##_0 = _mm256_setzero_ps(), c##r##_1 = _mm256_setzero_ps();

#define FMA_ROW(r)                                                          \
    if (ROWS_N > r) {                                                       \
        __m256 av = _mm256_broadcast_ss(ak + r);                            \
        c##r##_0 = _mm256_fmadd_ps(av, b0, c##r##_0);                       \
        c##r##_1 = _mm256_fmadd_ps(av, b1, c##r##_1);                       \
    }

#define KSTEP(u)                                                            \
    do {                                                                    \
        const float *ak = a + (u) * ROWS_N;                                 \
        __m256 b0 = _mm256_load_ps(b + (u) * NR);                           \
        __m256 b1 = _mm256_load_ps(b + (u) * NR + 8);                       \
        ROWS(FMA_ROW)                                                       \
    } while (0)

static const int32_t mask_src[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};

/* lanes < n set (n clamped to [0, 8]) */
static inline __m256i lane_mask(int n)
{
    if (n < 0) n = 0;
    if (n > 8) n = 8;
    return _mm256_loadu_si256((const __m256i *)(mask_src + 8 - n));
}

static inline __m256 apply_act(__m256 x, int kind, __m256 lo, __m256 hi)
{
    switch (kind) {
    case OCT_ACT_RELU: return _mm256_max_ps(x, _mm256_setzero_ps());
    case OCT_ACT_CLIP: return _mm256_min_ps(_mm256_max_ps(x, lo), hi);
    case OCT_ACT_LEAKYRELU: {
        __m256 neg = _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_LT_OQ);
        return _mm256_blendv_ps(x, _mm256_mul_ps(x, lo), neg);
    }
    default: return x;
    }
}

#define STORE_ROW(r)                                                        \
    if (ROWS_N > r) {                                                       \
        float *cr = c + (int64_t)(r) * ldc;                                 \
        __m256 x0 = _mm256_mul_ps(c##r##_0, va);                            \
        __m256 x1 = _mm256_mul_ps(c##r##_1, va);                            \
        if (e->load_c) {                                                    \
            __m256 o0 = full ? _mm256_loadu_ps(cr) : _mm256_maskload_ps(cr, m0); \
            __m256 o1 = full ? _mm256_loadu_ps(cr + 8) : _mm256_maskload_ps(cr + 8, m1); \
            x0 = _mm256_fmadd_ps(o0, vb, x0);                               \
            x1 = _mm256_fmadd_ps(o1, vb, x1);                               \
        }                                                                   \
        if (e->bias_row) {                                                  \
            __m256 br = _mm256_set1_ps(e->bias_row[r]);                     \
            x0 = _mm256_add_ps(x0, br);                                     \
            x1 = _mm256_add_ps(x1, br);                                     \
        }                                                                   \
        if (e->bias_col) {                                                  \
            x0 = _mm256_add_ps(x0, bc0);                                    \
            x1 = _mm256_add_ps(x1, bc1);                                    \
        }                                                                   \
        if (act) {                                                          \
            x0 = apply_act(x0, act, lo, hi);                                \
            x1 = apply_act(x1, act, lo, hi);                                \
        }                                                                   \
        if (full) {                                                         \
            _mm256_storeu_ps(cr, x0);                                       \
            _mm256_storeu_ps(cr + 8, x1);                                   \
        } else {                                                            \
            _mm256_maskstore_ps(cr, m0, x0);                                \
            _mm256_maskstore_ps(cr + 8, m1, x1);                            \
        }                                                                   \
    }

#define DEFINE_UKR(NAME, ROWS_N_VALUE)                                                        \
    static void NAME(int64_t kc, const float *a, const float *b, float *c, int64_t ldc, int nr, \
                     const oct_sgemm_epi *e)                                                  \
    {                                                                                         \
        enum { ROWS_N = ROWS_N_VALUE };                                                       \
        ROWS(DECL)                                                                            \
        int64_t k = 0;                                                                        \
        for (; k + 4 <= kc; k += 4) {                                                         \
            _mm_prefetch((const char *)(b + 8 * NR), _MM_HINT_T0);                            \
            _mm_prefetch((const char *)(b + 10 * NR), _MM_HINT_T0);                           \
            KSTEP(0);                                                                         \
            KSTEP(1);                                                                         \
            KSTEP(2);                                                                         \
            KSTEP(3);                                                                         \
            a += 4 * ROWS_N;                                                                  \
            b += 4 * NR;                                                                      \
        }                                                                                     \
        for (; k < kc; k++) {                                                                 \
            KSTEP(0);                                                                         \
            a += ROWS_N;                                                                      \
            b += NR;                                                                          \
        }                                                                                     \
        int full = nr >= 16;                                                                  \
        __m256i m0 = lane_mask(nr), m1 = lane_mask(nr - 8);                                   \
        __m256 va = _mm256_set1_ps(e->alpha), vb = _mm256_set1_ps(e->beta);                   \
        __m256 bc0 = _mm256_setzero_ps(), bc1 = _mm256_setzero_ps();                          \
        if (e->bias_col) {                                                                    \
            bc0 = _mm256_maskload_ps(e->bias_col, m0);                                        \
            bc1 = _mm256_maskload_ps(e->bias_col + 8, m1);                                    \
        }                                                                                     \
        int act = e->act ? (int)e->act->kind : OCT_ACT_NONE;                                  \
        __m256 lo = _mm256_set1_ps(e->act ? e->act->alpha : 0.f);                             \
        __m256 hi = _mm256_set1_ps(e->act ? e->act->beta : 0.f);                              \
        ROWS(STORE_ROW)                                                                       \
    }

DEFINE_UKR(ukr_1, 1)
DEFINE_UKR(ukr_2, 2)
DEFINE_UKR(ukr_3, 3)
DEFINE_UKR(ukr_4, 4)
DEFINE_UKR(ukr_5, 5)
DEFINE_UKR(ukr_6, 6)

void oct_sgemm_ukr_avx2(int64_t kc, const float *a, const float *b, float *c, int64_t ldc, int mr,
                        int nr, const oct_sgemm_epi *e)
{
    switch (mr) {
    case 1: ukr_1(kc, a, b, c, ldc, nr, e); break;
    case 2: ukr_2(kc, a, b, c, ldc, nr, e); break;
    case 3: ukr_3(kc, a, b, c, ldc, nr, e); break;
    case 4: ukr_4(kc, a, b, c, ldc, nr, e); break;
    case 5: ukr_5(kc, a, b, c, ldc, nr, e); break;
    case 6: ukr_6(kc, a, b, c, ldc, nr, e); break;
    default: break;
    }
}
