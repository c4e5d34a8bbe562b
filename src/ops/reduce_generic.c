/* octet — reductions over contiguous rows for any numeric dtype: floats
 * accumulate in double, integers in int64 (wrapping) except for the kinds
 * that need logs or roots. Correct rather than fast: f32 has its own kernels. */
#include <math.h>

#include "ops/reduce_kern.h"
#include "ops/shape_util.h"

static double row_double(oct_reduce_kind k, oct_dtype dt, const void *x, size_t b, int64_t n)
{
    double acc = 0.0;
    if (k == OCT_RED_MAX || k == OCT_RED_LOGSUMEXP) acc = -INFINITY;
    else if (k == OCT_RED_MIN) acc = INFINITY;
    else if (k == OCT_RED_PROD) acc = 1.0;
    for (int64_t i = 0; i < n; i++) {
        double v = oct_dtype_get(dt, x, b + (size_t)i);
        switch (k) {
        case OCT_RED_SUM: case OCT_RED_MEAN: case OCT_RED_LOGSUM: acc += v; break;
        case OCT_RED_L1: acc += fabs(v); break;
        case OCT_RED_L2: case OCT_RED_SUMSQ: acc += v * v; break;
        case OCT_RED_PROD: acc *= v; break;
        case OCT_RED_MAX: case OCT_RED_LOGSUMEXP: acc = (v > acc || v != v) ? v : acc; break;
        case OCT_RED_MIN: acc = (v < acc || v != v) ? v : acc; break;
        }
    }
    switch (k) {
    case OCT_RED_MEAN: return n ? acc / (double)n : NAN;
    case OCT_RED_L2: return sqrt(acc);
    case OCT_RED_LOGSUM: return log(acc);
    case OCT_RED_LOGSUMEXP: {
        if (!isfinite(acc)) return acc;
        double s = 0.0;
        for (int64_t i = 0; i < n; i++) s += exp(oct_dtype_get(dt, x, b + (size_t)i) - acc);
        return acc + log(s);
    }
    default: return acc;
    }
}

static int64_t row_int(oct_reduce_kind k, oct_dtype dt, const void *x, size_t b, int64_t n)
{
    uint64_t acc = 0; /* unsigned: overflow wraps */
    int64_t m = k == OCT_RED_MAX ? INT64_MIN : INT64_MAX;
    if (k == OCT_RED_PROD) acc = 1;
    for (int64_t i = 0; i < n; i++) {
        int64_t v = oct_ops_get_i64(dt, x, b + (size_t)i);
        switch (k) {
        case OCT_RED_SUM: case OCT_RED_MEAN: acc += (uint64_t)v; break;
        case OCT_RED_L1: acc += (uint64_t)(v < 0 ? 0 - (uint64_t)v : (uint64_t)v); break;
        case OCT_RED_SUMSQ: acc += (uint64_t)v * (uint64_t)v; break;
        case OCT_RED_PROD: acc *= (uint64_t)v; break;
        case OCT_RED_MAX: m = v > m ? v : m; break;
        case OCT_RED_MIN: m = v < m ? v : m; break;
        default: break;
        }
    }
    if (k == OCT_RED_MAX || k == OCT_RED_MIN) return m;
    if (k == OCT_RED_MEAN) return n ? (int64_t)acc / n : 0;
    return (int64_t)acc;
}

void oct_reduce_generic_inner(oct_reduce_kind k, oct_dtype dt, const void *x, void *y, int64_t rows, int64_t r)
{
    int ints = oct_ops_dtype_is_int(dt) && k != OCT_RED_L2 && k != OCT_RED_LOGSUM && k != OCT_RED_LOGSUMEXP;
    for (int64_t o = 0; o < rows; o++) {
        if (ints) oct_ops_set_i64(dt, y, (size_t)o, row_int(k, dt, x, (size_t)(o * r), r));
        else oct_dtype_set(dt, y, (size_t)o, row_double(k, dt, x, (size_t)(o * r), r));
    }
}
