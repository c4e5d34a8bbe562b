/* Unsqueeze: insert size-1 dims at `axes` (attribute before opset 13, input 1
 * from 13), axes taken against the output rank. Any dtype. */
#include "ops/shape_util.h"

static oct_status unsqueeze_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    OCT_TRY(oct_op_check_arity(n, in, n->opset >= 13 ? 2 : 1, n->opset >= 13 ? 2 : 1, n->opset >= 13 ? 2 : 1));
    const oct_tensor *x = in[0];
    OCT_TRY(oct_ops_check_storable(n, x->dtype));
    int64_t ax[OCT_MAX_RANK];
    int cnt;
    OCT_TRY(oct_ops_ints_attr_or_input(n, in, "axes", 13, 1, ax, OCT_MAX_RANK, &cnt));
    if (cnt < 0) return oct_err(OCT_E_INVALID, "Unsqueeze: 'axes' is required");
    int r = x->rank + cnt;
    if (r > OCT_MAX_RANK)
        return oct_err(OCT_E_UNSUPPORTED, "Unsqueeze: output rank %d exceeds the maximum %d", r, OCT_MAX_RANK);
    uint32_t mask;
    OCT_TRY(oct_ops_norm_axes(n, ax, cnt, r, NULL, &mask));
    int64_t d[OCT_MAX_RANK];
    for (int i = 0, j = 0; i < r; i++) d[i] = (mask & (1u << i)) ? 1 : x->dims[j++];
    return oct_out_shape(out[0], x->dtype, r, d);
}

static oct_status unsqueeze_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                                    const oct_exec *ex)
{
    (void)n; (void)ex;
    oct_ops_copy_data(out[0], in[0]);
    return OCT_OK;
}

const oct_op_impl oct_op_Unsqueeze = {
    .view = 1,
    .shape_inputs = 1u << 1,
    .infer = unsqueeze_infer,
    .compute = unsqueeze_compute,
};
