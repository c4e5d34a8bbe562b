/* Equal, Less, Greater, LessOrEqual, GreaterOrEqual: bool y from two inputs
 * of one numeric dtype (Equal also bool), numpy broadcasting. NaN compares
 * false (Equal included), as in IEEE / numpy. */
#include "ops/binary.h"

#define CMP_KERNELS(prefix, EXPR)                                  \
    OCT_BIN_KERNEL(prefix##_f32, float, uint8_t, EXPR)             \
    OCT_BIN_KERNEL(prefix##_f64, double, uint8_t, EXPR)            \
    OCT_BIN_INT_KERNELS(prefix, EXPR, EXPR, OCT_BIN_BOOL)

#define CMP_TABLE(prefix)                                                                  \
    static const oct_binop prefix##_op = {                                                 \
        .k = {[OCT_DT_F32] = prefix##_f32, [OCT_DT_F64] = prefix##_f64, OCT_BIN_INT_ENTRIES(prefix)}, \
        .out_bool = 1,                                                                     \
    };

CMP_KERNELS(eq, x == w)
CMP_KERNELS(lt, x < w)
CMP_KERNELS(gt, x > w)
CMP_KERNELS(le, x <= w)
CMP_KERNELS(ge, x >= w)

CMP_TABLE(eq)
CMP_TABLE(lt)
CMP_TABLE(gt)
CMP_TABLE(le)
CMP_TABLE(ge)

/* Equal also takes bool (any nonzero byte is true) */
OCT_BIN_KERNEL(eqb, uint8_t, uint8_t, (x != 0) == (w != 0))
static const oct_binop eqb_op = {.k = {[OCT_DT_BOOL] = eqb}, .out_bool = 1};

static const oct_binop *equal_table(const oct_tensor *const *in)
{
    return in[0] && in[0]->dtype == OCT_DT_BOOL ? &eqb_op : &eq_op;
}

static oct_status equal_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    OCT_TRY(oct_op_check_arity(n, in, 2, 2, 2));
    return oct_binop_infer(n, in, out, equal_table(in));
}

static oct_status equal_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                                const oct_exec *ex)
{
    return oct_binop_compute(n, in, out, ex, equal_table(in));
}

const oct_op_impl oct_op_Equal = {
    .infer = equal_infer,
    .compute = equal_compute,
};

OCT_BINOP_IMPL(Less, lt_op)
OCT_BINOP_IMPL(Greater, gt_op)
OCT_BINOP_IMPL(LessOrEqual, le_op)
OCT_BINOP_IMPL(GreaterOrEqual, ge_op)
