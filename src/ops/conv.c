/* Conv (1-D, 2-D, 3-D), f32 (weights f32, or f16 in FP16 mode): groups,
 * dilations, strides, pads, auto_pad, kernel_shape from W, optional bias,
 * fused activation, fused residual sum (input 3, made by the residual-fusion
 * pass: y = act(conv + bias + r)).
 *   depthwise (group == C == M): row kernels (backend/cpu/conv_dw*.c)
 *   otherwise one GEMM per (image, group), see oct_conv_algo in
 *   backend/cpu/conv.h (2-D on AVX-512: the direct flat product reading the
 *   padded, stride-split image; else 1x1 direct, flat / bounds-checked im2col
 *   written straight into packed panels, or the transposed product)
 * prepare() packs constant weights per group in the form the algorithm for
 * the model's input shape wants. fp16 weights (a constant the FP16 pass wired
 * in, graph/pass_fp16.c) stay fp16 when packed (sgemm / direct-conv fp16
 * operands, widened on the fly); depthwise weights (C x k_sp, tiny next to
 * the N x C x H x W x k_sp multiply-adds) and weights that were not packed
 * for the run's shape are widened per call. Results equal running the
 * widened weights through the fp32 path bit for bit. Work is split over
 * (image, group) pairs when there are enough (each thread keeps the same
 * images from layer to layer, oct_conv_par_units), else inside each pair. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "backend/cpu/conv.h"
#include "backend/cpu/f16cvt.h"
#include "backend/cpu/par.h"
#include "backend/cpu/sgemm.h"
#include "core/cpu.h"
#include "ops/conv_attrs.h"
#include "ops/op.h"

/* How prepare() packed the weights. */
enum { PACK_A = 0, PACK_NT = 1, PACK_DFLAT = 2 };

typedef struct conv_state {
    int64_t G, Mg, Kg;
    int kind;                  /* PACK_*: W_g as A, W_g^T as B (OCT_CONV_NT), or dfw */
    oct_sgemm_packed **packed; /* PACK_A / PACK_NT: one per group (fp16 for fp16 weights) */
    float *dfw;                /* PACK_DFLAT: oct_conv_dflat_pack_w */
    uint16_t *dfw_h;           /* PACK_DFLAT of fp16 weights: oct_conv_dflat_pack_w_f16 */
    size_t bytes;              /* held by the above */
} conv_state;

static int pack_kind(oct_conv_algo a) { return a == OCT_CONV_NT ? PACK_NT : a == OCT_CONV_DFLAT ? PACK_DFLAT : PACK_A; }

static int is_depthwise(const oct_conv_geom *g) { return g->G == g->C && g->G == g->M && g->Cg == 1; }

static oct_status conv_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    OCT_TRY(oct_op_check_arity(n, in, 2, 4, 2));
    for (int i = 0; i < n->n_in && i < 4; i++)
        if (in[i] && in[i]->dtype != OCT_DT_F32 && !(i == 1 && in[i]->dtype == OCT_DT_F16))
            return oct_op_bad_dtype(n, in[i]->dtype);
    oct_conv_geom g;
    OCT_TRY(oct_conv_attrs_geom(n, in[0], in[1], 0, &g));
    const oct_tensor *B = n->n_in > 2 ? in[2] : NULL;
    if (B && (B->rank != 1 || B->dims[0] != g.M))
        return oct_err(OCT_E_SHAPE, "Conv: bias must have shape [%lld]", (long long)g.M);
    int64_t od[5] = {g.N, g.M};
    for (int i = 0; i < g.nsp; i++) od[2 + i] = g.out[3 - g.nsp + i];
    const oct_tensor *R = n->n_in > 3 ? in[3] : NULL;
    if (R) {
        int same = R->rank == 2 + g.nsp;
        for (int i = 0; same && i < 2 + g.nsp; i++) same = R->dims[i] == od[i];
        if (!same) return oct_err(OCT_E_SHAPE, "Conv '%s': the fused sum must have the output's shape", n->name);
    }
    return oct_out_shape(out[0], OCT_DT_F32, 2 + g.nsp, od);
}

typedef struct conv_ctx {
    const oct_conv_job *job;
    const oct_conv_geom *g;
    oct_status status;
} conv_ctx;

static void conv_unit(void *ctx, int64_t t)
{
    conv_ctx *c = ctx;
    oct_status s = oct_conv_job_task(c->job, t / c->g->G, t % c->g->G, NULL);
    if (s != OCT_OK) c->status = s;
}

typedef struct dw_ctx {
    const oct_conv_geom *g;
    const float *x, *w, *bias;
    float *y;
    const oct_act *act;
    const float *res;
} dw_ctx;

static void dw_unit(void *ctx, int64_t t)
{
    dw_ctx *c = ctx;
    const oct_conv_geom *g = c->g;
    int64_t ch = t % g->C;
    static const oct_act none = {OCT_ACT_NONE, 0.f, 0.f};
    float *y = c->y + t * g->out_sp;
    oct_conv_dw_channel(g, c->x + t * g->in_sp, c->w + ch * g->k_sp, c->bias ? c->bias[ch] : 0.f,
                        c->res ? &none : c->act, y);
    if (c->res) oct_conv_add_res_act(y, c->res + t * g->out_sp, g->out_sp, c->act);
}

static oct_status conv_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                               const oct_exec *ex)
{
    oct_conv_geom g;
    OCT_TRY(oct_conv_attrs_geom(n, in[0], in[1], 0, &g));
    oct_pool *pool = ex ? ex->pool : NULL;
    const oct_tensor *B = n->n_in > 2 ? in[2] : NULL;
    const oct_tensor *R = n->n_in > 3 ? in[3] : NULL;
    if (g.N == 0 || g.M == 0 || g.out_sp == 0) return OCT_OK;
    const conv_state *st = n->state;
    const int half = in[1]->dtype == OCT_DT_F16;
    float *wide = NULL; /* fp16 weights widened for this call */
    if (is_depthwise(&g)) {
        const float *w = in[1]->data;
        if (half && !(w = wide = oct_f16cvt_widen_alloc(in[1]->data, oct_tensor_numel(in[1]), "Conv")))
            return OCT_E_NOMEM;
        dw_ctx d = {&g, in[0]->data, w, B ? B->data : NULL, out[0]->data, &n->act, R ? R->data : NULL};
        oct_par_units(pool, g.N * g.C, dw_unit, &d);
        free(wide);
        return OCT_OK;
    }
    oct_conv_job job;
    memset(&job, 0, sizeof job);
    job.g = &g;
    job.lvl = oct_cpu_level_get();
    job.algo = oct_conv_choose(&g, job.lvl);
    job.x = in[0]->data;
    job.w = half ? NULL : in[1]->data;
    job.bias = B ? B->data : NULL;
    job.y = out[0]->data;
    job.act = n->act;
    job.res = R ? R->data : NULL;
    if (st && st->G == g.G && st->Mg == g.Mg && st->Kg == g.Kg && st->kind == pack_kind(job.algo)) {
        job.packed = st->packed;
        job.dfw = st->dfw;
        job.dfw_h = st->dfw_h;
    }
    if (half && !job.packed && !job.dfw_h) {
        if (!(wide = oct_f16cvt_widen_alloc(in[1]->data, oct_tensor_numel(in[1]), "Conv"))) return OCT_E_NOMEM;
        job.w = wide;
    }
    oct_status ps = oct_conv_job_prepare(&job);
    if (ps != OCT_OK) {
        free(wide);
        return ps;
    }
    conv_ctx c = {&job, &g, OCT_OK};
    int64_t tasks = g.N * g.G;
    const int T = oct_pool_size(pool);
    /* batch order alternates from call to call (see oct_conv_par_units) */
    static atomic_uint calls;
    int rev = (int)(atomic_fetch_add(&calls, 1u) & 1u);
    /* whole (image, group) pairs per thread when they balance; else each pair
     * over the pool (the direct flat product splits its items, the GEMMs
     * their panels) */
    int per_pair = T > 1 && tasks >= T;
    oct_pool *inner = pool;
    if (job.algo == OCT_CONV_DFLAT) {
        per_pair = T > 1 && (tasks % T == 0 || tasks >= 4 * T);
        /* below a few million multiply-adds a pair is done before the pool
         * would have handed out its items */
        if ((double)g.Mg * (double)g.Kg * (double)g.out_sp < 4e6) inner = NULL;
    }
    if (per_pair) {
        oct_conv_par_units(pool, tasks, rev, conv_unit, &c);
    } else {
        for (int64_t t = 0; t < tasks && c.status == OCT_OK; t++)
            c.status = job.algo == OCT_CONV_DFLAT && inner ? oct_conv_dflat_image_avx512(&job, t / g.G, t % g.G, inner)
                                                            : oct_conv_job_task(&job, t / g.G, t % g.G, pool);
    }
    oct_conv_job_release(&job);
    free(wide);
    return c.status;
}

static void conv_release(oct_node *n)
{
    conv_state *st = n->state;
    if (!st) return;
    if (st->packed)
        for (int64_t i = 0; i < st->G; i++) oct_sgemm_packed_free(st->packed[i]);
    free(st->packed);
    free(st->dfw);
    free(st->dfw_h);
    free(st);
    n->state = NULL;
}

static oct_status conv_prepare(oct_node *n, const oct_graph *gr)
{
    if (n->n_in < 2 || n->in[1] < 0 || n->in[0] < 0) return OCT_OK;
    const oct_tensor *W = gr->val[n->in[1]].constant;
    if (!W || (W->dtype != OCT_DT_F32 && W->dtype != OCT_DT_F16) || W->rank < 3 || W->rank > 5 || !W->data)
        return OCT_OK;
    const int half = W->dtype == OCT_DT_F16;
    /* the input's declared shape (batch may be symbolic: 1 is as good) picks
     * the algorithm; unknown spatial dims: pack for W_g * im2col */
    const oct_value *xv = &gr->val[n->in[0]];
    oct_tensor xs;
    memset(&xs, 0, sizeof xs);
    xs.dtype = OCT_DT_F32;
    xs.rank = W->rank;
    xs.dims[0] = 1;
    xs.dims[1] = W->dims[1] * oct_attr_int(n, "group", 1);
    int known = xv->rank == W->rank;
    for (int i = 2; i < W->rank; i++) {
        xs.dims[i] = known ? xv->dims[i] : -1;
        if (xs.dims[i] <= 0) known = 0;
    }
    oct_conv_geom g;
    if (!known) {
        for (int i = 2; i < W->rank; i++) xs.dims[i] = 4096; /* any size that fits */
    }
    if (oct_conv_attrs_geom(n, &xs, W, 0, &g) != OCT_OK) {
        oct_err_clear();
        return OCT_OK; /* infer reports it */
    }
    if (is_depthwise(&g) || g.Mg == 0 || g.Kg == 0) return OCT_OK; /* depthwise uses W as is */
    int kind = known ? pack_kind(oct_conv_choose(&g, oct_cpu_level_get())) : PACK_A;
    conv_state *st = calloc(1, sizeof *st);
    if (!st) return oct_err(OCT_E_NOMEM, "Conv: out of memory");
    st->G = g.G;
    st->Mg = g.Mg;
    st->Kg = g.Kg;
    st->kind = kind;
    n->state = st;
    const float *w = W->data;
    const uint16_t *wh = W->data;
    if (kind == PACK_DFLAT) {
        int64_t nw = oct_conv_dflat_w_floats(&g);
        size_t esz = half ? sizeof(uint16_t) : sizeof(float);
        void *p = malloc((size_t)nw * esz);
        if (!p) {
            conv_release(n);
            return oct_err(OCT_E_NOMEM, "Conv: out of memory");
        }
        if (half) oct_conv_dflat_pack_w_f16(&g, wh, st->dfw_h = p);
        else oct_conv_dflat_pack_w(&g, w, st->dfw = p);
        st->bytes = (size_t)nw * esz;
        return OCT_OK;
    }
    int nt = kind == PACK_NT;
    st->packed = calloc((size_t)g.G, sizeof *st->packed);
    if (!st->packed) {
        conv_release(n);
        return oct_err(OCT_E_NOMEM, "Conv: out of memory");
    }
    for (int64_t i = 0; i < g.G; i++) {
        const int64_t off = i * g.Mg * g.Kg;
        if (half)
            st->packed[i] = nt ? oct_sgemm_pack_b_f16(1, g.Kg, g.Mg, wh + off, g.Kg)
                               : oct_sgemm_pack_a_f16(0, g.Mg, g.Kg, wh + off, g.Kg);
        else
            st->packed[i] = nt ? oct_sgemm_pack_b(1, g.Kg, g.Mg, w + off, g.Kg)
                               : oct_sgemm_pack_a(0, g.Mg, g.Kg, w + off, g.Kg);
        if (!st->packed[i]) {
            conv_release(n);
            return OCT_E_NOMEM;
        }
        st->bytes += oct_sgemm_packed_bytes(st->packed[i]);
    }
    return OCT_OK;
}

static size_t conv_state_bytes(const oct_node *n)
{
    const conv_state *st = n->state;
    return st ? st->bytes + (st->packed ? (size_t)st->G * sizeof *st->packed : 0) : 0;
}

const oct_op_impl oct_op_Conv = {
    .infer = conv_infer,
    .compute = conv_compute,
    .prepare = conv_prepare,
    .release = conv_release,
    .state_bytes = conv_state_bytes,
    .fusable_act = 1,
    .fusable_sum = 3,
};
