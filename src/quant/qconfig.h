/* octet — a model's quantization config: the "quantization" object of
 * models/<name>/config.json (docs/QUANTIZATION.md lists every field).
 *
 *   "quantization": {
 *     "precision": "int8",                         fp32 | fp16 | int8
 *     "weights": {"granularity": "per_channel"},   per_channel | per_tensor (int8 symmetric)
 *     "activations": {"mode": "static", "dtype": "uint8"},
 *                                                  static | dynamic; uint8 (asymmetric) | int8 (symmetric)
 *     "calibration": {"method": "entropy", "percentile": 99.99, "samples": 512,
 *                     "data": {...data set...}},
 *     "equalization": true,                        cross-layer equalization for int8 (quant/equalize.h)
 *     "bias_correction": "empirical",              empirical | off: static int8 (quant/equalize.h)
 *     "overrides": [{"node": "conv1", "precision": "fp32"},
 *                   {"op_type": "Softmax", "precision": "fp16"}],
 *     "accuracy_budget": {"max_drop": 0.1, "data": {...data set...}, "samples": 2000,
 *                         "fallback": "fp32"}   fp32 | fp16: precision of the layers AMP keeps float
 *   }
 *
 * A data set ("data"): {"npy": "x.npy", "labels_npy": "y.npy"} or
 * {"idx_images": "...-images-idx3-ubyte.gz", "idx_labels": "...", "offset": 0}
 * (IDX images are normalised with the model's "preprocess" section, or with
 * "scale"/"mean"/"std" given in the data object). Relative paths are resolved
 * against the config file's directory.
 *
 * Unknown keys and bad values are errors naming the key (OCT_E_INVALID). */
#ifndef OCT_QUANT_QCONFIG_H
#define OCT_QUANT_QCONFIG_H

#include <stdint.h>

#include "core/status.h"
#include "core/tensor.h"

#define OCT_PATH_MAX 4096

typedef enum oct_precision { OCT_PREC_FP32 = 0, OCT_PREC_FP16 = 1, OCT_PREC_INT8 = 2 } oct_precision;

typedef enum oct_calib_method {
    OCT_CALIB_MINMAX = 0,
    OCT_CALIB_PERCENTILE = 1,
    OCT_CALIB_ENTROPY = 2,
    OCT_CALIB_MSE = 3
} oct_calib_method;

/* A data set: .npy inputs (+ optional .npy labels) or IDX images (+ labels). */
typedef struct oct_data_spec {
    char npy[OCT_PATH_MAX];        /* "" when unused */
    char labels_npy[OCT_PATH_MAX];
    char idx_images[OCT_PATH_MAX];
    char idx_labels[OCT_PATH_MAX];
    int has_norm;                  /* scale/mean/std given (else the model's preprocess) */
    float scale, mean, std;
    int64_t offset;                /* first sample used (default 0) */
} oct_data_spec;

typedef struct oct_qoverride {
    char node[256];     /* node name, or "" */
    char op_type[64];   /* op type, or "" (exactly one of node / op_type is set) */
    oct_precision precision; /* fp32 or fp16 */
} oct_qoverride;

typedef struct oct_qconfig {
    oct_precision precision;     /* default fp32 (no "quantization" section) */
    int per_channel;             /* weights: 1 per_channel (default), 0 per_tensor */
    int act_dynamic;             /* activations: 0 static (default), 1 dynamic */
    oct_dtype act_dtype;         /* OCT_DT_U8 (asymmetric, default) or OCT_DT_I8 (symmetric) */
    oct_calib_method method;     /* default minmax */
    double percentile;           /* (0, 100], default 99.99 */
    int64_t samples;             /* calibration samples, default 512 */
    int has_calib_data;
    oct_data_spec calib;
    int equalize;                /* int8: cross-layer equalization of the float graph first (default 1) */
    int bias_correct;            /* static int8: empirical bias correction from the calibration set (default 1) */
    int n_overrides;
    oct_qoverride *overrides;    /* owned */
    int has_budget;
    double max_drop;             /* accuracy budget in top-1 points (e.g. 0.1) */
    int64_t budget_samples;      /* evaluation samples, default: the whole set */
    oct_precision fallback;      /* layers AMP keeps out of int8: fp32 (default) or fp16 weights */
    oct_data_spec budget_data;
} oct_qconfig;

/* Defaults (fp32, per_channel, static, uint8, minmax, 99.99, 512, equalization and bias correction on). */
void oct_qconfig_default(oct_qconfig *q);
void oct_qconfig_free(oct_qconfig *q);

/* Parse a "quantization" JSON object (a jansson json_t *, passed as void *
 * to keep jansson out of this header). `path` names the file in messages,
 * `dir` resolves relative data paths. */
oct_status oct_qconfig_parse(const char *path, const char *dir, const void *json_obj, oct_qconfig *q);

const char *oct_precision_name(oct_precision p);     /* "fp32" ... */
int oct_precision_parse(const char *s, oct_precision *p); /* 0 ok, -1 unknown */
const char *oct_calib_method_name(oct_calib_method m);
int oct_calib_method_parse(const char *s, oct_calib_method *m);

/* The override (precision) for a node, or -1 when none applies. A node-name
 * override beats an op-type one. */
int oct_qconfig_override(const oct_qconfig *q, const char *node_name, const char *op_type);

#endif
