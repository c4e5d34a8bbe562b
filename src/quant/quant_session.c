/* A session at the precision a quantization config asks for: fp32 loads the
 * model as is; int8 / fp16 build the quantized graph (calibrating static int8
 * on the config's data) and load that. */
#include <string.h>

#include "io/dataset.h"
#include "quant/quantize.h"
#include "quant/quant_session.h"

oct_status oct_quant_session_load(const char *model_path, const oct_qconfig *q, const float *norm_default,
                                  const oct_session_opts *so, const oct_progress *prog, oct_session **out,
                                  oct_graph **qgraph)
{
    *out = NULL;
    if (qgraph) *qgraph = NULL;
    if (q->precision == OCT_PREC_FP32 && !qgraph) return oct_session_load(model_path, so, out);
    oct_dataset ds;
    memset(&ds, 0, sizeof ds);
    if (q->precision == OCT_PREC_INT8 && !q->act_dynamic) {
        if (!q->has_calib_data)
            return oct_err(OCT_E_INVALID, "%s: static int8 needs calibration data (quantization.calibration.data)",
                           model_path);
        OCT_TRY(oct_dataset_load(&q->calib, norm_default, q->samples, 0, &ds));
    }
    oct_graph *g = NULL;
    oct_status s = oct_quantize_model(model_path, q, ds.x, prog, &g);
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
