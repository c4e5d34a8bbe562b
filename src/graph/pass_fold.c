/* Constant folding: a node whose inputs are all constants is computed once at
 * load time and its outputs become constants. */
#include <stdlib.h>
#include <string.h>

#include "graph/passes.h"

#define MAX_IO 64
#define FOLD_LIMIT_BYTES ((size_t)64 << 20)

static oct_status fold_node(oct_graph *g, oct_node *n, const oct_exec *ex, int *folded)
{
    const oct_tensor *in[MAX_IO];
    oct_tensor hdr[MAX_IO];
    oct_tensor *out[MAX_IO];
    *folded = 0;
    if (n->n_in > MAX_IO || n->n_out > MAX_IO) return OCT_OK;
    for (int j = 0; j < n->n_in; j++) {
        int v = n->in[j];
        if (v >= 0 && !g->val[v].constant) return OCT_OK;
        in[j] = v >= 0 ? g->val[v].constant : NULL;
    }
    memset(hdr, 0, sizeof(oct_tensor) * (size_t)(n->n_out > 0 ? n->n_out : 1));
    for (int j = 0; j < n->n_out; j++) out[j] = n->out[j] >= 0 ? &hdr[j] : NULL;
    oct_status s = n->def->infer(n, in, out);
    if (s != OCT_OK) {
        /* Not foldable as is (e.g. unsupported dtype): report with context. */
        return oct_err_ctx(s, "node '%s' (%s): ", n->name, n->op_type);
    }
    size_t total = 0;
    for (int j = 0; j < n->n_out; j++) {
        if (!out[j]) continue;
        size_t nb;
        OCT_TRY(oct_shape_bytes(hdr[j].dtype, hdr[j].rank, hdr[j].dims, &nb));
        total += nb;
    }
    if (total > FOLD_LIMIT_BYTES) return OCT_OK; /* keep big generators lazy */
    oct_tensor *res[MAX_IO] = {0};
    for (int j = 0; j < n->n_out; j++) {
        if (!out[j]) continue;
        res[j] = oct_tensor_new(hdr[j].dtype, hdr[j].rank, hdr[j].dims);
        if (!res[j]) {
            s = OCT_E_NOMEM;
            goto fail;
        }
        out[j] = res[j];
    }
    s = n->def->compute(n, in, out, ex);
    if (s != OCT_OK) {
        oct_err_ctx(s, "node '%s' (%s): ", n->name, n->op_type);
        goto fail;
    }
    for (int j = 0; j < n->n_out; j++) {
        int v = n->out[j];
        if (v < 0) continue;
        oct_value *val = &g->val[v];
        val->constant = res[j];
        val->dtype = res[j]->dtype;
        val->rank = res[j]->rank;
        memcpy(val->dims, res[j]->dims, sizeof val->dims);
        val->producer = -1;
    }
    n->dead = 1;
    *folded = 1;
    return OCT_OK;
fail:
    for (int j = 0; j < n->n_out; j++) oct_tensor_free(res[j]);
    return s;
}

oct_status oct_pass_fold_constants(oct_graph *g, const oct_exec *ex, int *count)
{
    return oct_pass_fold_constants_opt(g, ex, 0, count);
}

oct_status oct_pass_fold_constants_opt(oct_graph *g, const oct_exec *ex, int keep_dq, int *count)
{
    int c = 0;
    for (int i = 0; i < g->n_node; i++) {
        oct_node *n = &g->node[i];
        if (n->dead) continue;
        if (keep_dq && !*n->domain && !strcmp(n->op_type, "DequantizeLinear")) continue;
        int f = 0;
        OCT_TRY(fold_node(g, n, ex, &f));
        c += f;
    }
    if (count) *count = c;
    return OCT_OK;
}
