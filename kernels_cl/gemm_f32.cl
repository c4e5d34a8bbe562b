/* octet — FP32 GEMM: C[M,N] = act(A[M,K] . B[K,N] + bias[N]), row-major with
 * leading dimensions. Register tiling: each work-item computes OCT_GEMM_TM
 * rows x VW columns (one float vector per row) and streams B rows as vectors (on CPU
 * devices such as PoCL vector types and register tiles matter; local memory
 * tiling does not). Columns past N (the last block) take a scalar path.
 * Global size: (ceil(N / VW), ceil(M / TM)); TM and VW (8 or 16) come from the
 * build options (chosen per device). */
#include "octet_cl.h"

#ifndef OCT_GEMM_TM
#define OCT_GEMM_TM 8
#endif
#ifndef OCT_GEMM_VW
#define OCT_GEMM_VW 8
#endif
#if OCT_GEMM_VW == 16
#define FV float16
#define OCT_ACT_FN oct_act_float16
#define VLOAD vload16
#define VSTORE vstore16
#else
#define FV float8
#define OCT_ACT_FN oct_act_float8
#define VLOAD vload8
#define VSTORE vstore8
#endif

__kernel void oct_gemm_f32(const int M, const int N, const int K, __global const float *A, const int lda,
                           __global const float *B, const int ldb, __global float *C, const int ldc,
                           __global const float *bias, const int has_bias, const int act, const float a0,
                           const float a1)
{
    const int j = get_global_id(0) * OCT_GEMM_VW, i = get_global_id(1) * OCT_GEMM_TM;
    if (j >= N || i >= M) return;
    const int rows = min(OCT_GEMM_TM, M - i);
    __global const float *a[OCT_GEMM_TM];
    for (int r = 0; r < OCT_GEMM_TM; r++) a[r] = A + (size_t)(i + min(r, rows - 1)) * lda; /* rows past M repeat the last */
    if (j + OCT_GEMM_VW <= N) {
        FV acc[OCT_GEMM_TM];
        for (int r = 0; r < OCT_GEMM_TM; r++) acc[r] = (FV)(0.0f);
        __global const float *b = B + j;
        for (int k = 0; k < K; k++, b += ldb) {
            const FV bv = VLOAD(0, b);
            for (int r = 0; r < OCT_GEMM_TM; r++) acc[r] = fma((FV)(a[r][k]), bv, acc[r]);
        }
        const FV bb = has_bias ? VLOAD(0, bias + j) : (FV)(0.0f);
        for (int r = 0; r < rows; r++) {
            FV v = acc[r] + bb;
            v = OCT_ACT_FN(v, act, a0, a1);
            VSTORE(v, 0, C + (size_t)(i + r) * ldc + j);
        }
        return;
    }
    for (int r = 0; r < rows; r++)
        for (int c = j; c < N; c++) {
            float s = 0.0f;
            for (int k = 0; k < K; k++) s = fma(a[r][k], B[(size_t)k * ldb + c], s);
            if (has_bias) s += bias[c];
            C[(size_t)(i + r) * ldc + c] = oct_act(s, act, a0, a1);
        }
}
