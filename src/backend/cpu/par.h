/* octet — dynamic work distribution over the pool for the CPU kernels.
 * oct_pool_for hands out at most one contiguous chunk per thread; when a
 * thread is descheduled (a busy machine) its whole chunk waits. Here every
 * thread takes units one at a time from a shared counter until none are
 * left, so a late thread simply finds less to do. */
#ifndef OCT_BACKEND_CPU_PAR_H
#define OCT_BACKEND_CPU_PAR_H

#include <stdint.h>

#include "core/pool.h"

typedef void (*oct_unit_fn)(void *ctx, int64_t unit);

/* Run fn(ctx, u) for every u in [0, n), spread over the pool (may be NULL). */
void oct_par_units(oct_pool *pool, int64_t n, oct_unit_fn fn, void *ctx);

#endif
