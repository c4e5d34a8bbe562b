/* octet — a model's config.json in the model repository (models/<name>/config.json).
 * Unknown keys and bad values are errors that name the key. */
#ifndef OCT_RUNTIME_MODEL_CONFIG_H
#define OCT_RUNTIME_MODEL_CONFIG_H

#include "core/tensor.h"
#include "quant/qconfig.h"

#define OCT_CFG_MAX_IO 16
#define OCT_CFG_MAX_CH 16

typedef struct oct_io_spec {
    char name[128];
    oct_dtype dtype;
    int rank;
    int64_t dims[OCT_MAX_RANK]; /* -1 = variable (batch) */
} oct_io_spec;

#define OCT_CFG_MAX_PREF 8

/* Serving settings (the server's scheduler; the CLI ignores them). */
typedef struct oct_serving_config {
    int dynamic_batching;        /* 1: the "dynamic_batching" section is present */
    int64_t max_queue_delay_us;  /* dynamic_batching.max_queue_delay_us (default 500) */
    int n_preferred;             /* dynamic_batching.preferred_batch_sizes (ascending) */
    int preferred[OCT_CFG_MAX_PREF];
    int max_queue_size;          /* requests waiting, beyond which 503 (default 1024) */
    int64_t default_timeout_us;  /* queue deadline when a request sets none (0: none) */
    int instance_count;          /* sessions (worker threads) for the model (default 1) */
} oct_serving_config;

typedef struct oct_model_config {
    char name[128];
    char platform[32];       /* "onnx" */
    char model_file[256];    /* relative to the config's directory */
    char model_path[4096];   /* resolved */
    int max_batch_size;
    int n_inputs, n_outputs;
    oct_io_spec inputs[OCT_CFG_MAX_IO];
    oct_io_spec outputs[OCT_CFG_MAX_IO];
    int has_preprocess;
    float scale;             /* pixel * scale */
    int n_mean;              /* per-channel mean/std (1 = all channels) */
    float mean[OCT_CFG_MAX_CH], std[OCT_CFG_MAX_CH];
    int n_labels;
    char **labels;
    oct_qconfig quant;       /* "quantization" (oct_qconfig_default when absent) */
    oct_serving_config serving;
} oct_model_config;

oct_status oct_model_config_load(const char *path, oct_model_config *cfg);
/* The same from text (path: where it stands, for relative paths and messages). */
oct_status oct_model_config_parse(const char *text, size_t len, const char *path, oct_model_config *cfg);
void oct_model_config_free(oct_model_config *cfg);
/* The normalisation {scale, mean, std} of the model's "preprocess" section in
 * norm (for oct_dataset_load's norm_default), or NULL when it has none. */
const float *oct_model_config_norm(const oct_model_config *cfg, float norm[3]);
/* "FP32" -> OCT_DT_F32 etc. (KServe v2 names); OCT_DT_UNDEFINED if unknown. */
oct_dtype oct_dtype_from_v2(const char *s);
const char *oct_dtype_to_v2(oct_dtype t);

#endif
