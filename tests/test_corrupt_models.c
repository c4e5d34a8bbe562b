/* Truncated and bit-flipped copies of the bundled trained models go through the
 * whole load path (import, passes, prepare) and, when they load, one inference:
 * every outcome is OCT_OK or an error with a message naming the file; no crash. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/file.h"
#include "onnx/onnx.h"
#include "runtime/session.h"
#include "test_util.h"

static unsigned rng = 777;
static unsigned next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

/* 1 = loaded and ran, 0 = clean error */
static int try_load(const unsigned char *buf, size_t len, const oct_tensor *x, int *bad_msg)
{
    oct_graph *g = NULL;
    oct_status s = oct_onnx_load_buffer(buf, len, "mutant.onnx", &g);
    if (s != OCT_OK) {
        *bad_msg += strncmp(oct_errmsg(), "mutant.onnx", 11) != 0;
        return 0;
    }
    oct_session_opts o;
    oct_session_opts_default(&o);
    o.n_threads = 1;
    oct_session *sess = NULL;
    if (oct_session_from_graph(g, &o, &sess) != OCT_OK) {
        *bad_msg += oct_errmsg()[0] == '\0';
        return 0;
    }
    oct_tensor *out[8] = {0};
    int ok = 0;
    if (oct_session_n_inputs(sess) == 1 && oct_session_run(sess, &x, out) == OCT_OK) ok = 1;
    else *bad_msg += oct_errmsg()[0] == '\0';
    for (int i = 0; i < 8; i++) oct_tensor_free(out[i]);
    oct_session_free(sess);
    return ok;
}

int main(void)
{
    const char *models[] = {OCTET_SOURCE_DIR "/models/fmnist_resnet/model.onnx",
                            OCTET_SOURCE_DIR "/models/fmnist_cnn/model.onnx",
                            OCTET_SOURCE_DIR "/tests/models/fmnist_transformer/model.onnx"};
    int64_t xd[4] = {2, 1, 28, 28};
    oct_tensor *x = oct_tensor_new(OCT_DT_F32, 4, xd);
    for (int i = 0; i < 2 * 784; i++) ((float *)x->data)[i] = (float)(i % 13) / 13.f;
    for (size_t m = 0; m < sizeof models / sizeof models[0]; m++) {
        void *orig;
        size_t len;
        CHECK(oct_file_read(models[m], &orig, &len) == OCT_OK);
        if (!orig) continue;
        unsigned char *buf = malloc(len);
        int ran = 0, errors = 0, bad_msg = 0;
        /* truncations */
        for (int i = 0; i < 100; i++) {
            size_t cut = (size_t)((double)len * i / 100.0);
            int r = try_load(orig, cut, x, &bad_msg);
            ran += r;
            errors += !r;
        }
        CHECK_MSG(errors == 100, "%s: %d truncated copies loaded", models[m], 100 - errors);
        /* single and multi-byte corruptions */
        for (int i = 0; i < 400; i++) {
            memcpy(buf, orig, len);
            int flips = 1 + (int)(next() % 4);
            for (int f = 0; f < flips; f++) {
                size_t at = next() % len;
                if (next() % 2) buf[at] ^= (unsigned char)(1u << (next() % 8));
                else buf[at] = (unsigned char)next();
            }
            int r = try_load(buf, len, x, &bad_msg);
            ran += r;
            errors += !r;
        }
        printf("%s: %d mutants loaded and ran, %d rejected with an error\n", models[m], ran, errors);
        CHECK_MSG(bad_msg == 0, "%d errors without a proper message", bad_msg);
        free(buf);
        free(orig);
    }
    oct_tensor_free(x);
    TEST_DONE();
}
