/* Which nodes of a float graph run in int8, and which tensors get quantized.
 *
 * Compute nodes (own output parameters): Conv, Gemm (alpha = beta = 1,
 * transA = 0) and MatMul (2-D B) with constant float weights, and Add of two
 * float activations. Shared nodes (output parameters = input parameters, so
 * they run on the integers unchanged): MaxPool, AveragePool,
 * GlobalAveragePool, Reshape, Flatten, Transpose, Squeeze, Unsqueeze.
 * Quantized tensors: the activation inputs of compute nodes and their outputs
 * (an Add followed only by Relu / Clip: the activation's output, so the
 * clamp fuses into the add) except graph outputs (logits stay float: a
 * quantized logit grid would turn near-ties into ties); then, through shared
 * nodes, inputs of a shared node whose output is quantized, and outputs of a
 * shared node whose input is quantized. */
#include <stdlib.h>
#include <string.h>

#include "graph/passes.h"
#include "quant/quantize.h"

static int is_op(const oct_node *n, const char *t) { return !*n->domain && !strcmp(n->op_type, t); }

static int is_const(const oct_graph *g, const oct_node *n, int i)
{
    return i < n->n_in && n->in[i] >= 0 && g->val[n->in[i]].constant;
}

static int is_f32_act(const oct_graph *g, int v)
{
    return v >= 0 && !g->val[v].constant && g->val[v].dtype == OCT_DT_F32;
}

static int compute_kind(const oct_graph *g, const oct_node *n)
{
    if (n->n_out != 1 || n->n_in < 1 || !is_f32_act(g, n->in[0]) || g->val[n->out[0]].dtype != OCT_DT_F32) return 0;
    if (n->act.kind == OCT_ACT_LEAKYRELU) return 0;
    if (is_op(n, "Conv")) {
        const oct_tensor *w = is_const(g, n, 1) ? g->val[n->in[1]].constant : NULL;
        return w && w->dtype == OCT_DT_F32 && w->rank >= 3 && n->n_in <= 3 && (n->n_in < 3 || n->in[2] < 0 || is_const(g, n, 2));
    }
    if (is_op(n, "Gemm")) {
        const oct_tensor *w = is_const(g, n, 1) ? g->val[n->in[1]].constant : NULL;
        if (!w || w->dtype != OCT_DT_F32 || w->rank != 2 || oct_attr_int(n, "transA", 0)) return 0;
        if (oct_attr_float(n, "alpha", 1.f) != 1.f || oct_attr_float(n, "beta", 1.f) != 1.f) return 0;
        if (n->n_in < 3 || n->in[2] < 0) return 1;
        const oct_tensor *c = is_const(g, n, 2) ? g->val[n->in[2]].constant : NULL;
        int64_t N = oct_attr_int(n, "transB", 0) ? w->dims[0] : w->dims[1];
        return c && c->dtype == OCT_DT_F32 && oct_tensor_numel(c) == N && (c->rank == 1 || (c->rank == 2 && c->dims[0] == 1));
    }
    if (is_op(n, "MatMul")) {
        const oct_tensor *w = is_const(g, n, 1) ? g->val[n->in[1]].constant : NULL;
        return w && w->dtype == OCT_DT_F32 && w->rank == 2 && n->n_in == 2;
    }
    if (is_op(n, "Add"))
        return n->n_in == 2 && is_f32_act(g, n->in[1]) && n->act.kind == OCT_ACT_NONE;
    return 0;
}

static int shared_kind(const oct_graph *g, const oct_node *n)
{
    static const char *const ops[] = {"MaxPool", "AveragePool", "GlobalAveragePool", "Reshape", "Flatten",
                                      "Transpose", "Squeeze", "Unsqueeze", NULL};
    if (n->n_in < 1 || !is_f32_act(g, n->in[0]) || n->out[0] < 0) return 0;
    for (int j = 1; j < n->n_out; j++)
        if (n->out[j] >= 0) return 0; /* MaxPool Indices */
    for (const char *const *o = ops; *o; o++)
        if (is_op(n, *o)) return 1;
    return 0;
}

/* Relu / Clip with constant bounds (the Add's clamp). */
static int is_clamp_act(const oct_graph *g, const oct_node *n)
{
    if (is_op(n, "Relu")) return 1;
    if (!is_op(n, "Clip")) return 0;
    for (int i = 1; i < n->n_in; i++)
        if (n->in[i] >= 0 && !is_const(g, n, i)) return 0;
    return 1;
}

void oct_qdq_plan_free(oct_qdq_plan *p)
{
    free(p->kind);
    free(p->quant);
    free(p->share);
    free(p->unit_out);
    free(p->lo);
    free(p->hi);
    free(p->have);
    memset(p, 0, sizeof *p);
}

oct_status oct_qdq_plan_make(const oct_graph *g, const oct_qconfig *q, const unsigned char *keep_float,
                             oct_qdq_plan *p)
{
    memset(p, 0, sizeof *p);
    p->n_node = g->n_node;
    p->n_val = g->n_val;
    size_t nn = (size_t)(g->n_node ? g->n_node : 1), nv = (size_t)(g->n_val ? g->n_val : 1);
    p->kind = calloc(nn, 1);
    p->quant = calloc(nv, 1);
    p->have = calloc(nv, 1);
    p->share = malloc(nv * sizeof *p->share);
    p->unit_out = malloc(nn * sizeof *p->unit_out);
    p->lo = calloc(nv, sizeof *p->lo);
    p->hi = calloc(nv, sizeof *p->hi);
    if (!p->kind || !p->quant || !p->have || !p->share || !p->unit_out || !p->lo || !p->hi) {
        oct_qdq_plan_free(p);
        return oct_err(OCT_E_NOMEM, "out of memory");
    }
    for (int v = 0; v < g->n_val; v++) p->share[v] = v;
    for (int i = 0; i < g->n_node; i++) {
        const oct_node *n = &g->node[i];
        p->unit_out[i] = n->n_out > 0 ? n->out[0] : -1;
        if (n->dead || (keep_float && keep_float[i])) continue;
        if (q && oct_qconfig_override(q, n->name, n->op_type) >= 0) continue;
        if (compute_kind(g, n)) p->kind[i] = OCT_QN_COMPUTE;
        else if (shared_kind(g, n)) p->kind[i] = OCT_QN_SHARED;
    }
    /* compute nodes: inputs and unit outputs */
    for (int i = 0; i < g->n_node; i++) {
        const oct_node *n = &g->node[i];
        if (p->kind[i] != OCT_QN_COMPUTE) continue;
        p->quant[n->in[0]] = 1;
        if (is_op(n, "Add")) {
            p->quant[n->in[1]] = 1;
            int c = oct_graph_single_consumer(g, n->out[0]);
            if (c >= 0 && is_clamp_act(g, &g->node[c]) && g->node[c].out[0] >= 0 &&
                (!keep_float || !keep_float[c]))
                p->unit_out[i] = g->node[c].out[0];
        }
        if (!oct_graph_is_output(g, p->unit_out[i])) p->quant[p->unit_out[i]] = 1;
    }
    /* shared nodes: backwards (quantized output -> quantized input), then forwards */
    for (int i = g->n_node - 1; i >= 0; i--)
        if (p->kind[i] == OCT_QN_SHARED && p->quant[g->node[i].out[0]]) p->quant[g->node[i].in[0]] = 1;
    for (int i = 0; i < g->n_node; i++) {
        const oct_node *n = &g->node[i];
        if (p->kind[i] != OCT_QN_SHARED) continue;
        if (!p->quant[n->in[0]]) {
            p->kind[i] = OCT_QN_FLOAT;
            continue;
        }
        if (oct_graph_is_output(g, n->out[0])) continue;
        p->quant[n->out[0]] = 1;
        p->share[n->out[0]] = p->share[n->in[0]];
    }
    return OCT_OK;
}

oct_status oct_qdq_plan_ranges(oct_qdq_plan *p, const oct_calib_stats *st, const oct_qconfig *q)
{
    for (int v = 0; v < p->n_val; v++) {
        if (!p->quant[v] || p->share[v] != v) continue;
        if (v >= st->n_val || !st->seen[v])
            return oct_err(OCT_E_INVALID, "calibration saw no values for tensor #%d", v);
        OCT_TRY(oct_calib_range(&st->hist[v], q->method, q->percentile, q->act_dtype, &p->lo[v], &p->hi[v]));
        p->have[v] = 1;
    }
    for (int v = 0; v < p->n_val; v++)
        if (p->quant[v] && p->share[v] != v) {
            p->lo[v] = p->lo[p->share[v]];
            p->hi[v] = p->hi[p->share[v]];
            p->have[v] = p->have[p->share[v]];
        }
    return OCT_OK;
}
