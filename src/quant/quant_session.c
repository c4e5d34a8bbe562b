/* A session at the precision a quantization config asks for: fp32 loads the
 * model as is; int8 / fp16 build the quantized graph (calibrating static int8
 * on the config's data, with mixed precision when it has an accuracy budget)
 * and load that. */
#include <stdio.h>
#include <string.h>

#include "io/dataset.h"
#include "quant/analysis.h"
#include "quant/quantize.h"
#include "quant/quant_session.h"

/* Static int8 within the config's accuracy budget (AMP); the choice goes to note. */
static oct_status amp_graph(const char *model_path, const oct_qconfig *q, const float *norm_default, int n_threads,
                            const oct_progress *prog, oct_graph **g, char *note)
{
    oct_amp_opts o = {norm_default, NULL, 0, NULL, n_threads, prog};
    oct_qanalysis a;
    oct_status s = oct_amp_quantize_model(model_path, q, &o, &a, g);
    if (s == OCT_OK && note && a.amp_ran && a.n_step > 0) {
        const oct_amp_step *last = &a.step[a.n_step - 1];
        snprintf(note, OCT_QNOTE_MAX,
                 "mixed precision: %d of %d layers kept in %s; top-1 on %lld samples: fp32 %.2f%%, all int8 %.2f%%, "
                 "chosen %.2f%% (drop %.2f, budget %.3g): %s",
                 a.n_step - 1, a.n_layer, q->fallback == OCT_PREC_FP16 ? "fp16" : "fp32", (long long)a.n_eval,
                 a.fp32_acc, a.int8_acc, last->acc, last->drop, a.max_drop, a.amp_met ? "budget met" : "budget NOT met");
    }
    oct_qanalysis_free(&a);
    return s;
}

oct_status oct_quant_session_load(const char *model_path, const oct_qconfig *q, const float *norm_default,
                                  const oct_session_opts *so, const oct_progress *prog, oct_session **out,
                                  oct_graph **qgraph, char *note)
{
    *out = NULL;
    if (qgraph) *qgraph = NULL;
    if (note) *note = 0;
    if (q->precision == OCT_PREC_FP32 && !qgraph) return oct_session_load(model_path, so, out);
    oct_dataset ds;
    memset(&ds, 0, sizeof ds);
    if (q->precision == OCT_PREC_INT8 && !q->act_dynamic) {
        if (!q->has_calib_data)
            return oct_err(OCT_E_INVALID, "%s: static int8 needs calibration data (quantization.calibration.data)",
                           model_path);
        if (!q->has_budget) OCT_TRY(oct_dataset_load(&q->calib, norm_default, q->samples, 0, &ds));
    }
    oct_graph *g = NULL;
    oct_status s = OCT_OK;
    if (q->precision == OCT_PREC_INT8 && !q->act_dynamic && q->has_budget)
        s = amp_graph(model_path, q, norm_default, so ? so->n_threads : 1, prog, &g, note);
    else
        s = oct_quantize_model(model_path, q, ds.x, prog, &g);
    oct_dataset_free(&ds);
    if (s != OCT_OK) return s;
    if (qgraph && !(*qgraph = oct_graph_clone(g))) {
        oct_graph_free(g);
        return OCT_E_NOMEM;
    }
    s = oct_session_from_graph(g, so, out);
    if (s != OCT_OK && qgraph) {
        oct_graph_free(*qgraph);
        *qgraph = NULL;
    }
    return s;
}
