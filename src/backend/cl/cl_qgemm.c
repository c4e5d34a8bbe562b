/* octet — OpenCL INT8 GEMM: weight packing and launch (see cl_qgemm.h). */
#include "backend/cl/cl_qgemm.h"

#include <stdlib.h>
#include <string.h>

#include "backend/cl/cl_gemm.h"
#include "backend/cl/cl_ops.h"

#define NB 16 /* columns per panel (the kernel's uint16) */

oct_status oct_cl_qweights_upload(oct_cl *cl, const int8_t *B, int K, int N, int transB, int ldb, oct_cl_qweights *w)
{
    memset(w, 0, sizeof *w);
    if (K <= 0 || N <= 0) return oct_err(OCT_E_INVALID, "OpenCL int8 weights: empty %dx%d", K, N);
    int K4 = (K + 3) / 4, np = (N + NB - 1) / NB;
    size_t words = (size_t)np * K4 * NB;
    uint32_t *pk = calloc(words, sizeof *pk);
    w->colsum = calloc((size_t)N, sizeof *w->colsum);
    if (!pk || !w->colsum) {
        free(pk);
        oct_cl_qweights_free(w);
        return oct_err(OCT_E_NOMEM, "out of memory packing int8 weights");
    }
    for (int n = 0; n < N; n++)
        for (int k = 0; k < K; k++) {
            int8_t v = transB ? B[(size_t)n * ldb + k] : B[(size_t)k * ldb + n];
            size_t at = ((size_t)(n / NB) * K4 + k / 4) * NB + n % NB;
            pk[at] |= (uint32_t)(uint8_t)v << (8 * (k % 4));
            w->colsum[n] += v;
        }
    cl_int e = CL_SUCCESS;
    w->b = oct_cl_fault("alloc") ? NULL
                                 : clCreateBuffer(cl->ctx, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, words * sizeof *pk,
                                                  pk, &e);
    free(pk);
    if (!w->b) {
        oct_cl_qweights_free(w);
        return e != CL_SUCCESS ? oct_cl_fail(e, "uploading int8 weights")
                               : oct_err(OCT_E_DEVICE, "OpenCL: allocation failed (injected by OCTET_CL_FAIL)");
    }
    w->K = K;
    w->N = N;
    return OCT_OK;
}

void oct_cl_qweights_free(oct_cl_qweights *w)
{
    if (w->b) clReleaseMemObject(w->b);
    free(w->colsum);
    memset(w, 0, sizeof *w);
}

void oct_cl_qgemm_colterm(const oct_cl_qweights *w, const int32_t *bias, int32_t za_u8, int32_t *colterm)
{
    for (int n = 0; n < w->N; n++)
        colterm[n] = (int32_t)((bias ? (uint32_t)bias[n] : 0u) - (uint32_t)za_u8 * (uint32_t)w->colsum[n]);
}

oct_status oct_cl_qgemm(oct_cl *cl, cl_kernel k, const oct_cl_qgemm_args *a)
{
    const oct_cl_qweights *w = a->w;
    int is_q = a->out == OCT_QGEMM_OUT_U8 || a->out == OCT_QGEMM_OUT_S8;
    if (a->M < 0 || !w || !w->b || a->lda < w->K || a->ldc < w->N ||
        (is_q && !a->float_requant && (!a->m0 || !a->shift)) ||
        ((a->out == OCT_QGEMM_OUT_F32 || (is_q && a->float_requant)) && !a->scale))
        return oct_err(OCT_E_INVALID, "OpenCL int8 gemm: bad arguments");
    if (a->M == 0) return OCT_OK;
    cl_mem any = a->C; /* for unused buffer arguments */
    cl_uint flip = a->a_signed ? 0x80808080u : 0u;
    int out = is_q && a->float_requant ? (a->out == OCT_QGEMM_OUT_U8 ? 4 : 5) : (int)a->out;
    int has_fbias = a->fbias != NULL;
    int lo = a->q_lo - a->zo, hi = a->q_hi - a->zo;
    cl_mem m0 = a->m0 ? a->m0 : any, sh = a->shift ? a->shift : any, sc = a->scale ? a->scale : any;
    cl_mem fb = a->fbias ? a->fbias : any;
    OCT_TRY(oct_cl_args(k, "oct_gemm_i8", "iiimiummimimmiiimmiiff", a->M, w->N, w->K, a->A, a->lda, flip, w->b,
                        a->colterm, out, a->C, a->ldc, m0, sh, a->zo, lo, hi, sc, fb, has_fbias, a->clamp,
                        (double)a->f_lo, (double)a->f_hi));
    size_t gws[2], lws[2];
    int use_lws;
    oct_cl_gemm_sizes(cl, a->M, w->N, NB, cl->gemm_tm, gws, lws, &use_lws);
    if (oct_cl_fault("enqueue")) return oct_err(OCT_E_DEVICE, "OpenCL: enqueue failed (injected by OCTET_CL_FAIL)");
    cl_int e = clEnqueueNDRangeKernel(cl->queue, k, 2, NULL, gws, use_lws ? lws : NULL, 0, NULL, NULL);
    return e == CL_SUCCESS ? OCT_OK : oct_cl_fail(e, "enqueueing oct_gemm_i8");
}
