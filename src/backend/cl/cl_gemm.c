/* octet — OpenCL GEMM launches (see cl_gemm.h). */
#include "backend/cl/cl_gemm.h"

#include "backend/cl/cl_ops.h"

void oct_cl_gemm_sizes(const oct_cl *cl, int M, int N, int cols, int rows, size_t gws[2], size_t lws[2], int *use_lws)
{
    size_t gx = (size_t)((N + cols - 1) / cols), gy = (size_t)((M + rows - 1) / rows);
    /* GPUs: 8 x 8 work-groups (rounded-up global size, the kernels bound-check);
     * CPU devices: the driver's choice (PoCL runs a work-group as a loop) */
    *use_lws = cl->caps.is_gpu;
    lws[0] = lws[1] = 8;
    if (*use_lws) {
        gx = (gx + 7) / 8 * 8;
        gy = (gy + 7) / 8 * 8;
    }
    gws[0] = gx;
    gws[1] = gy;
}

static oct_status gemm_float(oct_cl *cl, cl_kernel k, const oct_cl_gemm_f32_args *a, int vw, const char *kname,
                             const char *what)
{
    if (a->M < 0 || a->N < 0 || a->K < 0 || a->lda < a->K || a->ldb < a->N || a->ldc < a->N)
        return oct_err(OCT_E_INVALID, "OpenCL gemm: bad sizes");
    if (a->M == 0 || a->N == 0) return OCT_OK;
    int has_bias = a->bias != NULL;
    cl_mem bias = has_bias ? a->bias : a->C; /* any valid buffer when unused */
    OCT_TRY(oct_cl_args(k, kname, "iiimimimimiiff", a->M, a->N, a->K, a->A, a->lda, a->B, a->ldb, a->C, a->ldc, bias,
                        has_bias, a->act, (double)a->a0, (double)a->a1));
    size_t gws[2], lws[2];
    int use_lws;
    oct_cl_gemm_sizes(cl, a->M, a->N, vw, cl->gemm_tm, gws, lws, &use_lws);
    if (oct_cl_fault("enqueue")) return oct_err(OCT_E_DEVICE, "OpenCL: enqueue failed (injected by OCTET_CL_FAIL)");
    cl_int e = clEnqueueNDRangeKernel(cl->queue, k, 2, NULL, gws, use_lws ? lws : NULL, 0, NULL, NULL);
    return e == CL_SUCCESS ? OCT_OK : oct_cl_fail(e, what);
}

oct_status oct_cl_gemm_f32(oct_cl *cl, cl_kernel k, const oct_cl_gemm_f32_args *a)
{
    return gemm_float(cl, k, a, cl->gemm_vw, "oct_gemm_f32", "enqueueing oct_gemm_f32");
}

oct_status oct_cl_gemm_f16(oct_cl *cl, cl_kernel k, const oct_cl_gemm_f32_args *a)
{
    return gemm_float(cl, k, a, 16, "oct_gemm_f16", "enqueueing oct_gemm_f16");
}
