/* octet — loading a model at the precision of its quantization config. */
#ifndef OCT_QUANT_QUANT_SESSION_H
#define OCT_QUANT_QUANT_SESSION_H

#include "quant/quantize.h"
#include "runtime/session.h"

/* norm_default: {scale, mean, std} for IDX calibration images without their
 * own (the model's preprocess), or NULL. qgraph (may be NULL) receives a copy
 * of the quantized graph before session passes (what `octet quantize` writes). */
oct_status oct_quant_session_load(const char *model_path, const oct_qconfig *q, const float *norm_default,
                                  const oct_session_opts *so, const oct_progress *prog, oct_session **out,
                                  oct_graph **qgraph);

#endif
