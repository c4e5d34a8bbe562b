/* Gather along `axis`: out = data[:axis] + indices.shape + data[axis+1:].
 * Any data dtype; i32/i64 indices, negative ones count from the end. */
#include <string.h>

#include "ops/shape_util.h"

static oct_status gather_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    OCT_TRY(oct_op_check_arity(n, in, 2, 2, 2));
    const oct_tensor *x = in[0], *ix = in[1];
    OCT_TRY(oct_ops_check_storable(n, x->dtype));
    if (ix->dtype != OCT_DT_I64 && ix->dtype != OCT_DT_I32)
        return oct_err(OCT_E_DTYPE, "Gather: indices must be int32/int64, got %s", oct_dtype_name(ix->dtype));
    if (x->rank == 0) return oct_err(OCT_E_INVALID, "Gather: data must have rank >= 1");
    int axis;
    OCT_TRY(oct_axis_norm(oct_attr_int(n, "axis", 0), x->rank, &axis));
    int r = x->rank - 1 + ix->rank;
    if (r > OCT_MAX_RANK)
        return oct_err(OCT_E_UNSUPPORTED, "Gather: output rank %d exceeds the maximum %d", r, OCT_MAX_RANK);
    int64_t d[OCT_MAX_RANK];
    int k = 0;
    for (int i = 0; i < axis; i++) d[k++] = x->dims[i];
    for (int i = 0; i < ix->rank; i++) d[k++] = ix->dims[i];
    for (int i = axis + 1; i < x->rank; i++) d[k++] = x->dims[i];
    return oct_out_shape(out[0], x->dtype, r, d);
}

typedef struct {
    const char *src;
    char *dst;
    const oct_tensor *ix;
    int64_t nidx, dim, row; /* row = bytes per index */
} gather_ctx;

static int64_t gather_index(const oct_tensor *ix, int64_t j, int64_t dim)
{
    int64_t v = ix->dtype == OCT_DT_I64 ? ((const int64_t *)ix->data)[j] : ((const int32_t *)ix->data)[j];
    return v < 0 ? v + dim : v;
}

static void gather_range(void *vctx, int64_t b, int64_t e, int tid)
{
    (void)tid;
    const gather_ctx *c = vctx;
    for (int64_t it = b; it < e; it++) {
        int64_t o = it / c->nidx, j = it % c->nidx;
        int64_t v = gather_index(c->ix, j, c->dim);
        memcpy(c->dst + it * c->row, c->src + (o * c->dim + v) * c->row, (size_t)c->row);
    }
}

static oct_status gather_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                                 const oct_exec *ex)
{
    const oct_tensor *x = in[0], *ix = in[1];
    int axis;
    OCT_TRY(oct_axis_norm(oct_attr_int(n, "axis", 0), x->rank, &axis));
    gather_ctx c;
    c.src = x->data;
    c.dst = out[0]->data;
    c.ix = ix;
    c.nidx = oct_tensor_numel(ix);
    c.dim = x->dims[axis];
    c.row = oct_shape_numel(x->rank - axis - 1, x->dims + axis + 1) * (int64_t)oct_dtype_size(x->dtype);
    for (int64_t j = 0; j < c.nidx; j++) {
        int64_t v = gather_index(ix, j, c.dim);
        if (v < 0 || v >= c.dim) {
            int64_t raw = ix->dtype == OCT_DT_I64 ? ((const int64_t *)ix->data)[j] : ((const int32_t *)ix->data)[j];
            return oct_err(OCT_E_INVALID, "Gather: index %lld (at position %lld) is out of range for axis %d of size %lld",
                           (long long)raw, (long long)j, axis, (long long)c.dim);
        }
    }
    int64_t outer = oct_shape_numel(axis, x->dims);
    int64_t items = outer * c.nidx;
    if (items == 0 || c.row == 0) return OCT_OK;
    int64_t grain = (1 << 15) / c.row;
    if (items * c.row >= (1 << 17)) oct_pool_for(ex->pool, items, grain > 0 ? grain : 1, gather_range, &c);
    else gather_range(&c, 0, items, 0);
    return OCT_OK;
}

const oct_op_impl oct_op_Gather = {
    .infer = gather_infer,
    .compute = gather_compute,
};
