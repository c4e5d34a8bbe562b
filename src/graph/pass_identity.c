/* Remove Identity nodes and inference-mode Dropout (when its mask is unused). */
#include <string.h>

#include "graph/passes.h"

static int is_input(const oct_graph *g, int v)
{
    for (int i = 0; i < g->n_in; i++)
        if (g->in[i] == v) return 1;
    return 0;
}

int oct_pass_remove_identity(oct_graph *g)
{
    int removed = 0;
    for (int i = 0; i < g->n_node; i++) {
        oct_node *n = &g->node[i];
        if (n->dead || n->n_in < 1 || n->in[0] < 0 || n->n_out < 1 || n->out[0] < 0) continue;
        int is_id = !strcmp(n->op_type, "Identity");
        if (!strcmp(n->op_type, "Dropout")) {
            int mask_used = n->n_out > 1 && n->out[1] >= 0 &&
                            (oct_graph_use_count(g, n->out[1]) || oct_graph_is_output(g, n->out[1]));
            /* opset 12+: training_mode input must be absent or a constant false */
            int training = 0;
            if (n->n_in > 2 && n->in[2] >= 0) {
                const oct_tensor *t = g->val[n->in[2]].constant;
                training = !t || !t->data || ((const unsigned char *)t->data)[0];
            }
            is_id = !mask_used && !training;
        }
        if (!is_id || *n->domain) continue;
        int x = n->in[0], y = n->out[0];
        if (!oct_graph_is_output(g, y)) {
            oct_graph_replace_uses(g, y, x);
        } else {
            int prod = g->val[x].producer;
            if (prod < 0 || oct_graph_is_output(g, x) || is_input(g, x) || g->val[x].constant) continue;
            oct_node *pn = &g->node[prod];
            for (int j = 0; j < pn->n_out; j++)
                if (pn->out[j] == x) pn->out[j] = y;
            oct_graph_replace_uses(g, x, y);
        }
        n->dead = 1;
        removed++;
        oct_graph_link(g);
    }
    return removed;
}
