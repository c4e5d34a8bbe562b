/* Identity: y = x (a copy unless the session made y share x's buffer).
 * Tensors only (sequence / optional inputs are not supported by octet). */
#include <string.h>

#include "ops/op.h"

static oct_status identity_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    OCT_TRY(oct_op_check_arity(n, in, 1, 1, 1));
    if (!oct_dtype_supported(in[0]->dtype)) return oct_op_bad_dtype(n, in[0]->dtype);
    return oct_out_shape(out[0], in[0]->dtype, in[0]->rank, in[0]->dims);
}

static oct_status identity_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                                   const oct_exec *ex)
{
    (void)n, (void)ex;
    if (out[0]->data != in[0]->data) memcpy(out[0]->data, in[0]->data, oct_tensor_nbytes(in[0]));
    return OCT_OK;
}

const oct_op_impl oct_op_Identity = {
    .infer = identity_infer,
    .compute = identity_compute,
};
