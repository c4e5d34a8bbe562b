/* octet — hot f32 elementwise kernels with run-time ISA dispatch.
 * The bodies live in ew_kernels.inc, compiled twice: portably (ew_kernels.c)
 * with AVX2+FMA (ew_kernels_avx2.c) and with AVX-512 (ew_kernels_avx512.c;
 * flags from CMake); oct_ew_kernels_get()
 * picks by oct_cpu_level_get(). */
#ifndef OCT_OPS_EW_KERNELS_H
#define OCT_OPS_EW_KERNELS_H

#include <stdint.h>

/* Binary run modes: which operand advances (see broadcast.h). */
enum { OCT_BIN_VV = 0, OCT_BIN_VS = 1, OCT_BIN_SV = 2 };
enum { OCT_EWK_ADD, OCT_EWK_SUB, OCT_EWK_MUL, OCT_EWK_DIV, OCT_EWK_MAX, OCT_EWK_MIN, OCT_EWK_NBIN };

typedef void (*oct_ewk_bin_fn)(const float *a, const float *b, float *y, int64_t n, int mode);
typedef void (*oct_ewk_un_fn)(const float *x, float *y, int64_t n);

typedef struct oct_ew_kernels {
    const char *name;
    oct_ewk_bin_fn bin[OCT_EWK_NBIN];
    oct_ewk_un_fn exp, sigmoid, tanh, erf;
    oct_ewk_un_fn gelu; /* 0.5 x (1 + erf(x / sqrt 2)) */
    /* max of x[0..n) (n >= 1; NaN-ignoring like a plain > chain) */
    float (*max)(const float *x, int64_t n);
    /* y[i] = exp(x[i] - sub), returns the sum of y (x may equal y) */
    float (*exp_sum)(const float *x, float *y, int64_t n, float sub);
    /* sum of exp(x[i] - sub) */
    float (*sum_exp)(const float *x, int64_t n, float sub);
    /* y = softmax(x) over one row of n <= 64 values held in registers (NULL in
     * builds without it: then max / exp_sum / axpb do the row) */
    void (*softmax_short)(const float *x, float *y, int64_t n);
    /* y[i] = exp(x[i] - m[i]); acc[i] += y[i] (column-wise softmax) */
    void (*exp_sub_acc)(const float *x, const float *m, float *y, float *acc, int64_t n);
    /* y[i] = x[i] * s + c (x may equal y) */
    void (*axpb)(const float *x, float *y, int64_t n, float s, float c);
    /* f16 <-> f32 (F16C in the AVX2 build; same results as core/dtype.h) */
    void (*f16_to_f32)(const uint16_t *x, float *y, int64_t n);
    void (*f32_to_f16)(const float *x, uint16_t *y, int64_t n);
} oct_ew_kernels;

const oct_ew_kernels *oct_ew_kernels_get(void);

extern const oct_ew_kernels oct_ew_kernels_generic;
extern const oct_ew_kernels oct_ew_kernels_avx2;
extern const oct_ew_kernels oct_ew_kernels_avx512;

#endif
