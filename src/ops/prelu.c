/* PRelu: y = x < 0 ? slope * x : x, slope broadcast to x's shape
 * (unidirectional). Floats, plus i32/i64/u32/u64 (opset 9+). */
#include "ops/binary.h"
#include "ops/ew_util.h"
#include "ops/ew_vmath.h"

OCT_BIN_KERNEL(prelu_f32, float, float, oct_vsel(x < 0.f, x * w, x))
OCT_BIN_KERNEL(prelu_f64, double, double, x < 0 ? x * w : x)
OCT_BIN_KERNEL(prelu_i32, int32_t, int32_t, x < 0 ? (int32_t)((uint32_t)x * (uint32_t)w) : x)
OCT_BIN_KERNEL(prelu_i64, int64_t, int64_t, x < 0 ? (int64_t)((uint64_t)x * (uint64_t)w) : x)
OCT_BIN_KERNEL(prelu_u32, uint32_t, uint32_t, ((void)w, x))
OCT_BIN_KERNEL(prelu_u64, uint64_t, uint64_t, ((void)w, x))

static const oct_binop prelu_op = {
    .k = {[OCT_DT_F32] = prelu_f32, [OCT_DT_F64] = prelu_f64, [OCT_DT_I32] = prelu_i32,
          [OCT_DT_I64] = prelu_i64, [OCT_DT_U32] = prelu_u32, [OCT_DT_U64] = prelu_u64},
};

/* PRelu-1/6 (before opset 7's numpy broadcasting): a 1-D slope of size C applies
 * per channel, i.e. along axis 1. View it as [C,1,...,1] so broadcasting does that. */
static void channel_view(const oct_node *n, const oct_tensor *const *in, oct_tensor *view, const oct_tensor **args)
{
    args[0] = in[0];
    args[1] = in[1];
    if (n->opset >= 7 || in[1]->rank != 1 || in[0]->rank < 2 || in[1]->dims[0] == 1 ||
        in[1]->dims[0] != in[0]->dims[1])
        return;
    *view = *in[1];
    view->owns_data = 0;
    view->rank = in[0]->rank - 1;
    view->dims[0] = in[1]->dims[0];
    for (int d = 1; d < view->rank; d++) view->dims[d] = 1;
    args[1] = view;
}

static oct_status prelu_infer(const oct_node *n, const oct_tensor *const *in_raw, oct_tensor *const *out)
{
    OCT_TRY(oct_op_check_arity(n, in_raw, 2, 2, 2));
    oct_tensor view;
    const oct_tensor *in[2];
    channel_view(n, in_raw, &view, in);
    OCT_TRY(oct_binop_infer(n, in, out, &prelu_op));
    if (!oct_shape_equal(out[0]->rank, out[0]->dims, in[0]->rank, in[0]->dims)) {
        char a[96], b[96];
        return oct_err(OCT_E_SHAPE, "PRelu: slope %s does not broadcast to x %s",
                       oct_shape_str(in[1]->rank, in[1]->dims, b, sizeof b),
                       oct_shape_str(in[0]->rank, in[0]->dims, a, sizeof a));
    }
    if (n->opset < 9 && !oct_dt_in(in[0]->dtype, OCT_DTS_FLOAT)) return oct_op_bad_dtype(n, in[0]->dtype);
    return OCT_OK;
}

static oct_status prelu_compute(const oct_node *n, const oct_tensor *const *in_raw, oct_tensor *const *out,
                                const oct_exec *ex)
{
    oct_tensor view;
    const oct_tensor *in[2];
    channel_view(n, in_raw, &view, in);
    return oct_binop_compute(n, in, out, ex, &prelu_op);
}

const oct_op_impl oct_op_PRelu = {
    .infer = prelu_infer,
    .compute = prelu_compute,
};
