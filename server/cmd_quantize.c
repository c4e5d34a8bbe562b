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

static void usage(FILE *f)
{
    fprintf(f,
            "usage: octet quantize --model M.onnx --out Q.onnx [options]\n"
            "  --config C                           model config.json (default: beside the model)\n"
            "  --threads T                          threads (default: all cores)\n" OCT_CLI_QOPTS_HELP
            "The precision defaults to the config's (int8 static needs its calibration data).\n");
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

int oct_cmd_quantize(int argc, char **argv)
{
    static const struct option opts[] = {{"model", required_argument, 0, 'm'}, {"config", required_argument, 0, 'c'},
                                         {"out", required_argument, 0, 'o'},   {"threads", required_argument, 0, 't'},
                                         {"help", no_argument, 0, 'h'},        OCT_CLI_QOPTS_LONG,
                                         {0, 0, 0, 0}};
    const char *model = NULL, *cfg = NULL, *outp = NULL;
    int threads = 0, c, li = 0;
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
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (!model || !outp || optind != argc) {
        usage(stderr);
        return 2;
    }
    double t0 = oct_cli_now();
    oct_session *s = NULL;
    oct_graph *g = NULL;
    oct_precision prec;
    if (oct_cli_open_model("quantize", model, cfg, &qo, threads, &s, &g, &prec) != 0) return 1;
    oct_session_free(s);
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
