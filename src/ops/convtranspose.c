/* ConvTranspose (1-D, 2-D, 3-D), f32: groups, strides, dilations, pads,
 * output_padding, output_shape, auto_pad, optional bias, fused activation.
 * Per (image, group): col = W_g^T * X_g (one GEMM, W_g packed at prepare),
 * then col2im scatter-adds col into Y. */
#include <stdlib.h>
#include <string.h>

#include "backend/cpu/conv.h"
#include "backend/cpu/par.h"
#include "backend/cpu/sgemm.h"
#include "ops/conv_attrs.h"
#include "ops/op.h"

typedef struct convt_state {
    int64_t G, Mg, Kg;
    oct_sgemm_packed **pa; /* W_g^T per group */
} convt_state;

static oct_status convt_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    OCT_TRY(oct_op_check_arity(n, in, 2, 3, 2));
    for (int i = 0; i < n->n_in && i < 3; i++)
        if (in[i] && in[i]->dtype != OCT_DT_F32) return oct_op_bad_dtype(n, in[i]->dtype);
    oct_conv_geom g;
    OCT_TRY(oct_conv_attrs_geom(n, in[0], in[1], 1, &g));
    const oct_tensor *B = n->n_in > 2 ? in[2] : NULL;
    if (B && (B->rank != 1 || B->dims[0] != g.C))
        return oct_err(OCT_E_SHAPE, "ConvTranspose: bias must have shape [%lld]", (long long)g.C);
    int64_t od[5] = {g.N, g.C};
    for (int i = 0; i < g.nsp; i++) od[2 + i] = g.in[3 - g.nsp + i];
    return oct_out_shape(out[0], OCT_DT_F32, 2 + g.nsp, od);
}

/* Y_c[pos(p) + tap] += col[(c, tap)][p] over the group's Cg channels. */
static void col2im(const oct_conv_geom *g, const float *col, float *y)
{
    const int64_t OD = g->out[0], OH = g->out[1], OW = g->out[2];
    const int64_t ID = g->in[0], IH = g->in[1], IW = g->in[2];
    const int64_t sx = g->s[2];
    int64_t k = 0;
    for (int64_t c = 0; c < g->Cg; c++)
        for (int64_t kz = 0; kz < g->k[0]; kz++)
            for (int64_t ky = 0; ky < g->k[1]; ky++)
                for (int64_t kx = 0; kx < g->k[2]; kx++, k++) {
                    const float *cr = col + k * g->out_sp;
                    float *yc = y + c * g->in_sp;
                    int64_t off = kx * g->d[2] - g->pb[2];
                    int64_t lo = 0, hi = OW;
                    while (lo < hi && lo * sx + off < 0) lo++;
                    while (hi > lo && (hi - 1) * sx + off >= IW) hi--;
                    for (int64_t oz = 0; oz < OD; oz++) {
                        int64_t iz = oz * g->s[0] - g->pb[0] + kz * g->d[0];
                        if (iz < 0 || iz >= ID) continue;
                        for (int64_t oy = 0; oy < OH; oy++) {
                            int64_t iy = oy * g->s[1] - g->pb[1] + ky * g->d[1];
                            if (iy < 0 || iy >= IH) continue;
                            float *yr = yc + (iz * IH + iy) * IW + off;
                            const float *xr = cr + (oz * OH + oy) * OW;
                            if (sx == 1)
                                for (int64_t ox = lo; ox < hi; ox++) yr[ox] += xr[ox];
                            else
                                for (int64_t ox = lo; ox < hi; ox++) yr[ox * sx] += xr[ox];
                        }
                    }
                }
}

typedef struct convt_ctx {
    const oct_conv_geom *g;
    const float *x, *w, *bias;
    float *y;
    const convt_state *st;
    const oct_act *act;
    oct_status status;
} convt_ctx;

static oct_status convt_task(const convt_ctx *c, int64_t n, int64_t gi, oct_pool *pool)
{
    const oct_conv_geom *g = c->g;
    float *y = c->y + (n * g->C + gi * g->Cg) * g->in_sp;
    for (int64_t ch = 0; ch < g->Cg; ch++) {
        float b = c->bias ? c->bias[gi * g->Cg + ch] : 0.f;
        for (int64_t i = 0; i < g->in_sp; i++) y[ch * g->in_sp + i] = b;
    }
    float *col = malloc((size_t)(g->Kg * g->out_sp) * sizeof(float));
    if (!col) return oct_err(OCT_E_NOMEM, "ConvTranspose: out of memory");
    oct_sgemm_args a;
    oct_sgemm_args_init(&a);
    a.M = g->Kg;
    a.N = g->out_sp;
    a.K = g->Mg;
    if (c->st) {
        a.pa = c->st->pa[gi];
    } else {
        a.A = c->w + gi * g->Mg * g->Kg;
        a.lda = g->Kg;
        a.transA = 1;
    }
    a.B = c->x + (n * g->M + gi * g->Mg) * g->out_sp;
    a.ldb = g->out_sp;
    a.C = col;
    a.ldc = g->out_sp;
    oct_status s = oct_sgemm_run(&a, pool);
    if (s == OCT_OK) col2im(g, col, y);
    free(col);
    if (s == OCT_OK && c->act->kind != OCT_ACT_NONE) oct_act_apply(c->act, y, g->Cg * g->in_sp);
    return s;
}

static void convt_unit(void *ctx, int64_t t)
{
    convt_ctx *c = ctx;
    oct_status s = convt_task(c, t / c->g->G, t % c->g->G, NULL);
    if (s != OCT_OK) c->status = s;
}

static oct_status convt_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                                const oct_exec *ex)
{
    oct_conv_geom g;
    OCT_TRY(oct_conv_attrs_geom(n, in[0], in[1], 1, &g));
    oct_pool *pool = ex ? ex->pool : NULL;
    const oct_tensor *B = n->n_in > 2 ? in[2] : NULL;
    convt_ctx c = {&g, in[0]->data, in[1]->data, B ? B->data : NULL, out[0]->data, NULL, &n->act, OCT_OK};
    if (g.N == 0 || g.C == 0 || g.in_sp == 0) return OCT_OK;
    const convt_state *st = n->state;
    if (st && st->G == g.G && st->Mg == g.Mg && st->Kg == g.Kg) c.st = st;
    int64_t tasks = g.N * g.G;
    if (tasks >= oct_pool_size(pool) && oct_pool_size(pool) > 1) {
        oct_par_units(pool, tasks, convt_unit, &c);
        return c.status;
    }
    for (int64_t t = 0; t < tasks; t++) OCT_TRY(convt_task(&c, t / g.G, t % g.G, pool));
    return OCT_OK;
}

static void convt_release(oct_node *n)
{
    convt_state *st = n->state;
    if (!st) return;
    for (int64_t i = 0; i < st->G; i++) oct_sgemm_packed_free(st->pa[i]);
    free(st->pa);
    free(st);
    n->state = NULL;
}

static oct_status convt_prepare(oct_node *n, const oct_graph *gr)
{
    if (n->n_in < 2 || n->in[1] < 0) return OCT_OK;
    const oct_tensor *W = gr->val[n->in[1]].constant;
    if (!W || W->dtype != OCT_DT_F32 || W->rank < 3 || W->rank > 5 || !W->data) return OCT_OK;
    int64_t G = oct_attr_int(n, "group", 1);
    if (G < 1 || W->dims[0] % G != 0) return OCT_OK; /* infer reports it */
    int64_t Mg = W->dims[0] / G, Kg = 1;
    for (int i = 1; i < W->rank; i++) Kg *= W->dims[i];
    if (Mg == 0 || Kg == 0) return OCT_OK;
    convt_state *st = calloc(1, sizeof *st);
    if (!st) return oct_err(OCT_E_NOMEM, "ConvTranspose: out of memory");
    st->G = G;
    st->Mg = Mg;
    st->Kg = Kg;
    st->pa = calloc((size_t)G, sizeof *st->pa);
    n->state = st;
    if (!st->pa) {
        convt_release(n);
        return oct_err(OCT_E_NOMEM, "ConvTranspose: out of memory");
    }
    const float *w = W->data;
    for (int64_t i = 0; i < G; i++) {
        st->pa[i] = oct_sgemm_pack_a(1, Kg, Mg, w + i * Mg * Kg, Kg);
        if (!st->pa[i]) {
            convt_release(n);
            return OCT_E_NOMEM;
        }
    }
    return OCT_OK;
}

const oct_op_impl oct_op_ConvTranspose = {
    .infer = convt_infer,
    .compute = convt_compute,
    .prepare = convt_prepare,
    .release = convt_release,
    .fusable_act = 1,
};
