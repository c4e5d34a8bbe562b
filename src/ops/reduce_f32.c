/* octet — f32 reduction kernels: contiguous rows (inner) and [A, R, B]
 * (middle) layouts, threaded over the output. Partial sums use 8 independent
 * lanes so the compiler vectorises them. */
#include <math.h>
#include <string.h>

#include "ops/reduce_kern.h"

#define LANES 8
#define BLK 256

static float row_sum(const float *x, int64_t n, int mode) /* 0: x, 1: |x|, 2: x^2 */
{
    float acc[LANES] = {0};
    int64_t i = 0;
    if (mode == 0)
        for (; i + LANES <= n; i += LANES)
            for (int l = 0; l < LANES; l++) acc[l] += x[i + l];
    else if (mode == 1)
        for (; i + LANES <= n; i += LANES)
            for (int l = 0; l < LANES; l++) acc[l] += fabsf(x[i + l]);
    else
        for (; i + LANES <= n; i += LANES)
            for (int l = 0; l < LANES; l++) acc[l] += x[i + l] * x[i + l];
    float s = 0.f;
    for (int l = 0; l < LANES; l++) s += acc[l];
    for (; i < n; i++) s += mode == 0 ? x[i] : mode == 1 ? fabsf(x[i]) : x[i] * x[i];
    return s;
}

static float row_max(const float *x, int64_t n, int is_min)
{
    float m[LANES];
    int nan[LANES] = {0};
    for (int l = 0; l < LANES; l++) m[l] = is_min ? INFINITY : -INFINITY;
    int64_t i = 0;
    if (is_min)
        for (; i + LANES <= n; i += LANES)
            for (int l = 0; l < LANES; l++) {
                float v = x[i + l];
                nan[l] |= v != v;
                m[l] = v < m[l] ? v : m[l];
            }
    else
        for (; i + LANES <= n; i += LANES)
            for (int l = 0; l < LANES; l++) {
                float v = x[i + l];
                nan[l] |= v != v;
                m[l] = v > m[l] ? v : m[l];
            }
    float r = m[0];
    int any_nan = nan[0];
    for (int l = 1; l < LANES; l++) {
        r = is_min ? (m[l] < r ? m[l] : r) : (m[l] > r ? m[l] : r);
        any_nan |= nan[l];
    }
    for (; i < n; i++) {
        float v = x[i];
        any_nan |= v != v;
        r = is_min ? (v < r ? v : r) : (v > r ? v : r);
    }
    return any_nan ? NAN : r; /* NaN propagates */
}

static float row_reduce(oct_reduce_kind k, const float *x, int64_t n)
{
    switch (k) {
    case OCT_RED_SUM: return row_sum(x, n, 0);
    case OCT_RED_MEAN: return n ? row_sum(x, n, 0) / (float)n : NAN;
    case OCT_RED_MAX: return row_max(x, n, 0);
    case OCT_RED_MIN: return row_max(x, n, 1);
    case OCT_RED_PROD: {
        float p = 1.f;
        for (int64_t i = 0; i < n; i++) p *= x[i];
        return p;
    }
    case OCT_RED_L1: return row_sum(x, n, 1);
    case OCT_RED_L2: return sqrtf(row_sum(x, n, 2));
    case OCT_RED_LOGSUM: return logf(row_sum(x, n, 0));
    case OCT_RED_SUMSQ: return row_sum(x, n, 2);
    case OCT_RED_LOGSUMEXP: {
        float m = row_max(x, n, 0);
        if (!isfinite(m)) return n ? m : -INFINITY;
        float s = 0.f;
        for (int64_t i = 0; i < n; i++) s += expf(x[i] - m);
        return m + logf(s);
    }
    }
    return 0.f;
}

typedef struct {
    oct_reduce_kind k;
    const float *x;
    float *y;
    int64_t na, r, nb, nblk;
} red_ctx;

static void inner_range(void *vctx, int64_t b, int64_t e, int tid)
{
    (void)tid;
    const red_ctx *c = vctx;
    for (int64_t o = b; o < e; o++) c->y[o] = row_reduce(c->k, c->x + o * c->r, c->r);
}

void oct_reduce_f32_inner(oct_reduce_kind k, const float *x, float *y, int64_t rows, int64_t r, oct_pool *pool)
{
    red_ctx c = {k, x, y, rows, r, 1, 1};
    int64_t grain = (1 << 14) / (r ? r : 1);
    if (pool && rows * r >= (1 << 16) && rows > 1) oct_pool_for(pool, rows, grain > 0 ? grain : 1, inner_range, &c);
    else inner_range(&c, 0, rows, 0);
}

/* Run STMT for J over [0, nb) in fixed 8-wide chunks (vectorised at -O2). */
#define LANE_LOOP(STMT)                                                  \
    do {                                                                 \
        int64_t j_ = 0;                                                  \
        for (; j_ + LANES <= nb; j_ += LANES)                            \
            for (int l_ = 0; l_ < LANES; l_++) {                         \
                const int64_t J = j_ + l_;                               \
                STMT;                                                    \
            }                                                            \
        for (; j_ < nb; j_++) {                                          \
            const int64_t J = j_;                                        \
            STMT;                                                        \
        }                                                                \
    } while (0)

/* One (a, block of b) item of the middle layout. */
static void middle_item(const red_ctx *c, int64_t a, int64_t b0, int64_t nb)
{
    float acc[BLK], mx[BLK];
    const float *x = c->x + a * c->r * c->nb + b0;
    oct_reduce_kind k = c->k;
    float init = 0.f;
    if (k == OCT_RED_MAX || k == OCT_RED_LOGSUMEXP) init = -INFINITY;
    else if (k == OCT_RED_MIN) init = INFINITY;
    else if (k == OCT_RED_PROD) init = 1.f;
    for (int64_t j = 0; j < nb; j++) acc[j] = init;
    for (int64_t i = 0; i < c->r; i++) {
        const float *xr = x + i * c->nb;
        switch (k) {
        case OCT_RED_SUM: case OCT_RED_MEAN: case OCT_RED_LOGSUM: LANE_LOOP(acc[J] += xr[J]); break;
        case OCT_RED_L1: LANE_LOOP(acc[J] += fabsf(xr[J])); break;
        case OCT_RED_L2: case OCT_RED_SUMSQ: LANE_LOOP(acc[J] += xr[J] * xr[J]); break;
        case OCT_RED_PROD: LANE_LOOP(acc[J] *= xr[J]); break;
        case OCT_RED_MAX: case OCT_RED_LOGSUMEXP:
            LANE_LOOP(acc[J] = (xr[J] > acc[J] || xr[J] != xr[J]) ? xr[J] : acc[J]);
            break;
        case OCT_RED_MIN:
            LANE_LOOP(acc[J] = (xr[J] < acc[J] || xr[J] != xr[J]) ? xr[J] : acc[J]);
            break;
        }
    }
    if (k == OCT_RED_LOGSUMEXP) {
        memcpy(mx, acc, (size_t)nb * sizeof(float));
        for (int64_t j = 0; j < nb; j++) acc[j] = 0.f;
        for (int64_t i = 0; i < c->r; i++) {
            const float *xr = x + i * c->nb;
            for (int64_t j = 0; j < nb; j++)
                if (isfinite(mx[j])) acc[j] += expf(xr[j] - mx[j]);
        }
        for (int64_t j = 0; j < nb; j++) acc[j] = isfinite(mx[j]) ? mx[j] + logf(acc[j]) : mx[j];
    }
    float *y = c->y + a * c->nb + b0;
    for (int64_t j = 0; j < nb; j++) {
        float v = acc[j];
        if (k == OCT_RED_MEAN) v = c->r ? v / (float)c->r : NAN;
        else if (k == OCT_RED_L2) v = sqrtf(v);
        else if (k == OCT_RED_LOGSUM) v = logf(v);
        y[j] = v;
    }
}

static void middle_range(void *vctx, int64_t b, int64_t e, int tid)
{
    (void)tid;
    const red_ctx *c = vctx;
    for (int64_t it = b; it < e; it++) {
        int64_t a = it / c->nblk, b0 = (it % c->nblk) * BLK;
        int64_t nb = c->nb - b0 < BLK ? c->nb - b0 : BLK;
        middle_item(c, a, b0, nb);
    }
}

void oct_reduce_f32_middle(oct_reduce_kind k, const float *x, float *y, int64_t na, int64_t r, int64_t nb,
                           oct_pool *pool)
{
    red_ctx c = {k, x, y, na, r, nb, (nb + BLK - 1) / BLK};
    int64_t items = na * c.nblk;
    int64_t grain = (1 << 14) / (r > 0 ? r * BLK : 1);
    if (pool && na * r * nb >= (1 << 16) && items > 1) oct_pool_for(pool, items, grain > 0 ? grain : 1, middle_range, &c);
    else middle_range(&c, 0, items, 0);
}
