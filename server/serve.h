/* octet serve — the HTTP server's shared types. The request path:
 * http.c gathers the body (size cap) and routes; handlers answer at once
 * (health, metadata, errors) or parse and validate an inference request
 * (infer_*.c), suspend the connection and hand a job to the model's scheduler
 * (src/runtime/scheduler.c); the worker that ran the batch builds the answer
 * and resumes the connection; no HTTP thread waits on inference. */
#ifndef OCT_SERVER_SERVE_H
#define OCT_SERVER_SERVE_H

#include <jansson.h>
#include <microhttpd.h>
#include <stddef.h>
#include <stdint.h>

#include "io/jdoc.h"
#include "runtime/repository.h"
#include "runtime/scheduler.h"

typedef struct oct_metrics oct_metrics;

typedef struct oct_srv_settings {
    char repo[4096];
    char host[256];
    int port;
    char device[128];        /* "" : $OCTET_DEVICE, else auto */
    int threads;             /* per model instance */
    int http_threads;
    int64_t max_body;        /* bytes */
    int strict_ready;        /* /v2/health/ready: every model READY (else: loading done and one READY) */
    int drain_s;             /* shutdown: how long to wait for connections to finish */
    int idle_timeout_s;      /* a connection with no traffic for this long is closed (not while suspended) */
    char cache_dir[4096];    /* "" : the default */
    char api_key[256];       /* "" : no key needed */
    char api_key_file[4096]; /* the key from a file (first line) */
    char tls_cert[4096];     /* PEM files: both set = HTTPS */
    char tls_key[4096];
} oct_srv_settings;

typedef struct oct_srv {
    oct_srv_settings set;
    char *tls_cert_pem, *tls_key_pem; /* read at start */
    oct_repo *repo;
    oct_metrics *metrics;
    struct MHD_Daemon *daemon;
    int stopping;            /* atomic: refusing new work */
    int suspended;           /* atomic: connections waiting on a job */
} oct_srv;

/* What the client asked of one output (v2 "outputs", or all of them). */
typedef struct oct_out_req {
    int index;  /* model output */
    int binary; /* binary tensor extension */
} oct_out_req;

enum { OCT_EP_OTHER = 0, OCT_EP_INFER, OCT_EP_V2_INFER, OCT_EP_COUNT };

typedef struct oct_req {
    oct_srv *srv;
    struct MHD_Connection *conn;
    char *body;
    size_t len, cap;
    int too_large;
    int64_t t0_ns;
    int endpoint;            /* OCT_EP_*, the metrics' label */
    oct_model *model;        /* NULL for non-model routes */
    /* the answer (set by a handler, or by the worker before resuming) */
    int has_resp;
    int queued;              /* the answer was handed to MHD */
    unsigned code;
    char *resp;
    size_t resp_len;
    const char *ctype;
    size_t header_len;       /* binary extension: the JSON part's length (0: none) */
    int retry_after;
    const char *allow;       /* 405: the route's methods */
    int auth_failed;         /* 401: add WWW-Authenticate */
    const char *infer_header_len; /* v2 binary extension: the Inference-Header-Content-Length header, or NULL */
    /* an inference in flight */
    oct_job job;
    int suspended;
    int n_out_req;
    oct_out_req out_req[OCT_JOB_MAX_IO];
    int top_k;
    char id[256];
    int has_id;
} oct_req;

/* ---- answers (http.c) ---- */
/* Take ownership of j (decref'd): a JSON answer with code. */
void oct_req_json(oct_req *r, unsigned code, json_t *j);
/* {"error": message} with code (503 adds Retry-After: 1). */
void oct_req_error(oct_req *r, unsigned code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The HTTP status of an engine status. */
unsigned oct_http_code(oct_status st);

/* ---- routes (routes.c) ---- */
void oct_route(oct_req *r, const char *url, const char *method);

/* ---- handlers ---- */
void oct_h_server_meta(oct_req *r);
void oct_h_live(oct_req *r);
void oct_h_ready(oct_req *r);
void oct_h_models(oct_req *r, int triton_index);
void oct_h_model_meta(oct_req *r, oct_model *m);
void oct_h_model_ready(oct_req *r, oct_model *m);
void oct_h_model_config(oct_req *r, oct_model *m);
void oct_h_metrics(oct_req *r);
void oct_h_infer_simple(oct_req *r);
void oct_h_infer_v2(oct_req *r, oct_model *m);
/* Submit r->job to the model's scheduler with the connection suspended (or answer the error). */
void oct_infer_submit(oct_req *r);
/* From the worker: turn r->job's outputs (or error) into r's answer. */
void oct_infer_answer(oct_req *r);

/* ---- JSON <-> tensors (tensor_json.c) ---- */
/* The shape of nested arrays, following the first element at each level (at most OCT_MAX_RANK + 1 levels). */
oct_status oct_json_shape(const oct_jval *v, int64_t *dims, int *rank);
/* Values of v (nested exactly as the shape, or flat) as a new tensor of dt and shape; every value checked. */
oct_status oct_json_to_tensor(const oct_jval *v, oct_dtype dt, int rank, const int64_t *dims, oct_tensor **out);
/* Flat (v2 "data") or nested (the /infer form) JSON array of t's values. */
json_t *oct_tensor_to_json(const oct_tensor *t, int nested);
/* Bytes per element of a v2 datatype; 0 if not a fixed-size type. */
size_t oct_json_elem_size(oct_dtype dt);

#endif
