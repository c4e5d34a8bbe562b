/* FP16 mode on the bundled models (and the test transformer): each model is
 * converted by oct_quant_to_fp16 (weights of Conv / Gemm / MatMul to fp16
 * behind Cast, BN folded first) and loaded (the load pass wires the fp16
 * constants into the ops, which keep them fp16 when packed). Checked:
 *  - the session's weights are fp16 (no Cast left) and its weight bytes are
 *    at most 0.55 x the fp32 session's;
 *  - on the first 256 test rows, bit for bit equal to the fp32 model whose
 *    weights were rounded through fp16 (same kernels, same order), on every
 *    CPU level the machine has;
 *  - against the fp32 model: top-1 agreement >= 99% and every logit within
 *    TOL_REL x (the row's largest |logit| + 1) (see tol below);
 *  - on the 10,000 Fashion-MNIST test images (normalised with the model's
 *    config.json "preprocess"): accuracy within 0.3 points of fp32 and
 *    top-1 agreement >= 99%; accuracy and batch-64 throughput are printed. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/cpu.h"
#include "core/dtype.h"
#include "graph/passes.h"
#include "io/idx.h"
#include "io/npy.h"
#include "onnx/onnx.h"
#include "quant/fp16.h"
#include "runtime/model_config.h"
#include "runtime/session.h"
#include "test_util.h"

#define SRC OCTET_SOURCE_DIR
#define IDX_DIR "/usr/share/datasets/fashion-mnist/"
#define ROWS 256

/* Logit tolerance, relative to the row's scale. Rounding a weight to fp16 is
 * a relative error of at most 2^-11 (4.9e-4); a dot product over K terms then
 * errs by at most 2^-11 * sum|w x|, and L weight layers compound that to
 * about L * 2^-11 of the activations' magnitude in the worst case (errors of
 * independent roundings mostly cancel, so measured errors are far below).
 * The deepest model has 10 weight layers (resnet: 9 Conv + 1 Gemm): 10 *
 * 2^-11 = 4.9e-3, rounded up to 5e-3 of (max |logit| of the row + 1). */
#define TOL_REL 5e-3

static const char *models[][2] = {
    {"fmnist_mlp", SRC "/models/fmnist_mlp"},
    {"fmnist_cnn", SRC "/models/fmnist_cnn"},
    {"fmnist_resnet", SRC "/models/fmnist_resnet"},
    {"fmnist_transformer", SRC "/tests/models/fmnist_transformer"},
};

static int is_weight_op(const oct_node *n)
{
    return !strcmp(n->op_type, "Conv") || !strcmp(n->op_type, "Gemm") || !strcmp(n->op_type, "MatMul");
}

static oct_graph *load_graph(const char *dir)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/model.onnx", dir);
    oct_graph *g = NULL;
    oct_status s = oct_onnx_load_file(path, &g);
    CHECK_MSG(s == OCT_OK, "%s", oct_errmsg());
    return g;
}

/* The fp32 reference of FP16 mode: BN folded as the converter does, then every
 * Conv / Gemm / MatMul weight rounded through fp16 and kept as fp32. */
static oct_graph *rounded_graph(const char *dir)
{
    oct_graph *g = load_graph(dir);
    if (!g) return NULL;
    int bn = 0;
    CHECK(oct_pass_fold_batchnorm(g, &bn) == OCT_OK);
    oct_pass_dce(g);
    CHECK(oct_graph_toposort(g) == OCT_OK);
    for (int k = 0; k < g->n_node; k++) {
        const oct_node *n = &g->node[k];
        if (n->dead || !is_weight_op(n) || n->n_in < 2 || n->in[1] < 0) continue;
        oct_tensor *w = g->val[n->in[1]].constant;
        if (!w || w->dtype != OCT_DT_F32) continue;
        float *p = w->data;
        for (int64_t i = 0; i < oct_tensor_numel(w); i++) p[i] = oct_f16_to_f32(oct_f32_to_f16(p[i]));
    }
    return g;
}

static oct_session *fp16_session(const char *dir, int64_t *before, int64_t *after)
{
    oct_graph *g = load_graph(dir);
    if (!g) return NULL;
    oct_status s = oct_quant_to_fp16(g, NULL, NULL, before, after);
    CHECK_MSG(s == OCT_OK, "%s", oct_errmsg());
    oct_session *ss = NULL;
    s = oct_session_from_graph(g, NULL, &ss);
    CHECK_MSG(s == OCT_OK, "%s", oct_errmsg());
    return ss;
}

static oct_session *graph_session(oct_graph *g)
{
    oct_session *s = NULL;
    if (!g) return NULL;
    oct_status st = oct_session_from_graph(g, NULL, &s);
    CHECK_MSG(st == OCT_OK, "%s", oct_errmsg());
    return s;
}

/* Logits [n, 10] of rows [0, n) of x, in batches; *secs: time in run calls. */
static oct_tensor *run_rows(oct_session *s, const oct_tensor *x, int64_t n, int batch, double *secs)
{
    int64_t od[2] = {n, 10};
    oct_tensor *all = oct_tensor_new(OCT_DT_F32, 2, od);
    size_t row = oct_tensor_nbytes(x) / (size_t)x->dims[0];
    double t = 0;
    for (int64_t b = 0; all && b < n; b += batch) {
        int64_t m = n - b < batch ? n - b : batch;
        int64_t d[4] = {m, x->dims[1], x->dims[2], x->dims[3]};
        oct_tensor *xb = oct_tensor_wrap(OCT_DT_F32, 4, d, (char *)x->data + (size_t)b * row);
        oct_tensor *out[4] = {0};
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        oct_status st = oct_session_run(s, (const oct_tensor *const *)&xb, out);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        t += (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
        oct_tensor_free(xb);
        CHECK_MSG(st == OCT_OK, "%s", oct_errmsg());
        if (st != OCT_OK || out[0]->rank != 2 || out[0]->dims[1] != 10) {
            oct_tensor_free(out[0]);
            oct_tensor_free(all);
            return NULL;
        }
        memcpy((float *)all->data + b * 10, out[0]->data, (size_t)m * 10 * sizeof(float));
        oct_tensor_free(out[0]);
    }
    if (secs) *secs = t;
    return all;
}

static int argmax10(const float *r)
{
    int b = 0;
    for (int c = 1; c < 10; c++)
        if (r[c] > r[b]) b = c;
    return b;
}

static void check_fp16_graph(const char *name, const oct_session *s)
{
    const oct_graph *g = oct_session_graph(s);
    int f16 = 0, f32 = 0, casts = 0;
    for (int k = 0; k < g->n_node; k++) {
        const oct_node *n = &g->node[k];
        if (n->dead) continue;
        casts += !strcmp(n->op_type, "Cast");
        if (!is_weight_op(n) || n->n_in < 2 || n->in[1] < 0 || !g->val[n->in[1]].constant) continue;
        if (g->val[n->in[1]].constant->dtype == OCT_DT_F16) f16++;
        else f32++;
    }
    CHECK_MSG(f16 > 0 && f32 == 0 && casts == 0, "%s: %d fp16 weights, %d fp32, %d Casts left", name, f16, f32, casts);
}

/* bit-exact against the rounded fp32 model at every CPU level */
static void check_bit_exact(const char *name, const char *dir, const oct_tensor *x)
{
    const int hw = (int)oct_cpu_level_get();
    for (int lvl = 0; lvl <= hw; lvl++) {
        oct_cpu_level_set((oct_cpu_level)lvl);
        oct_session *s16 = fp16_session(dir, NULL, NULL), *sr = graph_session(rounded_graph(dir));
        oct_tensor *y16 = s16 ? run_rows(s16, x, ROWS, 64, NULL) : NULL;
        oct_tensor *yr = sr ? run_rows(sr, x, ROWS, 64, NULL) : NULL;
        int64_t diff = 0;
        for (int64_t i = 0; y16 && yr && i < ROWS * 10; i++)
            diff += memcmp((float *)y16->data + i, (float *)yr->data + i, sizeof(float)) != 0;
        CHECK_MSG(y16 && yr && diff == 0, "%s at level %s: %lld of %d logits differ from the fp16-rounded fp32 model",
                  name, oct_cpu_level_name((oct_cpu_level)lvl), (long long)diff, ROWS * 10);
        oct_tensor_free(y16);
        oct_tensor_free(yr);
        oct_session_free(s16);
        oct_session_free(sr);
    }
    oct_cpu_level_set((oct_cpu_level)hw);
}

static void check_model(const char *name, const char *dir, const oct_tensor *x1k, const oct_tensor *img,
                        const oct_tensor *lab)
{
    int64_t before = 0, after = 0;
    oct_session *s32 = graph_session(load_graph(dir));
    oct_session *s16 = fp16_session(dir, &before, &after);
    if (!s32 || !s16) goto out;
    check_fp16_graph(name, s16);
    size_t wb32 = oct_session_weight_bytes(s32), wb16 = oct_session_weight_bytes(s16);
    CHECK_MSG((double)wb16 <= 0.55 * (double)wb32, "%s: fp16 session holds %zu weight bytes, fp32 %zu", name, wb16,
              wb32);
    printf("%-18s constants %lld -> %lld bytes; session weights fp32 %zu, fp16 %zu bytes (%.3f)\n", name,
           (long long)before, (long long)after, wb32, wb16, (double)wb16 / (double)wb32);

    /* 256 rows against fp32 */
    oct_tensor *y32 = run_rows(s32, x1k, ROWS, 64, NULL), *y16 = run_rows(s16, x1k, ROWS, 64, NULL);
    if (y32 && y16) {
        const float *a = y32->data, *b = y16->data;
        int agree = 0, over = 0;
        double worst = 0;
        for (int r = 0; r < ROWS; r++) {
            agree += argmax10(a + r * 10) == argmax10(b + r * 10);
            double scale = 0;
            for (int c = 0; c < 10; c++) scale = fmax(scale, fabs(a[r * 10 + c]));
            for (int c = 0; c < 10; c++) {
                double d = fabs((double)a[r * 10 + c] - b[r * 10 + c]) / (scale + 1);
                worst = fmax(worst, d);
                over += d > TOL_REL;
            }
        }
        CHECK_MSG(agree >= 0.99 * ROWS, "%s: top-1 agreement %d / %d", name, agree, ROWS);
        CHECK_MSG(over == 0, "%s: %d logits beyond %g relative (worst %g)", name, over, TOL_REL, worst);
        printf("%-18s 256 rows: top-1 agreement %d/%d, largest logit difference %.2e of (max|logit|+1)\n", name, agree,
               ROWS, worst);
    }
    oct_tensor_free(y32);
    oct_tensor_free(y16);
    check_bit_exact(name, dir, x1k);

    /* 10k test set with the model's preprocessing */
    char cfg_path[1024];
    snprintf(cfg_path, sizeof cfg_path, "%s/config.json", dir);
    oct_model_config cfg;
    oct_status st = oct_model_config_load(cfg_path, &cfg);
    CHECK_MSG(st == OCT_OK && cfg.has_preprocess, "%s: %s", cfg_path, oct_errmsg());
    if (st != OCT_OK) goto out;
    oct_tensor *x10k = NULL;
    if (cfg.has_preprocess)
        CHECK(oct_idx_images_to_f32(img, cfg.scale, cfg.mean[0], cfg.std[0], &x10k) == OCT_OK);
    oct_model_config_free(&cfg);
    if (!x10k) goto out;
    const int64_t n = x10k->dims[0];
    double t32 = 0, t16 = 0;
    y32 = run_rows(s32, x10k, n, 64, &t32);
    y16 = run_rows(s16, x10k, n, 64, &t16);
    if (y32 && y16) {
        int64_t c32 = 0, c16 = 0, agree = 0;
        for (int64_t r = 0; r < n; r++) {
            int p32 = argmax10((float *)y32->data + r * 10), p16 = argmax10((float *)y16->data + r * 10);
            int64_t l = (int64_t)oct_dtype_get(lab->dtype, lab->data, (size_t)r);
            c32 += p32 == l;
            c16 += p16 == l;
            agree += p32 == p16;
        }
        double a32 = 100.0 * (double)c32 / (double)n, a16 = 100.0 * (double)c16 / (double)n;
        CHECK_MSG(fabs(a32 - a16) <= 0.3, "%s: accuracy fp32 %.2f%% fp16 %.2f%%", name, a32, a16);
        CHECK_MSG((double)agree >= 0.99 * (double)n, "%s: 10k top-1 agreement %lld", name, (long long)agree);
        /* throughput: the best of a few alternating rounds (the machine is shared); not under
         * the sanitizers, where it measures nothing */
        double b32 = t32 / (double)n, b16 = t16 / (double)n, t;
        const int64_t nt = n < 2048 ? n : 2048;
#ifdef OCTET_SANITIZED
        const int rounds = 0;
#else
        const int rounds = 4;
#endif
        for (int r = 0; r < rounds; r++) {
            oct_tensor_free(run_rows(s32, x10k, nt, 64, &t));
            if (t / (double)nt < b32) b32 = t / (double)nt;
            oct_tensor_free(run_rows(s16, x10k, nt, 64, &t));
            if (t / (double)nt < b16) b16 = t / (double)nt;
        }
        printf("%-18s 10k: accuracy fp32 %.2f%% fp16 %.2f%% (agreement %lld/%lld); batch 64: fp32 %.0f img/s, "
               "fp16 %.0f img/s (%.2fx)\n",
               name, a32, a16, (long long)agree, (long long)n, 1.0 / b32, 1.0 / b16, b32 / b16);
    }
    oct_tensor_free(y32);
    oct_tensor_free(y16);
    oct_tensor_free(x10k);
out:
    oct_session_free(s32);
    oct_session_free(s16);
}

int main(void)
{
    oct_tensor *x1k = NULL, *img = NULL, *lab = NULL;
    CHECK(oct_npy_read(SRC "/tests/data/fmnist_test1000_x.npy", &x1k) == OCT_OK);
    CHECK_MSG(oct_idx_read(IDX_DIR "t10k-images-idx3-ubyte.gz", &img) == OCT_OK, "%s", oct_errmsg());
    CHECK_MSG(oct_idx_read(IDX_DIR "t10k-labels-idx1-ubyte.gz", &lab) == OCT_OK, "%s", oct_errmsg());
    if (!x1k || !img || !lab || x1k->rank != 4 || x1k->dims[0] < ROWS) TEST_DONE();
    for (size_t m = 0; m < sizeof models / sizeof models[0]; m++) check_model(models[m][0], models[m][1], x1k, img, lab);
    oct_tensor_free(x1k);
    oct_tensor_free(img);
    oct_tensor_free(lab);
    TEST_DONE();
}
