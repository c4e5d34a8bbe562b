/* Sessions on the OpenCL device (PoCL in CI): the bundled models and the test
 * transformer at fp32 run
 * on the device (nodes it did not support would run on the CPU), giving
 * the CPU session's logits (1e-4 relative) and top-1 on 1000 real test
 * images; every one runs with no CPU hop (Flatten is a view). Fault injection
 * (OCTET_CL_FAIL): a build failure at load and an enqueue failure in a run
 * both leave the model on the CPU with the same answers, counted as device
 * fallbacks. With no OpenCL device the test fails (OCTET_CL_TESTS=skip skips). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "io/npy.h"
#include "quant/quant_session.h"
#include "runtime/session.h"
#include "test_util.h"

/* The model at INT8 (per-channel weights): dynamic, or static calibrated with
 * minmax on the first 64 training images (normalised as the bundled models). */
static oct_session *open_int8(const char *model, const char *device, int dynamic)
{
    oct_qconfig q;
    oct_qconfig_default(&q);
    q.precision = OCT_PREC_INT8;
    q.act_dynamic = dynamic;
    if (!dynamic) {
        q.samples = 64;
        q.has_calib_data = 1;
        snprintf(q.calib.idx_images, sizeof q.calib.idx_images, "%s",
                 "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz");
        q.calib.has_norm = 1;
        q.calib.scale = 1.f / 255.f;
        q.calib.mean = 0.286f;
        q.calib.std = 0.353f;
    }
    oct_session_opts o;
    oct_session_opts_default(&o);
    o.n_threads = 2;
    o.device = device;
    oct_session *s = NULL;
    oct_status st = oct_quant_session_load(model, &q, NULL, &o, NULL, &s, NULL, NULL);
    oct_qconfig_free(&q);
    CHECK_MSG(st == OCT_OK, "%s: %s", model, oct_errmsg());
    return s;
}

static oct_session *open_model(const char *model, const char *device)
{
    oct_session_opts o;
    oct_session_opts_default(&o);
    o.n_threads = 2;
    o.device = device;
    oct_session *s = NULL;
    oct_status st = oct_session_load(model, &o, &s);
    CHECK_MSG(st == OCT_OK, "%s: %s", model, oct_errmsg());
    return s;
}

/* logits of both sessions on x: worst relative difference, top-1 disagreements */
static void compare(oct_session *a, oct_session *b, const oct_tensor *x, double *worst, int *top_diff)
{
    oct_tensor *ya[1] = {0}, *yb[1] = {0};
    CHECK_MSG(oct_session_run(a, &x, ya) == OCT_OK, "%s", oct_errmsg());
    CHECK_MSG(oct_session_run(b, &x, yb) == OCT_OK, "%s", oct_errmsg());
    *worst = 1e9;
    *top_diff = -1;
    if (ya[0] && yb[0] && oct_tensor_numel(ya[0]) == oct_tensor_numel(yb[0])) {
        const float *p = ya[0]->data, *q = yb[0]->data;
        int64_t n = oct_tensor_numel(ya[0]), rows = n / 10;
        *worst = 0;
        *top_diff = 0;
        for (int64_t i = 0; i < n; i++) {
            double d = fabs((double)p[i] - (double)q[i]) / (1.0 + fabs((double)p[i]));
            if (d > *worst) *worst = d;
        }
        for (int64_t r = 0; r < rows; r++) {
            int ia = 0, ib = 0;
            for (int c = 1; c < 10; c++) {
                if (p[r * 10 + c] > p[r * 10 + ia]) ia = c;
                if (q[r * 10 + c] > q[r * 10 + ib]) ib = c;
            }
            *top_diff += ia != ib;
        }
    }
    oct_tensor_free(ya[0]);
    oct_tensor_free(yb[0]);
}

static int on_device(const oct_session *s, int *total)
{
    const oct_graph *g = oct_session_graph(s);
    int n = 0;
    *total = 0;
    for (int k = 0; k < g->n_node; k++) {
        if (g->node[k].dead) continue;
        (*total)++;
        n += oct_session_node_on_device(s, k);
    }
    return n;
}

/* Run x through both sessions, print one line and check what every device run must
 * hold (no mid-graph crossing, no fallback). Returns the nodes on the device. */
static int device_run(const char *label, oct_session *cpu, oct_session *dev, const oct_tensor *x, double *worst,
                      int *top)
{
    int total, n = on_device(dev, &total), hops;
    compare(cpu, dev, x, worst, top);
    hops = oct_session_device_hops(dev);
    printf("%s on %s: %d of %d nodes on the device, %d crossings per run; 1000 images: worst relative logit "
           "difference %.2g, top-1 differs on %d\n",
           label, oct_session_device(dev), n, total, hops, *worst, *top);
    CHECK_MSG(hops == 0, "%s runs with no CPU hops (%d)", label, hops);
    CHECK(oct_session_device_fallbacks(dev) == 0);
    return n;
}

int main(void)
{
    const char *skip = getenv("OCTET_CL_TESTS");
    oct_tensor *x = NULL;
    CHECK_MSG(oct_npy_read(OCTET_SOURCE_DIR "/tests/data/fmnist_test1000_x.npy", &x) == OCT_OK, "%s", oct_errmsg());
    if (!x) TEST_DONE();
    const char *names[] = {"fmnist_mlp", "fmnist_cnn", "fmnist_resnet", "fmnist_transformer"};
    const char *models[] = {OCTET_SOURCE_DIR "/models/fmnist_mlp/model.onnx",
                            OCTET_SOURCE_DIR "/models/fmnist_cnn/model.onnx",
                            OCTET_SOURCE_DIR "/models/fmnist_resnet/model.onnx",
                            OCTET_SOURCE_DIR "/tests/models/fmnist_transformer/model.onnx"};
    for (int m = 0; m < 4; m++) {
        oct_session *cpu = open_model(models[m], "cpu"), *dev = open_model(models[m], "opencl");
        if (!cpu || !dev) break;
        if (!strncmp(oct_session_device(dev), "cpu", 3)) {
            if (skip && !strcmp(skip, "skip")) {
                printf("skipped: no OpenCL device\n");
                oct_session_free(cpu), oct_session_free(dev), oct_tensor_free(x);
                return 0;
            }
            CHECK_MSG(0, "no OpenCL device (install pocl-opencl-icd, or OCTET_CL_TESTS=skip)");
        }
        double worst;
        int top;
        CHECK(device_run(names[m], cpu, dev, x, &worst, &top) > 0);
        CHECK_MSG(worst < 1e-4 && top == 0, "device vs CPU: %g, %d", worst, top);
        oct_session_free(cpu);
        oct_session_free(dev);
    }

    /* dynamic INT8 (the MLP and the transformer): the range, quantization and integer
     * GEMM run on the device with the CPU's arithmetic */
    for (int m = 0; m < 4; m += 3) {
        oct_session *cpu = open_int8(models[m], "cpu", 1), *dev = open_int8(models[m], "opencl", 1);
        if (cpu && dev) {
            char label[64];
            snprintf(label, sizeof label, "%s dynamic int8", names[m]);
            double worst;
            int top;
            CHECK(device_run(label, cpu, dev, x, &worst, &top) > 0);
            /* the MLP's chain is integer from identical inputs: bit for bit; in the transformer the
             * float ops between (softmax, layernorm, GELU: ~1e-6 apart) can move a dynamically
             * quantized value by one step */
            if (m == 0) CHECK_MSG(worst == 0 && top == 0, "%s int8 device vs CPU: %g", names[m], worst);
            else CHECK_MSG(worst < 0.05 && top == 0, "%s int8 device vs CPU: %g, %d", names[m], worst, top);
        }
        oct_session_free(cpu);
        oct_session_free(dev);
    }

    /* static INT8 cnn and resnet (quantize, NHWC int8 convs, int8 max pooling, QLinearAdd,
     * QLinearGlobalAveragePool, QGemm on the device): the CPU's logits bit for bit, no CPU hop */
    for (int m = 1; m <= 2; m++) {
        oct_session *cpu = open_int8(models[m], "cpu", 0), *dev = open_int8(models[m], "opencl", 0);
        if (cpu && dev) {
            char label[64];
            snprintf(label, sizeof label, "%s static int8", names[m]);
            double worst;
            int top;
            device_run(label, cpu, dev, x, &worst, &top);
            CHECK_MSG(worst == 0 && top == 0, "static int8 %s device vs CPU: %g", names[m], worst);
        }
        oct_session_free(cpu);
        oct_session_free(dev);
    }

    /* faults: an enqueue failure during a run, a build failure at load */
    oct_session *cpu = open_model(models[1], "cpu");
    oct_session *dev = open_model(models[1], "opencl");
    if (cpu && dev) {
        setenv("OCTET_CL_FAIL", "enqueue", 1);
        double worst;
        int top;
        compare(cpu, dev, x, &worst, &top);
        unsetenv("OCTET_CL_FAIL");
        printf("enqueue failure: fallbacks %d, now on %s, worst difference %.2g, top-1 differs on %d\n",
               oct_session_device_fallbacks(dev), oct_session_device(dev), worst, top);
        CHECK(oct_session_device_fallbacks(dev) == 1 && !strcmp(oct_session_device(dev), "cpu"));
        CHECK(worst == 0 && top == 0); /* the same CPU kernels now */
    }
    oct_session_free(dev);
    setenv("OCTET_CL_FAIL", "build", 1);
    setenv("OCTET_CL_CACHE", "off", 1); /* a cached binary would not need the build */
    dev = open_model(models[1], "opencl");
    unsetenv("OCTET_CL_FAIL");
    unsetenv("OCTET_CL_CACHE");
    if (cpu && dev) {
        double worst;
        int top;
        compare(cpu, dev, x, &worst, &top);
        printf("build failure at load: fallbacks %d, on %s\n", oct_session_device_fallbacks(dev),
               oct_session_device(dev));
        CHECK(oct_session_device_fallbacks(dev) == 1 && !strcmp(oct_session_device(dev), "cpu"));
        CHECK(worst == 0 && top == 0);
    }
    oct_session_free(dev);
    oct_session_free(cpu);
    oct_tensor_free(x);
    TEST_DONE();
}
