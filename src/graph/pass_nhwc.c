/* Channels-last layout for integer chains. After the QDQ fusion, runs of
 * QLinearConv (2-D, group 1, constant symmetric int8 weights) -> MaxPool ->
 * QLinearAdd -> QLinearGlobalAveragePool work on NHWC uint8 / int8 data:
 * the convolution's GEMM then writes its requantized output rows straight
 * into the tensor (no transposes, no scratch), and its im2col copies whole
 * C-byte pixels. Transposes are inserted only where a chain starts (from an
 * NCHW value) or ends (a consumer that needs NCHW, e.g. Flatten); they are
 * shared by all consumers of a value.
 *   QLinearConv              -> com.octet QLinearConvNhwc
 *   MaxPool (NHWC input)     -> com.octet MaxPoolNhwc
 *   QLinearAdd (both NHWC, same static shape)  unchanged, output NHWC
 *   QLinearGlobalAveragePool (NHWC input)      channels_last = 1
 * Values that are graph outputs are never NHWC. OCTET_NHWC=0 turns the pass
 * off (A/B runs, tests). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/passes.h"
#include "ops/op.h"

typedef struct lay {
    int cap;
    unsigned char *nhwc; /* per value: holds NHWC data */
    int *to_nhwc, *to_nchw; /* cached transposes (-1 none) */
} lay;

static int grow(lay *L, int n)
{
    if (n <= L->cap) return 0;
    int cap = n * 2;
    unsigned char *a = realloc(L->nhwc, (size_t)cap);
    if (!a) return -1;
    L->nhwc = a;
    int *b = realloc(L->to_nhwc, (size_t)cap * sizeof *b);
    if (!b) return -1;
    L->to_nhwc = b;
    int *c = realloc(L->to_nchw, (size_t)cap * sizeof *c);
    if (!c) return -1;
    L->to_nchw = c;
    for (int i = L->cap; i < cap; i++) {
        a[i] = 0;
        b[i] = c[i] = -1;
    }
    L->cap = cap;
    return 0;
}

static int is_op(const oct_node *n, const char *dom, const char *t)
{
    return !n->dead && !strcmp(n->domain, dom) && !strcmp(n->op_type, t);
}

static const oct_tensor *cst(const oct_graph *g, const oct_node *n, int i)
{
    return i < n->n_in && n->in[i] >= 0 ? g->val[n->in[i]].constant : NULL;
}

/* Transpose of v (perm to NHWC when nhwc, else back to NCHW), cached. */
static int transposed(oct_graph *g, lay *L, int v, int nhwc)
{
    int *cache = nhwc ? L->to_nhwc : L->to_nchw;
    if (cache[v] >= 0) return cache[v];
    char buf[512];
    snprintf(buf, sizeof buf, "%s_%s", g->val[v].name, nhwc ? "nhwc" : "nchw");
    int t = oct_graph_find_value(g, buf) < 0 ? oct_graph_add_value(g, buf) : oct_graph_new_value(g, buf);
    if (t < 0 || grow(L, g->n_val) != 0) return -1;
    int k = oct_graph_add_node(g, "Transpose", "", buf, 1, &v, 1, &t);
    static const int64_t to_nhwc[4] = {0, 2, 3, 1}, to_nchw[4] = {0, 3, 1, 2};
    if (k < 0 || oct_node_set_ints(&g->node[k], "perm", nhwc ? to_nhwc : to_nchw, 4) != OCT_OK) return -1;
    g->val[t].dtype = g->val[v].dtype;
    L->nhwc[t] = (unsigned char)nhwc;
    cache[v] = t;
    /* the transposed value's own way back is v */
    if (nhwc) L->to_nchw[t] = v;
    else L->to_nhwc[t] = v;
    return t;
}

static int convertible_conv(const oct_graph *g, const oct_node *n)
{
    if (!is_op(n, "", "QLinearConv") || n->n_in < 8 || n->n_in > 9 || n->n_out != 1) return 0;
    if (oct_attr_int(n, "group", 1) != 1 || oct_graph_is_output(g, n->out[0])) return 0;
    if (n->act.kind == OCT_ACT_LEAKYRELU) return 0;
    const oct_tensor *w = cst(g, n, 3), *wz = cst(g, n, 5);
    if (!w || w->dtype != OCT_DT_I8 || w->rank != 4) return 0;
    for (int i = 1; i <= 7; i++)
        if (i != 3 && !cst(g, n, i)) return 0;
    if (n->n_in == 9 && n->in[8] >= 0 && !cst(g, n, 8)) return 0;
    for (int64_t i = 0; i < oct_tensor_numel(wz); i++)
        if (oct_dtype_get(wz->dtype, wz->data, (size_t)i) != 0) return 0;
    const oct_tensor *xz = cst(g, n, 2);
    return xz->dtype == OCT_DT_U8 || xz->dtype == OCT_DT_I8;
}

static int same_static_4d(const oct_value *a, const oct_value *b)
{
    if (a->rank != 4 || b->rank != 4) return 0;
    for (int d = 0; d < 4; d++) {
        if (a->dims[d] >= 0 && a->dims[d] == b->dims[d]) continue;
        if (a->dims[d] < 0 && b->dims[d] < 0 && a->dim_param[d] && b->dim_param[d] &&
            !strcmp(a->dim_param[d], b->dim_param[d]))
            continue;
        return 0;
    }
    return 1;
}

static void retype(oct_node *n, const char *dom, const char *op)
{
    char *d = strdup(dom), *o = strdup(op);
    if (!d || !o) {
        free(d);
        free(o);
        return;
    }
    free(n->domain);
    free(n->op_type);
    n->domain = d;
    n->op_type = o;
    n->opset = 1;
    n->def = NULL;
}

oct_status oct_pass_nhwc(oct_graph *g, int *count)
{
    lay L = {0, NULL, NULL, NULL};
    int done = 0, n0 = g->n_node;
    oct_status st = OCT_OK;
    const char *env = getenv("OCTET_NHWC");
    if (env && !strcmp(env, "0")) {
        if (count) *count = 0;
        return OCT_OK;
    }
    if (grow(&L, g->n_val + 16) != 0 || oct_graph_set_opset(g, "com.octet", 1) != OCT_OK) {
        st = oct_err(OCT_E_NOMEM, "out of memory");
        goto out;
    }
    for (int k = 0; k < n0 && st == OCT_OK; k++) {
        oct_node *n = &g->node[k];
        if (n->dead) continue;
        if (convertible_conv(g, n)) {
            int x = n->in[0];
            if (!L.nhwc[x] && (x = transposed(g, &L, x, 1)) < 0) break;
            n = &g->node[k];
            n->in[0] = x;
            retype(n, "com.octet", "QLinearConvNhwc");
            L.nhwc[n->out[0]] = 1;
            done++;
            continue;
        }
        const int64_t *ks = NULL;
        if (is_op(n, "", "MaxPool") && n->n_in == 1 && L.nhwc[n->in[0]] && (n->n_out == 1 || n->out[1] < 0) &&
            !oct_graph_is_output(g, n->out[0]) && oct_attr_ints(n, "kernel_shape", &ks) == 2 &&
            oct_attr_int(n, "storage_order", 0) == 0) {
            retype(n, "com.octet", "MaxPoolNhwc");
            n->n_out = 1;
            L.nhwc[n->out[0]] = 1;
            done++;
            continue;
        }
        if (is_op(n, "com.microsoft", "QLinearAdd") && n->n_in == 8 && L.nhwc[n->in[0]] && L.nhwc[n->in[3]] &&
            !oct_graph_is_output(g, n->out[0])) {
            /* equal static (logical NCHW) shapes: no broadcasting across the layouts */
            if (same_static_4d(&g->val[n->in[0]], &g->val[n->in[3]])) {
                L.nhwc[n->out[0]] = 1;
                done++;
                continue;
            }
        }
        if (is_op(n, "com.microsoft", "QLinearGlobalAveragePool") && L.nhwc[n->in[0]] &&
            oct_attr_int(n, "channels_last", 0) == 0 && !oct_graph_is_output(g, n->out[0])) {
            if (oct_node_set_int(n, "channels_last", 1) != OCT_OK) {
                st = OCT_E_NOMEM;
                break;
            }
            L.nhwc[n->out[0]] = 1;
            done++;
            continue;
        }
        for (int j = 0; j < n->n_in; j++) {
            int v = g->node[k].in[j];
            if (v < 0 || !L.nhwc[v]) continue;
            int t = transposed(g, &L, v, 0);
            if (t < 0) {
                st = oct_err(OCT_E_NOMEM, "out of memory");
                break;
            }
            g->node[k].in[j] = t;
        }
    }
    if (st == OCT_OK && done) st = oct_graph_resolve_ops(g);
    if (st == OCT_OK && done) {
        oct_graph_link(g);
        st = oct_graph_toposort(g);
    }
out:
    free(L.nhwc);
    free(L.to_nhwc);
    free(L.to_nchw);
    if (count) *count = done;
    return st;
}
