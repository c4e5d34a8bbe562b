/* octet — loading a model at the precision of its quantization config. */
#ifndef OCT_QUANT_QUANT_SESSION_H
#define OCT_QUANT_QUANT_SESSION_H

#include "quant/quantize.h"
#include "runtime/session.h"

/* norm_default: {scale, mean, std} for IDX calibration images without their
 * own (the model's preprocess), or NULL. qgraph (may be NULL) receives a copy
 * of the quantized graph before session passes (what `octet quantize` writes).
 * Static int8 with an accuracy budget runs automatic mixed precision
 * (quant/analysis.h) on the budget's data and loads the chosen mix; note (may
 * be NULL, OCT_QNOTE_MAX bytes) then receives one line saying what it chose,
 * and is "" otherwise. */
#define OCT_QNOTE_MAX 512
oct_status oct_quant_session_load(const char *model_path, const oct_qconfig *q, const float *norm_default,
                                  const oct_session_opts *so, const oct_progress *prog, oct_session **out,
                                  oct_graph **qgraph, char *note);

#endif
