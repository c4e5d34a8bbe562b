/* octet — a small fixed thread pool with a parallel-for.
 * The calling thread takes part; pool may be NULL (serial). */
#ifndef OCT_CORE_POOL_H
#define OCT_CORE_POOL_H

#include <stdint.h>

typedef struct oct_pool oct_pool;

/* fn runs on [begin, end) of the range; tid in [0, n_threads). */
typedef void (*oct_range_fn)(void *ctx, int64_t begin, int64_t end, int tid);

/* n_threads <= 0: number of online CPUs. NULL on failure. */
oct_pool *oct_pool_new(int n_threads);
void oct_pool_free(oct_pool *p);
int oct_pool_size(const oct_pool *p); /* 1 for NULL */

/* Split [0, n) in at most size(p) contiguous chunks of at least `grain`
 * items each and run them in parallel; returns when all are done.
 * Not reentrant: a nested call from inside fn runs serially. */
void oct_pool_for(oct_pool *p, int64_t n, int64_t grain, oct_range_fn fn, void *ctx);

#endif
