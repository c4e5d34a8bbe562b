/* Opening a model at a chosen precision for the CLI (eval, quantize, bench):
 * the config.json beside the model (or --config) gives the quantization
 * section; command-line flags override its fields. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "backend/cl/cl_device.h"
#include "quant/quant_session.h"
#include "runtime/model_config.h"

void oct_cli_qopts_init(oct_cli_qopts *o) { memset(o, 0, sizeof *o); }

/* A flag with two values a / b: 2 when val is `two`, 1 for the other, -1 (said) for anything else. */
static int choice(const char *flag, const char *val, const char *a, const char *b, const char *two)
{
    if (strcmp(val, a) && strcmp(val, b)) {
        fprintf(stderr, "octet: --%s must be %s or %s (got '%s')\n", flag, a, b, val);
        return -1;
    }
    return !strcmp(val, two) ? 2 : 1;
}

int oct_cli_qopts_set(oct_cli_qopts *o, const char *opt, const char *val)
{
    if (!strcmp(opt, "device")) {
        oct_device_spec spec;
        if (oct_device_parse(val, &spec) != OCT_OK) {
            fprintf(stderr, "octet: --device: %s\n", oct_errmsg());
            return -1;
        }
        o->device = val;
    } else if (!strcmp(opt, "precision")) {
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
        if ((o->dynamic = choice("activations", val, "static", "dynamic", "dynamic")) < 0) return -1;
    } else if (!strcmp(opt, "weights")) {
        if ((o->per_tensor = choice("weights", val, "per_channel", "per_tensor", "per_tensor")) < 0) return -1;
    } else if (!strcmp(opt, "equalization")) {
        if ((o->equalize = choice("equalization", val, "on", "off", "on")) < 0) return -1;
    } else if (!strcmp(opt, "bias-correction")) {
        if ((o->bias_correct = choice("bias-correction", val, "empirical", "off", "empirical")) < 0) return -1;
    } else if (!strcmp(opt, "calib-data")) {
        o->calib_data = val;
    } else {
        return -1;
    }
    return 0;
}

void oct_cli_progress_cb(void *ctx, const char *phase, int64_t done, int64_t total)
{
    (void)ctx;
    oct_cli_progress(phase, done, total);
}

int oct_cli_qsetup_load(const char *who, const char *model, const char *cfg_path, const oct_cli_qopts *o, int quantize,
                        oct_cli_qsetup *qs)
{
    char def[4096];
    memset(qs, 0, sizeof *qs);
    oct_qconfig_default(&qs->defaults);
    if (!cfg_path) {
        const char *sl = strrchr(model, '/');
        snprintf(def, sizeof def, "%.*s/config.json", sl ? (int)(sl - model) : 1, sl ? model : ".");
        cfg_path = def;
        FILE *f = fopen(def, "r");
        if (f) fclose(f);
        else cfg_path = NULL; /* no config beside the model: defaults */
    }
    if (cfg_path) {
        if (oct_model_config_load(cfg_path, &qs->cfg) != OCT_OK) {
            fprintf(stderr, "octet %s: %s\n", who, oct_errmsg());
            return -1;
        }
        qs->have_cfg = 1;
    }
    oct_qconfig *eff = &qs->eff;
    *eff = qs->have_cfg ? qs->cfg.quant : qs->defaults; /* shallow: overrides / strings stay owned by the source */
    if (o->precision) eff->precision = (oct_precision)(o->precision - 1);
    else if (!quantize) eff->precision = OCT_PREC_FP32; /* eval/bench default: the model as it is */
    if (o->method) eff->method = (oct_calib_method)(o->method - 1);
    if (o->samples) eff->samples = o->samples;
    if (o->dynamic) eff->act_dynamic = o->dynamic == 2;
    if (o->per_tensor) eff->per_channel = o->per_tensor != 2;
    if (o->equalize) eff->equalize = o->equalize == 2;
    if (o->bias_correct) eff->bias_correct = o->bias_correct == 2;
    if (o->calib_data) { /* .npy inputs, else IDX images */
        size_t len = strlen(o->calib_data);
        if (len >= sizeof eff->calib.npy) {
            fprintf(stderr, "octet %s: --calib-data path is too long\n", who);
            oct_cli_qsetup_free(qs);
            return -1;
        }
        memset(&eff->calib, 0, sizeof eff->calib);
        if (len > 4 && !strcmp(o->calib_data + len - 4, ".npy")) strcpy(eff->calib.npy, o->calib_data);
        else strcpy(eff->calib.idx_images, o->calib_data);
        eff->has_calib_data = 1;
    }
    qs->nd = qs->have_cfg ? oct_model_config_norm(&qs->cfg, qs->norm) : NULL;
    return 0;
}

void oct_cli_qsetup_free(oct_cli_qsetup *qs)
{
    if (qs->have_cfg) oct_model_config_free(&qs->cfg);
    oct_qconfig_free(&qs->defaults);
    memset(qs, 0, sizeof *qs);
}

int oct_cli_open_model(const char *who, const char *model, const char *cfg_path, const oct_cli_qopts *o, int threads,
                       oct_session **s, oct_graph **qgraph, oct_precision *prec_out)
{
    oct_cli_qsetup qs;
    if (oct_cli_qsetup_load(who, model, cfg_path, o, qgraph != NULL, &qs) != 0) return -1;
    oct_session_opts so;
    oct_session_opts_default(&so);
    so.n_threads = threads;
    so.device = o->device;
    oct_progress prog = {oct_cli_progress_cb, NULL};
    char note[OCT_QNOTE_MAX];
    oct_status st = oct_quant_session_load(model, &qs.eff, qs.nd, &so, &prog, s, qgraph, note);
    if (st == OCT_OK && note[0]) fprintf(stderr, "octet %s: %s\n", who, note);
    if (prec_out) *prec_out = qs.eff.precision;
    if (st == OCT_OK && prec_out && qs.eff.precision == OCT_PREC_FP32) { /* a quantized model file as it is */
        const oct_graph *g = oct_session_graph(*s);
        for (int i = 0; i < g->n_node; i++) {
            const char *t = g->node[i].op_type;
            if (!strncmp(t, "QLinear", 7) || !strcmp(t, "QGemm") || !strcmp(t, "MatMulInteger") ||
                !strcmp(t, "ConvInteger") || !strcmp(t, "DynQMatMul"))
                *prec_out = OCT_PREC_INT8;
        }
    }
    oct_cli_qsetup_free(&qs);
    if (st != OCT_OK) {
        fprintf(stderr, "octet %s: %s\n", who, oct_errmsg());
        return -1;
    }
    return 0;
}
