/* octet — FP32 pooling, NCHW, 2-D: MaxPool / AveragePool (one work-item per
 * output element; count_include_pad for average) and GlobalAveragePool (one
 * work-item per (n, c) plane). */
#include "octet_cl.h"

__kernel void oct_pool2d_f32(__global const float *x, __global float *y, const int H, const int W, const int OH,
                             const int OW, const int KH, const int KW, const int sy, const int sx, const int dy,
                             const int dx, const int pt, const int pl, const int is_max, const int count_pad,
                             const int total)
{
    const int i = get_global_id(0);
    if (i >= total) return;
    const int ox = i % OW, oy = (i / OW) % OH, plane = i / (OW * OH);
    __global const float *xp = x + (size_t)plane * H * W;
    float acc = is_max ? -INFINITY : 0.0f;
    int cnt = 0;
    for (int ky = 0; ky < KH; ky++) {
        const int iy = oy * sy - pt + ky * dy;
        for (int kx = 0; kx < KW; kx++) {
            const int ix = ox * sx - pl + kx * dx;
            if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
            const float v = xp[(size_t)iy * W + ix];
            acc = is_max ? fmax(acc, v) : acc + v;
            cnt++;
        }
    }
    if (!is_max) acc = acc / (float)(count_pad ? KH * KW : max(cnt, 1));
    y[i] = acc;
}

__kernel void oct_gap_f32(__global const float *x, __global float *y, const int HW, const int planes)
{
    const int p = get_global_id(0);
    if (p >= planes) return;
    __global const float *xp = x + (size_t)p * HW;
    float s = 0.0f;
    for (int i = 0; i < HW; i++) s += xp[i];
    y[p] = s / (float)HW;
}
