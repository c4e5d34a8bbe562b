/* Sub: y = a - b (numpy broadcasting). All numeric dtypes but bf16;
 * integers wrap around. */
#include "ops/binary.h"

static void sub_f32(const void *a, const void *b, void *y, int64_t n, int mode)
{
    oct_ew_kernels_get()->bin[OCT_EWK_SUB](a, b, y, n, mode);
}
OCT_BIN_KERNEL(sub_f64, double, double, x - w)
OCT_BIN_INT_KERNELS(sub, (U)x - (U)w, (U)x - (U)w, OCT_BIN_SAME)

static const oct_binop sub_op = {
    .k = {[OCT_DT_F32] = sub_f32, [OCT_DT_F64] = sub_f64, OCT_BIN_INT_ENTRIES(sub)},
    .ewk = 1 + OCT_EWK_SUB,
};

OCT_BINOP_IMPL(Sub, sub_op)
