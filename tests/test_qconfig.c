/* qconfig + dataset: every example of docs/QUANTIZATION.md parses to what it says; every bad
 * key / value / combination is OCT_E_INVALID naming the key; override precedence; the
 * "quantization" section inside config.json; data sets from IDX and .npy with offset/limit. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/dataset.h"
#include "io/file.h"
#include "io/npy.h"
#include "quant/qconfig.h"
#include "runtime/model_config.h"
#include "test_util.h"

#define FMNIST "/usr/share/datasets/fashion-mnist/"
#define TMPDIR "/tmp/octet_qconfig_test"

static const float fmnist_norm[3] = {0.00392156862745098f, 0.286f, 0.353f};

static oct_status parse_text(const char *text, const char *dir, oct_qconfig *q)
{
    json_error_t e;
    json_t *root = json_loads(text, JSON_REJECT_DUPLICATES, &e);
    if (!root) {
        fprintf(stderr, "test JSON does not parse: %s\n%s\n", e.text, text);
        oct_qconfig_default(q);
        return OCT_E_PARSE;
    }
    oct_status s = oct_qconfig_parse("config.json", dir, root, q);
    json_decref(root);
    return s;
}

static void expect_bad(const char *text, const char *needle)
{
    oct_qconfig q;
    oct_status s = parse_text(text, "/m", &q);
    CHECK_MSG(s == OCT_E_INVALID && strstr(oct_errmsg(), needle) && strstr(oct_errmsg(), "config.json"),
              "status %d, message '%s', wanted '%s' for %s", s, oct_errmsg(), needle, text);
    CHECK(q.overrides == NULL && q.n_overrides == 0 && q.precision == OCT_PREC_FP32); /* reset on failure */
    oct_qconfig_free(&q);
}

static void expect_ok(const char *text, oct_qconfig *q)
{
    oct_status s = parse_text(text, "/m", q);
    CHECK_MSG(s == OCT_OK, "%s: %s", text, oct_errmsg());
}

static const char *write_file(const char *name, const char *text)
{
    static char path[512];
    (void)!system("mkdir -p " TMPDIR);
    snprintf(path, sizeof path, TMPDIR "/%s", name);
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
    return path;
}

/* The ```json blocks of the "## Configuration" section of docs/QUANTIZATION.md. */
static int doc_examples(char **out, int max)
{
    void *buf;
    size_t len;
    if (oct_file_read(OCTET_SOURCE_DIR "/docs/QUANTIZATION.md", &buf, &len) != OCT_OK) {
        fprintf(stderr, "%s\n", oct_errmsg());
        return 0;
    }
    char *doc = buf, *p = strstr(doc, "\n## Configuration\n"), *end = p ? strstr(p, "\n### Fields\n") : NULL;
    int n = 0;
    while (p && end && n < max && (p = strstr(p, "```json\n")) && p < end) {
        p += 8;
        char *q = strstr(p, "```");
        if (!q) break;
        out[n] = strndup(p, (size_t)(q - p));
        n++;
        p = q + 3;
    }
    free(buf);
    return n;
}

static void test_doc_examples(void)
{
    char *ex[16];
    int n = doc_examples(ex, 16);
    CHECK_MSG(n == 5, "docs/QUANTIZATION.md has %d json examples, expected 5", n);
    oct_qconfig q[5];
    for (int i = 0; i < n && i < 5; i++) {
        CHECK_MSG(parse_text(ex[i], "/models/m", &q[i]) == OCT_OK, "example %d: %s", i, oct_errmsg());
        /* the same object inside a full config.json, normalised by the model's preprocess */
        char *cfg = malloc(strlen(ex[i]) + 512);
        sprintf(cfg, "{\"name\": \"m\", \"preprocess\": {\"scale\": 0.00392156862745098, \"mean\": [0.286], \"std\": [0.353]},\n"
                     " \"quantization\": %s}", ex[i]);
        oct_model_config c;
        CHECK_MSG(oct_model_config_load(write_file("config.json", cfg), &c) == OCT_OK, "example %d in config.json: %s", i,
                  oct_errmsg());
        CHECK(c.quant.precision == q[i].precision && c.quant.n_overrides == q[i].n_overrides);
        oct_model_config_free(&c);
        free(cfg);
    }
    if (n != 5) goto out;
    /* 0: int8 static, per-channel, entropy, IDX calibration data */
    CHECK(q[0].precision == OCT_PREC_INT8 && q[0].per_channel == 1 && !q[0].act_dynamic && q[0].act_dtype == OCT_DT_U8);
    CHECK(q[0].method == OCT_CALIB_ENTROPY && q[0].samples == 512 && q[0].has_calib_data && !q[0].calib.has_norm);
    CHECK(!strcmp(q[0].calib.idx_images, FMNIST "train-images-idx3-ubyte.gz") && !q[0].calib.npy[0]);
    CHECK(!q[0].has_budget && q[0].n_overrides == 0);
    /* 1: int8 dynamic, no data */
    CHECK(q[1].precision == OCT_PREC_INT8 && q[1].act_dynamic && !q[1].has_calib_data && q[1].per_channel);
    /* 2: fp16 */
    CHECK(q[2].precision == OCT_PREC_FP16 && !q[2].has_calib_data);
    /* 3: overrides, int8 symmetric activations, relative .npy path */
    CHECK(q[3].precision == OCT_PREC_INT8 && q[3].act_dtype == OCT_DT_I8 && q[3].method == OCT_CALIB_PERCENTILE);
    CHECK_NEAR(q[3].percentile, 99.99, 1e-12);
    CHECK(q[3].samples == 256 && !strcmp(q[3].calib.npy, "/models/m/calib/x.npy"));
    CHECK(q[3].n_overrides == 2);
    CHECK(oct_qconfig_override(&q[3], "/conv1/Conv", "Conv") == OCT_PREC_FP32);
    CHECK(oct_qconfig_override(&q[3], "/conv2/Conv", "Conv") == -1);
    CHECK(oct_qconfig_override(&q[3], "/fc1/Gemm", "Gemm") == OCT_PREC_FP16);
    /* 4: accuracy budget */
    CHECK(q[4].has_budget && q[4].budget_samples == 2000 && q[4].method == OCT_CALIB_MINMAX && q[4].samples == 1000);
    CHECK_NEAR(q[4].max_drop, 0.5, 1e-12);
    CHECK(q[4].budget_data.offset == 5000 && q[4].budget_data.has_norm && q[4].budget_data.idx_labels[0]);
    CHECK_NEAR(q[4].budget_data.std, 0.353, 1e-6);
    CHECK_NEAR(q[4].budget_data.scale, 1.0 / 255, 1e-9);

    /* The examples' data sets load: 512 calibration images, 2000 labelled test images from 5000. */
    oct_dataset d;
    oct_status s = oct_dataset_load(&q[0].calib, fmnist_norm, q[0].samples, 0, &d);
    CHECK_MSG(s == OCT_OK, "%s", oct_errmsg());
    if (s == OCT_OK) {
        CHECK(d.n == 512 && d.x->dtype == OCT_DT_F32 && d.x->rank == 4 && d.x->dims[0] == 512 && d.x->dims[2] == 28);
        CHECK(d.labels == NULL);
        oct_dataset_free(&d);
    }
    s = oct_dataset_load(&q[4].budget_data, NULL, q[4].budget_samples, 1, &d);
    CHECK_MSG(s == OCT_OK, "%s", oct_errmsg());
    if (s == OCT_OK) {
        oct_dataset full;
        oct_data_spec all = q[4].budget_data;
        all.offset = 0;
        CHECK(oct_dataset_load(&all, NULL, 0, 1, &full) == OCT_OK && full.n == 10000);
        CHECK(d.n == 2000 && d.labels && !memcmp(d.labels, full.labels + 5000, 2000 * sizeof(int64_t)));
        CHECK(!memcmp(d.x->data, (float *)full.x->data + 5000 * 784, 2000 * 784 * sizeof(float)));
        oct_dataset_free(&full);
        oct_dataset_free(&d);
    }
out:
    for (int i = 0; i < n; i++) {
        if (i < 5) oct_qconfig_free(&q[i]);
        free(ex[i]);
    }
}

static void test_bad_keys(void)
{
    const char *cal = "\"calibration\": {\"data\": {\"npy\": \"x.npy\"}}";
    char t[1024];
    expect_bad("{\"precision\": \"int8\", \"activations\": \"dynamic\", \"metod\": 1}", "unknown key 'metod' in quantization ");
    expect_bad("{\"precision\": \"int8\", \"calibration\": {\"metod\": \"entropy\", \"data\": {\"npy\": \"x.npy\"}}}",
               "unknown key 'metod' in quantization.calibration");
    snprintf(t, sizeof t, "{\"precision\": \"int8\", \"weights\": {\"granularity\": \"per_tensor\", \"bits\": 8}, %s}", cal);
    expect_bad(t, "unknown key 'bits' in quantization.weights");
    snprintf(t, sizeof t, "{\"precision\": \"int8\", \"activations\": {\"mode\": \"static\", \"sym\": true}, %s}", cal);
    expect_bad(t, "unknown key 'sym' in quantization.activations");
    expect_bad("{\"precision\": \"int8\", \"calibration\": {\"data\": {\"npy\": \"x.npy\", \"lables\": \"y.npy\"}}}",
               "unknown key 'lables' in quantization.calibration.data");
    expect_bad("{\"overrides\": [{\"node\": \"a\", \"precision\": \"fp32\"}, {\"node\": \"b\", \"prec\": \"fp16\"}]}",
               "unknown key 'prec' in quantization.overrides[1]");
    expect_bad("{\"accuracy_budget\": {\"max_drop\": 1, \"data\": {\"npy\": \"x.npy\", \"labels_npy\": \"y.npy\"}, \"n\": 5}}",
               "unknown key 'n' in quantization.accuracy_budget");
    expect_bad("{\"accuracy_budget\": {\"max_drop\": 1, \"data\": {\"npy\": \"x.npy\", \"labels_npy\": \"y.npy\", \"limit\": 5}}}",
               "unknown key 'limit' in quantization.accuracy_budget.data");
}

static void test_bad_values(void)
{
    const char *cal = "\"calibration\": {\"data\": {\"npy\": \"x.npy\"}}";
    char t[1024];
    expect_bad("{\"precision\": \"int4\"}", "quantization.precision: 'int4' is not one of fp32, fp16, int8");
    expect_bad("{\"precision\": 8}", "quantization.precision must be a string, one of fp32, fp16, int8");
    snprintf(t, sizeof t, "{\"precision\": \"int8\", \"weights\": {\"granularity\": \"per_row\"}, %s}", cal);
    expect_bad(t, "quantization.weights.granularity: 'per_row' is not one of per_tensor, per_channel");
    expect_bad("{\"weights\": \"channel\"}", "quantization.weights: 'channel' is not one of per_tensor, per_channel");
    expect_bad("{\"weights\": 3}", "quantization.weights must be an object");
    expect_bad("{\"activations\": {\"mode\": \"auto\"}}", "quantization.activations.mode: 'auto' is not one of static, dynamic");
    expect_bad("{\"activations\": {\"dtype\": \"int16\"}}", "quantization.activations.dtype: 'int16' is not one of uint8, int8");
    expect_bad("{\"activations\": \"sometimes\"}", "quantization.activations: 'sometimes'");
    snprintf(t, sizeof t, "{\"calibration\": {\"method\": \"kl\"}}");
    expect_bad(t, "quantization.calibration.method: 'kl' is not one of minmax, percentile, entropy, mse");
    expect_bad("{\"calibration\": {\"method\": \"percentile\", \"percentile\": 0}}", "quantization.calibration.percentile must be in (0, 100]");
    expect_bad("{\"calibration\": {\"method\": \"percentile\", \"percentile\": 100.5}}", "quantization.calibration.percentile must be in (0, 100]");
    expect_bad("{\"calibration\": {\"method\": \"percentile\", \"percentile\": \"high\"}}", "quantization.calibration.percentile must be a number");
    expect_bad("{\"calibration\": {\"method\": \"entropy\", \"percentile\": 99.9}}", "quantization.calibration.percentile is only used with method 'percentile'");
    expect_bad("{\"calibration\": {\"percentile\": 99.9}}", "quantization.calibration.percentile is only used");
    expect_bad("{\"calibration\": {\"samples\": 0}}", "quantization.calibration.samples must be an integer >= 1");
    expect_bad("{\"calibration\": {\"samples\": 1.5}}", "quantization.calibration.samples must be an integer >= 1");
    expect_bad("{\"calibration\": []}", "quantization.calibration must be an object");
    expect_bad("[1]", "quantization must be an object");
    /* equalization, bias correction, fallback */
    expect_bad("{\"equalization\": \"yes\"}", "quantization.equalization must be true or false");
    expect_bad("{\"bias_correction\": \"analytic\"}", "quantization.bias_correction: 'analytic' is not one of off, empirical");
    expect_bad("{\"bias_correction\": true}", "quantization.bias_correction must be a string");
    expect_bad("{\"accuracy_budget\": {\"max_drop\": 1, \"data\": {\"npy\": \"x.npy\", \"labels_npy\": \"y.npy\"}, "
               "\"fallback\": \"int8\"}}",
               "quantization.accuracy_budget.fallback: 'int8' is not one of fp32, fp16");
    {
        oct_qconfig q;
        expect_ok("{\"precision\": \"int8\", \"activations\": \"dynamic\"}", &q);
        CHECK(q.equalize == 1 && q.bias_correct == 1 && q.fallback == OCT_PREC_FP32); /* the defaults */
        oct_qconfig_free(&q);
        expect_ok("{\"precision\": \"int8\", \"activations\": \"dynamic\", \"equalization\": false, "
                  "\"bias_correction\": \"off\", \"accuracy_budget\": {\"max_drop\": 1, \"fallback\": \"fp16\", "
                  "\"data\": {\"npy\": \"x.npy\", \"labels_npy\": \"y.npy\"}}}",
                  &q);
        CHECK(q.equalize == 0 && q.bias_correct == 0 && q.fallback == OCT_PREC_FP16);
        oct_qconfig_free(&q);
    }
    /* overrides */
    expect_bad("{\"overrides\": {\"node\": \"a\"}}", "quantization.overrides must be an array");
    expect_bad("{\"overrides\": [3]}", "quantization.overrides[0] must be an object");
    expect_bad("{\"overrides\": [{\"node\": \"a\", \"op_type\": \"Conv\", \"precision\": \"fp32\"}]}",
               "quantization.overrides[0] needs exactly one of 'node' or 'op_type'");
    expect_bad("{\"overrides\": [{\"precision\": \"fp32\"}]}", "quantization.overrides[0] needs exactly one of");
    expect_bad("{\"overrides\": [{\"node\": \"a\"}]}", "quantization.overrides[0] needs 'precision'");
    expect_bad("{\"overrides\": [{\"node\": \"a\", \"precision\": \"int8\"}]}",
               "quantization.overrides[0].precision: 'int8' is not one of fp32, fp16");
    expect_bad("{\"overrides\": [{\"op_type\": \"\", \"precision\": \"fp16\"}]}", "quantization.overrides[0].op_type must be a non-empty string");
    expect_bad("{\"overrides\": [{\"node\": \"a\", \"precision\": \"fp16\"}, {\"node\": \"a\", \"precision\": \"fp32\"}]}",
               "quantization.overrides[1]: node 'a' already has an override");
    char longname[400];
    memset(longname, 'n', 300);
    longname[300] = '\0';
    snprintf(t, sizeof t, "{\"overrides\": [{\"node\": \"%s\", \"precision\": \"fp16\"}]}", longname);
    expect_bad(t, "quantization.overrides[0].node is too long");
    /* accuracy budget */
    const char *lab = "\"data\": {\"npy\": \"x.npy\", \"labels_npy\": \"y.npy\"}";
    snprintf(t, sizeof t, "{\"accuracy_budget\": {\"max_drop\": -0.1, %s}}", lab);
    expect_bad(t, "quantization.accuracy_budget.max_drop must be in [0, 100]");
    snprintf(t, sizeof t, "{\"accuracy_budget\": {\"max_drop\": \"1%%\", %s}}", lab);
    expect_bad(t, "quantization.accuracy_budget.max_drop must be a number");
    snprintf(t, sizeof t, "{\"accuracy_budget\": {%s}}", lab);
    expect_bad(t, "quantization.accuracy_budget.max_drop is required");
    expect_bad("{\"accuracy_budget\": {\"max_drop\": 1}}", "quantization.accuracy_budget.data is required");
    expect_bad("{\"accuracy_budget\": {\"max_drop\": 1, \"data\": {\"npy\": \"x.npy\"}}}",
               "quantization.accuracy_budget.data needs labels");
    snprintf(t, sizeof t, "{\"accuracy_budget\": {\"max_drop\": 1, \"samples\": 0, %s}}", lab);
    expect_bad(t, "quantization.accuracy_budget.samples must be an integer >= 1");
    /* data sets */
    const char *D = "{\"precision\": \"int8\", \"calibration\": {\"data\": %s}}";
    struct { const char *data, *needle; } bad_data[] = {
        {"{\"npy\": \"x.npy\", \"idx_images\": \"i.gz\"}", "quantization.calibration.data needs exactly one of 'npy' or 'idx_images'"},
        {"{}", "quantization.calibration.data needs exactly one of"},
        {"\"x.npy\"", "quantization.calibration.data must be an object"},
        {"{\"npy\": \"x.npy\", \"idx_labels\": \"l.gz\"}", "quantization.calibration.data.idx_labels goes with 'idx_images'"},
        {"{\"idx_images\": \"i.gz\", \"labels_npy\": \"y.npy\"}", "quantization.calibration.data.labels_npy goes with 'npy'"},
        {"{\"npy\": \"\"}", "quantization.calibration.data.npy must be a non-empty string"},
        {"{\"npy\": 5}", "quantization.calibration.data.npy must be a non-empty string"},
        {"{\"idx_images\": \"i.gz\", \"scale\": 1}", "'scale', 'mean' and 'std' go together (missing 'mean')"},
        {"{\"idx_images\": \"i.gz\", \"scale\": 1, \"mean\": 0}", "(missing 'std')"},
        {"{\"idx_images\": \"i.gz\", \"scale\": 1, \"mean\": 0, \"std\": 0}", "quantization.calibration.data.std must be > 0"},
        {"{\"idx_images\": \"i.gz\", \"scale\": -1, \"mean\": 0, \"std\": 1}", "quantization.calibration.data.scale must be > 0"},
        {"{\"idx_images\": \"i.gz\", \"scale\": 1, \"mean\": [0, 1], \"std\": 1}", "quantization.calibration.data.mean must be a number or an array of one number"},
        {"{\"npy\": \"x.npy\", \"scale\": 1, \"mean\": 0, \"std\": 1}", "apply to 'idx_images' only"},
        {"{\"npy\": \"x.npy\", \"offset\": -1}", "quantization.calibration.data.offset must be an integer >= 0"},
    };
    for (size_t i = 0; i < sizeof bad_data / sizeof bad_data[0]; i++) {
        snprintf(t, sizeof t, D, bad_data[i].data);
        expect_bad(t, bad_data[i].needle);
    }
}

static void test_combinations(void)
{
    oct_qconfig q;
    expect_bad("{\"precision\": \"int8\"}", "quantization.calibration.data is required for static int8");
    expect_bad("{\"precision\": \"int8\", \"activations\": {\"mode\": \"static\"}, \"calibration\": {\"method\": \"mse\"}}",
               "quantization.calibration.data is required for static int8");
    expect_ok("{\"precision\": \"int8\", \"activations\": {\"mode\": \"dynamic\"}}", &q);
    CHECK(q.act_dynamic && !q.has_calib_data && q.per_channel && q.act_dtype == OCT_DT_U8);
    oct_qconfig_free(&q);
    expect_ok("{\"precision\": \"fp16\"}", &q);
    CHECK(q.precision == OCT_PREC_FP16);
    oct_qconfig_free(&q);
    expect_ok("{}", &q); /* an empty section is fp32 with every default */
    CHECK(q.precision == OCT_PREC_FP32 && q.per_channel && !q.act_dynamic && q.act_dtype == OCT_DT_U8 &&
          q.method == OCT_CALIB_MINMAX && q.samples == 512 && !q.has_budget && q.budget_samples == 0);
    CHECK_NEAR(q.percentile, 99.99, 1e-12);
    oct_qconfig_free(&q);
    /* int8 activations are symmetric; per_tensor shorthand; percentile 100 is allowed; absolute paths stay */
    expect_ok("{\"precision\": \"int8\", \"weights\": \"per_tensor\", \"activations\": {\"dtype\": \"int8\"},"
              " \"calibration\": {\"method\": \"percentile\", \"percentile\": 100, \"samples\": 7,"
              " \"data\": {\"npy\": \"/abs/x.npy\", \"labels_npy\": \"rel/y.npy\", \"offset\": 3}}}",
              &q);
    CHECK(!q.per_channel && q.act_dtype == OCT_DT_I8 && q.percentile == 100.0 && q.samples == 7);
    CHECK(!strcmp(q.calib.npy, "/abs/x.npy") && !strcmp(q.calib.labels_npy, "/m/rel/y.npy") && q.calib.offset == 3);
    oct_qconfig_free(&q);
    /* mean/std as one-element arrays, like "preprocess" */
    expect_ok("{\"precision\": \"int8\", \"calibration\": {\"data\": {\"idx_images\": \"i.gz\", \"scale\": 2, \"mean\": [0.5],"
              " \"std\": [0.25]}}}",
              &q);
    CHECK(q.calib.has_norm && q.calib.scale == 2.f && q.calib.mean == 0.5f && q.calib.std == 0.25f);
    CHECK(!strcmp(q.calib.idx_images, "/m/i.gz"));
    oct_qconfig_free(&q);
}

static void test_overrides(void)
{
    oct_qconfig q;
    /* op_type listed first: a node entry still wins for its node */
    expect_ok("{\"precision\": \"int8\", \"activations\": \"dynamic\", \"overrides\": ["
              "{\"op_type\": \"Conv\", \"precision\": \"fp16\"},"
              "{\"node\": \"/conv1/Conv\", \"precision\": \"fp32\"},"
              "{\"op_type\": \"Gemm\", \"precision\": \"fp32\"},"
              "{\"node\": \"/fc3/Gemm\", \"precision\": \"fp16\"}]}",
              &q);
    CHECK(q.n_overrides == 4);
    CHECK(oct_qconfig_override(&q, "/conv1/Conv", "Conv") == OCT_PREC_FP32);
    CHECK(oct_qconfig_override(&q, "/conv2/Conv", "Conv") == OCT_PREC_FP16);
    CHECK(oct_qconfig_override(&q, "/fc1/Gemm", "Gemm") == OCT_PREC_FP32);
    CHECK(oct_qconfig_override(&q, "/fc3/Gemm", "Gemm") == OCT_PREC_FP16);
    CHECK(oct_qconfig_override(&q, "/MaxPool", "MaxPool") == -1);
    CHECK(oct_qconfig_override(&q, "/conv1/Conv", NULL) == OCT_PREC_FP32);
    CHECK(oct_qconfig_override(&q, NULL, "Conv") == OCT_PREC_FP16);
    CHECK(oct_qconfig_override(&q, "conv1", "conv") == -1); /* exact, case-sensitive */
    oct_qconfig_free(&q);
    oct_qconfig_default(&q);
    CHECK(oct_qconfig_override(&q, "/conv1/Conv", "Conv") == -1);

    oct_precision p;
    oct_calib_method m;
    CHECK(oct_precision_parse("fp16", &p) == 0 && p == OCT_PREC_FP16 && !strcmp(oct_precision_name(p), "fp16"));
    CHECK(oct_precision_parse("FP16", &p) == -1 && oct_precision_parse("int4", &p) == -1);
    CHECK(oct_calib_method_parse("mse", &m) == 0 && m == OCT_CALIB_MSE && !strcmp(oct_calib_method_name(m), "mse"));
    CHECK(oct_calib_method_parse("kl", &m) == -1 && !strcmp(oct_calib_method_name(OCT_CALIB_ENTROPY), "entropy"));
}

static void expect_cfg_error(const char *text, const char *needle)
{
    oct_model_config c;
    oct_status s = oct_model_config_load(write_file("config.json", text), &c);
    CHECK_MSG(s == OCT_E_INVALID && strstr(oct_errmsg(), needle) && strstr(oct_errmsg(), TMPDIR "/config.json"),
              "status %d, message '%s', wanted '%s'", s, oct_errmsg(), needle);
}

static void test_model_config(void)
{
    oct_model_config c;
    /* the bundled CNN: int8 static, per channel, calibrated on the Debian training images */
    CHECK_MSG(oct_model_config_load(OCTET_SOURCE_DIR "/models/fmnist_cnn/config.json", &c) == OCT_OK, "%s", oct_errmsg());
    CHECK(c.quant.precision == OCT_PREC_INT8 && c.quant.per_channel == 1 && !c.quant.act_dynamic &&
          c.quant.samples == 512 && !c.quant.overrides && c.quant.has_calib_data &&
          strstr(c.quant.calib.idx_images, "train-images-idx3-ubyte.gz"));
    float norm[3];
    CHECK(oct_model_config_norm(&c, norm) == norm && norm[0] == c.scale && norm[1] == c.mean[0] && norm[2] == c.std[0]);
    CHECK_NEAR(norm[1], 0.286, 1e-7);
    oct_model_config_free(&c);

    const char *pp = "\"preprocess\": {\"scale\": 0.5, \"mean\": 0.1, \"std\": 0.2}";
    char t[2048];
    snprintf(t, sizeof t,
             "{\"name\": \"m\", %s, \"quantization\": {\"precision\": \"int8\", \"calibration\": {\"method\": \"entropy\","
             " \"data\": {\"npy\": \"calib/x.npy\", \"labels_npy\": \"calib/y.npy\"}},"
             " \"overrides\": [{\"node\": \"a\", \"precision\": \"fp16\"}]}}",
             pp);
    CHECK_MSG(oct_model_config_load(write_file("config.json", t), &c) == OCT_OK, "%s", oct_errmsg());
    CHECK(c.quant.precision == OCT_PREC_INT8 && c.quant.method == OCT_CALIB_ENTROPY && c.quant.n_overrides == 1);
    CHECK(!strcmp(c.quant.calib.npy, TMPDIR "/calib/x.npy") && !strcmp(c.quant.calib.labels_npy, TMPDIR "/calib/y.npy"));
    oct_model_config_free(&c);
    CHECK(c.quant.overrides == NULL && c.quant.n_overrides == 0);
    oct_model_config_free(&c); /* twice is harmless */

    /* IDX data without its own normalisation keeps has_norm = 0 and uses the preprocess */
    snprintf(t, sizeof t,
             "{%s, \"quantization\": {\"precision\": \"int8\", \"calibration\": {\"data\": {\"idx_images\": \"imgs.gz\"}}}}", pp);
    CHECK_MSG(oct_model_config_load(write_file("config.json", t), &c) == OCT_OK, "%s", oct_errmsg());
    CHECK(!c.quant.calib.has_norm && !strcmp(c.quant.calib.idx_images, TMPDIR "/imgs.gz"));
    CHECK(oct_model_config_norm(&c, norm) && norm[0] == 0.5f && norm[1] == 0.1f && norm[2] == 0.2f);
    oct_model_config_free(&c);

    expect_cfg_error("{\"quantization\": {\"precision\": \"int8\", \"calibration\": {\"metod\": \"entropy\"}}}",
                     "unknown key 'metod' in quantization.calibration");
    expect_cfg_error("{\"quantization\": {\"precision\": \"int8\"}}", "quantization.calibration.data is required for static int8");
    expect_cfg_error("{\"quantisation\": {}}", "unknown key 'quantisation'");
    expect_cfg_error("{\"quantization\": {\"precision\": \"int8\", \"calibration\": {\"data\": {\"idx_images\": \"i.gz\"}}}}",
                     "quantization.calibration.data: IDX images need 'scale', 'mean' and 'std' (or a 'preprocess' section)");
    expect_cfg_error("{\"quantization\": {\"accuracy_budget\": {\"max_drop\": 1, \"data\": {\"idx_images\": \"i.gz\", "
                     "\"idx_labels\": \"l.gz\"}}}}",
                     "quantization.accuracy_budget.data: IDX images need");
    expect_cfg_error("{\"preprocess\": {\"mean\": [0.1, 0.2, 0.3], \"std\": [1, 1, 1]}, \"quantization\": {\"precision\": "
                     "\"int8\", \"calibration\": {\"data\": {\"idx_images\": \"i.gz\"}}}}",
                     "IDX images have one channel but 'preprocess' has 3");
    /* with explicit normalisation, no preprocess is needed */
    CHECK_MSG(oct_model_config_load(write_file("config.json",
                                               "{\"quantization\": {\"precision\": \"int8\", \"calibration\": {\"data\": "
                                               "{\"idx_images\": \"i.gz\", \"scale\": 1, \"mean\": 0, \"std\": 1}}}}"),
                                    &c) == OCT_OK,
              "%s", oct_errmsg());
    oct_model_config_free(&c);
}

static void spec_npy(oct_data_spec *s, const char *x, const char *y, int64_t offset)
{
    memset(s, 0, sizeof *s);
    snprintf(s->npy, sizeof s->npy, "%s", x);
    if (y) snprintf(s->labels_npy, sizeof s->labels_npy, "%s", y);
    s->offset = offset;
}

static void spec_idx(oct_data_spec *s, const char *img, const char *lab, int64_t offset)
{
    memset(s, 0, sizeof *s);
    snprintf(s->idx_images, sizeof s->idx_images, "%s", img);
    if (lab) snprintf(s->idx_labels, sizeof s->idx_labels, "%s", lab);
    s->offset = offset;
}

static void expect_load_error(const oct_data_spec *s, const float *norm, int64_t limit, int want_labels, oct_status want,
                              const char *needle)
{
    oct_dataset d;
    oct_status st = oct_dataset_load(s, norm, limit, want_labels, &d);
    CHECK_MSG(st == want && strstr(oct_errmsg(), needle), "status %d, message '%s', wanted '%s'", st, oct_errmsg(), needle);
    CHECK(d.x == NULL && d.labels == NULL && d.n == 0);
}

static void test_dataset(void)
{
    const char *X = OCTET_SOURCE_DIR "/tests/data/fmnist_test1000_x.npy", *Y = OCTET_SOURCE_DIR "/tests/data/fmnist_test1000_y.npy";
    oct_data_spec s;
    oct_dataset n, d, e;

    /* .npy, whole: f32 [1000,1,28,28] kept as is, int64 labels */
    spec_npy(&s, X, Y, 0);
    CHECK_MSG(oct_dataset_load(&s, NULL, 0, 1, &n) == OCT_OK, "%s", oct_errmsg());
    if (!n.x) return;
    CHECK(n.n == 1000 && n.x->dtype == OCT_DT_F32 && n.x->rank == 4 && n.x->dims[0] == 1000 && n.x->dims[3] == 28);
    CHECK(n.labels && n.labels[0] == 9 && n.labels[1] == 2);

    /* IDX t10k with the model's normalisation: the first 1000 equal the .npy bit for bit */
    spec_idx(&s, FMNIST "t10k-images-idx3-ubyte.gz", FMNIST "t10k-labels-idx1-ubyte.gz", 0);
    CHECK_MSG(oct_dataset_load(&s, fmnist_norm, 1000, 1, &d) == OCT_OK, "%s", oct_errmsg());
    if (d.x) {
        CHECK(d.n == 1000 && d.x->dtype == OCT_DT_F32 && d.x->rank == 4 && d.x->dims[1] == 1 && d.x->dims[2] == 28);
        CHECK(!memcmp(d.x->data, n.x->data, oct_tensor_nbytes(n.x)));
        CHECK(!memcmp(d.labels, n.labels, 1000 * sizeof(int64_t)));
        oct_dataset_free(&d);
    }
    /* the spec's own normalisation beats the default */
    s.has_norm = 1;
    s.scale = 1.f;
    s.mean = 0.f;
    s.std = 1.f;
    CHECK(oct_dataset_load(&s, fmnist_norm, 3, 0, &d) == OCT_OK && d.n == 3 && d.labels);
    if (d.x) {
        const float *x = d.x->data;
        float mx = 0;
        for (int i = 0; i < 3 * 784; i++) mx = x[i] > mx ? x[i] : mx;
        CHECK(mx > 200.f && mx <= 255.f); /* raw pixels */
        CHECK_NEAR((x[400] * fmnist_norm[0] - fmnist_norm[1]) / fmnist_norm[2], ((float *)n.x->data)[400], 1e-5);
        oct_dataset_free(&d);
    }

    /* offset / limit on IDX: the last 10 test images, limit larger than what is left */
    spec_idx(&s, FMNIST "t10k-images-idx3-ubyte.gz", FMNIST "t10k-labels-idx1-ubyte.gz", 9990);
    CHECK(oct_dataset_load(&s, fmnist_norm, 512, 1, &d) == OCT_OK && d.n == 10 && d.x->dims[0] == 10);
    spec_idx(&s, FMNIST "t10k-images-idx3-ubyte.gz", FMNIST "t10k-labels-idx1-ubyte.gz", 0);
    CHECK(oct_dataset_load(&s, fmnist_norm, 0, 1, &e) == OCT_OK && e.n == 10000);
    if (d.x && e.x) {
        CHECK(!memcmp(d.labels, e.labels + 9990, 10 * sizeof(int64_t)));
        CHECK(!memcmp(d.x->data, (float *)e.x->data + 9990 * 784, 10 * 784 * sizeof(float)));
    }
    /* batches are views of rows */
    oct_tensor *b = oct_dataset_batch(&e, 9000, 64);
    CHECK(b && b->dims[0] == 64 && b->rank == 4 && b->data == (float *)e.x->data + 9000 * 784 && !b->owns_data);
    oct_tensor_free(b);
    CHECK(oct_dataset_batch(&e, 9990, 11) == NULL && strstr(oct_errmsg(), "outside its 10000 samples"));
    CHECK(oct_dataset_batch(&e, -1, 2) == NULL && oct_dataset_batch(&e, 0, 0) == NULL);
    b = oct_dataset_batch(&e, 9999, 1);
    CHECK(b && b->dims[0] == 1);
    oct_tensor_free(b);
    oct_dataset_free(&d);
    oct_dataset_free(&e);

    /* offset / limit on .npy */
    spec_npy(&s, X, Y, 100);
    CHECK(oct_dataset_load(&s, NULL, 50, 1, &d) == OCT_OK && d.n == 50 && d.x->dims[0] == 50);
    if (d.x) {
        CHECK(!memcmp(d.x->data, (float *)n.x->data + 100 * 784, 50 * 784 * sizeof(float)));
        CHECK(!memcmp(d.labels, n.labels + 100, 50 * sizeof(int64_t)));
    }
    oct_dataset_free(&d);
    spec_npy(&s, X, NULL, 999);
    CHECK(oct_dataset_load(&s, NULL, 0, 0, &d) == OCT_OK && d.n == 1 && d.labels == NULL);
    oct_dataset_free(&d);

    /* other dtypes: f64 inputs -> f32, u8 labels -> int64 */
    int64_t dims[2] = {4, 3}, ld[1] = {4};
    oct_tensor *x64 = oct_tensor_new(OCT_DT_F64, 2, dims), *y8 = oct_tensor_new(OCT_DT_U8, 1, ld);
    for (int i = 0; i < 12; i++) ((double *)x64->data)[i] = 0.25 * i - 1.0;
    for (int i = 0; i < 4; i++) ((uint8_t *)y8->data)[i] = (uint8_t)(7 - i);
    CHECK(oct_npy_write(TMPDIR "/x64.npy", x64) == OCT_OK && oct_npy_write(TMPDIR "/y8.npy", y8) == OCT_OK);
    spec_npy(&s, TMPDIR "/x64.npy", TMPDIR "/y8.npy", 1);
    CHECK_MSG(oct_dataset_load(&s, NULL, 2, 1, &d) == OCT_OK, "%s", oct_errmsg());
    if (d.x) {
        CHECK(d.n == 2 && d.x->dtype == OCT_DT_F32 && d.x->dims[1] == 3);
        CHECK(((float *)d.x->data)[0] == -0.25f && ((float *)d.x->data)[5] == 1.0f);
        CHECK(d.labels[0] == 6 && d.labels[1] == 5);
        oct_dataset_free(&d);
    }
    /* errors: float labels, mismatched counts, negative labels */
    spec_npy(&s, TMPDIR "/x64.npy", TMPDIR "/x64.npy", 0);
    expect_load_error(&s, NULL, 0, 1, OCT_E_DTYPE, "x64.npy: labels must be integers");
    spec_npy(&s, X, TMPDIR "/y8.npy", 0);
    expect_load_error(&s, NULL, 0, 0, OCT_E_SHAPE, "fmnist_test1000_x.npy has 1000 samples but " TMPDIR "/y8.npy has 4 labels");
    oct_tensor *yneg = oct_tensor_new(OCT_DT_I32, 1, ld);
    ((int32_t *)yneg->data)[2] = -1;
    CHECK(oct_npy_write(TMPDIR "/yneg.npy", yneg) == OCT_OK);
    spec_npy(&s, TMPDIR "/x64.npy", TMPDIR "/yneg.npy", 0);
    expect_load_error(&s, NULL, 0, 1, OCT_E_INVALID, "yneg.npy: label -1 of sample 2 is negative");
    oct_tensor_free(x64);
    oct_tensor_free(y8);
    oct_tensor_free(yneg);

    /* errors: offset past the end, missing labels, missing files, no normalisation */
    spec_npy(&s, X, Y, 1000);
    expect_load_error(&s, NULL, 0, 0, OCT_E_INVALID, "fmnist_test1000_x.npy: offset 1000 is past the end of the data set (1000 samples)");
    spec_idx(&s, FMNIST "t10k-images-idx3-ubyte.gz", NULL, 20000);
    expect_load_error(&s, fmnist_norm, 0, 0, OCT_E_INVALID, "t10k-images-idx3-ubyte.gz: offset 20000 is past the end");
    spec_npy(&s, X, NULL, 0);
    expect_load_error(&s, NULL, 0, 1, OCT_E_INVALID, "fmnist_test1000_x.npy: the data set has no labels");
    spec_idx(&s, FMNIST "t10k-images-idx3-ubyte.gz", NULL, 0);
    expect_load_error(&s, fmnist_norm, 10, 1, OCT_E_INVALID, "has no labels");
    spec_npy(&s, TMPDIR "/missing_x.npy", Y, 0);
    expect_load_error(&s, NULL, 0, 0, OCT_E_IO, "missing_x.npy");
    spec_npy(&s, X, TMPDIR "/missing_y.npy", 0);
    expect_load_error(&s, NULL, 0, 0, OCT_E_IO, "missing_y.npy");
    spec_idx(&s, TMPDIR "/missing-images.gz", NULL, 0);
    expect_load_error(&s, fmnist_norm, 0, 0, OCT_E_IO, "missing-images.gz");
    spec_idx(&s, FMNIST "t10k-images-idx3-ubyte.gz", NULL, 0);
    expect_load_error(&s, NULL, 0, 0, OCT_E_INVALID, "t10k-images-idx3-ubyte.gz: IDX images need a normalisation");
    spec_idx(&s, FMNIST "t10k-labels-idx1-ubyte.gz", NULL, 0); /* labels file given as images */
    expect_load_error(&s, fmnist_norm, 0, 0, OCT_E_SHAPE, "t10k-labels-idx1-ubyte.gz: IDX images must be u8 [N,H,W]");
    spec_npy(&s, Y, NULL, 0);
    memset(s.npy, 0, sizeof s.npy);
    expect_load_error(&s, NULL, 0, 0, OCT_E_INVALID, "neither 'npy' nor 'idx_images'");
    spec_npy(&s, write_file("bad.npy", "not a numpy file at all"), NULL, 0);
    expect_load_error(&s, NULL, 0, 0, OCT_E_PARSE, "bad.npy");
    oct_dataset_free(&n);
}

int main(void)
{
    test_doc_examples();
    test_bad_keys();
    test_bad_values();
    test_combinations();
    test_overrides();
    test_model_config();
    test_dataset();
    (void)!system("rm -rf " TMPDIR);
    TEST_DONE();
}
