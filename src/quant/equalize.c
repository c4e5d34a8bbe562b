/* Cross-layer equalization (quant/equalize.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/passes.h"
#include "quant/equalize.h"

#define CLE_MAX_SWEEPS 100
#define CLE_TOL 1e-4

/* Channel c of a weight: element (o, c, i) is data[(o * C + c) * inner + i]. */
typedef struct wview {
    float *data;
    int64_t outer, C, inner;
} wview;

typedef struct pair {
    int n1, n2;
    wview out1, in2;  /* layer1's output channels, layer2's input channels */
    float *bias;      /* layer1's bias (C values) or NULL */
    double *s;        /* cumulative scale per channel */
    double *a0;       /* on data: max |x_c| of layer2's input before equalization; NULL: on weights */
} pair;

static float chan_range(const wview *w, int64_t c)
{
    float m = 0;
    for (int64_t o = 0; o < w->outer; o++) {
        const float *p = w->data + (o * w->C + c) * w->inner;
        for (int64_t i = 0; i < w->inner; i++) m = fmaxf(m, fabsf(p[i]));
    }
    return m;
}

static void chan_scale(wview *w, int64_t c, float f)
{
    for (int64_t o = 0; o < w->outer; o++) {
        float *p = w->data + (o * w->C + c) * w->inner;
        for (int64_t i = 0; i < w->inner; i++) p[i] *= f;
    }
}

static int is_op(const oct_node *n, const char *op)
{
    return !strcmp(n->op_type, op) && (!n->domain || !n->domain[0]);
}

/* The constant float weight (input 1) of a Conv / Gemm / MatMul used only there, or NULL. */
static oct_tensor *layer_weight(const oct_graph *g, const oct_node *n, const char **why)
{
    *why = NULL;
    if (!is_op(n, "Conv") && !is_op(n, "Gemm") && !is_op(n, "MatMul")) return NULL;
    if (n->n_in < 2 || n->in[1] < 0 || !g->val[n->in[1]].constant) {
        *why = "its weight is not a constant";
        return NULL;
    }
    oct_tensor *w = g->val[n->in[1]].constant;
    if (w->dtype != OCT_DT_F32) {
        *why = "its weight is not float";
        return NULL;
    }
    if (oct_graph_use_count(g, n->in[1]) != 1) {
        *why = "its weight is shared with another node";
        return NULL;
    }
    if (is_op(n, "Gemm") && oct_attr_int(n, "transA", 0)) {
        *why = "Gemm with transA";
        return NULL;
    }
    if (!is_op(n, "Conv") && w->rank != 2) {
        *why = "a MatMul weight of rank other than 2";
        return NULL;
    }
    if (is_op(n, "Conv") && w->rank < 3) {
        *why = "a Conv weight of rank below 3";
        return NULL;
    }
    return w;
}

/* Output channels of layer1 as a view. */
static void out_view(const oct_node *n, oct_tensor *w, wview *v)
{
    v->data = w->data;
    int64_t numel = oct_tensor_numel(w);
    if (is_op(n, "Conv") || (is_op(n, "Gemm") && oct_attr_int(n, "transB", 0))) {
        v->outer = 1, v->C = w->dims[0], v->inner = numel / (w->dims[0] ? w->dims[0] : 1);
    } else { /* [K, N] */
        v->outer = w->dims[0], v->C = w->dims[1], v->inner = 1;
    }
}

/* Input channels of layer2 (f input features per channel) as a view; 0 when not expressible. */
static int in_view(const oct_node *n, oct_tensor *w, int64_t C, int64_t f, wview *v, const char **why)
{
    v->data = w->data;
    int64_t numel = oct_tensor_numel(w);
    if (is_op(n, "Conv")) {
        int64_t group = oct_attr_int(n, "group", 1), spatial = numel / (w->dims[0] * w->dims[1]);
        if (f != 1) return *why = "a Conv after a Flatten", 0;
        if (group == 1 && w->dims[1] == C) {
            v->outer = w->dims[0], v->C = C, v->inner = spatial;
            return 1;
        }
        if (group == C && w->dims[0] == C && w->dims[1] == 1) { /* depthwise, multiplier 1 */
            v->outer = 1, v->C = C, v->inner = spatial;
            return 1;
        }
        return *why = "a grouped convolution other than depthwise", 0;
    }
    int64_t K = is_op(n, "Gemm") && oct_attr_int(n, "transB", 0) ? w->dims[1] : w->dims[0];
    if (K != C * f) return *why = "the channel count does not match the next layer's inputs", 0;
    if (is_op(n, "Gemm") && oct_attr_int(n, "transB", 0)) /* [N, K] */
        v->outer = w->dims[0], v->C = C, v->inner = f;
    else /* [K, N] */
        v->outer = 1, v->C = C, v->inner = f * w->dims[1];
    return 1;
}

/* Whether an activation commutes with a positive per-channel scale. */
static int homogeneous(const oct_act *a)
{
    if (a->kind == OCT_ACT_NONE || a->kind == OCT_ACT_RELU || a->kind == OCT_ACT_LEAKYRELU) return 1;
    if (a->kind == OCT_ACT_CLIP)
        return (a->alpha == 0 || isinf(a->alpha)) && (isinf(a->beta) && a->beta > 0);
    return 0;
}

static int clip_homogeneous(const oct_graph *g, const oct_node *n)
{
    float lo = -INFINITY, hi = INFINITY;
    if (oct_node_attr(n, "min")) lo = oct_attr_float(n, "min", lo);
    if (oct_node_attr(n, "max")) hi = oct_attr_float(n, "max", hi);
    for (int j = 1; j < n->n_in && j < 3; j++) {
        if (n->in[j] < 0) continue;
        const oct_tensor *t = g->val[n->in[j]].constant;
        if (!t || t->dtype != OCT_DT_F32 || oct_tensor_numel(t) != 1) return 0;
        if (j == 1) lo = *(const float *)t->data;
        else hi = *(const float *)t->data;
    }
    return (lo == 0 || (isinf(lo) && lo < 0)) && isinf(hi) && hi > 0;
}

/* From layer1's output to layer2: *n2 and the features per channel f. 0 with *why when there is no pair. */
static int follow(const oct_graph *g, int n1, int64_t C, int *n2, int64_t *f, const char **why, char *buf, size_t nbuf)
{
    int v = g->node[n1].out[0];
    *f = 1;
    int flattened = 0;
    for (int hops = 0; hops < 64; hops++) {
        if (oct_graph_is_output(g, v)) return *why = NULL, 0; /* the last layer: nothing to say */
        int c = oct_graph_single_consumer(g, v);
        if (c < 0) return *why = "its output has several consumers (a residual branch)", 0;
        const oct_node *m = &g->node[c];
        if (is_op(m, "Conv") || is_op(m, "Gemm") || is_op(m, "MatMul")) {
            if (m->n_in < 1 || m->in[0] != v) return *why = "it feeds the weight input of a layer", 0;
            *n2 = c;
            return 1;
        }
        if (m->n_in < 1 || m->in[0] != v) {
            snprintf(buf, nbuf, "it feeds %.40s, which does not commute with a channel scale", m->op_type);
            return *why = buf, 0;
        }
        if (flattened) return *why = "an op after the Flatten", 0;
        if (is_op(m, "Relu") || is_op(m, "MaxPool") || is_op(m, "AveragePool") || is_op(m, "GlobalAveragePool") ||
            is_op(m, "GlobalMaxPool")) {
            if (!is_op(m, "Relu") && g->val[v].rank < 3) return *why = "a pool on a rank-2 value", 0;
        } else if (is_op(m, "LeakyRelu")) {
        } else if (is_op(m, "Clip")) {
            if (!clip_homogeneous(g, m)) return *why = "a Clip with a finite bound (ReLU6) is not positively homogeneous", 0;
        } else if (is_op(m, "Flatten") || is_op(m, "Reshape")) {
            const oct_value *a = &g->val[v], *b = m->out[0] >= 0 ? &g->val[m->out[0]] : NULL;
            if (!b || a->rank < 2 || b->rank != 2 || a->dims[1] != C) return *why = "a reshape of unknown shape", 0;
            int64_t inner = 1;
            for (int d = 2; d < a->rank; d++) inner *= a->dims[d];
            if (inner < 1 || a->dims[0] != b->dims[0] || b->dims[1] != C * inner)
                return *why = "a reshape that is not a flatten from axis 1", 0;
            *f = inner;
            flattened = 1;
        } else {
            snprintf(buf, nbuf, "it feeds %.40s, which does not commute with a channel scale", m->op_type);
            return *why = buf, 0;
        }
        if (m->n_out < 1 || m->out[0] < 0) return *why = "an op without output", 0;
        v = m->out[0];
    }
    return *why = "the path is too long", 0;
}

static oct_status add_skip(oct_cle_result *r, int n1, const char *why)
{
    if (!r) return OCT_OK;
    oct_cle_skip *s = realloc(r->skip, (size_t)(r->n_skip + 1) * sizeof *s);
    if (!s) return oct_err(OCT_E_NOMEM, "out of memory");
    r->skip = s;
    s[r->n_skip].n1 = n1;
    snprintf(s[r->n_skip].reason, sizeof s[r->n_skip].reason, "%s", why);
    r->n_skip++;
    return OCT_OK;
}

/* The pair starting at node i, or 0 (with a reason when one is worth giving). */
static int find_pair(oct_graph *g, int i, pair *p, const char **why, char *buf, size_t nbuf)
{
    oct_node *n = &g->node[i];
    *why = NULL;
    oct_tensor *w1 = layer_weight(g, n, why);
    if (!w1) return 0;
    if (n->n_out < 1 || n->out[0] < 0) return *why = NULL, 0;
    if (!homogeneous(&n->act)) return *why = "its fused Clip has a finite bound (ReLU6): not positively homogeneous", 0;
    if (!is_op(n, "Conv") && g->val[n->out[0]].rank != 2) return *why = "a MatMul / Gemm output of rank other than 2", 0;
    memset(p, 0, sizeof *p);
    out_view(n, w1, &p->out1);
    int64_t C = p->out1.C, f = 1;
    int n2 = -1;
    if (!follow(g, i, C, &n2, &f, why, buf, nbuf)) return 0;
    const char *why2 = NULL;
    oct_tensor *w2 = layer_weight(g, &g->node[n2], &why2);
    if (!w2) {
        *why = why2 ? why2 : "the next layer has no constant weight";
        return 0;
    }
    if (!in_view(&g->node[n2], w2, C, f, &p->in2, why)) return 0;
    if (n->n_in > 2 && n->in[2] >= 0) {
        oct_tensor *b = g->val[n->in[2]].constant;
        if (!b || b->dtype != OCT_DT_F32) return *why = "its bias is not a float constant", 0;
        if (oct_graph_use_count(g, n->in[2]) != 1) return *why = "its bias is shared with another node", 0;
        if (oct_tensor_numel(b) != C) return *why = "its bias is not one value per channel", 0;
        p->bias = b->data;
    }
    p->n1 = i;
    p->n2 = n2;
    return 1;
}

void oct_cle_result_free(oct_cle_result *r)
{
    if (!r) return;
    free(r->pair);
    free(r->skip);
    memset(r, 0, sizeof *r);
}

/* The range balanced against layer2's column c: the activation's now, or layer1's row
 * (on weights, and for a channel that was never nonzero on the data: without the
 * balance its column could keep a hostile scale and dominate layer2's rows). */
static double left_range(const pair *p, int64_t c)
{
    return p->a0 && p->a0[c] > 0 ? p->a0[c] / p->s[c] : chan_range(&p->out1, c);
}

/* One balancing step of pair p; returns the largest |log s| applied. */
static double balance(pair *p)
{
    double moved = 0;
    for (int64_t c = 0; c < p->out1.C; c++) {
        double r1 = left_range(p, c), r2 = chan_range(&p->in2, c);
        if (!(r1 > 0) || !(r2 > 0) || !isfinite(r1) || !isfinite(r2)) continue;
        double s = sqrt(r1 / r2);
        if (fabs(log(s)) < 1e-7) continue;
        chan_scale(&p->out1, c, (float)(1.0 / s));
        if (p->bias) p->bias[c] = (float)(p->bias[c] / s);
        chan_scale(&p->in2, c, (float)s);
        p->s[c] *= s;
        moved = fmax(moved, fabs(log(s)));
    }
    return moved;
}

static double ratio_spread(const pair *p)
{
    double lo = INFINITY, hi = 0;
    for (int64_t c = 0; c < p->out1.C; c++) {
        double r1 = left_range(p, c), r2 = chan_range(&p->in2, c);
        if (!(r1 > 0) || !(r2 > 0)) continue;
        lo = fmin(lo, r1 / r2);
        hi = fmax(hi, r1 / r2);
    }
    return hi > 0 ? hi / lo : 1;
}

/* On data: the per-channel ranges of layer2's input from act, when measured. */
static oct_status data_ranges(const oct_graph *g, const oct_input_stats *act, pair *p)
{
    int v = g->node[p->n2].in[0];
    if (!act || v < 0 || v >= act->n_val || !act->amax || !act->amax[v]) return OCT_OK;
    int64_t C = p->out1.C, per = act->numel[v];
    if (C < 1 || per % C) return OCT_OK;
    if (!(p->a0 = calloc((size_t)C, sizeof *p->a0))) return oct_err(OCT_E_NOMEM, "out of memory");
    for (int64_t i = 0; i < per; i++) /* channel-major: [C, inner] after the batch axis */
        p->a0[i / (per / C)] = fmax(p->a0[i / (per / C)], act->amax[v][i]);
    return OCT_OK;
}

oct_status oct_cle_run(oct_graph *g, const oct_input_stats *act, oct_cle_result *r)
{
    if (r) memset(r, 0, sizeof *r);
    pair *ps = NULL;
    int np = 0;
    oct_status st = OCT_OK;
    for (int i = 0; i < g->n_node && st == OCT_OK; i++) {
        if (g->node[i].dead) continue;
        pair p;
        const char *why = NULL;
        char buf[96];
        if (!find_pair(g, i, &p, &why, buf, sizeof buf)) {
            if (why) st = add_skip(r, i, why);
            continue;
        }
        pair *q = realloc(ps, (size_t)(np + 1) * sizeof *q);
        if (!q || !(p.s = malloc((size_t)p.out1.C * sizeof *p.s))) {
            if (q) ps = q;
            st = oct_err(OCT_E_NOMEM, "out of memory");
            break;
        }
        ps = q;
        for (int64_t c = 0; c < p.out1.C; c++) p.s[c] = 1;
        ps[np++] = p;
        st = data_ranges(g, act, &ps[np - 1]);
    }
    oct_cle_pair *out = NULL;
    if (st == OCT_OK && r && np && !(out = calloc((size_t)np, sizeof *out))) st = oct_err(OCT_E_NOMEM, "out of memory");
    for (int k = 0; k < np && out; k++) out[k].ratio_before = ratio_spread(&ps[k]);
    int sweeps = 0;
    while (st == OCT_OK && np && sweeps < CLE_MAX_SWEEPS) {
        double moved = 0;
        for (int k = 0; k < np; k++) moved = fmax(moved, balance(&ps[k]));
        sweeps++;
        if (moved < CLE_TOL) break;
    }
    for (int k = 0; k < np && out; k++) {
        out[k].n1 = ps[k].n1;
        out[k].n2 = ps[k].n2;
        out[k].channels = (int)ps[k].out1.C;
        out[k].on_data = ps[k].a0 != NULL;
        out[k].s_min = INFINITY;
        for (int64_t c = 0; c < ps[k].out1.C; c++) {
            out[k].s_min = fmin(out[k].s_min, ps[k].s[c]);
            out[k].s_max = fmax(out[k].s_max, ps[k].s[c]);
        }
    }
    if (r && st == OCT_OK) {
        r->pair = out;
        r->n_pair = np;
        r->sweeps = sweeps;
        out = NULL;
    }
    free(out);
    for (int k = 0; k < np; k++) {
        free(ps[k].s);
        free(ps[k].a0);
    }
    free(ps);
    if (st != OCT_OK && r) oct_cle_result_free(r);
    return st;
}
