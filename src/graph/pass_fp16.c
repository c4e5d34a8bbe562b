/* FP16 weights: a weight stored as an fp16 constant W_fp16 feeding
 * Cast(to=FLOAT) (the standard-ONNX form quant/fp16.h writes) is wired
 * straight into the weight slot (input 1) of Conv / Gemm / MatMul, which keep
 * it fp16 when they pack it. The Cast is marked dead once nothing else reads
 * its output; Casts of fp16 constants feeding anything else are left to
 * constant folding. Runs first, before constant folding would widen W. */
#include <string.h>

#include "graph/passes.h"

static int is_weight_slot(const oct_node *n, int slot)
{
    if (slot != 1 || (n->domain[0] && strcmp(n->domain, "ai.onnx"))) return 0;
    return !strcmp(n->op_type, "Conv") || !strcmp(n->op_type, "Gemm") || !strcmp(n->op_type, "MatMul");
}

int oct_pass_fp16_weights(oct_graph *g)
{
    int rewired = 0;
    for (int i = 0; i < g->n_node; i++) {
        oct_node *c = &g->node[i];
        if (c->dead || strcmp(c->op_type, "Cast") || (c->domain[0] && strcmp(c->domain, "ai.onnx"))) continue;
        if (c->n_in != 1 || c->n_out != 1 || c->in[0] < 0 || c->out[0] < 0) continue;
        if (oct_attr_int(c, "to", 0) != OCT_DT_F32) continue;
        const oct_tensor *w = g->val[c->in[0]].constant;
        if (!w || w->dtype != OCT_DT_F16) continue;
        const int src = c->in[0], dst = c->out[0];
        for (int k = 0; k < g->n_node; k++) {
            oct_node *n = &g->node[k];
            if (n->dead) continue;
            for (int j = 0; j < n->n_in; j++)
                if (n->in[j] == dst && is_weight_slot(n, j)) {
                    n->in[j] = src;
                    rewired++;
                }
        }
        if (!oct_graph_is_output(g, dst) && oct_graph_use_count(g, dst) == 0) g->node[i].dead = 1;
    }
    return rewired;
}
