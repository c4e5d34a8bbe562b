/* Compress (opset 9, negative axis from 11): keep the slices along `axis`
 * (of the flattened input when axis is absent) whose condition entry is true.
 * The condition may be shorter than the axis (missing entries are false);
 * entries past the axis must be false. The output shape depends on the
 * condition's values, so it is a shape input: known at plan time (constant,
 * or a graph input the plan is keyed on). Any data dtype. */
#include <string.h>

#include "ops/shape_util.h"

/* Number of kept slices; validates the condition against the axis length. */
static oct_status compress_count(const oct_node *n, const oct_tensor *cond, int64_t len, int64_t *kept)
{
    int64_t cl = oct_tensor_numel(cond), c = 0;
    const uint8_t *m = cond->data;
    for (int64_t i = 0; i < cl; i++) {
        if (!m[i]) continue;
        if (i >= len)
            return oct_err(OCT_E_INVALID, "%s: condition[%lld] is true but the axis has only %lld entries",
                           n->op_type, (long long)i, (long long)len);
        c++;
    }
    *kept = c;
    return OCT_OK;
}

static oct_status compress_geom(const oct_node *n, const oct_tensor *x, int *axis, int64_t *len)
{
    const oct_attr *a = oct_node_attr(n, "axis");
    if (!a) {
        *axis = -1;
        *len = oct_tensor_numel(x);
        return OCT_OK;
    }
    int64_t ax = a->i;
    if ((n->opset < 11 && ax < 0) || oct_axis_norm(ax, x->rank, axis) != OCT_OK)
        return oct_err(OCT_E_INVALID, "Compress: axis %lld is out of range for rank %d", (long long)ax, x->rank);
    *len = x->dims[*axis];
    return OCT_OK;
}

static oct_status compress_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    OCT_TRY(oct_op_check_arity(n, in, 2, 2, 2));
    const oct_tensor *x = in[0], *c = in[1];
    OCT_TRY(oct_ops_check_storable(n, x->dtype));
    if (c->dtype != OCT_DT_BOOL)
        return oct_err(OCT_E_DTYPE, "Compress: condition must be bool, got %s", oct_dtype_name(c->dtype));
    if (c->rank != 1) return oct_err(OCT_E_SHAPE, "Compress: condition must be 1-D, got rank %d", c->rank);
    if (!c->data)
        return oct_err(OCT_E_UNSUPPORTED, "Compress: the output shape depends on the condition's values, which are "
                                          "only known at run time");
    int axis;
    int64_t len, kept;
    OCT_TRY(compress_geom(n, x, &axis, &len));
    OCT_TRY(compress_count(n, c, len, &kept));
    if (axis < 0) return oct_out_shape(out[0], x->dtype, 1, &kept);
    int64_t d[OCT_MAX_RANK];
    memcpy(d, x->dims, sizeof d);
    d[axis] = kept;
    return oct_out_shape(out[0], x->dtype, x->rank, d);
}

static oct_status compress_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                                   const oct_exec *ex)
{
    (void)ex;
    const oct_tensor *x = in[0], *c = in[1];
    int axis;
    int64_t len, kept;
    OCT_TRY(compress_geom(n, x, &axis, &len));
    OCT_TRY(compress_count(n, c, len, &kept));
    int64_t outer = axis < 0 ? 1 : oct_shape_numel(axis, x->dims);
    int64_t inner = axis < 0 ? 1 : oct_shape_numel(x->rank - axis - 1, x->dims + axis + 1);
    size_t row = (size_t)inner * oct_dtype_size(x->dtype);
    int64_t cl = oct_tensor_numel(c) < len ? oct_tensor_numel(c) : len;
    const uint8_t *m = c->data;
    const char *src = x->data;
    char *dst = out[0]->data;
    for (int64_t o = 0; o < outer; o++)
        for (int64_t i = 0; i < cl; i++)
            if (m[i]) {
                memcpy(dst, src + (size_t)(o * len + i) * row, row);
                dst += row;
            }
    return OCT_OK;
}

const oct_op_impl oct_op_Compress = {
    .shape_inputs = 1u << 1,
    .infer = compress_infer,
    .compute = compress_compute,
};
