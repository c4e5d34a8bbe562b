/* octet — INT8 convolution on channels-last (NHWC) uint8 / int8 activations,
 * the twin of the CPU's com.octet QLinearConvNhwc (same results, bit for bit):
 *   acc[m] = sum_{ky, kx, c} x[n][iy][ix][c] * w[m][c][ky][kx] + colterm[m]   (padding = the zero point)
 *   y[n][oy][ox][m] = clamp(requant(acc, m0[m], shift[m]), lo, hi) + zo
 * Weights are packed by the host as [KH][KW][ceil(C/4)][Mp] words of 4
 * channels (Mp = M rounded up to 16, zero past C and M); colterm = bias -
 * za * colsum. Each work-item: one output pixel x 16 output channels, one
 * OCT_DOT4 per (tap, 4 channels, channel) on the packed words.
 * Global size: (ceil(M / 16), OW, N * OH). */
#include "octet_cl.h"

inline uint oct_x_word(__global const uchar *px, int c, int C)
{
    if (c + 4 <= C) return as_uint(vload4(0, px + c));
    uint w = 0;
    for (int q = 0; q < 4 && c + q < C; q++) w |= (uint)px[c + q] << (8 * q);
    return w;
}

__kernel void oct_qconv_nhwc_i8(__global const uchar *x, __global const uint *w, __global const int *colterm,
                                __global const int *m0, __global const int *shift, __global uchar *y, const int H,
                                const int W, const int C, const int M, const int OH, const int OW, const int KH,
                                const int KW, const int sy, const int sx, const int dy, const int dx, const int pt,
                                const int pl, const uint flip, const uint pad_word, const int zo, const int lo,
                                const int hi, const int out_signed)
{
    const int mb = get_global_id(0) * 16, ox = get_global_id(1), noy = get_global_id(2);
    if (mb >= M || ox >= OW) return;
    const int n = noy / OH, oy = noy % OH, C4 = (C + 3) / 4, Mp = (M + 15) / 16 * 16;
    int16 acc = (int16)(0);
    for (int ky = 0; ky < KH; ky++) {
        const int iy = oy * sy - pt + ky * dy;
        for (int kx = 0; kx < KW; kx++) {
            const int ix = ox * sx - pl + kx * dx;
            const int inside = iy >= 0 && iy < H && ix >= 0 && ix < W;
            __global const uchar *px = x + (((size_t)n * H + (inside ? iy : 0)) * W + (inside ? ix : 0)) * C;
            __global const uint *wk = w + ((size_t)(ky * KW + kx) * C4) * Mp + mb;
            for (int c4 = 0; c4 < C4; c4++) {
                const uint xw = inside ? oct_x_word(px, 4 * c4, C) ^ flip : pad_word;
                const uint16 wv = vload16(0, wk + (size_t)c4 * Mp);
                OCT_DOT4_ACC16(acc, xw, wv);
            }
        }
    }
    int v[16];
    vstore16(acc, 0, v);
    const size_t at = (((size_t)n * OH + oy) * OW + ox) * M;
    for (int j = 0; j < 16 && mb + j < M; j++) {
        const int m = mb + j;
        int q = oct_requant(as_int(as_uint(v[j]) + as_uint(colterm[m])), m0[m], shift[m]);
        q = min(max(q, lo), hi) + zo;
        if (out_signed) ((__global char *)y)[at + m] = (char)q;
        else y[at + m] = (uchar)q;
    }
}

/* ONNX QLinearConv on NCHW uint8 / int8 activations, 2-D, any groups
 * (depthwise included), the twin of the CPU op (same results, bit for bit):
 *   acc = sum_{c in group, ky, kx} (x ^ flip)[n][c][iy][ix] * wq[m][c][ky][kx] + colterm[m]
 *   y[n][m][oy][ox] = rne(clamp(float(acc) * mult[m], lo, hi)) + zo
 * wq = W - w_zero_point[m] as int8, packed by the host as [M][Cg][KH][ceil(KW/4)]
 * words of 4 taps along kx (zero past KW); x ^ flip puts int8 activations in
 * uint8 range (flip 0x80) and padding reads the zero point's byte in that
 * range, so colterm = bias - zx' * sum wq cancels it. One work-item: 4
 * consecutive output pixels of one row of one channel, one OCT_DOT4 per (pixel,
 * input channel, kernel row, 4 taps); with unit stride and dilation the 4
 * pixels' windows come from one 8-byte load per 4 taps.
 * Global size: (ceil(OW / 4), OH, N * M). */
inline uint oct_x_gather4(__global const uchar *row, int ix, int dx, int W, uint flip, uint pad)
{
    uint w = 0;
    for (int q = 0; q < 4; q++, ix += dx) w |= (ix >= 0 && ix < W ? (uint)row[ix] ^ flip : pad) << (8 * q);
    return w;
}

__kernel void oct_qlinear_conv_i8(__global const uchar *x, __global const uint *w, __global const int *colterm,
                                  __global const float *mult, __global uchar *y, const int C, const int H, const int W,
                                  const int M, const int G, const int OH, const int OW, const int KH, const int KW,
                                  const int sy, const int sx, const int dy, const int dx, const int pt, const int pl,
                                  const uint flip, const uint pad, const float lo, const float hi, const int zo,
                                  const int out_signed)
{
    const int ox0 = get_global_id(0) * 4, oy = get_global_id(1), nm = get_global_id(2);
    if (ox0 >= OW || oy >= OH) return;
    const int n = nm / M, m = nm % M, Cg = C / G, KW4 = (KW + 3) / 4, ix0 = ox0 * sx - pl;
    const uint padw = pad * 0x01010101u;
    const ulong flip8 = (ulong)flip * 0x0101010101010101UL;
    const int fast = sx == 1 && dx == 1 && ix0 >= 0 && ix0 + 4 * KW4 + 3 < W;
    __global const uint *wm = w + (size_t)m * Cg * KH * KW4;
    __global const uchar *img = x + ((size_t)n * C + (size_t)(m / (M / G)) * Cg) * H * W;
    uint4 acc = (uint4)(0);
    for (int c = 0; c < Cg; c++) {
        for (int ky = 0; ky < KH; ky++) {
            __global const uint *wk = wm + (c * KH + ky) * KW4;
            const int iy = oy * sy - pt + ky * dy;
            if (iy < 0 || iy >= H) {
                for (int t = 0; t < KW4; t++) acc += (uint4)((uint)OCT_DOT4(padw, wk[t]));
                continue;
            }
            __global const uchar *row = img + ((size_t)c * H + iy) * W;
            for (int t = 0; t < KW4; t++) {
                const uint wt = wk[t];
                if (fast) {
                    const ulong v = as_ulong(vload8(0, row + ix0 + 4 * t)) ^ flip8;
                    acc.s0 += (uint)OCT_DOT4((uint)v, wt);
                    acc.s1 += (uint)OCT_DOT4((uint)(v >> 8), wt);
                    acc.s2 += (uint)OCT_DOT4((uint)(v >> 16), wt);
                    acc.s3 += (uint)OCT_DOT4((uint)(v >> 24), wt);
                } else {
                    const int ix = ix0 + 4 * t * dx;
                    acc.s0 += (uint)OCT_DOT4(oct_x_gather4(row, ix, dx, W, flip, pad), wt);
                    acc.s1 += (uint)OCT_DOT4(oct_x_gather4(row, ix + sx, dx, W, flip, pad), wt);
                    acc.s2 += (uint)OCT_DOT4(oct_x_gather4(row, ix + 2 * sx, dx, W, flip, pad), wt);
                    acc.s3 += (uint)OCT_DOT4(oct_x_gather4(row, ix + 3 * sx, dx, W, flip, pad), wt);
                }
            }
        }
    }
    uint a[4];
    vstore4(acc, 0, a);
    const size_t at = (((size_t)n * M + m) * OH + oy) * OW + ox0;
    for (int j = 0; j < 4 && ox0 + j < OW; j++) {
        float v = convert_float(as_int(a[j] + as_uint(colterm[m]))) * mult[m];
        v = v > lo ? v : lo;
        v = v < hi ? v : hi;
        const int q = (int)rint(v) + zo;
        if (out_signed) ((__global char *)y)[at + j] = (char)q;
        else y[at + j] = (uchar)q;
    }
}
