/* octet — work distribution for convolution over a batch: home ranges with
 * stealing (see conv.h, oct_conv_par_units). */
#include <stdatomic.h>

#include "backend/cpu/conv.h"
#include "backend/cpu/par.h"

#define MAX_HOMES 64

typedef struct sched {
    _Atomic uint64_t rng[MAX_HOMES]; /* (back << 32) | front of each home range */
    int T, rev;
    oct_unit_fn fn;
    void *ctx;
} sched;

/* Take one unit from the front or the back of a range. */
static int claim(_Atomic uint64_t *r, int front, int64_t *u)
{
    uint64_t v = atomic_load(r);
    for (;;) {
        uint32_t f = (uint32_t)v, b = (uint32_t)(v >> 32);
        if (f >= b) return 0;
        uint64_t nv = front ? ((uint64_t)b << 32) | (f + 1u) : ((uint64_t)(b - 1u) << 32) | f;
        if (atomic_compare_exchange_weak(r, &v, nv)) {
            *u = front ? (int64_t)f : (int64_t)b - 1;
            return 1;
        }
    }
}

static void worker(void *ctx, int64_t b, int64_t e, int tid)
{
    (void)b, (void)e;
    sched *s = ctx;
    int64_t u;
    int home = tid % s->T;
    /* own range in this call's direction, then the others' from their far end */
    while (claim(&s->rng[home], !s->rev, &u)) s->fn(s->ctx, u);
    for (int k = 1; k < s->T; k++) {
        int o = (home + k) % s->T;
        while (claim(&s->rng[o], s->rev, &u)) s->fn(s->ctx, u);
    }
}

void oct_conv_par_units(oct_pool *pool, int64_t n, int rev, oct_unit_fn fn, void *ctx)
{
    int T = oct_pool_size(pool);
    if (T > n) T = (int)n;
    if (T <= 1 || T > MAX_HOMES || n >= ((int64_t)1 << 31)) {
        oct_par_units(pool, n, fn, ctx);
        return;
    }
    sched s;
    s.T = T;
    s.rev = rev;
    s.fn = fn;
    s.ctx = ctx;
    for (int t = 0; t < T; t++) {
        uint64_t f = (uint64_t)(n * t / T), b = (uint64_t)(n * (t + 1) / T);
        atomic_init(&s.rng[t], (b << 32) | f);
    }
    oct_pool_for(pool, T, 1, worker, &s);
}
