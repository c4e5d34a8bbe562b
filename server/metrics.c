/* octet serve — Prometheus metrics (see metrics.h). */
#include "metrics.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve.h"

static const unsigned codes[] = {200, 400, 401, 404, 405, 413, 499, 500, 503, 504};
#define N_CODES (sizeof codes / sizeof *codes)
static const char *const ep_names[OCT_EP_COUNT] = {"other", "infer", "v2_infer"};
/* seconds */
static const double dur_le[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                0.025,  0.05,    0.1,    0.25,  0.5,    1,     2.5, 5, 10};
#define N_DUR (sizeof dur_le / sizeof *dur_le)
static const double batch_le[] = {1, 2, 4, 8, 16, 32, 64, 128, 256};
#define N_BATCH (sizeof batch_le / sizeof *batch_le)

typedef struct hist {
    uint64_t bucket[N_DUR + 1]; /* the last: +Inf */
    uint64_t count;
    uint64_t sum_us;            /* batch histograms: sum of sizes */
} hist;

typedef struct model_m {
    uint64_t req[OCT_EP_COUNT][N_CODES + 1]; /* last: other codes */
    hist request, queue, compute, batch;
} model_m;

struct oct_metrics {
    int n;
    model_m *m; /* n + 1: the last for requests without a model */
};

#define ADD(p, v) __atomic_fetch_add((p), (v), __ATOMIC_RELAXED)
#define GET(p) __atomic_load_n((p), __ATOMIC_RELAXED)

oct_metrics *oct_metrics_new(int n_models)
{
    oct_metrics *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    m->n = n_models;
    if (!(m->m = calloc((size_t)n_models + 1, sizeof *m->m))) {
        free(m);
        return NULL;
    }
    return m;
}

void oct_metrics_free(oct_metrics *m)
{
    if (!m) return;
    free(m->m);
    free(m);
}

static void observe(hist *h, const double *le, size_t n, double v, uint64_t sum_add)
{
    size_t b = 0;
    while (b < n && v > le[b]) b++;
    ADD(&h->bucket[b], 1);
    ADD(&h->count, 1);
    ADD(&h->sum_us, sum_add);
}

static model_m *slot(oct_metrics *m, int model) { return &m->m[model >= 0 && model < m->n ? model : m->n]; }

void oct_metrics_request(oct_metrics *m, int model, int endpoint, unsigned code, int64_t total_ns, int64_t queue_ns,
                         int64_t compute_ns)
{
    model_m *s = slot(m, model);
    size_t c = 0;
    while (c < N_CODES && codes[c] != code) c++;
    ADD(&s->req[endpoint >= 0 && endpoint < OCT_EP_COUNT ? endpoint : 0][c], 1);
    if (model < 0) return;
    observe(&s->request, dur_le, N_DUR, (double)total_ns / 1e9, (uint64_t)(total_ns / 1000));
    if (queue_ns >= 0) observe(&s->queue, dur_le, N_DUR, (double)queue_ns / 1e9, (uint64_t)(queue_ns / 1000));
    if (compute_ns >= 0) observe(&s->compute, dur_le, N_DUR, (double)compute_ns / 1e9, (uint64_t)(compute_ns / 1000));
}

void oct_metrics_batch(oct_metrics *m, int model, int rows)
{
    observe(&slot(m, model)->batch, batch_le, N_BATCH, rows, (uint64_t)rows);
}

typedef struct buf {
    char *p;
    size_t len, cap;
    int bad;
} buf;

static void out(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out(buf *b, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int w = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (w < 0) {
            b->bad = 1;
            return;
        }
        if (b->p && b->len + (size_t)w < b->cap) {
            b->len += (size_t)w;
            return;
        }
        size_t cap = (b->cap ? b->cap * 2 : 16384) + (size_t)w;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->bad = 1;
            return;
        }
        b->p = p, b->cap = cap;
    }
}

static void hist_out(buf *b, const char *name, const char *model, const hist *h, const double *le, size_t n,
                     double sum_scale)
{
    uint64_t cum = 0;
    for (size_t i = 0; i <= n; i++) {
        cum += GET(&h->bucket[i]);
        if (i < n) out(b, "%s_bucket{model=\"%s\",le=\"%g\"} %llu\n", name, model, le[i], (unsigned long long)cum);
        else out(b, "%s_bucket{model=\"%s\",le=\"+Inf\"} %llu\n", name, model, (unsigned long long)cum);
    }
    out(b, "%s_sum{model=\"%s\"} %.6f\n", name, model, (double)GET(&h->sum_us) * sum_scale);
    out(b, "%s_count{model=\"%s\"} %llu\n", name, model, (unsigned long long)GET(&h->count));
}

char *oct_metrics_render(oct_metrics *m, oct_repo *repo, int suspended, size_t *len)
{
    buf b = {0};
    out(&b, "# HELP octet_requests_total Requests answered, by model, endpoint and HTTP status.\n"
            "# TYPE octet_requests_total counter\n");
    for (int k = 0; k <= m->n; k++) {
        const char *name = k < m->n ? repo->m[k]->name : "";
        for (int e = 0; e < OCT_EP_COUNT; e++)
            for (size_t c = 0; c <= N_CODES; c++) {
                uint64_t v = GET(&m->m[k].req[e][c]);
                if (!v) continue;
                char code[16];
                snprintf(code, sizeof code, "%u", c < N_CODES ? codes[c] : 0u);
                out(&b, "octet_requests_total{model=\"%s\",endpoint=\"%s\",code=\"%s\"} %llu\n", name, ep_names[e],
                    c < N_CODES ? code : "other", (unsigned long long)v);
            }
    }
    static const struct {
        const char *name, *help;
        size_t off;
    } hs[] = {
        {"octet_request_duration_seconds", "Time from the request's arrival to its answer.", offsetof(model_m, request)},
        {"octet_queue_duration_seconds", "Time a request waited in its model's queue.", offsetof(model_m, queue)},
        {"octet_compute_duration_seconds", "Time of the batch a request ran in.", offsetof(model_m, compute)},
    };
    for (size_t h = 0; h < sizeof hs / sizeof *hs; h++) {
        out(&b, "# HELP %s %s\n# TYPE %s histogram\n", hs[h].name, hs[h].help, hs[h].name);
        for (int k = 0; k < m->n; k++)
            hist_out(&b, hs[h].name, repo->m[k]->name, (const hist *)((const char *)&m->m[k] + hs[h].off), dur_le,
                     N_DUR, 1e-6);
    }
    out(&b, "# HELP octet_batch_size Rows per batch run.\n# TYPE octet_batch_size histogram\n");
    for (int k = 0; k < m->n; k++) hist_out(&b, "octet_batch_size", repo->m[k]->name, &m->m[k].batch, batch_le, N_BATCH, 1);
    out(&b, "# HELP octet_queue_depth Requests waiting in the model's queue.\n# TYPE octet_queue_depth gauge\n");
    for (int k = 0; k < m->n; k++) {
        oct_model *md = repo->m[k];
        int ready = oct_model_get_state(md) == OCT_MODEL_READY;
        out(&b, "octet_queue_depth{model=\"%s\"} %d\n", md->name, ready ? oct_sched_queue_depth(md->sched) : 0);
    }
    out(&b, "# HELP octet_model_ready 1 when the model serves.\n# TYPE octet_model_ready gauge\n");
    int loaded = 0;
    for (int k = 0; k < m->n; k++) {
        int ready = oct_model_get_state(repo->m[k]) == OCT_MODEL_READY;
        loaded += ready;
        out(&b, "octet_model_ready{model=\"%s\"} %d\n", repo->m[k]->name, ready);
    }
    out(&b, "# HELP octet_models_loaded Models ready to serve.\n# TYPE octet_models_loaded gauge\n"
            "octet_models_loaded %d\n", loaded);
    out(&b, "# HELP octet_device_fallbacks_total Times a model's device failed and it fell back to the CPU.\n"
            "# TYPE octet_device_fallbacks_total counter\n");
    for (int k = 0; k < m->n; k++)
        out(&b, "octet_device_fallbacks_total{model=\"%s\"} %d\n", repo->m[k]->name, oct_model_fallbacks(repo->m[k]));
    out(&b, "# HELP octet_suspended_connections Connections waiting for an inference.\n"
            "# TYPE octet_suspended_connections gauge\noctet_suspended_connections %d\n", suspended);
    if (b.bad) {
        free(b.p);
        return NULL;
    }
    *len = b.len;
    return b.p;
}
