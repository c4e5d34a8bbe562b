#include "ops/matmul_geom.h"

#include <string.h>

oct_status oct_mm_geometry(const char *op, const oct_tensor *A, const oct_tensor *B, oct_mm_geom *g)
{
    memset(g, 0, sizeof *g);
    int ra = A->rank, rb = B->rank;
    if (ra < 1 || rb < 1) return oct_err(OCT_E_SHAPE, "%s: operands must have rank >= 1", op);
    g->M = ra == 1 ? 1 : A->dims[ra - 2];
    g->K = A->dims[ra - 1];
    int64_t kb = rb == 1 ? B->dims[0] : B->dims[rb - 2];
    g->N = rb == 1 ? 1 : B->dims[rb - 1];
    if (g->K != kb)
        return oct_err(OCT_E_SHAPE, "%s: inner dimensions differ (%lld vs %lld)", op, (long long)g->K, (long long)kb);
    int na = ra > 2 ? ra - 2 : 0, nbb = rb > 2 ? rb - 2 : 0;
    g->nb = na > nbb ? na : nbb;
    int64_t stride_a = g->M * g->K, stride_b = g->K * g->N;
    g->batch = 1;
    g->b_flat = 1;
    for (int i = g->nb - 1; i >= 0; i--) {
        int ia = i - (g->nb - na), ib = i - (g->nb - nbb);
        int64_t da = ia >= 0 ? A->dims[ia] : 1, db = ib >= 0 ? B->dims[ib] : 1;
        if (da != db && da != 1 && db != 1)
            return oct_err(OCT_E_SHAPE, "%s: batch dimensions %lld and %lld do not broadcast", op, (long long)da,
                           (long long)db);
        g->bdims[i] = da > db ? da : db;
        if (da == 0 || db == 0) g->bdims[i] = 0;
        g->sa[i] = da == 1 ? 0 : stride_a;
        g->sb[i] = db == 1 ? 0 : stride_b;
        if (db != 1) g->b_flat = 0;
        stride_a *= da;
        stride_b *= db;
        g->batch *= g->bdims[i];
    }
    int r = 0;
    for (int i = 0; i < g->nb; i++) g->out[r++] = g->bdims[i];
    if (ra > 1) g->out[r++] = g->M;
    if (rb > 1) g->out[r++] = g->N;
    g->out_rank = r;
    return OCT_OK;
}

void oct_mm_batch_offsets(const oct_mm_geom *g, int64_t idx, int64_t *oa, int64_t *ob)
{
    *oa = *ob = 0;
    for (int i = g->nb - 1; i >= 0; i--) {
        int64_t c = idx % g->bdims[i];
        idx /= g->bdims[i];
        *oa += c * g->sa[i];
        *ob += c * g->sb[i];
    }
}
