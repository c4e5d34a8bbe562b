/* Empirical bias correction (quant/equalize.h): from the mean input of each
 * layer over the calibration set (input_stats.c), the shift (W - Wq) E[x] per
 * output channel, added to the layer's bias. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "graph/passes.h"
#include "ops/conv_attrs.h"
#include "quant/analysis.h"
#include "quant/equalize.h"

static int is_op(const oct_node *n, const char *op)
{
    return !strcmp(n->op_type, op) && (!n->domain || !n->domain[0]);
}

/* Whether node n is a layer this pass corrects, with its static input geometry. */
static int candidate(const oct_graph *g, const oct_node *n)
{
    if (n->dead || n->n_in < 2 || n->in[0] < 0 || n->in[1] < 0) return 0;
    if (!is_op(n, "Conv") && !(is_op(n, "Gemm") && !oct_attr_int(n, "transA", 0))) return 0;
    const oct_value *x = &g->val[n->in[0]];
    const oct_tensor *w = g->val[n->in[1]].constant;
    if (x->constant || !w || w->dtype != OCT_DT_F32) return 0;
    if (is_op(n, "Gemm") && (x->rank != 2 || w->rank != 2)) return 0;
    if (is_op(n, "Conv") && (x->rank < 3 || x->rank > 5 || x->rank != w->rank)) return 0;
    for (int d = 1; d < x->rank; d++)
        if (x->dims[d] < 1) return 0;
    if (is_op(n, "Gemm") && (oct_attr_float(n, "alpha", 1) != 1 || oct_attr_float(n, "beta", 1) != 1)) return 0;
    if (n->n_in > 2 && n->in[2] >= 0) {
        const oct_tensor *b = g->val[n->in[2]].constant;
        int64_t M = is_op(n, "Conv") || oct_attr_int(n, "transB", 0) ? w->dims[0] : w->dims[1];
        if (!b || b->dtype != OCT_DT_F32 || oct_tensor_numel(b) != M) return 0;
    }
    return 1;
}

/* delta[m] = mean over output positions of conv(mean; dW) (no bias). */
static oct_status conv_shift(const oct_node *n, const oct_value *xv, const oct_tensor *w, const float *dw,
                             const double *mean, double *delta)
{
    int64_t xd[OCT_MAX_RANK];
    memcpy(xd, xv->dims, sizeof xd);
    xd[0] = 1;
    oct_tensor *xt = oct_tensor_wrap(OCT_DT_F32, xv->rank, xd, NULL);
    if (!xt) return oct_err(OCT_E_NOMEM, "out of memory");
    oct_conv_geom G;
    oct_status st = oct_conv_attrs_geom(n, xt, w, 0, &G);
    oct_tensor_free(xt);
    OCT_TRY(st);
    for (int64_t m = 0; m < G.M; m++) {
        int64_t gi = m / G.Mg;
        double acc = 0;
        for (int64_t oz = 0; oz < G.out[0]; oz++)
            for (int64_t oy = 0; oy < G.out[1]; oy++)
                for (int64_t ox = 0; ox < G.out[2]; ox++)
                    for (int64_t ci = 0; ci < G.Cg; ci++) {
                        const double *xm = mean + (gi * G.Cg + ci) * G.in_sp;
                        const float *wk = dw + (m * G.Cg + ci) * G.k_sp;
                        for (int64_t kz = 0; kz < G.k[0]; kz++) {
                            int64_t iz = oz * G.s[0] - G.pb[0] + kz * G.d[0];
                            if (iz < 0 || iz >= G.in[0]) continue;
                            for (int64_t ky = 0; ky < G.k[1]; ky++) {
                                int64_t iy = oy * G.s[1] - G.pb[1] + ky * G.d[1];
                                if (iy < 0 || iy >= G.in[1]) continue;
                                for (int64_t kx = 0; kx < G.k[2]; kx++) {
                                    int64_t ix = ox * G.s[2] - G.pb[2] + kx * G.d[2];
                                    if (ix < 0 || ix >= G.in[2]) continue;
                                    acc += (double)wk[(kz * G.k[1] + ky) * G.k[2] + kx] *
                                           xm[(iz * G.in[1] + iy) * G.in[2] + ix];
                                }
                            }
                        }
                    }
        delta[m] = G.out_sp ? acc / (double)G.out_sp : 0;
    }
    return OCT_OK;
}

/* Add delta to node n's bias (a new constant when it had none or shares it). */
static oct_status add_to_bias(oct_graph *g, int i, const double *delta, int64_t M)
{
    oct_node *n = &g->node[i];
    int bv = n->n_in > 2 ? n->in[2] : -1;
    oct_tensor *b = oct_tensor_new(OCT_DT_F32, 1, &M);
    if (!b) return oct_err(OCT_E_NOMEM, "out of memory");
    float *p = b->data;
    for (int64_t m = 0; m < M; m++)
        p[m] = (float)((bv >= 0 ? (double)((const float *)g->val[bv].constant->data)[m] : 0.0) + delta[m]);
    if (bv >= 0 && oct_graph_use_count(g, bv) == 1) {
        oct_tensor_free(g->val[bv].constant);
        g->val[bv].constant = b;
        return OCT_OK;
    }
    int nb = oct_graph_named_constant(g, n->name && *n->name ? n->name : "layer", "_bias_corrected", b);
    if (nb < 0) return oct_err(OCT_E_NOMEM, "out of memory");
    n = &g->node[i];
    if (n->n_in < 3) {
        int *in = realloc(n->in, 3 * sizeof *in);
        if (!in) return oct_err(OCT_E_NOMEM, "out of memory");
        n->in = in;
        n->in[2] = -1;
        n->n_in = 3;
    }
    n->in[2] = nb;
    return OCT_OK;
}

oct_status oct_bias_apply(oct_graph *g, const unsigned char *which, int per_channel, const oct_input_stats *m,
                          int *count)
{
    *count = 0;
    oct_status st = OCT_OK;
    for (int i = 0; i < g->n_node && st == OCT_OK; i++) {
        if ((which && !which[i]) || !candidate(g, &g->node[i])) continue;
        const oct_node *n = &g->node[i];
        int v = n->in[0];
        if (v >= m->n_val || !m->mean[v]) continue; /* not measured */
        const oct_value *xv = &g->val[v];
        const oct_tensor *w = g->val[n->in[1]].constant;
        int64_t nw = oct_tensor_numel(w);
        const double *mean = m->mean[v];
        int conv = is_op(n, "Conv"), tb = !conv && oct_attr_int(n, "transB", 0);
        int64_t M = conv || tb ? w->dims[0] : w->dims[1];
        float *dw = malloc((size_t)nw * sizeof *dw);
        double *delta = calloc((size_t)M, sizeof *delta);
        if (!dw || !delta) st = oct_err(OCT_E_NOMEM, "out of memory");
        if (st == OCT_OK) st = oct_sqnr_fake_quant(w, oct_sqnr_weight_axis(g, n, w, per_channel), dw);
        if (st == OCT_OK) {
            const float *wf = w->data;
            for (int64_t k = 0; k < nw; k++) dw[k] = wf[k] - dw[k];
            if (conv) {
                st = conv_shift(n, xv, w, dw, mean, delta);
            } else {
                int64_t K = tb ? w->dims[1] : w->dims[0];
                for (int64_t o = 0; o < M; o++)
                    for (int64_t k = 0; k < K; k++) delta[o] += (double)(tb ? dw[o * K + k] : dw[k * M + o]) * mean[k];
            }
        }
        if (st == OCT_OK) st = add_to_bias(g, i, delta, M);
        if (st == OCT_OK) (*count)++;
        free(dw);
        free(delta);
    }
    return st == OCT_OK ? OCT_OK : oct_err_ctx(st, "bias correction: ");
}
