/* octet — reduction kernels shared by the Reduce* ops (reduce.c). */
#ifndef OCT_OPS_REDUCE_KERN_H
#define OCT_OPS_REDUCE_KERN_H

#include <stdint.h>

#include "core/pool.h"
#include "core/dtype.h"

typedef enum oct_reduce_kind {
    OCT_RED_SUM,
    OCT_RED_MEAN,
    OCT_RED_MAX,
    OCT_RED_MIN,
    OCT_RED_PROD,
    OCT_RED_L1,
    OCT_RED_L2,
    OCT_RED_LOGSUM,
    OCT_RED_LOGSUMEXP,
    OCT_RED_SUMSQ
} oct_reduce_kind;

/* y[o] = reduce(x[o*r .. o*r + r)) for o in [0, rows). f32, threaded. */
void oct_reduce_f32_inner(oct_reduce_kind k, const float *x, float *y, int64_t rows, int64_t r, oct_pool *pool);
/* y[a, b] = reduce over i of x[a, i, b]; x is [na, r, nb]. f32, threaded. */
void oct_reduce_f32_middle(oct_reduce_kind k, const float *x, float *y, int64_t na, int64_t r, int64_t nb,
                           oct_pool *pool);
/* Like oct_reduce_f32_inner for any numeric dtype (double or int64 accumulation). */
void oct_reduce_generic_inner(oct_reduce_kind k, oct_dtype dt, const void *x, void *y, int64_t rows, int64_t r);

#endif
