/* octet — turning a float model into a quantized one.
 *
 *   base graph   the model imported and optimised in float (BatchNorm folded,
 *                activations fused into Conv/Gemm/MatMul; no residual fusion)
 *   plan         which nodes run in int8 and which tensors are quantized
 *                (oct_qdq_plan_make; overrides keep nodes in float)
 *   calibration  ranges of the planned tensors over the calibration set
 *                (oct_calibrate; two passes: min/max, then histograms)
 *   QDQ graph    the base graph with QuantizeLinear -> DequantizeLinear pairs
 *                after every quantized tensor, int8 weights (per channel or
 *                per tensor, symmetric) and int32 biases behind
 *                DequantizeLinear (oct_qdq_insert). This is the standard ONNX
 *                form other runtimes read, and octet's cached artifact; at
 *                load, graph/pass_qdq.c turns it into integer-only chains.
 *
 * Dynamic mode (oct_quant_dynamic): MatMul/Gemm with constant weights become
 * DynamicQuantizeLinear -> MatMulInteger -> Cast -> Mul (scales) [-> Add bias],
 * as onnxruntime's quantize_dynamic; no calibration data. */
#ifndef OCT_QUANT_QUANTIZE_H
#define OCT_QUANT_QUANTIZE_H

#include "core/status.h"
#include "core/tensor.h"
#include "graph/ir.h"
#include "quant/calib.h"
#include "quant/qconfig.h"

typedef struct oct_progress {
    /* phase: "calibration (ranges)", ...; done of total steps */
    void (*fn)(void *ctx, const char *phase, int64_t done, int64_t total);
    void *ctx;
} oct_progress;

/* Import a model and run the float passes (as a session does, minus residual
 * fusion). Ops resolved. */
oct_status oct_quant_base_graph(const char *onnx_path, oct_graph **out);

typedef enum oct_qnode_kind {
    OCT_QN_FLOAT = 0,  /* stays float */
    OCT_QN_COMPUTE,    /* Conv / Gemm / MatMul with constant weights, Add: own output params */
    OCT_QN_SHARED      /* MaxPool, Reshape, Flatten, Transpose, Squeeze, Unsqueeze,
                          AveragePool, GlobalAveragePool: output shares the input's params */
} oct_qnode_kind;

typedef struct oct_qdq_plan {
    int n_node, n_val;
    unsigned char *kind;   /* per node: oct_qnode_kind (after overrides) */
    unsigned char *quant;  /* per value: 1 when Q/DQ follow it */
    int *share;            /* per value: value whose params it uses (itself when calibrated) */
    int *unit_out;         /* per node: the value quantized as its output (Add -> Relu: the Relu's) */
    float *lo, *hi;        /* per value: clipping range (valid where quant && share == itself) */
    unsigned char *have;   /* per value: lo/hi set */
} oct_qdq_plan;

/* Plan a static int8 quantization of `base` (overrides from q; `keep_float`
 * (may be NULL, n_node entries) forces extra nodes to stay float). */
oct_status oct_qdq_plan_make(const oct_graph *base, const oct_qconfig *q, const unsigned char *keep_float,
                             oct_qdq_plan *p);
void oct_qdq_plan_free(oct_qdq_plan *p);

/* Run (a clone of) the float graph base over the rows of x, `passes` times, in
 * batches of `batch` on the host: value(ctx, v, t) sees each batch's input and
 * every node output (v: the value's index in base); begin_pass(ctx, pass), when
 * set, runs before pass 1, 2, ...; prog reports phase[pass - 1] per batch. */
typedef oct_status (*oct_quant_value_fn)(void *ctx, int v, const oct_tensor *t);
typedef struct oct_quant_walk {
    oct_quant_value_fn value;
    oct_status (*begin_pass)(void *ctx, int pass);
    void *ctx;
    const char *const *phase;
} oct_quant_walk;

oct_status oct_quant_observe_rows(const oct_graph *base, const oct_tensor *x, int64_t batch, int passes,
                                  const oct_quant_walk *cb, const oct_progress *prog);

/* Statistics of the values with want[v] set, over x (rows = samples). */
typedef struct oct_calib_stats {
    int n_val;
    oct_hist *hist;        /* n_val entries (nbins 0 where not observed) */
    unsigned char *seen;
} oct_calib_stats;

oct_status oct_calibrate(const oct_graph *base, const unsigned char *want, const oct_tensor *x, int64_t batch,
                         int histograms, const oct_progress *prog, oct_calib_stats *out);
void oct_calib_stats_free(oct_calib_stats *s);

/* Fill plan->lo/hi from the statistics with the config's method. */
oct_status oct_qdq_plan_ranges(oct_qdq_plan *p, const oct_calib_stats *st, const oct_qconfig *q);

/* Empirical bias correction (quant/equalize.h) of g, a clone of `base`, for
 * the layers the plan quantizes, with input means over calib (rows). */
oct_status oct_quant_bias_correct(const oct_graph *base, oct_graph *g, const oct_qdq_plan *p, const oct_qconfig *q,
                                  const oct_tensor *calib, int *count);

/* The first q->samples rows of calib (all when 0), as a view; NULL when out of memory. */
oct_tensor *oct_quant_calib_rows(const oct_tensor *calib, const oct_qconfig *q);

/* Cross-layer equalization of base for config q (quant/equalize.h): on data
 * over calib (rows, NULL for none) for per-channel weights with static
 * activations, on weights otherwise. r may be NULL. */
struct oct_cle_result;
oct_status oct_quant_equalize(oct_graph *base, const oct_qconfig *q, const oct_tensor *calib,
                              struct oct_cle_result *r);

/* Rewrite g (a clone of the base graph the plan was made for) into QDQ form. */
oct_status oct_qdq_insert(oct_graph *g, const oct_qdq_plan *p, const oct_qconfig *q);

/* Dynamic int8 for MatMul / Gemm with constant weights (keep_float as above). */
oct_status oct_quant_dynamic(oct_graph *g, const oct_qconfig *q, const unsigned char *keep_float, int *count);

/* Whole pipeline from a config: fp32 (the base graph), fp16, int8 dynamic, or
 * int8 static with calibration on `calib` (rows). *out: a graph ready for
 * oct_session_from_graph or oct_onnx_save_file. */
oct_status oct_quantize_model(const char *onnx_path, const oct_qconfig *q, const oct_tensor *calib,
                              const oct_progress *prog, oct_graph **out);

#endif
