/* Mul: y = a * b (numpy broadcasting). All numeric dtypes but bf16;
 * integers wrap around. */
#include "ops/binary.h"

static void mul_f32(const void *a, const void *b, void *y, int64_t n, int mode)
{
    oct_ew_kernels_get()->bin[OCT_EWK_MUL](a, b, y, n, mode);
}
OCT_BIN_KERNEL(mul_f64, double, double, x * w)
OCT_BIN_INT_KERNELS(mul, (U)x * (U)w, (U)x * (U)w, OCT_BIN_SAME)

const oct_binop oct_binop_mul = {
    .k = {[OCT_DT_F32] = mul_f32, [OCT_DT_F64] = mul_f64, OCT_BIN_INT_ENTRIES(mul)},
    .ewk = 1 + OCT_EWK_MUL,
};

OCT_BINOP_IMPL(Mul, oct_binop_mul)
