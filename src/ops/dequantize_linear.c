/* DequantizeLinear: y = (x - x_zero_point) * x_scale in float32, x uint8,
 * int8 or int32 (whose zero point, if given, is int32 too), per tensor or,
 * from opset 13, per `axis`. Opset 21's blocked form (block_size > 0) is not
 * supported. */
#include <stdlib.h>

#include "ops/quant_kernels.h"
#include "ops/quant_util.h"

typedef struct dq_view {
    int64_t outer, len, inner;
} dq_view;

static oct_status dq_view_of(const oct_node *n, const oct_tensor *const *in, dq_view *v)
{
    OCT_TRY(oct_op_check_arity(n, in, 2, 3, 2));
    const oct_tensor *x = in[0], *s = in[1], *z = oct_quant_in(n, in, 2);
    if (x->dtype != OCT_DT_U8 && x->dtype != OCT_DT_I8 && x->dtype != OCT_DT_I32) return oct_op_bad_dtype(n, x->dtype);
    if (s->dtype != OCT_DT_F32)
        return oct_err(OCT_E_UNSUPPORTED, "%s: x_scale of dtype %s is not supported (float32)", n->op_type,
                       oct_dtype_name(s->dtype));
    if (z && z->dtype != x->dtype)
        return oct_err(OCT_E_DTYPE, "%s: x_zero_point has dtype %s, x %s", n->op_type, oct_dtype_name(z->dtype),
                       oct_dtype_name(x->dtype));
    if (n->opset >= 21 && oct_attr_int(n, "block_size", 0) != 0)
        return oct_err(OCT_E_UNSUPPORTED, "%s: blocked quantization (block_size) is not supported", n->op_type);
    oct_quant_axis_view v3;
    OCT_TRY(oct_quant_axis_view_of(n, x, s, z, "x_scale", "x_zero_point", &v3));
    v->outer = v3.outer;
    v->len = v3.len;
    v->inner = v3.inner;
    return OCT_OK;
}

static oct_status dq_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    dq_view v;
    OCT_TRY(dq_view_of(n, in, &v));
    return oct_out_shape(out[0], OCT_DT_F32, in[0]->rank, in[0]->dims);
}

typedef struct dq_ctx {
    const oct_quant_kernels *kern;
    const dq_view *v;
    const oct_tensor *x;
    const float *scale;
    const int32_t *zp;
    float *y;
} dq_ctx;

static void dq_range(void *ctx_, int64_t b, int64_t e, int tid)
{
    (void)tid;
    const dq_ctx *c = ctx_;
    const dq_view *v = c->v;
    float *y = c->y;
    for (int64_t i = b; i < e;) {
        int64_t row = i / v->inner, ch = row % v->len, end = (row + 1) * v->inner;
        if (end > e) end = e;
        float s = c->scale[ch];
        int32_t zp = c->zp[ch];
        if (c->x->dtype == OCT_DT_I32) {
            const int32_t *x = c->x->data;
            for (; i < end; i++) y[i] = (float)((int64_t)x[i] - zp) * s;
        } else {
            c->kern->dequantize((const uint8_t *)c->x->data + i, end - i, c->x->dtype == OCT_DT_I8, zp, s, y + i);
            i = end;
        }
    }
}

static oct_status dq_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                             const oct_exec *ex)
{
    dq_view v;
    OCT_TRY(dq_view_of(n, in, &v));
    float *scale;
    int32_t *zp;
    OCT_TRY(oct_quant_load_params(n, in[1], oct_quant_in(n, in, 2), v.len, &scale, &zp));
    dq_ctx c = {oct_quant_kernels_get(), &v, in[0], scale, zp, out[0]->data};
    oct_pool_for(ex ? ex->pool : NULL, oct_tensor_numel(in[0]), 1 << 16, dq_range, &c);
    free(scale);
    free(zp);
    return OCT_OK;
}

const oct_op_impl oct_op_DequantizeLinear = {
    .infer = dq_infer,
    .compute = dq_compute,
};
