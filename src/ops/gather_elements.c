/* GatherElements: out[i] = data[i with i[axis] replaced by indices[i]].
 * Output has the indices' shape. Any data dtype; i32/i64 indices. */
#include <string.h>

#include "ops/shape_util.h"

static oct_status ge_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    OCT_TRY(oct_op_check_arity(n, in, 2, 2, 2));
    const oct_tensor *x = in[0], *ix = in[1];
    OCT_TRY(oct_ops_check_storable(n, x->dtype));
    if (ix->dtype != OCT_DT_I64 && ix->dtype != OCT_DT_I32)
        return oct_err(OCT_E_DTYPE, "GatherElements: indices must be int32/int64, got %s", oct_dtype_name(ix->dtype));
    if (x->rank == 0 || ix->rank != x->rank)
        return oct_err(OCT_E_SHAPE, "GatherElements: data (rank %d) and indices (rank %d) must have the same rank >= 1",
                       x->rank, ix->rank);
    int axis;
    OCT_TRY(oct_axis_norm(oct_attr_int(n, "axis", 0), x->rank, &axis));
    for (int i = 0; i < x->rank; i++)
        if (i != axis && ix->dims[i] > x->dims[i])
            return oct_err(OCT_E_SHAPE, "GatherElements: indices dim %d (%lld) exceeds data dim (%lld)", i,
                           (long long)ix->dims[i], (long long)x->dims[i]);
    return oct_out_shape(out[0], x->dtype, ix->rank, ix->dims);
}

static oct_status ge_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                             const oct_exec *ex)
{
    (void)ex;
    const oct_tensor *x = in[0], *ix = in[1];
    int axis, r = x->rank;
    OCT_TRY(oct_axis_norm(oct_attr_int(n, "axis", 0), r, &axis));
    int64_t total = oct_tensor_numel(ix);
    if (total == 0) return OCT_OK;
    size_t es = oct_dtype_size(x->dtype);
    int64_t xs[OCT_MAX_RANK], idx[OCT_MAX_RANK] = {0};
    oct_shape_strides(r, x->dims, xs);
    int64_t dim = x->dims[axis], base = 0; /* base: data offset of idx with idx[axis] = 0 */
    const char *src = x->data;
    char *dst = out[0]->data;
    for (int64_t i = 0; i < total; i++) {
        int64_t v = ix->dtype == OCT_DT_I64 ? ((const int64_t *)ix->data)[i] : ((const int32_t *)ix->data)[i];
        int64_t w = v < 0 ? v + dim : v;
        if (w < 0 || w >= dim)
            return oct_err(OCT_E_INVALID, "GatherElements: index %lld (at position %lld) is out of range for axis %d of size %lld",
                           (long long)v, (long long)i, axis, (long long)dim);
        memcpy(dst + (size_t)i * es, src + (size_t)(base + w * xs[axis]) * es, es);
        for (int k = r - 1; k >= 0; k--) {
            if (k != axis) base += xs[k];
            if (++idx[k] < ix->dims[k]) break;
            if (k != axis) base -= idx[k] * xs[k];
            idx[k] = 0;
        }
    }
    return OCT_OK;
}

const oct_op_impl oct_op_GatherElements = {
    .infer = ge_infer,
    .compute = ge_compute,
};
