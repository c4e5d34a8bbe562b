/* DynamicQuantizeLinear (uint8): over the float32 input,
 *   lo = min(0, min(x)), hi = max(0, max(x)), y_scale = (hi - lo) / 255,
 *   y_zero_point = saturate(round_half_to_even(0 - lo / y_scale)),
 *   y = saturate(round_half_to_even(x / y_scale) + y_zero_point),
 * in float32 as the spec's function body. When hi == lo (all zeros) the
 * spec divides 0 by 0; octet then uses y_scale = 1 (as onnxruntime), so the
 * outputs are 0 with zero point 0. NaN inputs are ignored by min / max (and
 * quantize to 0). */
#include "ops/quant_kernels.h"
#include "ops/quant_util.h"

static oct_status dql_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    OCT_TRY(oct_op_check_arity(n, in, 1, 1, 1));
    if (n->n_out < 1 || n->n_out > 3)
        return oct_err(OCT_E_INVALID, "%s: expects 1..3 outputs, got %d", n->op_type, n->n_out);
    if (in[0]->dtype != OCT_DT_F32) return oct_op_bad_dtype(n, in[0]->dtype);
    if (out[0]) OCT_TRY(oct_out_shape(out[0], OCT_DT_U8, in[0]->rank, in[0]->dims));
    if (n->n_out > 1 && out[1]) OCT_TRY(oct_out_shape(out[1], OCT_DT_F32, 0, NULL));
    if (n->n_out > 2 && out[2]) OCT_TRY(oct_out_shape(out[2], OCT_DT_U8, 0, NULL));
    return OCT_OK;
}

typedef struct dql_ctx {
    const oct_quant_kernels *kern;
    const float *x;
    uint8_t *y;
    float scale;
    int32_t zp;
} dql_ctx;

static void dql_range(void *ctx_, int64_t b, int64_t e, int tid)
{
    (void)tid;
    const dql_ctx *c = ctx_;
    c->kern->quantize(c->x + b, e - b, c->scale, (float)(0 - c->zp), (float)(255 - c->zp), c->zp, 0, c->y + b);
}

static oct_status dql_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                              const oct_exec *ex)
{
    const float *x = in[0]->data;
    int64_t cnt = oct_tensor_numel(in[0]);
    float mn = 0.f, mx = 0.f; /* the range always includes 0 */
    oct_quant_kernels_get()->minmax(x, cnt, &mn, &mx);
    float scale = mx == mn ? 1.f : (mx - mn) / 255.f;
    int32_t zp = oct_quant_rne((0.f - mn / scale), 0.f, 255.f);
    if (n->n_out > 1 && out[1]) *(float *)out[1]->data = scale;
    if (n->n_out > 2 && out[2]) *(uint8_t *)out[2]->data = (uint8_t)zp;
    if (out[0]) {
        dql_ctx c = {oct_quant_kernels_get(), x, out[0]->data, scale, zp};
        oct_pool_for(ex ? ex->pool : NULL, cnt, 1 << 16, dql_range, &c);
    }
    return OCT_OK;
}

const oct_op_impl oct_op_DynamicQuantizeLinear = {
    .infer = dql_infer,
    .compute = dql_compute,
};
