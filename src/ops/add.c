/* Add: y = a + b (numpy broadcasting). All numeric dtypes but bf16;
 * integers wrap around. */
#include "ops/binary.h"

static void add_f32(const void *a, const void *b, void *y, int64_t n, int mode)
{
    oct_ew_kernels_get()->bin[OCT_EWK_ADD](a, b, y, n, mode);
}
OCT_BIN_KERNEL(add_f64, double, double, x + w)
OCT_BIN_INT_KERNELS(add, (U)x + (U)w, (U)x + (U)w, OCT_BIN_SAME)

const oct_binop oct_binop_add = {
    .k = {[OCT_DT_F32] = add_f32, [OCT_DT_F64] = add_f64, OCT_BIN_INT_ENTRIES(add)},
    .ewk = 1 + OCT_EWK_ADD,
};

OCT_BINOP_IMPL(Add, oct_binop_add)
