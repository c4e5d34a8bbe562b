/* octet — float weights of Conv / Gemm / MatMul to fp16 initializers behind
 * Cast(to=FLOAT) (see quant/fp16.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/dtype.h"
#include "graph/passes.h"
#include "ops/op.h"
#include "quant/fp16.h"

#define FP16_MAX 65504.0f

static int64_t constant_bytes(const oct_graph *g)
{
    int64_t b = 0;
    for (int v = 0; v < g->n_val; v++)
        if (g->val[v].constant) b += (int64_t)oct_tensor_nbytes(g->val[v].constant);
    return b;
}

static int is_target(const oct_node *n)
{
    if (n->dead || (n->domain[0] && strcmp(n->domain, "ai.onnx"))) return 0;
    return !strcmp(n->op_type, "Conv") || !strcmp(n->op_type, "Gemm") || !strcmp(n->op_type, "MatMul");
}

/* The float constant in n's weight slot, or -1. */
static int weight_of(const oct_graph *g, const oct_node *n)
{
    if (n->n_in < 2 || n->in[1] < 0) return -1;
    const oct_tensor *w = g->val[n->in[1]].constant;
    return w && w->dtype == OCT_DT_F32 && w->data ? n->in[1] : -1;
}

static oct_status check_range(const oct_node *n, const oct_value *v)
{
    const float *w = v->constant->data;
    int64_t cnt = oct_tensor_numel(v->constant);
    for (int64_t i = 0; i < cnt; i++)
        if (isfinite(w[i]) && fabsf(w[i]) > FP16_MAX)
            return oct_err(OCT_E_INVALID,
                           "fp16: node '%s' (%s): weight '%s' holds %g (element %lld), beyond fp16's largest "
                           "finite value 65504; keep this node fp32 (an override)",
                           n->name, n->op_type, v->name, (double)w[i], (long long)i);
    return OCT_OK;
}

/* A new value named `base` + suffix (made unique if taken). */
static int new_named(oct_graph *g, const char *base, const char *suffix)
{
    char name[512];
    snprintf(name, sizeof name, "%s%s", base, suffix);
    return oct_graph_find_value(g, name) < 0 ? oct_graph_add_value(g, name) : oct_graph_new_value(g, name);
}

/* Convert weight value v for the nodes in sel (nodes [0, n_sel); their slot 1 reads v). */
static oct_status convert_one(oct_graph *g, int v, const unsigned char *sel, int n_sel)
{
    int uses = oct_graph_use_count(g, v), mine = 0;
    for (int k = 0; k < n_sel; k++) mine += sel[k] && g->node[k].in[1] == v;
    const int in_place = mine == uses && !oct_graph_is_output(g, v);

    const oct_tensor *w = g->val[v].constant;
    oct_tensor *h = oct_tensor_new(OCT_DT_F16, w->rank, w->dims);
    if (!h) return oct_err(OCT_E_NOMEM, "fp16: out of memory converting '%s'", g->val[v].name);
    oct_f32_to_f16_n(w->data, h->data, (size_t)oct_tensor_numel(w));

    char *base = strdup(g->val[v].name);
    if (!base) {
        oct_tensor_free(h);
        return oct_err(OCT_E_NOMEM, "fp16: out of memory");
    }
    int vh = new_named(g, base, "_fp16"); /* g->val may move from here on */
    int vo = vh >= 0 ? (in_place ? v : new_named(g, base, "_f32")) : -1;
    if (vo < 0) {
        oct_tensor_free(h);
        free(base);
        return oct_err_ctx(OCT_E_NOMEM, "fp16: weight '%s': ", g->val[v].name);
    }
    oct_value *hv = &g->val[vh];
    hv->constant = h;
    hv->dtype = OCT_DT_F16;
    hv->rank = h->rank;
    memcpy(hv->dims, h->dims, sizeof hv->dims);
    hv->producer = -1;
    oct_value *ov = &g->val[vo];
    const oct_tensor *src = g->val[v].constant;
    ov->dtype = OCT_DT_F32;
    ov->rank = src->rank;
    memcpy(ov->dims, src->dims, sizeof ov->dims);
    if (in_place) {
        oct_tensor_free(g->val[v].constant);
        g->val[v].constant = NULL;
    }
    char node_name[600];
    snprintf(node_name, sizeof node_name, "%s_fp16_cast", base);
    free(base);
    int cn = oct_graph_add_node(g, "Cast", "", node_name, 1, &vh, 1, &vo);
    if (cn < 0) return OCT_E_NOMEM;
    oct_node *c = &g->node[cn];
    OCT_TRY(oct_node_set_int(c, "to", OCT_DT_F32));
    c->def = oct_op_find("Cast", "", c->opset, NULL);
    g->val[vo].producer = cn;
    if (!in_place)
        for (int k = 0; k < n_sel; k++)
            if (sel[k] && g->node[k].in[1] == v) g->node[k].in[1] = vo;
    return OCT_OK;
}

oct_status oct_quant_to_fp16(oct_graph *g, int (*keep_fp32)(void *ctx, const oct_node *n), void *ctx,
                             int64_t *bytes_before, int64_t *bytes_after)
{
    if (bytes_before) *bytes_before = constant_bytes(g);
    int bn = 0;
    OCT_TRY(oct_pass_fold_batchnorm(g, &bn));
    if (bn > 0) oct_pass_dce(g);
    /* candidates first (and every range check) so an error leaves the weights as they were */
    const int n0 = g->n_node;
    unsigned char *sel = calloc((size_t)n0 + 1, 1);
    if (!sel) return oct_err(OCT_E_NOMEM, "fp16: out of memory");
    oct_status s = OCT_OK;
    for (int k = 0; k < n0 && s == OCT_OK; k++) {
        const oct_node *n = &g->node[k];
        int v;
        if (!is_target(n) || (v = weight_of(g, n)) < 0) continue;
        if (keep_fp32 && keep_fp32(ctx, n)) continue;
        s = check_range(n, &g->val[v]);
        sel[k] = 1;
    }
    /* then each distinct weight once (sel[] indexes the original nodes; new Casts go after them) */
    for (int k = 0; k < n0 && s == OCT_OK; k++) {
        if (!sel[k]) continue;
        int v = g->node[k].in[1];
        if (!g->val[v].constant || g->val[v].constant->dtype != OCT_DT_F32) continue; /* done already */
        s = convert_one(g, v, sel, n0);
    }
    free(sel);
    if (s == OCT_OK) {
        oct_graph_link(g);
        s = oct_graph_toposort(g);
    }
    if (bytes_after) *bytes_after = constant_bytes(g);
    return s;
}
