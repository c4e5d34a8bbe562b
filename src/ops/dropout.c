/* Dropout, inference only: y = x, optional mask all true (bool; opsets < 10
 * give the mask x's dtype, filled with 1). ratio / is_test / seed are
 * ignored; opset 12+'s training_mode input, when given and true, is
 * OCT_E_UNSUPPORTED (checked when its data is known). */
#include <string.h>

#include "ops/ew_util.h"
#include "ops/op.h"

static oct_status training_check(const oct_node *n, const oct_tensor *const *in)
{
    if (n->opset < 12 || n->n_in < 3 || !in[2] || !in[2]->data) return OCT_OK;
    if (in[2]->dtype != OCT_DT_BOOL || oct_tensor_numel(in[2]) != 1)
        return oct_err(OCT_E_INVALID, "Dropout: training_mode must be a bool scalar");
    if (((const uint8_t *)in[2]->data)[0])
        return oct_err(OCT_E_UNSUPPORTED, "Dropout: training_mode=true is not supported (inference only)");
    return OCT_OK;
}

static oct_status dropout_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    OCT_TRY(oct_op_check_arity(n, in, 1, n->opset >= 12 ? 3 : 1, 1));
    oct_dtype dt = in[0]->dtype;
    if (!oct_dt_in(dt, OCT_DTS_FLOAT)) return oct_op_bad_dtype(n, dt);
    OCT_TRY(training_check(n, in));
    OCT_TRY(oct_out_shape(out[0], dt, in[0]->rank, in[0]->dims));
    if (n->n_out > 1 && out[1])
        OCT_TRY(oct_out_shape(out[1], n->opset >= 10 ? OCT_DT_BOOL : dt, in[0]->rank, in[0]->dims));
    return OCT_OK;
}

static oct_status dropout_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                                  const oct_exec *ex)
{
    (void)ex;
    OCT_TRY(training_check(n, in));
    if (out[0]->data != in[0]->data) memcpy(out[0]->data, in[0]->data, oct_tensor_nbytes(in[0]));
    if (n->n_out > 1 && out[1] && out[1]->data) {
        int64_t cnt = oct_tensor_numel(out[1]);
        if (out[1]->dtype == OCT_DT_BOOL) memset(out[1]->data, 1, (size_t)cnt);
        else for (int64_t i = 0; i < cnt; i++) oct_dtype_set(out[1]->dtype, out[1]->data, (size_t)i, 1.0);
    }
    return OCT_OK;
}

const oct_op_impl oct_op_Dropout = {
    .infer = dropout_infer,
    .compute = dropout_compute,
};
