/* octet — com.octet DynQMatMul (dynamic INT8 MatMul / Gemm) on the OpenCL
 * device: the activation range, its scale and zero point, the quantized
 * activations and the u8 x s8 GEMM with the float epilogue all stay on the
 * device (kernels_cl/quant.cl, gemm_i8.cl), with the CPU op's arithmetic, so
 * the outputs are the CPU's bit for bit. LeakyRelu, which the GEMM epilogue
 * does not fuse, is one more elementwise pass. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "backend/cl/cl_ops.h"
#include "backend/cl/cl_qgemm.h"

#define NPART 64 /* partial ranges */

typedef struct dynq_dev {
    oct_cl_qweights w;
    cl_mem w_scale, bias, colsum, part, params, colterm, scale_n, xq;
    size_t xq_bytes;
    cl_kernel k_minmax, k_params, k_quant, k_gemm, k_act;
    int K, N;
} dynq_dev;

static const oct_tensor *cval(const oct_graph *g, const oct_node *n, int i)
{
    return i < n->n_in && n->in[i] >= 0 ? g->val[n->in[i]].constant : NULL;
}

static int supports(const oct_node *n, const oct_graph *g, const oct_cl *cl)
{
    (void)cl;
    const oct_tensor *w = cval(g, n, 1), *ws = cval(g, n, 2), *b = cval(g, n, 3);
    if (!w || w->dtype != OCT_DT_I8 || w->rank != 2 || !ws || ws->dtype != OCT_DT_F32 || n->n_out != 1) return 0;
    int64_t N = w->dims[1], nws = oct_tensor_numel(ws);
    if (N > (1 << 20) || w->dims[0] > (1 << 20) || (nws != 1 && nws != N)) return 0;
    if (n->n_in > 3 && n->in[3] >= 0 && (!b || b->dtype != OCT_DT_F32 || oct_tensor_numel(b) != N)) return 0;
    return n->act.kind == OCT_ACT_NONE || n->act.kind == OCT_ACT_RELU || n->act.kind == OCT_ACT_CLIP ||
           n->act.kind == OCT_ACT_LEAKYRELU;
}

static void release(void *state)
{
    dynq_dev *d = state;
    if (!d) return;
    oct_cl_qweights_free(&d->w);
    cl_mem mems[] = {d->w_scale, d->bias, d->colsum, d->part, d->params, d->colterm, d->scale_n, d->xq};
    for (size_t i = 0; i < sizeof mems / sizeof *mems; i++)
        if (mems[i]) clReleaseMemObject(mems[i]);
    cl_kernel ks[] = {d->k_minmax, d->k_params, d->k_quant, d->k_gemm, d->k_act};
    for (size_t i = 0; i < sizeof ks / sizeof *ks; i++)
        if (ks[i]) clReleaseKernel(ks[i]);
    free(d);
}

static cl_mem scratch(oct_cl *cl, size_t bytes, oct_status *st)
{
    cl_int e;
    cl_mem m = clCreateBuffer(cl->ctx, CL_MEM_READ_WRITE, bytes, NULL, &e);
    if (!m || e != CL_SUCCESS) {
        *st = oct_cl_fail(e, "allocating DynQMatMul scratch");
        return NULL;
    }
    return m;
}

static oct_status prepare(const oct_node *n, const oct_graph *g, oct_cl *cl, void **state)
{
    const oct_tensor *w = cval(g, n, 1), *ws = cval(g, n, 2), *b = cval(g, n, 3);
    dynq_dev *d = calloc(1, sizeof *d);
    if (!d) return oct_err(OCT_E_NOMEM, "out of memory");
    d->K = (int)w->dims[0];
    d->N = (int)w->dims[1];
    oct_status st = oct_cl_qweights_upload(cl, w->data, d->K, d->N, 0, d->N, &d->w);
    float *wsn = malloc(sizeof(float) * (size_t)d->N);
    if (st == OCT_OK && !wsn) st = oct_err(OCT_E_NOMEM, "out of memory");
    if (st == OCT_OK) {
        int64_t nws = oct_tensor_numel(ws);
        for (int i = 0; i < d->N; i++) wsn[i] = ((const float *)ws->data)[nws == 1 ? 0 : i];
        d->w_scale = oct_cl_upload(cl, wsn, sizeof(float) * (size_t)d->N, &st);
    }
    free(wsn);
    if (st == OCT_OK) d->colsum = oct_cl_upload(cl, d->w.colsum, sizeof(int32_t) * (size_t)d->N, &st);
    if (st == OCT_OK && b) d->bias = oct_cl_upload(cl, b->data, sizeof(float) * (size_t)d->N, &st);
    if (st == OCT_OK) d->part = scratch(cl, sizeof(float) * 2 * NPART, &st);
    if (st == OCT_OK) d->params = scratch(cl, sizeof(float) * 2, &st);
    if (st == OCT_OK) d->colterm = scratch(cl, sizeof(int32_t) * (size_t)d->N, &st);
    if (st == OCT_OK) d->scale_n = scratch(cl, sizeof(float) * (size_t)d->N, &st);
    if (st == OCT_OK && (!(d->k_minmax = oct_cl_kernel(cl, "oct_minmax_partial")) ||
                         !(d->k_params = oct_cl_kernel(cl, "oct_dynq_params")) ||
                         !(d->k_quant = oct_cl_kernel(cl, "oct_quantize_dyn")) ||
                         !(d->k_gemm = oct_cl_kernel(cl, "oct_gemm_i8")) || !(d->k_act = oct_cl_kernel(cl, "oct_act_f32"))))
        st = OCT_E_DEVICE;
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
    dynq_dev *d = state;
    const oct_tensor *x = in[0];
    int64_t numel = oct_tensor_numel(x), M = d->K ? numel / d->K : 0;
    if (x->dtype != OCT_DT_F32 || x->rank < 1 || x->dims[x->rank - 1] != d->K || numel > (1 << 30))
        return oct_err(OCT_E_SHAPE, "%s: input does not match the prepared K = %d", n->op_type, d->K);
    if (M == 0) return OCT_OK;
    oct_status st = OCT_OK;
    if (d->xq_bytes < (size_t)numel) {
        if (d->xq) clReleaseMemObject(d->xq);
        d->xq_bytes = 0;
        if (!(d->xq = scratch(cl, (size_t)numel, &st))) return st;
        d->xq_bytes = (size_t)numel;
    }
    int nn = (int)numel, chunk = (int)((numel + NPART - 1) / NPART);
    OCT_TRY(oct_cl_args(d->k_minmax, "oct_minmax_partial", "miim", in_mem[0], nn, chunk, d->part));
    OCT_TRY(oct_cl_args(d->k_params, "oct_dynq_params", "mimmimmm", d->part, NPART, d->colsum, d->w_scale, d->N,
                        d->params, d->colterm, d->scale_n));
    OCT_TRY(oct_cl_args(d->k_quant, "oct_quantize_dyn", "mimm", in_mem[0], nn, d->params, d->xq));
    OCT_TRY(oct_cl_launch_1d(cl, d->k_minmax, NPART, "enqueueing oct_minmax_partial"));
    OCT_TRY(oct_cl_launch_1d(cl, d->k_params, 1, "enqueueing oct_dynq_params"));
    OCT_TRY(oct_cl_launch_1d(cl, d->k_quant, (size_t)numel, "enqueueing oct_quantize_dyn"));
    int clamp = n->act.kind == OCT_ACT_RELU || n->act.kind == OCT_ACT_CLIP;
    oct_cl_qgemm_args a = {(int)M, d->xq, d->K, 0, &d->w, d->colterm, OCT_QGEMM_OUT_F32, out_mem[0], d->N,
                           NULL, NULL, 0, 0, 255, d->scale_n, d->bias, clamp,
                           n->act.kind == OCT_ACT_RELU ? 0.f : n->act.alpha,
                           n->act.kind == OCT_ACT_RELU ? (float)INFINITY : n->act.beta, 0};
    OCT_TRY(oct_cl_qgemm(cl, d->k_gemm, &a));
    if (n->act.kind != OCT_ACT_LEAKYRELU) return OCT_OK;
    int total = (int)(M * d->N);
    OCT_TRY(oct_cl_args(d->k_act, "oct_act_f32", "immiff", total, out_mem[0], out_mem[0], (int)OCT_ACT_LEAKYRELU,
                        (double)n->act.alpha, 0.0));
    (void)out;
    return oct_cl_launch_1d(cl, d->k_act, (size_t)total, "enqueueing oct_act_f32");
}

static unsigned consumed(const oct_node *n)
{
    (void)n;
    return 0xEu; /* W, w_scale, bias */
}

const oct_cl_op oct_cl_op_dynq = {"DynQMatMul", "com.octet", supports, prepare, run, release, consumed};
