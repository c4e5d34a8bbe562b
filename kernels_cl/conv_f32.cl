/* octet — FP32 2-D convolution, NCHW, direct (no im2col), groups included
 * (depthwise: one output channel per group):
 *   y[n][m][oy][ox] = act(bias[m] + sum_{c in group(m), ky, kx} w[m][c][ky][kx] * x[n][c][iy][ix] (+ sum[n][m][oy][ox]))
 * with iy = oy * sy - pt + ky * dy, ix = ox * sx - pl + kx * dx (zero outside).
 * Each work-item: tm (<= 8, same group) output channels x 8 consecutive output
 * columns of one output row, one float8 accumulator per channel; the 8 input
 * values of a tap are one vload8 when they are contiguous and inside the row
 * (stride 1, away from the border), else gathered with bounds checks.
 * Global size: (ceil(OW / 8), OH, N * ceil(M / tm)).
 * Two instances: oct_conv2d_f32 (float weights) and oct_conv2d_f16w (fp16
 * weights, FP16 mode): half arithmetic where the device has cl_khr_fp16
 * (OCT_HAVE_HALF), else the weights widened with vload_half and fp32
 * arithmetic. */
#include "octet_cl.h"

#define OCT_W_F32(p, i) ((p)[i])
#define OCT_W_F16(p, i) vload_half((i), (p))

#define OCT_CONV2D(NAME, WT, WLOAD, AT, TOAT, FROMAT) \
__kernel void NAME(__global const float *x, __global const WT *w, __global const float *bias,                         \
                             const int has_bias, __global const float *sum, const int has_sum, __global float *y,     \
                             const int C, const int H, const int W, const int M, const int OH, const int OW,          \
                             const int KH, const int KW, const int sy, const int sx, const int dy, const int dx,      \
                             const int pt, const int pl, const int G, const int tm, const int act, const float a0,    \
                             const float a1)                                                                          \
{                                                                                                                     \
    const int ox0 = get_global_id(0) * 8, oy = get_global_id(1);                                                      \
    const int mblocks = (M + tm - 1) / tm, n = get_global_id(2) / mblocks, m0 = (get_global_id(2) % mblocks) * tm;    \
    if (ox0 >= OW || oy >= OH) return;                                                                                \
    const int Cg = C / G, Mg = M / G, grp = m0 / Mg, rows = min(tm, M - m0), cols = min(8, OW - ox0);                 \
    AT acc[8];                                                                                                        \
    for (int r = 0; r < 8; r++) acc[r] = (AT)(0);                                                                     \
    const int ixs = ox0 * sx - pl;                                                                                    \
    for (int ci = 0; ci < Cg; ci++) {                                                                                 \
        const int c = grp * Cg + ci;                                                                                  \
        __global const float *xc = x + ((size_t)n * C + c) * H * W;                                                   \
        for (int ky = 0; ky < KH; ky++) {                                                                             \
            const int iy = oy * sy - pt + ky * dy;                                                                    \
            if (iy < 0 || iy >= H) continue;                                                                          \
            __global const float *xr = xc + (size_t)iy * W;                                                           \
            for (int kx = 0; kx < KW; kx++) {                                                                         \
                const int ix = ixs + kx * dx;                                                                         \
                float8 v;                                                                                             \
                if (sx == 1 && ix >= 0 && ix + 8 <= W) {                                                              \
                    v = vload8(0, xr + ix);                                                                           \
                } else {                                                                                              \
                    float t[8];                                                                                       \
                    for (int j = 0; j < 8; j++) {                                                                     \
                        const int xj = ix + j * sx;                                                                   \
                        t[j] = xj >= 0 && xj < W ? xr[xj] : 0.0f;                                                     \
                    }                                                                                                 \
                    v = vload8(0, t);                                                                                 \
                }                                                                                                     \
                __global const WT *wk = w + (((size_t)m0 * Cg + ci) * KH + ky) * KW + kx;                             \
                const size_t wstride = (size_t)Cg * KH * KW;                                                          \
                for (int r = 0; r < 8; r++)                                                                           \
                    if (r < rows) acc[r] = fma((AT)(WLOAD(wk, r * wstride)), TOAT(v), acc[r]);                        \
            }                                                                                                         \
        }                                                                                                             \
    }                                                                                                                 \
    for (int r = 0; r < rows; r++) {                                                                                  \
        const int m = m0 + r;                                                                                         \
        float8 o = FROMAT(acc[r]) + (float8)(has_bias ? bias[m] : 0.0f);                                              \
        const size_t at = (((size_t)n * M + m) * OH + oy) * OW + ox0;                                                 \
        if (cols == 8) {                                                                                              \
            if (has_sum) o += vload8(0, sum + at);                                                                    \
            vstore8(oct_act_float8(o, act, a0, a1), 0, y + at);                                                       \
        } else {                                                                                                      \
            float t[8];                                                                                               \
            vstore8(o, 0, t);                                                                                         \
            for (int j = 0; j < cols; j++) y[at + j] = oct_act(t[j] + (has_sum ? sum[at + j] : 0.0f), act, a0, a1);   \
        }                                                                                                             \
    }                                                                                                                 \
}

#define OCT_SAME(v) (v)
OCT_CONV2D(oct_conv2d_f32, float, OCT_W_F32, float8, OCT_SAME, OCT_SAME)
#if OCT_HAVE_HALF /* half arithmetic: half8 accumulators, the input rounded to half */
OCT_CONV2D(oct_conv2d_f16w, half, OCT_W_F32, half8, convert_half8, convert_float8)
#else /* fp16 storage, fp32 arithmetic */
OCT_CONV2D(oct_conv2d_f16w, half, OCT_W_F16, float8, OCT_SAME, OCT_SAME)
#endif
