/* octet — AVX-512 VNNI INT8 GEMM microkernel: MR x 32 (MR = 14: 28 zmm
 * accumulators, vpdpbusd with the uint8 A word broadcast and two int8 B
 * vectors). Instantiated once per row count so that M tails do not pay for
 * the rows they do not have. */
#include <immintrin.h>

#include "backend/cpu/qgemm_epi_avx512.h"

#define MR OCT_QGEMM_AVX512_MR
#define NR OCT_QGEMM_AVX512_NR

#if MR != 14 || NR != 32
#error "the AVX-512 VNNI kernel is written for 14 x 32"
#endif

/* ---- K loop ---------------------------------------------------------------------- */

#define ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13)

#define DECL(r) __m512i c##r##_0 = _mm512_setzero_si512(), c##r##_1 = _mm512_setzero_si512();

#define DP_ROW(r)                                                      \
    if (ROWS_N > r) {                                                  \
        __m512i av = _mm512_set1_epi32(ak[r]);                         \
        c##r##_0 = _mm512_dpbusd_epi32(c##r##_0, av, b0);              \
        c##r##_1 = _mm512_dpbusd_epi32(c##r##_1, av, b1);              \
    }

#define KSTEP(u)                                                       \
    do {                                                               \
        const int32_t *ak = a + (u) * ROWS_N;                          \
        __m512i b0 = _mm512_load_si512(b + (u) * NR);                  \
        __m512i b1 = _mm512_load_si512(b + (u) * NR + 16);             \
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
            _mm_prefetch((const char *)(b + 8 * NR), _MM_HINT_T0);                                \
            _mm_prefetch((const char *)(b + 8 * NR + 16), _MM_HINT_T0);                           \
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
DEFINE_UKR(ukr_6, 6)
DEFINE_UKR(ukr_7, 7)
DEFINE_UKR(ukr_8, 8)
DEFINE_UKR(ukr_9, 9)
DEFINE_UKR(ukr_10, 10)
DEFINE_UKR(ukr_11, 11)
DEFINE_UKR(ukr_12, 12)
DEFINE_UKR(ukr_13, 13)

/* ---- full-height tile: inline-asm K loop ------------------------------------
 * (gcc keeps 28 live accumulators in registers only here; the intrinsics
 * version spills.) zmm0..27 accumulate (row r in zmm 2r, 2r+1), zmm30/31
 * hold the B step, zmm28/29 the broadcast A words. Two k-groups per loop. */
#define A_ROW(z0, z1, off, za)                                                \
    "vpbroadcastd " #off "(%[a]), %%zmm" #za "\n\t"                          \
    "vpdpbusd %%zmm30, %%zmm" #za ", %%zmm" #z0 "\n\t"                        \
    "vpdpbusd %%zmm31, %%zmm" #za ", %%zmm" #z1 "\n\t"
#define ROWS_ALL(o)                                                           \
    A_ROW(0, 1, o+0, 28) A_ROW(2, 3, o+4, 29) A_ROW(4, 5, o+8, 28)            \
    A_ROW(6, 7, o+12, 29) A_ROW(8, 9, o+16, 28) A_ROW(10, 11, o+20, 29)       \
    A_ROW(12, 13, o+24, 28) A_ROW(14, 15, o+28, 29) A_ROW(16, 17, o+32, 28)   \
    A_ROW(18, 19, o+36, 29) A_ROW(20, 21, o+40, 28) A_ROW(22, 23, o+44, 29)   \
    A_ROW(24, 25, o+48, 28) A_ROW(26, 27, o+52, 29)
#define ZERO(z) "vpxord %%zmm" #z ", %%zmm" #z ", %%zmm" #z "\n\t"
#define ST(z) "vmovdqa32 %%zmm" #z ", " #z "*64(%[c])\n\t"
#define LOAD_B(off) "vmovdqa32 " #off "(%[b]), %%zmm30\n\t" "vmovdqa32 " #off "+64(%[b]), %%zmm31\n\t"

static void kloop_full(int64_t nkg, const int32_t *a, const int32_t *b, int32_t *acc)
{
    int64_t pairs = nkg >> 1, odd = nkg & 1;
    __asm__ volatile(
        ZERO(0) ZERO(1) ZERO(2) ZERO(3) ZERO(4) ZERO(5) ZERO(6) ZERO(7) ZERO(8) ZERO(9)
        ZERO(10) ZERO(11) ZERO(12) ZERO(13) ZERO(14) ZERO(15) ZERO(16) ZERO(17) ZERO(18)
        ZERO(19) ZERO(20) ZERO(21) ZERO(22) ZERO(23) ZERO(24) ZERO(25) ZERO(26) ZERO(27)
        "test %[n], %[n]\n\t"
        "jz 2f\n\t"
        ".p2align 5\n\t"
        "1:\n\t"
        "prefetcht0 1024(%[b])\n\t"
        "prefetcht0 1088(%[b])\n\t"
        LOAD_B(0)
        ROWS_ALL(0)
        "prefetcht0 1152(%[b])\n\t"
        "prefetcht0 1216(%[b])\n\t"
        LOAD_B(128)
        ROWS_ALL(56)
        "add $112, %[a]\n\t"
        "add $256, %[b]\n\t"
        "dec %[n]\n\t"
        "jnz 1b\n\t"
        "2:\n\t"
        "test %[odd], %[odd]\n\t"
        "jz 3f\n\t"
        LOAD_B(0)
        ROWS_ALL(0)
        "3:\n\t"
        ST(0) ST(1) ST(2) ST(3) ST(4) ST(5) ST(6) ST(7) ST(8) ST(9) ST(10) ST(11) ST(12) ST(13)
        ST(14) ST(15) ST(16) ST(17) ST(18) ST(19) ST(20) ST(21) ST(22) ST(23) ST(24) ST(25)
        ST(26) ST(27)
        : [a] "+r"(a), [b] "+r"(b), [n] "+r"(pairs)
        : [c] "r"(acc), [odd] "r"(odd)
        : "memory", "cc", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8",
          "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15", "xmm16", "xmm17", "xmm18",
          "xmm19", "xmm20", "xmm21", "xmm22", "xmm23", "xmm24", "xmm25", "xmm26", "xmm27",
          "xmm28", "xmm29", "xmm30", "xmm31");
}

/* The same for tiles of at most 16 columns (narrow layers: 16 output
 * channels): only the first B vector, 14 accumulators, half the work. */
#define A_ROW_H(z0, off, za)                                                  \
    "vpbroadcastd " #off "(%[a]), %%zmm" #za "\n\t"                          \
    "vpdpbusd %%zmm30, %%zmm" #za ", %%zmm" #z0 "\n\t"
#define ROWS_HALF(o)                                                          \
    A_ROW_H(0, o+0, 28) A_ROW_H(1, o+4, 29) A_ROW_H(2, o+8, 28)               \
    A_ROW_H(3, o+12, 29) A_ROW_H(4, o+16, 28) A_ROW_H(5, o+20, 29)            \
    A_ROW_H(6, o+24, 28) A_ROW_H(7, o+28, 29) A_ROW_H(8, o+32, 28)            \
    A_ROW_H(9, o+36, 29) A_ROW_H(10, o+40, 28) A_ROW_H(11, o+44, 29)          \
    A_ROW_H(12, o+48, 28) A_ROW_H(13, o+52, 29)
#define ST_H(z) "vmovdqa32 %%zmm" #z ", " #z "*128(%[c])\n\t"

static void kloop_half(int64_t nkg, const int32_t *a, const int32_t *b, int32_t *acc)
{
    int64_t pairs = nkg >> 1, odd = nkg & 1;
    __asm__ volatile(
        ZERO(0) ZERO(1) ZERO(2) ZERO(3) ZERO(4) ZERO(5) ZERO(6) ZERO(7) ZERO(8) ZERO(9)
        ZERO(10) ZERO(11) ZERO(12) ZERO(13)
        "test %[n], %[n]\n\t"
        "jz 2f\n\t"
        ".p2align 5\n\t"
        "1:\n\t"
        "prefetcht0 1024(%[b])\n\t"
        "vmovdqa32 0(%[b]), %%zmm30\n\t"
        ROWS_HALF(0)
        "prefetcht0 1152(%[b])\n\t"
        "vmovdqa32 128(%[b]), %%zmm30\n\t"
        ROWS_HALF(56)
        "add $112, %[a]\n\t"
        "add $256, %[b]\n\t"
        "dec %[n]\n\t"
        "jnz 1b\n\t"
        "2:\n\t"
        "test %[odd], %[odd]\n\t"
        "jz 3f\n\t"
        "vmovdqa32 0(%[b]), %%zmm30\n\t"
        ROWS_HALF(0)
        "3:\n\t"
        ST_H(0) ST_H(1) ST_H(2) ST_H(3) ST_H(4) ST_H(5) ST_H(6) ST_H(7) ST_H(8) ST_H(9) ST_H(10)
        ST_H(11) ST_H(12) ST_H(13)
        : [a] "+r"(a), [b] "+r"(b), [n] "+r"(pairs)
        : [c] "r"(acc), [odd] "r"(odd)
        : "memory", "cc", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8",
          "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm28", "xmm29", "xmm30");
}

static void ukr_14(int64_t nkg, const int32_t *a, const int32_t *b, void *c, int64_t ldc, int nr,
                   const oct_qgemm_tile *t)
{
    _Alignas(64) int32_t acc[MR * NR];
    int half = nr <= 16; /* the second 16 columns are not computed (nor stored) */
    if (half) kloop_half(nkg, a, b, acc);
    else kloop_full(nkg, a, b, acc);
    epi_v ev;
    epi_init(&ev, nr, t);
    size_t es = t->out == OCT_QGEMM_OUT_U8 || t->out == OCT_QGEMM_OUT_S8 ? 1 : 4;
    for (int r = 0; r < MR; r++)
        epi_row(&ev, t, _mm512_load_si512(acc + r * NR),
                half ? _mm512_setzero_si512() : _mm512_load_si512(acc + r * NR + 16),
                (char *)c + (size_t)((int64_t)r * ldc) * es);
}

typedef void (*ukr_rows_fn)(int64_t, const int32_t *, const int32_t *, void *, int64_t, int, const oct_qgemm_tile *);
static const ukr_rows_fn ukrs[MR + 1] = {NULL, ukr_1, ukr_2, ukr_3, ukr_4, ukr_5, ukr_6, ukr_7,
                                         ukr_8, ukr_9, ukr_10, ukr_11, ukr_12, ukr_13, ukr_14};

void oct_qgemm_ukr_avx512vnni(int64_t nkg, const void *a, const void *b, void *c, int64_t ldc, int mr,
                              int nr, const oct_qgemm_tile *t)
{
    if (mr >= 1 && mr <= MR) ukrs[mr](nkg, a, b, c, ldc, nr, t);
}
