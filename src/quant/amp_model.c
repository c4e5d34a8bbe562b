/* `octet quantize` with an accuracy budget and / or a report (quant/analysis.h):
 * load the calibration and evaluation data, analyse, run AMP when the config
 * has a budget, and write the report. */
#include <stdio.h>
#include <string.h>

#include "io/dataset.h"
#include "quant/analysis.h"

#define ACT_SAMPLES 256

oct_status oct_amp_quantize_model(const char *model_path, const oct_qconfig *q, const oct_amp_opts *o,
                                  oct_qanalysis *a, oct_graph **out)
{
    memset(a, 0, sizeof *a);
    *out = NULL;
    if (q->precision != OCT_PREC_INT8 || q->act_dynamic)
        return oct_err(OCT_E_INVALID, "%s: mixed precision and the report need static int8 (the config asks for %s%s)",
                       model_path, oct_precision_name(q->precision),
                       q->precision == OCT_PREC_INT8 ? " with dynamic activations" : "");
    if (!q->has_calib_data)
        return oct_err(OCT_E_INVALID, "%s: static int8 needs calibration data (quantization.calibration.data)",
                       model_path);
    const oct_data_spec *ev = o->eval ? o->eval : q->has_budget ? &q->budget_data : NULL;
    if (!ev)
        return oct_err(OCT_E_INVALID, "%s: the report needs labelled evaluation data: give "
                                      "quantization.accuracy_budget.data in the config, or --eval-idx-images and "
                                      "--eval-idx-labels", model_path);
    int64_t limit = o->eval_limit > 0 ? o->eval_limit : q->has_budget ? q->budget_samples : 0;
    oct_dataset cal, evd;
    memset(&cal, 0, sizeof cal);
    memset(&evd, 0, sizeof evd);
    OCT_TRY(oct_dataset_load(&q->calib, o->norm, q->samples, 0, &cal));
    oct_status st = oct_dataset_load(ev, o->norm, limit, 1, &evd);
    if (st != OCT_OK) oct_err_ctx(st, "evaluation data: ");
    if (st == OCT_OK) st = oct_qanalysis_init(a, model_path, q, cal.x, evd.x, evd.labels, o->n_threads, o->prog);
    if (st != OCT_OK) {
        oct_dataset_free(&cal);
        oct_dataset_free(&evd);
        return st;
    }
    /* the analysis keeps the evaluation data */
    a->x_owned = evd.x;
    a->labels_owned = evd.labels;
    memset(&evd, 0, sizeof evd);
    if (q->has_budget) st = oct_amp_run(a, q->max_drop, o->prog, out);
    else if (o->report_html) st = oct_sensitivity_run(a, o->prog);
    if (st == OCT_OK && !q->has_budget) st = oct_qanalysis_build(a, NULL, out);
    if (st == OCT_OK && o->report_html) {
        char jpath[OCT_PATH_MAX + 8];
        oct_report_json_path(o->report_html, jpath, sizeof jpath);
        st = oct_sqnr_weights(a);
        if (st == OCT_OK) st = oct_sqnr_activations(a, NULL, ACT_SAMPLES);
        if (st == OCT_OK) st = oct_qanalysis_plain(a, cal.x, ACT_SAMPLES);
        if (st == OCT_OK) st = oct_qanalysis_precisions(a);
        if (st == OCT_OK) st = oct_report_write_html(a, o->report_html);
        if (st == OCT_OK) st = oct_report_write_json(a, jpath);
    }
    oct_dataset_free(&cal);
    if (st != OCT_OK) {
        oct_graph_free(*out);
        *out = NULL;
    }
    return st;
}
