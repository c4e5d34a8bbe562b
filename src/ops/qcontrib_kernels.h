/* octet — hot loops of the com.microsoft quantized ops (QLinearAdd,
 * QLinearAveragePool, QLinearGlobalAveragePool), compiled portable
 * (qcontrib_kernels.c) and with AVX2 + FMA at -O3 (qcontrib_kernels_avx2.c);
 * oct_qc_kernels_get() picks by oct_cpu_level_get(). Both give the same bits:
 * the float operations are the same, in the same order, per element (fma is
 * the correctly rounded fused multiply-add in both), and the AVX2 tails call
 * the scalar functions below.
 *
 * Rounding: q(v) = round_half_to_even(min(max(v, lo), hi)) with integer
 * bounds lo, hi (the zero point is already in v); NaN gives lo. Bytes are u8
 * or i8 (is_signed); results are stored as their low byte. */
#ifndef OCT_OPS_QCONTRIB_KERNELS_H
#define OCT_OPS_QCONTRIB_KERNELS_H

#include <stdint.h>

typedef struct oct_qc_kernels {
    const char *name;
    /* QLinearAdd (see qlinear_add.c): y[i] = q(fma(p[i], rp, fma(q[i], rq, c))) */
    void (*add_vv)(const uint8_t *p, const uint8_t *q, int64_t n, float rp, float rq, float c, float lo, float hi,
                   int is_signed, uint8_t *y);
    /* y[i] = q(fma(p[i], rp, c)) (the other operand is a scalar folded into c) */
    void (*add_vs)(const uint8_t *p, int64_t n, float rp, float c, float lo, float hi, int is_signed, uint8_t *y);
    /* sum of x[0..n) */
    int64_t (*sum_q8)(const uint8_t *x, int64_t n, int is_signed);
    /* acc[i] += x[i], i < n */
    void (*acc_q8)(const uint8_t *x, int64_t n, int is_signed, int32_t *acc);
    /* Average pool, n outputs along the innermost axis:
     *   s = 0; for r < nrows: for j < kw: s += x[row[r] + o * sx + j]   (float, in this order)
     *   y[o] = q((s / cnt) / ys + zy)                                    o < n */
    void (*avg_run)(const float *x, const int64_t *row, int64_t nrows, int64_t kw, int64_t sx, int64_t n, float cnt,
                    float ys, float zy, float lo, float hi, uint8_t *y);
} oct_qc_kernels;

extern const oct_qc_kernels oct_qc_kernels_portable;
extern const oct_qc_kernels oct_qc_kernels_avx2;
const oct_qc_kernels *oct_qc_kernels_get(void);

/* The scalar bodies (the AVX2 build's tails). */
void oct_qc_add_vv_scalar(const uint8_t *p, const uint8_t *q, int64_t n, float rp, float rq, float c, float lo,
                          float hi, int is_signed, uint8_t *y);
void oct_qc_add_vs_scalar(const uint8_t *p, int64_t n, float rp, float c, float lo, float hi, int is_signed,
                          uint8_t *y);
void oct_qc_avg_run_scalar(const float *x, const int64_t *row, int64_t nrows, int64_t kw, int64_t sx, int64_t n,
                           float cnt, float ys, float zy, float lo, float hi, uint8_t *y);

#endif
