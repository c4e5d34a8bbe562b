/* octet — FP32 row-wise kernels for transformer layers: Softmax over the last
 * axis (max-subtracted), LayerNormalization over the last axis (two-pass mean
 * and variance, then scale and bias), and GELU (erf form). One work-item per
 * row (softmax, layernorm) or per element (gelu). */
#include "octet_cl.h"

__kernel void oct_softmax_rows_f32(__global const float *x, __global float *y, const int rows, const int L)
{
    const int r = get_global_id(0);
    if (r >= rows) return;
    __global const float *xr = x + (size_t)r * L;
    __global float *yr = y + (size_t)r * L;
    float m = xr[0];
    for (int i = 1; i < L; i++) m = fmax(m, xr[i]);
    float s = 0.0f;
    for (int i = 0; i < L; i++) {
        const float e = exp(xr[i] - m);
        yr[i] = e;
        s += e;
    }
    const float inv = 1.0f / s;
    for (int i = 0; i < L; i++) yr[i] *= inv;
}

__kernel void oct_layernorm_rows_f32(__global const float *x, __global const float *gamma, __global const float *beta,
                                     const int has_beta, __global float *y, const int rows, const int D,
                                     const float eps)
{
    const int r = get_global_id(0);
    if (r >= rows) return;
    __global const float *xr = x + (size_t)r * D;
    __global float *yr = y + (size_t)r * D;
    float mean = 0.0f;
    for (int i = 0; i < D; i++) mean += xr[i];
    mean /= (float)D;
    float var = 0.0f;
    for (int i = 0; i < D; i++) {
        const float d = xr[i] - mean;
        var += d * d;
    }
    var /= (float)D;
    const float inv = 1.0f / sqrt(var + eps);
    for (int i = 0; i < D; i++) yr[i] = (xr[i] - mean) * inv * gamma[i] + (has_beta ? beta[i] : 0.0f);
}

__kernel void oct_gelu_f32(__global const float *x, __global float *y, const int n)
{
    const int i = get_global_id(0);
    if (i < n) y[i] = 0.5f * x[i] * (1.0f + erf(x[i] * 0.70710678118654752f));
}

/* ReduceMean / ReduceSum over one axis of x viewed as [outer, L, inner]: one
 * work-item per (outer, inner) */
__kernel void oct_reduce_axis_f32(__global const float *x, __global float *y, const int outer, const int L,
                                  const int inner, const int mean)
{
    const int i = get_global_id(0);
    if (i >= outer * inner) return;
    const int o = i / inner, j = i % inner;
    __global const float *p = x + (size_t)o * L * inner + j;
    float s = 0.0f;
    for (int l = 0; l < L; l++) s += p[(size_t)l * inner];
    y[i] = mean ? s / (float)L : s;
}
