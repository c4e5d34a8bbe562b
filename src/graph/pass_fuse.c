/* Fuse Relu / Clip (constant bounds) / LeakyRelu into the Conv, Gemm or MatMul
 * before it: the op applies node->act in its epilogue. */
#include <float.h>
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
