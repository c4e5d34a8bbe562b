/* octet — host side of the OpenCL INT8 GEMM (kernels_cl/gemm_i8.cl): the
 * same arithmetic and epilogues as backend/cpu/qgemm.h, bit for bit.
 * Weights are packed and uploaded once (panels of 16 columns of 4-k words);
 * the per-column term bias - za * colsum is made on the host. */
#ifndef OCT_BACKEND_CL_QGEMM_H
#define OCT_BACKEND_CL_QGEMM_H

#include <stdint.h>

#include "backend/cl/cl_runtime.h"
#include "backend/cpu/qgemm.h"

typedef struct oct_cl_qweights {
    cl_mem b;        /* [ceil(N/16)][ceil(K/4)][16] uint words */
    int K, N;
    int32_t *colsum; /* N column sums (host) */
} oct_cl_qweights;

/* B: K x N int8 (transB: N x K), leading dimension ldb. */
oct_status oct_cl_qweights_upload(oct_cl *cl, const int8_t *B, int K, int N, int transB, int ldb, oct_cl_qweights *w);
void oct_cl_qweights_free(oct_cl_qweights *w);

typedef struct oct_cl_qgemm_args {
    int M;
    cl_mem A;                /* M x K uint8 (a_signed: int8), row stride lda bytes */
    int lda, a_signed;
    const oct_cl_qweights *w;
    cl_mem colterm;          /* N int32: bias[n] - za_u8 * colsum[n] (oct_cl_qgemm_colterm) */
    oct_qgemm_out out;
    cl_mem C;                /* M x N of the out type, row stride ldc elements */
    int ldc;
    cl_mem m0, shift;        /* OUT_U8 / OUT_S8: N values each */
    int zo, q_lo, q_hi;      /* as oct_qgemm_args (q_lo / q_hi in the output range) */
    cl_mem scale, fbias;     /* OUT_F32: N scales (a_scale * w_scale[n]); fbias NULL or N */
    int clamp;
    float f_lo, f_hi;
    /* OUT_U8 / OUT_S8 through float as ONNX's QGemm: rne(clamp(acc * scale[n], q_lo - zo,
     * q_hi - zo)) + zo with scale = a_scale * w_scale[n] / y_scale (m0 / shift unused) */
    int float_requant;
} oct_cl_qgemm_args;

/* colterm[n] = bias[n] - za_u8 * colsum[n] (uint32 wrap, as the CPU); za_u8 =
 * za, or za + 128 for int8 activations. bias may be NULL. */
void oct_cl_qgemm_colterm(const oct_cl_qweights *w, const int32_t *bias, int32_t za_u8, int32_t *colterm);

oct_status oct_cl_qgemm(oct_cl *cl, cl_kernel k, const oct_cl_qgemm_args *a);

#endif
