/* Broadcast iteration: merge dims, then walk runs of the innermost dim. */
#include "ops/broadcast.h"

#include <stddef.h>

oct_status oct_bcast_shape(int n, const oct_tensor *const *in, int *rank, int64_t *dims)
{
    int r = 0;
    int64_t d[OCT_MAX_RANK];
    for (int k = 0; k < n; k++) {
        if (!in[k]) continue;
        int64_t tmp[OCT_MAX_RANK];
        int rt;
        OCT_TRY(oct_shape_broadcast(r, d, in[k]->rank, in[k]->dims, &rt, tmp));
        r = rt;
        for (int i = 0; i < r; i++) d[i] = tmp[i];
    }
    *rank = r;
    for (int i = 0; i < r; i++) dims[i] = d[i];
    return OCT_OK;
}

typedef struct bplan {
    int rank;                                   /* merged rank, >= 1 */
    int n_in;
    int64_t dims[OCT_MAX_RANK];
    int64_t st[OCT_BCAST_MAX_IN][OCT_MAX_RANK]; /* element strides, 0 = broadcast */
    int s[OCT_BCAST_MAX_IN];                    /* innermost stride (0/1) */
    const char *x[OCT_BCAST_MAX_IN];
    size_t esz[OCT_BCAST_MAX_IN];
    char *y;
    size_t yesz;
    oct_bcast_fn fn;
    void *ctx;
} bplan;

static void bplan_range(void *vp, int64_t b, int64_t e, int tid)
{
    (void)tid;
    const bplan *p = vp;
    int r = p->rank;
    int64_t inner = p->dims[r - 1];
    int64_t row = b / inner, col = b % inner;
    int64_t idx[OCT_MAX_RANK];
    int64_t base[OCT_BCAST_MAX_IN]; /* offset of the current row's first element */
    for (int k = 0; k < p->n_in; k++) base[k] = 0;
    for (int d = r - 2; d >= 0; d--) {
        idx[d] = row % p->dims[d];
        row /= p->dims[d];
        for (int k = 0; k < p->n_in; k++) base[k] += idx[d] * p->st[k][d];
    }
    const void *xp[OCT_BCAST_MAX_IN];
    int64_t pos = b;
    for (;;) {
        int64_t len = inner - col;
        if (len > e - pos) len = e - pos;
        for (int k = 0; k < p->n_in; k++)
            xp[k] = p->x[k] + (size_t)(base[k] + col * p->st[k][r - 1]) * p->esz[k];
        p->fn(p->ctx, p->y + (size_t)pos * p->yesz, xp, p->s, len);
        pos += len;
        if (pos >= e) break;
        col = 0;
        for (int d = r - 2; d >= 0; d--) { /* odometer over the outer dims */
            idx[d]++;
            for (int k = 0; k < p->n_in; k++) base[k] += p->st[k][d];
            if (idx[d] < p->dims[d]) break;
            idx[d] = 0;
            for (int k = 0; k < p->n_in; k++) base[k] -= p->dims[d] * p->st[k][d];
        }
    }
}

void oct_bcast_run_raw(oct_pool *pool, int n_in, const void *const *in_data, const int *in_rank,
                       const int64_t *const *in_dims, const size_t *in_esz, void *y, int rank,
                       const int64_t *dims, size_t y_esz, oct_bcast_fn fn, void *ctx)
{
    int64_t total = oct_shape_numel(rank, dims);
    if (total <= 0 || n_in < 1 || n_in > OCT_BCAST_MAX_IN || rank > OCT_MAX_RANK) return;
    bplan p;
    p.n_in = n_in;
    p.y = y;
    p.yesz = y_esz;
    p.fn = fn;
    p.ctx = ctx;
    /* strides in output coordinates, dropping output dims of size 1 */
    int r = 0;
    for (int d = 0; d < rank; d++) {
        if (dims[d] == 1) continue;
        p.dims[r] = dims[d];
        for (int k = 0; k < n_in; k++) {
            int kd = d - (rank - in_rank[k]);
            int64_t st = 0;
            if (kd >= 0 && in_dims[k][kd] != 1) {
                st = 1;
                for (int j = kd + 1; j < in_rank[k]; j++) st *= in_dims[k][j];
            }
            p.st[k][r] = st;
        }
        r++;
    }
    if (r == 0) { /* a single element */
        p.dims[0] = 1;
        for (int k = 0; k < n_in; k++) p.st[k][0] = 0;
        r = 1;
    }
    /* merge dim i into i+1 when every input is contiguous (or broadcast) across them */
    int m = 0;
    for (int d = 1; d < r; d++) {
        int ok = 1;
        for (int k = 0; k < n_in && ok; k++)
            ok = p.st[k][m] == p.st[k][d] * p.dims[d];
        if (ok) {
            p.dims[m] *= p.dims[d];
            for (int k = 0; k < n_in; k++) p.st[k][m] = p.st[k][d];
        } else {
            m++;
            p.dims[m] = p.dims[d];
            for (int k = 0; k < n_in; k++) p.st[k][m] = p.st[k][d];
        }
    }
    p.rank = m + 1;
    for (int k = 0; k < n_in; k++) {
        p.x[k] = in_data[k];
        p.esz[k] = in_esz[k];
        p.s[k] = p.st[k][p.rank - 1] != 0;
    }
    oct_pool_for(pool, total, OCT_EW_GRAIN, bplan_range, &p);
}

void oct_bcast_run(oct_pool *pool, int n_in, const oct_tensor *const *in, oct_tensor *out,
                   oct_bcast_fn fn, void *ctx)
{
    const void *data[OCT_BCAST_MAX_IN];
    int rk[OCT_BCAST_MAX_IN];
    const int64_t *dm[OCT_BCAST_MAX_IN];
    size_t es[OCT_BCAST_MAX_IN];
    if (n_in < 1 || n_in > OCT_BCAST_MAX_IN) return;
    for (int k = 0; k < n_in; k++) {
        data[k] = in[k]->data;
        rk[k] = in[k]->rank;
        dm[k] = in[k]->dims;
        es[k] = oct_dtype_size(in[k]->dtype);
    }
    oct_bcast_run_raw(pool, n_in, data, rk, dm, es, out->data, out->rank, out->dims,
                      oct_dtype_size(out->dtype), fn, ctx);
}
