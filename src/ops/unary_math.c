/* Unary math ops: Sqrt Exp Log Neg Abs Reciprocal Floor Ceil Round Sign
 * Sin Cos Tan Asin Acos Atan Sinh Cosh Asinh Acosh Atanh Erf IsNaN IsInf.
 * f32 (and f16 through it) uses libm float functions, except Exp and Erf
 * which use the vectorised kernels; f64 uses libm double functions. */
#include <math.h>

#include "ops/ew_kernels.h"
#include "ops/unary.h"

#define F OCT_DTS_FLOAT

/* Name, accepted dtypes, f32 expression, f64 expression (over x) */
#define UNARY(Name, TYPES, E32, E64)                                                \
    OCT_UN_F32(Name##_f32, E32)                                                     \
    OCT_UN_F64(Name##_f64, E64)                                                     \
    static const oct_unop Name##_op = {.types = (TYPES), .f32 = Name##_f32, .f64 = Name##_f64}; \
    OCT_UNOP_IMPL(Name, Name##_op)

UNARY(Sqrt, F, sqrtf(x), sqrt(x))
UNARY(Log, F, logf(x), log(x))
UNARY(Reciprocal, F, 1.0f / x, 1.0 / x)
UNARY(Floor, F, floorf(x), floor(x))
UNARY(Ceil, F, ceilf(x), ceil(x))
UNARY(Round, F, rintf(x), rint(x)) /* half to even in the default rounding mode */
UNARY(Sin, F, sinf(x), sin(x))
UNARY(Cos, F, cosf(x), cos(x))
UNARY(Tan, F, tanf(x), tan(x))
UNARY(Asin, F, asinf(x), asin(x))
UNARY(Acos, F, acosf(x), acos(x))
UNARY(Atan, F, atanf(x), atan(x))
UNARY(Sinh, F, sinhf(x), sinh(x))
UNARY(Cosh, F, coshf(x), cosh(x))
UNARY(Asinh, F, asinhf(x), asinh(x))
UNARY(Acosh, F, acoshf(x), acosh(x))
UNARY(Atanh, F, atanhf(x), atanh(x))
/* Erf: vectorised kernel for f32 (ew_vmath.h, within ~1e-7 of erff) */
static void erf_f32(const float *x, float *y, int64_t n, const oct_unparams *p)
{
    (void)p;
    oct_ew_kernels_get()->erf(x, y, n);
}
OCT_UN_F64(erf_f64, erf(x))
static const oct_unop erf_op = {.types = F | OCT_DTS_INT, .f32 = erf_f32, .f64 = erf_f64};
OCT_UNOP_IMPL(Erf, erf_op)

/* Exp: vectorised kernel for f32 */
static void exp_f32(const float *x, float *y, int64_t n, const oct_unparams *p)
{
    (void)p;
    oct_ew_kernels_get()->exp(x, y, n);
}
OCT_UN_F64(exp_f64, exp(x))
static const oct_unop exp_op = {.types = F, .f32 = exp_f32, .f64 = exp_f64};
OCT_UNOP_IMPL(Exp, exp_op)

/* Neg, Abs, Sign: integers exactly (wrapping: -INT_MIN == INT_MIN) */
OCT_UN_F32(neg_f32, -x)
OCT_UN_F64(neg_f64, -x)
static int64_t neg_i64(int64_t x, int uns, const oct_unparams *p)
{
    (void)uns, (void)p;
    return (int64_t)(0 - (uint64_t)x);
}
static const oct_unop neg_op = {.types = F | OCT_DTS_SINT, .f32 = neg_f32, .f64 = neg_f64, .i64 = neg_i64};
OCT_UNOP_IMPL(Neg, neg_op)

OCT_UN_F32(abs_f32, fabsf(x))
OCT_UN_F64(abs_f64, fabs(x))
static int64_t abs_i64(int64_t x, int uns, const oct_unparams *p)
{
    (void)p;
    return uns || x >= 0 ? x : (int64_t)(0 - (uint64_t)x);
}
static const oct_unop abs_op = {.types = OCT_DTS_NUM, .f32 = abs_f32, .f64 = abs_f64, .i64 = abs_i64};
OCT_UNOP_IMPL(Abs, abs_op)

OCT_UN_F32(sign_f32, x > 0.f ? 1.f : x < 0.f ? -1.f : x)
OCT_UN_F64(sign_f64, x > 0 ? 1.0 : x < 0 ? -1.0 : x)
static int64_t sign_i64(int64_t x, int uns, const oct_unparams *p)
{
    (void)p;
    if (uns) return x != 0;
    return (x > 0) - (x < 0);
}
static const oct_unop sign_op = {.types = OCT_DTS_NUM, .f32 = sign_f32, .f64 = sign_f64, .i64 = sign_i64};
OCT_UNOP_IMPL(Sign, sign_op)

/* IsNaN / IsInf -> bool */
static void isnan_f32(const float *x, uint8_t *y, int64_t n, const oct_unparams *p)
{
    (void)p;
    for (int64_t i = 0; i < n; i++) y[i] = x[i] != x[i];
}
static int isnan_f64(double x, const oct_unparams *p)
{
    (void)p;
    return x != x;
}
static const oct_unop isnan_op = {.types = F, .f32b = isnan_f32, .f64b = isnan_f64};
OCT_UNOP_IMPL(IsNaN, isnan_op)

static oct_status isinf_params(const oct_node *n, oct_unparams *p)
{
    p->i0 = oct_attr_int(n, "detect_negative", 1);
    p->i1 = oct_attr_int(n, "detect_positive", 1);
    return OCT_OK;
}
static void isinf_f32(const float *x, uint8_t *y, int64_t n, const oct_unparams *p)
{
    const float inf = INFINITY;
    int neg = p->i0 != 0, pos = p->i1 != 0;
    for (int64_t i = 0; i < n; i++) y[i] = (uint8_t)((pos & (x[i] == inf)) | (neg & (x[i] == -inf)));
}
static int isinf_f64(double x, const oct_unparams *p)
{
    return (p->i1 && x == INFINITY) || (p->i0 && x == -INFINITY);
}
static const oct_unop isinf_op = {.types = F, .f32b = isinf_f32, .f64b = isinf_f64, .params = isinf_params};
OCT_UNOP_IMPL(IsInf, isinf_op)
