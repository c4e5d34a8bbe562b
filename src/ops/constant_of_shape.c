/* ConstantOfShape: a tensor of the shape given by input 0's values, filled
 * with the one-element `value` tensor (default float32 0). Any dtype. */
#include <string.h>

#include "ops/shape_util.h"

static oct_status cos_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    OCT_TRY(oct_op_check_arity(n, in, 1, 1, 1));
    oct_dtype dt = OCT_DT_F32;
    const oct_attr *a = oct_node_attr(n, "value");
    if (a) {
        if (a->type != OCT_ATTR_TENSOR || !a->t || oct_tensor_numel(a->t) != 1)
            return oct_err(OCT_E_INVALID, "ConstantOfShape: 'value' must be a one-element tensor");
        dt = a->t->dtype;
        OCT_TRY(oct_ops_check_storable(n, dt));
    }
    if (in[0]->rank != 1)
        return oct_err(OCT_E_INVALID, "ConstantOfShape: the shape input must be 1-D, got rank %d", in[0]->rank);
    if (in[0]->dtype != OCT_DT_I64)
        return oct_err(OCT_E_DTYPE, "ConstantOfShape: the shape input must be int64, got %s",
                       oct_dtype_name(in[0]->dtype));
    if (in[0]->dims[0] > OCT_MAX_RANK)
        return oct_err(OCT_E_UNSUPPORTED, "ConstantOfShape: rank %lld exceeds the maximum %d",
                       (long long)in[0]->dims[0], OCT_MAX_RANK);
    int64_t d[OCT_MAX_RANK];
    int cnt;
    OCT_TRY(oct_tensor_read_ints(in[0], d, OCT_MAX_RANK, &cnt));
    for (int i = 0; i < cnt; i++)
        if (d[i] < 0) return oct_err(OCT_E_INVALID, "ConstantOfShape: negative dim %lld", (long long)d[i]);
    return oct_out_shape(out[0], dt, cnt, d);
}

static oct_status cos_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                              const oct_exec *ex)
{
    (void)in; (void)ex;
    const oct_attr *a = oct_node_attr(n, "value");
    int64_t cnt = oct_tensor_numel(out[0]);
    size_t es = oct_dtype_size(out[0]->dtype);
    char *y = out[0]->data;
    if (!a) {
        memset(y, 0, (size_t)cnt * es);
        return OCT_OK;
    }
    if (cnt == 0) return OCT_OK;
    /* fill by doubling: one element, then copy the filled prefix onto the rest */
    memcpy(y, a->t->data, es);
    size_t done = es, total = (size_t)cnt * es;
    while (done < total) {
        size_t k = done < total - done ? done : total - done;
        memcpy(y + done, y, k);
        done += k;
    }
    return OCT_OK;
}

const oct_op_impl oct_op_ConstantOfShape = {
    .shape_inputs = 1u << 0,
    .infer = cos_infer,
    .compute = cos_compute,
};
