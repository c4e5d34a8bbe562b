/* GatherND (opset 11; batch_dims from 12): indices [..., k] pick slices
 * data[b..., i_0, ..., i_{k-1}, :]; out shape = indices.shape[:-1] +
 * data.shape[batch_dims + k:]. Any data dtype, i64 (or i32) indices, negative
 * indices count from the end. */
#include <string.h>

#include "ops/ew_util.h"
#include "ops/shape_util.h"

typedef struct gnd_geom {
    int b, k;
    int64_t batches;   /* prod(data.shape[:b]) */
    int64_t per_batch; /* index tuples per batch: prod(indices.shape[b:-1]) */
    int64_t slice;     /* elements per gathered slice: prod(data.shape[b+k:]) */
    int64_t bstride;   /* elements per batch of data: prod(data.shape[b:]) */
} gnd_geom;

static oct_status gnd_geometry(const oct_node *n, const oct_tensor *x, const oct_tensor *ix, gnd_geom *g,
                               int *orank, int64_t *odims)
{
    if (ix->dtype != OCT_DT_I64 && ix->dtype != OCT_DT_I32)
        return oct_err(OCT_E_DTYPE, "GatherND: indices must be int64 (or int32), got %s", oct_dtype_name(ix->dtype));
    if (x->rank < 1 || ix->rank < 1)
        return oct_err(OCT_E_SHAPE, "GatherND: data (rank %d) and indices (rank %d) must have rank >= 1", x->rank,
                       ix->rank);
    int64_t b = n->opset >= 12 ? oct_attr_int(n, "batch_dims", 0) : 0;
    if (b < 0 || b >= x->rank || b >= ix->rank)
        return oct_err(OCT_E_INVALID, "GatherND: batch_dims %lld must be in [0, min(rank(data), rank(indices)) = %d)",
                       (long long)b, x->rank < ix->rank ? x->rank : ix->rank);
    int64_t k = ix->dims[ix->rank - 1];
    if (k < 1 || k > x->rank - b)
        return oct_err(OCT_E_SHAPE, "GatherND: indices.shape[-1] = %lld must be in [1, rank(data) - batch_dims = %lld]",
                       (long long)k, (long long)(x->rank - b));
    for (int i = 0; i < b; i++)
        if (x->dims[i] != ix->dims[i])
            return oct_err(OCT_E_SHAPE, "GatherND: batch dim %d differs: data %lld, indices %lld", i,
                           (long long)x->dims[i], (long long)ix->dims[i]);
    int r = ix->rank - 1 + x->rank - (int)b - (int)k;
    if (r > OCT_MAX_RANK)
        return oct_err(OCT_E_UNSUPPORTED, "GatherND: output rank %d exceeds the maximum %d", r, OCT_MAX_RANK);
    g->b = (int)b;
    g->k = (int)k;
    g->batches = oct_shape_numel((int)b, x->dims);
    g->per_batch = oct_shape_numel(ix->rank - 1 - (int)b, ix->dims + b);
    g->slice = oct_shape_numel(x->rank - (int)(b + k), x->dims + b + k);
    g->bstride = oct_shape_numel(x->rank - (int)b, x->dims + b);
    int m = 0;
    for (int i = 0; i < ix->rank - 1; i++) odims[m++] = ix->dims[i];
    for (int i = (int)(b + k); i < x->rank; i++) odims[m++] = x->dims[i];
    *orank = m;
    return OCT_OK;
}

static oct_status gnd_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    OCT_TRY(oct_op_check_arity(n, in, 2, 2, 2));
    OCT_TRY(oct_ops_check_storable(n, in[0]->dtype));
    gnd_geom g;
    int r;
    int64_t d[OCT_MAX_RANK];
    OCT_TRY(gnd_geometry(n, in[0], in[1], &g, &r, d));
    return oct_out_shape(out[0], in[0]->dtype, r, d);
}

static oct_status gnd_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                              const oct_exec *ex)
{
    (void)ex;
    const oct_tensor *x = in[0], *ix = in[1];
    gnd_geom g;
    int r;
    int64_t d[OCT_MAX_RANK], xs[OCT_MAX_RANK];
    OCT_TRY(gnd_geometry(n, x, ix, &g, &r, d));
    oct_shape_strides(x->rank, x->dims, xs);
    size_t es = oct_dtype_size(x->dtype), row = (size_t)g.slice * es;
    const char *src = x->data;
    char *dst = out[0]->data;
    for (int64_t bi = 0; bi < g.batches; bi++)
        for (int64_t j = 0; j < g.per_batch; j++) {
            int64_t t = bi * g.per_batch + j, off = bi * g.bstride;
            for (int m = 0; m < g.k; m++) {
                int64_t pos = t * g.k + m, dim = x->dims[g.b + m];
                int64_t v = oct_ew_get_i64(ix->dtype, ix->data, (size_t)pos), w = v < 0 ? v + dim : v;
                if (w < 0 || w >= dim)
                    return oct_err(OCT_E_INVALID,
                                   "GatherND: index %lld (at position %lld) is out of range for data dim %d of size %lld",
                                   (long long)v, (long long)pos, g.b + m, (long long)dim);
                off += w * xs[g.b + m];
            }
            if (row) memcpy(dst + (size_t)t * row, src + (size_t)off * es, row);
        }
    return OCT_OK;
}

const oct_op_impl oct_op_GatherND = {
    .infer = gnd_infer,
    .compute = gnd_compute,
};
