/* model_config: a valid config, and every class of bad config gets an error naming the key. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "runtime/model_config.h"
#include "test_util.h"

static const char *write_cfg(const char *text)
{
    static char path[] = "/tmp/octet_cfg_test/config.json";
    (void)!system("mkdir -p /tmp/octet_cfg_test");
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
    return path;
}

static void expect_error(const char *text, oct_status want, const char *needle)
{
    oct_model_config c;
    oct_status s = oct_model_config_load(write_cfg(text), &c);
    CHECK_MSG(s == want && strstr(oct_errmsg(), needle), "status %d, message '%s', wanted '%s'", s, oct_errmsg(), needle);
}

int main(void)
{
    oct_model_config c;
    const char *good =
        "{\"name\": \"m\", \"platform\": \"onnx\", \"model_file\": \"model.onnx\", \"max_batch_size\": 64,\n"
        " \"inputs\": [{\"name\": \"input\", \"datatype\": \"FP32\", \"shape\": [-1, 1, 28, 28]}],\n"
        " \"outputs\": [{\"name\": \"logits\", \"datatype\": \"FP32\", \"shape\": [-1, 10]}],\n"
        " \"preprocess\": {\"scale\": 0.00392156862745098, \"mean\": [0.2860], \"std\": [0.3530]},\n"
        " \"labels\": [\"a\", \"b\"], \"instance_count\": 2, \"max_queue_size\": 100, \"default_timeout_us\": 5000,\n"
        " \"dynamic_batching\": {\"max_queue_delay_us\": 300, \"preferred_batch_sizes\": [8, 32]}}";
    CHECK_MSG(oct_model_config_load(write_cfg(good), &c) == OCT_OK, "%s", oct_errmsg());
    CHECK(!strcmp(c.name, "m") && c.max_batch_size == 64 && c.n_inputs == 1 && c.n_outputs == 1);
    CHECK(c.inputs[0].dtype == OCT_DT_F32 && c.inputs[0].rank == 4 && c.inputs[0].dims[0] == -1);
    CHECK(c.has_preprocess && c.n_mean == 1 && c.std[0] > 0.35f && c.std[0] < 0.36f);
    CHECK(c.n_labels == 2 && !strcmp(c.labels[1], "b"));
    CHECK(!strcmp(c.model_path, "/tmp/octet_cfg_test/model.onnx"));
    CHECK(c.serving.dynamic_batching && c.serving.max_queue_delay_us == 300 && c.serving.n_preferred == 2 &&
          c.serving.preferred[1] == 32 && c.serving.instance_count == 2 && c.serving.max_queue_size == 100 &&
          c.serving.default_timeout_us == 5000);
    oct_model_config_free(&c);

    expect_error("{\"name\": \"m\", \"colour\": 3}", OCT_E_INVALID, "unknown key 'colour'");
    expect_error("{\"name\": \"m\",}", OCT_E_PARSE, "config.json:1");
    expect_error("{\"max_batch_size\": -3}", OCT_E_INVALID, "max_batch_size");
    expect_error("{\"dynamic_batching\": {\"max_queue_delay\": 5}}", OCT_E_INVALID, "max_queue_delay");
    expect_error("{\"dynamic_batching\": {\"preferred_batch_sizes\": [8, 4]}}", OCT_E_INVALID, "ascend");
    expect_error("{\"max_batch_size\": 8, \"dynamic_batching\": {\"preferred_batch_sizes\": [16]}}", OCT_E_INVALID,
                 "above max_batch_size");
    expect_error("{\"instance_count\": 0}", OCT_E_INVALID, "instance_count");
    expect_error("{\"max_queue_size\": \"big\"}", OCT_E_INVALID, "max_queue_size");
    expect_error("{\"inputs\": [{\"name\": \"x\", \"datatype\": \"FP99\", \"shape\": [1]}]}", OCT_E_INVALID, "inputs[0].datatype");
    expect_error("{\"inputs\": [{\"name\": \"x\", \"datatype\": \"FP32\", \"shape\": [1], \"extra\": 1}]}", OCT_E_INVALID, "unknown key 'extra' in inputs[0]");
    expect_error("{\"inputs\": [{\"name\": \"x\", \"datatype\": \"FP32\", \"shape\": [\"a\"]}]}", OCT_E_INVALID, "inputs[0].shape[0]");
    expect_error("{\"preprocess\": {\"std\": [0]}}", OCT_E_INVALID, "preprocess.std");
    expect_error("{\"preprocess\": {\"mean\": [1, 2], \"std\": [1, 2, 3]}}", OCT_E_INVALID, "differ in length");
    expect_error("{\"model_file\": \"../../etc/passwd\"}", OCT_E_INVALID, "model_file");
    expect_error("{\"platform\": \"tensorflow\"}", OCT_E_INVALID, "platform");
    expect_error("{\"name\": \"a\", \"name\": \"b\"}", OCT_E_PARSE, "duplicate");
    CHECK(oct_model_config_load("/nonexistent/config.json", &c) == OCT_E_IO && strstr(oct_errmsg(), "/nonexistent/config.json"));
    unlink("/tmp/octet_cfg_test/config.json");
    TEST_DONE();
}
