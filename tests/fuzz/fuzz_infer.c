/* libFuzzer targets: the inference request parsers of `octet serve`, with a
 * real repository loaded once (fmnist_mlp: FP32 [-1,1,28,28] in; dtypes: one
 * input per datatype). FUZZ_V2 selects the KServe v2 parser with the binary
 * tensor extension: the first 2 bytes of the input give the JSON part's
 * length (Inference-Header-Content-Length), the rest is the body. Every input
 * gets an answer (a job for the scheduler, or an error status with a JSON
 * message); nothing leaks. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "serve.h"
#include "serve_config.h"

static oct_srv srv;
static char dir[256];

/* The scheduler's side is not under test: a submitted job is answered at once. */
void oct_infer_submit(oct_req *r)
{
    r->job.status = OCT_OK;
    r->suspended = 1;
}

static void link_model(const char *name, const char *src, const char *cfg)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/%s/model.onnx", dir, name);
    if (symlink(src, p) != 0) perror(p);
    snprintf(p, sizeof p, "%s/%s/config.json", dir, name);
    FILE *f = fopen(p, "w");
    if (f) {
        fputs(cfg, f);
        fclose(f);
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    snprintf(dir, sizeof dir, "/tmp/octet-fuzz-repo-%d", (int)getpid());
    mkdir(dir, 0755);
    link_model("fmnist_mlp", OCTET_SOURCE_DIR "/models/fmnist_mlp/model.onnx",
               "{\"max_batch_size\": 8, \"labels\": [\"a\", \"b\"]}");
    link_model("dtypes", OCTET_SOURCE_DIR "/tests/data/server/dtypes.onnx", "{\"max_batch_size\": 4}");
    oct_srv_settings_default(&srv.set);
    oct_repo_opts o = {.device = "cpu", .n_threads = 1, .cache_dir = dir};
    if (oct_repo_scan(dir, &o, &srv.repo) != OCT_OK) abort();
    oct_repo_load_all(srv.repo);
    for (int i = 0; i < srv.repo->n; i++)
        if (oct_model_get_state(srv.repo->m[i]) != OCT_MODEL_READY) abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    oct_req r;
    memset(&r, 0, sizeof r);
    r.srv = &srv;
    char hl[32];
#ifdef FUZZ_V2
    if (size < 2) return 0;
    oct_model *m = srv.repo->m[data[1] & 1];
    size_t json_len = ((size_t)(data[0] & 0x7f) << 8 | data[1]) % (size - 1);
    snprintf(hl, sizeof hl, "%zu", json_len);
    r.infer_header_len = data[0] & 0x80 ? NULL : hl; /* some inputs without the extension */
    data += 2, size -= 2;
#else
    (void)hl;
#endif
    r.body = malloc(size + 1);
    if (!r.body) return 0;
    memcpy(r.body, data, size);
    r.body[size] = 0;
    r.len = size;
#ifdef FUZZ_V2
    r.endpoint = OCT_EP_V2_INFER;
    oct_h_infer_v2(&r, m);
#else
    r.endpoint = OCT_EP_INFER;
    oct_h_infer_simple(&r);
#endif
    if (!r.suspended && (!r.has_resp || r.code < 400 || !r.resp)) abort(); /* an answer either way */
    if (r.suspended && (r.has_resp || r.job.n_in < 1)) abort();
    for (int i = 0; i < OCT_JOB_MAX_IO; i++) oct_tensor_free(r.job.in[i]);
    free(r.body);
    free(r.resp);
    return 0;
}
