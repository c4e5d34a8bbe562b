#include "backend/cpu/par.h"

#include <stdatomic.h>

typedef struct par_job {
    atomic_llong next;
    int64_t n;
    oct_unit_fn fn;
    void *ctx;
} par_job;

static void drain(void *ctx, int64_t b, int64_t e, int tid)
{
    (void)b, (void)e, (void)tid;
    par_job *j = ctx;
    for (;;) {
        int64_t u = (int64_t)atomic_fetch_add(&j->next, 1);
        if (u >= j->n) break;
        j->fn(j->ctx, u);
    }
}

void oct_par_units(oct_pool *pool, int64_t n, oct_unit_fn fn, void *ctx)
{
    if (n <= 0) return;
    int T = oct_pool_size(pool);
    if (T <= 1 || n == 1) {
        for (int64_t u = 0; u < n; u++) fn(ctx, u);
        return;
    }
    par_job j;
    atomic_init(&j.next, 0);
    j.n = n;
    j.fn = fn;
    j.ctx = ctx;
    oct_pool_for(pool, T < n ? T : n, 1, drain, &j);
}
