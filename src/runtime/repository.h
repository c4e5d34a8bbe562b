/* octet — the model repository the server serves: DIR/<name>/config.json (+
 * the model file it names; a directory without config.json serves its
 * model.onnx at fp32 with defaults). Each model is loaded with its
 * quantization config applied (a static INT8 model reuses its cached
 * quantized artifact when the key matches, else calibrates and caches it),
 * given instance_count sessions, warmed up, and put behind its own scheduler.
 * A model that fails to load is UNAVAILABLE with the reason; the others serve. */
#ifndef OCT_RUNTIME_REPOSITORY_H
#define OCT_RUNTIME_REPOSITORY_H

#include <stdint.h>

#include "quant/qconfig.h"
#include "runtime/model_config.h"
#include "runtime/scheduler.h"
#include "runtime/session.h"

typedef enum oct_model_state { OCT_MODEL_LOADING = 0, OCT_MODEL_READY, OCT_MODEL_UNAVAILABLE } oct_model_state;

const char *oct_model_state_name(oct_model_state s); /* "LOADING" | "READY" | "UNAVAILABLE" (Triton's words) */

typedef struct oct_repo_opts {
    const char *device;  /* per session (NULL: $OCTET_DEVICE, else auto) */
    int n_threads;       /* threads per session (<= 0: all cores) */
    const char *cache_dir; /* NULL: oct_artifact_dir() */
    /* optional, called from the schedulers' workers after every batch */
    void (*on_batch)(void *ctx, int model, int rows, int jobs, int64_t compute_ns, oct_status st);
    void *ctx;
} oct_repo_opts;

typedef struct oct_model_io {
    char name[128];
    oct_dtype dtype;
    int rank;
    int64_t dims[OCT_MAX_RANK]; /* -1: variable */
} oct_model_io;

typedef struct oct_model {
    int index;
    char name[128];
    char dir[4096];
    oct_model_config cfg;
    int have_cfg;
    int state;               /* oct_model_state; read with oct_model_get_state */
    char reason[1024];       /* why UNAVAILABLE */
    oct_precision precision;
    char device[256];
    int cache_hit;           /* the quantized artifact came from the cache */
    double load_seconds;
    int batch_dim;           /* max_batch_size > 0: dimension 0 of every input is the batch */
    int n_in, n_out;
    oct_model_io in[OCT_JOB_MAX_IO], out[OCT_JOB_MAX_IO];
    int n_inst;
    oct_session **sess;
    oct_sched *sched;
    const oct_repo_opts *opts;
} oct_model;

typedef struct oct_repo {
    char dir[4096];
    int n;
    oct_model **m;
    oct_repo_opts opts;
    int loaded;              /* every model has been tried */
} oct_repo;

/* Scan dir (models sorted by name) without loading: every model LOADING.
 * OCT_E_IO / OCT_E_NOT_FOUND when dir cannot be read. */
oct_status oct_repo_scan(const char *dir, const oct_repo_opts *o, oct_repo **out);
/* Load model i (logs progress on stderr); its state ends READY or UNAVAILABLE. */
void oct_repo_load(oct_repo *r, int i);
/* Load every model in order, then set loaded. */
void oct_repo_load_all(oct_repo *r);
oct_model *oct_repo_find(oct_repo *r, const char *name);
oct_model_state oct_model_get_state(const oct_model *m);
int oct_model_fallbacks(const oct_model *m); /* device fallbacks over its sessions */
/* Where it runs now: its device, or "cpu" once a device failure sent it there. */
const char *oct_model_device(const oct_model *m);
/* Stop every model's scheduler (drain: run what is queued) and refuse new work. */
void oct_repo_stop(oct_repo *r, int drain);
void oct_repo_free(oct_repo *r);

#endif
