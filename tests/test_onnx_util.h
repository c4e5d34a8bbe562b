/* octet — helpers shared by the ONNX importer tests: where ONNX's test data lives,
 * and the structural checks every imported graph must pass. */
#ifndef OCT_TEST_ONNX_UTIL_H
#define OCT_TEST_ONNX_UTIL_H

#include <stdlib.h>
#include <sys/stat.h>

#include "graph/ir.h"
#include "test_util.h"

#define DATA "/usr/share/libonnx-testdata/data"

static inline int have_data(void)
{
    struct stat st;
    return stat(DATA "/node", &st) == 0;
}




/* Structural checks every imported graph must pass. */
static inline void check_invariants(const oct_graph *g)
{
    char *ready = calloc((size_t)g->n_val + 1, 1);
    for (int i = 0; i < g->n_in; i++) {
        CHECK(g->in[i] >= 0 && g->in[i] < g->n_val);
        CHECK(!g->val[g->in[i]].constant);
        ready[g->in[i]] = 1;
    }
    for (int i = 0; i < g->n_val; i++) {
        const oct_value *v = &g->val[i];
        CHECK(v->name != NULL);
        CHECK(v->rank >= -1 && v->rank <= OCT_MAX_RANK);
        if (v->constant) {
            ready[i] = 1;
            CHECK(v->constant->data != NULL);
            CHECK(v->dtype == v->constant->dtype && v->rank == v->constant->rank);
        }
    }
    for (int i = 0; i < g->n_node; i++) {
        const oct_node *n = &g->node[i];
        CHECK(n->name && n->name[0] && n->op_type && n->op_type[0] && n->domain);
        for (int j = 0; j < n->n_in; j++) {
            CHECK(n->in[j] >= -1 && n->in[j] < g->n_val);
            if (n->in[j] >= 0) CHECK_MSG(ready[n->in[j]], "node %d input %s not ready", i, g->val[n->in[j]].name);
        }
        for (int j = 0; j < n->n_out; j++) {
            CHECK(n->out[j] >= -1 && n->out[j] < g->n_val);
            if (n->out[j] >= 0) {
                ready[n->out[j]] = 1;
                CHECK(g->val[n->out[j]].producer == i);
            }
        }
        for (int j = 0; j < n->n_attr; j++) {
            const oct_attr *a = &n->attr[j];
            CHECK(a->name && a->name[0]);
            if (a->type == OCT_ATTR_TENSOR) CHECK(a->t && a->t->data);
            if (a->type == OCT_ATTR_INTS) CHECK(a->ints && a->n >= 0);
        }
    }
    for (int i = 0; i < g->n_out; i++) CHECK(g->out[i] >= 0 && g->out[i] < g->n_val && ready[g->out[i]]);
    free(ready);
}

#endif
