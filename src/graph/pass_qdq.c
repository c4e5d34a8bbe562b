/* QDQ -> integer operators. A QDQ model (octet's quantized artifact, or one
 * made by onnxruntime's quantize_static / PyTorch export) marks quantized
 * tensors with QuantizeLinear -> DequantizeLinear pairs; this pass rewrites
 * the float ops between such pairs into operators on the integers:
 *
 *   DQ(x) -> Conv(DQ(W), DQ(b)) [act] -> Q         QLinearConv (act as a clamp)
 *   DQ(x) -> Gemm(DQ(W), DQ(b)) [act] -> Q         com.microsoft QGemm
 *   DQ(x) -> Gemm(DQ(W), DQ(b)) [act]  (float out) com.microsoft QGemm, float output
 *   DQ(x) -> MatMul(DQ(W)) -> Q                    QLinearMatMul
 *   DQ(a), DQ(b) -> Add [-> Relu|Clip] -> Q        com.microsoft QLinearAdd (clamp)
 *   DQ(x) -> AveragePool / GlobalAveragePool -> Q  com.microsoft QLinearAveragePool / ...GlobalAveragePool
 *   DQ(x) -> MaxPool / Reshape / Flatten / Transpose / Squeeze / Unsqueeze -> Q
 *        with the same scale and zero point        the op on the integers
 *   Q(DQ(q)) with the same parameters              q
 *   DynamicQuantizeLinear(x) -> MatMulInteger(x_q, W_q, x_zp) -> Cast(float)
 *     -> Mul(., x_scale * w_scale) [-> Add(bias)] [-> Relu|Clip|LeakyRelu]
 *                                                  com.octet DynQMatMul (dynamic int8)
 *
 * Conditions: activation scales / zero points are constant scalars; weights
 * are constant int8 (per tensor, or per output channel with a zero zero
 * point for Conv / Gemm); biases constant int32 with scale s_x * s_w (within
 * float rounding) and zero point 0; the op's output feeds only the Q.
 * Anything else stays as it is and runs in float (correct, slower). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/passes.h"
#include "ops/op.h"

typedef struct dq_info {
    int node;     /* DQ node index */
    int q, s, z;  /* its inputs (z may be -1) */
} dq_info;

static int is_op(const oct_node *n, const char *t) { return !n->dead && !*n->domain && !strcmp(n->op_type, t); }

static const oct_tensor *cst(const oct_graph *g, int v) { return v >= 0 ? g->val[v].constant : NULL; }

static int is_scalar_param(const oct_graph *g, int v, int allow_absent)
{
    if (v < 0) return allow_absent;
    const oct_tensor *t = cst(g, v);
    return t && oct_tensor_numel(t) == 1;
}

static int producer_dq(const oct_graph *g, int v, dq_info *d)
{
    if (v < 0 || g->val[v].producer < 0) return 0;
    int k = g->val[v].producer;
    const oct_node *n = &g->node[k];
    if (!is_op(n, "DequantizeLinear") || n->n_in < 2) return 0;
    d->node = k;
    d->q = n->in[0];
    d->s = n->in[1];
    d->z = n->n_in > 2 ? n->in[2] : -1;
    return 1;
}

/* Per-tensor activation DQ: scalar constant scale / zero point, u8 or i8 data. */
static int act_dq(const oct_graph *g, int v, dq_info *d)
{
    if (!producer_dq(g, v, d) || cst(g, d->q)) return 0;
    oct_dtype t = g->val[d->q].dtype;
    if (t != OCT_DT_U8 && t != OCT_DT_I8 && t != OCT_DT_UNDEFINED) return 0;
    const oct_tensor *s = cst(g, d->s), *z = cst(g, d->z);
    if (!is_scalar_param(g, d->s, 0) || !is_scalar_param(g, d->z, 1) || s->dtype != OCT_DT_F32) return 0;
    return !z || z->dtype == OCT_DT_U8 || z->dtype == OCT_DT_I8;
}

/* Constant int8 weight DQ: per tensor, or per axis `axis` (zero points 0). */
static int weight_dq(const oct_graph *g, int v, int axis, dq_info *d)
{
    if (!producer_dq(g, v, d)) return 0;
    const oct_tensor *q = cst(g, d->q), *s = cst(g, d->s), *z = cst(g, d->z);
    if (!q || q->dtype != OCT_DT_I8 || !s || s->dtype != OCT_DT_F32) return 0;
    int64_t ns = oct_tensor_numel(s);
    if (ns != 1) {
        int64_t ax = oct_attr_int(&g->node[d->node], "axis", 1);
        if (ax < 0) ax += q->rank;
        if (ax != axis || s->rank != 1 || ns != q->dims[axis]) return 0;
    }
    if (z) {
        if (z->dtype != OCT_DT_I8 || oct_tensor_numel(z) != ns) return 0;
        for (int64_t i = 0; i < ns; i++)
            if (((const int8_t *)z->data)[i] != 0) return 0;
    }
    return 1;
}

/* Constant int32 bias DQ whose scale is x_scale * w_scale[c]. */
static int bias_dq(const oct_graph *g, int v, const dq_info *x, const dq_info *w, dq_info *d)
{
    if (!producer_dq(g, v, d)) return 0;
    const oct_tensor *q = cst(g, d->q), *s = cst(g, d->s), *z = cst(g, d->z);
    if (!q || q->dtype != OCT_DT_I32 || q->rank != 1 || !s || s->dtype != OCT_DT_F32) return 0;
    int64_t n = q->dims[0], ns = oct_tensor_numel(s);
    const oct_tensor *ws = cst(g, w->s);
    int64_t nw = oct_tensor_numel(ws);
    if ((ns != 1 && ns != n) || (nw != 1 && nw != n)) return 0;
    if (z)
        for (int64_t i = 0; i < oct_tensor_numel(z); i++)
            if (oct_dtype_get(z->dtype, z->data, (size_t)i) != 0) return 0;
    float xs = ((const float *)cst(g, x->s)->data)[0];
    for (int64_t c = 0; c < n; c++) {
        float want = xs * ((const float *)ws->data)[nw == 1 ? 0 : c];
        float got = ((const float *)s->data)[ns == 1 ? 0 : c];
        if (fabsf(got - want) > 1e-5f * fabsf(want)) return 0;
    }
    return 1;
}

/* The single Q consuming v (per-tensor constant parameters); -1 if none. */
static int q_consumer(const oct_graph *g, int v)
{
    int c = oct_graph_single_consumer(g, v);
    if (c < 0) return -1;
    const oct_node *n = &g->node[c];
    if (!is_op(n, "QuantizeLinear") || n->in[0] != v || n->n_in < 2) return -1;
    if (!is_scalar_param(g, n->in[1], 0) || cst(g, n->in[1])->dtype != OCT_DT_F32) return -1;
    if (!is_scalar_param(g, n->n_in > 2 ? n->in[2] : -1, 1)) return -1;
    if (oct_attr_int(n, "saturate", 1) != 1) return -1;
    const oct_tensor *z = cst(g, n->n_in > 2 ? n->in[2] : -1);
    if (z && z->dtype != OCT_DT_U8 && z->dtype != OCT_DT_I8) return -1;
    return c;
}

/* A zero point value for a parameter that may be absent (DQ / Q default: u8 0). */
static int zp_or_default(oct_graph *g, int z)
{
    if (z >= 0) return z;
    oct_tensor *t = oct_tensor_new(OCT_DT_U8, 0, NULL);
    if (!t) return -1;
    ((uint8_t *)t->data)[0] = 0;
    return oct_graph_add_constant(g, "qdq_zero_point", t);
}

static int same_scalar(const oct_graph *g, int a, int b)
{
    if (a == b) return 1;
    const oct_tensor *x = cst(g, a), *y = cst(g, b);
    if (!x && !y) return 1; /* both absent (zero points) */
    if (!x || !y) {
        const oct_tensor *t = x ? x : y; /* absent zero point = u8 0 */
        return t->dtype == OCT_DT_U8 && oct_dtype_get(t->dtype, t->data, 0) == 0;
    }
    return x->dtype == y->dtype && oct_dtype_get(x->dtype, x->data, 0) == oct_dtype_get(y->dtype, y->data, 0);
}

static void copy_attrs_from(oct_node *dst, oct_node *src)
{
    dst->attr = src->attr;
    dst->n_attr = src->n_attr;
    src->attr = NULL;
    src->n_attr = 0;
}

/* Replace node k (and its Q consumer qk, if any) by a new node. The new node
 * writes out_v. Returns the new node index or -1. */
static int emit(oct_graph *g, int k, int qk, const char *op, const char *domain, int n_in, const int *in, int out_v)
{
    char name[512];
    snprintf(name, sizeof name, "%s_quant", g->node[k].name);
    if (*domain && oct_graph_set_opset(g, domain, 1) != OCT_OK) return -1;
    int nk = oct_graph_add_node(g, op, domain, name, n_in, in, 1, &out_v);
    if (nk < 0) return -1;
    oct_node *n = &g->node[nk], *old = &g->node[k];
    n->act = old->act;
    copy_attrs_from(n, old);
    old->dead = 1;
    if (qk >= 0) g->node[qk].dead = 1;
    g->val[out_v].producer = nk;
    return nk;
}

/* The target op exists in this build (contrib ops may not). */
static int have_op(const char *op, const char *domain)
{
    return oct_op_find(op, domain, *domain ? 1 : 13, NULL) != NULL;
}

static oct_status fuse_conv(oct_graph *g, int k, int *done)
{
    if (!have_op("QLinearConv", "")) return OCT_OK;
    oct_node *n = &g->node[k];
    dq_info x, w, b;
    if (n->n_in < 2 || n->n_in > 3 || n->n_out != 1) return OCT_OK;
    if (!act_dq(g, n->in[0], &x) || !weight_dq(g, n->in[1], 0, &w)) return OCT_OK;
    int has_b = n->n_in == 3 && n->in[2] >= 0;
    if (has_b && !bias_dq(g, n->in[2], &x, &w, &b)) return OCT_OK;
    if (n->act.kind == OCT_ACT_LEAKYRELU) return OCT_OK;
    int qk = q_consumer(g, n->out[0]);
    if (qk < 0) return OCT_OK;
    const oct_node *q = &g->node[qk];
    int xz = zp_or_default(g, x.z), wz = w.z, yz = zp_or_default(g, q->n_in > 2 ? q->in[2] : -1);
    if (xz < 0 || yz < 0) return oct_err(OCT_E_NOMEM, "out of memory");
    if (wz < 0) {
        oct_tensor *t = oct_tensor_new(OCT_DT_I8, 0, NULL);
        if (!t || (wz = oct_graph_add_constant(g, "qdq_w_zero_point", t)) < 0) return oct_err(OCT_E_NOMEM, "out of memory");
        ((int8_t *)t->data)[0] = 0;
    }
    q = &g->node[qk];
    int in[9] = {x.q, x.s, xz, w.q, w.s, wz, q->in[1], yz, has_b ? b.q : -1};
    if (emit(g, k, qk, "QLinearConv", "", has_b ? 9 : 8, in, q->out[0]) < 0) return oct_err(OCT_E_NOMEM, "out of memory");
    (*done)++;
    return OCT_OK;
}

static oct_status fuse_gemm(oct_graph *g, int k, int *done)
{
    if (!have_op("QGemm", "com.microsoft")) return OCT_OK;
    oct_node *n = &g->node[k];
    dq_info x, w, b;
    if (n->n_in < 2 || n->n_in > 3 || n->n_out != 1 || oct_attr_int(n, "transA", 0)) return OCT_OK;
    if (oct_attr_float(n, "alpha", 1.f) != 1.f || oct_attr_float(n, "beta", 1.f) != 1.f) return OCT_OK;
    int tb = (int)oct_attr_int(n, "transB", 0);
    if (!act_dq(g, n->in[0], &x) || !weight_dq(g, n->in[1], tb ? 0 : 1, &w)) return OCT_OK;
    if (cst(g, w.q)->rank != 2) return OCT_OK;
    int has_b = n->n_in == 3 && n->in[2] >= 0;
    if (has_b && !bias_dq(g, n->in[2], &x, &w, &b)) return OCT_OK;
    if (n->act.kind == OCT_ACT_LEAKYRELU) return OCT_OK;
    int qk = q_consumer(g, n->out[0]);
    int xz = zp_or_default(g, x.z), wz = w.z;
    if (xz < 0) return oct_err(OCT_E_NOMEM, "out of memory");
    if (wz < 0) {
        oct_tensor *t = oct_tensor_new(OCT_DT_I8, 0, NULL);
        if (!t || (wz = oct_graph_add_constant(g, "qdq_w_zero_point", t)) < 0) return oct_err(OCT_E_NOMEM, "out of memory");
        ((int8_t *)t->data)[0] = 0;
    }
    int in[9] = {x.q, x.s, xz, w.q, w.s, wz, has_b ? b.q : -1, -1, -1}, n_in = 7, out = g->node[k].out[0];
    if (qk >= 0) {
        int yz = zp_or_default(g, g->node[qk].n_in > 2 ? g->node[qk].in[2] : -1);
        if (yz < 0) return oct_err(OCT_E_NOMEM, "out of memory");
        in[7] = g->node[qk].in[1];
        in[8] = yz;
        n_in = 9;
        out = g->node[qk].out[0];
    }
    if (emit(g, k, qk, "QGemm", "com.microsoft", n_in, in, out) < 0) return oct_err(OCT_E_NOMEM, "out of memory");
    (*done)++;
    return OCT_OK;
}

static oct_status fuse_matmul(oct_graph *g, int k, int *done)
{
    if (!have_op("QLinearMatMul", "")) return OCT_OK;
    oct_node *n = &g->node[k];
    dq_info x, w;
    if (n->n_in != 2 || n->n_out != 1 || n->act.kind != OCT_ACT_NONE) return OCT_OK;
    if (!act_dq(g, n->in[0], &x) || !producer_dq(g, n->in[1], &w)) return OCT_OK;
    const oct_tensor *wq = cst(g, w.q);
    if (!wq || wq->rank != 2 || !weight_dq(g, n->in[1], 1, &w)) return OCT_OK;
    int qk = q_consumer(g, n->out[0]);
    if (qk < 0) return OCT_OK;
    int xz = zp_or_default(g, x.z), yz = zp_or_default(g, g->node[qk].n_in > 2 ? g->node[qk].in[2] : -1);
    int wz = w.z;
    if (xz < 0 || yz < 0) return oct_err(OCT_E_NOMEM, "out of memory");
    if (wz < 0) {
        oct_tensor *t = oct_tensor_new(OCT_DT_I8, 0, NULL);
        if (!t || (wz = oct_graph_add_constant(g, "qdq_w_zero_point", t)) < 0) return oct_err(OCT_E_NOMEM, "out of memory");
        ((int8_t *)t->data)[0] = 0;
    }
    int in[8] = {x.q, x.s, xz, w.q, w.s, wz, g->node[qk].in[1], yz};
    if (emit(g, k, qk, "QLinearMatMul", "", 8, in, g->node[qk].out[0]) < 0) return oct_err(OCT_E_NOMEM, "out of memory");
    (*done)++;
    return OCT_OK;
}

static int act_node(const oct_graph *g, const oct_node *n, oct_act *act)
{
    if (is_op(n, "Relu")) {
        act->kind = OCT_ACT_RELU;
        return 1;
    }
    if (!is_op(n, "Clip") || n->opset < 11) return 0;
    act->kind = OCT_ACT_CLIP;
    act->alpha = -INFINITY;
    act->beta = INFINITY;
    const oct_tensor *lo = n->n_in > 1 ? cst(g, n->in[1]) : NULL, *hi = n->n_in > 2 ? cst(g, n->in[2]) : NULL;
    if ((n->n_in > 1 && n->in[1] >= 0 && !lo) || (n->n_in > 2 && n->in[2] >= 0 && !hi)) return 0;
    if ((lo && lo->dtype != OCT_DT_F32) || (hi && hi->dtype != OCT_DT_F32)) return 0;
    if (lo) act->alpha = ((const float *)lo->data)[0];
    if (hi) act->beta = ((const float *)hi->data)[0];
    return 1;
}

static oct_status fuse_add(oct_graph *g, int k, int *done)
{
    if (!have_op("QLinearAdd", "com.microsoft")) return OCT_OK;
    oct_node *n = &g->node[k];
    dq_info a, b;
    if (n->n_in != 2 || n->n_out != 1 || n->act.kind != OCT_ACT_NONE) return OCT_OK;
    if (!act_dq(g, n->in[0], &a) || !act_dq(g, n->in[1], &b)) return OCT_OK;
    int out = n->out[0], ak = -1;
    oct_act act = {OCT_ACT_NONE, 0, 0};
    int c = oct_graph_single_consumer(g, out);
    if (c >= 0 && act_node(g, &g->node[c], &act) && g->node[c].out[0] >= 0) {
        ak = c;
        out = g->node[c].out[0];
    } else {
        act.kind = OCT_ACT_NONE;
    }
    int qk = q_consumer(g, out);
    if (qk < 0) return OCT_OK;
    int az = zp_or_default(g, a.z), bz = zp_or_default(g, b.z);
    int yz = zp_or_default(g, g->node[qk].n_in > 2 ? g->node[qk].in[2] : -1);
    if (az < 0 || bz < 0 || yz < 0) return oct_err(OCT_E_NOMEM, "out of memory");
    int in[8] = {a.q, a.s, az, b.q, b.s, bz, g->node[qk].in[1], yz};
    int nk = emit(g, k, qk, "QLinearAdd", "com.microsoft", 8, in, g->node[qk].out[0]);
    if (nk < 0) return oct_err(OCT_E_NOMEM, "out of memory");
    g->node[nk].act = act;
    if (ak >= 0) g->node[ak].dead = 1;
    (*done)++;
    return OCT_OK;
}

static oct_status fuse_pool(oct_graph *g, int k, const char *qop, int *done)
{
    oct_node *n = &g->node[k];
    dq_info x;
    if (!have_op(qop, "com.microsoft") || n->n_in != 1 || n->n_out != 1 || !act_dq(g, n->in[0], &x)) return OCT_OK;
    int qk = q_consumer(g, n->out[0]);
    if (qk < 0) return OCT_OK;
    int xz = zp_or_default(g, x.z), yz = zp_or_default(g, g->node[qk].n_in > 2 ? g->node[qk].in[2] : -1);
    if (xz < 0 || yz < 0) return oct_err(OCT_E_NOMEM, "out of memory");
    int in[5] = {x.q, x.s, xz, g->node[qk].in[1], yz};
    if (emit(g, k, qk, qop, "com.microsoft", 5, in, g->node[qk].out[0]) < 0) return oct_err(OCT_E_NOMEM, "out of memory");
    (*done)++;
    return OCT_OK;
}

/* Ops that move or select integers: run them on the quantized input when
 * the Q after them has the DQ's parameters. */
static void fuse_passthrough(oct_graph *g, int k, int *done)
{
    oct_node *n = &g->node[k];
    dq_info x;
    if (n->n_in < 1 || !act_dq(g, n->in[0], &x)) return;
    for (int j = 1; j < n->n_out; j++)
        if (n->out[j] >= 0) return;
    if (is_op(n, "MaxPool") && n->opset < 12) return;
    int qk = q_consumer(g, n->out[0]);
    if (qk < 0) return;
    const oct_node *q = &g->node[qk];
    if (!same_scalar(g, q->in[1], x.s) || !same_scalar(g, q->n_in > 2 ? q->in[2] : -1, x.z)) return;
    n->in[0] = x.q;
    int qout = q->out[0];
    g->node[qk].dead = 1;
    n->out[0] = qout;
    g->val[qout].producer = k;
    (*done)++;
}

/* Q(DQ(q, s, z), s, z) -> q. */
static void fuse_requant_identity(oct_graph *g, int k, int *done)
{
    oct_node *n = &g->node[k];
    dq_info x;
    if (n->n_in < 2 || !act_dq(g, n->in[0], &x)) return;
    if (!same_scalar(g, n->in[1], x.s) || !same_scalar(g, n->n_in > 2 ? n->in[2] : -1, x.z)) return;
    if (oct_graph_is_output(g, n->out[0])) return;
    oct_graph_replace_uses(g, n->out[0], x.q);
    n->dead = 1;
    (*done)++;
}

/* The other input of a two-input node than v, or -1. */
static int other_input(const oct_node *n, int v)
{
    if (n->n_in != 2) return -1;
    return n->in[0] == v ? n->in[1] : n->in[1] == v ? n->in[0] : -1;
}

static oct_status fuse_dynamic(oct_graph *g, int k, int *done)
{
    if (!have_op("DynQMatMul", "com.octet")) return OCT_OK;
    const oct_node *dq = &g->node[k];
    if (dq->n_out != 3 || dq->out[0] < 0 || dq->out[1] < 0 || dq->out[2] < 0) return OCT_OK;
    int xq = dq->out[0], xs = dq->out[1], xz = dq->out[2];
    int km = oct_graph_single_consumer(g, xq);
    if (km < 0 || !is_op(&g->node[km], "MatMulInteger") || oct_graph_single_consumer(g, xz) != km) return OCT_OK;
    const oct_node *m = &g->node[km];
    if (m->n_in < 3 || m->in[0] != xq || m->in[2] != xz || m->n_out != 1) return OCT_OK;
    const oct_tensor *w = cst(g, m->in[1]);
    if (!w || w->dtype != OCT_DT_I8 || w->rank != 2) return OCT_OK;
    if (m->n_in > 3 && m->in[3] >= 0) {
        const oct_tensor *wz = cst(g, m->in[3]);
        if (!wz) return OCT_OK;
        for (int64_t i = 0; i < oct_tensor_numel(wz); i++)
            if (oct_dtype_get(wz->dtype, wz->data, (size_t)i) != 0) return OCT_OK;
    }
    int64_t N = w->dims[1];
    int kc = oct_graph_single_consumer(g, m->out[0]);
    if (kc < 0 || !is_op(&g->node[kc], "Cast") || oct_attr_int(&g->node[kc], "to", 0) != OCT_DT_F32) return OCT_OK;
    int accf = g->node[kc].out[0];
    int k1 = oct_graph_single_consumer(g, accf);
    if (k1 < 0 || !is_op(&g->node[k1], "Mul")) return OCT_OK;
    int s2 = other_input(&g->node[k1], accf);
    if (s2 < 0 || g->val[s2].producer < 0) return OCT_OK;
    int k0 = g->val[s2].producer;
    if (!is_op(&g->node[k0], "Mul") || oct_graph_single_consumer(g, s2) != k1 || oct_graph_single_consumer(g, xs) != k0)
        return OCT_OK;
    int wsv = other_input(&g->node[k0], xs);
    const oct_tensor *ws = cst(g, wsv);
    if (!ws || ws->dtype != OCT_DT_F32 || (oct_tensor_numel(ws) != 1 && oct_tensor_numel(ws) != N)) return OCT_OK;
    /* ws must be the second operand of x_scale * w_scale for the same float product (commutative: fine) */
    int y = g->node[k1].out[0], ka = -1, kact = -1, bias = -1;
    int c = oct_graph_single_consumer(g, y);
    if (c >= 0 && is_op(&g->node[c], "Add")) {
        int b = other_input(&g->node[c], y);
        const oct_tensor *bt = cst(g, b);
        if (bt && bt->dtype == OCT_DT_F32 && oct_tensor_numel(bt) == N && bt->dims[bt->rank ? bt->rank - 1 : 0] == N) {
            ka = c;
            bias = b;
            y = g->node[c].out[0];
            c = oct_graph_single_consumer(g, y);
        }
    }
    oct_act act = {OCT_ACT_NONE, 0, 0};
    if (c >= 0 && (act_node(g, &g->node[c], &act) || is_op(&g->node[c], "LeakyRelu"))) {
        if (is_op(&g->node[c], "LeakyRelu")) {
            act.kind = OCT_ACT_LEAKYRELU;
            act.alpha = oct_attr_float(&g->node[c], "alpha", 0.01f);
        }
        kact = c;
        y = g->node[c].out[0];
    } else {
        act.kind = OCT_ACT_NONE;
    }
    int in[4] = {dq->in[0], m->in[1], wsv, bias};
    char name[512];
    snprintf(name, sizeof name, "%s_dynq", g->node[km].name);
    if (oct_graph_set_opset(g, "com.octet", 1) != OCT_OK) return oct_err(OCT_E_NOMEM, "out of memory");
    int nk = oct_graph_add_node(g, "DynQMatMul", "com.octet", name, bias >= 0 ? 4 : 3, in, 1, &y);
    if (nk < 0) return oct_err(OCT_E_NOMEM, "out of memory");
    g->node[nk].act = act;
    g->node[k].dead = g->node[km].dead = g->node[kc].dead = g->node[k0].dead = g->node[k1].dead = 1;
    if (ka >= 0) g->node[ka].dead = 1;
    if (kact >= 0) g->node[kact].dead = 1;
    g->val[y].producer = nk;
    (*done)++;
    return OCT_OK;
}

oct_status oct_pass_qdq_fuse(oct_graph *g, int *count)
{
    int done = 0;
    oct_graph_link(g);
    int n0 = g->n_node; /* nodes added by the pass are already fused */
    for (int k = 0; k < n0; k++) {
        oct_node *n = &g->node[k];
        if (n->dead || *n->domain) continue;
        if (!strcmp(n->op_type, "Conv")) OCT_TRY(fuse_conv(g, k, &done));
        else if (!strcmp(n->op_type, "Gemm")) OCT_TRY(fuse_gemm(g, k, &done));
        else if (!strcmp(n->op_type, "MatMul")) OCT_TRY(fuse_matmul(g, k, &done));
        else if (!strcmp(n->op_type, "Add")) OCT_TRY(fuse_add(g, k, &done));
        else if (!strcmp(n->op_type, "AveragePool")) OCT_TRY(fuse_pool(g, k, "QLinearAveragePool", &done));
        else if (!strcmp(n->op_type, "GlobalAveragePool")) OCT_TRY(fuse_pool(g, k, "QLinearGlobalAveragePool", &done));
        else if (!strcmp(n->op_type, "MaxPool") || !strcmp(n->op_type, "Reshape") || !strcmp(n->op_type, "Flatten") ||
                 !strcmp(n->op_type, "Transpose") || !strcmp(n->op_type, "Squeeze") || !strcmp(n->op_type, "Unsqueeze"))
            fuse_passthrough(g, k, &done);
        else if (!strcmp(n->op_type, "QuantizeLinear")) fuse_requant_identity(g, k, &done);
        else if (!strcmp(n->op_type, "DynamicQuantizeLinear")) OCT_TRY(fuse_dynamic(g, k, &done));
    }
    if (count) *count = done;
    if (!done) return OCT_OK;
    OCT_TRY(oct_graph_resolve_ops(g));
    oct_graph_link(g);
    return oct_graph_toposort(g);
}
