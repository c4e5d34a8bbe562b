/* ONNX import robustness: truncated and mutated copies of real models and test-data
 * tensors each give OCT_OK or an error whose message names the file; never a crash.
 * OCT_FUZZ_N=N sets the mutations per file (default 3000). */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "onnx/onnx.h"
#include "onnx/onnx.pb-c.h"
#include "test_onnx_util.h"
#include "test_util.h"

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc(n > 0 ? (size_t)n : 1);
    *len = fread(b, 1, (size_t)n, f);
    fclose(f);
    return b;
}

/* ------------------------------------------------------------- robustness */

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static int n_ok, n_err;

static void try_model(const uint8_t *buf, size_t len)
{
    oct_graph *g = (oct_graph *)1;
    oct_err_clear();
    oct_status st = oct_onnx_load_buffer(buf, len, "fuzz.onnx", &g);
    if (st == OCT_OK) {
        n_ok++;
        CHECK(g != NULL);
        check_invariants(g);
        oct_graph_free(g);
    } else {
        n_err++;
        CHECK(g == NULL);
        CHECK_MSG(!strncmp(oct_errmsg(), "fuzz.onnx: ", 11) && strlen(oct_errmsg()) > 11, "'%s'", oct_errmsg());
    }
}

static void try_tensor(const uint8_t *buf, size_t len)
{
    oct_tensor *t = (oct_tensor *)1;
    char *name = (char *)1;
    oct_err_clear();
    oct_status st = oct_onnx_load_tensor_buffer(buf, len, "fuzz.pb", &t, &name);
    if (st == OCT_OK) {
        n_ok++;
        CHECK(t && name);
        size_t nb = oct_tensor_nbytes(t);
        volatile uint8_t sum = 0; /* touch every byte: valgrind checks they are defined */
        for (size_t i = 0; i < nb; i++) sum = (uint8_t)(sum + ((uint8_t *)t->data)[i]);
        (void)sum;
        oct_tensor_free(t);
        free(name);
    } else {
        n_err++;
        CHECK(t == NULL && name == NULL);
        CHECK_MSG(!strncmp(oct_errmsg(), "fuzz.pb: ", 9) && strlen(oct_errmsg()) > 9, "'%s'", oct_errmsg());
    }
}

static void fuzz_file(const char *path, void (*fn)(const uint8_t *, size_t), int mutations)
{
    size_t len = 0;
    uint8_t *orig = slurp(path, &len);
    CHECK_MSG(orig && len > 0, "%s", path);
    if (!orig || !len) {
        free(orig);
        return;
    }
    n_ok = n_err = 0;
    uint8_t *buf = malloc(len);
    /* truncations: 200 lengths from 0 to len-1 (each in a buffer of exactly that size) */
    for (int k = 0; k < 200; k++) {
        size_t l = (size_t)((double)k * (double)(len - 1) / 199.0);
        uint8_t *b = malloc(l ? l : 1);
        memcpy(b, orig, l);
        fn(b, l);
        free(b);
    }
    int trunc_ok = n_ok;
    /* bit flips, byte overwrites, and short random runs */
    for (int k = 0; k < mutations; k++) {
        memcpy(buf, orig, len);
        int kind = k % 3;
        size_t pos = (size_t)(rng() % len);
        if (kind == 0) {
            buf[pos] ^= (uint8_t)(1u << (rng() % 8));
        } else if (kind == 1) {
            buf[pos] = (uint8_t)rng();
        } else {
            size_t run = 1 + (size_t)(rng() % 8);
            for (size_t i = pos; i < pos + run && i < len; i++) buf[i] = (uint8_t)rng();
        }
        fn(buf, len);
    }
    printf("%s: %zu bytes, truncations ok %d/200; mutations: %d ok, %d errors\n", path, len, trunc_ok,
           n_ok - trunc_ok, n_err - (200 - trunc_ok));
    free(buf);
    free(orig);
}

static void test_robustness(void)
{
    const char *env = getenv("OCT_FUZZ_N");
    int n = env ? atoi(env) : 3000;
    fuzz_file(DATA "/node/test_conv_with_strides_padding/model.onnx", try_model, n);
    fuzz_file(DATA "/pytorch-converted/test_BatchNorm2d_eval/model.onnx", try_model, n);
    fuzz_file(DATA "/node/test_layer_normalization_4d_axis0_expanded/model.onnx", try_model, n);
    fuzz_file(DATA "/node/test_abs/test_data_set_0/input_0.pb", try_tensor, n / 2);
    fuzz_file(DATA "/node/test_add_uint8/test_data_set_0/input_0.pb", try_tensor, n / 2);
}
int main(void)
{
    if (!have_data()) {
        printf("skipping: " DATA " (libonnx-testdata) not installed\n");
        TEST_DONE();
    }
    test_robustness();
    TEST_DONE();
}
