/* Elementwise activations: LeakyRelu Sigmoid HardSigmoid HardSwish Tanh
 * Softplus Softsign Elu Selu Celu ThresholdedRelu Gelu (floats).
 * Sigmoid/Tanh use the vectorised kernels; the simple piecewise-linear ones
 * vectorise as written; the exp-based ones use libm for accuracy. */
#include <math.h>
#include <string.h>

#include "ops/ew_kernels.h"
#include "ops/ew_vmath.h"
#include "ops/unary.h"

#define F OCT_DTS_FLOAT

#define ACT(Name, PARAMS, E32, E64)                                                 \
    OCT_UN_F32(Name##_f32, E32)                                                     \
    OCT_UN_F64(Name##_f64, E64)                                                     \
    static const oct_unop Name##_op = {.types = F, .f32 = Name##_f32, .f64 = Name##_f64, .params = PARAMS}; \
    OCT_UNOP_IMPL(Name, Name##_op)

/* attribute readers: alpha (and beta / gamma) with the op's defaults */
static oct_status alpha_001(const oct_node *n, oct_unparams *p)
{
    p->alpha = oct_attr_float(n, "alpha", 0.01f);
    return OCT_OK;
}
static oct_status alpha_1(const oct_node *n, oct_unparams *p)
{
    p->alpha = oct_attr_float(n, "alpha", 1.0f);
    return OCT_OK;
}
static oct_status hardsigmoid_params(const oct_node *n, oct_unparams *p)
{
    p->alpha = oct_attr_float(n, "alpha", 0.2f);
    p->beta = oct_attr_float(n, "beta", 0.5f);
    return OCT_OK;
}
static oct_status selu_params(const oct_node *n, oct_unparams *p)
{
    int old = n->opset < 6;
    p->alpha = oct_attr_float(n, "alpha", old ? 1.6732f : 1.67326319217681884765625f);
    p->gamma = oct_attr_float(n, "gamma", old ? 1.0507f : 1.05070102214813232421875f);
    return OCT_OK;
}
static oct_status celu_params(const oct_node *n, oct_unparams *p)
{
    p->alpha = oct_attr_float(n, "alpha", 1.0f);
    if (p->alpha == 0.f) return oct_err(OCT_E_INVALID, "Celu: alpha must not be 0");
    return OCT_OK;
}

ACT(LeakyRelu, alpha_001, oct_vsel(x < 0.f, p->alpha * x, x), x < 0 ? p->alpha * x : x)
ACT(HardSigmoid, hardsigmoid_params, oct_vclampf(p->alpha * x + p->beta, 0.f, 1.f),
    fmax(0.0, fmin(1.0, p->alpha * x + p->beta)))
ACT(HardSwish, NULL, x * oct_vclampf(x * (1.0f / 6.0f) + 0.5f, 0.f, 1.f),
    x * fmax(0.0, fmin(1.0, x / 6.0 + 0.5)))
ACT(Softsign, NULL, x / (1.0f + fabsf(x)), x / (1.0 + fabs(x)))
ACT(ThresholdedRelu, alpha_1, oct_vsel(x > p->alpha, x, 0.f), x > p->alpha ? x : 0.0)
/* softplus = max(x, 0) + log1p(exp(-|x|)), no overflow */
ACT(Softplus, NULL, (x > 0.f ? x : 0.f) + log1pf(expf(-fabsf(x))), (x > 0 ? x : 0) + log1p(exp(-fabs(x))))
ACT(Elu, alpha_1, x < 0.f ? p->alpha * expm1f(x) : x, x < 0 ? p->alpha * expm1(x) : x)
ACT(Selu, selu_params, x > 0.f ? p->gamma * x : p->gamma * p->alpha * expm1f(x),
    x > 0 ? p->gamma * x : p->gamma * p->alpha * expm1(x))
ACT(Celu, celu_params, x > 0.f ? x : p->alpha * expm1f(x / p->alpha),
    x > 0 ? x : p->alpha * expm1(x / p->alpha))

/* Sigmoid, Tanh: vectorised f32 kernels */
static void sigmoid_f32(const float *x, float *y, int64_t n, const oct_unparams *p)
{
    (void)p;
    oct_ew_kernels_get()->sigmoid(x, y, n);
}
OCT_UN_F64(sigmoid_f64, 1.0 / (1.0 + exp(-x)))
static const oct_unop sigmoid_op = {.types = F, .f32 = sigmoid_f32, .f64 = sigmoid_f64};
OCT_UNOP_IMPL(Sigmoid, sigmoid_op)

static void tanh_f32(const float *x, float *y, int64_t n, const oct_unparams *p)
{
    (void)p;
    oct_ew_kernels_get()->tanh(x, y, n);
}
OCT_UN_F64(tanh_f64, tanh(x))
static const oct_unop tanh_op = {.types = F, .f32 = tanh_f32, .f64 = tanh_f64};
OCT_UNOP_IMPL(Tanh, tanh_op)

/* Gelu (opset 20): approximate = "none" (erf) or "tanh" */
static oct_status gelu_params(const oct_node *n, oct_unparams *p)
{
    const char *a = oct_attr_str(n, "approximate", "none");
    if (!strcmp(a, "none")) p->i0 = 0;
    else if (!strcmp(a, "tanh")) p->i0 = 1;
    else return oct_err(OCT_E_INVALID, "Gelu: approximate must be \"none\" or \"tanh\", got \"%s\"", a);
    return OCT_OK;
}
static void gelu_f32(const float *x, float *y, int64_t n, const oct_unparams *p)
{
    if (p->i0) {
        for (int64_t i = 0; i < n; i++) {
            float v = x[i];
            y[i] = 0.5f * v * (1.0f + oct_vtanhf(0.7978845608028654f * (v + 0.044715f * v * v * v)));
        }
    } else {
        oct_ew_kernels_get()->gelu(x, y, n);
    }
}
static double gelu_f64(double x, const oct_unparams *p)
{
    if (p->i0) return 0.5 * x * (1.0 + tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)));
    return 0.5 * x * (1.0 + erf(x * 0.70710678118654752));
}
static const oct_unop gelu_op = {.types = F, .f32 = gelu_f32, .f64 = gelu_f64, .params = gelu_params};
OCT_UNOP_IMPL(Gelu, gelu_op)
