/* SQNR of the quantized weights and activations (quant/analysis.h).
 *
 * Activations: the float session (the base graph, no residual fusion, so
 * every base tensor is observed by name) and the quantized session (the QDQ
 * graph after the session's passes: integer operators) run the same batch.
 * The float observer keeps a copy of every quantized tensor; the quantized
 * observer matches "<v>_QuantizeLinear_Output" (integers, dequantized with
 * v's parameters from the plan) or "<v>_DequantizeLinear_Output" (float) to
 * v, first one per batch, and accumulates sum x^2 and sum (x - x')^2. The
 * NHWC integer chains of graph/pass_nhwc.c hold [N,H,W,C] data: a value
 * produced by an *Nhwc op, an "..._nhwc" Transpose, a QLinearAdd of NHWC
 * inputs or a channels_last QLinearGlobalAveragePool is read in that order. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quant/analysis.h"
#include "runtime/session.h"

#define ACT_BATCH 32
#define Q_SUFFIX "_QuantizeLinear_Output"
#define DQ_SUFFIX "_DequantizeLinear_Output"

double oct_sqnr_db(double signal, double noise)
{
    if (noise == 0) return signal > 0 ? INFINITY : NAN;
    if (signal == 0) return -INFINITY;
    return 10.0 * log10(signal / noise);
}

void oct_sqnr_accumulate(const float *x, const float *xq, int64_t n, double *signal, double *noise)
{
    double s = 0, e = 0;
    for (int64_t i = 0; i < n; i++) {
        double d = (double)x[i] - (double)xq[i];
        s += (double)x[i] * (double)x[i];
        e += d * d;
    }
    *signal += s;
    *noise += e;
}

int oct_sqnr_weight_axis(const oct_graph *g, const oct_node *n, const oct_tensor *w, int per_channel)
{
    if (!per_channel || oct_graph_opset(g, "") < 13) return -1;
    if (!strcmp(n->op_type, "Conv")) return 0;
    if (!strcmp(n->op_type, "Gemm")) return oct_attr_int(n, "transB", 0) ? 0 : 1;
    return w->rank - 1; /* MatMul [K, N] */
}

oct_status oct_sqnr_fake_quant(const oct_tensor *w, int axis, float *wq)
{
    if (w->dtype != OCT_DT_F32) return oct_err(OCT_E_DTYPE, "weight SQNR: the weight is %s, not float", oct_dtype_name(w->dtype));
    if (axis >= w->rank) return oct_err(OCT_E_INVALID, "weight SQNR: axis %d of a rank-%d weight", axis, w->rank);
    int64_t n = oct_tensor_numel(w), C = axis >= 0 ? w->dims[axis] : 1, inner = 1;
    for (int d = axis + 1; axis >= 0 && d < w->rank; d++) inner *= w->dims[d];
    float *sc = calloc((size_t)(C > 0 ? C : 1), sizeof *sc);
    if (!sc) return oct_err(OCT_E_NOMEM, "out of memory");
    const float *wf = w->data;
    for (int64_t i = 0; i < n; i++) {
        int64_t c = axis >= 0 ? (i / inner) % C : 0;
        float m = fabsf(wf[i]);
        if (m > sc[c]) sc[c] = m;
    }
    for (int64_t c = 0; c < C; c++) sc[c] = sc[c] > 0 && isfinite(sc[c]) ? sc[c] / 127.f : 1.f;
    for (int64_t i = 0; i < n; i++) {
        int64_t c = axis >= 0 ? (i / inner) % C : 0;
        float r = nearbyintf(wf[i] / sc[c]);
        r = r > 127.f ? 127.f : r < -127.f ? -127.f : r;
        wq[i] = r * sc[c];
    }
    free(sc);
    return OCT_OK;
}

oct_status oct_sqnr_weight(const oct_tensor *w, int axis, double *db)
{
    int64_t n = oct_tensor_numel(w);
    float *wq = malloc((size_t)(n > 0 ? n : 1) * sizeof *wq);
    if (!wq) return oct_err(OCT_E_NOMEM, "out of memory");
    oct_status st = oct_sqnr_fake_quant(w, axis, wq);
    double s = 0, e = 0;
    if (st == OCT_OK) oct_sqnr_accumulate(w->data, wq, n, &s, &e);
    free(wq);
    if (st == OCT_OK) *db = oct_sqnr_db(s, e);
    return st;
}

oct_status oct_sqnr_weights(oct_qanalysis *a)
{
    const oct_graph *g = a->base;
    for (int l = 0; l < a->n_layer; l++) {
        oct_qlayer *L = &a->layer[l];
        const oct_node *n = &g->node[L->node];
        L->weight_sqnr = NAN;
        if (!strcmp(n->op_type, "Add")) continue;
        const oct_tensor *w = n->n_in > 1 && n->in[1] >= 0 ? g->val[n->in[1]].constant : NULL;
        if (!w) continue;
        oct_status st = oct_sqnr_weight(w, oct_sqnr_weight_axis(g, n, w, a->q->per_channel), &L->weight_sqnr);
        if (st != OCT_OK) return oct_err_ctx(st, "%s: node '%s': ", a->model, L->name);
    }
    return OCT_OK;
}

/* ---- activations ---- */

typedef struct act_ctx {
    const oct_graph *base;
    const oct_qdq_plan *p;
    int *fmap, *qmap;           /* per float / quantized session value: base value or -1 */
    unsigned char *nhwc;        /* per quantized session value: NHWC layout */
    float *scale;               /* per base value */
    int32_t *zp;
    oct_tensor **ref;           /* per base value: the float values of this batch */
    unsigned char *done;
    double *sig, *err;
    int64_t *cnt;
    float *tmp;                 /* dequantized values */
    size_t tmp_n;
} act_ctx;

static int ends_with(const char *s, const char *suf, size_t *stem)
{
    size_t n = strlen(s), m = strlen(suf);
    if (n <= m || strcmp(s + n - m, suf)) return 0;
    *stem = n - m;
    return 1;
}

static oct_status keep_ref(act_ctx *c, int v, const oct_tensor *t)
{
    if (v < 0 || !c->p->quant[v] || !t || !t->data || t->dtype != OCT_DT_F32) return OCT_OK;
    oct_tensor *r = c->ref[v];
    if (r && oct_shape_equal(r->rank, r->dims, t->rank, t->dims)) {
        memcpy(r->data, t->data, oct_tensor_nbytes(t));
        return OCT_OK;
    }
    oct_tensor_free(r);
    c->ref[v] = oct_tensor_clone(t);
    return c->ref[v] ? OCT_OK : oct_err(OCT_E_NOMEM, "out of memory");
}

static oct_status float_observer(void *ctx, const oct_node *n, const oct_tensor *const *out)
{
    act_ctx *c = ctx;
    for (int j = 0; j < n->n_out; j++)
        if (n->out[j] >= 0) OCT_TRY(keep_ref(c, c->fmap[n->out[j]], out[j]));
    return OCT_OK;
}

static oct_status compare(act_ctx *c, int sv, int v, const oct_tensor *t)
{
    const oct_tensor *r = c->ref[v];
    if (!r || c->done[v] || !t || !t->data) return OCT_OK;
    int64_t n = oct_tensor_numel(t);
    if (n != oct_tensor_numel(r)) return OCT_OK;
    int nhwc = c->nhwc[sv] && r->rank == 4 && t->rank == 4;
    if (nhwc) {
        if (t->dims[0] != r->dims[0] || t->dims[1] != r->dims[2] || t->dims[2] != r->dims[3] || t->dims[3] != r->dims[1])
            return OCT_OK;
    } else if (!oct_shape_equal(r->rank, r->dims, t->rank, t->dims)) {
        return OCT_OK;
    }
    if ((size_t)n > c->tmp_n) {
        float *p = realloc(c->tmp, (size_t)n * sizeof *p);
        if (!p) return oct_err(OCT_E_NOMEM, "out of memory");
        c->tmp = p;
        c->tmp_n = (size_t)n;
    }
    int integer = t->dtype == OCT_DT_U8 || t->dtype == OCT_DT_I8;
    if (!integer && t->dtype != OCT_DT_F32) return OCT_OK;
    float s = c->scale[v];
    int32_t z = c->zp[v];
    int64_t C = nhwc ? r->dims[1] : 1, HW = nhwc ? r->dims[2] * r->dims[3] : 1;
    for (int64_t i = 0; i < n; i++) {
        int64_t src = i; /* r's (NCHW) element i sits at src in t */
        if (nhwc) {
            int64_t b = i / (C * HW), ch = (i / HW) % C, hw = i % HW;
            src = (b * HW + hw) * C + ch;
        }
        c->tmp[i] = t->dtype == OCT_DT_U8   ? (float)((int32_t)((const uint8_t *)t->data)[src] - z) * s
                    : t->dtype == OCT_DT_I8 ? (float)((int32_t)((const int8_t *)t->data)[src] - z) * s
                                            : ((const float *)t->data)[src];
    }
    oct_sqnr_accumulate(r->data, c->tmp, n, &c->sig[v], &c->err[v]);
    c->cnt[v] += n;
    c->done[v] = 1;
    return OCT_OK;
}

static oct_status quant_observer(void *ctx, const oct_node *n, const oct_tensor *const *out)
{
    act_ctx *c = ctx;
    for (int j = 0; j < n->n_out; j++) {
        int sv = n->out[j];
        if (sv < 0 || c->qmap[sv] < 0) continue;
        OCT_TRY(compare(c, sv, c->qmap[sv], out[j]));
    }
    return OCT_OK;
}

/* Base value of each session value by name; for the quantized graph, the
 * Q / DQ outputs named after a quantized tensor, their kind and layout. */
static oct_status map_values(act_ctx *c, const oct_graph *fg, const oct_graph *qg)
{
    c->fmap = malloc(((size_t)fg->n_val + 1) * sizeof *c->fmap);
    c->qmap = malloc(((size_t)qg->n_val + 1) * sizeof *c->qmap);
    c->nhwc = calloc((size_t)qg->n_val + 1, 1);
    if (!c->fmap || !c->qmap || !c->nhwc) return oct_err(OCT_E_NOMEM, "out of memory");
    for (int v = 0; v < fg->n_val; v++) c->fmap[v] = oct_graph_find_value(c->base, fg->val[v].name);
    char buf[1024];
    for (int v = 0; v < qg->n_val; v++) {
        size_t stem;
        const char *nm = qg->val[v].name;
        int q = ends_with(nm, Q_SUFFIX, &stem), dq = !q && ends_with(nm, DQ_SUFFIX, &stem);
        c->qmap[v] = -1;
        if ((!q && !dq) || stem >= sizeof buf) continue;
        memcpy(buf, nm, stem);
        buf[stem] = 0;
        int b = oct_graph_find_value(c->base, buf);
        if (b >= 0 && c->p->quant[b]) c->qmap[v] = b;
    }
    for (int k = 0; k < qg->n_node; k++) {
        const oct_node *n = &qg->node[k];
        if (n->dead || n->n_out < 1 || n->out[0] < 0) continue;
        size_t stem;
        const oct_attr *perm = oct_node_attr(n, "perm");
        int f = !strcmp(n->domain, "com.octet") && ends_with(n->op_type, "Nhwc", &stem);
        f |= !*n->domain && !strcmp(n->op_type, "Transpose") && ends_with(qg->val[n->out[0]].name, "_nhwc", &stem) &&
             perm && perm->n == 4 && perm->ints[0] == 0 && perm->ints[1] == 2 && perm->ints[2] == 3 && perm->ints[3] == 1;
        f |= !strcmp(n->domain, "com.microsoft") && !strcmp(n->op_type, "QLinearAdd") && n->n_in > 0 && n->in[0] >= 0 &&
             c->nhwc[n->in[0]];
        f |= !strcmp(n->domain, "com.microsoft") && !strcmp(n->op_type, "QLinearGlobalAveragePool") &&
             oct_attr_int(n, "channels_last", 0) == 1;
        c->nhwc[n->out[0]] = (unsigned char)f;
    }
    return OCT_OK;
}

static void act_ctx_free(act_ctx *c, int n_val)
{
    for (int v = 0; c->ref && v < n_val; v++) oct_tensor_free(c->ref[v]);
    free(c->fmap), free(c->qmap), free(c->nhwc), free(c->scale), free(c->zp);
    free(c->ref), free(c->done), free(c->sig), free(c->err), free(c->cnt), free(c->tmp);
}

static oct_status open_session(oct_graph *g, int n_threads, oct_session **s)
{
    oct_session_opts so;
    oct_session_opts_default(&so);
    so.device = "cpu"; /* analysis measures the CPU kernels */
    so.n_threads = n_threads;
    so.keep_adds = 1;
    return oct_session_from_graph(g, &so, s);
}

/* One batch through both sessions; the outputs' SQNR into osig / oerr. */
static oct_status run_batch(act_ctx *c, oct_session *fs, oct_session *qs, int in_v, const oct_tensor *xb, double *osig,
                            double *oerr)
{
    int nf = oct_session_n_outputs(fs), nq = oct_session_n_outputs(qs);
    oct_tensor *fo[64] = {0}, *qo[64] = {0};
    if (nf > 64 || nq > 64) return oct_err(OCT_E_UNSUPPORTED, "activation SQNR: more than 64 model outputs");
    memset(c->done, 0, (size_t)c->base->n_val);
    OCT_TRY(keep_ref(c, in_v, xb));
    oct_status st = oct_session_run(fs, &xb, fo);
    if (st == OCT_OK) st = oct_session_run(qs, &xb, qo);
    if (st == OCT_OK && fo[0] && qo[0] && fo[0]->dtype == OCT_DT_F32 && qo[0]->dtype == OCT_DT_F32 &&
        oct_tensor_numel(fo[0]) == oct_tensor_numel(qo[0]))
        oct_sqnr_accumulate(fo[0]->data, qo[0]->data, oct_tensor_numel(fo[0]), osig, oerr);
    for (int i = 0; i < 64; i++) oct_tensor_free(fo[i]), oct_tensor_free(qo[i]);
    return st;
}

static oct_status collect(oct_qanalysis *a, const act_ctx *c, const oct_qdq_plan *p, double osig, double oerr)
{
    const oct_graph *g = a->base;
    int n = 1;
    for (int v = 0; v < g->n_val; v++) n += p->quant[v];
    free(a->act);
    a->n_act = 0;
    if (!(a->act = calloc((size_t)n, sizeof *a->act))) return oct_err(OCT_E_NOMEM, "out of memory");
    /* graph inputs first, then node outputs in order */
    for (int i = 0; i < g->n_in; i++) {
        int v = g->in[i];
        if (v < 0 || !p->quant[v]) continue;
        oct_qact *t = &a->act[a->n_act++];
        snprintf(t->name, sizeof t->name, "%s", g->val[v].name);
        t->sqnr = c->cnt[v] ? oct_sqnr_db(c->sig[v], c->err[v]) : NAN;
    }
    for (int k = 0; k < g->n_node; k++) {
        const oct_node *nd = &g->node[k];
        for (int j = 0; !nd->dead && j < nd->n_out; j++) {
            int v = nd->out[j];
            if (v < 0 || !p->quant[v]) continue;
            oct_qact *t = &a->act[a->n_act++];
            snprintf(t->name, sizeof t->name, "%s", g->val[v].name);
            t->sqnr = c->cnt[v] ? oct_sqnr_db(c->sig[v], c->err[v]) : NAN;
        }
    }
    oct_qact *t = &a->act[a->n_act++];
    snprintf(t->name, sizeof t->name, "%s", g->n_out > 0 ? g->val[g->out[0]].name : "output");
    t->sqnr = oct_sqnr_db(osig, oerr);
    t->is_output = 1;
    for (int l = 0; l < a->n_layer; l++) {
        int v = p->unit_out[a->layer[l].node];
        a->layer[l].act_sqnr = v >= 0 && p->quant[v] && c->cnt[v] ? oct_sqnr_db(c->sig[v], c->err[v]) : NAN;
    }
    return OCT_OK;
}

oct_status oct_sqnr_activations(oct_qanalysis *a, const unsigned char *keep_float, int64_t samples)
{
    const oct_graph *g = a->base;
    if (samples <= 0) samples = 256;
    if (samples > a->n_eval) samples = a->n_eval;
    a->act_samples = samples;
    act_ctx c;
    memset(&c, 0, sizeof c);
    c.base = g;
    oct_qdq_plan p;
    OCT_TRY(oct_qdq_plan_make(g, a->q, keep_float, &p));
    c.p = &p;
    oct_status st = oct_qdq_plan_ranges(&p, &a->stats, a->q);
    size_t nv = (size_t)g->n_val + 1;
    c.scale = calloc(nv, sizeof *c.scale);
    c.zp = calloc(nv, sizeof *c.zp);
    c.ref = calloc(nv, sizeof *c.ref);
    c.done = calloc(nv, 1);
    c.sig = calloc(nv, sizeof *c.sig);
    c.err = calloc(nv, sizeof *c.err);
    c.cnt = calloc(nv, sizeof *c.cnt);
    if (st == OCT_OK && (!c.scale || !c.zp || !c.ref || !c.done || !c.sig || !c.err || !c.cnt))
        st = oct_err(OCT_E_NOMEM, "out of memory");
    oct_dtype qdt = a->q->act_dtype == OCT_DT_I8 ? OCT_DT_I8 : OCT_DT_U8;
    for (int v = 0; v < g->n_val && st == OCT_OK; v++)
        if (p.quant[v]) oct_quant_params(p.lo[v], p.hi[v], qdt, &c.scale[v], &c.zp[v]);
    oct_graph *fg = NULL, *qg = NULL;
    oct_session *fs = NULL, *qs = NULL;
    if (st == OCT_OK && !(fg = oct_graph_clone(g))) st = OCT_E_NOMEM;
    if (st == OCT_OK) st = open_session(fg, a->n_threads, &fs);
    if (st == OCT_OK) st = oct_qanalysis_build(a, keep_float, &qg);
    if (st == OCT_OK) st = open_session(qg, a->n_threads, &qs);
    if (st == OCT_OK && (oct_session_n_inputs(fs) != 1 || oct_session_n_inputs(qs) != 1))
        st = oct_err(OCT_E_UNSUPPORTED, "%s: activation SQNR needs a model with one input", a->model);
    if (st == OCT_OK) st = map_values(&c, oct_session_graph(fs), oct_session_graph(qs));
    int in_v = st == OCT_OK ? oct_graph_find_value(g, oct_session_input(fs, 0)->name) : -1;
    if (st == OCT_OK) {
        oct_session_set_observer(fs, float_observer, &c);
        oct_session_set_observer(qs, quant_observer, &c);
    }
    double osig = 0, oerr = 0;
    const oct_tensor *x = a->x;
    size_t row = oct_tensor_nbytes(x) / (size_t)x->dims[0];
    for (int64_t b = 0; b < samples && st == OCT_OK; b += ACT_BATCH) {
        int64_t m = samples - b < ACT_BATCH ? samples - b : ACT_BATCH, dims[OCT_MAX_RANK];
        memcpy(dims, x->dims, sizeof dims);
        dims[0] = m;
        oct_tensor *xb = oct_tensor_wrap(x->dtype, x->rank, dims, (char *)x->data + (size_t)b * row);
        st = xb ? run_batch(&c, fs, qs, in_v, xb, &osig, &oerr) : OCT_E_NOMEM;
        oct_tensor_free(xb);
    }
    if (st == OCT_OK) st = collect(a, &c, &p, osig, oerr);
    oct_session_free(fs);
    oct_session_free(qs);
    act_ctx_free(&c, g->n_val);
    oct_qdq_plan_free(&p);
    return st == OCT_OK ? OCT_OK : oct_err_ctx(st, "activation SQNR: ");
}
