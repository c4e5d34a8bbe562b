/* Flatten: [d0..dn) -> [prod(d<axis), prod(d>=axis)]. Any dtype (byte copy). */
#include "ops/shape_util.h"

static oct_status flatten_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    OCT_TRY(oct_op_check_arity(n, in, 1, 1, 1));
    const oct_tensor *x = in[0];
    OCT_TRY(oct_ops_check_storable(n, x->dtype));
    int64_t axis = oct_attr_int(n, "axis", 1);
    if (axis < 0) axis += x->rank;
    if (axis < 0 || axis > x->rank)
        return oct_err(OCT_E_INVALID, "Flatten: axis %lld is out of range for rank %d",
                       (long long)oct_attr_int(n, "axis", 1), x->rank);
    int64_t d[2] = {1, 1};
    for (int i = 0; i < x->rank; i++) d[i >= axis] *= x->dims[i];
    return oct_out_shape(out[0], x->dtype, 2, d);
}

static oct_status flatten_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                                  const oct_exec *ex)
{
    (void)n; (void)ex;
    oct_ops_copy_data(out[0], in[0]);
    return OCT_OK;
}

const oct_op_impl oct_op_Flatten = {
    .view = 1,
    .infer = flatten_infer,
    .compute = flatten_compute,
};
