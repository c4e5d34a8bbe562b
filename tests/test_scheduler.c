/* runtime/scheduler: the dynamic batcher on a real model (fmnist_mlp, fp32).
 * Preferred batch sizes shape the batches; the oldest job waits at most
 * max_delay; rows of multi-row jobs are split back correctly; every instance
 * runs batches; a full queue refuses; an expired job never runs; stop(drain)
 * runs what is queued and stop(fail) answers it. Every answer equals the
 * session run alone on the same rows (within FP32 rounding). */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "runtime/scheduler.h"
#include "test_util.h"

#define MODEL OCTET_SOURCE_DIR "/models/fmnist_mlp/model.onnx"
#define MAXJ 64

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int done_count, batch_rows[256], n_batches;
static pthread_t batch_thread[256];

static void on_done(oct_job *j)
{
    (void)j;
    pthread_mutex_lock(&mu);
    done_count++;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
}

static _Atomic int slow_batches; /* on_batch holds its worker 5 ms: the other instance must take jobs */

static void on_batch(void *ctx, int rows, int jobs, int64_t ns, oct_status st)
{
    (void)ctx, (void)jobs, (void)ns, (void)st;
    if (slow_batches) {
        struct timespec t = {0, 5 * 1000 * 1000};
        nanosleep(&t, NULL);
    }
    pthread_mutex_lock(&mu);
    if (n_batches < 256) batch_rows[n_batches] = rows, batch_thread[n_batches] = pthread_self();
    n_batches++;
    pthread_mutex_unlock(&mu);
}

static void wait_done(int n)
{
    pthread_mutex_lock(&mu);
    while (done_count < n) pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
}

static void reset(void)
{
    pthread_mutex_lock(&mu);
    done_count = n_batches = 0;
    pthread_mutex_unlock(&mu);
}

static oct_tensor *image_rows(int64_t rows, int seed)
{
    int64_t dims[4] = {rows, 1, 28, 28};
    oct_tensor *t = oct_tensor_new(OCT_DT_F32, 4, dims);
    float *p = t->data;
    for (int64_t i = 0; i < oct_tensor_numel(t); i++) p[i] = (float)((i * 7 + seed * 131) % 255) / 255.f - 0.3f;
    return t;
}

static void make_job(oct_job *j, int64_t rows, int seed)
{
    memset(j, 0, sizeof *j);
    j->n_in = 1;
    j->in[0] = image_rows(rows, seed);
    j->done = on_done;
}

static void free_job(oct_job *j)
{
    oct_tensor_free(j->in[0]);
    for (int i = 0; i < j->n_out; i++) oct_tensor_free(j->out[i]);
}

/* The job's answer equals the session run alone on its rows (FP32: the GEMM kernels differ with the
 * batch size, so the sums may round differently: 1e-5 relative). */
static int same_as_alone(oct_session *s, oct_job *j)
{
    oct_tensor *y[1] = {0};
    if (oct_session_run(s, (const oct_tensor *const *)j->in, y) != OCT_OK) return 0;
    int ok = j->status == OCT_OK && j->n_out == 1 && oct_tensor_nbytes(y[0]) == oct_tensor_nbytes(j->out[0]);
    for (int64_t i = 0; ok && i < oct_tensor_numel(y[0]); i++) {
        float a = ((const float *)y[0]->data)[i], b = ((const float *)j->out[0]->data)[i];
        ok = fabsf(a - b) <= 1e-5f * (1.f + fabsf(a));
    }
    oct_tensor_free(y[0]);
    return ok;
}

int main(void)
{
    oct_session_opts so;
    oct_session_opts_default(&so);
    so.n_threads = 1;
    so.device = "cpu";
    oct_session *s[2] = {0}, *ref = NULL;
    CHECK_MSG(oct_session_load(MODEL, &so, &s[0]) == OCT_OK && oct_session_load(MODEL, &so, &s[1]) == OCT_OK &&
                  oct_session_load(MODEL, &so, &ref) == OCT_OK,
              "%s", oct_errmsg());
    if (!s[0] || !s[1] || !ref) TEST_DONE();
    static oct_job jobs[MAXJ];

    /* 1. preferred sizes {4}: six 1-row jobs queued together -> a batch of 4 at once, then 2 after the delay */
    int pref[] = {4};
    oct_sched_opts o = {.max_batch = 8, .max_delay_us = 200000, .n_preferred = 1, .preferred = pref, .max_queue = 100,
                        .batch_dim = 1, .on_batch = on_batch};
    oct_sched *sc = NULL;
    CHECK(oct_sched_new(s, 1, &o, &sc) == OCT_OK);
    reset();
    for (int i = 0; i < 6; i++) make_job(&jobs[i], 1, i);
    for (int i = 0; i < 6; i++) CHECK(oct_sched_submit(sc, &jobs[i]) == OCT_OK);
    wait_done(6);
    CHECK_MSG(n_batches == 2 && batch_rows[0] == 4 && batch_rows[1] == 2, "batches %d: %d, %d", n_batches,
              batch_rows[0], batch_rows[1]);
    CHECK(jobs[5].t_start_ns - jobs[5].t_submit_ns >= 150000000); /* the last two waited the delay */
    CHECK(jobs[0].t_start_ns - jobs[0].t_submit_ns < 150000000);  /* the first four did not */
    int same = 0;
    for (int i = 0; i < 6; i++) same += same_as_alone(ref, &jobs[i]), free_job(&jobs[i]);
    CHECK_MSG(same == 6, "%d of 6 answers equal the session's alone", same);
    oct_sched_free(sc);

    /* 2. multi-row jobs grouped up to max_batch and split back */
    o.n_preferred = 0, o.max_delay_us = 20000;
    CHECK(oct_sched_new(s, 1, &o, &sc) == OCT_OK);
    reset();
    int64_t rows[] = {3, 2, 3, 1, 5, 2};
    for (int i = 0; i < 6; i++) make_job(&jobs[i], rows[i], 10 + i);
    for (int i = 0; i < 6; i++) CHECK(oct_sched_submit(sc, &jobs[i]) == OCT_OK);
    wait_done(6);
    int total = 0, over = 0;
    for (int b = 0; b < n_batches; b++) total += batch_rows[b], over += batch_rows[b] > 8;
    CHECK_MSG(total == 16 && !over && n_batches <= 3, "%d batches, %d rows", n_batches, total);
    same = 0;
    for (int i = 0; i < 6; i++) same += same_as_alone(ref, &jobs[i]) && jobs[i].out[0]->dims[0] == rows[i];
    for (int i = 0; i < 6; i++) free_job(&jobs[i]);
    CHECK_MSG(same == 6, "%d of 6 multi-row answers split back right", same);
    make_job(&jobs[0], 9, 1);
    CHECK(oct_sched_submit(sc, &jobs[0]) == OCT_E_SHAPE); /* above max_batch */
    free_job(&jobs[0]);
    oct_sched_free(sc);

    /* 3. two instances, no batching: both workers run batches */
    oct_sched_opts o2 = {.max_batch = 1, .max_queue = 100, .batch_dim = 1, .on_batch = on_batch};
    CHECK(oct_sched_new(s, 2, &o2, &sc) == OCT_OK);
    reset();
    slow_batches = 1;
    for (int i = 0; i < 40; i++) make_job(&jobs[i], 16, i);
    for (int i = 0; i < 40; i++) CHECK(oct_sched_submit(sc, &jobs[i]) == OCT_OK);
    wait_done(40);
    int other = 0;
    for (int b = 1; b < n_batches && b < 256; b++) other |= !pthread_equal(batch_thread[b], batch_thread[0]);
    CHECK_MSG(n_batches == 40 && other, "%d batches, both instances used: %d", n_batches, other);
    slow_batches = 0;
    for (int i = 0; i < 40; i++) free_job(&jobs[i]);
    oct_sched_free(sc);

    /* 4. queue limit, deadline, stop: one worker busy on a long queue */
    oct_sched_opts o3 = {.max_batch = 1, .max_queue = 5, .batch_dim = 1, .on_batch = on_batch};
    CHECK(oct_sched_new(s, 1, &o3, &sc) == OCT_OK);
    reset();
    int accepted = 0, refused = 0;
    for (int i = 0; i < 20; i++) make_job(&jobs[i], 2048, i); /* ~ms per job: the queue fills */
    for (int i = 0; i < 20; i++) {
        if (i == 3) jobs[i].deadline_ns = oct_sched_now_ns() + 1; /* expires at once */
        oct_status st = oct_sched_submit(sc, &jobs[i]);
        accepted += st == OCT_OK, refused += st == OCT_E_BUSY;
        if (st != OCT_OK) jobs[i].status = st;
    }
    CHECK_MSG(refused >= 10 && accepted + refused == 20, "accepted %d refused %d", accepted, refused);
    wait_done(accepted); /* the accepted jobs run; the expired one is answered without running */
    oct_sched_stop(sc, 0);
    int timeout = 0, busy = 0, ok = 0;
    for (int i = 0; i < 20; i++) {
        timeout += jobs[i].status == OCT_E_TIMEOUT, busy += jobs[i].status == OCT_E_BUSY, ok += jobs[i].status == OCT_OK;
        free_job(&jobs[i]);
    }
    CHECK_MSG(timeout == 1, "the expired job timed out (%d)", timeout);
    CHECK_MSG(ok + timeout + busy == 20 && busy == refused && ok == accepted - 1, "ok %d timeout %d busy %d", ok,
              timeout, busy);
    make_job(&jobs[0], 1, 0);
    CHECK(oct_sched_submit(sc, &jobs[0]) == OCT_E_BUSY); /* stopped */
    free_job(&jobs[0]);
    oct_sched_free(sc);

    /* 5. stop with drain: everything queued runs */
    CHECK(oct_sched_new(s, 1, &o3, &sc) == OCT_OK);
    reset();
    for (int i = 0; i < 5; i++) {
        make_job(&jobs[i], 32, i);
        CHECK(oct_sched_submit(sc, &jobs[i]) == OCT_OK);
    }
    oct_sched_stop(sc, 1);
    ok = 0;
    for (int i = 0; i < 5; i++) ok += jobs[i].status == OCT_OK, free_job(&jobs[i]);
    CHECK_MSG(done_count == 5 && ok == 5, "drained %d, ok %d", done_count, ok);
    oct_sched_free(sc);

    /* 6. stop without drain: what is still queued is answered OCT_E_BUSY, nothing is lost */
    CHECK(oct_sched_new(s, 1, &o3, &sc) == OCT_OK);
    reset();
    for (int i = 0; i < 5; i++) make_job(&jobs[i], 2048, i);
    for (int i = 0; i < 5; i++) CHECK(oct_sched_submit(sc, &jobs[i]) == OCT_OK);
    oct_sched_stop(sc, 0);
    busy = ok = 0;
    for (int i = 0; i < 5; i++) busy += jobs[i].status == OCT_E_BUSY, ok += jobs[i].status == OCT_OK, free_job(&jobs[i]);
    CHECK_MSG(done_count == 5 && ok + busy == 5 && busy >= 3, "stopped: %d answered, ok %d, busy %d", done_count, ok,
              busy);
    oct_sched_free(sc);

    for (int i = 0; i < 2; i++) oct_session_free(s[i]);
    oct_session_free(ref);
    TEST_DONE();
}
