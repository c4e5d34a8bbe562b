/* octet — quantization error analysis, per-layer sensitivity, automatic mixed
 * precision (AMP) and the quantization report.
 *
 * Layers are the compute nodes (Conv / Gemm / MatMul with constant weights,
 * Add) of the all-int8 plan of the base graph (quant/quantize.h). Everything
 * here reuses ONE set of calibration statistics, gathered once for every
 * tensor any mix of layers can quantize, so a mix is only a plan
 * (oct_qdq_plan_make with keep_float) + ranges + QDQ insertion: no
 * recalibration.
 *
 *   SQNR (dB)     10 log10(sum x^2 / sum (x - x')^2) of float values x and
 *                 their quantized counterparts x' (sqnr.c):
 *                 weights: x' = int8 symmetric quantize-dequantize in
 *                 [-127, 127] with the plan's scheme (per output channel or
 *                 per tensor, scale max|w| / 127, as qdq_insert.c);
 *                 activations: the float base graph and the QDQ graph (run
 *                 by a session, i.e. the real integer kernels) on the same
 *                 inputs; a quantized tensor v is compared with the quantized
 *                 session's "<v>_QuantizeLinear_Output" (integers,
 *                 dequantized with v's scale / zero point, NHWC chains put
 *                 back in NCHW order) or "<v>_DequantizeLinear_Output";
 *                 tensors the session does not expose are skipped (NAN).
 *                 The model output (output 0) is compared as well.
 *   sensitivity   each layer alone in int8 (every other layer float):
 *                 model output SQNR against fp32 and top-1 on the evaluation
 *                 data; rank 0 = most sensitive = lowest output SQNR (top-1
 *                 on a few thousand samples moves by single samples and ties
 *                 mostly; the SQNR orders the layers, lower top-1 breaks ties).
 *   AMP           start all-int8; while fp32 top-1 minus int8 top-1 (points,
 *                 on the evaluation data) > max_drop, move the most sensitive
 *                 layer still in int8 to float and measure again; stops when
 *                 the budget holds or every layer is float (which equals fp32).
 *   report        self-contained HTML (inline SVG bar charts, no script) and
 *                 a JSON twin with the same data (report.c, report_json.c).
 *
 * SQNR values: +INFINITY when x' == x exactly, NAN when not measured.
 * The JSON writes both as null. */
#ifndef OCT_QUANT_ANALYSIS_H
#define OCT_QUANT_ANALYSIS_H

#include <stdint.h>

#include "quant/equalize.h"
#include "quant/quantize.h"

/* ---- SQNR (sqnr.c) ---- */

/* 10 log10(signal / noise): +INFINITY when noise == 0 < signal, NAN when both
 * are 0, -INFINITY when signal == 0 < noise. */
double oct_sqnr_db(double signal, double noise);
/* signal += sum x^2, noise += sum (x - xq)^2 over n values. */
void oct_sqnr_accumulate(const float *x, const float *xq, int64_t n, double *signal, double *noise);
/* The axis of node n's weight w the plan quantizes per channel (-1: per tensor). */
int oct_sqnr_weight_axis(const oct_graph *g, const oct_node *n, const oct_tensor *w, int per_channel);
/* int8 symmetric quantize-dequantize of a float tensor (per slice of `axis`,
 * or per tensor when axis < 0) into wq (numel values). */
oct_status oct_sqnr_fake_quant(const oct_tensor *w, int axis, float *wq);
/* SQNR of w against its quantize-dequantize. */
oct_status oct_sqnr_weight(const oct_tensor *w, int axis, double *db);

/* ---- the analysis context (qanalysis.c) ---- */

typedef struct oct_qlayer {
    int node;                /* node index in the base graph */
    char name[256];          /* node name (its output's name when it has none) */
    char op_type[32];
    double weight_sqnr;      /* dB; NAN without weights (Add) */
    double act_sqnr;         /* dB of its quantized output (all-int8); NAN when not quantized (logits) */
    double sens_sqnr;        /* model output SQNR with only this layer in int8 */
    double sens_acc;         /* top-1 (%) with only this layer in int8 */
    int sens_rank;           /* 0 = most sensitive; -1 before oct_sensitivity_run */
    int kept_float;          /* the AMP decision */
    double weight_sqnr_pre;  /* weight / activation SQNR of plain int8 (no equalization, no bias */
    double act_sqnr_pre;     /* correction; oct_qanalysis_plain); NAN when not measured */
    int equalized;           /* 1: the layer is in an equalized pair (either side) */
} oct_qlayer;

typedef struct oct_qact {
    char name[256];          /* tensor name in the base graph */
    double sqnr;             /* dB; NAN when the quantized session does not expose it */
    int is_output;           /* 1: the model output (float in both graphs) */
} oct_qact;

typedef struct oct_amp_step {
    int layer;               /* layer index moved to float at this step (-1: the all-int8 start) */
    double acc, drop;        /* top-1 (%) and fp32 top-1 minus it (points) */
    double out_sqnr;         /* model output SQNR (dB) */
} oct_amp_step;

typedef struct oct_qprec {
    oct_precision precision;
    char label[32];          /* "fp32", "fp16", "int8", "int8 (all layers)" */
    int available;           /* 0: note says why */
    char note[256];
    double acc;              /* top-1 (%) on the evaluation data */
    int64_t weight_bytes;    /* bytes of the constants the graph's nodes read */
    double images_per_s;     /* batch 64 */
} oct_qprec;

typedef struct oct_qanalysis {
    char model[OCT_PATH_MAX];
    const oct_qconfig *q;    /* borrowed */
    oct_graph *base;         /* owned: the base graph (equalized when q->equalize) */
    oct_graph *plain;        /* owned: the base graph before equalization (NULL when not equalized) */
    oct_cle_result cle;      /* the equalization's pairs and skips */
    oct_input_stats bias;    /* layer input means for bias correction (q->bias_correct) */
    int have_plain;          /* oct_qanalysis_plain ran */
    double plain_acc, plain_out_sqnr; /* plain all-int8: top-1 and model output SQNR */
    int n_threads;
    const oct_tensor *x;     /* borrowed evaluation inputs [n_eval, ...] */
    const int64_t *labels;   /* borrowed, n_eval */
    int64_t n_eval, n_calib;
    oct_tensor *x_owned;     /* freed with the analysis (set by oct_amp_quantize_model) */
    int64_t *labels_owned;
    oct_calib_stats stats;   /* every candidate tensor */
    oct_tensor *ref;         /* fp32 output 0 on the evaluation data */
    double fp32_acc, fp32_ips;
    int n_layer;
    oct_qlayer *layer;
    int n_act;               /* oct_sqnr_activations */
    oct_qact *act;
    int64_t act_samples;
    double int8_acc, int8_out_sqnr; /* all layers int8 (set by sensitivity or AMP) */
    int have_int8;
    int amp_ran, amp_met;
    double max_drop;
    int n_step;
    oct_amp_step *step;
    unsigned char *keep_float; /* per base node: the chosen mix (all 0 = all-int8) */
    int n_prec;
    oct_qprec prec[4];
} oct_qanalysis;

/* Base graph of model_path, layers, calibration on calib (first q->samples
 * rows; histograms for the histogram methods), fp32 reference on x / labels
 * (kept borrowed: they must outlive the analysis). q must be static int8.
 * n_threads <= 0: all cores. */
oct_status oct_qanalysis_init(oct_qanalysis *a, const char *model_path, const oct_qconfig *q, const oct_tensor *calib,
                              const oct_tensor *x, const int64_t *labels, int n_threads, const oct_progress *prog);
void oct_qanalysis_free(oct_qanalysis *a);
/* Plain int8 (no equalization, no bias correction; all layers int8) for the
 * report's before / after columns: weight_sqnr_pre / act_sqnr_pre of every
 * layer, plain_acc / plain_out_sqnr. calib: the calibration rows (as init). */
oct_status oct_qanalysis_plain(oct_qanalysis *a, const oct_tensor *calib, int64_t act_samples);
/* The QDQ graph with the nodes marked in keep_float (NULL: none) in float
 * (bias-corrected when q->bias_correct). */
oct_status oct_qanalysis_build(const oct_qanalysis *a, const unsigned char *keep_float, oct_graph **out);
/* Run g (taken, freed) on the evaluation data at batch 64: top-1 (%), output
 * SQNR against fp32 (dB) and images/s (each may be NULL). */
oct_status oct_qanalysis_eval(const oct_qanalysis *a, oct_graph *g, double *acc, double *out_sqnr, double *ips);
/* Bytes of the constants read by g's live nodes (each value once). */
int64_t oct_qanalysis_weight_bytes(const oct_graph *g);
/* The precision table: fp32, fp16 ("n/a" when oct_quantize_model has no
 * fp16), int8 (the chosen mix) and, after AMP kept layers float, int8 with
 * every layer quantized. */
oct_status oct_qanalysis_precisions(oct_qanalysis *a);

/* ---- SQNR of the layers (sqnr.c) ---- */

/* weight_sqnr of every layer. */
oct_status oct_sqnr_weights(oct_qanalysis *a);
/* Activation SQNR of every quantized tensor of the mix keep_float (NULL:
 * all-int8) on the first `samples` evaluation inputs (<= 0: 256); fills
 * a->act (the model output last) and the layers' act_sqnr. */
oct_status oct_sqnr_activations(oct_qanalysis *a, const unsigned char *keep_float, int64_t samples);

/* ---- sensitivity (sensitivity.c) ---- */

/* sens_sqnr / sens_acc / sens_rank of every layer, and the all-int8 result. */
oct_status oct_sensitivity_run(oct_qanalysis *a, const oct_progress *prog);
/* Layer indices ordered by rank (most sensitive first) into order (n_layer). */
void oct_sensitivity_order(const oct_qanalysis *a, int *order);

/* ---- automatic mixed precision (amp.c) ---- */

/* Runs the sensitivity first when it has not run. *out (may be NULL): the
 * QDQ graph of the final mix. a->amp_met says whether the budget holds. */
oct_status oct_amp_run(oct_qanalysis *a, double max_drop, const oct_progress *prog, oct_graph **out);

/* ---- the report (report.c, report_json.c) ---- */

oct_status oct_report_write_html(const oct_qanalysis *a, const char *path);
oct_status oct_report_write_json(const oct_qanalysis *a, const char *path);
/* path with its extension replaced by ".json" (or ".json" appended) into buf. */
void oct_report_json_path(const char *html_path, char *buf, size_t n);

/* ---- the whole flow for `octet quantize` (amp_model.c) ---- */

typedef struct oct_amp_opts {
    const float *norm;          /* {scale, mean, std} for IDX data without its own (the model's), or NULL */
    const oct_data_spec *eval;  /* evaluation data; NULL: the config's accuracy_budget.data */
    int64_t eval_limit;         /* > 0: at most this many samples (else the budget's "samples", else all) */
    const char *report_html;    /* NULL: no report; the JSON goes beside it (oct_report_json_path) */
    int n_threads;
    const oct_progress *prog;
} oct_amp_opts;

/* Static int8 quantization of model_path with AMP when q has an accuracy
 * budget (else all-int8), and the report when asked. *out: the QDQ graph to
 * write; a (caller frees with oct_qanalysis_free) holds the results. */
oct_status oct_amp_quantize_model(const char *model_path, const oct_qconfig *q, const oct_amp_opts *o,
                                  oct_qanalysis *a, oct_graph **out);

#endif
