/* octet — the 256-bit INT8 GEMM microkernel body (6 x 16, 12 ymm
 * accumulators) and its epilogue, shared by qgemm_avx2.c and qgemm_avxvnni.c.
 * Before including, define
 *   YMM_DP(acc, a, b)  acc += the dot products of one k-group (a: A word
 *                      broadcast, b: 8 columns of B)
 *   YMM_ASM_DP(acc, b) the same as inline-asm text for ymm<acc> += ymm14 (A) . ymm<b>
 *                      (ymm15 free for temporaries)
 *   YMM_UKR_NAME       the name of the exported oct_qgemm_ukr_fn
 * and compile with -mavx2 (+ -mavxvnni). */
#ifndef OCT_BACKEND_CPU_QGEMM_YMM_H
#define OCT_BACKEND_CPU_QGEMM_YMM_H

#include <immintrin.h>
#include <string.h>

#include "backend/cpu/qgemm_kernels.h"

#define MR 6
#define NR 16

typedef struct epi_v {
    int out, nr, has_fbias, clamp, any_left;
    __m256i mask[2];
    __m256i ct[2], mul[2], mulo[2], ls[2], rs[2], rmask[2], rthr[2];
    __m256 sc[2], fb[2];
} epi_v;

static inline void epi_init(epi_v *v, int nr, const oct_qgemm_tile *t)
{
    v->out = t->out;
    v->nr = nr;
    v->has_fbias = t->has_fbias;
    v->clamp = t->clamp;
    v->any_left = t->any_left;
    const __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), one = _mm256_set1_epi32(1);
    for (int h = 0; h < 2; h++) {
        v->mask[h] = _mm256_cmpgt_epi32(_mm256_set1_epi32(nr - 8 * h), idx);
        v->ct[h] = _mm256_load_si256((const __m256i *)(t->colterm + 8 * h));
        v->sc[h] = _mm256_load_ps(t->scale + 8 * h);
        v->fb[h] = _mm256_load_ps(t->fbias + 8 * h);
        v->mul[h] = _mm256_load_si256((const __m256i *)(t->m0 + 8 * h));
        v->mulo[h] = _mm256_srli_epi64(v->mul[h], 32);
        v->ls[h] = _mm256_load_si256((const __m256i *)(t->lsh + 8 * h));
        v->rs[h] = _mm256_load_si256((const __m256i *)(t->rsh + 8 * h));
        v->rmask[h] = _mm256_sub_epi32(_mm256_sllv_epi32(one, v->rs[h]), one);
        v->rthr[h] = _mm256_srli_epi32(v->rmask[h], 1);
    }
}

/* oct_qgemm_requant on 8 lanes (see qgemm_scalar.c). */
static inline __m256i requant(const epi_v *v, int h, __m256i x)
{
    if (v->any_left) {
        __m256i s = _mm256_sllv_epi32(x, v->ls[h]);
        __m256i ok = _mm256_cmpeq_epi32(_mm256_srav_epi32(s, v->ls[h]), x);
        __m256i sat = _mm256_xor_si256(_mm256_srai_epi32(x, 31), _mm256_set1_epi32(INT32_MAX));
        x = _mm256_blendv_epi8(sat, s, ok);
    }
    const __m256i half = _mm256_set1_epi64x((long long)1 << 30);
    __m256i pe = _mm256_add_epi64(_mm256_mul_epi32(x, v->mul[h]), half);
    __m256i po = _mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64(x, 32), v->mulo[h]), half);
    __m256i y = _mm256_blend_epi32(_mm256_srli_epi64(pe, 31), _mm256_slli_epi64(po, 1), 0xAA);
    __m256i q = _mm256_srav_epi32(y, v->rs[h]);
    __m256i rem = _mm256_and_si256(y, v->rmask[h]);
    __m256i thr = _mm256_sub_epi32(v->rthr[h], _mm256_srai_epi32(y, 31));
    return _mm256_sub_epi32(q, _mm256_cmpgt_epi32(rem, thr));
}

static inline __m256i clamp_q(const oct_qgemm_tile *t, __m256i q)
{
    q = _mm256_max_epi32(q, _mm256_set1_epi32(t->q_lo));
    q = _mm256_min_epi32(q, _mm256_set1_epi32(t->q_hi));
    return _mm256_add_epi32(q, _mm256_set1_epi32(t->zo));
}

static inline void epi_row(const epi_v *v, const oct_qgemm_tile *t, __m256i a0, __m256i a1, char *cr)
{
    __m256i x[2] = {_mm256_add_epi32(a0, v->ct[0]), _mm256_add_epi32(a1, v->ct[1])};
    int nh = v->nr > 8 ? 2 : 1;
    if (v->out == OCT_QGEMM_OUT_S32) {
        for (int h = 0; h < nh; h++) _mm256_maskstore_epi32((int *)cr + 8 * h, v->mask[h], x[h]);
    } else if (v->out == OCT_QGEMM_OUT_F32) {
        for (int h = 0; h < nh; h++) {
            __m256 y = _mm256_mul_ps(_mm256_cvtepi32_ps(x[h]), v->sc[h]);
            if (v->has_fbias) y = _mm256_add_ps(y, v->fb[h]);
            if (v->clamp) {
                y = _mm256_max_ps(y, _mm256_set1_ps(t->f_lo));
                y = _mm256_min_ps(y, _mm256_set1_ps(t->f_hi));
            }
            _mm256_maskstore_ps((float *)cr + 8 * h, v->mask[h], y);
        }
    } else {
        __m256i q0 = clamp_q(t, requant(v, 0, x[0]));
        __m256i q1 = nh > 1 ? clamp_q(t, requant(v, 1, x[1])) : q0;
        __m256i w = _mm256_permute4x64_epi64(_mm256_packs_epi32(q0, q1), 0xD8);
        __m128i lo = _mm256_castsi256_si128(w), hi = _mm256_extracti128_si256(w, 1);
        __m128i b = v->out == OCT_QGEMM_OUT_U8 ? _mm_packus_epi16(lo, hi) : _mm_packs_epi16(lo, hi);
        if (v->nr >= 16) {
            _mm_storeu_si128((__m128i *)cr, b);
        } else {
            char tmp[16];
            _mm_storeu_si128((__m128i *)tmp, b);
            memcpy(cr, tmp, (size_t)v->nr);
        }
    }
}

#define ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5)

#define DECL(r) __m256i c##r##_0 = _mm256_setzero_si256(), c##r##_1 = _mm256_setzero_si256();

#define DP_ROW(r)                                                      \
    if (ROWS_N > r) {                                                  \
        __m256i av = _mm256_set1_epi32(ak[r]);                         \
        YMM_DP(c##r##_0, av, b0);                                      \
        YMM_DP(c##r##_1, av, b1);                                      \
    }

#define KSTEP(u)                                                       \
    do {                                                               \
        const int32_t *ak = a + (u) * ROWS_N;                          \
        __m256i b0 = _mm256_load_si256((const __m256i *)(b + (u) * NR));     \
        __m256i b1 = _mm256_load_si256((const __m256i *)(b + (u) * NR + 8)); \
        ROWS(DP_ROW)                                                   \
    } while (0)

#define STORE_ROW(r)                                                   \
    if (ROWS_N > r) epi_row(&ev, t, c##r##_0, c##r##_1, (char *)c + (size_t)((int64_t)(r) * ldc) * es);

#define DEFINE_UKR(NAME, ROWS_N_VALUE)                                                            \
    static void NAME(int64_t nkg, const int32_t *a, const int32_t *b, void *c, int64_t ldc, int nr, \
                     const oct_qgemm_tile *t)                                                     \
    {                                                                                             \
        enum { ROWS_N = ROWS_N_VALUE };                                                           \
        ROWS(DECL)                                                                                \
        int64_t g = 0;                                                                            \
        for (; g + 2 <= nkg; g += 2) {                                                            \
            _mm_prefetch((const char *)(b + 16 * NR), _MM_HINT_T0);                               \
            KSTEP(0);                                                                             \
            KSTEP(1);                                                                             \
            a += 2 * ROWS_N;                                                                      \
            b += 2 * NR;                                                                          \
        }                                                                                         \
        if (g < nkg) KSTEP(0);                                                                    \
        epi_v ev;                                                                                 \
        epi_init(&ev, nr, t);                                                                     \
        size_t es = t->out == OCT_QGEMM_OUT_U8 || t->out == OCT_QGEMM_OUT_S8 ? 1 : 4;             \
        ROWS(STORE_ROW)                                                                           \
    }

DEFINE_UKR(ukr_1, 1)
DEFINE_UKR(ukr_2, 2)
DEFINE_UKR(ukr_3, 3)
DEFINE_UKR(ukr_4, 4)
DEFINE_UKR(ukr_5, 5)

/* ---- full-height tile: inline-asm K loop ------------------------------------
 * (gcc spills the 12 accumulators of the intrinsics version.) ymm0..11
 * accumulate (row r in ymm 2r, 2r+1), ymm12/13 hold the B step, ymm14 the
 * broadcast A word, ymm15 is YMM_ASM_DP's scratch. Two k-groups per loop. */
#define YROW(z0, z1, off) "vpbroadcastd " #off "(%[a]), %%ymm14\n\t" YMM_ASM_DP(z0, 12) YMM_ASM_DP(z1, 13)
#define YROWS(o) YROW(0, 1, o+0) YROW(2, 3, o+4) YROW(4, 5, o+8) YROW(6, 7, o+12) YROW(8, 9, o+16) YROW(10, 11, o+20)
#define YZERO(z) "vpxor %%ymm" #z ", %%ymm" #z ", %%ymm" #z "\n\t"
#define YST(z) "vmovdqa %%ymm" #z ", " #z "*32(%[c])\n\t"
#define YLOAD_B(off) "vmovdqa " #off "(%[b]), %%ymm12\n\t" "vmovdqa " #off "+32(%[b]), %%ymm13\n\t"

static void kloop_full(int64_t nkg, const int32_t *a, const int32_t *b, int32_t *acc)
{
    int64_t pairs = nkg >> 1, odd = nkg & 1;
    __asm__ volatile(
        YZERO(0) YZERO(1) YZERO(2) YZERO(3) YZERO(4) YZERO(5) YZERO(6) YZERO(7) YZERO(8) YZERO(9)
        YZERO(10) YZERO(11)
        "test %[n], %[n]\n\t"
        "jz 2f\n\t"
        ".p2align 5\n\t"
        "1:\n\t"
        "prefetcht0 1024(%[b])\n\t"
        YLOAD_B(0)
        YROWS(0)
        "prefetcht0 1088(%[b])\n\t"
        YLOAD_B(64)
        YROWS(24)
        "add $48, %[a]\n\t"
        "add $128, %[b]\n\t"
        "dec %[n]\n\t"
        "jnz 1b\n\t"
        "2:\n\t"
        "test %[odd], %[odd]\n\t"
        "jz 3f\n\t"
        YLOAD_B(0)
        YROWS(0)
        "3:\n\t"
        YST(0) YST(1) YST(2) YST(3) YST(4) YST(5) YST(6) YST(7) YST(8) YST(9) YST(10) YST(11)
        : [a] "+r"(a), [b] "+r"(b), [n] "+r"(pairs)
        : [c] "r"(acc), [odd] "r"(odd)
        : "memory", "cc", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8",
          "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
}

static void ukr_6(int64_t nkg, const int32_t *a, const int32_t *b, void *c, int64_t ldc, int nr,
                  const oct_qgemm_tile *t)
{
    _Alignas(32) int32_t acc[MR * NR];
    kloop_full(nkg, a, b, acc);
    epi_v ev;
    epi_init(&ev, nr, t);
    size_t es = t->out == OCT_QGEMM_OUT_U8 || t->out == OCT_QGEMM_OUT_S8 ? 1 : 4;
    for (int r = 0; r < MR; r++)
        epi_row(&ev, t, _mm256_load_si256((const __m256i *)(acc + r * NR)),
                _mm256_load_si256((const __m256i *)(acc + r * NR + 8)), (char *)c + (size_t)((int64_t)r * ldc) * es);
}

typedef void (*ukr_rows_fn)(int64_t, const int32_t *, const int32_t *, void *, int64_t, int, const oct_qgemm_tile *);
static const ukr_rows_fn ukrs[MR + 1] = {NULL, ukr_1, ukr_2, ukr_3, ukr_4, ukr_5, ukr_6};

void YMM_UKR_NAME(int64_t nkg, const void *a, const void *b, void *c, int64_t ldc, int mr, int nr,
                  const oct_qgemm_tile *t)
{
    if (mr >= 1 && mr <= MR) ukrs[mr](nkg, a, b, c, ldc, nr, t);
}

#endif
