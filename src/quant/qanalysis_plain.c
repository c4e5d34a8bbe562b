/* Plain int8 for the report's before / after columns (quant/analysis.h): the
 * base graph as imported (no equalization), calibrated on its own, quantized
 * without bias correction, every layer int8. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "quant/analysis.h"

oct_status oct_qanalysis_plain(oct_qanalysis *a, const oct_tensor *calib, int64_t act_samples)
{
    if (!calib || calib->rank < 1 || calib->dims[0] < 1)
        return oct_err(OCT_E_INVALID, "%s: plain int8 needs the calibration data", a->model);
    oct_qconfig q = *a->q;
    q.equalize = 0;
    q.bias_correct = 0;
    oct_qanalysis t = *a; /* shallow: only the fields below are replaced, and freed here */
    t.q = &q;
    t.base = a->plain ? a->plain : a->base;
    memset(&t.stats, 0, sizeof t.stats);
    memset(&t.bias, 0, sizeof t.bias);
    t.act = NULL;
    t.n_act = 0;
    t.layer = malloc((size_t)(a->n_layer > 0 ? a->n_layer : 1) * sizeof *t.layer);
    oct_qdq_plan p;
    memset(&p, 0, sizeof p);
    unsigned char *want = calloc((size_t)t.base->n_val + 1, 1);
    oct_status st = t.layer && want ? OCT_OK : oct_err(OCT_E_NOMEM, "out of memory");
    if (st == OCT_OK) memcpy(t.layer, a->layer, (size_t)a->n_layer * sizeof *t.layer);
    if (st == OCT_OK) st = oct_qdq_plan_make(t.base, &q, NULL, &p);
    for (int v = 0; st == OCT_OK && v < t.base->n_val; v++) want[v] = p.quant[v] && p.share[v] == v;
    oct_qdq_plan_free(&p);
    oct_tensor *cx = NULL;
    if (st == OCT_OK && !(cx = oct_quant_calib_rows(calib, &q))) st = OCT_E_NOMEM;
    if (st == OCT_OK) st = oct_calibrate(t.base, want, cx, 64, q.method != OCT_CALIB_MINMAX, NULL, &t.stats);
    if (st == OCT_OK) st = oct_sqnr_weights(&t);
    if (st == OCT_OK) st = oct_sqnr_activations(&t, NULL, act_samples);
    oct_graph *g = NULL;
    if (st == OCT_OK) st = oct_qanalysis_build(&t, NULL, &g);
    if (st == OCT_OK) st = oct_qanalysis_eval(&t, g, &a->plain_acc, &a->plain_out_sqnr, NULL);
    if (st == OCT_OK) {
        for (int l = 0; l < a->n_layer; l++) {
            a->layer[l].weight_sqnr_pre = t.layer[l].weight_sqnr;
            a->layer[l].act_sqnr_pre = t.layer[l].act_sqnr;
        }
        a->have_plain = 1;
    }
    oct_tensor_free(cx);
    free(want);
    free(t.layer);
    free(t.act);
    oct_calib_stats_free(&t.stats);
    return st == OCT_OK ? OCT_OK : oct_err_ctx(st, "plain int8: ");
}
