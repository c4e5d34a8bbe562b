/* octet — SGEMM microkernels (internal to src/backend/cpu).
 *
 * A microkernel computes one mr x nr tile of C from packed panels:
 *   a: kc steps of mr floats (a[k * mr + r]), mr <= MR of the level
 *   b: kc steps of NR floats (b[k * NR + c]), columns >= nr are zero
 * and applies the epilogue:
 *   x = alpha * acc; if (load_c) x += beta * C; x += bias; x = act(x); C = x
 * for rows < mr and columns < nr only.
 */
#ifndef OCT_BACKEND_CPU_SGEMM_KERNELS_H
#define OCT_BACKEND_CPU_SGEMM_KERNELS_H

#include <stdint.h>

#include "graph/ir.h"

#define OCT_SGEMM_AVX512_MR 14
#define OCT_SGEMM_AVX512_NR 32
#define OCT_SGEMM_AVX2_MR 6
#define OCT_SGEMM_AVX2_NR 16
#define OCT_SGEMM_SCALAR_MR 4
#define OCT_SGEMM_SCALAR_NR 16

typedef struct oct_sgemm_epi {
    float alpha, beta;
    int load_c;            /* 1: add beta * C (old value) */
    const float *bias_row; /* value for each of the mr rows, or NULL */
    const float *bias_col; /* value for each of the nr columns, or NULL */
    const oct_act *act;    /* NULL or kind NONE: no activation */
} oct_sgemm_epi;

typedef void (*oct_sgemm_ukr_fn)(int64_t kc, const float *a, const float *b, float *c, int64_t ldc,
                                 int mr, int nr, const oct_sgemm_epi *e);

void oct_sgemm_ukr_avx512(int64_t kc, const float *a, const float *b, float *c, int64_t ldc, int mr,
                          int nr, const oct_sgemm_epi *e);
void oct_sgemm_ukr_avx2(int64_t kc, const float *a, const float *b, float *c, int64_t ldc, int mr,
                        int nr, const oct_sgemm_epi *e);
void oct_sgemm_ukr_scalar(int64_t kc, const float *a, const float *b, float *c, int64_t ldc, int mr,
                          int nr, const oct_sgemm_epi *e);

/* Packing (sgemm_pack.c, portable). A panel: rows i0..i0+mr-1 of op(A),
 * k0..k0+kc-1, written dst[kk * mr + r]. B panel: columns j0..j0+nrv-1 of
 * op(B) padded with zeros to nr, written dst[kk * nr + c]. */
void oct_sgemm_pack_a_panel(const float *A, int64_t lda, int transA, int64_t i0, int mr, int64_t k0,
                            int64_t kc, float *dst);
void oct_sgemm_pack_b_panel(const float *B, int64_t ldb, int transB, int64_t j0, int nrv, int nr,
                            int64_t k0, int64_t kc, float *dst);
/* SIMD versions for the panel sizes of their level (same contract). */
void oct_sgemm_pack_a_avx512(const float *A, int64_t lda, int transA, int64_t i0, int mr, int64_t k0,
                             int64_t kc, float *dst);
/* Consecutive panels: columns j0..j0+ncols-1 of op(B) as ceil(ncols / nr)
 * panels, panel p at dst + p * nr * kc, the last one zero-padded. */
void oct_sgemm_pack_b_panels(const float *B, int64_t ldb, int transB, int64_t j0, int64_t ncols, int nr,
                             int64_t k0, int64_t kc, float *dst);
void oct_sgemm_pack_b_avx512(const float *B, int64_t ldb, int transB, int64_t j0, int64_t ncols, int nr,
                             int64_t k0, int64_t kc, float *dst);

/* Override the cache blocking of every level (benchmarks/tuning; <= 0 keeps). */
void oct_sgemm_tune(int64_t mc, int64_t kc, int64_t nc);

#endif
