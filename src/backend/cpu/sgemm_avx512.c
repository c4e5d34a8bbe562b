/* octet — AVX-512 SGEMM microkernel: MR x 32 (MR = 14: 28 zmm accumulators).
 * Full-height tiles run a hand-scheduled inline-asm K loop (the compilers'
 * register allocation of 28 live accumulators is erratic: spills, moves);
 * short tiles (M tails, GEMV-like calls) use intrinsics instantiated once per
 * row count so that they do not pay for the rows they do not have. */
#include <immintrin.h>

#include "backend/cpu/sgemm_kernels.h"
#include "backend/cpu/transpose_avx512.h"

#define MR OCT_SGEMM_AVX512_MR
#define NR OCT_SGEMM_AVX512_NR

#if MR != 14 && MR != 12
#error "the AVX-512 asm kernel is written for 12 or 14 rows"
#endif

#define ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13)

#define DECL(r) __m512 c##r##_0 = _mm512_setzero_ps(), c##r##_1 = _mm512_setzero_ps();

/* One k step at offset u (in k) from the current a/b pointers. */
#define FMA_ROW(r)                                                          \
    if (ROWS_N > r) {                                                       \
        __m512 av = _mm512_set1_ps(ak[r]);                                  \
        c##r##_0 = _mm512_fmadd_ps(av, b0, c##r##_0);                       \
        c##r##_1 = _mm512_fmadd_ps(av, b1, c##r##_1);                       \
    }

#define KSTEP(u)                                                            \
    do {                                                                    \
        const float *ak = a + (u) * ROWS_N;                                 \
        __m512 b0 = _mm512_load_ps(b + (u) * NR);                           \
        __m512 b1 = _mm512_load_ps(b + (u) * NR + 16);                      \
        ROWS(FMA_ROW)                                                       \
    } while (0)

static inline __m512 apply_act(__m512 x, int kind, __m512 lo, __m512 hi)
{
    switch (kind) {
    case OCT_ACT_RELU: return _mm512_max_ps(x, _mm512_setzero_ps());
    case OCT_ACT_CLIP: return _mm512_min_ps(_mm512_max_ps(x, lo), hi);
    case OCT_ACT_LEAKYRELU: {
        __mmask16 neg = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_LT_OQ);
        return _mm512_mask_mul_ps(x, neg, x, lo);
    }
    default: return x;
    }
}

typedef struct epi_vec {
    __mmask16 m0, m1;
    __m512 va, vb, bc0, bc1, lo, hi;
    int act, load_c, has_bias_col;
    const float *bias_row;
} epi_vec;

static inline void epi_init(epi_vec *v, int nr, const oct_sgemm_epi *e)
{
    v->m0 = nr >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << nr) - 1u);
    v->m1 = nr >= 32 ? (__mmask16)0xffff : nr > 16 ? (__mmask16)((1u << (nr - 16)) - 1u) : (__mmask16)0;
    v->va = _mm512_set1_ps(e->alpha);
    v->vb = _mm512_set1_ps(e->beta);
    v->load_c = e->load_c;
    v->has_bias_col = e->bias_col != NULL;
    v->bc0 = v->bc1 = _mm512_setzero_ps();
    if (e->bias_col) {
        v->bc0 = _mm512_maskz_loadu_ps(v->m0, e->bias_col);
        v->bc1 = _mm512_maskz_loadu_ps(v->m1, e->bias_col + 16);
    }
    v->bias_row = e->bias_row;
    v->act = e->act ? (int)e->act->kind : OCT_ACT_NONE;
    v->lo = _mm512_set1_ps(e->act ? e->act->alpha : 0.f);
    v->hi = _mm512_set1_ps(e->act ? e->act->beta : 0.f);
}

static inline void epi_row(const epi_vec *v, int r, __m512 x0, __m512 x1, float *cr)
{
    x0 = _mm512_mul_ps(x0, v->va);
    x1 = _mm512_mul_ps(x1, v->va);
    if (v->load_c) {
        x0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(v->m0, cr), v->vb, x0);
        x1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(v->m1, cr + 16), v->vb, x1);
    }
    if (v->bias_row) {
        __m512 br = _mm512_set1_ps(v->bias_row[r]);
        x0 = _mm512_add_ps(x0, br);
        x1 = _mm512_add_ps(x1, br);
    }
    if (v->has_bias_col) {
        x0 = _mm512_add_ps(x0, v->bc0);
        x1 = _mm512_add_ps(x1, v->bc1);
    }
    if (v->act) {
        x0 = apply_act(x0, v->act, v->lo, v->hi);
        x1 = apply_act(x1, v->act, v->lo, v->hi);
    }
    _mm512_mask_storeu_ps(cr, v->m0, x0);
    _mm512_mask_storeu_ps(cr + 16, v->m1, x1);
}

#define STORE_ROW(r)                                                        \
    if (ROWS_N > r) epi_row(&ev, r, c##r##_0, c##r##_1, c + (int64_t)(r) * ldc);

#define PREFETCH_ROW(r)                                                     \
    if (ROWS_N > r) {                                                       \
        _mm_prefetch((const char *)(c + (int64_t)(r) * ldc), _MM_HINT_T0);  \
        _mm_prefetch((const char *)(c + (int64_t)(r) * ldc + 31), _MM_HINT_T0); \
    }

#define DEFINE_UKR(NAME, ROWS_N_VALUE)                                                        \
    static void NAME(int64_t kc, const float *a, const float *b, float *c, int64_t ldc, int nr, \
                     const oct_sgemm_epi *e)                                                  \
    {                                                                                         \
        enum { ROWS_N = ROWS_N_VALUE };                                                       \
        ROWS(DECL)                                                                            \
        if (e->load_c) { ROWS(PREFETCH_ROW) }                                                 \
        int64_t k = 0;                                                                        \
        for (; k + 4 <= kc; k += 4) {                                                         \
            _mm_prefetch((const char *)(b + 8 * NR), _MM_HINT_T0);                            \
            _mm_prefetch((const char *)(b + 8 * NR + 16), _MM_HINT_T0);                       \
            _mm_prefetch((const char *)(b + 10 * NR), _MM_HINT_T0);                           \
            _mm_prefetch((const char *)(b + 10 * NR + 16), _MM_HINT_T0);                      \
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
        epi_vec ev;                                                                           \
        epi_init(&ev, nr, e);                                                                 \
        ROWS(STORE_ROW)                                                                       \
    }


/* ---- full-height tile: inline-asm K loop ----------------------------------
 * zmm0..zmm(2*MR-1) accumulate rows (row r in zmm 2r, 2r+1), zmm30/31 hold
 * the B step, zmm29 the broadcast A value. Two k steps per iteration. */
#define A_ROW(z0, z1, off)                                                   \
    "vbroadcastss " #off "(%[a]), %%zmm29\n\t"                              \
    "vfmadd231ps %%zmm30, %%zmm29, %%zmm" #z0 "\n\t"                        \
    "vfmadd231ps %%zmm31, %%zmm29, %%zmm" #z1 "\n\t"
#define ZERO(z) "vpxord %%zmm" #z ", %%zmm" #z ", %%zmm" #z "\n\t"
#define ST(z, off) "vmovaps %%zmm" #z ", " #off "(%[c])\n\t"
#define LOAD_B(off) "vmovaps " #off "(%[b]), %%zmm30\n\t" "vmovaps " #off "+64(%[b]), %%zmm31\n\t"

#define ROWS12(o)                                                            \
    A_ROW(0, 1, o+0) A_ROW(2, 3, o+4) A_ROW(4, 5, o+8) A_ROW(6, 7, o+12)     \
    A_ROW(8, 9, o+16) A_ROW(10, 11, o+20) A_ROW(12, 13, o+24)                \
    A_ROW(14, 15, o+28) A_ROW(16, 17, o+32) A_ROW(18, 19, o+36)              \
    A_ROW(20, 21, o+40) A_ROW(22, 23, o+44)
#if MR == 14
#define ROWS_ALL(o) ROWS12(o) A_ROW(24, 25, o+48) A_ROW(26, 27, o+52)
#define ZERO_EXTRA ZERO(24) ZERO(25) ZERO(26) ZERO(27)
#define ST_EXTRA ST(24, 1536) ST(25, 1600) ST(26, 1664) ST(27, 1728)
#define A_STEP2 "112"
#define A_OFF2 56
#else
#define ROWS_ALL(o) ROWS12(o)
#define ZERO_EXTRA
#define ST_EXTRA
#define A_STEP2 "96"
#define A_OFF2 48
#endif

static void kloop_full(int64_t kc, const float *a, const float *b, float *acc)
{
    int64_t pairs = kc >> 1, odd = kc & 1;
    __asm__ volatile(
        ZERO(0) ZERO(1) ZERO(2) ZERO(3) ZERO(4) ZERO(5) ZERO(6) ZERO(7) ZERO(8) ZERO(9)
        ZERO(10) ZERO(11) ZERO(12) ZERO(13) ZERO(14) ZERO(15) ZERO(16) ZERO(17) ZERO(18)
        ZERO(19) ZERO(20) ZERO(21) ZERO(22) ZERO(23) ZERO_EXTRA
        "test %[n], %[n]\n\t"
        "jz 2f\n\t"
        ".p2align 5\n\t"
        "1:\n\t"
        "prefetcht0 512(%[b])\n\t"
        "prefetcht0 576(%[b])\n\t"
        LOAD_B(0)
        ROWS_ALL(0)
        "prefetcht0 640(%[b])\n\t"
        "prefetcht0 704(%[b])\n\t"
        LOAD_B(128)
        ROWS_ALL(A_OFF2)
        "add $" A_STEP2 ", %[a]\n\t"
        "add $256, %[b]\n\t"
        "dec %[n]\n\t"
        "jnz 1b\n\t"
        "2:\n\t"
        "test %[odd], %[odd]\n\t"
        "jz 3f\n\t"
        LOAD_B(0)
        ROWS_ALL(0)
        "3:\n\t"
        ST(0, 0) ST(1, 64) ST(2, 128) ST(3, 192) ST(4, 256) ST(5, 320) ST(6, 384) ST(7, 448)
        ST(8, 512) ST(9, 576) ST(10, 640) ST(11, 704) ST(12, 768) ST(13, 832) ST(14, 896)
        ST(15, 960) ST(16, 1024) ST(17, 1088) ST(18, 1152) ST(19, 1216) ST(20, 1280)
        ST(21, 1344) ST(22, 1408) ST(23, 1472) ST_EXTRA
        : [a] "+r"(a), [b] "+r"(b), [n] "+r"(pairs)
        : [c] "r"(acc), [odd] "r"(odd)
        : "memory", "cc", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8",
          "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15", "xmm16", "xmm17", "xmm18",
          "xmm19", "xmm20", "xmm21", "xmm22", "xmm23", "xmm24", "xmm25", "xmm26", "xmm27",
          "xmm28", "xmm29", "xmm30", "xmm31");
}

static void ukr_full(int64_t kc, const float *a, const float *b, float *c, int64_t ldc, int nr,
                     const oct_sgemm_epi *e)
{
    _Alignas(64) float acc[MR * NR];
    /* C rows are often 4 KiB apart (power-of-two ldc): they share one L1
     * set, so bring them to L2 only; the epilogue loads them from there */
    if (e->load_c)
        for (int r = 0; r < MR; r++) {
            _mm_prefetch((const char *)(c + (int64_t)r * ldc), _MM_HINT_T1);
            _mm_prefetch((const char *)(c + (int64_t)r * ldc + 31), _MM_HINT_T1);
        }
    kloop_full(kc, a, b, acc);
    epi_vec ev;
    epi_init(&ev, nr, e);
    for (int r = 0; r < MR; r++)
        epi_row(&ev, r, _mm512_load_ps(acc + r * NR), _mm512_load_ps(acc + r * NR + 16), c + (int64_t)r * ldc);
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
#if MR > 12
DEFINE_UKR(ukr_12, 12)
DEFINE_UKR(ukr_13, 13)
#endif

void oct_sgemm_ukr_avx512(int64_t kc, const float *a, const float *b, float *c, int64_t ldc, int mr,
                          int nr, const oct_sgemm_epi *e)
{
    switch (mr) {
    case 1: ukr_1(kc, a, b, c, ldc, nr, e); break;
    case 2: ukr_2(kc, a, b, c, ldc, nr, e); break;
    case 3: ukr_3(kc, a, b, c, ldc, nr, e); break;
    case 4: ukr_4(kc, a, b, c, ldc, nr, e); break;
    case 5: ukr_5(kc, a, b, c, ldc, nr, e); break;
    case 6: ukr_6(kc, a, b, c, ldc, nr, e); break;
    case 7: ukr_7(kc, a, b, c, ldc, nr, e); break;
    case 8: ukr_8(kc, a, b, c, ldc, nr, e); break;
    case 9: ukr_9(kc, a, b, c, ldc, nr, e); break;
    case 10: ukr_10(kc, a, b, c, ldc, nr, e); break;
    case 11: ukr_11(kc, a, b, c, ldc, nr, e); break;
#if MR > 12
    case 12: ukr_12(kc, a, b, c, ldc, nr, e); break;
    case 13: ukr_13(kc, a, b, c, ldc, nr, e); break;
#endif
    case MR: ukr_full(kc, a, b, c, ldc, nr, e); break;
    default: break;
    }
}

/* ---- packing ------------------------------------------------------------- */

/* dst[kk * stride + r] = src[r * lds + kk] for r < rows (<= 16), kk < kc. */
static void pack_transpose(const float *src, int64_t lds, int rows, int64_t kc, float *dst, int stride)
{
    __mmask16 rmask = (__mmask16)((1u << rows) - 1u);
    int64_t kk = 0;
    for (; kk + 16 <= kc; kk += 16) {
        __m512 r[16];
        for (int i = 0; i < 16; i++)
            r[i] = i < rows ? _mm512_loadu_ps(src + (int64_t)i * lds + kk) : _mm512_setzero_ps();
        transpose16(r);
        for (int i = 0; i < 16; i++) _mm512_mask_storeu_ps(dst + (kk + i) * stride, rmask, r[i]);
    }
    for (; kk < kc; kk++)
        for (int i = 0; i < rows; i++) dst[kk * stride + i] = src[(int64_t)i * lds + kk];
}

void oct_sgemm_pack_a_avx512(const float *A, int64_t lda, int transA, int64_t i0, int mr, int64_t k0,
                             int64_t kc, float *dst)
{
    if (transA) {
        __mmask16 m = (__mmask16)((1u << mr) - 1u);
        const float *s = A + k0 * lda + i0;
        for (int64_t kk = 0; kk < kc; kk++)
            _mm512_mask_storeu_ps(dst + kk * mr, m, _mm512_maskz_loadu_ps(m, s + kk * lda));
        return;
    }
    pack_transpose(A + i0 * lda + k0, lda, mr, kc, dst, mr);
}

static void pack_b_panel_avx512(const float *B, int64_t ldb, int transB, int64_t j0, int nrv,
                                int64_t k0, int64_t kc, float *dst)
{
    __mmask16 m0 = nrv >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << nrv) - 1u);
    __mmask16 m1 = nrv >= 32 ? (__mmask16)0xffff : nrv > 16 ? (__mmask16)((1u << (nrv - 16)) - 1u) : 0;
    if (!transB) {
        const float *s = B + k0 * ldb + j0;
        for (int64_t kk = 0; kk < kc; kk++) {
            _mm512_store_ps(dst + kk * NR, _mm512_maskz_loadu_ps(m0, s + kk * ldb));
            _mm512_store_ps(dst + kk * NR + 16, _mm512_maskz_loadu_ps(m1, s + kk * ldb + 16));
        }
        return;
    }
    /* B is N x K: columns of the panel are rows of B; two 16-row halves */
    const float *s = B + j0 * ldb + k0;
    int h0 = nrv < 16 ? nrv : 16, h1 = nrv - h0;
    pack_transpose(s, ldb, h0, kc, dst, NR);
    if (h1 > 0) pack_transpose(s + 16 * ldb, ldb, h1, kc, dst + 16, NR);
    if (nrv < NR) {
        __mmask16 z0 = (__mmask16)~m0, z1 = (__mmask16)~m1;
        for (int64_t kk = 0; kk < kc; kk++) {
            _mm512_mask_storeu_ps(dst + kk * NR, z0, _mm512_setzero_ps());
            _mm512_mask_storeu_ps(dst + kk * NR + 16, z1, _mm512_setzero_ps());
        }
    }
}

void oct_sgemm_pack_b_avx512(const float *B, int64_t ldb, int transB, int64_t j0, int64_t ncols, int nr,
                             int64_t k0, int64_t kc, float *dst)
{
    if (nr != NR) {
        oct_sgemm_pack_b_panels(B, ldb, transB, j0, ncols, nr, k0, kc, dst);
        return;
    }
    int64_t full = ncols / NR;
    if (!transB && full > 1) {
        /* row sweep over all full panels: contiguous reads of B */
        const float *s = B + k0 * ldb + j0;
        for (int64_t kk = 0; kk < kc; kk++, s += ldb) {
            float *d = dst + kk * NR;
            for (int64_t p = 0; p < full; p++, d += NR * kc) {
                _mm512_store_ps(d, _mm512_loadu_ps(s + p * NR));
                _mm512_store_ps(d + 16, _mm512_loadu_ps(s + p * NR + 16));
            }
        }
    } else {
        for (int64_t p = 0; p < full; p++)
            pack_b_panel_avx512(B, ldb, transB, j0 + p * NR, NR, k0, kc, dst + p * NR * kc);
    }
    if (ncols > full * NR)
        pack_b_panel_avx512(B, ldb, transB, j0 + full * NR, (int)(ncols - full * NR), k0, kc,
                            dst + full * NR * kc);
}
