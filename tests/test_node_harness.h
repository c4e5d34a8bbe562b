/* octet — test harness for one operator: a graph holding a single node of the op
 * (inputs/outputs unbound), with its registry entry resolved for the given opset. */
#ifndef OCT_TEST_NODE_HARNESS_H
#define OCT_TEST_NODE_HARNESS_H

#include "graph/ir.h"
#include "ops/op.h"

typedef struct {
    oct_graph *g;
    oct_node *n;
    const oct_op_def *def;
} tnode;

static tnode mk(const char *op, int opset, int n_in, int n_out)
{
    tnode t = {oct_graph_new(), NULL, NULL};
    int ins[16], outs[16];
    for (int i = 0; i < 16; i++) ins[i] = outs[i] = -1;
    int k = oct_graph_add_node(t.g, op, "", op, n_in, ins, n_out, outs);
    t.n = &t.g->node[k];
    t.n->opset = opset;
    t.def = oct_op_find(op, "", opset, NULL);
    return t;
}

static void tfree(tnode *t) { oct_graph_free(t->g); }

#endif
