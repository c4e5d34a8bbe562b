/* octet — host side of the OpenCL GEMM kernels (kernels_cl/gemm_*.cl):
 * argument checks, work sizes per device, enqueue. Buffers are device
 * buffers; calls are asynchronous on cl->queue (in order). */
#ifndef OCT_BACKEND_CL_GEMM_H
#define OCT_BACKEND_CL_GEMM_H

#include "backend/cl/cl_runtime.h"

typedef struct oct_cl_gemm_f32_args {
    int M, N, K;
    cl_mem A, B, C, bias; /* bias: NULL or N floats */
    int lda, ldb, ldc;    /* in elements */
    int act;              /* OCT_ACT_* of kernels_cl/octet_cl.h (node act kinds) */
    float a0, a1;
} oct_cl_gemm_f32_args;

/* C = act(A . B + bias) with FP32 (kernel oct_gemm_f32; k from oct_cl_kernel). */
oct_status oct_cl_gemm_f32(oct_cl *cl, cl_kernel k, const oct_cl_gemm_f32_args *a);
/* The same with B holding fp16 values (kernel oct_gemm_f16; ldb in halves). */
oct_status oct_cl_gemm_f16(oct_cl *cl, cl_kernel k, const oct_cl_gemm_f32_args *a);

/* Global / local work sizes for a 2-D kernel whose work-item covers cols x rows. */
void oct_cl_gemm_sizes(const oct_cl *cl, int M, int N, int cols, int rows, size_t gws[2], size_t lws[2], int *use_lws);

#endif
