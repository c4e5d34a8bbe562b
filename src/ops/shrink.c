/* Shrink (opset 9): y = x + bias if x < -lambd, x - bias if x > lambd, else 0.
 * Number types; f32 directly, others through double (integers saturate). */
#include "ops/ew_util.h"
#include "ops/shape_util.h"

static oct_status shrink_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    OCT_TRY(oct_op_check_arity(n, in, 1, 1, 1));
    if (!oct_dt_in(in[0]->dtype, OCT_DTS_NUM)) return oct_op_bad_dtype(n, in[0]->dtype);
    return oct_out_shape(out[0], in[0]->dtype, in[0]->rank, in[0]->dims);
}

static oct_status shrink_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                                 const oct_exec *ex)
{
    (void)ex;
    const oct_tensor *x = in[0];
    float lambd = oct_attr_float(n, "lambd", 0.5f), bias = oct_attr_float(n, "bias", 0.0f);
    int64_t cnt = oct_tensor_numel(x);
    if (x->dtype == OCT_DT_F32) {
        const float *a = x->data;
        float *y = out[0]->data;
        for (int64_t i = 0; i < cnt; i++) y[i] = a[i] < -lambd ? a[i] + bias : a[i] > lambd ? a[i] - bias : 0.0f;
        return OCT_OK;
    }
    for (int64_t i = 0; i < cnt; i++) {
        double v = oct_dtype_get(x->dtype, x->data, (size_t)i);
        v = v < -(double)lambd ? v + bias : v > (double)lambd ? v - bias : 0.0;
        oct_ew_set_f64(out[0]->dtype, out[0]->data, (size_t)i, v);
    }
    return OCT_OK;
}

const oct_op_impl oct_op_Shrink = {
    .infer = shrink_infer,
    .compute = shrink_compute,
};
