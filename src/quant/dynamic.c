/* Dynamic int8 (as onnxruntime's quantize_dynamic and torch's
 * quantize_dynamic): for MatMul / Gemm with constant float weights,
 *   x -> DynamicQuantizeLinear -> (xq, xs, xz)       uint8, scale from the batch
 *   MatMulInteger(xq, Wq, xz) -> Cast(float) -> Mul(xs * w_scale) [-> Add(bias)] [-> act]
 * with Wq int8 symmetric ([-127, 127]) per output column or per tensor
 * (Gemm's B transposed to [K, N] when transB). No calibration data. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/passes.h"
#include "ops/op.h"
#include "quant/quantize.h"

static int node(oct_graph *g, const char *op, const char *name, const char *suffix, int n_in, const int *in,
                int n_out, const int *out)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s%s", name, suffix);
    return oct_graph_add_node(g, op, "", buf, n_in, in, n_out, out);
}

static int candidate(const oct_graph *g, const oct_node *n, int *transB)
{
    if (n->dead || *n->domain || n->n_out != 1 || n->n_in < 2) return 0;
    const oct_tensor *w = g->val[n->in[1]].constant;
    if (!w || w->dtype != OCT_DT_F32 || w->rank != 2 || g->val[n->in[0]].constant) return 0;
    if (g->val[n->in[0]].dtype != OCT_DT_F32 && g->val[n->in[0]].dtype != OCT_DT_UNDEFINED) return 0;
    *transB = 0;
    if (!strcmp(n->op_type, "MatMul")) return n->n_in == 2;
    if (strcmp(n->op_type, "Gemm") || oct_attr_int(n, "transA", 0)) return 0;
    if (oct_attr_float(n, "alpha", 1.f) != 1.f || oct_attr_float(n, "beta", 1.f) != 1.f) return 0;
    *transB = (int)oct_attr_int(n, "transB", 0);
    if (n->n_in < 3 || n->in[2] < 0) return 1;
    const oct_tensor *c = g->val[n->in[2]].constant;
    int64_t N = *transB ? w->dims[0] : w->dims[1];
    return c && c->dtype == OCT_DT_F32 && oct_tensor_numel(c) == N;
}

static oct_status rewrite(oct_graph *g, int k, int transB, int per_channel)
{
    char name[256], wname[256];
    snprintf(name, sizeof name, "%s", g->node[k].name[0] ? g->node[k].name : g->val[g->node[k].out[0]].name);
    snprintf(wname, sizeof wname, "%s", g->val[g->node[k].in[1]].name);
    const oct_tensor *w = g->val[g->node[k].in[1]].constant;
    int64_t K = transB ? w->dims[1] : w->dims[0], N = transB ? w->dims[0] : w->dims[1];
    int64_t kn[2] = {K, N}, nsc = per_channel ? N : 1;
    oct_tensor *wq = oct_tensor_new(OCT_DT_I8, 2, kn), *ws = oct_tensor_new(OCT_DT_F32, 1, &nsc);
    if (!wq || !ws) {
        oct_tensor_free(wq), oct_tensor_free(ws);
        return oct_err(OCT_E_NOMEM, "out of memory");
    }
    const float *wf = w->data;
    float *sc = ws->data;
    for (int64_t c = 0; c < nsc; c++) sc[c] = 0;
    for (int64_t kk = 0; kk < K; kk++)
        for (int64_t c = 0; c < N; c++) {
            float a = fabsf(wf[transB ? c * K + kk : kk * N + c]);
            float *m = &sc[per_channel ? c : 0];
            if (a > *m) *m = a;
        }
    for (int64_t c = 0; c < nsc; c++) sc[c] = sc[c] > 0 && isfinite(sc[c]) ? sc[c] / 127.f : 1.f;
    int8_t *qd = wq->data;
    for (int64_t kk = 0; kk < K; kk++)
        for (int64_t c = 0; c < N; c++) {
            float r = nearbyintf(wf[transB ? c * K + kk : kk * N + c] / sc[per_channel ? c : 0]);
            qd[kk * N + c] = (int8_t)(r > 127.f ? 127 : r < -127.f ? -127 : r);
        }
    int wq_v = oct_graph_named_constant(g, wname, "_quantized", wq);
    int ws_v = wq_v < 0 ? -1 : oct_graph_named_constant(g, wname, "_scale", ws);
    if (ws_v < 0) return oct_err(OCT_E_NOMEM, "out of memory");
    int x = g->node[k].in[0], y = g->node[k].out[0];
    int bias = g->node[k].n_in > 2 ? g->node[k].in[2] : -1;
    oct_act act = g->node[k].act;
    g->node[k].dead = 1;
    int xq = oct_graph_named_value(g, name, "_input_quantized"), xs = oct_graph_named_value(g, name, "_input_scale");
    int xz = oct_graph_named_value(g, name, "_input_zero_point"), acc = oct_graph_named_value(g, name, "_MatMulInteger_Output");
    int accf = oct_graph_named_value(g, name, "_Cast_Output"), s2 = oct_graph_named_value(g, name, "_scale_product");
    int mo = bias >= 0 || act.kind != OCT_ACT_NONE ? oct_graph_named_value(g, name, "_Mul_Output") : y;
    int ao = bias >= 0 && act.kind != OCT_ACT_NONE ? oct_graph_named_value(g, name, "_Add_Output") : y;
    if (xq < 0 || xs < 0 || xz < 0 || acc < 0 || accf < 0 || s2 < 0 || mo < 0 || ao < 0)
        return oct_err(OCT_E_NOMEM, "out of memory");
    int o3[3] = {xq, xs, xz};
    int k1 = node(g, "DynamicQuantizeLinear", name, "_DynamicQuantizeLinear", 1, &x, 3, o3);
    int i2[3] = {xq, wq_v, xz};
    int k2 = k1 < 0 ? -1 : node(g, "MatMulInteger", name, "_MatMulInteger", 3, i2, 1, &acc);
    int k3 = k2 < 0 ? -1 : node(g, "Cast", name, "_Cast", 1, &acc, 1, &accf);
    if (k3 < 0 || oct_node_set_int(&g->node[k3], "to", OCT_DT_F32) != OCT_OK) return oct_err(OCT_E_NOMEM, "out of memory");
    int i4[2] = {xs, ws_v}, i5[2] = {accf, s2};
    if (node(g, "Mul", name, "_scale_Mul", 2, i4, 1, &s2) < 0 || node(g, "Mul", name, "_output_scale_Mul", 2, i5, 1, &mo) < 0)
        return oct_err(OCT_E_NOMEM, "out of memory");
    int last = mo;
    if (bias >= 0) {
        int i6[2] = {mo, bias};
        if (node(g, "Add", name, "_bias_Add", 2, i6, 1, &ao) < 0) return oct_err(OCT_E_NOMEM, "out of memory");
        last = ao;
    }
    if (act.kind != OCT_ACT_NONE) {
        const char *op = act.kind == OCT_ACT_RELU ? "Relu" : act.kind == OCT_ACT_LEAKYRELU ? "LeakyRelu" : "Clip";
        int in3[3] = {last, -1, -1}, nin = 1;
        if (act.kind == OCT_ACT_CLIP) {
            oct_tensor *lo = oct_tensor_new(OCT_DT_F32, 0, NULL), *hi = oct_tensor_new(OCT_DT_F32, 0, NULL);
            if (lo) *(float *)lo->data = act.alpha;
            if (hi) *(float *)hi->data = act.beta;
            in3[1] = oct_graph_named_constant(g, name, "_clip_min", lo);
            in3[2] = oct_graph_named_constant(g, name, "_clip_max", hi);
            if (in3[1] < 0 || in3[2] < 0) return oct_err(OCT_E_NOMEM, "out of memory");
            nin = 3;
        }
        int ka = node(g, op, name, "_act", nin, in3, 1, &y);
        if (ka < 0) return oct_err(OCT_E_NOMEM, "out of memory");
        if (act.kind == OCT_ACT_LEAKYRELU) OCT_TRY(oct_node_set_float(&g->node[ka], "alpha", act.alpha));
    }
    return OCT_OK;
}

oct_status oct_quant_dynamic(oct_graph *g, const oct_qconfig *q, const unsigned char *keep_float, int *count)
{
    int n0 = g->n_node, c = 0;
    if (oct_graph_opset(g, "") < 11) return oct_err(OCT_E_UNSUPPORTED, "dynamic quantization needs opset 11 or later");
    for (int k = 0; k < n0; k++) {
        int tb = 0;
        if ((keep_float && keep_float[k]) || !candidate(g, &g->node[k], &tb)) continue;
        if (q && oct_qconfig_override(q, g->node[k].name, g->node[k].op_type) >= 0) continue;
        OCT_TRY(rewrite(g, k, tb, q ? q->per_channel : 1));
        c++;
    }
    if (count) *count = c;
    OCT_TRY(oct_graph_resolve_ops(g));
    oct_graph_link(g);
    return oct_graph_toposort(g);
}
