/* Range: start, start+delta, ... up to (excluding) limit; all inputs scalars
 * of the same dtype (f32, f64, i16, i32, i64). */
#include <math.h>

#include "ops/shape_util.h"

#define RANGE_MAX ((int64_t)1 << 40)

static oct_status range_count(const oct_node *n, const oct_tensor *const *in, int64_t *cnt)
{
    oct_dtype dt = in[0]->dtype;
    for (int i = 0; i < 3; i++) {
        if (in[i]->dtype != dt)
            return oct_err(OCT_E_DTYPE, "Range: inputs must share a dtype (%s vs %s)", oct_dtype_name(in[i]->dtype),
                           oct_dtype_name(dt));
        if (oct_tensor_numel(in[i]) != 1)
            return oct_err(OCT_E_INVALID, "Range: input %d must be a scalar", i);
    }
    if (dt == OCT_DT_F32 || dt == OCT_DT_F64) {
        double s = oct_dtype_get(dt, in[0]->data, 0), l = oct_dtype_get(dt, in[1]->data, 0);
        double d = oct_dtype_get(dt, in[2]->data, 0);
        if (d == 0 || !isfinite(s) || !isfinite(l) || !isfinite(d))
            return oct_err(OCT_E_INVALID, "Range: delta must be non-zero and the inputs finite");
        double c = ceil((l - s) / d);
        if (c > (double)RANGE_MAX) return oct_err(OCT_E_INVALID, "Range: too many elements (%g)", c);
        *cnt = c > 0 ? (int64_t)c : 0;
    } else if (dt == OCT_DT_I16 || dt == OCT_DT_I32 || dt == OCT_DT_I64) {
        int64_t s = oct_ops_get_i64(dt, in[0]->data, 0), l = oct_ops_get_i64(dt, in[1]->data, 0);
        int64_t d = oct_ops_get_i64(dt, in[2]->data, 0);
        if (d == 0) return oct_err(OCT_E_INVALID, "Range: delta must be non-zero");
        double span = (double)l - (double)s;
        if (fabs(span / (double)d) > (double)RANGE_MAX) return oct_err(OCT_E_INVALID, "Range: too many elements");
        int64_t c = 0;
        if (d > 0 && l > s) c = (int64_t)(((uint64_t)l - (uint64_t)s - 1) / (uint64_t)d + 1);
        if (d < 0 && l < s) c = (int64_t)(((uint64_t)s - (uint64_t)l - 1) / (0 - (uint64_t)d) + 1);
        *cnt = c;
    } else {
        return oct_op_bad_dtype(n, dt);
    }
    return OCT_OK;
}

static oct_status range_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    OCT_TRY(oct_op_check_arity(n, in, 3, 3, 3));
    int64_t c;
    OCT_TRY(range_count(n, in, &c));
    return oct_out_shape(out[0], in[0]->dtype, 1, &c);
}

static oct_status range_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                                const oct_exec *ex)
{
    (void)ex;
    oct_dtype dt = in[0]->dtype;
    int64_t c;
    OCT_TRY(range_count(n, in, &c));
    if (dt == OCT_DT_F32) {
        float s = *(const float *)in[0]->data, d = *(const float *)in[2]->data;
        float *y = out[0]->data;
        for (int64_t i = 0; i < c; i++) y[i] = s + (float)i * d;
    } else if (dt == OCT_DT_F64) {
        double s = *(const double *)in[0]->data, d = *(const double *)in[2]->data;
        double *y = out[0]->data;
        for (int64_t i = 0; i < c; i++) y[i] = s + (double)i * d;
    } else {
        int64_t s = oct_ops_get_i64(dt, in[0]->data, 0), d = oct_ops_get_i64(dt, in[2]->data, 0);
        for (int64_t i = 0; i < c; i++) oct_ops_set_i64(dt, out[0]->data, (size_t)i, (int64_t)((uint64_t)s + (uint64_t)i * (uint64_t)d));
    }
    return OCT_OK;
}

const oct_op_impl oct_op_Range = {
    .shape_inputs = (1u << 0) | (1u << 1) | (1u << 2),
    .infer = range_infer,
    .compute = range_compute,
};
