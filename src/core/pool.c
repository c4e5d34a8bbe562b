#include "core/pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

struct oct_pool {
    int n;                       /* threads incl. caller */
    pthread_t *thr;
    pthread_mutex_t mu;
    pthread_cond_t cv_work, cv_done;
    unsigned long gen;           /* bumped per job */
    int stop;
    /* current job: its parameters are written before `claim` publishes it and
     * stay fixed until every chunk is done */
    oct_range_fn fn;
    void *ctx;
    int64_t total, chunk;
    int n_chunks;
    /* claim word: generation (bits 40..63) | chunk count (20..39) | next chunk (0..19).
     * A worker claims a chunk by CAS only while the generation is the one it woke
     * for, so a late worker of a finished job can never take a chunk of the next. */
    _Atomic uint64_t claim;
    atomic_int done;             /* chunks finished in the current job */
    atomic_int busy;             /* a job is running (nested calls go serial) */
    pthread_mutex_t job_mu;      /* one job at a time across callers */
};

#define CLAIM_GEN(v) ((v) >> 40)
#define CLAIM_N(v) (((v) >> 20) & 0xfffffu)
#define CLAIM_I(v) ((v) & 0xfffffu)

static void run_chunks(oct_pool *p, int tid, unsigned long gen)
{
    uint64_t want = (uint64_t)gen & 0xffffffu;
    for (;;) {
        uint64_t v = atomic_load(&p->claim);
        int c;
        for (;;) {
            if (CLAIM_GEN(v) != want || CLAIM_I(v) >= CLAIM_N(v)) return;
            if (atomic_compare_exchange_weak(&p->claim, &v, v + 1)) break;
        }
        c = (int)CLAIM_I(v);
        int64_t b = (int64_t)c * p->chunk;
        int64_t e = b + p->chunk;
        if (e > p->total) e = p->total;
        p->fn(p->ctx, b, e, tid);
        if (atomic_fetch_add(&p->done, 1) + 1 == (int)CLAIM_N(v)) {
            pthread_mutex_lock(&p->mu);
            pthread_cond_signal(&p->cv_done);
            pthread_mutex_unlock(&p->mu);
        }
    }
}

struct worker_arg { oct_pool *p; int tid; };

static void *worker(void *arg)
{
    struct worker_arg *wa = arg;
    oct_pool *p = wa->p;
    int tid = wa->tid;
    free(wa);
    unsigned long seen = 0;
    for (;;) {
        /* brief spin before sleeping: per-node jobs come in quick succession */
        for (int spin = 0; spin < 20000; spin++) {
            if (__atomic_load_n(&p->gen, __ATOMIC_ACQUIRE) != seen || __atomic_load_n(&p->stop, __ATOMIC_ACQUIRE)) break;
#if defined(__x86_64__) || defined(__i386__)
            __builtin_ia32_pause();
#endif
        }
        pthread_mutex_lock(&p->mu);
        while (p->gen == seen && !p->stop) pthread_cond_wait(&p->cv_work, &p->mu);
        if (p->stop) { pthread_mutex_unlock(&p->mu); return NULL; }
        seen = p->gen;
        pthread_mutex_unlock(&p->mu);
        run_chunks(p, tid, seen);
    }
}

oct_pool *oct_pool_new(int n_threads)
{
    if (n_threads <= 0) {
        long c = sysconf(_SC_NPROCESSORS_ONLN);
        n_threads = c > 0 ? (int)c : 1;
    }
    oct_pool *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->n = n_threads;
    pthread_mutex_init(&p->mu, NULL);
    pthread_mutex_init(&p->job_mu, NULL);
    pthread_cond_init(&p->cv_work, NULL);
    pthread_cond_init(&p->cv_done, NULL);
    if (n_threads > 1) {
        p->thr = calloc((size_t)n_threads - 1, sizeof *p->thr);
        if (!p->thr) { free(p); return NULL; }
        for (int i = 1; i < n_threads; i++) {
            struct worker_arg *wa = malloc(sizeof *wa);
            if (!wa) { p->n = i; break; }
            wa->p = p;
            wa->tid = i;
            if (pthread_create(&p->thr[i - 1], NULL, worker, wa) != 0) {
                free(wa);
                p->n = i;
                break;
            }
        }
    }
    return p;
}

void oct_pool_free(oct_pool *p)
{
    if (!p) return;
    pthread_mutex_lock(&p->mu);
    __atomic_store_n(&p->stop, 1, __ATOMIC_RELEASE);
    pthread_cond_broadcast(&p->cv_work);
    pthread_mutex_unlock(&p->mu);
    for (int i = 1; i < p->n; i++) pthread_join(p->thr[i - 1], NULL);
    free(p->thr);
    pthread_mutex_destroy(&p->mu);
    pthread_mutex_destroy(&p->job_mu);
    pthread_cond_destroy(&p->cv_work);
    pthread_cond_destroy(&p->cv_done);
    free(p);
}

int oct_pool_size(const oct_pool *p) { return p ? p->n : 1; }

void oct_pool_for(oct_pool *p, int64_t n, int64_t grain, oct_range_fn fn, void *ctx)
{
    if (n <= 0) return;
    if (grain < 1) grain = 1;
    int64_t max_chunks = (n + grain - 1) / grain;
    if (!p || p->n == 1 || max_chunks == 1 || atomic_load(&p->busy)) {
        fn(ctx, 0, n, 0);
        return;
    }
    pthread_mutex_lock(&p->job_mu);
    atomic_store(&p->busy, 1);
    int nc = p->n < max_chunks ? p->n : (int)max_chunks;
    p->fn = fn;
    p->ctx = ctx;
    p->total = n;
    p->chunk = (n + nc - 1) / nc;
    p->n_chunks = (int)((n + p->chunk - 1) / p->chunk);
    atomic_store(&p->done, 0);
    unsigned long gen = p->gen + 1;
    /* publish: from here on workers of this generation may claim chunks */
    atomic_store(&p->claim, (((uint64_t)gen & 0xffffffu) << 40) | ((uint64_t)p->n_chunks << 20));
    pthread_mutex_lock(&p->mu);
    __atomic_store_n(&p->gen, gen, __ATOMIC_RELEASE);
    pthread_cond_broadcast(&p->cv_work);
    pthread_mutex_unlock(&p->mu);
    run_chunks(p, 0, gen);
    /* wait for the others: spin a little, then sleep */
    for (int spin = 0; spin < 200000 && atomic_load(&p->done) < p->n_chunks; spin++) {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
    }
    pthread_mutex_lock(&p->mu);
    while (atomic_load(&p->done) < p->n_chunks) pthread_cond_wait(&p->cv_done, &p->mu);
    pthread_mutex_unlock(&p->mu);
    atomic_store(&p->busy, 0);
    pthread_mutex_unlock(&p->job_mu);
}
