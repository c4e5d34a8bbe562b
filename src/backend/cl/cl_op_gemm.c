/* octet — Gemm and MatMul on the OpenCL device: A (activations, float) times a
 * constant B (f32, or f16 in FP16 mode) uploaded once as K x N, plus a row
 * bias (Gemm's C of N values) and the node's fused activation, through
 * kernels_cl/gemm_f32.cl / gemm_f16.cl. Gemm needs transA = 0, alpha = 1 and
 * beta = 1 (else the CPU runs it); MatMul takes A of any rank >= 1 with
 * last dim K and a 2-D B. */
#include <stdlib.h>
#include <string.h>

#include "backend/cl/cl_gemm.h"
#include "backend/cl/cl_ops.h"
#include "core/dtype.h"

typedef struct gemm_dev {
    cl_mem b, bias;
    cl_kernel k;
    int K, N, f16;
} gemm_dev;

static const oct_tensor *cval(const oct_graph *g, const oct_node *n, int i)
{
    return i < n->n_in && n->in[i] >= 0 ? g->val[n->in[i]].constant : NULL;
}

static int is_gemm(const oct_node *n) { return !strcmp(n->op_type, "Gemm"); }

static int supports(const oct_node *n, const oct_graph *g, const oct_cl *cl)
{
    (void)cl;
    const oct_tensor *b = cval(g, n, 1);
    if (!b || b->rank != 2 || (b->dtype != OCT_DT_F32 && b->dtype != OCT_DT_F16)) return 0;
    if (n->in[0] < 0 || (g->val[n->in[0]].dtype != OCT_DT_F32 && g->val[n->in[0]].dtype != OCT_DT_UNDEFINED)) return 0;
    if (b->dims[0] > (1 << 30) || b->dims[1] > (1 << 30)) return 0;
    if (!is_gemm(n)) return n->n_in == 2;
    if (oct_attr_int(n, "transA", 0) || oct_attr_float(n, "alpha", 1.f) != 1.f) return 0;
    if (n->n_in < 3 || n->in[2] < 0) return 1;
    const oct_tensor *c = cval(g, n, 2);
    int64_t N = oct_attr_int(n, "transB", 0) ? b->dims[0] : b->dims[1];
    return c && c->dtype == OCT_DT_F32 && oct_attr_float(n, "beta", 1.f) == 1.f && oct_tensor_numel(c) == N &&
           (c->rank == 1 || (c->rank == 2 && c->dims[0] == 1));
}

static void release(void *state)
{
    gemm_dev *d = state;
    if (!d) return;
    if (d->b) clReleaseMemObject(d->b);
    if (d->bias) clReleaseMemObject(d->bias);
    if (d->k) clReleaseKernel(d->k);
    free(d);
}

static oct_status prepare(const oct_node *n, const oct_graph *g, oct_cl *cl, void **state)
{
    const oct_tensor *b = cval(g, n, 1), *c = is_gemm(n) ? cval(g, n, 2) : NULL;
    int tb = is_gemm(n) && oct_attr_int(n, "transB", 0);
    int K = (int)(tb ? b->dims[1] : b->dims[0]), N = (int)(tb ? b->dims[0] : b->dims[1]);
    gemm_dev *d = calloc(1, sizeof *d);
    if (!d) return oct_err(OCT_E_NOMEM, "out of memory");
    d->K = K;
    d->N = N;
    d->f16 = b->dtype == OCT_DT_F16;
    size_t es = d->f16 ? 2 : 4;
    char *kn = malloc((size_t)K * N * es);
    oct_status st = kn ? OCT_OK : oct_err(OCT_E_NOMEM, "out of memory");
    if (st == OCT_OK) { /* K x N row-major */
        for (int k = 0; k < K; k++)
            for (int j = 0; j < N; j++)
                memcpy(kn + ((size_t)k * N + j) * es, (const char *)b->data + (tb ? (size_t)j * K + k : (size_t)k * N + j) * es,
                       es);
        d->b = oct_cl_upload(cl, kn, (size_t)K * N * es, &st);
    }
    free(kn);
    if (st == OCT_OK && c) d->bias = oct_cl_upload(cl, c->data, (size_t)N * sizeof(float), &st);
    if (st == OCT_OK && !(d->k = oct_cl_kernel(cl, d->f16 ? "oct_gemm_f16" : "oct_gemm_f32"))) st = OCT_E_DEVICE;
    if (st != OCT_OK) {
        release(d);
        return st;
    }
    *state = d;
    return OCT_OK;
}

static oct_status run(oct_cl *cl, const oct_node *n, void *state, const oct_tensor *const *in, const cl_mem *in_mem,
                      oct_tensor *const *out, const cl_mem *out_mem)
{
    gemm_dev *d = state;
    const oct_tensor *a = in[0];
    if (a->rank < 1 || a->dims[a->rank - 1] != d->K)
        return oct_err(OCT_E_SHAPE, "%s: input does not match the prepared K = %d", n->op_type, d->K);
    int64_t M = oct_tensor_numel(a) / (d->K ? d->K : 1);
    if (M > (1 << 30) || oct_tensor_numel(out[0]) != M * d->N)
        return oct_err(OCT_E_SHAPE, "%s: output is not %lld x %d", n->op_type, (long long)M, d->N);
    oct_cl_gemm_f32_args ga = {(int)M, d->N, d->K, in_mem[0], d->b, out_mem[0], d->bias, d->K, d->N, d->N,
                               (int)n->act.kind, n->act.alpha, n->act.beta};
    return d->f16 ? oct_cl_gemm_f16(cl, d->k, &ga) : oct_cl_gemm_f32(cl, d->k, &ga);
}

static unsigned consumed(const oct_node *n) { return is_gemm(n) ? 0x6u : 0x2u; } /* B (and C) */

const oct_cl_op oct_cl_op_gemm = {"Gemm", "", supports, prepare, run, release, consumed};
const oct_cl_op oct_cl_op_matmul = {"MatMul", "", supports, prepare, run, release, consumed};
