/* Rewrite a float graph into QDQ form following a plan (quant/quantize.h):
 *   quantized tensor v:  v -> QuantizeLinear(s, z) -> DequantizeLinear(s, z) -> consumers
 *   weights (Conv, Gemm, MatMul): int8 symmetric in [-127, 127], scale
 *     max|w| / 127 per output channel (axis 0 of Conv W and of Gemm B^T,
 *     axis 1 of MatMul B and Gemm B) or per tensor, behind DequantizeLinear;
 *   biases: int32 at scale s_x * s_w[c] (zero point 0) behind DequantizeLinear.
 * Names follow onnxruntime's quantizer: <v>_quantized, <v>_QuantizeLinear_Output,
 * <v>_DequantizeLinear_Output, <v>_scale, <v>_zero_point. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/passes.h"
#include "ops/op.h"
#include "quant/quantize.h"

static int scalar_const(oct_graph *g, const char *base, const char *suffix, oct_dtype dt, double val)
{
    oct_tensor *t = oct_tensor_new(dt, 0, NULL);
    if (t) oct_dtype_set(dt, t->data, 0, val);
    return oct_graph_named_constant(g, base, suffix, t);
}

static int vec_const(oct_graph *g, const char *base, const char *suffix, oct_dtype dt, int64_t n, const double *vals)
{
    oct_tensor *t = oct_tensor_new(dt, 1, &n);
    if (t)
        for (int64_t i = 0; i < n; i++) oct_dtype_set(dt, t->data, i, vals ? vals[i] : 0.0);
    return oct_graph_named_constant(g, base, suffix, t);
}

/* Add op(in0, in1, in2) -> out (a fresh value named base+suffix); returns out or -1. */
static int add_qdq_node(oct_graph *g, const char *op, const char *base, const char *suffix, int x, int s, int z,
                        int axis, int *node_out)
{
    int y = oct_graph_named_value(g, base, suffix);
    if (y < 0) return -1;
    char name[512];
    snprintf(name, sizeof name, "%s_%s", base, op);
    int in[3] = {x, s, z};
    int k = oct_graph_add_node(g, op, "", name, 3, in, 1, &y);
    if (k < 0) return -1;
    if (axis >= 0 && oct_node_set_int(&g->node[k], "axis", axis) != OCT_OK) return -1;
    if (node_out) *node_out = k;
    return y;
}

static oct_status insert_activation_qdq(oct_graph *g, int v, float scale, int32_t zp, oct_dtype qdt)
{
    char base[512];
    snprintf(base, sizeof base, "%s", g->val[v].name);
    int s = scalar_const(g, base, "_scale", OCT_DT_F32, scale);
    int z = s >= 0 ? scalar_const(g, base, "_zero_point", qdt, zp) : -1;
    int qk = -1;
    int q = z >= 0 ? add_qdq_node(g, "QuantizeLinear", base, "_QuantizeLinear_Output", v, s, z, -1, &qk) : -1;
    int d = q >= 0 ? add_qdq_node(g, "DequantizeLinear", base, "_DequantizeLinear_Output", q, s, z, -1, NULL) : -1;
    if (d < 0) return oct_err_ctx(OCT_E_NOMEM, "quantizing '%s': ", base);
    oct_value *vv = &g->val[v], *vq = &g->val[q], *vd = &g->val[d];
    vq->dtype = qdt;
    vq->rank = vd->rank = vv->rank;
    vd->dtype = OCT_DT_F32;
    memcpy(vq->dims, vv->dims, sizeof vv->dims);
    memcpy(vd->dims, vv->dims, sizeof vv->dims);
    for (int r = 0; r < vv->rank && r < OCT_MAX_RANK; r++)
        if (vv->dim_param[r]) {
            vq->dim_param[r] = strdup(vv->dim_param[r]);
            vd->dim_param[r] = strdup(vv->dim_param[r]);
            if (!vq->dim_param[r] || !vd->dim_param[r]) return oct_err(OCT_E_NOMEM, "out of memory");
        }
    for (int i = 0; i < g->n_node; i++) {
        oct_node *n = &g->node[i];
        if (n->dead || i == qk) continue;
        for (int j = 0; j < n->n_in; j++)
            if (n->in[j] == v) n->in[j] = d;
    }
    return OCT_OK;
}

/* Weight W (float constant, input slot wi of node k) -> int8 + DequantizeLinear.
 * axis: the output-channel axis (-1: per tensor). Returns the scales (count
 * values, malloc'd) through *ws. */
static oct_status quantize_weight(oct_graph *g, int k, int wi, int axis, float **ws, int64_t *count)
{
    const oct_tensor *w = g->val[g->node[k].in[wi]].constant;
    int64_t n = oct_tensor_numel(w), C = axis >= 0 ? w->dims[axis] : 1, inner = 1;
    for (int d = axis + 1; axis >= 0 && d < w->rank; d++) inner *= w->dims[d];
    float *sc = calloc((size_t)C, sizeof *sc);
    double *scd = malloc((size_t)C * sizeof *scd);
    oct_tensor *q = oct_tensor_new(OCT_DT_I8, w->rank, w->dims);
    if (!sc || !scd || !q) {
        free(sc), free(scd), oct_tensor_free(q);
        return oct_err(OCT_E_NOMEM, "out of memory");
    }
    const float *wf = w->data;
    for (int64_t i = 0; i < n; i++) {
        int64_t c = axis >= 0 ? (i / inner) % C : 0;
        float a = fabsf(wf[i]);
        if (a > sc[c]) sc[c] = a;
    }
    for (int64_t c = 0; c < C; c++) {
        sc[c] = sc[c] > 0 && isfinite(sc[c]) ? sc[c] / 127.f : 1.f;
        scd[c] = sc[c];
    }
    int8_t *qd = q->data;
    for (int64_t i = 0; i < n; i++) {
        int64_t c = axis >= 0 ? (i / inner) % C : 0;
        float r = nearbyintf(wf[i] / sc[c]);
        qd[i] = (int8_t)(r > 127.f ? 127 : r < -127.f ? -127 : r);
    }
    char base[512];
    snprintf(base, sizeof base, "%s", g->val[g->node[k].in[wi]].name);
    int qv = oct_graph_named_constant(g, base, "_quantized", q);
    int sv = qv < 0 ? -1 : axis >= 0 ? vec_const(g, base, "_scale", OCT_DT_F32, C, scd)
                                     : scalar_const(g, base, "_scale", OCT_DT_F32, scd[0]);
    int zv = sv < 0 ? -1 : axis >= 0 ? vec_const(g, base, "_zero_point", OCT_DT_I8, C, NULL)
                                     : scalar_const(g, base, "_zero_point", OCT_DT_I8, 0);
    int d = zv < 0 ? -1 : add_qdq_node(g, "DequantizeLinear", base, "_DequantizeLinear_Output", qv, sv, zv, axis, NULL);
    free(scd);
    if (d < 0) {
        free(sc);
        return oct_err_ctx(OCT_E_NOMEM, "quantizing '%s': ", base);
    }
    g->val[d].dtype = OCT_DT_F32;
    g->val[d].rank = w->rank;
    memcpy(g->val[d].dims, w->dims, sizeof w->dims);
    g->node[k].in[wi] = d;
    *ws = sc;
    *count = C;
    return OCT_OK;
}

/* Bias (float constant in slot bi, N values) -> int32 at scale xs * ws[c]. */
static oct_status quantize_bias(oct_graph *g, int k, int bi, float xs, const float *ws, int64_t nws)
{
    const oct_tensor *b = g->val[g->node[k].in[bi]].constant;
    int64_t N = oct_tensor_numel(b);
    if (nws != 1 && nws != N) return oct_err(OCT_E_SHAPE, "node '%s': bias has %lld values, weights %lld channels",
                                            g->node[k].name, (long long)N, (long long)nws);
    double *sc = malloc((size_t)N * sizeof *sc);
    oct_tensor *q = oct_tensor_new(OCT_DT_I32, 1, &N);
    if (!sc || !q) {
        free(sc), oct_tensor_free(q);
        return oct_err(OCT_E_NOMEM, "out of memory");
    }
    const float *bf = b->data;
    int32_t *qd = q->data;
    for (int64_t c = 0; c < N; c++) {
        float s = xs * ws[nws == 1 ? 0 : c];
        sc[c] = s;
        double r = s > 0 ? nearbyint((double)bf[c] / s) : 0;
        qd[c] = (int32_t)(r > 2147483647.0 ? 2147483647.0 : r < -2147483648.0 ? -2147483648.0 : r);
    }
    char base[512];
    snprintf(base, sizeof base, "%s", g->val[g->node[k].in[bi]].name);
    int qv = oct_graph_named_constant(g, base, "_quantized", q);
    int sv = qv < 0 ? -1 : vec_const(g, base, "_scale", OCT_DT_F32, N, sc);
    int zv = sv < 0 ? -1 : vec_const(g, base, "_zero_point", OCT_DT_I32, N, NULL);
    int d = zv < 0 ? -1 : add_qdq_node(g, "DequantizeLinear", base, "_DequantizeLinear_Output", qv, sv, zv, 0, NULL);
    free(sc);
    if (d < 0) return oct_err_ctx(OCT_E_NOMEM, "quantizing '%s': ", base);
    g->val[d].dtype = OCT_DT_F32;
    g->val[d].rank = 1;
    g->val[d].dims[0] = N;
    g->node[k].in[bi] = d;
    return OCT_OK;
}

static int weight_axis(const oct_node *n, const oct_tensor *w, int per_channel)
{
    if (!per_channel) return -1;
    if (!strcmp(n->op_type, "Conv")) return 0;
    if (!strcmp(n->op_type, "Gemm")) return oct_attr_int(n, "transB", 0) ? 0 : 1;
    return w->rank - 1; /* MatMul [K, N] */
}

oct_status oct_qdq_insert(oct_graph *g, const oct_qdq_plan *p, const oct_qconfig *q)
{
    if (g->n_val < p->n_val || g->n_node < p->n_node) return oct_err(OCT_E_INVALID, "quantize: plan/graph mismatch");
    oct_dtype qdt = q->act_dtype == OCT_DT_I8 ? OCT_DT_I8 : OCT_DT_U8;
    int per_channel = q->per_channel && oct_graph_opset(g, "") >= 13;
    float *scale = calloc((size_t)p->n_val + 1, sizeof *scale);
    int32_t *zp = calloc((size_t)p->n_val + 1, sizeof *zp);
    if (!scale || !zp) {
        free(scale), free(zp);
        return oct_err(OCT_E_NOMEM, "out of memory");
    }
    oct_status st = OCT_OK;
    int n_node = p->n_node, n_val = p->n_val;
    for (int v = 0; v < n_val; v++) {
        if (!p->quant[v]) continue;
        if (!p->have[v]) {
            st = oct_err(OCT_E_INVALID, "quantize: no calibrated range for tensor '%s'", g->val[v].name);
            break;
        }
        oct_quant_params(p->lo[v], p->hi[v], qdt, &scale[v], &zp[v]);
    }
    /* weights and biases first (they use the input scales) */
    for (int k = 0; k < n_node && st == OCT_OK; k++) {
        if (p->kind[k] != OCT_QN_COMPUTE || g->node[k].dead) continue;
        oct_node *n = &g->node[k];
        if (!strcmp(n->op_type, "Add")) continue;
        const oct_tensor *w = g->val[n->in[1]].constant;
        float *ws = NULL;
        int64_t nws = 0;
        st = quantize_weight(g, k, 1, weight_axis(n, w, per_channel), &ws, &nws);
        n = &g->node[k];
        if (st == OCT_OK && n->n_in > 2 && n->in[2] >= 0) st = quantize_bias(g, k, 2, scale[n->in[0]], ws, nws);
        free(ws);
    }
    for (int v = 0; v < n_val && st == OCT_OK; v++)
        if (p->quant[v]) st = insert_activation_qdq(g, v, scale[v], zp[v], qdt);
    free(scale);
    free(zp);
    if (st == OCT_OK) st = oct_graph_resolve_ops(g);
    if (st == OCT_OK) st = oct_graph_toposort(g);
    return st;
}
