/* octet — dynamic quantization of activations on the device, exactly as the
 * CPU's DynQMatMul / DynamicQuantizeLinear: the range of x (with 0, NaN
 * ignored), scale = (hi - lo) / 255 (1 when hi == lo), zero point
 * rne(-lo / scale) in [0, 255], q = rne(clamp(x / scale, -zp, 255 - zp)) + zp.
 * Three steps: partial ranges (one work-item per chunk), the parameters (one
 * work-item: scale, zero point, and for the GEMM that follows the per-column
 * term -zp * colsum[n] and scale * w_scale[n]), the quantization itself. */
#include "octet_cl.h"

__kernel void oct_minmax_partial(__global const float *x, const int n, const int chunk, __global float *part)
{
    const int g = get_global_id(0), b = g * chunk, e = min(n, b + chunk);
    float lo = 0.0f, hi = 0.0f;
    for (int i = b; i < e; i++) {
        const float v = x[i];
        lo = v < lo ? v : lo; /* NaN compares false: ignored */
        hi = v > hi ? v : hi;
    }
    part[2 * g] = lo;
    part[2 * g + 1] = hi;
}

inline float oct_rne_clamp(float v, float lo, float hi)
{
    v = v > lo ? v : lo;
    v = v < hi ? v : hi;
    return rint(v);
}

/* params: [0] scale, [1] zero point (as float); colterm / scale_n: N values */
__kernel void oct_dynq_params(__global const float *part, const int nparts, __global const int *colsum,
                              __global const float *w_scale, const int N, __global float *params,
                              __global int *colterm, __global float *scale_n)
{
    if (get_global_id(0) != 0) return;
    float lo = 0.0f, hi = 0.0f;
    for (int i = 0; i < nparts; i++) {
        lo = part[2 * i] < lo ? part[2 * i] : lo;
        hi = part[2 * i + 1] > hi ? part[2 * i + 1] : hi;
    }
    const float scale = hi == lo ? 1.0f : (hi - lo) / 255.0f;
    const int zp = (int)oct_rne_clamp(0.0f - lo / scale, 0.0f, 255.0f);
    params[0] = scale;
    params[1] = (float)zp;
    for (int n = 0; n < N; n++) {
        colterm[n] = (int)(0u - (uint)zp * (uint)colsum[n]);
        scale_n[n] = scale * w_scale[n];
    }
}

__kernel void oct_quantize_dyn(__global const float *x, const int n, __global const float *params,
                               __global uchar *q)
{
    const int i = get_global_id(0);
    if (i >= n) return;
    const float scale = params[0], zp = params[1];
    q[i] = (uchar)((int)oct_rne_clamp(x[i] / scale, 0.0f - zp, 255.0f - zp) + (int)zp);
}
