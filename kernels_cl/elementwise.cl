/* octet — FP32 elementwise kernels: binary ops with ONNX (numpy) broadcasting
 * and unary activations. One work-item per output element; the common
 * same-shape case reads both inputs at the same index.
 * Binary: op 0 add, 1 sub, 2 mul, 3 div. Shapes up to rank 8: dims of the
 * output and element strides of each input (0 along a broadcast axis), as
 * int8 vectors padded with dims 1 / strides 0 in front. */
#include "octet_cl.h"

inline float oct_binop(int op, float x, float y)
{
    if (op == 0) return x + y;
    if (op == 1) return x - y;
    if (op == 2) return x * y;
    return x / y;
}

__kernel void oct_binary_f32(const int op, const int n, __global const float *a, __global const float *b,
                             __global float *y, const int same, const int8 dims, const int8 sa, const int8 sb)
{
    const int i = get_global_id(0);
    if (i >= n) return;
    if (same) {
        y[i] = oct_binop(op, a[i], b[i]);
        return;
    }
    int rem = i, ia = 0, ib = 0;
    const int d[8] = {dims.s0, dims.s1, dims.s2, dims.s3, dims.s4, dims.s5, dims.s6, dims.s7};
    const int xa[8] = {sa.s0, sa.s1, sa.s2, sa.s3, sa.s4, sa.s5, sa.s6, sa.s7};
    const int xb[8] = {sb.s0, sb.s1, sb.s2, sb.s3, sb.s4, sb.s5, sb.s6, sb.s7};
    for (int k = 7; k >= 0; k--) {
        const int c = rem % d[k];
        rem /= d[k];
        ia += c * xa[k];
        ib += c * xb[k];
    }
    y[i] = oct_binop(op, a[ia], b[ib]);
}

/* y = act(x) for the node activation kinds (OCT_ACT_*), in place allowed */
__kernel void oct_act_f32(const int n, __global const float *x, __global float *y, const int kind, const float a0,
                          const float a1)
{
    const int i = get_global_id(0);
    if (i < n) y[i] = oct_act(x[i], kind, a0, a1);
}
