/* The quantization pipeline on the bundled models (quant/quantize.h):
 *  - static int8 (per-channel, minmax and entropy calibration on 256 Fashion-MNIST
 *    training images): top-1 on the first 1000 test images within 1 point of fp32,
 *    predictions agree >= 97%, and the loaded graph runs integer operators (no float
 *    Conv / Gemm left; convolutions channels-last after pass_nhwc);
 *  - the QDQ graph written as ONNX and read back gives bit-identical outputs (the
 *    artifact needs no recalibration);
 *  - dynamic int8 for the MLP and the transformer: >= 99% agreement with fp32;
 *  - overrides keep the named node in float; static int8 without data is an error. */
#include <stdlib.h>
#include <string.h>

#include "io/dataset.h"
#include "io/npy.h"
#include "onnx/onnx.h"
#include "quant/quantize.h"
#include "runtime/session.h"
#include "test_fmnist_data.h"
#include "test_util.h"

#define SRC OCTET_SOURCE_DIR

static oct_tensor *X;     /* 1000 test images */
static int64_t *Y;        /* labels */
static oct_tensor *CALIB; /* 256 training images */

static int *predict(oct_session *s, oct_tensor **logits_out)
{
    int64_t n = X->dims[0];
    int *p = calloc((size_t)n, sizeof *p);
    int64_t od[2] = {n, 10};
    oct_tensor *all = oct_tensor_new(OCT_DT_F32, 2, od);
    size_t row = oct_tensor_nbytes(X) / (size_t)n;
    for (int64_t b = 0; p && all && b < n; b += 100) {
        int64_t d[4] = {100, 1, 28, 28};
        oct_tensor *xb = oct_tensor_wrap(OCT_DT_F32, 4, d, (char *)X->data + (size_t)b * row);
        oct_tensor *out[4] = {0};
        oct_status st = oct_session_run(s, (const oct_tensor *const *)&xb, out);
        oct_tensor_free(xb);
        CHECK_MSG(st == OCT_OK, "%s", oct_errmsg());
        if (st != OCT_OK) {
            free(p);
            oct_tensor_free(all);
            return NULL;
        }
        const float *l = out[0]->data;
        memcpy((float *)all->data + b * 10, l, 100 * 10 * sizeof(float));
        for (int64_t i = 0; i < 100; i++) {
            int best = 0;
            for (int c = 1; c < 10; c++)
                if (l[i * 10 + c] > l[i * 10 + best]) best = c;
            p[b + i] = best;
        }
        oct_tensor_free(out[0]);
    }
    if (logits_out) *logits_out = all;
    else oct_tensor_free(all);
    return p;
}

static int count_op(const oct_graph *g, const char *op)
{
    int c = 0;
    for (int i = 0; i < g->n_node; i++) c += !g->node[i].dead && !strcmp(g->node[i].op_type, op);
    return c;
}

static int correct(const int *p)
{
    int c = 0;
    for (int64_t i = 0; i < X->dims[0]; i++) c += p[i] == Y[i];
    return c;
}

static int agree(const int *a, const int *b)
{
    int c = 0;
    for (int64_t i = 0; i < X->dims[0]; i++) c += a[i] == b[i];
    return c;
}

static int *fp32_preds(const char *path)
{
    oct_session *s = NULL;
    CHECK_MSG(oct_session_load(path, NULL, &s) == OCT_OK, "%s", oct_errmsg());
    int *p = s ? predict(s, NULL) : NULL;
    oct_session_free(s);
    return p;
}

static void check_static(const char *name, oct_calib_method m, int expect_gemm)
{
    char path[512];
    snprintf(path, sizeof path, SRC "/models/%s/model.onnx", name);
    int *ref = fp32_preds(path);
    oct_qconfig q;
    oct_qconfig_default(&q);
    q.precision = OCT_PREC_INT8;
    q.method = m;
    oct_graph *g = NULL;
    oct_status st = oct_quantize_model(path, &q, CALIB, NULL, &g);
    CHECK_MSG(st == OCT_OK, "%s: %s", name, oct_errmsg());
    if (st != OCT_OK || !ref) {
        free(ref);
        return;
    }
    CHECK(count_op(g, "QuantizeLinear") > 0 && count_op(g, "DequantizeLinear") > count_op(g, "QuantizeLinear"));
    void *buf = NULL;
    size_t len = 0;
    st = oct_onnx_save_buffer(g, &buf, &len);
    CHECK_MSG(st == OCT_OK, "%s", oct_errmsg());
    oct_session *s = NULL, *s2 = NULL;
    CHECK_MSG(oct_session_from_graph(g, NULL, &s) == OCT_OK, "%s", oct_errmsg());
    const oct_graph *sg = s ? oct_session_graph(s) : NULL;
    if (sg) {
        CHECK_MSG(count_op(sg, "QLinearConvNhwc") + count_op(sg, "QLinearConv") > 0, "%s: no integer conv", name);
        CHECK_MSG(count_op(sg, "Conv") == 0, "%s: %d float Conv left", name, count_op(sg, "Conv"));
        if (expect_gemm) CHECK_MSG(count_op(sg, "Gemm") == 0, "%s: %d float Gemm left", name, count_op(sg, "Gemm"));
    }
    oct_tensor *l1 = NULL, *l2 = NULL;
    int *p = s ? predict(s, &l1) : NULL;
    if (p) {
        int c0 = correct(ref), c1 = correct(p), a = agree(ref, p);
        printf("%s int8 %s: %d / 1000 correct (fp32 %d), agreement %d / 1000\n", name, oct_calib_method_name(m), c1,
               c0, a);
        CHECK_MSG(c1 >= c0 - 10, "%s: int8 %d vs fp32 %d", name, c1, c0);
        CHECK_MSG(a >= 970, "%s: agreement %d", name, a);
    }
    /* the written QDQ model reloads to the same outputs */
    oct_graph *g2 = NULL;
    if (buf) {
        st = oct_onnx_load_buffer(buf, len, "qdq", &g2);
        CHECK_MSG(st == OCT_OK, "%s", oct_errmsg());
    }
    if (g2) CHECK_MSG(oct_session_from_graph(g2, NULL, &s2) == OCT_OK, "%s", oct_errmsg());
    int *p2 = s2 ? predict(s2, &l2) : NULL;
    if (l1 && l2) CHECK_MSG(!memcmp(l1->data, l2->data, oct_tensor_nbytes(l1)), "%s: reloaded QDQ differs", name);
    free(buf);
    free(p);
    free(p2);
    free(ref);
    oct_tensor_free(l1);
    oct_tensor_free(l2);
    oct_session_free(s);
    oct_session_free(s2);
}

static void check_dynamic(const char *path)
{
    int *ref = fp32_preds(path);
    oct_qconfig q;
    oct_qconfig_default(&q);
    q.precision = OCT_PREC_INT8;
    q.act_dynamic = 1;
    oct_graph *g = NULL;
    oct_status st = oct_quantize_model(path, &q, NULL, NULL, &g);
    CHECK_MSG(st == OCT_OK, "%s: %s", path, oct_errmsg());
    if (st != OCT_OK || !ref) {
        free(ref);
        return;
    }
    CHECK(count_op(g, "MatMulInteger") > 0 && count_op(g, "Gemm") == 0);
    oct_session *s = NULL;
    CHECK_MSG(oct_session_from_graph(g, NULL, &s) == OCT_OK, "%s", oct_errmsg());
    int *p = s ? predict(s, NULL) : NULL;
    if (p) {
        int a = agree(ref, p);
        printf("%s dynamic int8: %d / 1000 correct (fp32 %d), agreement %d / 1000\n", path, correct(p), correct(ref), a);
        CHECK_MSG(a >= 990, "agreement %d", a);
    }
    free(p);
    free(ref);
    oct_session_free(s);
}

static void check_override_and_errors(void)
{
    const char *path = SRC "/models/fmnist_cnn/model.onnx";
    oct_qconfig q;
    oct_qconfig_default(&q);
    q.precision = OCT_PREC_INT8;
    oct_qoverride ov;
    memset(&ov, 0, sizeof ov);
    strcpy(ov.node, "/conv1/Conv");
    ov.precision = OCT_PREC_FP32;
    q.overrides = &ov;
    q.n_overrides = 1;
    oct_graph *g = NULL;
    CHECK_MSG(oct_quantize_model(path, &q, CALIB, NULL, &g) == OCT_OK, "%s", oct_errmsg());
    oct_session *s = NULL;
    if (g) CHECK_MSG(oct_session_from_graph(g, NULL, &s) == OCT_OK, "%s", oct_errmsg());
    if (s) {
        const oct_graph *sg = oct_session_graph(s);
        int found = 0;
        for (int i = 0; i < sg->n_node; i++)
            found |= !strcmp(sg->node[i].name, "/conv1/Conv") && !strcmp(sg->node[i].op_type, "Conv");
        CHECK_MSG(found, "the overridden conv is not float");
        CHECK(count_op(sg, "QLinearConvNhwc") + count_op(sg, "QLinearConv") == 1);
    }
    oct_session_free(s);
    q.overrides = NULL;
    q.n_overrides = 0;
    g = NULL;
    CHECK(oct_quantize_model(path, &q, NULL, NULL, &g) == OCT_E_INVALID && !g);
    CHECK(strstr(oct_errmsg(), "calibration") != NULL);
}

int main(void)
{
    tfm_data data;
    if (tfm_load(&data, 256) != 0) return 1;
    X = data.x;
    Y = data.y;
    CALIB = data.calib.x;
    check_static("fmnist_cnn", OCT_CALIB_MINMAX, 1);
    check_static("fmnist_resnet", OCT_CALIB_ENTROPY, 1);
    check_static("fmnist_cnn", OCT_CALIB_MSE, 1);
    check_dynamic(SRC "/models/fmnist_mlp/model.onnx");
    check_dynamic(SRC "/tests/models/fmnist_transformer/model.onnx");
    check_override_and_errors();
    tfm_free(&data);
    TEST_DONE();
}
