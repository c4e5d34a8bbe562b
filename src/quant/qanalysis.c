/* The analysis context (quant/analysis.h): the base graph, its layers, one
 * calibration over every tensor any mix of layers can quantize, the fp32
 * reference outputs, and building / evaluating one mix. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "quant/analysis.h"
#include "quant/fp16.h"
#include "runtime/session.h"

#define EVAL_BATCH 64

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void oct_qanalysis_free(oct_qanalysis *a)
{
    oct_graph_free(a->base);
    oct_graph_free(a->plain);
    oct_cle_result_free(&a->cle);
    oct_input_stats_free(&a->bias);
    oct_calib_stats_free(&a->stats);
    oct_tensor_free(a->ref);
    oct_tensor_free(a->x_owned);
    free(a->labels_owned);
    free(a->layer);
    free(a->act);
    free(a->step);
    free(a->keep_float);
    memset(a, 0, sizeof *a);
}

int64_t oct_qanalysis_weight_bytes(const oct_graph *g)
{
    unsigned char *seen = calloc((size_t)g->n_val + 1, 1);
    if (!seen) return -1;
    int64_t bytes = 0;
    for (int i = 0; i < g->n_node; i++) {
        const oct_node *n = &g->node[i];
        if (n->dead) continue;
        for (int j = 0; j < n->n_in; j++) {
            int v = n->in[j];
            if (v < 0 || seen[v] || !g->val[v].constant) continue;
            seen[v] = 1;
            bytes += (int64_t)oct_tensor_nbytes(g->val[v].constant);
        }
    }
    free(seen);
    return bytes;
}

/* Run g on the evaluation data. ref (may be NULL): outputs to compare with;
 * logits (may be NULL): receives a copy of output 0 [n, classes]. */
static oct_status run_eval(const oct_qanalysis *a, oct_graph *g, const oct_tensor *ref, double *acc, double *sqnr,
                           double *ips, oct_tensor **logits)
{
    oct_session_opts so;
    oct_session_opts_default(&so);
    so.device = "cpu"; /* analysis measures the CPU kernels */
    so.n_threads = a->n_threads;
    oct_session *s = NULL;
    OCT_TRY(oct_session_from_graph(g, &so, &s));
    int n_out = oct_session_n_outputs(s);
    oct_status st = OCT_OK;
    if (oct_session_n_inputs(s) != 1 || n_out < 1)
        st = oct_err(OCT_E_UNSUPPORTED, "%s: the analysis needs one input and a logits output (the model has %d inputs, %d outputs)",
                     a->model, oct_session_n_inputs(s), n_out);
    oct_tensor **out = st == OCT_OK ? calloc((size_t)n_out, sizeof *out) : NULL;
    if (st == OCT_OK && !out) st = oct_err(OCT_E_NOMEM, "out of memory");
    const oct_tensor *x = a->x;
    int64_t n = a->n_eval, correct = 0, classes = 0;
    size_t row = n > 0 ? oct_tensor_nbytes(x) / (size_t)x->dims[0] : 0;
    double sig = 0, err = 0, t_run = 0;
    oct_tensor *lg = NULL;
    for (int64_t b = 0; b < n && st == OCT_OK; b += EVAL_BATCH) {
        int64_t m = n - b < EVAL_BATCH ? n - b : EVAL_BATCH, dims[OCT_MAX_RANK];
        memcpy(dims, x->dims, sizeof dims);
        dims[0] = m;
        oct_tensor *xb = oct_tensor_wrap(x->dtype, x->rank, dims, (char *)x->data + (size_t)b * row);
        if (!xb) {
            st = oct_err(OCT_E_NOMEM, "out of memory");
            break;
        }
        double t0 = now_s();
        st = oct_session_run(s, (const oct_tensor *const *)&xb, out);
        t_run += now_s() - t0;
        oct_tensor_free(xb);
        if (st != OCT_OK) break;
        const oct_tensor *o = out[0];
        if (o->dtype != OCT_DT_F32 || o->rank != 2 || o->dims[0] != m || o->dims[1] < 1 ||
            (classes && o->dims[1] != classes))
            st = oct_err(OCT_E_SHAPE, "%s: output '%s' must be float logits [batch, classes]", a->model,
                         oct_session_output(s, 0)->name);
        if (st == OCT_OK && !classes) {
            classes = o->dims[1];
            if (ref && ref->dims[1] != classes) st = oct_err(OCT_E_SHAPE, "%s: output 0 changed shape", a->model);
            int64_t ld[2] = {n, classes};
            if (st == OCT_OK && logits && !(lg = oct_tensor_new(OCT_DT_F32, 2, ld))) st = OCT_E_NOMEM;
        }
        if (st == OCT_OK) {
            const float *l = o->data;
            for (int64_t i = 0; i < m; i++) {
                int64_t best = 0;
                for (int64_t c = 1; c < classes; c++)
                    if (l[i * classes + c] > l[i * classes + best]) best = c;
                correct += best == a->labels[b + i];
            }
            if (ref) oct_sqnr_accumulate((const float *)ref->data + b * classes, l, m * classes, &sig, &err);
            if (lg) memcpy((float *)lg->data + b * classes, l, (size_t)(m * classes) * sizeof(float));
        }
        for (int i = 0; i < n_out; i++) {
            oct_tensor_free(out[i]);
            out[i] = NULL;
        }
    }
    free(out);
    oct_session_free(s);
    if (st != OCT_OK) {
        oct_tensor_free(lg);
        return st;
    }
    if (acc) *acc = n ? 100.0 * (double)correct / (double)n : NAN;
    if (sqnr) *sqnr = ref ? oct_sqnr_db(sig, err) : NAN;
    if (ips) *ips = t_run > 0 ? (double)n / t_run : NAN;
    if (logits) *logits = lg;
    return OCT_OK;
}

oct_status oct_qanalysis_eval(const oct_qanalysis *a, oct_graph *g, double *acc, double *out_sqnr, double *ips)
{
    return run_eval(a, g, a->ref, acc, out_sqnr, ips, NULL);
}

/* fp16 fallback: every node keeps fp32 weights except the layers kept out of int8. */
typedef struct kept_ctx {
    const oct_graph *base;
    const unsigned char *keep;
} kept_ctx;

static int not_kept(void *ctx, const oct_node *n)
{
    const kept_ctx *k = ctx;
    for (int i = 0; n->name && *n->name && i < k->base->n_node; i++)
        if (k->keep[i] && k->base->node[i].name && !strcmp(k->base->node[i].name, n->name)) return 0;
    return 1;
}

oct_status oct_qanalysis_build(const oct_qanalysis *a, const unsigned char *keep_float, oct_graph **out)
{
    *out = NULL;
    oct_qdq_plan p;
    OCT_TRY(oct_qdq_plan_make(a->base, a->q, keep_float, &p));
    oct_status st = oct_qdq_plan_ranges(&p, &a->stats, a->q);
    oct_graph *g = NULL;
    if (st == OCT_OK && !(g = oct_graph_clone(a->base))) st = OCT_E_NOMEM;
    if (st == OCT_OK && a->q->bias_correct && a->bias.mean) {
        unsigned char *which = calloc((size_t)a->base->n_node + 1, 1);
        int count = 0;
        if (!which) st = oct_err(OCT_E_NOMEM, "out of memory");
        for (int i = 0; which && i < a->base->n_node; i++) which[i] = p.kind[i] == OCT_QN_COMPUTE;
        if (st == OCT_OK) st = oct_bias_apply(g, which, a->q->per_channel, &a->bias, &count);
        free(which);
    }
    if (st == OCT_OK) st = oct_qdq_insert(g, &p, a->q);
    oct_qdq_plan_free(&p);
    int any = 0;
    for (int i = 0; keep_float && i < a->base->n_node; i++) any |= keep_float[i];
    if (st == OCT_OK && any && a->q->fallback == OCT_PREC_FP16) {
        kept_ctx k = {a->base, keep_float};
        st = oct_quant_to_fp16(g, not_kept, &k, NULL, NULL);
    }
    if (st != OCT_OK) {
        oct_graph_free(g);
        return oct_err_ctx(st, "%s: ", a->model);
    }
    *out = g;
    return OCT_OK;
}

/* Layers from the all-int8 plan, and the union of the calibrated tensors of
 * that plan and of every one-layer plan into want. */
static oct_status find_layers(oct_qanalysis *a, unsigned char *want)
{
    const oct_graph *g = a->base;
    oct_qdq_plan p;
    OCT_TRY(oct_qdq_plan_make(g, a->q, NULL, &p));
    for (int i = 0; i < g->n_node; i++) a->n_layer += p.kind[i] == OCT_QN_COMPUTE;
    a->layer = calloc((size_t)a->n_layer + 1, sizeof *a->layer);
    unsigned char *keep = calloc((size_t)g->n_node + 1, 1);
    oct_status st = a->layer && keep ? OCT_OK : oct_err(OCT_E_NOMEM, "out of memory");
    for (int v = 0; v < g->n_val && st == OCT_OK; v++) want[v] |= p.quant[v] && p.share[v] == v;
    int k = 0;
    for (int i = 0; i < g->n_node && st == OCT_OK; i++) {
        if (p.kind[i] != OCT_QN_COMPUTE) continue;
        const oct_node *n = &g->node[i];
        oct_qlayer *L = &a->layer[k++];
        L->node = i;
        snprintf(L->name, sizeof L->name, "%s", n->name && *n->name ? n->name : g->val[n->out[0]].name);
        snprintf(L->op_type, sizeof L->op_type, "%s", n->op_type);
        L->weight_sqnr = L->act_sqnr = L->sens_sqnr = L->sens_acc = NAN;
        L->sens_rank = -1;
        keep[i] = 1;
    }
    oct_qdq_plan_free(&p);
    for (int l = 0; l < a->n_layer && st == OCT_OK; l++) {
        keep[a->layer[l].node] = 0;
        st = oct_qdq_plan_make(g, a->q, keep, &p);
        keep[a->layer[l].node] = 1;
        if (st != OCT_OK) break;
        for (int v = 0; v < g->n_val; v++) want[v] |= p.quant[v] && p.share[v] == v;
        oct_qdq_plan_free(&p);
    }
    free(keep);
    return st;
}

oct_status oct_qanalysis_init(oct_qanalysis *a, const char *model_path, const oct_qconfig *q, const oct_tensor *calib,
                              const oct_tensor *x, const int64_t *labels, int n_threads, const oct_progress *prog)
{
    memset(a, 0, sizeof *a);
    snprintf(a->model, sizeof a->model, "%s", model_path);
    a->q = q;
    a->n_threads = n_threads;
    a->x = x;
    a->labels = labels;
    a->int8_acc = a->int8_out_sqnr = NAN;
    if (q->precision != OCT_PREC_INT8 || q->act_dynamic)
        return oct_err(OCT_E_INVALID, "%s: sensitivity, mixed precision and the report need static int8 "
                                      "(precision int8, activations static)", model_path);
    if (!x || x->rank < 1 || x->dims[0] < 1 || !labels)
        return oct_err(OCT_E_INVALID, "%s: the analysis needs labelled evaluation data", model_path);
    if (!calib || calib->rank < 1 || calib->dims[0] < 1)
        return oct_err(OCT_E_INVALID, "%s: static int8 needs calibration data", model_path);
    a->n_eval = x->dims[0];
    OCT_TRY(oct_quant_base_graph(model_path, &a->base));
    oct_tensor *cx = oct_quant_calib_rows(calib, q);
    if (!cx) {
        oct_qanalysis_free(a);
        return oct_err(OCT_E_NOMEM, "out of memory");
    }
    a->n_calib = cx->dims[0];
    if (q->equalize) {
        oct_status se = (a->plain = oct_graph_clone(a->base)) ? OCT_OK : OCT_E_NOMEM;
        if (se == OCT_OK) se = oct_quant_equalize(a->base, q, cx, &a->cle);
        if (se != OCT_OK) {
            oct_tensor_free(cx);
            oct_qanalysis_free(a);
            return oct_err_ctx(se, "%s: equalization: ", model_path);
        }
    }
    unsigned char *want = calloc((size_t)a->base->n_val + 1, 1);
    a->keep_float = calloc((size_t)a->base->n_node + 1, 1);
    oct_status st = want && a->keep_float ? OCT_OK : oct_err(OCT_E_NOMEM, "out of memory");
    if (st == OCT_OK) st = find_layers(a, want);
    if (st == OCT_OK) {
        st = oct_calibrate(a->base, want, cx, 64, q->method != OCT_CALIB_MINMAX, prog, &a->stats);
        if (st != OCT_OK) oct_err_ctx(st, "%s: ", model_path);
    }
    if (st == OCT_OK && q->bias_correct) {
        st = oct_input_stats_run(a->base, NULL, cx, 64, &a->bias);
        if (st != OCT_OK) oct_err_ctx(st, "%s: ", model_path);
    }
    for (int l = 0; l < a->n_layer && st == OCT_OK; l++) {
        a->layer[l].weight_sqnr_pre = a->layer[l].act_sqnr_pre = NAN;
        for (int k = 0; k < a->cle.n_pair; k++)
            a->layer[l].equalized |= a->cle.pair[k].n1 == a->layer[l].node || a->cle.pair[k].n2 == a->layer[l].node;
    }
    a->plain_acc = a->plain_out_sqnr = NAN;
    oct_tensor_free(cx);
    free(want);
    oct_graph *g = NULL;
    if (st == OCT_OK && !(g = oct_graph_clone(a->base))) st = OCT_E_NOMEM;
    if (st == OCT_OK) st = run_eval(a, g, NULL, &a->fp32_acc, NULL, &a->fp32_ips, &a->ref);
    if (st != OCT_OK) oct_qanalysis_free(a);
    return st;
}
