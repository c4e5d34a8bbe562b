/* octet — hot f32 kernels of the pooling and normalization ops, with
 * run-time ISA dispatch. The bodies live in pn_kernels.inc, compiled twice:
 * portably (pn_kernels.c) and with AVX2+FMA at -O3 (pn_kernels_avx2.c, flags
 * from CMake); oct_pn_kernels_get() picks by oct_cpu_level_get(). */
#ifndef OCT_OPS_PN_KERNELS_H
#define OCT_OPS_PN_KERNELS_H

#include <stdint.h>

typedef struct oct_pn_kernels {
    const char *name;
    /* sum / max of x[0..n) (max: -inf for n == 0) */
    float (*sum)(const float *x, int64_t n);
    float (*max)(const float *x, int64_t n);
    /* mean and population variance of x[0..n) (two passes) */
    void (*moments)(const float *x, int64_t n, float *mean, float *var);
    /* y[i] = x[i] * a + b (x may equal y) */
    void (*axpb)(const float *x, float *y, int64_t n, float a, float b);
    /* y[i] = x[i] * a[i] + b[i] (x may equal y) */
    void (*axpb_vec)(const float *x, float *y, int64_t n, const float *a, const float *b);
    /* y[i] = (x[i] - mean) * inv * scale[i] + bias[i]; bias may be NULL (x may equal y) */
    void (*norm_affine)(const float *x, float *y, int64_t n, float mean, float inv, const float *scale,
                        const float *bias);
    /* r[i] = max(r[i], x[i]) / r[i] += x[i] */
    void (*vmax)(const float *x, float *r, int64_t n);
    void (*vadd)(const float *x, float *r, int64_t n);
    /* y[o] = max / sum over j < kw of r[o*sw + j*dw], o < ow */
    void (*hmax)(const float *r, float *y, int64_t ow, int64_t kw, int64_t sw, int64_t dw);
    void (*hsum)(const float *r, float *y, int64_t ow, int64_t kw, int64_t sw, int64_t dw);
    /* y[i] *= s * w[i] */
    void (*scale2)(float *y, int64_t n, float s, const float *w);
    /* r[i] += x[i] * x[i] */
    void (*sqacc)(const float *x, float *r, int64_t n);
    /* LRN: y[i] = x[i] * (bias + an * sq[i])^-beta */
    void (*lrn)(const float *x, const float *sq, float *y, int64_t n, float bias, float an, float beta);
    /* y[i] = wa * a[i] + wb * b[i]  /  4-term version (resampling) */
    void (*wsum2)(const float *a, const float *b, float *y, int64_t n, float wa, float wb);
    void (*wsum4)(const float *const *src, const float *w, float *y, int64_t n);
} oct_pn_kernels;

const oct_pn_kernels *oct_pn_kernels_get(void);

extern const oct_pn_kernels oct_pn_kernels_generic;
extern const oct_pn_kernels oct_pn_kernels_avx2;

#endif
