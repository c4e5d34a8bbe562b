/* ReverseSequence (opset 10): for each batch entry b, reverse the first
 * sequence_lens[b] elements along time_axis and copy the rest. time_axis and
 * batch_axis are 0 and 1 (either way round); input rank >= 2; any dtype. */
#include <string.h>

#include "ops/ew_util.h"
#include "ops/shape_util.h"

static oct_status rs_check(const oct_node *n, const oct_tensor *const *in, int *ta, int *ba)
{
    OCT_TRY(oct_op_check_arity(n, in, 2, 2, 2));
    const oct_tensor *x = in[0], *sl = in[1];
    OCT_TRY(oct_ops_check_storable(n, x->dtype));
    if (sl->dtype != OCT_DT_I64 && sl->dtype != OCT_DT_I32)
        return oct_err(OCT_E_DTYPE, "ReverseSequence: sequence_lens must be int64, got %s", oct_dtype_name(sl->dtype));
    if (x->rank < 2) return oct_err(OCT_E_SHAPE, "ReverseSequence: input must have rank >= 2, got %d", x->rank);
    int64_t t = oct_attr_int(n, "time_axis", 0), b = oct_attr_int(n, "batch_axis", 1);
    if (!((t == 0 && b == 1) || (t == 1 && b == 0)))
        return oct_err(OCT_E_INVALID, "ReverseSequence: time_axis (%lld) and batch_axis (%lld) must be 0 and 1",
                       (long long)t, (long long)b);
    if (sl->rank != 1 || sl->dims[0] != x->dims[b])
        return oct_err(OCT_E_SHAPE, "ReverseSequence: sequence_lens must have shape [batch] = [%lld]",
                       (long long)x->dims[b]);
    *ta = (int)t;
    *ba = (int)b;
    return OCT_OK;
}

static oct_status rs_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    int t, b;
    OCT_TRY(rs_check(n, in, &t, &b));
    return oct_out_shape(out[0], in[0]->dtype, in[0]->rank, in[0]->dims);
}

static oct_status rs_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                             const oct_exec *ex)
{
    (void)ex;
    const oct_tensor *x = in[0], *sl = in[1];
    int ta, ba;
    OCT_TRY(rs_check(n, in, &ta, &ba));
    int64_t T = x->dims[ta], B = x->dims[ba];
    for (int64_t b = 0; b < B; b++) {
        int64_t L = oct_ew_get_i64(sl->dtype, sl->data, (size_t)b);
        if (L < 0 || L > T)
            return oct_err(OCT_E_INVALID, "ReverseSequence: sequence_lens[%lld] = %lld is out of range [0, %lld]",
                           (long long)b, (long long)L, (long long)T);
    }
    size_t row = (size_t)oct_shape_numel(x->rank - 2, x->dims + 2) * oct_dtype_size(x->dtype);
    int64_t st = ta == 0 ? B : 1, sb = ta == 0 ? 1 : T; /* in rows */
    const char *src = x->data;
    char *dst = out[0]->data;
    for (int64_t b = 0; b < B; b++) {
        int64_t L = oct_ew_get_i64(sl->dtype, sl->data, (size_t)b);
        for (int64_t t = 0; t < T; t++) {
            int64_t s = t < L ? L - 1 - t : t;
            memcpy(dst + (size_t)(b * sb + t * st) * row, src + (size_t)(b * sb + s * st) * row, row);
        }
    }
    return OCT_OK;
}

const oct_op_impl oct_op_ReverseSequence = {
    .infer = rs_infer,
    .compute = rs_compute,
};
