/* Max, Min, Sum, Mean: n-ary elementwise with numpy broadcasting of all
 * inputs. y = in0 op in1 (broadcast into y's full shape), then y op= in_k.
 * Max/Min: all numeric dtypes (floats only before opset 12); Sum/Mean: floats. */
#include <string.h>

#include "ops/binary.h"
#include "ops/broadcast.h"
#include "ops/ew_util.h"

static void max_f32(const void *a, const void *b, void *y, int64_t n, int mode)
{
    oct_ew_kernels_get()->bin[OCT_EWK_MAX](a, b, y, n, mode);
}
static void min_f32(const void *a, const void *b, void *y, int64_t n, int mode)
{
    oct_ew_kernels_get()->bin[OCT_EWK_MIN](a, b, y, n, mode);
}
OCT_BIN_KERNEL(max_f64, double, double, x > w ? x : w)
OCT_BIN_KERNEL(min_f64, double, double, x < w ? x : w)
OCT_BIN_INT_KERNELS(max, x > w ? x : w, x > w ? x : w, OCT_BIN_SAME)
OCT_BIN_INT_KERNELS(min, x < w ? x : w, x < w ? x : w, OCT_BIN_SAME)

const oct_binop oct_binop_max = {
    .k = {[OCT_DT_F32] = max_f32, [OCT_DT_F64] = max_f64, OCT_BIN_INT_ENTRIES(max)},
    .ewk = 1 + OCT_EWK_MAX,
};
const oct_binop oct_binop_min = {
    .k = {[OCT_DT_F32] = min_f32, [OCT_DT_F64] = min_f64, OCT_BIN_INT_ENTRIES(min)},
    .ewk = 1 + OCT_EWK_MIN,
};

static oct_status nary_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                             const oct_binop *op, uint32_t allowed)
{
    OCT_TRY(oct_op_check_arity(n, in, 1, -1, n->n_in));
    oct_dtype dt = in[0]->dtype;
    for (int i = 1; i < n->n_in; i++)
        if (in[i]->dtype != dt)
            return oct_err(OCT_E_DTYPE, "%s: input %d has dtype %s, input 0 %s", n->op_type, i,
                           oct_dtype_name(in[i]->dtype), oct_dtype_name(dt));
    if (!oct_dt_in(dt, allowed) || !(op->k[dt] || (dt == OCT_DT_F16 && op->k[OCT_DT_F32])))
        return oct_op_bad_dtype(n, dt);
    int rank;
    int64_t dims[OCT_MAX_RANK];
    OCT_TRY(oct_bcast_shape(n->n_in, in, &rank, dims));
    return oct_out_shape(out[0], dt, rank, dims);
}

static void nary_run(const oct_node *n, const oct_tensor *const *in, oct_tensor *y, const oct_exec *ex,
                     const oct_binop *op)
{
    if (n->n_in == 1) { /* same shape as the input */
        if (y->data != in[0]->data) memcpy(y->data, in[0]->data, oct_tensor_nbytes(y));
        return;
    }
    oct_binop_run(op, in[0], in[1], y, oct_ex_pool(ex));
    for (int i = 2; i < n->n_in; i++) oct_binop_run(op, y, in[i], y, oct_ex_pool(ex));
}

#define NARY_OP(Name, table, allowed_fn)                                                        \
    static oct_status Name##_infer(const oct_node *n, const oct_tensor *const *in,             \
                                   oct_tensor *const *out)                                    \
    {                                                                                         \
        return nary_infer(n, in, out, &(table), allowed_fn(n));                                \
    }                                                                                         \
    static oct_status Name##_compute(const oct_node *n, const oct_tensor *const *in,           \
                                     oct_tensor *const *out, const oct_exec *ex)              \
    {                                                                                         \
        nary_run(n, in, out[0], ex, &(table));                                                \
        return OCT_OK;                                                                        \
    }                                                                                         \
    const oct_op_impl oct_op_##Name = {.infer = Name##_infer, .compute = Name##_compute};

static uint32_t minmax_types(const oct_node *n) { return n->opset >= 12 ? OCT_DTS_NUM : OCT_DTS_FLOAT; }
static uint32_t float_types(const oct_node *n) { (void)n; return OCT_DTS_FLOAT; }

NARY_OP(Max, oct_binop_max, minmax_types)
NARY_OP(Min, oct_binop_min, minmax_types)
NARY_OP(Sum, oct_binop_add, float_types)

/* Mean = Sum / count */
static oct_status mean_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    return nary_infer(n, in, out, &oct_binop_add, OCT_DTS_FLOAT);
}

static oct_status mean_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                               const oct_exec *ex)
{
    oct_tensor *y = out[0];
    nary_run(n, in, y, ex, &oct_binop_add);
    int64_t cnt = oct_tensor_numel(y);
    double inv = 1.0 / n->n_in;
    if (y->dtype == OCT_DT_F32) {
        oct_ew_kernels_get()->axpb(y->data, y->data, cnt, (float)inv, 0.f);
    } else if (y->dtype == OCT_DT_F64) {
        double *d = y->data;
        for (int64_t i = 0; i < cnt; i++) d[i] /= n->n_in;
    } else {
        for (int64_t i = 0; i < cnt; i++)
            oct_dtype_set(y->dtype, y->data, (size_t)i, oct_dtype_get(y->dtype, y->data, (size_t)i) / n->n_in);
    }
    return OCT_OK;
}

const oct_op_impl oct_op_Mean = {
    .infer = mean_infer,
    .compute = mean_compute,
};
