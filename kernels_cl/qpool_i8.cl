/* octet — integer data movement of static INT8 chains, as the CPU ops:
 * com.octet MaxPoolNhwc on uint8 / int8 NHWC data (padding never wins: the
 * max starts at the type's lowest value) and QuantizeLinear with one scale
 * and zero point (q = rne(clamp(x / scale, lo - zp, hi - zp)) + zp). */
#include "octet_cl.h"

__kernel void oct_maxpool_nhwc_8(__global const uchar *x, __global uchar *y, const int H, const int W, const int C,
                                 const int OH, const int OW, const int KH, const int KW, const int sy, const int sx,
                                 const int dy, const int dx, const int pt, const int pl, const int is_signed,
                                 const int total)
{
    const int i = get_global_id(0);
    if (i >= total) return;
    const int c = i % C, pix = i / C, ox = pix % OW, oy = (pix / OW) % OH, n = pix / (OW * OH);
    int acc = is_signed ? -128 : 0;
    for (int ky = 0; ky < KH; ky++) {
        const int iy = oy * sy - pt + ky * dy;
        if (iy < 0 || iy >= H) continue;
        for (int kx = 0; kx < KW; kx++) {
            const int ix = ox * sx - pl + kx * dx;
            if (ix < 0 || ix >= W) continue;
            const uchar b = x[(((size_t)n * H + iy) * W + ix) * C + c];
            acc = max(acc, is_signed ? (int)(char)b : (int)b);
        }
    }
    y[i] = (uchar)acc;
}

__kernel void oct_quantize_static(__global const float *x, __global uchar *q, const int n, const float scale,
                                  const float lo, const float hi, const int zp)
{
    const int i = get_global_id(0);
    if (i >= n) return;
    float v = x[i] / scale;
    v = v > lo ? v : lo;
    v = v < hi ? v : hi;
    q[i] = (uchar)((int)rint(v) + zp);
}

/* DequantizeLinear with one scale and zero point: y = (float)(q - zp) * scale */
__kernel void oct_dequantize_static(__global const uchar *q, __global float *y, const int n, const float scale,
                                    const int zp, const int is_signed)
{
    const int i = get_global_id(0);
    if (i >= n) return;
    const int v = is_signed ? (int)(char)q[i] : (int)q[i];
    y[i] = (float)(v - zp) * scale;
}
