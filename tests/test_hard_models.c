/* The hard model family (scripts/make_hard_models.py, made by the hard_models fixture): on
 * every model, INT8 with its config (equalization and bias correction on by default) stays
 * within 0.5 top-1 points of FP32 on the 10k Fashion-MNIST test set, while plain INT8 (the
 * same config with both turned off) loses more than 10 points. FP32 of a hard model equals
 * FP32 of its source (the scaling preserves the function).
 * Under the sanitizers (10x slower) the first 2000 test images are used, with a 1-point bound. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "io/dataset.h"
#include "quant/quant_session.h"
#include "runtime/model_config.h"
#include "runtime/session.h"
#include "test_util.h"

#define HARD OCTET_BINARY_DIR "/hard_models"
#define IDX "/usr/share/datasets/fashion-mnist/"
#ifdef OCTET_SANITIZED
#define N_EVAL 2000
#define BOUND 1.0
#else
#define N_EVAL 10000
#define BOUND 0.5
#endif

static oct_dataset TEST;

static double accuracy(oct_session *s)
{
    const oct_tensor *x = TEST.x;
    int64_t n = x->dims[0], correct = 0;
    size_t row = oct_tensor_nbytes(x) / (size_t)n;
    for (int64_t b = 0; b < n; b += 100) {
        int64_t m = n - b < 100 ? n - b : 100, d[4] = {m, 1, 28, 28};
        oct_tensor *xb = oct_tensor_wrap(OCT_DT_F32, 4, d, (char *)x->data + (size_t)b * row);
        oct_tensor *out[4] = {0};
        oct_status st = oct_session_run(s, (const oct_tensor *const *)&xb, out);
        oct_tensor_free(xb);
        CHECK_MSG(st == OCT_OK, "%s", oct_errmsg());
        if (st != OCT_OK) return NAN;
        const float *l = out[0]->data;
        for (int64_t i = 0; i < m; i++) {
            int best = 0;
            for (int c = 1; c < 10; c++)
                if (l[i * 10 + c] > l[i * 10 + best]) best = c;
            correct += best == TEST.labels[b + i];
        }
        oct_tensor_free(out[0]);
    }
    return 100.0 * (double)correct / (double)n;
}

/* Top-1 of model at precision int8 (equalize / bias_correct as given, -1: the config's) or fp32. */
static double run(const char *dir, int int8, int equalize, int bias_correct)
{
    char model[1024], cfgp[1024];
    snprintf(model, sizeof model, "%s/model.onnx", dir);
    snprintf(cfgp, sizeof cfgp, "%s/config.json", dir);
    oct_model_config cfg;
    if (oct_model_config_load(cfgp, &cfg) != OCT_OK) {
        CHECK_MSG(0, "%s", oct_errmsg());
        return NAN;
    }
    oct_qconfig q = cfg.quant;
    if (!int8) q.precision = OCT_PREC_FP32;
    if (equalize >= 0) q.equalize = equalize;
    if (bias_correct >= 0) q.bias_correct = bias_correct;
    float norm[3];
    oct_session_opts so;
    oct_session_opts_default(&so);
    so.device = "cpu";
    oct_session *s = NULL;
    oct_status st = oct_quant_session_load(model, &q, oct_model_config_norm(&cfg, norm), &so, NULL, &s, NULL, NULL);
    CHECK_MSG(st == OCT_OK, "%s: %s", dir, oct_errmsg());
    double acc = s ? accuracy(s) : NAN;
    oct_session_free(s);
    oct_model_config_free(&cfg);
    return acc;
}

int main(void)
{
    oct_data_spec spec;
    memset(&spec, 0, sizeof spec);
    strcpy(spec.idx_images, IDX "t10k-images-idx3-ubyte.gz");
    strcpy(spec.idx_labels, IDX "t10k-labels-idx1-ubyte.gz");
    const float norm[3] = {0.00392156862745098f, 0.286f, 0.353f};
    CHECK_MSG(oct_dataset_load(&spec, norm, N_EVAL, 1, &TEST) == OCT_OK, "%s", oct_errmsg());
    if (!TEST.x) TEST_DONE();
    static const char *src[3] = {"mlp", "cnn", "resnet"}, *spread[2] = {"s15", "s20"};
    printf("%-16s %8s %8s %8s %8s   (top-1 %%, %lld test images)\n", "model", "fp32", "octet", "plain", "source",
           (long long)TEST.x->dims[0]);
    for (int m = 0; m < 3; m++) {
        char sdir[1024];
        snprintf(sdir, sizeof sdir, OCTET_SOURCE_DIR "/models/fmnist_%s", src[m]);
        double src32 = run(sdir, 0, -1, -1);
        for (int h = 0; h < 2; h++) {
            char dir[1024];
            snprintf(dir, sizeof dir, HARD "/hard_%s_%s", src[m], spread[h]);
            double a32 = run(dir, 0, -1, -1), a8 = run(dir, 1, -1, -1), plain = run(dir, 1, 0, 0);
            printf("%-16s %8.2f %8.2f %8.2f %8.2f\n", dir + strlen(HARD) + 1, a32, a8, plain, src32);
            CHECK_MSG(fabs(a32 - src32) <= 0.02, "%s: fp32 %.2f%%, its source %.2f%%", dir, a32, src32);
            CHECK_MSG(fabs(a32 - a8) <= BOUND, "%s: int8 %.2f%% vs fp32 %.2f%%", dir, a8, a32);
            CHECK_MSG(a32 - plain > 10, "%s: plain int8 %.2f%% is not far below fp32 %.2f%%", dir, plain, a32);
        }
    }
    oct_dataset_free(&TEST);
    TEST_DONE();
}
