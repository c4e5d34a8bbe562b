/* OneHot: out[..., d, ...] = values[1] where d == indices[...] (negative
 * indices count from depth, opset 11), else values[0]; depth is inserted at
 * `axis` (default -1). Numeric indices/depth; values of any dtype. */
#include <math.h>
#include <string.h>

#include "ops/shape_util.h"

static oct_status onehot_depth(const oct_node *n, const oct_tensor *const *in, int64_t *depth, int *axis)
{
    const oct_tensor *ix = in[0], *dt = in[1], *v = in[2];
    if (oct_tensor_numel(dt) != 1) return oct_err(OCT_E_INVALID, "OneHot: depth must be a scalar");
    if (!oct_ops_dtype_is_int(dt->dtype) && !oct_ops_dtype_is_float(dt->dtype)) return oct_op_bad_dtype(n, dt->dtype);
    if (!oct_ops_dtype_is_int(ix->dtype) && !oct_ops_dtype_is_float(ix->dtype)) return oct_op_bad_dtype(n, ix->dtype);
    if (oct_tensor_numel(v) != 2 || v->rank != 1)
        return oct_err(OCT_E_INVALID, "OneHot: values must be a 2-element 1-D tensor");
    double d = oct_dtype_get(dt->dtype, dt->data, 0);
    if (!(d >= 1) || d > (double)((int64_t)1 << 40))
        return oct_err(OCT_E_INVALID, "OneHot: depth %g must be a positive number", d);
    *depth = (int64_t)d;
    int r = ix->rank + 1;
    if (r > OCT_MAX_RANK) return oct_err(OCT_E_UNSUPPORTED, "OneHot: output rank %d exceeds %d", r, OCT_MAX_RANK);
    oct_status s = oct_axis_norm(oct_attr_int(n, "axis", -1), r, axis);
    if (s) return oct_err_ctx(s, "OneHot: ");
    return OCT_OK;
}

static oct_status onehot_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    OCT_TRY(oct_op_check_arity(n, in, 3, 3, 3));
    OCT_TRY(oct_ops_check_storable(n, in[2]->dtype));
    int64_t depth;
    int axis;
    OCT_TRY(onehot_depth(n, in, &depth, &axis));
    const oct_tensor *ix = in[0];
    int64_t d[OCT_MAX_RANK];
    for (int i = 0, j = 0; i < ix->rank + 1; i++) d[i] = i == axis ? depth : ix->dims[j++];
    return oct_out_shape(out[0], in[2]->dtype, ix->rank + 1, d);
}

static oct_status onehot_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                                 const oct_exec *ex)
{
    (void)ex;
    const oct_tensor *ix = in[0], *v = in[2];
    int64_t depth;
    int axis;
    OCT_TRY(onehot_depth(n, in, &depth, &axis));
    size_t es = oct_dtype_size(v->dtype);
    const char *off = v->data, *on = off + es;
    char *y = out[0]->data;
    int64_t total = oct_tensor_numel(out[0]);
    for (int64_t i = 0; i < total; i++) memcpy(y + (size_t)i * es, off, es);
    int64_t outer = oct_shape_numel(axis, ix->dims);
    int64_t inner = oct_shape_numel(ix->rank - axis, ix->dims + axis);
    for (int64_t o = 0; o < outer; o++)
        for (int64_t i = 0; i < inner; i++) {
            double f = oct_dtype_get(ix->dtype, ix->data, (size_t)(o * inner + i));
            if (!(fabs(f) < 4e18)) continue;
            int64_t k = ix->dtype == OCT_DT_I64 ? ((const int64_t *)ix->data)[o * inner + i] : (int64_t)f;
            if (k < 0 && n->opset >= 11) k += depth;
            if (k < 0 || k >= depth) continue;
            memcpy(y + (size_t)((o * depth + k) * inner + i) * es, on, es);
        }
    return OCT_OK;
}

const oct_op_impl oct_op_OneHot = {
    .shape_inputs = 1u << 1,
    .infer = onehot_infer,
    .compute = onehot_compute,
};
