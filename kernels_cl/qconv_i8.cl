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
