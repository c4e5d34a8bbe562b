/* octet — FP32 GEMM for the CPU backend.
 *
 *   C = act(alpha * op(A) * op(B) + beta * C + bias)
 *
 * Row-major with leading dimensions; op(X) = X or X^T. op(A) is M x K, op(B)
 * is K x N, C is M x N. bias is optional, per row (M values) or per column
 * (N values). act is the fused activation of ops/op.h (oct_act).
 *
 * Implementation: cache-blocked (KC x NC blocks of packed B, packed A) around a
 * register-tiled microkernel chosen at run time by oct_cpu_level_get():
 *   avx512  12 x 32   (24 zmm accumulators)
 *   avx2     6 x 16   (12 ymm accumulators)
 *   scalar   4 x 16   (portable C)
 * Work is split over the pool (M or N panels) when the problem is large.
 *
 * Either operand may be packed once ahead of time (constant weights) with
 * oct_sgemm_pack_a / oct_sgemm_pack_b; a packed operand fixes the kernel
 * level it was packed for. op(A) or op(B) may also be produced on the fly by
 * a callback that writes micro-panels (convolution's im2col, see conv ops).
 */
#ifndef OCT_BACKEND_CPU_SGEMM_H
#define OCT_BACKEND_CPU_SGEMM_H

#include <stddef.h>
#include <stdint.h>

#include "core/cpu.h"
#include "core/pool.h"
#include "core/status.h"
#include "graph/ir.h"

typedef enum oct_sgemm_bias {
    OCT_SGEMM_BIAS_NONE = 0,
    OCT_SGEMM_BIAS_ROW = 1, /* bias[i] added to row i (M values) */
    OCT_SGEMM_BIAS_COL = 2  /* bias[j] added to column j (N values) */
} oct_sgemm_bias;

/* An operand packed for one kernel level (opaque). */
typedef struct oct_sgemm_packed oct_sgemm_packed;

/* Write one micro-panel of op(B): rows k0..k0+kc-1, columns j0..j0+nr_valid-1,
 * laid out dst[kk * nr + c]; columns c >= nr_valid must be written as 0. */
typedef void (*oct_sgemm_bpanel_fn)(void *ctx, int64_t k0, int64_t kc, int64_t j0, int nr_valid,
                                    int nr, float *dst);

/* Write one micro-panel of op(A): rows i0..i0+mr-1, k0..k0+kc-1, laid out
 * dst[kk * mr + r] (mr <= the kernel's MR; no padding). */
typedef void (*oct_sgemm_apanel_fn)(void *ctx, int64_t i0, int mr, int64_t k0, int64_t kc, float *dst);

typedef struct oct_sgemm_args {
    int64_t M, N, K;
    float alpha, beta;
    /* op(A): exactly one of A (with lda, transA), pa, or apanel (+ actx) */
    const float *A;
    int64_t lda;
    int transA;
    const oct_sgemm_packed *pa;
    oct_sgemm_apanel_fn apanel;
    void *actx;
    /* op(B): exactly one of B (with ldb, transB), pb, or bpanel (+ bctx) */
    const float *B;
    int64_t ldb;
    int transB;
    const oct_sgemm_packed *pb;
    oct_sgemm_bpanel_fn bpanel;
    void *bctx;
    /* C */
    float *C;
    int64_t ldc;
    /* epilogue */
    const float *bias;
    oct_sgemm_bias bias_kind;
    oct_act act;
} oct_sgemm_args;

/* Zero-initialised arguments with alpha = 1, beta = 0. */
void oct_sgemm_args_init(oct_sgemm_args *a);

/* Run. pool may be NULL. OCT_E_NOMEM if scratch cannot be allocated,
 * OCT_E_INVALID for inconsistent arguments (e.g. packed dims differ). */
oct_status oct_sgemm_run(const oct_sgemm_args *a, oct_pool *pool);

/* Plain BLAS-like call without epilogue extras. */
oct_status oct_sgemm(int transA, int transB, int64_t M, int64_t N, int64_t K, float alpha,
                     const float *A, int64_t lda, const float *B, int64_t ldb, float beta, float *C,
                     int64_t ldc, oct_pool *pool);

/* The register tile (MR x NR) of the kernel level sgemm uses now. */
void oct_sgemm_tile(int *mr, int *nr);

/* Pack op(A) (M x K) or op(B) (K x N) for the current kernel level.
 * NULL (message set) on allocation failure. */
oct_sgemm_packed *oct_sgemm_pack_a(int transA, int64_t M, int64_t K, const float *A, int64_t lda);
oct_sgemm_packed *oct_sgemm_pack_b(int transB, int64_t K, int64_t N, const float *B, int64_t ldb);
/* The same from fp16 storage (FP16 mode): the packed panels stay fp16 (half
 * the bytes) and are widened to fp32 at run time, per A block (MC x KC) or B
 * micro-panel (KC x NR), into a per-thread scratch (backend/cpu/f16cvt.h).
 * The layout and the microkernel are those of the fp32 operand, so results
 * are bit for bit those of packing the widened values as fp32. */
oct_sgemm_packed *oct_sgemm_pack_a_f16(int transA, int64_t M, int64_t K, const uint16_t *A, int64_t lda);
oct_sgemm_packed *oct_sgemm_pack_b_f16(int transB, int64_t K, int64_t N, const uint16_t *B, int64_t ldb);
int oct_sgemm_packed_is_f16(const oct_sgemm_packed *p);
void oct_sgemm_packed_free(oct_sgemm_packed *p);
/* Dimensions the operand was packed with (rows x cols of op(X)). */
void oct_sgemm_packed_dims(const oct_sgemm_packed *p, int64_t *rows, int64_t *cols);
/* Bytes held by a packed operand. */
size_t oct_sgemm_packed_bytes(const oct_sgemm_packed *p);

/* Free this thread's cached scratch (it is also freed at thread exit). */
void oct_sgemm_scratch_release(void);

#endif
