/* Fuse Relu / Clip (constant bounds) / LeakyRelu into the Conv, Gemm or MatMul
 * before it: the op applies node->act in its epilogue. */
#include <float.h>
#include <stdlib.h>
#include <string.h>

#include "graph/passes.h"

static int scalar_const(const oct_graph *g, const oct_node *n, int idx, float def, float *out)
{
    if (idx >= n->n_in || n->in[idx] < 0) {
        *out = def;
        return 1;
    }
    const oct_tensor *t = g->val[n->in[idx]].constant;
    if (!t || t->dtype != OCT_DT_F32 || oct_tensor_numel(t) != 1) return 0;
    *out = ((const float *)t->data)[0];
    return 1;
}

static int act_of(const oct_graph *g, const oct_node *a, oct_act *act)
{
    if (*a->domain || a->n_out != 1) return 0;
    if (!strcmp(a->op_type, "Relu")) {
        act->kind = OCT_ACT_RELU;
        return 1;
    }
    if (!strcmp(a->op_type, "LeakyRelu")) {
        act->kind = OCT_ACT_LEAKYRELU;
        act->alpha = oct_attr_float(a, "alpha", 0.01f);
        return 1;
    }
    if (!strcmp(a->op_type, "Clip")) {
        act->kind = OCT_ACT_CLIP;
        if (a->opset < 11) {
            act->alpha = oct_attr_float(a, "min", -FLT_MAX);
            act->beta = oct_attr_float(a, "max", FLT_MAX);
            return 1;
        }
        return scalar_const(g, a, 1, -FLT_MAX, &act->alpha) && scalar_const(g, a, 2, FLT_MAX, &act->beta);
    }
    return 0;
}

/* Op -> Add(op_out, r) with op_out used only by the Add, r of the same shape and
 * dtype as op_out: the op takes r as its fused-sum input and produces the Add's
 * output. Shapes must be known statically (after shape inference) to compare. */
static int same_static_shape(const oct_value *a, const oct_value *b)
{
    if (a->rank < 0 || a->rank != b->rank || a->dtype != b->dtype || a->dtype == OCT_DT_UNDEFINED) return 0;
    for (int d = 0; d < a->rank; d++) {
        if (a->dims[d] >= 0 && a->dims[d] == b->dims[d]) continue;
        if (a->dims[d] < 0 && b->dims[d] < 0 && a->dim_param[d] && b->dim_param[d] &&
            !strcmp(a->dim_param[d], b->dim_param[d]))
            continue;
        return 0;
    }
    return 1;
}

int oct_pass_fuse_residual(oct_graph *g)
{
    int fused = 0;
    oct_graph_link(g);
    for (int i = 0; i < g->n_node; i++) {
        oct_node *n = &g->node[i];
        if (n->dead || !n->def || n->def->impl->fusable_sum <= 0 || n->act.kind != OCT_ACT_NONE) continue;
        int slot = n->def->impl->fusable_sum;
        if (n->n_in > slot || n->n_out != 1 || n->out[0] < 0) continue;
        int c = oct_graph_single_consumer(g, n->out[0]);
        if (c < 0) continue;
        oct_node *add = &g->node[c];
        if (strcmp(add->op_type, "Add") || *add->domain || add->n_in != 2 || add->n_out != 1) continue;
        int r = add->in[0] == n->out[0] ? add->in[1] : add->in[0];
        if (r < 0 || r == n->out[0] || !same_static_shape(&g->val[n->out[0]], &g->val[r]) ||
            !same_static_shape(&g->val[add->out[0]], &g->val[r]))
            continue;
        /* r must be available before n runs: produced earlier (or an input/constant) */
        int pr = g->val[r].producer;
        if (pr >= i) continue;
        int *in = realloc(n->in, (size_t)(slot + 1) * sizeof *in);
        if (!in) continue;
        n->in = in;
        for (int j = n->n_in; j < slot; j++) n->in[j] = -1;
        n->in[slot] = r;
        n->n_in = slot + 1;
        n->out[0] = add->out[0];
        add->dead = 1;
        fused++;
        oct_graph_link(g);
    }
    return fused;
}

int oct_pass_fuse_activation(oct_graph *g)
{
    int fused = 0;
    oct_graph_link(g);
    for (int i = 0; i < g->n_node; i++) {
        oct_node *n = &g->node[i];
        if (n->dead || !n->def || !n->def->impl->fusable_act || n->act.kind != OCT_ACT_NONE) continue;
        if (n->n_out < 1 || n->out[0] < 0) continue;
        int c = oct_graph_single_consumer(g, n->out[0]);
        if (c < 0) continue;
        oct_node *a = &g->node[c];
        if (a->in[0] != n->out[0]) continue;
        oct_act act = {OCT_ACT_NONE, 0.f, 0.f};
        if (!act_of(g, a, &act)) continue;
        n->act = act;
        n->out[0] = a->out[0];
        a->dead = 1;
        fused++;
        oct_graph_link(g);
    }
    return fused;
}
