/* CumSum along the axis given by scalar input 1; `exclusive`, `reverse`.
 * f32, f64, i32, i64, u32, u64. */
#include "ops/shape_util.h"

static oct_status cumsum_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    OCT_TRY(oct_op_check_arity(n, in, 2, 2, 2));
    const oct_tensor *x = in[0], *a = in[1];
    switch (x->dtype) {
    case OCT_DT_F32: case OCT_DT_F64: case OCT_DT_I32: case OCT_DT_I64: case OCT_DT_U32: case OCT_DT_U64: break;
    default: return oct_op_bad_dtype(n, x->dtype);
    }
    if (oct_tensor_numel(a) != 1 || (a->dtype != OCT_DT_I64 && a->dtype != OCT_DT_I32))
        return oct_err(OCT_E_INVALID, "CumSum: axis must be an int32/int64 scalar");
    if (x->rank == 0) return oct_err(OCT_E_INVALID, "CumSum: input must have rank >= 1");
    return oct_out_shape(out[0], x->dtype, x->rank, x->dims);
}

/* Row by row along the axis: y[j] = y[prev] + x[j] (or + x[prev] when exclusive).
 * A is an unsigned type of T's width so integer overflow wraps instead of UB. */
#define CUMSUM(T, A)                                                                             \
    do {                                                                                         \
        const T *xs = x->data;                                                                   \
        T *ys = out[0]->data;                                                                    \
        for (int64_t o = 0; o < outer; o++)                                                      \
            for (int64_t jj = 0; jj < len; jj++) {                                               \
                int64_t j = rev ? len - 1 - jj : jj, pj = rev ? j + 1 : j - 1;                   \
                T *y = ys + (o * len + j) * inner;                                               \
                if (jj == 0) {                                                                   \
                    const T *xv = xs + (o * len + j) * inner;                                    \
                    for (int64_t i = 0; i < inner; i++) y[i] = excl ? (T)0 : xv[i];              \
                } else {                                                                         \
                    const T *yp = ys + (o * len + pj) * inner;                                   \
                    const T *xv = xs + (o * len + (excl ? pj : j)) * inner;                      \
                    for (int64_t i = 0; i < inner; i++) y[i] = (T)((A)yp[i] + (A)xv[i]);         \
                }                                                                                \
            }                                                                                    \
    } while (0)

static oct_status cumsum_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                                 const oct_exec *ex)
{
    (void)ex;
    const oct_tensor *x = in[0];
    int axis;
    int64_t av = oct_ops_get_i64(in[1]->dtype, in[1]->data, 0);
    OCT_TRY(oct_axis_norm(av, x->rank, &axis));
    int rev = oct_attr_int(n, "reverse", 0) != 0, excl = oct_attr_int(n, "exclusive", 0) != 0;
    int64_t outer = oct_shape_numel(axis, x->dims), len = x->dims[axis];
    int64_t inner = oct_shape_numel(x->rank - axis - 1, x->dims + axis + 1);
    switch (x->dtype) {
    case OCT_DT_F32: CUMSUM(float, float); break;
    case OCT_DT_F64: CUMSUM(double, double); break;
    case OCT_DT_I32: CUMSUM(int32_t, uint32_t); break;
    case OCT_DT_I64: CUMSUM(int64_t, uint64_t); break;
    case OCT_DT_U32: CUMSUM(uint32_t, uint32_t); break;
    case OCT_DT_U64: CUMSUM(uint64_t, uint64_t); break;
    default: return oct_op_bad_dtype(n, x->dtype);
    }
    return OCT_OK;
}

const oct_op_impl oct_op_CumSum = {
    .infer = cumsum_infer,
    .compute = cumsum_compute,
};
