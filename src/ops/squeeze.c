/* Squeeze: drop size-1 dims (`axes` attribute before opset 13, input 1 from 13;
 * no axes: every size-1 dim). Any dtype. */
#include "ops/shape_util.h"

static oct_status squeeze_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    OCT_TRY(oct_op_check_arity(n, in, 1, n->opset >= 13 ? 2 : 1, 1));
    const oct_tensor *x = in[0];
    OCT_TRY(oct_ops_check_storable(n, x->dtype));
    int64_t ax[OCT_MAX_RANK];
    int cnt;
    OCT_TRY(oct_ops_ints_attr_or_input(n, in, "axes", 13, 1, ax, OCT_MAX_RANK, &cnt));
    uint32_t mask = 0;
    if (cnt < 0) {
        for (int i = 0; i < x->rank; i++)
            if (x->dims[i] == 1) mask |= 1u << i;
    } else {
        OCT_TRY(oct_ops_norm_axes(n, ax, cnt, x->rank, NULL, &mask));
    }
    int64_t d[OCT_MAX_RANK];
    int r = 0;
    for (int i = 0; i < x->rank; i++) {
        if (mask & (1u << i)) {
            if (x->dims[i] != 1)
                return oct_err(OCT_E_SHAPE, "Squeeze: axis %d has size %lld, not 1", i, (long long)x->dims[i]);
            continue;
        }
        d[r++] = x->dims[i];
    }
    return oct_out_shape(out[0], x->dtype, r, d);
}

static oct_status squeeze_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                                  const oct_exec *ex)
{
    (void)n; (void)ex;
    oct_ops_copy_data(out[0], in[0]);
    return OCT_OK;
}

const oct_op_impl oct_op_Squeeze = {
    .view = 1,
    .shape_inputs = 1u << 1,
    .infer = squeeze_infer,
    .compute = squeeze_compute,
};
