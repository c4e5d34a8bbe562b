/* Relu: y = max(x, 0). Floats (f32 fast path, f16 through it, f64) and,
 * from opset 14, i8/i16/i32/i64. */
#include "ops/unary.h"

OCT_UN_F32(relu_f32, x > 0.f ? x : 0.f)
OCT_UN_F64(relu_f64, x > 0 ? x : 0.0)

static int64_t relu_i64(int64_t x, int uns, const oct_unparams *p)
{
    (void)uns, (void)p;
    return x > 0 ? x : 0;
}

static const oct_unop relu_op = {
    .types = OCT_DTS_FLOAT | OCT_DTS_SINT,
    .f32 = relu_f32,
    .f64 = relu_f64,
    .i64 = relu_i64,
};

OCT_UNOP_IMPL(Relu, relu_op)
