/* Fuse the float subgraphs exporters write for LayerNorm and GELU into single
 * ops (domain com.octet, the kernels of ONNX LayerNormalization-17 and
 * Gelu-20, so models of any opset get them):
 *   LayerNorm: m = ReduceMean(x, last axis); d = Sub(x, m);
 *              v = ReduceMean(Pow(d, 2)); y = Add(Mul(Div(d, Sqrt(Add(v, eps))), gamma), beta)
 *   GELU:      y = Mul(Mul(x, Add(Erf(Div(x, sqrt 2)), 1)), 0.5)   (or Mul(x, 1/sqrt 2) inside)
 * Every intermediate must be used only inside the pattern and not be a graph
 * output; gamma / beta must be constants over the last axis. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "graph/passes.h"

static int is_op(const oct_node *n, const char *op) { return !n->dead && !*n->domain && !strcmp(n->op_type, op); }

/* The float scalar constant v holds (any shape with one element). */
static int scalar_of(const oct_graph *g, int v, float *out)
{
    const oct_tensor *t = v >= 0 ? g->val[v].constant : NULL;
    if (!t || t->dtype != OCT_DT_F32 || oct_tensor_numel(t) != 1) return 0;
    *out = ((const float *)t->data)[0];
    return 1;
}

static int near(float a, float b) { return fabsf(a - b) <= 1e-6f * fabsf(b); }

/* The single live consumer of v if it is op (and v is not a graph output). */
static oct_node *only_user(oct_graph *g, int v, const char *op)
{
    if (v < 0 || oct_graph_is_output(g, v)) return NULL;
    int c = oct_graph_single_consumer(g, v);
    return c >= 0 && is_op(&g->node[c], op) ? &g->node[c] : NULL;
}

/* For a binary node n with one input == v: the other input (-1 if none). */
static int other_in(const oct_node *n, int v)
{
    if (n->n_in != 2) return -1;
    if (n->in[0] == v) return n->in[1];
    if (n->in[1] == v) return n->in[0];
    return -1;
}

/* ReduceMean over the last axis only, keepdims (rank < 0: unknown, axes must be -1). */
static int mean_last_axis(const oct_graph *g, const oct_node *r, int rank)
{
    if (oct_attr_int(r, "keepdims", 1) != 1) return 0;
    const int64_t *ax = NULL;
    int na = oct_attr_ints(r, "axes", &ax);
    int64_t a;
    if (na == 1) {
        a = ax[0];
    } else if (na <= 0 && r->n_in > 1 && r->in[1] >= 0) { /* opset 18: axes as an input */
        const oct_tensor *t = g->val[r->in[1]].constant;
        if (!t || t->dtype != OCT_DT_I64 || oct_tensor_numel(t) != 1) return 0;
        a = ((const int64_t *)t->data)[0];
    } else {
        return 0;
    }
    return a == -1 || (rank >= 1 && a == rank - 1);
}

/* The D of a float constant of shape [D] or [1, ..., D] with D >= 2 (else 0). */
static int64_t vector_len(const oct_graph *g, int v)
{
    const oct_tensor *t = v >= 0 ? g->val[v].constant : NULL;
    if (!t || t->dtype != OCT_DT_F32 || t->rank < 1) return 0;
    int64_t D = t->dims[t->rank - 1];
    return D >= 2 && oct_tensor_numel(t) == D ? D : 0;
}

/* Shapes are not inferred yet when passes run: x's dtype may be unknown. */
static int maybe_float(const oct_graph *g, int v) { return g->val[v].dtype == OCT_DT_F32 || g->val[v].dtype == OCT_DT_UNDEFINED; }

static oct_status add_fused(oct_graph *g, const char *op, const char *name, int n_in, const int *in, int y,
                            int *nk)
{
    char nm[512];
    snprintf(nm, sizeof nm, "%s_fused", name);
    if (oct_graph_set_opset(g, "com.octet", 1) != OCT_OK) return oct_err(OCT_E_NOMEM, "out of memory");
    *nk = oct_graph_add_node(g, op, "com.octet", nm, n_in, in, 1, &y);
    if (*nk < 0) return oct_err(OCT_E_NOMEM, "out of memory");
    g->val[y].producer = *nk;
    return OCT_OK;
}

static oct_status fuse_layernorm(oct_graph *g, int k, int *done)
{
    oct_node *r1 = &g->node[k];
    int x = r1->in[0], rank = g->val[x].rank;
    if (!maybe_float(g, x) || !mean_last_axis(g, r1, rank)) return OCT_OK;
    oct_node *sub = only_user(g, r1->out[0], "Sub");
    if (!sub || sub->n_in != 2 || sub->in[0] != x || sub->in[1] != r1->out[0]) return OCT_OK;
    int d = sub->out[0];
    int users[3];
    if (oct_graph_is_output(g, d) || oct_graph_consumers(g, d, users, 3) != 2) return OCT_OK;
    oct_node *pw = &g->node[users[0]], *dv = &g->node[users[1]];
    if (!is_op(pw, "Pow")) {
        oct_node *t = pw;
        pw = dv;
        dv = t;
    }
    float two, eps;
    if (!is_op(pw, "Pow") || !is_op(dv, "Div") || pw->in[0] != d || !scalar_of(g, pw->in[1], &two) || two != 2.f ||
        dv->in[0] != d)
        return OCT_OK;
    oct_node *r2 = only_user(g, pw->out[0], "ReduceMean");
    if (!r2 || !mean_last_axis(g, r2, rank)) return OCT_OK;
    oct_node *ae = only_user(g, r2->out[0], "Add");
    if (!ae || !scalar_of(g, other_in(ae, r2->out[0]), &eps) || !(eps >= 0.f)) return OCT_OK;
    oct_node *sq = only_user(g, ae->out[0], "Sqrt");
    if (!sq || only_user(g, sq->out[0], "Div") != dv || dv->in[1] != sq->out[0]) return OCT_OK;
    oct_node *mul = only_user(g, dv->out[0], "Mul");
    if (!mul) return OCT_OK;
    int gamma = other_in(mul, dv->out[0]);
    oct_node *add = only_user(g, mul->out[0], "Add");
    if (!add) return OCT_OK;
    int beta = other_in(add, mul->out[0]);
    int64_t D = vector_len(g, gamma);
    if (!D || vector_len(g, beta) != D || (rank >= 1 && g->val[x].dims[rank - 1] >= 0 && g->val[x].dims[rank - 1] != D))
        return OCT_OK;
    int in[3] = {x, gamma, beta}, nk;
    int y = add->out[0];
    oct_node *dead[] = {r1, sub, pw, r2, ae, sq, dv, mul, add};
    const char *name = r1->name;
    char keep[256];
    snprintf(keep, sizeof keep, "%s", name);
    for (size_t i = 0; i < sizeof dead / sizeof *dead; i++) dead[i]->dead = 1;
    OCT_TRY(add_fused(g, "LayerNormalization", keep, 3, in, y, &nk));
    OCT_TRY(oct_node_set_int(&g->node[nk], "axis", -1));
    OCT_TRY(oct_node_set_float(&g->node[nk], "epsilon", eps));
    (*done)++;
    return OCT_OK;
}

static oct_status fuse_gelu(oct_graph *g, int k, int *done)
{
    oct_node *erf = &g->node[k];
    int u = erf->in[0];
    int pk = u >= 0 ? g->val[u].producer : -1;
    if (pk < 0 || oct_graph_is_output(g, u) || oct_graph_single_consumer(g, u) != k) return OCT_OK;
    oct_node *scale = &g->node[pk];
    float c;
    int x = -1;
    if (scale->n_in != 2) return OCT_OK;
    if (is_op(scale, "Div") && scalar_of(g, scale->in[1], &c) && near(c, 1.41421356f)) x = scale->in[0];
    if (is_op(scale, "Mul") && scalar_of(g, scale->in[1], &c) && near(c, 0.70710678f)) x = scale->in[0];
    if (is_op(scale, "Mul") && scalar_of(g, scale->in[0], &c) && near(c, 0.70710678f)) x = scale->in[1];
    if (x < 0 || !maybe_float(g, x)) return OCT_OK;
    float one, half;
    oct_node *add = only_user(g, erf->out[0], "Add");
    if (!add || !scalar_of(g, other_in(add, erf->out[0]), &one) || one != 1.f) return OCT_OK;
    oct_node *m1 = only_user(g, add->out[0], "Mul");
    if (!m1 || other_in(m1, add->out[0]) != x) return OCT_OK;
    oct_node *m2 = only_user(g, m1->out[0], "Mul");
    if (!m2 || !scalar_of(g, other_in(m2, m1->out[0]), &half) || half != 0.5f) return OCT_OK;
    int y = m2->out[0], nk;
    char keep[256];
    snprintf(keep, sizeof keep, "%s", erf->name);
    scale->dead = erf->dead = add->dead = m1->dead = m2->dead = 1;
    OCT_TRY(add_fused(g, "Gelu", keep, 1, &x, y, &nk));
    (*done)++;
    return OCT_OK;
}

oct_status oct_pass_fuse_norm(oct_graph *g, int *count)
{
    int done = 0;
    oct_graph_link(g);
    int n0 = g->n_node;
    for (int k = 0; k < n0; k++) {
        oct_node *n = &g->node[k];
        if (n->dead || *n->domain || n->n_in < 1 || n->in[0] < 0) continue;
        int before = done;
        if (!strcmp(n->op_type, "ReduceMean")) OCT_TRY(fuse_layernorm(g, k, &done));
        else if (!strcmp(n->op_type, "Erf")) OCT_TRY(fuse_gelu(g, k, &done));
        if (done != before) oct_graph_link(g);
    }
    if (count) *count = done;
    if (!done) return OCT_OK;
    OCT_TRY(oct_graph_resolve_ops(g));
    oct_graph_link(g);
    return oct_graph_toposort(g);
}
