/* com.octet DynQMatMul: dynamic-int8 MatMul / Gemm in one op, made by the QDQ
 * fusion (graph/pass_qdq.c) from the chain onnxruntime's quantize_dynamic and
 * octet's dynamic mode write:
 *   DynamicQuantizeLinear(x) -> MatMulInteger(x_q, W_q, x_zp) -> Cast(float)
 *     -> Mul(x_scale * w_scale) [-> Add(bias)] [-> Relu / Clip / LeakyRelu]
 * Inputs: x (float, [..., K]), W_q (int8 constant [K, N]), w_scale (float
 * constant, 1 or N values), bias (optional float constant, N values); the
 * activation is node->act. Per run: x's range (with 0) gives the uint8 scale
 * and zero point exactly as DynamicQuantizeLinear; x is quantized (round half
 * to even) and one integer GEMM (W_q packed at load) produces
 *   y = act((float)acc * (x_scale * w_scale[n]) + bias[n])
 * in its float epilogue. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/tscratch.h"
#include "ops/quant_kernels.h"
#include "ops/quant_util.h"

typedef struct dq_state {
    int64_t K, N;
    oct_qgemm_packed *pb;
    float *ws; /* N scales */
    float *bias; /* N or NULL */
} dq_state;

static void dq_release(oct_node *n)
{
    dq_state *s = n->state;
    if (s) {
        oct_qgemm_packed_free(s->pb);
        free(s->ws);
        free(s->bias);
        free(s);
    }
    n->state = NULL;
}

static const oct_tensor *cval(const oct_graph *g, const oct_node *n, int i)
{
    return i < n->n_in && n->in[i] >= 0 ? g->val[n->in[i]].constant : NULL;
}

static oct_status dq_prepare(oct_node *n, const oct_graph *g)
{
    const oct_tensor *w = cval(g, n, 1), *ws = cval(g, n, 2), *b = cval(g, n, 3);
    if (!w || w->dtype != OCT_DT_I8 || w->rank != 2 || !ws || ws->dtype != OCT_DT_F32)
        return oct_err(OCT_E_INVALID, "%s: constant int8 [K, N] weights and float scales required", n->op_type);
    int64_t K = w->dims[0], N = w->dims[1], nws = oct_tensor_numel(ws);
    if (nws != 1 && nws != N) return oct_err(OCT_E_SHAPE, "%s: w_scale must have 1 or %lld values", n->op_type, (long long)N);
    if (n->n_in > 3 && n->in[3] >= 0 && (!b || b->dtype != OCT_DT_F32 || oct_tensor_numel(b) != N))
        return oct_err(OCT_E_SHAPE, "%s: bias must be %lld float constants", n->op_type, (long long)N);
    dq_state *s = calloc(1, sizeof *s);
    if (!s) return oct_err(OCT_E_NOMEM, "%s: out of memory", n->op_type);
    n->state = s;
    s->K = K;
    s->N = N;
    s->ws = malloc((size_t)N * sizeof *s->ws);
    s->bias = b ? malloc((size_t)N * sizeof *s->bias) : NULL;
    s->pb = oct_qgemm_pack_b(OCT_QGEMM_AUTO, 0, K, N, w->data, N);
    if (!s->ws || (b && !s->bias) || !s->pb) {
        dq_release(n);
        return oct_err(OCT_E_NOMEM, "%s: out of memory", n->op_type);
    }
    for (int64_t i = 0; i < N; i++) s->ws[i] = ((const float *)ws->data)[nws == 1 ? 0 : i];
    if (b) memcpy(s->bias, b->data, (size_t)N * sizeof *s->bias);
    return OCT_OK;
}

static oct_status dq_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    OCT_TRY(oct_op_check_arity(n, in, 3, 4, 3));
    const oct_tensor *x = in[0], *w = in[1];
    if (x->dtype != OCT_DT_F32) return oct_op_bad_dtype(n, x->dtype);
    if (x->rank < 1 || w->rank != 2 || x->dims[x->rank - 1] != w->dims[0])
        return oct_err(OCT_E_SHAPE, "%s: x [..., %lld] does not match W [%lld, %lld]", n->op_type,
                       (long long)(x->rank ? x->dims[x->rank - 1] : 0), (long long)w->dims[0], (long long)w->dims[1]);
    if (n->act.kind != OCT_ACT_NONE && n->act.kind != OCT_ACT_RELU && n->act.kind != OCT_ACT_CLIP &&
        n->act.kind != OCT_ACT_LEAKYRELU)
        return oct_err(OCT_E_UNSUPPORTED, "%s: activation not supported", n->op_type);
    int64_t d[OCT_MAX_RANK];
    memcpy(d, x->dims, sizeof d);
    d[x->rank - 1] = w->dims[1];
    return oct_out_shape(out[0], OCT_DT_F32, x->rank, d);
}

/* The quantized activations, per calling thread (no allocation per run). */
static oct_tscratch xq_ws = OCT_TSCRATCH_INIT;

/* Range and quantization of x split over the pool (the range starts at
 * [0, 0]: DynamicQuantizeLinear's range includes 0; NaNs are skipped by the
 * kernel in every chunk alike). */
#define DQ_MAX_CHUNKS 64
#define DQ_GRAIN 8192

typedef struct dq_par {
    const float *x;
    uint8_t *xq;
    float lo[DQ_MAX_CHUNKS], hi[DQ_MAX_CHUNKS];
    float scale;
    int32_t zp;
} dq_par;

static void range_task(void *ctx, int64_t b, int64_t e, int tid)
{
    dq_par *p = ctx;
    if (tid >= DQ_MAX_CHUNKS) tid = DQ_MAX_CHUNKS - 1; /* cannot happen: one chunk per thread */
    oct_quant_kernels_get()->minmax(p->x + b, e - b, &p->lo[tid], &p->hi[tid]);
}

static void quant_task(void *ctx, int64_t b, int64_t e, int tid)
{
    (void)tid;
    dq_par *p = ctx;
    oct_quant_kernels_get()->quantize(p->x + b, e - b, p->scale, (float)(0 - p->zp), (float)(255 - p->zp), p->zp, 0,
                                      p->xq + b);
}

static oct_status dq_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                             const oct_exec *ex)
{
    const dq_state *s = n->state;
    const oct_tensor *x = in[0];
    if (!s || x->dims[x->rank - 1] != s->K) return oct_err(OCT_E_INVALID, "%s: not prepared", n->op_type);
    int64_t numel = oct_tensor_numel(x), M = s->K ? numel / s->K : 0;
    if (M == 0) return OCT_OK;
    const float *xf = x->data;
    /* exactly DynamicQuantizeLinear (dynamic_quantize_linear.c): range with 0, scale, zero point */
    oct_pool *pool = ex ? ex->pool : NULL;
    dq_par par;
    memset(&par, 0, sizeof par);
    par.x = xf;
    if (oct_pool_size(pool) > DQ_MAX_CHUNKS) pool = NULL;
    oct_pool_for(pool, numel, DQ_GRAIN, range_task, &par);
    float lo = 0.f, hi = 0.f;
    for (int i = 0; i < DQ_MAX_CHUNKS; i++) {
        lo = par.lo[i] < lo ? par.lo[i] : lo;
        hi = par.hi[i] > hi ? par.hi[i] : hi;
    }
    float scale = hi == lo ? 1.f : (hi - lo) / 255.f;
    int32_t zp = oct_quant_rne(0.f - lo / scale, 0.f, 255.f);
    uint8_t *xq = oct_tscratch_get(&xq_ws, (size_t)numel);
    if (!xq) return oct_err(OCT_E_NOMEM, "%s: out of memory", n->op_type);
    par.xq = xq;
    par.scale = scale;
    par.zp = zp;
    oct_pool_for(pool, numel, DQ_GRAIN, quant_task, &par);
    oct_qgemm_args a;
    oct_qgemm_args_init(&a, OCT_QGEMM_OUT_F32);
    a.M = M;
    a.N = s->N;
    a.K = s->K;
    a.A = xq;
    a.lda = s->K;
    a.za = zp;
    a.pb = s->pb;
    a.C = out[0]->data;
    a.ldc = s->N;
    a.per_channel = 1;
    a.a_scale = scale;
    a.w_scale = s->ws;
    a.f_bias = s->bias;
    if (n->act.kind == OCT_ACT_RELU || n->act.kind == OCT_ACT_CLIP) {
        a.clamp = 1;
        a.f_lo = n->act.kind == OCT_ACT_RELU ? 0.f : n->act.alpha;
        a.f_hi = n->act.kind == OCT_ACT_RELU ? INFINITY : n->act.beta;
    }
    oct_status st = oct_qgemm_run(&a, ex ? ex->pool : NULL); /* the whole pool, even past 64 threads */
    if (st == OCT_OK && n->act.kind == OCT_ACT_LEAKYRELU) oct_act_apply(&n->act, out[0]->data, M * s->N);
    return st;
}

const oct_op_impl oct_op_DynQMatMul = {
    .infer = dq_infer,
    .compute = dq_compute,
    .prepare = dq_prepare,
    .release = dq_release,
};
