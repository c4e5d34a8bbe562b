/* Size: the input's element count as an int64 scalar. */
#include "ops/shape_util.h"

static oct_status size_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    OCT_TRY(oct_op_check_arity(n, in, 1, 1, 1));
    return oct_out_shape(out[0], OCT_DT_I64, 0, NULL);
}

static oct_status size_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                               const oct_exec *ex)
{
    (void)n; (void)ex;
    *(int64_t *)out[0]->data = oct_tensor_numel(in[0]);
    return OCT_OK;
}

const oct_op_impl oct_op_Size = {
    .infer = size_infer,
    .compute = size_compute,
};
