/* `octet quantize --model M.onnx [--config C] --out M.int8.onnx [flags]`
 * Quantize a model as its config's "quantization" section says (flags
 * override fields) and write the result as a standard QDQ ONNX model: the
 * artifact octet loads without recalibrating and other runtimes can run. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "onnx/onnx.h"
#include "quant/analysis.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: octet quantize --model M.onnx --out Q.onnx [options]\n"
            "  --config C                           model config.json (default: beside the model)\n"
            "  --threads T                          threads (default: all cores)\n"
            "  --report R.html                      write the quantization report (SQNR, sensitivity,\n"
            "                                       mixed precision, precisions) and R.json beside it\n"
            "  --eval-idx-images F --eval-idx-labels L\n"
            "                                       evaluation data for the report / the accuracy budget\n"
            "                                       (default: the config's accuracy_budget.data)\n"
            "  --eval-limit N                       evaluate on at most N samples\n" OCT_CLI_QOPTS_HELP
            "The precision defaults to the config's (int8 static needs its calibration data).\n"
            "With an accuracy budget in the config, automatic mixed precision keeps the most\n"
            "sensitive layers in float until the budget holds; the written model is that mix.\n");
}

static void count_ops(const oct_graph *g, int *q, int *dq, int *integer)
{
    *q = *dq = *integer = 0;
    for (int i = 0; i < g->n_node; i++) {
        const oct_node *n = &g->node[i];
        if (n->dead) continue;
        if (!strcmp(n->op_type, "QuantizeLinear")) (*q)++;
        else if (!strcmp(n->op_type, "DequantizeLinear")) (*dq)++;
        else if (!strcmp(n->op_type, "MatMulInteger") || !strcmp(n->op_type, "DynamicQuantizeLinear")) (*integer)++;
    }
}

/* Static int8 with AMP (accuracy budget) and / or the report: the written model is the chosen mix. */
static int quantize_amp(const char *model, const oct_cli_qsetup *qs, const char *report, const char *eval_img,
                        const char *eval_lab, int eval_limit, int threads, oct_graph **g)
{
    oct_data_spec spec;
    memset(&spec, 0, sizeof spec);
    if (eval_img) {
        snprintf(spec.idx_images, sizeof spec.idx_images, "%s", eval_img);
        snprintf(spec.idx_labels, sizeof spec.idx_labels, "%s", eval_lab);
    }
    oct_progress prog = {oct_cli_progress_cb, NULL};
    oct_amp_opts o = {qs->nd, eval_img ? &spec : NULL, eval_limit, report, threads, &prog};
    oct_qanalysis a;
    oct_status st = oct_amp_quantize_model(model, &qs->eff, &o, &a, g);
    if (st != OCT_OK) {
        fprintf(stderr, "octet quantize: %s\n", oct_errmsg());
        oct_qanalysis_free(&a);
        return 1;
    }
    if (a.amp_ran) {
        const oct_amp_step *last = &a.step[a.n_step - 1];
        printf("mixed precision: budget %.3g points on %lld samples; fp32 %.2f%%, all int8 %.2f%% (drop %.2f) -> "
               "%.2f%% (drop %.2f) with %d of %d layers in float: %s\n",
               a.max_drop, (long long)a.n_eval, a.fp32_acc, a.int8_acc, a.fp32_acc - a.int8_acc, last->acc, last->drop,
               a.n_step - 1, a.n_layer, a.amp_met ? "budget met" : "budget NOT met");
        for (int s = 1; s < a.n_step; s++)
            printf("  kept float: %s (top-1 %.2f%%)\n", a.layer[a.step[s].layer].name, a.step[s].acc);
    }
    if (report) {
        char jp[OCT_PATH_MAX + 8];
        oct_report_json_path(report, jp, sizeof jp);
        printf("wrote %s and %s\n", report, jp);
    }
    oct_qanalysis_free(&a);
    return 0;
}

int oct_cmd_quantize(int argc, char **argv)
{
    static const struct option opts[] = {{"model", required_argument, 0, 'm'}, {"config", required_argument, 0, 'c'},
                                         {"out", required_argument, 0, 'o'},   {"threads", required_argument, 0, 't'},
                                         {"help", no_argument, 0, 'h'},        {"report", required_argument, 0, 'r'},
                                         {"eval-limit", required_argument, 0, 'n'},
                                         {"eval-idx-images", required_argument, 0, 'I'},
                                         {"eval-idx-labels", required_argument, 0, 'L'},
                                         OCT_CLI_QOPTS_LONG,
                                         {0, 0, 0, 0}};
    const char *model = NULL, *cfg = NULL, *outp = NULL, *report = NULL, *eval_img = NULL, *eval_lab = NULL;
    int threads = 0, c, li = 0, eval_limit = 0;
    oct_cli_qopts qo;
    oct_cli_qopts_init(&qo);
    optind = 1;
    while ((c = getopt_long(argc, argv, "m:c:o:t:h", opts, &li)) != -1) {
        switch (c) {
        case 0: if (oct_cli_qopts_set(&qo, opts[li].name, optarg) != 0) return 2; break;
        case 'm': model = optarg; break;
        case 'c': cfg = optarg; break;
        case 'o': outp = optarg; break;
        case 't': if ((threads = oct_cli_int("--threads", optarg, 1, 256)) < 0) return 2; break;
        case 'r': report = optarg; break;
        case 'n': if ((eval_limit = oct_cli_int("--eval-limit", optarg, 1, 1 << 30)) < 0) return 2; break;
        case 'I': eval_img = optarg; break;
        case 'L': eval_lab = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (!model || !outp || optind != argc) {
        usage(stderr);
        return 2;
    }
    if (!eval_img != !eval_lab) {
        fprintf(stderr, "octet quantize: --eval-idx-images and --eval-idx-labels go together\n");
        return 2;
    }
    double t0 = oct_cli_now();
    oct_session *s = NULL;
    oct_graph *g = NULL;
    oct_cli_qsetup qs;
    if (oct_cli_qsetup_load("quantize", model, cfg, &qo, 1, &qs) != 0) return 1;
    oct_precision prec = qs.eff.precision;
    int amp = qs.eff.has_budget && prec == OCT_PREC_INT8 && !qs.eff.act_dynamic;
    if ((eval_img || eval_limit) && !report && !amp) {
        fprintf(stderr, "octet quantize: --eval-idx-images / --eval-limit need --report or an accuracy budget "
                        "(static int8) in the config\n");
        oct_cli_qsetup_free(&qs);
        return 2;
    }
    int rc = report || amp ? quantize_amp(model, &qs, report, eval_img, eval_lab, eval_limit, threads, &g) : -1;
    oct_cli_qsetup_free(&qs);
    if (rc > 0) return rc;
    if (rc < 0) {
        if (oct_cli_open_model("quantize", model, cfg, &qo, threads, &s, &g, &prec) != 0) return 1;
        oct_session_free(s);
    }
    int nq, ndq, nint;
    count_ops(g, &nq, &ndq, &nint);
    oct_status st = oct_onnx_save_file(g, outp);
    oct_graph_free(g);
    if (st != OCT_OK) {
        fprintf(stderr, "octet quantize: %s\n", oct_errmsg());
        return 1;
    }
    struct stat sa, sb;
    long long in_b = stat(model, &sa) == 0 ? (long long)sa.st_size : -1;
    long long out_b = stat(outp, &sb) == 0 ? (long long)sb.st_size : -1;
    printf("wrote %s: precision %s, %d QuantizeLinear, %d DequantizeLinear, %d dynamic integer ops; "
           "%lld -> %lld bytes; %.2f s\n",
           outp, oct_precision_name(prec), nq, ndq, nint, in_b, out_b, oct_cli_now() - t0);
    return 0;
}
