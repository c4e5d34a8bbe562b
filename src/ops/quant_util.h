/* octet — shared pieces of the ONNX quantization operators (ops_quant.def):
 * scale / zero-point parameters, the rounding rule, and the two engines that
 * MatMulInteger / QLinearMatMul and ConvInteger / QLinearConv share.
 *
 * Rounding. Every requantized result follows ONNX (and onnxruntime):
 *     y = saturate(round_half_to_even(v) + zero_point)
 * with v computed in float32: x / y_scale for QuantizeLinear, and
 * (float)acc * M with M = (float)(x_scale * w_scale[c]) / y_scale (float32
 * arithmetic) for the QLinear ops, acc being the exact int32 accumulator
 * (bias included, wrapping modulo 2^32 as the spec allows). +-inf saturate;
 * NaN (x or a scale NaN, or 0 * inf) gives the lowest value of the type.
 *
 * The integer GEMM (backend/cpu/qgemm.h) produces acc exactly; its float
 * epilogue (OUT_F32 with a_scale 1 and w_scale = M) computes the same
 * (float)acc * M, and one pass rounds, adds the zero point and saturates
 * (for Conv it is fused with the [pixels x channels] -> NCHW transpose).
 * The fixed-point OUT_U8 / OUT_S8 epilogue is NOT used: gemmlowp's double
 * rounding (SaturatingRoundingDoublingHighMul rounds to `shift` fraction
 * bits, then RoundingDivideByPOT rounds a value that landed on .5 away from
 * zero) is off by one against round-half-even of the float result near
 * rounding boundaries. Measured with oct_qgemm_requant: every one of 200
 * random multipliers in [3e-5, 3e-2] disagrees somewhere in the output
 * range (0.016% of the accumulator values there), so no per-channel check
 * can keep it. The float epilogue costs ~5-15% over an int32 output
 * (QLinearMatMul vs MatMulInteger, 128x768x768 .. 512^3). */
#ifndef OCT_OPS_QUANT_UTIL_H
#define OCT_OPS_QUANT_UTIL_H

#include <stdint.h>

#include "backend/cpu/conv.h"
#include "backend/cpu/qgemm.h"
#include "ops/matmul_geom.h"
#include "ops/op.h"

/* ---- rounding ---------------------------------------------------------- */

/* round_half_to_even(clamp(v, lo, hi)) for integer bounds |lo|, |hi| < 2^22;
 * NaN gives lo (as maxps(v, lo) does). (v + 1.5 * 2^23) - 1.5 * 2^23 rounds
 * to nearest even in the default rounding mode. */
static inline int32_t oct_quant_rne(float v, float lo, float hi)
{
    v = v > lo ? v : lo;
    v = v < hi ? v : hi;
    return (int32_t)((v + 12582912.f) - 12582912.f);
}

/* The range of a quantized type: u8 [0, 255], i8 [-128, 127]. */
static inline int32_t oct_quant_lo(oct_dtype t) { return t == OCT_DT_I8 ? -128 : 0; }
static inline int32_t oct_quant_hi(oct_dtype t) { return t == OCT_DT_I8 ? 127 : 255; }

/* dst[i] (u8 or i8 by dt) = saturate(rne(src[i]) + zp). */
void oct_quant_round_f32(const float *src, int64_t n, int32_t zp, oct_dtype dt, void *dst);
/* Same, saturating to clamp[0] .. clamp[1] instead when clamp is not NULL. */
void oct_quant_round_f32_clamp(const float *src, int64_t n, int32_t zp, oct_dtype dt, const int32_t *clamp,
                               void *dst);

/* ---- fused activation of QLinearAdd / QGemm / QLinearConv / QLinearMatMul --------
 * node->act (ReLU, or Clip with real bounds alpha..beta) becomes a clamp of the
 * quantized output: q_lo = max(qmin, rne(alpha / y_scale) + zp), q_hi =
 * min(qmax, rne(beta / y_scale) + zp) (ReLU: alpha 0, beta +inf). */
/* OCT_E_UNSUPPORTED for any other activation kind (call from infer). */
oct_status oct_quant_act_check(const oct_node *n);
/* 1 and clamp = {q_lo, q_hi} when n has a fused activation, else 0. */
int oct_quant_act_clamp(const oct_node *n, float y_scale, int32_t zp, oct_dtype dt, int32_t clamp[2]);
/* Float bounds of rne(v) before the zero point is added: [qmin, qmax] of dt or
 * clamp[0..1] (when not NULL), minus zo. */
static inline void oct_quant_out_range(oct_dtype dt, const int32_t *clamp, int32_t zo, float *lo, float *hi)
{
    *lo = (float)((clamp ? clamp[0] : oct_quant_lo(dt)) - zo);
    *hi = (float)((clamp ? clamp[1] : oct_quant_hi(dt)) - zo);
}

/* The QLinear multiplier (float32 arithmetic, as onnxruntime). */
static inline float oct_quant_mult(float x_scale, float w_scale, float y_scale)
{
    float m = x_scale * w_scale;
    return m / y_scale;
}

/* ---- scale / zero-point inputs ------------------------------------------- */

/* Optional input i (NULL when omitted or past the node's inputs). */
static inline const oct_tensor *oct_quant_in(const oct_node *n, const oct_tensor *const *in, int i)
{
    return i < n->n_in ? in[i] : NULL;
}

/* Number of values of a scale / zero-point input t: 1 for a scalar or any
 * one-element tensor (per tensor); `len` for a 1-D tensor of len values when
 * per-axis parameters are allowed (len > 0). OCT_E_SHAPE otherwise. */
oct_status oct_quant_param_count(const oct_node *n, const char *what, const oct_tensor *t, int64_t len,
                                 int64_t *count);

/* Zero-point dtype check: u8 or i8. */
oct_status oct_quant_check_zp_dtype(const oct_node *n, const char *what, const oct_tensor *t);

/* Read count zero points (t NULL: zeros; t may hold 1 value, repeated) as
 * int32 / scales as float. dst has count entries. */
void oct_quant_read_zp(const oct_tensor *t, int64_t count, int32_t *dst);
void oct_quant_read_scale(const oct_tensor *t, int64_t count, float *dst);

/* Quantize/DequantizeLinear's view of x: per tensor (len 1, inner = all of x) or
 * per axis (opset 13+, `axis` attribute): x as [outer, len, inner]. Checks the
 * scale / zero point (named sname / zname in messages) against it. */
typedef struct oct_quant_axis_view {
    int64_t outer, len, inner;
} oct_quant_axis_view;
oct_status oct_quant_axis_view_of(const oct_node *n, const oct_tensor *x, const oct_tensor *s, const oct_tensor *z,
                                  const char *sname, const char *zname, oct_quant_axis_view *v);
/* The `len` scales and zero points (0 when z is NULL) as new arrays (free both). */
oct_status oct_quant_load_params(const oct_node *n, const oct_tensor *s, const oct_tensor *z, int64_t len,
                                 float **scale, int32_t **zp);

/* Value i of an 8-bit quantized buffer (u8 or i8 by dt) as int32. */
static inline int32_t oct_quant_at(const void *p, oct_dtype dt, int64_t i)
{
    return dt == OCT_DT_I8 ? (int32_t)((const int8_t *)p)[i] : (int32_t)((const uint8_t *)p)[i];
}

/* ---- algorithm selection (tests, A/B runs) -------------------------------- */

typedef enum oct_quant_algo {
    OCT_QUANT_AUTO = 0,   /* integer GEMM where the weights allow it, by size */
    OCT_QUANT_GENERIC = 1, /* int32 loops in C for everything */
    OCT_QUANT_GEMM = 2     /* integer GEMM whenever the weights allow it */
} oct_quant_algo;

/* Process-wide override (also OCTET_QUANT=auto|generic|gemm). */
void oct_quant_algo_set(oct_quant_algo a);
oct_quant_algo oct_quant_algo_get(void);
/* Conv GEMM path: cap the output pixels per block (tests; <= 0: automatic). */
void oct_qconv_tune(int64_t max_block_pixels);

/* W - zw as int8 for the integer GEMM: nmat row-major rows x cols matrices
 * (u8 or i8), zw NULL (0) or nz values: 1, one per row (zp_per_row) or one
 * per column. When a value falls outside int8 (u8 weights, asymmetric zero
 * points), every v becomes v1 = clamp(v, -128, 127) and v2 = v - v1 (both
 * int8, v1 + v2 = v) and the halves are concatenated along K (*split = 2):
 * along the columns when k_cols (K = cols: row r becomes [v1(r,:) v2(r,:)]),
 * else along the rows of each matrix ([v1; v2]); the activations are then
 * repeated along K, so one GEMM over 2K sums exactly the same products.
 * NULL: not a u8/i8 type, or allocation failure (*nomem = 1, message set). */
int8_t *oct_quant_weights_s8(const void *w, oct_dtype wdt, int64_t nmat, int64_t rows, int64_t cols,
                             const int32_t *zw, int64_t nz, int zp_per_row, int k_cols, int *split, int *nomem);

/* ---- integer MatMul engine (quant_matmul.c) -------------------------------- */


/* Per-row zero point of A / per-column of B: the count (1, or M / N) of the
 * shapes numpy.matmul-style ops allow (scalar, [1], [M] or [..., M, 1] with
 * leading 1s; [N] or [..., 1, N]). OCT_E_UNSUPPORTED for per-batch shapes. */
oct_status oct_qmm_param_count(const oct_node *n, const char *what, const oct_tensor *t, const oct_tensor *x,
                               int is_b, const oct_mm_geom *g, int64_t *count);

/* B prepared once (constant B without batch dims and constant zero point):
 * B - zb as int8 packed for the integer GEMM. */
typedef struct oct_qmm_prep {
    int64_t K, N;
    int split;            /* 2: B - zb in two int8 halves along K (see oct_quant_weights_s8) */
    oct_qgemm_packed *pb; /* split * K x N */
} oct_qmm_prep;

oct_status oct_qmm_prepare(oct_node *n, const oct_graph *g, int b_in, int bzp_in, oct_qmm_prep **out);
void oct_qmm_prep_free(oct_qmm_prep *p);

typedef struct oct_qmm_job {
    const oct_mm_geom *g;
    const void *A;
    oct_dtype adt;
    const int32_t *za; /* nza values: 1 or M */
    int64_t nza;
    const void *B;
    oct_dtype bdt;
    const int32_t *zb; /* nzb values: 1 or N */
    int64_t nzb;
    const oct_qmm_prep *prep; /* NULL or matching K x N */
    /* output: I32 (integer) or U8 / I8 (requantized with mult, zo) */
    oct_dtype ydt;
    const float *mult; /* nmult values: 1 or N */
    int64_t nmult;
    int32_t zo;
    const int32_t *clamp; /* NULL, or {q_lo, q_hi}: a fused activation's output range */
    void *Y;
} oct_qmm_job;

oct_status oct_qmm_run(const oct_qmm_job *j, oct_pool *pool);

/* ---- integer Conv engine (quant_conv.c) ------------------------------------ */

/* Constant weights prepared once: W - zw as int8, packed per group for the
 * integer GEMM (then w8 is dropped), or kept as w8 for the direct path
 * (depthwise-like groups; not when split). */
typedef struct oct_qconv_prep {
    int64_t M, Kg, G;
    int split;             /* 2: W - zw in two int8 halves along K (oct_quant_weights_s8) */
    int8_t *w8;            /* M x Kg (split 1), NULL once packed */
    oct_qgemm_packed **pb; /* G entries (split * Kg x Mg), or NULL */
} oct_qconv_prep;

/* w_in / wzp_in: input indices of W and its zero point (both constant). */
oct_status oct_qconv_prepare(oct_node *n, const oct_graph *g, int w_in, int wzp_in, oct_qconv_prep **out);
void oct_qconv_prep_free(oct_qconv_prep *p);

typedef struct oct_qconv_job {
    const oct_conv_geom *g;
    const void *x;
    oct_dtype xdt;
    int32_t zx;
    const void *w; /* M x Kg */
    oct_dtype wdt;
    const int32_t *zw; /* nzw values: 1 or M */
    int64_t nzw;
    const oct_qconv_prep *prep; /* NULL or matching */
    const int32_t *bias;        /* NULL or M values */
    oct_dtype ydt;              /* I32, or U8 / I8 requantized */
    const float *mult;          /* nmult values: 1 or M */
    int64_t nmult;
    int32_t zo;
    const int32_t *clamp; /* NULL, or {q_lo, q_hi}: a fused activation's output range */
    void *y;
} oct_qconv_job;

oct_status oct_qconv_run(const oct_qconv_job *j, oct_pool *pool);

#endif
