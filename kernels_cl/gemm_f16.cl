/* octet — FP16-weight GEMM: C[M,N] = act(A[M,K] . B[K,N] + bias[N]) with A, C,
 * bias float and B stored as fp16 (half the memory of fp32 weights). With
 * cl_khr_fp16 (OCT_HAVE_HALF) the products and sums run in half arithmetic
 * (half16 fma; A rounded to half); without it B is widened with vload_half16
 * and the arithmetic is fp32. Tiling as gemm_f32.cl: OCT_GEMM_TM rows x 16
 * columns per work-item; global size (ceil(N / 16), ceil(M / TM)). */
#include "octet_cl.h"

#ifndef OCT_GEMM_TM
#define OCT_GEMM_TM 8
#endif

__kernel void oct_gemm_f16(const int M, const int N, const int K, __global const float *A, const int lda,
                           __global const half *B, const int ldb, __global float *C, const int ldc,
                           __global const float *bias, const int has_bias, const int act, const float a0,
                           const float a1)
{
    const int j = get_global_id(0) * 16, i = get_global_id(1) * OCT_GEMM_TM;
    if (j >= N || i >= M) return;
    const int rows = min(OCT_GEMM_TM, M - i);
    __global const float *a[OCT_GEMM_TM];
    for (int r = 0; r < OCT_GEMM_TM; r++) a[r] = A + (size_t)(i + min(r, rows - 1)) * lda;
    if (j + 16 <= N) {
        float16 out[OCT_GEMM_TM];
#if OCT_HAVE_HALF
        half16 acc[OCT_GEMM_TM];
        for (int r = 0; r < OCT_GEMM_TM; r++) acc[r] = (half16)(0.0h);
        __global const half *b = B + j;
        for (int k = 0; k < K; k++, b += ldb) {
            const half16 bv = vload16(0, b);
            for (int r = 0; r < OCT_GEMM_TM; r++) acc[r] = fma((half16)((half)a[r][k]), bv, acc[r]);
        }
        for (int r = 0; r < OCT_GEMM_TM; r++) out[r] = convert_float16(acc[r]);
#else
        for (int r = 0; r < OCT_GEMM_TM; r++) out[r] = (float16)(0.0f);
        __global const half *b = B + j;
        for (int k = 0; k < K; k++, b += ldb) {
            const float16 bv = vload_half16(0, b);
            for (int r = 0; r < OCT_GEMM_TM; r++) out[r] = fma((float16)(a[r][k]), bv, out[r]);
        }
#endif
        const float16 bb = has_bias ? vload16(0, bias + j) : (float16)(0.0f);
        for (int r = 0; r < rows; r++) {
            float16 v = out[r] + bb;
            v = oct_act_float16(v, act, a0, a1);
            vstore16(v, 0, C + (size_t)(i + r) * ldc + j);
        }
        return;
    }
    for (int r = 0; r < rows; r++)
        for (int c = j; c < N; c++) {
            float s = 0.0f;
            for (int k = 0; k < K; k++) s = fma(a[r][k], vload_half(0, B + (size_t)k * ldb + c), s);
            if (has_bias) s += bias[c];
            C[(size_t)(i + r) * ldc + c] = oct_act(s, act, a0, a1);
        }
}
