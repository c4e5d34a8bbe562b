/* LpNormalization (opsets 1..22): y = x / ||x||_p along `axis` (default -1),
 * p in {1, 2} (default 2). A zero norm gives zeros. X: f32/f16. */
#include <math.h>

#include "ops/op.h"

static oct_status lpn_params(const oct_node *n, const oct_tensor *x, int *axis, int *p)
{
    oct_status s = oct_axis_norm(oct_attr_int(n, "axis", -1), x->rank, axis);
    if (s != OCT_OK) return oct_err_ctx(s, "LpNormalization '%s': ", n->name);
    int64_t pv = oct_attr_int(n, "p", 2);
    if (pv != 1 && pv != 2)
        return oct_err(OCT_E_INVALID, "LpNormalization '%s': p must be 1 or 2, got %lld", n->name, (long long)pv);
    *p = (int)pv;
    return OCT_OK;
}

static oct_status lpn_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    OCT_TRY(oct_op_check_arity(n, in, 1, 1, 1));
    const oct_tensor *x = in[0];
    if (x->dtype != OCT_DT_F32 && x->dtype != OCT_DT_F16) return oct_op_bad_dtype(n, x->dtype);
    if (x->rank < 1) return oct_err(OCT_E_SHAPE, "LpNormalization '%s': input must have rank >= 1", n->name);
    int axis, p;
    OCT_TRY(lpn_params(n, x, &axis, &p));
    return oct_out_shape(out[0], x->dtype, x->rank, x->dims);
}

static inline float ld(const oct_tensor *t, int64_t i)
{
    return t->dtype == OCT_DT_F32 ? ((const float *)t->data)[i] : oct_f16_to_f32(((const uint16_t *)t->data)[i]);
}

static inline void st(oct_tensor *t, int64_t i, float v)
{
    if (t->dtype == OCT_DT_F32) ((float *)t->data)[i] = v;
    else ((uint16_t *)t->data)[i] = oct_f32_to_f16(v);
}

static oct_status lpn_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                              const oct_exec *ex)
{
    (void)ex;
    const oct_tensor *x = in[0];
    int axis, p;
    OCT_TRY(lpn_params(n, x, &axis, &p));
    int64_t outer = oct_shape_numel(axis, x->dims), A = x->dims[axis];
    int64_t inner = oct_shape_numel(x->rank - axis - 1, x->dims + axis + 1);
    for (int64_t o = 0; o < outer; o++)
        for (int64_t i = 0; i < inner; i++) {
            int64_t base = o * A * inner + i;
            float s = 0.f;
            for (int64_t a = 0; a < A; a++) {
                float v = ld(x, base + a * inner);
                s += p == 1 ? fabsf(v) : v * v;
            }
            float norm = p == 1 ? s : sqrtf(s);
            float inv = norm > 0.f ? 1.f / norm : 0.f;
            for (int64_t a = 0; a < A; a++) st(out[0], base + a * inner, ld(x, base + a * inner) * inv);
        }
    return OCT_OK;
}

const oct_op_impl oct_op_LpNormalization = {
    .infer = lpn_infer,
    .compute = lpn_compute,
};
