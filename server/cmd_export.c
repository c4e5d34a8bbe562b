/* `octet export --model M.onnx --out F.onnx`: write the optimised graph (BatchNorm
 * folded, constants folded, dead code dropped) as a standard ONNX model; fused
 * activations and residual sums are written back as explicit nodes. */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "onnx/onnx.h"
#include "runtime/session.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: octet export --model M.onnx --out F.onnx\n"
               "Loads the model as `octet run` does (graph passes included) and writes the\n"
               "optimised graph as a standard ONNX model.\n");
}

int oct_cmd_export(int argc, char **argv)
{
    static const struct option opts[] = {{"model", required_argument, 0, 'm'}, {"out", required_argument, 0, 'o'},
                                         {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *model = NULL, *out = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "m:o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'm': model = optarg; break;
        case 'o': out = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (!model || !out || optind != argc) {
        usage(stderr);
        return 2;
    }
    oct_session_opts so;
    oct_session_opts_default(&so);
    so.n_threads = 1;
    oct_session *s = NULL;
    if (oct_session_load(model, &so, &s) != OCT_OK) {
        fprintf(stderr, "octet export: %s\n", oct_errmsg());
        return 1;
    }
    int rc = 0;
    if (oct_onnx_save_file(oct_session_graph(s), out) != OCT_OK) {
        fprintf(stderr, "octet export: %s\n", oct_errmsg());
        rc = 1;
    }
    oct_session_free(s);
    return rc;
}
