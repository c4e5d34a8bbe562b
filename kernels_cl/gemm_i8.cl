/* octet — INT8 GEMM: u8 x s8 -> s32 with a fused epilogue, the OpenCL twin of
 * backend/cpu/qgemm.h (same results, bit for bit):
 *   acc[m][n] = sum_k A[m][k] * B[k][n] + colterm[n]    (colterm = bias - za * colsum_B, host-made)
 *   out 0: int32 acc | 1: float acc * scale[n] (+ fbias[n]), clamped to [f_lo, f_hi] if fclamp | 2/3: uint8/int8
 *          clamp(requant(acc, m0[n], shift[n]), lo, hi) + zo   (lo, hi already minus zo)
 *          | 4/5: uint8/int8 through float, as ONNX's QGemm / QLinear ops:
 *          rne(clamp((float)acc * scale[n], lo, hi)) + zo
 * A: M x K bytes, row stride lda (uint8; a_flip = 0x80808080 runs int8 data as
 * uint8 + 128, the host folds the 128 into colterm). B: packed by the host as
 * panels of 16 columns, [N/16][ceil(K/4)][16] words of 4 consecutive k
 * (zero past K and past N). Each work-item: TM rows x 16 columns, one
 * OCT_DOT4 per (row, column, 4 k). Global size (ceil(N / 16), ceil(M / TM)). */
#include "octet_cl.h"

#ifndef OCT_GEMM_TM
#define OCT_GEMM_TM 8
#endif

/* 4 bytes of row a from k (zero past K), as one little-endian word */
inline uint oct_a_word(__global const uchar *a, int k, int K)
{
    if (k + 4 <= K) return as_uint(vload4(0, a + k));
    uint w = 0;
    for (int q = 0; q < 4 && k + q < K; q++) w |= (uint)a[k + q] << (8 * q);
    return w;
}

__kernel void oct_gemm_i8(const int M, const int N, const int K, __global const uchar *A, const int lda,
                          const uint a_flip, __global const uint *B, __global const int *colterm, const int out_kind,
                          __global void *C, const int ldc, __global const int *m0, __global const int *shift,
                          const int zo, const int qlo, const int qhi, __global const float *scale,
                          __global const float *fbias, const int has_fbias, const int fclamp, const float f_lo,
                          const float f_hi)
{
    const int j = get_global_id(0) * 16, i = get_global_id(1) * OCT_GEMM_TM;
    if (j >= N || i >= M) return;
    const int rows = min(OCT_GEMM_TM, M - i), K4 = (K + 3) / 4;
    __global const uchar *a[OCT_GEMM_TM];
    for (int r = 0; r < OCT_GEMM_TM; r++) a[r] = A + (size_t)(i + min(r, rows - 1)) * lda;
    int16 acc[OCT_GEMM_TM];
    for (int r = 0; r < OCT_GEMM_TM; r++) acc[r] = (int16)(0);
    __global const uint *b = B + (size_t)(j / 16) * K4 * 16;
    for (int g = 0; g < K4; g++, b += 16) {
        const uint16 bw = vload16(0, b);
        for (int r = 0; r < OCT_GEMM_TM; r++) {
            const uint aw = oct_a_word(a[r], 4 * g, K) ^ a_flip;
            OCT_DOT4_ACC16(acc[r], aw, bw);
        }
    }
    const int cols = min(16, N - j);
    for (int r = 0; r < rows; r++) {
        const size_t row = (size_t)(i + r) * ldc;
        int v[16];
        vstore16(acc[r], 0, v);
        for (int c = 0; c < cols; c++) {
            const int n = j + c;
            const int x = as_int(as_uint(v[c]) + as_uint(colterm[n]));
            if (out_kind == 0) {
                ((__global int *)C)[row + n] = x;
            } else if (out_kind == 1) {
                float y = (float)x * scale[n];
                if (has_fbias) y = y + fbias[n];
                if (fclamp) { /* as the CPU: maxps(y, lo), minps(y, hi) */
                    y = y > f_lo ? y : f_lo;
                    y = y < f_hi ? y : f_hi;
                }
                ((__global float *)C)[row + n] = y;
            } else if (out_kind >= 4) {
                float f = (float)x * scale[n];
                f = f > (float)qlo ? f : (float)qlo;
                f = f < (float)qhi ? f : (float)qhi;
                const int q = (int)rint(f) + zo;
                if (out_kind == 4) ((__global uchar *)C)[row + n] = (uchar)q;
                else ((__global char *)C)[row + n] = (char)q;
            } else {
                int q = oct_requant(x, m0[n], shift[n]);
                q = min(max(q, qlo), qhi) + zo;
                if (out_kind == 2) ((__global uchar *)C)[row + n] = (uchar)q;
                else ((__global char *)C)[row + n] = (char)q;
            }
        }
    }
}
