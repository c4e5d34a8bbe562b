/* Div: y = a / b (numpy broadcasting). Integer division truncates toward
 * zero; dividing by zero gives 0 and INT_MIN / -1 wraps (never traps). */
#include "ops/binary.h"

static void div_f32(const void *a, const void *b, void *y, int64_t n, int mode)
{
    oct_ew_kernels_get()->bin[OCT_EWK_DIV](a, b, y, n, mode);
}
OCT_BIN_KERNEL(div_f64, double, double, x / w)
OCT_BIN_INT_KERNELS(div, w == 0 ? (U)0 : w == -1 ? (U)0 - (U)x : (U)(x / w),
                    w == 0 ? (U)0 : (U)(x / w), OCT_BIN_SAME)

static const oct_binop div_op = {
    .k = {[OCT_DT_F32] = div_f32, [OCT_DT_F64] = div_f64, OCT_BIN_INT_ENTRIES(div)},
    .ewk = 1 + OCT_EWK_DIV,
};

OCT_BINOP_IMPL(Div, div_op)
