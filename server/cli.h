/* octet — the command-line front end: one file per subcommand. */
#ifndef OCT_SERVER_CLI_H
#define OCT_SERVER_CLI_H

#include <stdint.h>

#include "quant/qconfig.h"
#include "runtime/model_config.h"
#include "runtime/session.h"

int oct_cmd_inspect(int argc, char **argv);
int oct_cmd_run(int argc, char **argv);
int oct_cmd_eval(int argc, char **argv);
int oct_cmd_conformance(int argc, char **argv);
int oct_cmd_export(int argc, char **argv);
int oct_cmd_quantize(int argc, char **argv);
int oct_cmd_bench(int argc, char **argv);
int oct_cmd_devices(int argc, char **argv);
int oct_cmd_serve(int argc, char **argv);
int oct_cmd_health(int argc, char **argv);

/* Quantization flags shared by eval / quantize / bench (0 = not given):
 * --precision P, --calib-method M, --calib-samples N, --activations static|dynamic,
 * --weights per_channel|per_tensor, --equalization on|off, --bias-correction empirical|off. */
typedef struct oct_cli_qopts {
    int precision;  /* oct_precision + 1 */
    int method;     /* oct_calib_method + 1 */
    int samples;
    int dynamic;    /* 1 static, 2 dynamic */
    int per_tensor; /* 1 per_channel, 2 per_tensor */
    int equalize;   /* 1 off, 2 on */
    int bias_correct; /* 1 off, 2 empirical */
    const char *calib_data; /* .npy inputs or IDX images (normalised as the model's preprocess) */
    const char *device;     /* --device (NULL: $OCTET_DEVICE, else auto) */
} oct_cli_qopts;
#define OCT_CLI_QOPTS_LONG                                                                     \
    {"precision", required_argument, 0, 0}, {"calib-method", required_argument, 0, 0},       \
        {"calib-samples", required_argument, 0, 0}, {"activations", required_argument, 0, 0}, \
        {"weights", required_argument, 0, 0}, {"calib-data", required_argument, 0, 0},              \
        {"device", required_argument, 0, 0}, {"equalization", required_argument, 0, 0},        \
        {"bias-correction", required_argument, 0, 0}
#define OCT_CLI_QOPTS_HELP                                                                     \
    "  --precision fp32|fp16|int8           run at this precision (the other quantization\n"  \
    "                                       settings come from the model's config.json)\n"    \
    "  --calib-method minmax|percentile|entropy|mse, --calib-samples N,\n"                    \
    "  --activations static|dynamic, --weights per_channel|per_tensor,\n"                     \
    "  --calib-data X.npy|IDX-images[.gz], --equalization on|off,\n"                        \
    "  --bias-correction empirical|off\n"                                                    \
    "                                       override the config's quantization fields\n"     \
    "  --device auto|cpu|opencl[:P:D]       where to run (default $OCTET_DEVICE, else auto:\n"   \
    "                                       an OpenCL GPU if present, else the CPU path)\n"
void oct_cli_qopts_init(oct_cli_qopts *o);
/* opt: the long option name without dashes. 0 ok, -1 bad value (message printed) or not ours. */
int oct_cli_qopts_set(oct_cli_qopts *o, const char *opt, const char *val);
/* Open `model` at the precision from the config (cfg_path, or config.json beside the model when
 * present) overridden by o. With qgraph (quantize) the config's precision is the default and
 * *qgraph receives the quantized graph; otherwise (eval, bench) the default is fp32. Prints the
 * error and returns -1. */
int oct_cli_open_model(const char *who, const char *model, const char *cfg_path, const oct_cli_qopts *o, int threads,
                       oct_session **s, oct_graph **qgraph, oct_precision *prec_out);
/* The effective quantization config behind oct_cli_open_model: the model's config (cfg_path, or
 * config.json beside the model when present; else the defaults) with the flags in o applied;
 * quantize = 1 keeps the config's precision as the default (else fp32). Prints the error and
 * returns -1. */
typedef struct oct_cli_qsetup {
    oct_model_config cfg;
    int have_cfg;
    oct_qconfig defaults;
    oct_qconfig eff;  /* shallow copy of cfg.quant (or defaults) with the flags applied */
    float norm[3];
    const float *nd;  /* norm, or NULL when the config has no preprocess section */
} oct_cli_qsetup;
int oct_cli_qsetup_load(const char *who, const char *model, const char *cfg_path, const oct_cli_qopts *o, int quantize,
                        oct_cli_qsetup *qs);
void oct_cli_qsetup_free(oct_cli_qsetup *qs);
/* oct_progress callback drawing oct_cli_progress. */
void oct_cli_progress_cb(void *ctx, const char *phase, int64_t done, int64_t total);

/* Progress bar on stderr, only when stderr is a terminal. done == total ends the line. */
void oct_cli_progress(const char *label, int64_t done, int64_t total);
/* Parse a positive int option value; prints an error and returns -1 when bad. */
int oct_cli_int(const char *opt, const char *val, int lo, int hi);
/* Monotonic time in seconds. */
double oct_cli_now(void);

#endif
