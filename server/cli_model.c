/* Opening a model at a chosen precision for the CLI (eval, quantize, bench):
 * the config.json beside the model (or --config) gives the quantization
 * section; command-line flags override its fields. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "quant/quant_session.h"
#include "runtime/model_config.h"

void oct_cli_qopts_init(oct_cli_qopts *o) { memset(o, 0, sizeof *o); }

int oct_cli_qopts_set(oct_cli_qopts *o, const char *opt, const char *val)
{
    if (!strcmp(opt, "precision")) {
        oct_precision p;
        if (oct_precision_parse(val, &p) != 0) {
            fprintf(stderr, "octet: --precision must be fp32, fp16 or int8 (got '%s')\n", val);
            return -1;
        }
        o->precision = (int)p + 1;
    } else if (!strcmp(opt, "calib-method")) {
        oct_calib_method m;
        if (oct_calib_method_parse(val, &m) != 0) {
            fprintf(stderr, "octet: --calib-method must be minmax, percentile, entropy or mse (got '%s')\n", val);
            return -1;
        }
        o->method = (int)m + 1;
    } else if (!strcmp(opt, "calib-samples")) {
        if ((o->samples = oct_cli_int("--calib-samples", val, 1, 1 << 30)) < 0) return -1;
    } else if (!strcmp(opt, "activations")) {
        if (strcmp(val, "static") && strcmp(val, "dynamic")) {
            fprintf(stderr, "octet: --activations must be static or dynamic (got '%s')\n", val);
            return -1;
        }
        o->dynamic = !strcmp(val, "dynamic") ? 2 : 1;
    } else if (!strcmp(opt, "weights")) {
        if (strcmp(val, "per_channel") && strcmp(val, "per_tensor")) {
            fprintf(stderr, "octet: --weights must be per_channel or per_tensor (got '%s')\n", val);
            return -1;
        }
        o->per_tensor = !strcmp(val, "per_tensor") ? 2 : 1;
    } else {
        return -1;
    }
    return 0;
}

static void progress(void *ctx, const char *phase, int64_t done, int64_t total)
{
    (void)ctx;
    oct_cli_progress(phase, done, total);
}

int oct_cli_open_model(const char *who, const char *model, const char *cfg_path, const oct_cli_qopts *o, int threads,
                       oct_session **s, oct_graph **qgraph, oct_precision *prec_out)
{
    char def[4096];
    oct_model_config cfg;
    int have_cfg = 0;
    oct_qconfig q;
    oct_qconfig_default(&q);
    if (!cfg_path) {
        const char *sl = strrchr(model, '/');
        snprintf(def, sizeof def, "%.*s/config.json", sl ? (int)(sl - model) : 1, sl ? model : ".");
        cfg_path = def;
        FILE *f = fopen(def, "r");
        if (f) fclose(f);
        else cfg_path = NULL; /* no config beside the model: defaults */
    }
    if (cfg_path) {
        if (oct_model_config_load(cfg_path, &cfg) != OCT_OK) {
            fprintf(stderr, "octet %s: %s\n", who, oct_errmsg());
            return -1;
        }
        have_cfg = 1;
    }
    const oct_qconfig *src = have_cfg ? &cfg.quant : &q;
    oct_qconfig eff = *src; /* shallow: overrides / strings stay owned by src */
    if (o->precision) eff.precision = (oct_precision)(o->precision - 1);
    else if (!qgraph) eff.precision = OCT_PREC_FP32; /* eval/bench default: the model as it is */
    if (o->method) eff.method = (oct_calib_method)(o->method - 1);
    if (o->samples) eff.samples = o->samples;
    if (o->dynamic) eff.act_dynamic = o->dynamic == 2;
    if (o->per_tensor) eff.per_channel = o->per_tensor != 2;
    float norm[3];
    const float *nd = have_cfg ? oct_model_config_norm(&cfg, norm) : NULL;
    oct_session_opts so;
    oct_session_opts_default(&so);
    so.n_threads = threads;
    oct_progress prog = {progress, NULL};
    oct_status st = oct_quant_session_load(model, &eff, nd, &so, &prog, s, qgraph);
    if (prec_out) *prec_out = eff.precision;
    if (have_cfg) oct_model_config_free(&cfg);
    oct_qconfig_free(&q);
    if (st != OCT_OK) {
        fprintf(stderr, "octet %s: %s\n", who, oct_errmsg());
        return -1;
    }
    return 0;
}
