/* Error analysis, sensitivity, automatic mixed precision and the report
 * (quant/analysis.h):
 *  - SQNR of a small weight tensor quantized per channel and per tensor equals
 *    the hand computation (integer codes worked out by hand), and a layer's
 *    weight SQNR equals the SQNR of the int8 weights the QDQ graph holds;
 *  - fmnist_cnn: sensitivity lists every Conv / Gemm with finite SQNR and top-1
 *    and ranks them 1..n; activation SQNR is measured for every quantized
 *    tensor through the integer kernels (NHWC chains included);
 *  - fmnist_resnet, 1000 test images, 256 training images for calibration:
 *    with a budget below the all-int8 drop AMP keeps >= 1 layer float, in
 *    sensitivity order, meets the budget, and the graph it returns gives the
 *    accuracy it reported with the kept layers' weights in float;
 *  - the HTML report has an <svg> per chart and every layer name; the JSON
 *    twin parses and lists the same layers. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/dataset.h"
#include "io/npy.h"
#include "quant/analysis.h"
#include "runtime/session.h"
#include "test_fmnist_data.h"
#include "test_util.h"

#define SRC OCTET_SOURCE_DIR

static oct_tensor *X;     /* 1000 test images */
static int64_t *Y;
static oct_tensor *CALIB; /* 256 training images */

/* ---- SQNR by hand ---- */

static double hand_sqnr(const float *w, const int *codes, const double *scale, int per_row, int rows, int cols)
{
    double s = 0, e = 0;
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++) {
            double x = w[r * cols + c], xq = codes[r * cols + c] * scale[per_row ? r : 0];
            s += x * x;
            e += (x - xq) * (x - xq);
        }
    return 10 * log10(s / e);
}

static void check_sqnr_by_hand(void)
{
    /* row 0: max 0.9, row 1: max 2.0 */
    const float w[8] = {0.9f, -0.4f, 0.25f, 0.1f, 2.0f, 0.3f, -1.1f, 0.02f};
    int64_t d[2] = {2, 4};
    oct_tensor *t = oct_tensor_wrap(OCT_DT_F32, 2, d, (void *)w);
    /* per channel: scales 0.9/127, 2/127; codes round(w / scale) */
    const int pc[8] = {127, -56, 35, 14, 127, 19, -70, 1};
    const double pcs[2] = {0.9f / 127.f, 2.0f / 127.f};
    /* per tensor: scale 2/127 */
    const int pt[8] = {57, -25, 16, 6, 127, 19, -70, 1};
    const double pts[1] = {2.0f / 127.f};
    double db = 0;
    CHECK(oct_sqnr_weight(t, 0, &db) == OCT_OK);
    CHECK_NEAR(db, hand_sqnr(w, pc, pcs, 1, 2, 4), 1e-3);
    CHECK(oct_sqnr_weight(t, -1, &db) == OCT_OK);
    CHECK_NEAR(db, hand_sqnr(w, pt, pts, 0, 2, 4), 1e-3);
    float wq[8];
    CHECK(oct_sqnr_fake_quant(t, 0, wq) == OCT_OK);
    CHECK_NEAR(wq[1], -56 * pcs[0], 1e-6);
    CHECK_NEAR(wq[6], -70 * pcs[1], 1e-6);
    oct_tensor_free(t);
    CHECK(isinf(oct_sqnr_db(1, 0)) && oct_sqnr_db(1, 0) > 0);
    CHECK(isnan(oct_sqnr_db(0, 0)));
    CHECK_NEAR(oct_sqnr_db(100, 1), 20.0, 1e-12);
}

/* ---- helpers ---- */

static int count_correct(oct_graph *g)
{
    oct_session *s = NULL;
    if (oct_session_from_graph(g, NULL, &s) != OCT_OK) {
        fprintf(stderr, "%s\n", oct_errmsg());
        return -1;
    }
    int correct = 0;
    size_t row = oct_tensor_nbytes(X) / (size_t)X->dims[0];
    for (int64_t b = 0; b < X->dims[0]; b += 64) {
        int64_t m = X->dims[0] - b < 64 ? X->dims[0] - b : 64, dims[4] = {m, 1, 28, 28};
        oct_tensor *xb = oct_tensor_wrap(OCT_DT_F32, 4, dims, (char *)X->data + (size_t)b * row);
        oct_tensor *out[4] = {0};
        if (oct_session_run(s, (const oct_tensor *const *)&xb, out) != OCT_OK) {
            oct_tensor_free(xb);
            correct = -1;
            break;
        }
        const float *l = out[0]->data;
        for (int64_t i = 0; i < m; i++) {
            int best = 0;
            for (int c = 1; c < 10; c++)
                if (l[i * 10 + c] > l[i * 10 + best]) best = c;
            correct += best == Y[b + i];
        }
        oct_tensor_free(out[0]);
        oct_tensor_free(xb);
    }
    oct_session_free(s);
    return correct;
}

static const oct_tensor *const_named(const oct_graph *g, const char *base, const char *suffix)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s%s", base, suffix);
    int v = oct_graph_find_value(g, buf);
    return v >= 0 ? g->val[v].constant : NULL;
}

/* The first Conv's weight SQNR against the int8 weights in the QDQ graph. */
static void check_weight_vs_qdq(const oct_qanalysis *a)
{
    const oct_qlayer *L = &a->layer[0];
    const oct_node *n = &a->base->node[L->node];
    CHECK(!strcmp(n->op_type, "Conv"));
    const char *wname = a->base->val[n->in[1]].name;
    const oct_tensor *w = a->base->val[n->in[1]].constant;
    oct_graph *g = NULL;
    CHECK(oct_qanalysis_build(a, NULL, &g) == OCT_OK);
    const oct_tensor *q = g ? const_named(g, wname, "_quantized") : NULL, *sc = g ? const_named(g, wname, "_scale") : NULL;
    CHECK_MSG(q && sc && q->dtype == OCT_DT_I8 && oct_tensor_numel(sc) == w->dims[0], "no int8 weight for '%s'", wname);
    if (q && sc && oct_tensor_numel(sc) == w->dims[0]) {
        int64_t n_w = oct_tensor_numel(w), inner = n_w / w->dims[0];
        double s = 0, e = 0;
        for (int64_t i = 0; i < n_w; i++) {
            double x = ((const float *)w->data)[i];
            double xq = ((const int8_t *)q->data)[i] * (double)((const float *)sc->data)[i / inner];
            s += x * x;
            e += (x - xq) * (x - xq);
        }
        CHECK_NEAR(L->weight_sqnr, 10 * log10(s / e), 1e-3);
    }
    oct_graph_free(g);
}

static int layer_is_conv_or_gemm(const oct_graph *g, const char *name)
{
    for (int i = 0; i < g->n_node; i++)
        if (!g->node[i].dead && !strcmp(g->node[i].name, name))
            return !strcmp(g->node[i].op_type, "Conv") || !strcmp(g->node[i].op_type, "Gemm");
    return 0;
}

/* ---- fmnist_cnn: sensitivity and activation SQNR ---- */

static void check_cnn(void)
{
    oct_qconfig q;
    oct_qconfig_default(&q);
    q.precision = OCT_PREC_INT8;
    q.method = OCT_CALIB_MINMAX;
    oct_qanalysis a;
    oct_status st = oct_qanalysis_init(&a, SRC "/models/fmnist_cnn/model.onnx", &q, CALIB, X, Y, 2, NULL);
    CHECK_MSG(st == OCT_OK, "%s", oct_errmsg());
    if (st != OCT_OK) return;
    CHECK(a.n_layer == 5); /* conv1, conv2, fc1..fc3 */
    int convs_gemms = 0;
    for (int i = 0; i < a.base->n_node; i++)
        convs_gemms += !strcmp(a.base->node[i].op_type, "Conv") || !strcmp(a.base->node[i].op_type, "Gemm");
    CHECK(convs_gemms == a.n_layer);
    CHECK(oct_sqnr_weights(&a) == OCT_OK);
    st = oct_sensitivity_run(&a, NULL);
    CHECK_MSG(st == OCT_OK, "%s", oct_errmsg());
    int seen_rank[16] = {0};
    for (int l = 0; l < a.n_layer; l++) {
        const oct_qlayer *L = &a.layer[l];
        CHECK_MSG(layer_is_conv_or_gemm(a.base, L->name), "layer '%s'", L->name);
        CHECK_MSG(isfinite(L->sens_sqnr) && L->sens_sqnr > 10, "%s: sensitivity SQNR %g", L->name, L->sens_sqnr);
        CHECK_MSG(isfinite(L->sens_acc) && fabs(L->sens_acc - a.fp32_acc) < 3, "%s: top-1 %g", L->name, L->sens_acc);
        CHECK_MSG(isfinite(L->weight_sqnr) && L->weight_sqnr > 30, "%s: weight SQNR %g", L->name, L->weight_sqnr);
        CHECK(L->sens_rank >= 0 && L->sens_rank < a.n_layer);
        if (L->sens_rank >= 0 && L->sens_rank < 16) seen_rank[L->sens_rank]++;
    }
    for (int r = 0; r < a.n_layer; r++) CHECK(seen_rank[r] == 1);
    /* rank 0 has the lowest SQNR */
    for (int l = 0; l < a.n_layer; l++)
        if (a.layer[l].sens_rank == 0)
            for (int k = 0; k < a.n_layer; k++) CHECK(a.layer[l].sens_sqnr <= a.layer[k].sens_sqnr);
    check_weight_vs_qdq(&a);
    /* all-int8 output SQNR below every single-layer one: errors add up */
    for (int l = 0; l < a.n_layer; l++) CHECK(a.int8_out_sqnr < a.layer[l].sens_sqnr);

    st = oct_sqnr_activations(&a, NULL, 128);
    CHECK_MSG(st == OCT_OK, "%s", oct_errmsg());
    CHECK(a.n_act >= 8); /* input, 2 conv outputs, 2 pools, flatten, fc1, fc2, + logits */
    for (int i = 0; i < a.n_act; i++)
        CHECK_MSG(isfinite(a.act[i].sqnr) && a.act[i].sqnr > 15 && a.act[i].sqnr < 80, "tensor '%s': %g dB",
                  a.act[i].name, a.act[i].sqnr);
    CHECK(a.n_act > 0 && a.act[a.n_act - 1].is_output && !strcmp(a.act[a.n_act - 1].name, "logits"));
    for (int l = 0; l < a.n_layer; l++) {
        int last = l == a.n_layer - 1; /* fc3: logits stay float */
        CHECK_MSG(last ? isnan(a.layer[l].act_sqnr) : isfinite(a.layer[l].act_sqnr), "%s", a.layer[l].name);
    }
    oct_qanalysis_free(&a);
}

/* ---- fmnist_resnet: AMP and the report ---- */

static void check_report(const oct_qanalysis *a)
{
    char html[4096], js[4096];
    snprintf(html, sizeof html, "%s/test_amp_report.html", OCTET_BINARY_DIR);
    oct_report_json_path(html, js, sizeof js);
    CHECK(!strcmp(js + strlen(js) - 20, "test_amp_report.json"));
    CHECK(oct_report_write_html(a, html) == OCT_OK);
    CHECK(oct_report_write_json(a, js) == OCT_OK);
    FILE *f = fopen(html, "rb");
    CHECK(f != NULL);
    if (!f) return;
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    int svgs = 0;
    for (const char *p = buf; (p = strstr(p, "<svg")); p++) svgs++;
    CHECK_MSG(svgs == 4, "%d charts", svgs); /* weights, activations, sensitivity, AMP steps */
    CHECK(!strstr(buf, "<script") && !strstr(buf, "src=\"http") && !strstr(buf, "href=\"http"));
    for (int l = 0; l < a->n_layer; l++) CHECK_MSG(strstr(buf, a->layer[l].name) != NULL, "'%s'", a->layer[l].name);
    CHECK(strstr(buf, "fp16") != NULL && strstr(buf, "</html>") != NULL);
    json_error_t err;
    json_t *root = json_load_file(js, 0, &err);
    CHECK_MSG(root != NULL, "%s: %s", js, err.text);
    if (!root) return;
    json_t *layers = json_object_get(root, "layers"), *amp = json_object_get(root, "amp");
    CHECK(json_is_array(layers) && (int)json_array_size(layers) == a->n_layer);
    for (size_t i = 0; i < json_array_size(layers); i++) {
        json_t *L = json_array_get(layers, i);
        CHECK(!strcmp(json_string_value(json_object_get(L, "name")), a->layer[i].name));
        json_t *wq = json_object_get(L, "weight_sqnr_db");
        if (isnan(a->layer[i].weight_sqnr)) CHECK(json_is_null(wq) && !strcmp(a->layer[i].op_type, "Add"));
        else CHECK_NEAR(json_real_value(wq), a->layer[i].weight_sqnr, 1e-4 * fabs(a->layer[i].weight_sqnr));
    }
    int n_float = 0;
    for (int l = 0; l < a->n_layer; l++) n_float += a->layer[l].kept_float;
    CHECK(json_is_object(amp) && (int)json_array_size(json_object_get(amp, "kept_float")) == n_float);
    CHECK(json_is_true(json_object_get(amp, "met")));
    json_t *prec = json_object_get(root, "precisions");
    CHECK(json_is_array(prec) && json_array_size(prec) >= 3);
    CHECK(!strcmp(json_string_value(json_object_get(json_array_get(prec, 0), "label")), "fp32"));
    CHECK((int)json_array_size(json_object_get(root, "activations")) == a->n_act);
    json_decref(root);
}

static void check_resnet_amp(void)
{
    oct_qconfig q;
    oct_qconfig_default(&q);
    q.precision = OCT_PREC_INT8;
    q.method = OCT_CALIB_PERCENTILE; /* per-tensor weights: a drop of a few tenths on these 1000 images */
    q.per_channel = 0;
    oct_qanalysis a;
    oct_status st = oct_qanalysis_init(&a, SRC "/models/fmnist_resnet/model.onnx", &q, CALIB, X, Y, 2, NULL);
    CHECK_MSG(st == OCT_OK, "%s", oct_errmsg());
    if (st != OCT_OK) return;
    CHECK(a.n_layer == 13); /* 9 Conv, 3 Add, 1 Gemm */
    CHECK(oct_sensitivity_run(&a, NULL) == OCT_OK);
    double drop = a.fp32_acc - a.int8_acc;
    /* a budget the all-int8 model misses: half its drop (one image is 0.1 points) */
    double budget = drop > 0 ? drop / 2 : 0;
    CHECK_MSG(drop > budget, "all-int8 drop %.2f points: nothing for AMP to do (calibration changed?)", drop);
    oct_graph *g = NULL;
    st = oct_amp_run(&a, budget, NULL, &g);
    CHECK_MSG(st == OCT_OK && g, "%s", oct_errmsg());
    int n_float = 0;
    for (int l = 0; l < a.n_layer; l++) n_float += a.layer[l].kept_float;
    printf("resnet AMP: fp32 %.1f%%, all int8 %.1f%% (drop %.1f), budget %.2f -> %.1f%% with %d float:", a.fp32_acc,
           a.int8_acc, drop, budget, a.step[a.n_step - 1].acc, n_float);
    for (int s = 1; s < a.n_step; s++) printf(" %s", a.layer[a.step[s].layer].name);
    printf("\n");
    CHECK(a.amp_ran && a.amp_met);
    CHECK(n_float >= 1 && a.n_step == n_float + 1);
    CHECK(a.step[0].layer == -1 && a.step[0].acc == a.int8_acc);
    CHECK(a.step[a.n_step - 1].drop <= budget + 1e-9);
    for (int s = 0; s + 1 < a.n_step; s++) CHECK(a.step[s].drop > budget); /* stopped at the first step that holds */
    for (int s = 1; s < a.n_step; s++) CHECK(a.layer[a.step[s].layer].sens_rank == s - 1);
    if (g) {
        /* kept layers read float weights; the others int8 */
        for (int l = 0; l < a.n_layer; l++) {
            const oct_node *n = NULL;
            for (int i = 0; i < g->n_node && !n; i++)
                if (!strcmp(g->node[i].name, a.layer[l].name)) n = &g->node[i];
            CHECK_MSG(n != NULL, "'%s' missing", a.layer[l].name);
            if (!n || !strcmp(n->op_type, "Add")) continue;
            int float_w = g->val[n->in[1]].constant != NULL;
            CHECK_MSG(float_w == a.layer[l].kept_float, "'%s': float weights %d, kept float %d", a.layer[l].name,
                      float_w, a.layer[l].kept_float);
        }
        int c = count_correct(g);
        CHECK_NEAR(c / 10.0, a.step[a.n_step - 1].acc, 1e-9);
    }
    CHECK(oct_sqnr_weights(&a) == OCT_OK);
    CHECK(oct_sqnr_activations(&a, NULL, 128) == OCT_OK);
    for (int i = 0; i < a.n_act; i++) CHECK_MSG(isfinite(a.act[i].sqnr), "tensor '%s'", a.act[i].name);
    st = oct_qanalysis_precisions(&a);
    CHECK_MSG(st == OCT_OK, "%s", oct_errmsg());
    CHECK(a.n_prec == 4 && a.prec[0].available && a.prec[2].available && a.prec[3].available);
    CHECK(a.prec[2].weight_bytes < a.prec[0].weight_bytes && a.prec[3].weight_bytes < a.prec[2].weight_bytes);
    CHECK(a.prec[2].acc == a.step[a.n_step - 1].acc && a.prec[3].acc == a.int8_acc);
    check_report(&a);
    oct_qanalysis_free(&a);

    /* errors: dynamic int8 is not analysable */
    q.act_dynamic = 1;
    CHECK(oct_qanalysis_init(&a, SRC "/models/fmnist_resnet/model.onnx", &q, CALIB, X, Y, 1, NULL) == OCT_E_INVALID);
    CHECK(strstr(oct_errmsg(), "static int8") != NULL);
}

int main(void)
{
    check_sqnr_by_hand();
    tfm_data data;
    if (tfm_load(&data, 256) != 0) return 1;
    X = data.x;
    Y = data.y;
    CALIB = data.calib.x;
    check_cnn();
    check_resnet_amp();
    tfm_free(&data);
    TEST_DONE();
}
