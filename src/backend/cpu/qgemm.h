/* octet — INT8 GEMM for the CPU backend (integer-only inference, Jacob et al. 2018).
 *
 *   acc[m][n] = sum_k (A[m][k] - za) * B[k][n] + bias[n]          (int32)
 *
 * A (M x K) holds activations: uint8 with a per-tensor zero point za, or int8
 * (a_signed; run as uint8 by adding 128 to A and to za). B (K x N) holds int8
 * weights, symmetric (zero point 0), one channel per column n. The zero point
 * is removed exactly with B's column sums (computed when B is packed):
 *   acc = sum_k A*B - za * colsum_B[n] + bias[n].
 * Every sum wraps modulo 2^32 (as the SIMD instructions do); no wrap happens
 * while K * 255 * 128 < 2^31, i.e. K <= 65793.
 *
 * Epilogue (fused, per output element):
 *   OCT_QGEMM_OUT_S32  C = acc
 *   OCT_QGEMM_OUT_F32  y = (float)acc * (a_scale * w_scale[n]);  y = y + f_bias[n] (if f_bias);
 *                      if clamp: y = min(max(y, f_lo), f_hi)    (float, rounded after each step)
 *   OCT_QGEMM_OUT_U8 / OCT_QGEMM_OUT_S8
 *                      y = clamp(requant(acc, m0[n], shift[n]) + zo, q_lo, q_hi)
 *     requant(x, m0, shift) = x * m0 * 2^(-31 - shift) rounded as gemmlowp/TFLite:
 *       shift < 0: x = saturate_int32(x * 2^-shift)             (left shift)
 *       x = SaturatingRoundingDoublingHighMul(x, m0) = floor((x * m0 + 2^30) / 2^31)
 *       shift > 0: x = RoundingDivideByPOT(x, shift)           (round half away from 0)
 *     m0 in [0, 2^31) (oct_quant_multiplier gives [2^30, 2^31) or 0), shift in [-31, 31].
 *     The result is within 1 of round(x * real) for real = m0 * 2^(-31 - shift).
 *     [q_lo, q_hi] (inside the output type's range) fuses ReLU / ReLU6 / Clip.
 *
 * Kernels (run-time dispatch, core/cpu.h; all bit-exact with the scalar path):
 *   amx         32 x 32 tile, AMX tdpbusd (16 x 16 x 64 per instruction)
 *   avx512vnni  14 x 32 tile, vpdpbusd zmm
 *   avxvnni      6 x 16 tile, vpdpbusd ymm (VEX)
 *   avx2         6 x 16 tile, u8/s8 widened to s16 + vpmaddwd (exact, no saturation)
 *   scalar       4 x 16 tile, portable C
 * OCTET_CPU=scalar|avx2|avx512 caps the choice (avx2 allows avxvnni: both are
 * 256-bit VEX); OCTET_QGEMM=scalar|avx2|avxvnni|avx512vnni|amx or
 * oct_qgemm_path_set() forces one path (tests, A/B runs).
 */
#ifndef OCT_BACKEND_CPU_QGEMM_H
#define OCT_BACKEND_CPU_QGEMM_H

#include <stddef.h>
#include <stdint.h>

#include "core/pool.h"
#include "core/status.h"

typedef enum oct_qgemm_path {
    OCT_QGEMM_AUTO = 0, /* the best available one (see above) */
    OCT_QGEMM_SCALAR = 1,
    OCT_QGEMM_AVX2 = 2,
    OCT_QGEMM_AVXVNNI = 3,
    OCT_QGEMM_AVX512VNNI = 4,
    OCT_QGEMM_AMX = 5
} oct_qgemm_path;
#define OCT_QGEMM_NPATHS 6

typedef enum oct_qgemm_out {
    OCT_QGEMM_OUT_S32 = 0,
    OCT_QGEMM_OUT_F32 = 1,
    OCT_QGEMM_OUT_U8 = 2,
    OCT_QGEMM_OUT_S8 = 3
} oct_qgemm_out;

/* B (K x N int8) packed once for one path, with its column sums (opaque). */
typedef struct oct_qgemm_packed oct_qgemm_packed;

typedef struct oct_qgemm_args {
    int64_t M, N, K;
    oct_qgemm_path path; /* AUTO: oct_qgemm_path_get(); ignored when pb is given */
    /* A: M x K (transA: stored K x M), uint8 or int8 (a_signed) */
    const void *A;
    int64_t lda;
    int transA;
    int a_signed;
    int32_t za; /* zero point of A, in A's type's range */
    /* a_direct: A is already in the layout the path's kernel reads, so it is
     * not packed: uint8, not transposed, lda == oct_qgemm_direct_lda(path, K),
     * each row's bytes from K to lda zero, and rows readable (any values) up to
     * M rounded up to OCT_QGEMM_DIRECT_ROWS. Only paths with a direct lda. */
    int a_direct;
    /* B: K x N (transB: stored N x K) int8, or pb */
    const int8_t *B;
    int64_t ldb;
    int transB;
    const oct_qgemm_packed *pb;
    /* output: int32_t / float / uint8_t / int8_t by out; ldc in elements */
    oct_qgemm_out out;
    void *C;
    int64_t ldc;
    const int32_t *bias; /* NULL or N values (added for every out kind) */
    int per_channel;     /* w_scale, m0, shift hold N values (else 1) */
    /* OUT_F32 */
    float a_scale;
    const float *w_scale; /* NULL: 1 */
    const float *f_bias;  /* NULL or N values */
    int clamp;
    float f_lo, f_hi;
    /* OUT_U8 / OUT_S8 */
    const int32_t *m0;
    const int32_t *shift;
    int32_t zo, q_lo, q_hi;
} oct_qgemm_args;

/* Zeroed arguments with a_scale = 1 and q_lo/q_hi = the full range of out
 * (set out first, or set q_lo/q_hi yourself). */
void oct_qgemm_args_init(oct_qgemm_args *a, oct_qgemm_out out);

/* Run. pool may be NULL. OCT_E_INVALID for inconsistent arguments,
 * OCT_E_UNSUPPORTED for a path the CPU lacks, OCT_E_NOMEM. */
oct_status oct_qgemm_run(const oct_qgemm_args *a, oct_pool *pool);

/* Pack B (K x N, transB: N x K) for `path` (AUTO: the current one) and
 * compute its column sums. NULL (message set) on failure. */
oct_qgemm_packed *oct_qgemm_pack_b(oct_qgemm_path path, int transB, int64_t K, int64_t N,
                                   const int8_t *B, int64_t ldb);
void oct_qgemm_packed_free(oct_qgemm_packed *p);
size_t oct_qgemm_packed_bytes(const oct_qgemm_packed *p);
oct_qgemm_path oct_qgemm_packed_path(const oct_qgemm_packed *p);
/* sum_k B[k][n] for the N columns. */
const int32_t *oct_qgemm_packed_colsum(const oct_qgemm_packed *p);

/* The row stride a_direct needs for K with this path, or 0 when the path
 * always packs A (then a_direct is an error). */
#define OCT_QGEMM_DIRECT_ROWS 32
int64_t oct_qgemm_direct_lda(oct_qgemm_path path, int64_t K);
/* Path selection: the one AUTO means now; whether the CPU has a path; a
 * process-wide override (AUTO clears it; beats OCTET_QGEMM). */
oct_qgemm_path oct_qgemm_path_get(void);
int oct_qgemm_path_supported(oct_qgemm_path p);
void oct_qgemm_path_set(oct_qgemm_path p);
const char *oct_qgemm_path_name(oct_qgemm_path p);

/* real = m0 * 2^(-31 - shift) with m0 = round(real * 2^(31 + shift)) in
 * [2^30, 2^31) (round to nearest, ties away from zero; the relative error is
 * at most 2^-31). real must be finite, > 0 and < 2^31; real < 2^-32 gives
 * m0 = 0, shift = 0 (the product is 0). OCT_E_INVALID otherwise. */
oct_status oct_quant_multiplier(double real, int32_t *m0, int *shift);

/* The requantization above for one value (reference for the kernels). */
int32_t oct_qgemm_requant(int32_t x, int32_t m0, int shift);

/* Free this thread's cached scratch (it is also freed at thread exit). */
void oct_qgemm_scratch_release(void);

/* Cache blocking: bytes of packed A kept in L2 per block (<= 0 keeps). */
void oct_qgemm_tune(int64_t a_block_bytes);

#endif
