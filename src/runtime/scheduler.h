/* octet — the per-model scheduler: a request queue, a dynamic batcher and one
 * worker thread per session instance (Triton's dynamic batcher, in small).
 *
 * A job carries its inputs (dimension 0 is the batch; a model without a batch
 * dimension takes one job at a time), an optional deadline and a completion
 * callback. Workers take jobs from the queue in order, concatenating them
 * along dimension 0 up to max_batch: a worker dispatches as soon as the queued
 * jobs fill max_batch or reach the largest preferred size, otherwise when the
 * oldest job has waited max_delay_us. With preferred sizes, the batch taken is
 * the longest prefix whose size is a preferred size (when one is reachable).
 * The outputs are split back per job along dimension 0.
 *
 * Deadlines are enforced here: a job whose deadline has passed when a worker
 * reaches it completes with OCT_E_TIMEOUT and does not run (waiting workers
 * also wake for the earliest deadline). A job whose client has gone (the
 * gone() callback) completes with OCT_E_INVALID without running. Stopping
 * the scheduler refuses new jobs; queued jobs either run (drain) or fail with
 * OCT_E_BUSY; every job's done() is called exactly once. */
#ifndef OCT_RUNTIME_SCHEDULER_H
#define OCT_RUNTIME_SCHEDULER_H

#include <stdint.h>

#include "runtime/session.h"

#define OCT_JOB_MAX_IO 16

typedef struct oct_job oct_job;

struct oct_job {
    /* set by the submitter */
    int n_in;
    oct_tensor *in[OCT_JOB_MAX_IO]; /* owned by the job's submitter; batch on dimension 0 */
    int64_t deadline_ns;            /* absolute, oct_sched_now_ns(); 0: none */
    void (*done)(oct_job *j);       /* called once, from a worker (or submit / stop) */
    int (*gone)(oct_job *j);        /* optional: 1 if nobody waits for the answer any more */
    void *ctx;
    /* set by the scheduler before done() */
    oct_status status;
    char err[512];
    int n_out;
    oct_tensor *out[OCT_JOB_MAX_IO]; /* new tensors the submitter frees */
    int64_t t_submit_ns, t_start_ns, t_end_ns; /* queued, batch started, batch finished */
    int batch_size;                  /* the size of the batch the job ran in */
    /* scheduler's */
    int64_t rows;
    oct_job *next;
};

typedef struct oct_sched_opts {
    int max_batch;         /* rows per batch; <= 1: no batching (one job at a time) */
    int64_t max_delay_us;  /* the longest the oldest job waits for a fuller batch */
    int n_preferred;
    const int *preferred;  /* ascending */
    int max_queue;         /* jobs waiting; beyond it submit answers OCT_E_BUSY */
    int batch_dim;         /* 1: dimension 0 is the batch (concatenate); 0: never batch */
    /* optional: called after every batch ran, before its jobs' done() (from the worker) */
    void (*on_batch)(void *ctx, int rows, int jobs, int64_t compute_ns, oct_status st);
    void *ctx;
} oct_sched_opts;

typedef struct oct_sched oct_sched;

/* One worker per session (not owned; each used by one worker only). */
oct_status oct_sched_new(oct_session *const *sessions, int n_sessions, const oct_sched_opts *o, oct_sched **out);
/* Queue j (its rows are in[0]->dims[0], or 1 without a batch dimension).
 * OCT_E_BUSY when the queue is full or the scheduler stopped (done() is not
 * called then; the caller answers). */
oct_status oct_sched_submit(oct_sched *s, oct_job *j);
/* Refuse new jobs; drain = 1 runs what is queued, 0 fails it (OCT_E_BUSY);
 * returns when the workers have finished. */
void oct_sched_stop(oct_sched *s, int drain);
void oct_sched_free(oct_sched *s); /* stops (drain 0) first if needed */
int oct_sched_queue_depth(oct_sched *s);

int64_t oct_sched_now_ns(void);

#endif
