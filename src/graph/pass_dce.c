/* Dead code elimination: drop nodes none of whose outputs are used, and free
 * constants no live node uses (e.g. the original weights after BN folding). */
#include <stdlib.h>

#include "graph/passes.h"

static int used(const oct_graph *g, int v, const int *uses)
{
    return v >= 0 && (uses[v] > 0 || oct_graph_is_output(g, v));
}

int oct_pass_dce(oct_graph *g)
{
    int removed = 0, changed = 1;
    int *uses = calloc((size_t)g->n_val + 1, sizeof *uses);
    if (!uses) return 0;
    while (changed) {
        changed = 0;
        for (int v = 0; v < g->n_val; v++) uses[v] = 0;
        for (int i = 0; i < g->n_node; i++) {
            const oct_node *n = &g->node[i];
            if (n->dead) continue;
            for (int j = 0; j < n->n_in; j++)
                if (n->in[j] >= 0) uses[n->in[j]]++;
        }
        for (int i = g->n_node - 1; i >= 0; i--) {
            oct_node *n = &g->node[i];
            if (n->dead) continue;
            int any = 0;
            for (int j = 0; j < n->n_out && !any; j++) any = used(g, n->out[j], uses);
            if (!any) {
                n->dead = 1;
                removed++;
                changed = 1;
                for (int j = 0; j < n->n_in; j++)
                    if (n->in[j] >= 0) uses[n->in[j]]--;
            }
        }
    }
    for (int v = 0; v < g->n_val; v++)
        if (g->val[v].constant && !used(g, v, uses)) {
            oct_tensor_free(g->val[v].constant);
            g->val[v].constant = NULL;
        }
    free(uses);
    return removed;
}
