/* ScatterElements (opset 11; reduction add/mul from 16, max/min from 18) and
 * Scatter (opset 9-10, its deprecated earlier name, no reduction): output =
 * data, then output[i with i[axis] = indices[i]] = (or op=) updates[i] for
 * every position i of indices (indices and updates share a shape, same rank
 * as data). Negative indices count from the end. */
#include "ops/scatter_util.h"
#include "ops/shape_util.h"

static oct_status se_check(const oct_node *n, const oct_tensor *const *in, oct_scatter_red *red, int *axis)
{
    OCT_TRY(oct_op_check_arity(n, in, 3, 3, 3));
    const oct_tensor *x = in[0], *ix = in[1], *u = in[2];
    OCT_TRY(oct_ops_check_storable(n, x->dtype));
    if (ix->dtype != OCT_DT_I64 && ix->dtype != OCT_DT_I32)
        return oct_err(OCT_E_DTYPE, "%s: indices must be int32/int64, got %s", n->op_type, oct_dtype_name(ix->dtype));
    if (u->dtype != x->dtype)
        return oct_err(OCT_E_DTYPE, "%s: updates dtype %s differs from data dtype %s", n->op_type,
                       oct_dtype_name(u->dtype), oct_dtype_name(x->dtype));
    *red = OCT_SCATTER_NONE;
    if (n->opset >= 16) OCT_TRY(oct_scatter_reduction(n, x->dtype, red));
    char a[160], b[160];
    if (x->rank < 1 || ix->rank != x->rank || !oct_shape_equal(ix->rank, ix->dims, u->rank, u->dims))
        return oct_err(OCT_E_SHAPE, "%s: indices %s and updates %s must have the same shape, of data's rank %d >= 1",
                       n->op_type, oct_shape_str(ix->rank, ix->dims, a, sizeof a),
                       oct_shape_str(u->rank, u->dims, b, sizeof b), x->rank);
    int64_t ax = oct_attr_int(n, "axis", 0);
    if (oct_axis_norm(ax, x->rank, axis) != OCT_OK)
        return oct_err(OCT_E_INVALID, "%s: axis %lld is out of range for rank %d", n->op_type, (long long)ax, x->rank);
    for (int i = 0; i < x->rank; i++)
        if (i != *axis && ix->dims[i] > x->dims[i])
            return oct_err(OCT_E_SHAPE, "%s: indices dim %d (%lld) exceeds data dim (%lld)", n->op_type, i,
                           (long long)ix->dims[i], (long long)x->dims[i]);
    return OCT_OK;
}

static oct_status se_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    oct_scatter_red red;
    int axis;
    OCT_TRY(se_check(n, in, &red, &axis));
    return oct_out_shape(out[0], in[0]->dtype, in[0]->rank, in[0]->dims);
}

static oct_status se_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                             const oct_exec *ex)
{
    (void)ex;
    const oct_tensor *x = in[0], *ix = in[1], *u = in[2];
    oct_scatter_red red;
    int axis, r = x->rank;
    OCT_TRY(se_check(n, in, &red, &axis));
    int64_t total = oct_tensor_numel(ix), dim = x->dims[axis];
    for (int64_t i = 0; i < total; i++) {
        int64_t v = oct_ew_get_i64(ix->dtype, ix->data, (size_t)i);
        if (v < -dim || v >= dim)
            return oct_err(OCT_E_INVALID, "%s: index %lld (at position %lld) is out of range for axis %d of size %lld",
                           n->op_type, (long long)v, (long long)i, axis, (long long)dim);
    }
    oct_ops_copy_data(out[0], x);
    size_t es = oct_dtype_size(x->dtype);
    int64_t xs[OCT_MAX_RANK], idx[OCT_MAX_RANK] = {0};
    oct_shape_strides(r, x->dims, xs);
    int64_t base = 0; /* data offset of idx with idx[axis] = 0 */
    for (int64_t i = 0; i < total; i++) {
        int64_t v = oct_ew_get_i64(ix->dtype, ix->data, (size_t)i);
        if (v < 0) v += dim;
        oct_scatter_apply(red, x->dtype, es, out[0]->data, (size_t)(base + v * xs[axis]), u->data, (size_t)i);
        for (int k = r - 1; k >= 0; k--) {
            if (k != axis) base += xs[k];
            if (++idx[k] < ix->dims[k]) break;
            if (k != axis) base -= idx[k] * xs[k];
            idx[k] = 0;
        }
    }
    return OCT_OK;
}

const oct_op_impl oct_op_ScatterElements = {
    .infer = se_infer,
    .compute = se_compute,
};

const oct_op_impl oct_op_Scatter = {
    .infer = se_infer,
    .compute = se_compute,
};
