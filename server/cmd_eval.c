/* `octet eval --model M.onnx (--inputs X.npy --labels Y.npy | --idx-images F.gz --idx-labels L.gz) ...`
 * Top-1 accuracy and throughput of a classifier (output 0 = logits [N, classes]). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "io/idx.h"
#include "io/npy.h"
#include "runtime/model_config.h"
#include "runtime/session.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: octet eval --model M.onnx [data] [options]\n"
            "data (one of):\n"
            "  --inputs X.npy --labels Y.npy        inputs [N,...] and integer labels [N]\n"
            "  --idx-images F[.gz] --idx-labels L[.gz]\n"
            "                                       IDX images [N,H,W] u8 -> f32 [N,1,H,W], normalised as\n"
            "                                       (p*scale - mean)/std from the flags or from the\n"
            "                                       config.json beside the model (or --config C)\n"
            "options:\n"
            "  --scale S --mean M --std D           normalisation for IDX images\n"
            "  --config C                           model config.json (default: beside the model)\n"
            "  --batch N                            batch size (default 64)\n"
            "  --limit N                            evaluate only the first N samples\n"
            "  --threads T                          threads (default: all cores)\n"
            "  --save-pred P.npy                    write the predicted classes (u8 or i32)\n"
            "  --json                               print a JSON result\n" OCT_CLI_QOPTS_HELP);
}

static int read_labels(const oct_tensor *t, int64_t **out)
{
    int64_t n = t->rank >= 1 ? t->dims[0] : 0;
    if (t->rank != 1 && !(t->rank == 2 && t->dims[1] == 1)) return -1;
    int64_t *l = malloc((size_t)(n > 0 ? n : 1) * sizeof *l);
    if (!l) return -1;
    for (int64_t i = 0; i < n; i++) {
        switch (t->dtype) {
        case OCT_DT_U8: case OCT_DT_I8: case OCT_DT_I16: case OCT_DT_U16: case OCT_DT_I32: case OCT_DT_I64:
        case OCT_DT_U32:
            l[i] = (int64_t)oct_dtype_get(t->dtype, t->data, (size_t)i);
            break;
        default: free(l); return -1;
        }
    }
    *out = l;
    return 0;
}

static int argmax_row(const oct_tensor *t, int64_t row, int64_t classes)
{
    int best = 0;
    double bv = oct_dtype_get(t->dtype, t->data, (size_t)(row * classes));
    for (int64_t c = 1; c < classes; c++) {
        double v = oct_dtype_get(t->dtype, t->data, (size_t)(row * classes + c));
        if (v > bv) bv = v, best = (int)c;
    }
    return best;
}

int oct_cmd_eval(int argc, char **argv)
{
    static const struct option opts[] = {
        {"model", required_argument, 0, 'm'},      {"inputs", required_argument, 0, 'x'},
        {"labels", required_argument, 0, 'y'},     {"idx-images", required_argument, 0, 'I'},
        {"idx-labels", required_argument, 0, 'L'}, {"scale", required_argument, 0, 'S'},
        {"mean", required_argument, 0, 'M'},       {"std", required_argument, 0, 'D'},
        {"config", required_argument, 0, 'c'},     {"batch", required_argument, 0, 'b'},
        {"limit", required_argument, 0, 'n'},      {"threads", required_argument, 0, 't'},
        {"save-pred", required_argument, 0, 'p'},  {"json", no_argument, 0, 'j'},
        {"help", no_argument, 0, 'h'},             OCT_CLI_QOPTS_LONG,
        {0, 0, 0, 0}};
    oct_cli_qopts qo;
    oct_cli_qopts_init(&qo);
    int li = 0;
    const char *model = NULL, *xpath = NULL, *ypath = NULL, *idx_img = NULL, *idx_lab = NULL, *cfg_path = NULL;
    const char *pred_path = NULL;
    float scale = -1.f, mean = 0.f, stdv = 1.f;
    int have_mean = 0, have_std = 0, batch = 64, limit = 0, threads = 0, json = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "m:x:y:I:L:S:M:D:c:b:n:t:p:jh", opts, &li)) != -1) {
        switch (c) {
        case 0: if (oct_cli_qopts_set(&qo, opts[li].name, optarg) != 0) return 2; break;
        case 'm': model = optarg; break;
        case 'x': xpath = optarg; break;
        case 'y': ypath = optarg; break;
        case 'I': idx_img = optarg; break;
        case 'L': idx_lab = optarg; break;
        case 'S': scale = strtof(optarg, NULL); break;
        case 'M': mean = strtof(optarg, NULL); have_mean = 1; break;
        case 'D': stdv = strtof(optarg, NULL); have_std = 1; break;
        case 'c': cfg_path = optarg; break;
        case 'b': if ((batch = oct_cli_int("--batch", optarg, 1, 1 << 16)) < 0) return 2; break;
        case 'n': if ((limit = oct_cli_int("--limit", optarg, 1, 1 << 30)) < 0) return 2; break;
        case 't': if ((threads = oct_cli_int("--threads", optarg, 1, 256)) < 0) return 2; break;
        case 'p': pred_path = optarg; break;
        case 'j': json = 1; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    int npy_mode = xpath && ypath, idx_mode = idx_img && idx_lab;
    if (!model || npy_mode == idx_mode || optind != argc) {
        usage(stderr);
        return 2;
    }
    oct_tensor *x = NULL, *y = NULL, *preds = NULL;
    int64_t *labels = NULL;
    oct_session *s = NULL;
    int rc = 1;
    if (npy_mode) {
        if (oct_npy_read(xpath, &x) != OCT_OK || oct_npy_read(ypath, &y) != OCT_OK) {
            fprintf(stderr, "octet eval: %s\n", oct_errmsg());
            goto out;
        }
    } else {
        if (!have_mean || !have_std || scale < 0.f) { /* fill the rest from config.json */
            char def[4096];
            const char *cp = cfg_path;
            oct_model_config cfg;
            if (!cp) {
                const char *sl = strrchr(model, '/');
                snprintf(def, sizeof def, "%.*s/config.json", sl ? (int)(sl - model) : 1, sl ? model : ".");
                cp = def;
            }
            if (oct_model_config_load(cp, &cfg) != OCT_OK) {
                fprintf(stderr, "octet eval: normalisation not given by --scale/--mean/--std and %s\n", oct_errmsg());
                goto out;
            }
            if (!cfg.has_preprocess) {
                fprintf(stderr, "octet eval: %s has no 'preprocess' section; pass --scale/--mean/--std\n", cp);
                oct_model_config_free(&cfg);
                goto out;
            }
            if (scale < 0.f) scale = cfg.scale;
            if (!have_mean) mean = cfg.mean[0];
            if (!have_std) stdv = cfg.std[0];
            oct_model_config_free(&cfg);
        }
        oct_tensor *img = NULL;
        if (oct_idx_read(idx_img, &img) != OCT_OK || oct_idx_images_to_f32(img, scale, mean, stdv, &x) != OCT_OK ||
            oct_idx_read(idx_lab, &y) != OCT_OK) {
            fprintf(stderr, "octet eval: %s\n", oct_errmsg());
            oct_tensor_free(img);
            goto out;
        }
        oct_tensor_free(img);
    }
    if (x->rank < 1 || read_labels(y, &labels) != 0 || y->dims[0] != x->dims[0]) {
        fprintf(stderr, "octet eval: labels must be integers of shape [N] matching the %lld inputs\n",
                (long long)(x->rank ? x->dims[0] : 0));
        goto out;
    }
    int64_t n = x->dims[0];
    if (limit && limit < n) n = limit;
    if (n == 0) {
        fprintf(stderr, "octet eval: the data set is empty\n");
        goto out;
    }
    oct_precision prec = OCT_PREC_FP32;
    if (oct_cli_open_model("eval", model, cfg_path, &qo, threads, &s, NULL, &prec) != 0) goto out;
    if (oct_session_n_inputs(s) != 1) {
        fprintf(stderr, "octet eval: the model must have exactly one input (it has %d)\n", oct_session_n_inputs(s));
        goto out;
    }
    int64_t pd = n;
    preds = oct_tensor_new(OCT_DT_U8, 1, &pd);
    if (!preds) goto out;
    size_t row_bytes = oct_tensor_nbytes(x) / (size_t)(x->dims[0] ? x->dims[0] : 1);
    int64_t correct = 0;
    double t0 = oct_cli_now(), t_run = 0;
    for (int64_t b = 0; b < n; b += batch) {
        int64_t m = n - b < batch ? n - b : batch;
        int64_t dims[OCT_MAX_RANK];
        memcpy(dims, x->dims, sizeof dims);
        dims[0] = m;
        oct_tensor *xb = oct_tensor_wrap(x->dtype, x->rank, dims, (char *)x->data + (size_t)b * row_bytes);
        oct_tensor *out[16] = {0};
        double t1 = oct_cli_now();
        oct_status st = xb ? oct_session_run(s, (const oct_tensor *const *)&xb, out) : OCT_E_NOMEM;
        t_run += oct_cli_now() - t1;
        oct_tensor_free(xb);
        if (st != OCT_OK) {
            fprintf(stderr, "octet eval: %s\n", oct_errmsg());
            goto out;
        }
        const oct_tensor *lg = out[0];
        if (lg->rank != 2 || lg->dims[0] != m) {
            fprintf(stderr, "octet eval: output 0 must be logits [batch, classes]\n");
            for (int i = 0; i < oct_session_n_outputs(s) && i < 16; i++) oct_tensor_free(out[i]);
            goto out;
        }
        for (int64_t i = 0; i < m; i++) {
            int p = argmax_row(lg, i, lg->dims[1]);
            ((unsigned char *)preds->data)[b + i] = (unsigned char)p;
            correct += p == labels[b + i];
        }
        for (int i = 0; i < oct_session_n_outputs(s) && i < 16; i++) oct_tensor_free(out[i]);
        oct_cli_progress("eval", b + m, n);
    }
    double dt = oct_cli_now() - t0;
    if (pred_path && oct_npy_write(pred_path, preds) != OCT_OK) {
        fprintf(stderr, "octet eval: %s\n", oct_errmsg());
        goto out;
    }
    if (json)
        printf("{\"model\": \"%s\", \"precision\": \"%s\", \"correct\": %lld, \"total\": %lld, \"accuracy\": %.6f, \"batch\": %d, "
               "\"seconds\": %.4f, \"inference_seconds\": %.4f, \"images_per_second\": %.1f}\n",
               model, oct_precision_name(prec), (long long)correct, (long long)n, (double)correct / (double)n, batch, dt, t_run,
               (double)n / t_run);
    else
        printf("precision: %s\naccuracy: %.4f (%lld / %lld)\nthroughput: %.1f images/s (batch %d, %.3f s in inference, %.3f s total)\n",
               oct_precision_name(prec), (double)correct / (double)n, (long long)correct, (long long)n, (double)n / t_run, batch, t_run, dt);
    rc = 0;
out:
    oct_tensor_free(x);
    oct_tensor_free(y);
    oct_tensor_free(preds);
    free(labels);
    oct_session_free(s);
    return rc;
}
