/* Fold an inference-mode BatchNormalization into the Conv or Gemm before it:
 *   y = (x - mean) * s + bias, s = scale / sqrt(var + eps)
 * Conv:  W'[m] = W[m] * s[m];  B'[m] = (B[m] - mean[m]) * s[m] + bias[m]
 * Gemm (Y = alpha*A*op(B) + beta*C, features on dim 1): op(B)'[:,n] = alpha*op(B)[:,n]*s[n],
 *   C'[n] = (beta*C[n] - mean[n]) * s[n] + bias[n], alpha' = beta' = 1. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "graph/passes.h"

static const float *const_f32(const oct_graph *g, int v, int64_t n)
{
    if (v < 0) return NULL;
    const oct_tensor *t = g->val[v].constant;
    if (!t || t->dtype != OCT_DT_F32 || oct_tensor_numel(t) != n) return NULL;
    return t->data;
}

/* Per-channel s and t so that bn(x) = x * s + t. */
static int bn_coeffs(const oct_graph *g, const oct_node *bn, int64_t c, float **s_out, float **t_out)
{
    if (bn->n_in != 5 || bn->n_out != 1 || *bn->domain) return 0;
    if (oct_attr_int(bn, "training_mode", 0)) return 0;
    const float *sc = const_f32(g, bn->in[1], c), *bi = const_f32(g, bn->in[2], c);
    const float *mu = const_f32(g, bn->in[3], c), *var = const_f32(g, bn->in[4], c);
    if (!sc || !bi || !mu || !var) return 0;
    float eps = oct_attr_float(bn, "epsilon", 1e-5f);
    float *s = malloc((size_t)c * sizeof *s), *t = malloc((size_t)c * sizeof *t);
    if (!s || !t) {
        free(s);
        free(t);
        return 0;
    }
    for (int64_t i = 0; i < c; i++) {
        s[i] = sc[i] / sqrtf(var[i] + eps);
        t[i] = bi[i] - mu[i] * s[i];
    }
    *s_out = s;
    *t_out = t;
    return 1;
}

static int set_input(oct_node *n, int idx, int v)
{
    if (idx >= n->n_in) {
        int *in = realloc(n->in, (size_t)(idx + 1) * sizeof *in);
        if (!in) return 0;
        n->in = in;
        for (int j = n->n_in; j <= idx; j++) n->in[j] = -1;
        n->n_in = idx + 1;
    }
    n->in[idx] = v;
    return 1;
}

static int fold_conv(oct_graph *g, int ci, int bi)
{
    oct_node *conv = &g->node[ci];
    const oct_tensor *w = conv->n_in > 1 && conv->in[1] >= 0 ? g->val[conv->in[1]].constant : NULL;
    if (!w || w->dtype != OCT_DT_F32 || w->rank < 3) return 0;
    int64_t m = w->dims[0], per = oct_tensor_numel(w) / (m > 0 ? m : 1);
    const float *b = NULL;
    if (conv->n_in > 2 && conv->in[2] >= 0 && !(b = const_f32(g, conv->in[2], m))) return 0;
    float *s, *t;
    if (!bn_coeffs(g, &g->node[bi], m, &s, &t)) return 0;
    oct_tensor *nw = oct_tensor_clone(w);
    int64_t one = m;
    oct_tensor *nb = oct_tensor_new(OCT_DT_F32, 1, &one);
    int ok = 0;
    if (nw && nb) {
        float *wd = nw->data, *bd = nb->data;
        for (int64_t i = 0; i < m; i++) {
            for (int64_t k = 0; k < per; k++) wd[i * per + k] *= s[i];
            bd[i] = (b ? b[i] : 0.f) * s[i] + t[i];
        }
        int vw = oct_graph_add_constant(g, "bnfold_w", nw);
        nw = NULL;
        int vb = vw >= 0 ? oct_graph_add_constant(g, "bnfold_b", nb) : -1;
        if (vw < 0) oct_tensor_free(nb);
        nb = NULL;
        conv = &g->node[ci]; /* value array may have moved; nodes did not */
        if (vb >= 0 && set_input(conv, 1, vw) && set_input(conv, 2, vb)) ok = 1;
    }
    oct_tensor_free(nw);
    oct_tensor_free(nb);
    free(s);
    free(t);
    return ok;
}

static int fold_gemm(oct_graph *g, int gi, int bi)
{
    oct_node *gm = &g->node[gi];
    if (gm->n_in < 2 || oct_attr_int(gm, "transA", 0)) return 0;
    const oct_tensor *w = g->val[gm->in[1]].constant;
    if (!w || w->dtype != OCT_DT_F32 || w->rank != 2) return 0;
    int tb = (int)oct_attr_int(gm, "transB", 0);
    int64_t nf = tb ? w->dims[0] : w->dims[1], kd = tb ? w->dims[1] : w->dims[0];
    float alpha = oct_attr_float(gm, "alpha", 1.f), beta = oct_attr_float(gm, "beta", 1.f);
    const oct_tensor *c = gm->n_in > 2 && gm->in[2] >= 0 ? g->val[gm->in[2]].constant : NULL;
    if (gm->n_in > 2 && gm->in[2] >= 0) {
        if (!c || c->dtype != OCT_DT_F32) return 0;
        int64_t cn = oct_tensor_numel(c);
        if (!(cn == 1 || (cn == nf && c->dims[c->rank - 1] == nf))) return 0;
    }
    float *s, *t;
    if (!bn_coeffs(g, &g->node[bi], nf, &s, &t)) return 0;
    oct_tensor *nw = oct_tensor_clone(w);
    oct_tensor *nc = oct_tensor_new(OCT_DT_F32, 1, &nf);
    int ok = 0;
    if (nw && nc) {
        float *wd = nw->data, *cd = nc->data;
        for (int64_t n = 0; n < nf; n++) {
            for (int64_t k = 0; k < kd; k++) {
                float *p = tb ? &wd[n * kd + k] : &wd[k * nf + n];
                *p *= alpha * s[n];
            }
            float cv = c ? ((const float *)c->data)[oct_tensor_numel(c) == 1 ? 0 : n] : 0.f;
            cd[n] = beta * cv * s[n] + t[n];
        }
        int vw = oct_graph_add_constant(g, "bnfold_w", nw);
        nw = NULL;
        int vc = vw >= 0 ? oct_graph_add_constant(g, "bnfold_c", nc) : -1;
        if (vw < 0) oct_tensor_free(nc);
        nc = NULL;
        gm = &g->node[gi];
        if (vc >= 0 && set_input(gm, 1, vw) && set_input(gm, 2, vc) &&
            oct_node_set_float(gm, "alpha", 1.f) == OCT_OK && oct_node_set_float(gm, "beta", 1.f) == OCT_OK)
            ok = 1;
    }
    oct_tensor_free(nw);
    oct_tensor_free(nc);
    free(s);
    free(t);
    return ok;
}

oct_status oct_pass_fold_batchnorm(oct_graph *g, int *count)
{
    int c = 0;
    oct_graph_link(g);
    for (int i = 0; i < g->n_node; i++) {
        oct_node *bn = &g->node[i];
        if (bn->dead || strcmp(bn->op_type, "BatchNormalization") || bn->n_in < 1 || bn->in[0] < 0) continue;
        int x = bn->in[0];
        int p = g->val[x].producer;
        if (p < 0 || oct_graph_single_consumer(g, x) != i) continue;
        oct_node *pn = &g->node[p];
        if (pn->dead || *pn->domain || pn->act.kind != OCT_ACT_NONE || pn->n_out != 1) continue;
        int ok = 0;
        if (!strcmp(pn->op_type, "Conv")) ok = fold_conv(g, p, i);
        else if (!strcmp(pn->op_type, "Gemm")) ok = fold_gemm(g, p, i);
        if (!ok) continue;
        g->node[p].out[0] = g->node[i].out[0];
        g->node[i].dead = 1;
        oct_graph_link(g);
        c++;
    }
    if (count) *count = c;
    return OCT_OK;
}
