/* EyeLike (opset 9): a 2-D tensor shaped like the input with ones on the
 * k-th diagonal (k > 0 above, k < 0 below), zeros elsewhere. The output dtype
 * is the `dtype` attribute or the input's; number types and bool. */
#include <string.h>

#include "ops/ew_util.h"
#include "ops/shape_util.h"

#define EYE_TYPES (OCT_DTS_NUM | OCT_DTB(OCT_DT_BOOL))

static oct_status eye_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    OCT_TRY(oct_op_check_arity(n, in, 1, 1, 1));
    const oct_tensor *x = in[0];
    if (!oct_dt_in(x->dtype, EYE_TYPES)) return oct_op_bad_dtype(n, x->dtype);
    if (x->rank != 2) return oct_err(OCT_E_SHAPE, "EyeLike: input must be 2-D, got rank %d", x->rank);
    int64_t dt = oct_attr_int(n, "dtype", x->dtype);
    if (dt < 0 || dt > 31 || !oct_dt_in((oct_dtype)dt, EYE_TYPES))
        return oct_err(OCT_E_UNSUPPORTED, "EyeLike: output dtype %lld is not supported", (long long)dt);
    return oct_out_shape(out[0], (oct_dtype)dt, 2, x->dims);
}

static oct_status eye_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                              const oct_exec *ex)
{
    (void)ex;
    oct_tensor *y = out[0];
    int64_t rows = in[0]->dims[0], cols = in[0]->dims[1], k = oct_attr_int(n, "k", 0);
    memset(y->data, 0, oct_tensor_nbytes(y));
    for (int64_t i = 0; i < rows; i++) {
        int64_t j = i + k;
        if (j >= 0 && j < cols) oct_dtype_set(y->dtype, y->data, (size_t)(i * cols + j), 1.0);
    }
    return OCT_OK;
}

const oct_op_impl oct_op_EyeLike = {
    .infer = eye_infer,
    .compute = eye_compute,
};
