/* Bundled models and the test transformer against torch:
 *  - logits on the first 1000 Fashion-MNIST test images within 1e-4 of torch's
 *  - top-1 on all 10,000 test images (from Debian's IDX files) equal to torch's
 *    accuracy, and the predictions agree with torch's image by image. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "io/idx.h"
#include "io/npy.h"
#include "runtime/session.h"
#include "test_util.h"

#define SRC OCTET_SOURCE_DIR
#define IDX_DIR "/usr/share/datasets/fashion-mnist/"

static const char *models[][2] = {
    {"fmnist_mlp", SRC "/models/fmnist_mlp/model.onnx"},
    {"fmnist_cnn", SRC "/models/fmnist_cnn/model.onnx"},
    {"fmnist_resnet", SRC "/models/fmnist_resnet/model.onnx"},
    {"fmnist_transformer", SRC "/tests/models/fmnist_transformer/model.onnx"},
};

static oct_tensor *run_batches(oct_session *s, const oct_tensor *x, int64_t n, int batch)
{
    int64_t od[2] = {n, 10};
    oct_tensor *all = oct_tensor_new(OCT_DT_F32, 2, od);
    size_t row = oct_tensor_nbytes(x) / (size_t)x->dims[0];
    for (int64_t b = 0; all && b < n; b += batch) {
        int64_t m = n - b < batch ? n - b : batch;
        int64_t d[4] = {m, x->dims[1], x->dims[2], x->dims[3]};
        oct_tensor *xb = oct_tensor_wrap(OCT_DT_F32, 4, d, (char *)x->data + (size_t)b * row);
        oct_tensor *out[4] = {0};
        oct_status st = oct_session_run(s, (const oct_tensor *const *)&xb, out);
        oct_tensor_free(xb);
        CHECK_MSG(st == OCT_OK, "%s", oct_errmsg());
        if (st != OCT_OK || out[0]->dims[1] != 10) {
            oct_tensor_free(out[0]);
            oct_tensor_free(all);
            return NULL;
        }
        memcpy((float *)all->data + b * 10, out[0]->data, (size_t)m * 10 * sizeof(float));
        oct_tensor_free(out[0]);
    }
    return all;
}

static int argmax10(const float *r)
{
    int b = 0;
    for (int c = 1; c < 10; c++)
        if (r[c] > r[b]) b = c;
    return b;
}

int main(void)
{
    json_error_t jerr;
    json_t *acc = json_load_file(SRC "/tests/data/torch_accuracy.json", 0, &jerr);
    CHECK_MSG(acc != NULL, "tests/data/torch_accuracy.json: %s", jerr.text);
    oct_tensor *x1k = NULL, *img = NULL, *x10k = NULL, *y10k = NULL;
    CHECK(oct_npy_read(SRC "/tests/data/fmnist_test1000_x.npy", &x1k) == OCT_OK);
    CHECK(oct_idx_read(IDX_DIR "t10k-images-idx3-ubyte.gz", &img) == OCT_OK);
    CHECK(oct_idx_read(IDX_DIR "t10k-labels-idx1-ubyte.gz", &y10k) == OCT_OK);
    if (img) CHECK(oct_idx_images_to_f32(img, 1.f / 255.f, 0.2860f, 0.3530f, &x10k) == OCT_OK);
    if (!acc || !x1k || !x10k || !y10k) TEST_DONE();
    /* the committed 1000 inputs are exactly the normalised first 1000 IDX images */
    double dmax = 0;
    for (int64_t i = 0; i < 1000 * 784; i++) {
        double d = fabs(((float *)x1k->data)[i] - ((float *)x10k->data)[i]);
        if (d > dmax) dmax = d;
    }
    CHECK_MSG(dmax < 1e-6, "fmnist_test1000_x.npy differs from the IDX images by %g", dmax);

    for (size_t m = 0; m < sizeof models / sizeof models[0]; m++) {
        const char *name = models[m][0];
        char path[1024];
        oct_session_opts o;
        oct_session_opts_default(&o);
        o.n_threads = 2;
        oct_session *s = NULL;
        oct_status st = oct_session_load(models[m][1], &o, &s);
        CHECK_MSG(st == OCT_OK, "%s: %s", name, oct_errmsg());
        if (st != OCT_OK) continue;
        /* 1. logits vs torch on 1000 images */
        oct_tensor *ref = NULL;
        snprintf(path, sizeof path, SRC "/tests/data/%s_ref_logits.npy", name);
        CHECK_MSG(oct_npy_read(path, &ref) == OCT_OK, "%s", oct_errmsg());
        oct_tensor *got = run_batches(s, x1k, 1000, 64);
        if (ref && got) {
            double maxd = 0;
            for (int64_t i = 0; i < 10000; i++) {
                double d = fabs(((float *)got->data)[i] - ((float *)ref->data)[i]);
                if (d > maxd) maxd = d;
            }
            printf("%-20s max |octet - torch| logit difference on 1000 images: %.3g\n", name, maxd);
            CHECK_MSG(maxd <= 1e-4, "%s: logits differ from torch by %g", name, maxd);
        }
        oct_tensor_free(ref);
        oct_tensor_free(got);
        /* 2. accuracy on 10k vs torch */
        oct_tensor *pred = NULL;
        snprintf(path, sizeof path, SRC "/tests/data/%s_torch_pred10k.npy", name);
        CHECK_MSG(oct_npy_read(path, &pred) == OCT_OK, "%s", oct_errmsg());
        got = run_batches(s, x10k, 10000, 100);
        json_t *e = json_object_get(acc, name);
        int64_t torch_correct = e ? json_integer_value(json_object_get(e, "correct")) : -1;
        if (got && pred) {
            int64_t correct = 0, disagree = 0;
            for (int i = 0; i < 10000; i++) {
                int p = argmax10((float *)got->data + i * 10);
                correct += p == ((unsigned char *)y10k->data)[i];
                disagree += p != (int)oct_dtype_get(pred->dtype, pred->data, (size_t)i);
            }
            printf("%-20s octet top-1 %lld/10000, torch %lld/10000, %lld predictions differ\n", name,
                   (long long)correct, (long long)torch_correct, (long long)disagree);
            CHECK_MSG(correct == torch_correct, "%s: octet %lld correct, torch %lld", name, (long long)correct,
                      (long long)torch_correct);
            CHECK_MSG(disagree == 0, "%s: %lld predictions differ from torch", name, (long long)disagree);
        }
        oct_tensor_free(got);
        oct_tensor_free(pred);
        oct_session_free(s);
    }
    json_decref(acc);
    oct_tensor_free(x1k);
    oct_tensor_free(img);
    oct_tensor_free(x10k);
    oct_tensor_free(y10k);
    TEST_DONE();
}
