/* octet — the per-model scheduler (see scheduler.h). */
#include "runtime/scheduler.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct oct_sched {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    oct_job *head, *tail;
    int depth, stopping, drain, n, started;
    oct_sched_opts o;
    int pref[16];
    oct_session **sess;
    pthread_t *th;
};

typedef struct worker_arg {
    oct_sched *s;
    int i;
} worker_arg;

int64_t oct_sched_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void finish(oct_job *j, oct_status st, const char *msg)
{
    j->status = st;
    if (msg) snprintf(j->err, sizeof j->err, "%s", msg);
    j->done(j);
}

/* Same dtype and dims past dimension 0 on every input: jobs that can share a batch. */
static int same_shape(const oct_job *a, const oct_job *b)
{
    if (a->n_in != b->n_in) return 0;
    for (int i = 0; i < a->n_in; i++) {
        const oct_tensor *x = a->in[i], *y = b->in[i];
        if (x->dtype != y->dtype || x->rank != y->rank || x->rank == 0) return 0;
        for (int d = 1; d < x->rank; d++)
            if (x->dims[d] != y->dims[d]) return 0;
    }
    return 1;
}

/* Take expired jobs out of the queue onto *dead; the earliest remaining deadline. */
static int64_t reap_expired(oct_sched *s, int64_t now, oct_job **dead)
{
    int64_t earliest = 0;
    oct_job **pp = &s->head, *prev = NULL;
    while (*pp) {
        oct_job *j = *pp;
        if (j->deadline_ns && j->deadline_ns <= now) {
            *pp = j->next;
            s->depth--;
            j->next = *dead;
            *dead = j;
            continue;
        }
        if (j->deadline_ns && (!earliest || j->deadline_ns < earliest)) earliest = j->deadline_ns;
        prev = j;
        pp = &j->next;
    }
    s->tail = prev;
    return earliest;
}

/* Rows of the prefix of compatible jobs that fits max_batch; *count jobs. */
static int64_t prefix_rows(const oct_sched *s, int *count, int *blocked)
{
    int64_t rows = 0;
    int c = 0;
    *blocked = 0;
    for (const oct_job *j = s->head; j; j = j->next) {
        if (c && (rows + j->rows > s->o.max_batch || !same_shape(s->head, j))) {
            *blocked = 1; /* the next job cannot join: no reason to wait longer */
            break;
        }
        rows += j->rows, c++;
        if (!s->o.batch_dim || s->o.max_batch <= 1) break;
    }
    *count = c;
    return rows;
}

/* With preferred sizes: the longest prefix (of the c compatible jobs) whose rows are a preferred size. */
static int preferred_prefix(const oct_sched *s, int c)
{
    if (!s->o.n_preferred) return c;
    int best = 0, k = 0;
    int64_t rows = 0;
    for (const oct_job *j = s->head; j && k < c; j = j->next) {
        rows += j->rows, k++;
        for (int p = 0; p < s->o.n_preferred; p++)
            if (rows == s->pref[p]) best = k;
    }
    return best ? best : c;
}

static void timed_wait(oct_sched *s, int64_t until_ns)
{
    struct timespec now, ts;
    clock_gettime(CLOCK_REALTIME, &now); /* the condition variable's clock */
    int64_t wait = until_ns - oct_sched_now_ns();
    if (wait <= 0) return;
    int64_t t = (int64_t)now.tv_nsec + wait;
    ts.tv_sec = now.tv_sec + (time_t)(t / 1000000000);
    ts.tv_nsec = (long)(t % 1000000000);
    pthread_cond_timedwait(&s->cv, &s->mu, &ts);
}

static oct_status concat(oct_job **jobs, int c, int input, int64_t rows, oct_tensor **out)
{
    const oct_tensor *x0 = jobs[0]->in[input];
    int64_t dims[OCT_MAX_RANK];
    memcpy(dims, x0->dims, sizeof dims);
    dims[0] = rows;
    oct_tensor *t = oct_tensor_new(x0->dtype, x0->rank, dims);
    if (!t) return oct_err(OCT_E_NOMEM, "out of memory batching %lld rows", (long long)rows);
    size_t at = 0;
    for (int k = 0; k < c; k++) {
        size_t b = oct_tensor_nbytes(jobs[k]->in[input]);
        memcpy((char *)t->data + at, jobs[k]->in[input]->data, b);
        at += b;
    }
    *out = t;
    return OCT_OK;
}

/* Rows r0 .. r0 + n of y as a new tensor. */
static oct_tensor *slice_rows(const oct_tensor *y, int64_t r0, int64_t n)
{
    int64_t dims[OCT_MAX_RANK];
    memcpy(dims, y->dims, sizeof dims);
    dims[0] = n;
    oct_tensor *t = oct_tensor_new(y->dtype, y->rank, dims);
    if (!t) return NULL;
    size_t row = y->dims[0] ? oct_tensor_nbytes(y) / (size_t)y->dims[0] : 0;
    memcpy(t->data, (const char *)y->data + (size_t)r0 * row, (size_t)n * row);
    return t;
}

static void run_batch(oct_sched *s, oct_session *sess, oct_job **jobs, int c, int64_t rows)
{
    int n_in = jobs[0]->n_in, n_out = oct_session_n_outputs(sess);
    oct_tensor *bin[OCT_JOB_MAX_IO] = {0}, *bout[OCT_JOB_MAX_IO] = {0};
    oct_status st = OCT_OK;
    int64_t t0 = oct_sched_now_ns();
    for (int i = 0; i < n_in && st == OCT_OK; i++) st = c == 1 ? OCT_OK : concat(jobs, c, i, rows, &bin[i]);
    if (st == OCT_OK && n_out > OCT_JOB_MAX_IO) st = oct_err(OCT_E_UNSUPPORTED, "the model has too many outputs");
    if (st == OCT_OK) st = oct_session_run(sess, (const oct_tensor *const *)(c == 1 ? jobs[0]->in : bin), bout);
    int64_t t1 = oct_sched_now_ns();
    for (int i = 0; i < n_out && st == OCT_OK && c > 1; i++)
        if (!bout[i] || bout[i]->rank == 0 || bout[i]->dims[0] != rows)
            st = oct_err(OCT_E_INTERNAL, "output %d has no batch dimension of %lld rows: cannot split the batch", i,
                         (long long)rows);
    char msg[512] = "";
    if (st != OCT_OK) snprintf(msg, sizeof msg, "%s", oct_errmsg());
    if (s->o.on_batch) s->o.on_batch(s->o.ctx, (int)rows, c, t1 - t0, st); /* before any job completes */
    int64_t r0 = 0;
    for (int k = 0; k < c; k++) {
        oct_job *j = jobs[k];
        j->t_start_ns = t0, j->t_end_ns = t1, j->batch_size = (int)rows, j->n_out = 0;
        oct_status js = st;
        for (int i = 0; i < n_out && js == OCT_OK; i++) {
            if (c == 1) {
                j->out[i] = bout[i], bout[i] = NULL;
            } else if (!(j->out[i] = slice_rows(bout[i], r0, j->rows))) {
                js = OCT_E_NOMEM;
                snprintf(msg, sizeof msg, "out of memory splitting the batch");
            }
            j->n_out = i + 1;
        }
        if (js != OCT_OK) {
            for (int i = 0; i < j->n_out; i++) oct_tensor_free(j->out[i]), j->out[i] = NULL;
            j->n_out = 0;
        }
        r0 += j->rows;
        finish(j, js, js == OCT_OK ? NULL : msg);
    }
    for (int i = 0; i < OCT_JOB_MAX_IO; i++) oct_tensor_free(bin[i]), oct_tensor_free(bout[i]);
}

static void complete_list(oct_job *list, oct_status st, const char *msg)
{
    while (list) {
        oct_job *j = list;
        list = j->next;
        finish(j, st, msg);
    }
}

static void *worker(void *arg)
{
    worker_arg *wa = arg;
    oct_sched *s = wa->s;
    oct_session *sess = s->sess[wa->i];
    free(wa);
    oct_job **batch = malloc(sizeof *batch * (size_t)(s->o.max_batch > 1 ? s->o.max_batch : 1));
    pthread_mutex_lock(&s->mu);
    for (;;) {
        if (!s->head) {
            if (s->stopping) break;
            pthread_cond_wait(&s->cv, &s->mu);
            continue;
        }
        if (s->stopping && !s->drain) {
            oct_job *all = s->head;
            s->head = s->tail = NULL, s->depth = 0;
            pthread_mutex_unlock(&s->mu);
            complete_list(all, OCT_E_BUSY, "the server is shutting down");
            pthread_mutex_lock(&s->mu);
            continue;
        }
        int64_t now = oct_sched_now_ns();
        oct_job *dead = NULL;
        int64_t earliest = reap_expired(s, now, &dead);
        if (dead) {
            pthread_mutex_unlock(&s->mu);
            complete_list(dead, OCT_E_TIMEOUT, "the request's deadline passed while it was queued");
            pthread_mutex_lock(&s->mu);
            continue;
        }
        int c, blocked;
        int64_t rows = prefix_rows(s, &c, &blocked);
        int full = rows >= s->o.max_batch || blocked || (s->o.n_preferred && rows >= s->pref[s->o.n_preferred - 1]);
        int64_t until = s->head->t_submit_ns + s->o.max_delay_us * 1000;
        if (!s->stopping && !full && s->o.max_batch > 1 && s->o.batch_dim && now < until) {
            timed_wait(s, earliest && earliest < until ? earliest : until);
            continue;
        }
        c = preferred_prefix(s, c);
        rows = 0;
        for (int k = 0; k < c; k++) {
            batch[k] = s->head;
            rows += s->head->rows;
            s->head = s->head->next;
            s->depth--;
        }
        if (!s->head) s->tail = NULL;
        pthread_mutex_unlock(&s->mu);
        int live = 0; /* drop jobs nobody waits for */
        int64_t live_rows = 0;
        for (int k = 0; k < c; k++) {
            if (batch[k]->gone && batch[k]->gone(batch[k])) {
                finish(batch[k], OCT_E_INVALID, "the client disconnected");
                continue;
            }
            live_rows += batch[k]->rows;
            batch[live++] = batch[k];
        }
        if (live) run_batch(s, sess, batch, live, live_rows);
        pthread_mutex_lock(&s->mu);
    }
    pthread_mutex_unlock(&s->mu);
    free(batch);
    return NULL;
}

oct_status oct_sched_new(oct_session *const *sessions, int n, const oct_sched_opts *o, oct_sched **out)
{
    *out = NULL;
    if (n < 1 || !sessions) return oct_err(OCT_E_INVALID, "scheduler: no sessions");
    if (o->n_preferred > 16) return oct_err(OCT_E_INVALID, "scheduler: more than 16 preferred batch sizes");
    oct_sched *s = calloc(1, sizeof *s);
    if (!s) return oct_err(OCT_E_NOMEM, "out of memory");
    s->o = *o;
    if (s->o.max_batch < 1) s->o.max_batch = 1;
    if (s->o.max_queue < 1) s->o.max_queue = 1;
    for (int i = 0; i < o->n_preferred; i++) s->pref[i] = o->preferred[i];
    s->o.preferred = s->pref;
    s->n = n;
    s->sess = malloc(sizeof *s->sess * (size_t)n);
    s->th = calloc((size_t)n, sizeof *s->th);
    if (!s->sess || !s->th) {
        free(s->sess);
        free(s->th);
        free(s);
        return oct_err(OCT_E_NOMEM, "out of memory");
    }
    memcpy(s->sess, sessions, sizeof *s->sess * (size_t)n);
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    for (int i = 0; i < n; i++) {
        worker_arg *wa = malloc(sizeof *wa);
        if (!wa) break;
        wa->s = s, wa->i = i;
        if (pthread_create(&s->th[i], NULL, worker, wa) != 0) {
            free(wa);
            break;
        }
        s->started++;
    }
    if (s->started < n) {
        oct_sched_free(s);
        return oct_err(OCT_E_NOMEM, "scheduler: cannot start %d worker threads", n);
    }
    *out = s;
    return OCT_OK;
}

oct_status oct_sched_submit(oct_sched *s, oct_job *j)
{
    if (j->n_in < 1 || j->n_in > OCT_JOB_MAX_IO) return oct_err(OCT_E_INVALID, "a job needs 1 to %d inputs", OCT_JOB_MAX_IO);
    j->rows = s->o.batch_dim && j->in[0]->rank > 0 ? j->in[0]->dims[0] : 1;
    if (s->o.batch_dim && s->o.max_batch > 1 && j->rows > s->o.max_batch)
        return oct_err(OCT_E_SHAPE, "the batch of %lld is above the model's max_batch_size %d", (long long)j->rows,
                       s->o.max_batch);
    j->next = NULL;
    j->n_out = 0;
    j->status = OCT_OK;
    j->err[0] = 0;
    j->t_submit_ns = oct_sched_now_ns();
    pthread_mutex_lock(&s->mu);
    if (s->stopping || s->depth >= s->o.max_queue) {
        int stopping = s->stopping;
        pthread_mutex_unlock(&s->mu);
        return stopping ? oct_err(OCT_E_BUSY, "the server is shutting down")
                        : oct_err(OCT_E_BUSY, "the model's queue is full (%d requests waiting)", s->o.max_queue);
    }
    if (s->tail) s->tail->next = j;
    else s->head = j;
    s->tail = j;
    s->depth++;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    return OCT_OK;
}

void oct_sched_stop(oct_sched *s, int drain)
{
    pthread_mutex_lock(&s->mu);
    int was = s->stopping;
    s->stopping = 1;
    s->drain = drain;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    if (was) return;
    for (int i = 0; i < s->started; i++) pthread_join(s->th[i], NULL);
    s->started = 0;
}

void oct_sched_free(oct_sched *s)
{
    if (!s) return;
    oct_sched_stop(s, 0);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    free(s->sess);
    free(s->th);
    free(s);
}

int oct_sched_queue_depth(oct_sched *s)
{
    pthread_mutex_lock(&s->mu);
    int d = s->depth;
    pthread_mutex_unlock(&s->mu);
    return d;
}
