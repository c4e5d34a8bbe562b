/* `octet run --model M.onnx --input X.npy [--input name=Y.npy ...] --output OUT.npy [--output name=Z.npy ...]` */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "io/npy.h"
#include "runtime/session.h"

#define MAX_ARGS 16

static void usage(FILE *f)
{
    fprintf(f, "usage: octet run --model M.onnx --input [NAME=]X.npy ... --output [NAME=]OUT.npy ... [--threads T]\n"
               "       [--device auto|cpu|opencl[:P:D]]\n"
               "Inputs and outputs without NAME= bind in the model's order. Reads and writes .npy\n"
               "(f32, f16, f64, u8, i8, i16, u16, i32, u32, i64, u64, bool).\n");
}

/* Split "name=path" (name may be absent). */
static void split_arg(char *arg, char **name, char **path)
{
    char *eq = strchr(arg, '=');
    if (eq && eq > arg && !memchr(arg, '/', (size_t)(eq - arg))) {
        *eq = '\0';
        *name = arg;
        *path = eq + 1;
    } else {
        *name = NULL;
        *path = arg;
    }
}

int oct_cmd_run(int argc, char **argv)
{
    static const struct option opts[] = {{"model", required_argument, 0, 'm'}, {"input", required_argument, 0, 'i'},
                                         {"output", required_argument, 0, 'o'}, {"threads", required_argument, 0, 't'},
                                         {"help", no_argument, 0, 'h'}, {"device", required_argument, 0, 'd'},
                                         {0, 0, 0, 0}};
    const char *model = NULL;
    char *in_args[MAX_ARGS], *out_args[MAX_ARGS];
    int n_in = 0, n_out = 0, threads = 0, c;
    const char *device = NULL;
    optind = 1;
    while ((c = getopt_long(argc, argv, "m:i:o:t:hd:", opts, NULL)) != -1) {
        switch (c) {
        case 'd': device = optarg; break;
        case 'm': model = optarg; break;
        case 'i': if (n_in < MAX_ARGS) in_args[n_in++] = optarg; break;
        case 'o': if (n_out < MAX_ARGS) out_args[n_out++] = optarg; break;
        case 't': if ((threads = oct_cli_int("--threads", optarg, 1, 256)) < 0) return 2; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (!model || !n_in || !n_out || optind != argc) {
        usage(stderr);
        return 2;
    }
    oct_session_opts so;
    oct_session_opts_default(&so);
    so.n_threads = threads;
    so.device = device;
    oct_session *s = NULL;
    if (oct_session_load(model, &so, &s) != OCT_OK) {
        fprintf(stderr, "octet run: %s\n", oct_errmsg());
        return 1;
    }
    int ni = oct_session_n_inputs(s), no = oct_session_n_outputs(s), rc = 1;
    oct_tensor *bound[MAX_ARGS] = {0}, *outs[MAX_ARGS] = {0};
    if (ni > MAX_ARGS || no > MAX_ARGS) {
        fprintf(stderr, "octet run: models with more than %d inputs or outputs are not supported\n", MAX_ARGS);
        goto out;
    }
    for (int i = 0; i < n_in; i++) {
        char *name, *path;
        split_arg(in_args[i], &name, &path);
        int k = name ? oct_session_input_index(s, name) : i;
        if (k < 0 || k >= ni) {
            fprintf(stderr, "octet run: the model has no input %s%s (inputs:", name ? "named " : "#", name ? name : "");
            for (int j = 0; j < ni; j++) fprintf(stderr, " %s", oct_session_input(s, j)->name);
            fprintf(stderr, ")\n");
            goto out;
        }
        if (bound[k]) {
            fprintf(stderr, "octet run: input '%s' given twice\n", oct_session_input(s, k)->name);
            goto out;
        }
        if (oct_npy_read(path, &bound[k]) != OCT_OK) {
            fprintf(stderr, "octet run: %s\n", oct_errmsg());
            goto out;
        }
    }
    for (int k = 0; k < ni; k++)
        if (!bound[k]) {
            fprintf(stderr, "octet run: no value for input '%s'\n", oct_session_input(s, k)->name);
            goto out;
        }
    if (oct_session_run(s, (const oct_tensor *const *)bound, outs) != OCT_OK) {
        fprintf(stderr, "octet run: %s\n", oct_errmsg());
        goto out;
    }
    for (int i = 0; i < n_out; i++) {
        char *name, *path;
        split_arg(out_args[i], &name, &path);
        int k = name ? oct_session_output_index(s, name) : i;
        if (k < 0 || k >= no) {
            fprintf(stderr, "octet run: the model has no output %s%s\n", name ? "named " : "#", name ? name : "");
            goto out;
        }
        if (oct_npy_write(path, outs[k]) != OCT_OK) {
            fprintf(stderr, "octet run: %s\n", oct_errmsg());
            goto out;
        }
    }
    rc = 0;
out:
    for (int i = 0; i < MAX_ARGS; i++) {
        oct_tensor_free(bound[i]);
        oct_tensor_free(outs[i]);
    }
    oct_session_free(s);
    return rc;
}
