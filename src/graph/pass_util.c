#include <string.h>

#include "graph/passes.h"

void oct_graph_replace_uses(oct_graph *g, int from, int to)
{
    for (int i = 0; i < g->n_node; i++) {
        oct_node *n = &g->node[i];
        if (n->dead) continue;
        for (int j = 0; j < n->n_in; j++)
            if (n->in[j] == from) n->in[j] = to;
    }
}

int oct_graph_use_count(const oct_graph *g, int v)
{
    int c = 0;
    for (int i = 0; i < g->n_node; i++) {
        const oct_node *n = &g->node[i];
        if (n->dead) continue;
        for (int j = 0; j < n->n_in; j++) c += n->in[j] == v;
    }
    return c;
}

int oct_graph_single_consumer(const oct_graph *g, int v)
{
    if (oct_graph_is_output(g, v)) return -1;
    int who = -1, c = 0;
    for (int i = 0; i < g->n_node; i++) {
        const oct_node *n = &g->node[i];
        if (n->dead) continue;
        for (int j = 0; j < n->n_in; j++)
            if (n->in[j] == v) {
                who = i;
                c++;
            }
    }
    return c == 1 ? who : -1;
}

int oct_graph_add_constant(oct_graph *g, const char *prefix, oct_tensor *t)
{
    int v = oct_graph_new_value(g, prefix);
    if (v < 0) {
        oct_tensor_free(t);
        return -1;
    }
    g->val[v].constant = t;
    g->val[v].dtype = t->dtype;
    oct_tensor_set_shape(t, t->dtype, t->rank, t->dims);
    g->val[v].rank = t->rank;
    memcpy(g->val[v].dims, t->dims, sizeof t->dims);
    return v;
}
