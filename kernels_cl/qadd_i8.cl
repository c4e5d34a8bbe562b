/* octet — the com.microsoft integer ops of residual networks, with ONNX
 * Runtime's float arithmetic as the CPU ops (ops/qlinear_add.c,
 * ops/qlinear_gavgpool.c):
 *   QLinearAdd (same shapes):  y = rne(clamp(fma(a, ra, fma(b, rb, fixed)), lo, hi))
 *   QLinearGlobalAveragePool:  y = rne(clamp((float)(sum(x) - zx * S) * scale, lo, hi)) + zy
 * (NCHW planes or NHWC with channels_last). */
#include "octet_cl.h"

inline float oct_q8(uchar b, int is_signed) { return is_signed ? (float)(char)b : (float)b; }

__kernel void oct_qadd_vv_8(__global const uchar *a, __global const uchar *b, __global uchar *y, const int n,
                            const float ra, const float rb, const float fixed, const float lo, const float hi,
                            const int is_signed)
{
    const int i = get_global_id(0);
    if (i >= n) return;
    float v = fma(oct_q8(a[i], is_signed), ra, fma(oct_q8(b[i], is_signed), rb, fixed));
    v = v > lo ? v : lo;
    v = v < hi ? v : hi;
    y[i] = (uchar)(int)rint(v);
}

__kernel void oct_qgap_8(__global const uchar *x, __global uchar *y, const int planes, const int C, const int S,
                         const int channels_last, const int zx, const float scale, const float lo, const float hi,
                         const int zy, const int is_signed)
{
    const int p = get_global_id(0); /* n * C + c */
    if (p >= planes) return;
    const int n = p / C, c = p % C;
    long sum = 0;
    for (int s = 0; s < S; s++) {
        const size_t at = channels_last ? ((size_t)n * S + s) * C + c : (size_t)p * S + s;
        sum += is_signed ? (long)(char)x[at] : (long)x[at];
    }
    const long acc = sum - (long)zx * S;
    float v = (float)acc * scale;
    v = v > lo ? v : lo;
    v = v < hi ? v : hi;
    y[p] = (uchar)((int)rint(v) + zy);
}
