/* octet — data movement: Transpose (any permutation, rank <= 8, 4-byte or
 * 1-byte elements) and batched MatMul of two activations (attention scores and
 * context: A [..., M, K] x B [..., K, N], batch dims broadcast). */
#include "octet_cl.h"

/* y[i] = x[sum_k coord_k(i) * xs[k]]: coordinates of i over the output dims,
 * xs = the input strides permuted to the output's axis order (front-padded).
 * Two instances: 4-byte and 1-byte elements. */
#define OCT_TRANSPOSE(NAME, T)                                                                          \
    __kernel void NAME(__global const T *x, __global T *y, const int n, const int8 dims, const int8 xs) \
    {                                                                                                   \
        const int i = get_global_id(0);                                                                 \
        if (i >= n) return;                                                                             \
        const int d[8] = {dims.s0, dims.s1, dims.s2, dims.s3, dims.s4, dims.s5, dims.s6, dims.s7};      \
        const int s[8] = {xs.s0, xs.s1, xs.s2, xs.s3, xs.s4, xs.s5, xs.s6, xs.s7};                      \
        int rem = i, at = 0;                                                                            \
        for (int k = 7; k >= 0; k--) {                                                                  \
            at += (rem % d[k]) * s[k];                                                                  \
            rem /= d[k];                                                                                \
        }                                                                                               \
        y[i] = x[at];                                                                                   \
    }
OCT_TRANSPOSE(oct_transpose_32, uint)
OCT_TRANSPOSE(oct_transpose_8, uchar)

/* One work-item per (batch, row, 8 columns). a_bs / b_bs: element stride
 * between consecutive batches of A / B (0 when broadcast). */
__kernel void oct_bmm_f32(__global const float *A, __global const float *B, __global float *C, const int batches,
                          const int M, const int N, const int K, const int a_bs, const int b_bs)
{
    const int j0 = get_global_id(0) * 8, i = get_global_id(1), b = get_global_id(2);
    if (j0 >= N || i >= M || b >= batches) return;
    __global const float *a = A + (size_t)b * a_bs + (size_t)i * K;
    __global const float *bb = B + (size_t)b * b_bs;
    __global float *c = C + ((size_t)b * M + i) * N;
    if (j0 + 8 <= N) {
        float8 acc = (float8)(0.0f);
        for (int k = 0; k < K; k++) acc = fma((float8)(a[k]), vload8(0, bb + (size_t)k * N + j0), acc);
        vstore8(acc, 0, c + j0);
        return;
    }
    for (int j = j0; j < N; j++) {
        float s = 0.0f;
        for (int k = 0; k < K; k++) s = fma(a[k], bb[(size_t)k * N + j], s);
        c[j] = s;
    }
}

/* Concat: input x viewed as [outer, inner_x] goes to columns [offset, offset +
 * inner_x) of the output viewed as [outer, inner_y]. 4-byte and 1-byte. */
#define OCT_CONCAT(NAME, T)                                                                              \
    __kernel void NAME(__global const T *x, __global T *y, const int outer, const int inner_x,            \
                       const int inner_y, const int offset)                                              \
    {                                                                                                    \
        const int i = get_global_id(0);                                                                  \
        if (i >= outer * inner_x) return;                                                                \
        y[(size_t)(i / inner_x) * inner_y + offset + i % inner_x] = x[i];                                \
    }
OCT_CONCAT(oct_concat_32, uint)
OCT_CONCAT(oct_concat_8, uchar)

/* Gather along one axis with host-checked int32 indices: x viewed as
 * [outer, D, inner], y as [outer, NI, inner]. 4-byte and 1-byte. */
#define OCT_GATHER(NAME, T)                                                                              \
    __kernel void NAME(__global const T *x, __global const int *idx, __global T *y, const int outer,      \
                       const int D, const int NI, const int inner)                                       \
    {                                                                                                    \
        const int i = get_global_id(0);                                                                  \
        if (i >= outer * NI * inner) return;                                                             \
        const int in = i % inner, t = i / inner, ip = t % NI, o = t / NI;                                \
        y[i] = x[((size_t)o * D + idx[ip]) * inner + in];                                                \
    }
OCT_GATHER(oct_gather_32, uint)
OCT_GATHER(oct_gather_8, uchar)
