/* QuantizeLinear: y = saturate(round_half_to_even(x / y_scale) + y_zero_point)
 * to uint8 or int8 (the zero point's type; uint8 without one), per tensor
 * or, from opset 13, per `axis` (1-D scale and zero point). x is float32
 * (divided in float32) or int32 (divided in float64, as numpy promotes it).
 * Opset 21's blocked quantization (block_size > 0) is not supported. */
#include <math.h>
#include <stdlib.h>

#include "ops/quant_kernels.h"
#include "ops/quant_util.h"

typedef struct ql_view {
    int64_t outer, len, inner; /* len: the axis (1 per tensor) */
    oct_dtype ydt;
} ql_view;

static oct_status ql_view_of(const oct_node *n, const oct_tensor *const *in, ql_view *v)
{
    OCT_TRY(oct_op_check_arity(n, in, 2, 3, 2));
    const oct_tensor *x = in[0], *s = in[1], *z = oct_quant_in(n, in, 2);
    if (x->dtype != OCT_DT_F32 && x->dtype != OCT_DT_I32) return oct_op_bad_dtype(n, x->dtype);
    if (s->dtype != OCT_DT_F32)
        return oct_err(OCT_E_UNSUPPORTED, "%s: y_scale of dtype %s is not supported (float32)", n->op_type,
                       oct_dtype_name(s->dtype));
    if (n->opset >= 21 && oct_attr_int(n, "block_size", 0) != 0)
        return oct_err(OCT_E_UNSUPPORTED, "%s: blocked quantization (block_size) is not supported", n->op_type);
    v->ydt = OCT_DT_U8;
    if (z) {
        OCT_TRY(oct_quant_check_zp_dtype(n, "y_zero_point", z));
        v->ydt = z->dtype;
    }
    int64_t odt = n->opset >= 21 ? oct_attr_int(n, "output_dtype", 0) : 0;
    if (odt != 0) {
        if (odt != OCT_DT_U8 && odt != OCT_DT_I8)
            return oct_err(OCT_E_UNSUPPORTED, "%s: output_dtype %lld is not supported", n->op_type, (long long)odt);
        if (z && (oct_dtype)odt != z->dtype)
            return oct_err(OCT_E_INVALID, "%s: output_dtype differs from the zero point's dtype", n->op_type);
        v->ydt = (oct_dtype)odt;
    }
    oct_quant_axis_view v3;
    OCT_TRY(oct_quant_axis_view_of(n, x, s, z, "y_scale", "y_zero_point", &v3));
    v->outer = v3.outer;
    v->len = v3.len;
    v->inner = v3.inner;
    return OCT_OK;
}

static oct_status ql_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    ql_view v;
    OCT_TRY(ql_view_of(n, in, &v));
    return oct_out_shape(out[0], v.ydt, in[0]->rank, in[0]->dims);
}

typedef struct ql_ctx {
    const oct_quant_kernels *kern;
    const ql_view *v;
    const oct_tensor *x;
    const float *scale;
    const int32_t *zp;
    void *y;
} ql_ctx;

static void ql_range(void *ctx_, int64_t b, int64_t e, int tid)
{
    (void)tid;
    const ql_ctx *c = ctx_;
    const ql_view *v = c->v;
    int is8 = v->ydt == OCT_DT_I8;
    int32_t qlo = oct_quant_lo(v->ydt), qhi = oct_quant_hi(v->ydt);
    for (int64_t i = b; i < e;) {
        int64_t row = i / v->inner, ch = row % v->len, end = (row + 1) * v->inner;
        if (end > e) end = e;
        float s = c->scale[ch];
        int32_t zp = c->zp[ch];
        float lo = (float)(qlo - zp), hi = (float)(qhi - zp);
        if (c->x->dtype == OCT_DT_F32) {
            c->kern->quantize((const float *)c->x->data + i, end - i, s, lo, hi, zp, is8, (uint8_t *)c->y + i);
            i = end;
        } else {
            const int32_t *x = c->x->data;
            for (; i < end; i++) {
                double q = (double)x[i] / (double)s;
                q = q > lo ? q : lo; /* NaN -> lo, as oct_quant_rne */
                q = q < hi ? q : hi;
                int32_t r = (int32_t)rint(q) + zp;
                if (is8) ((int8_t *)c->y)[i] = (int8_t)r;
                else ((uint8_t *)c->y)[i] = (uint8_t)r;
            }
        }
    }
}

static oct_status ql_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                             const oct_exec *ex)
{
    ql_view v;
    OCT_TRY(ql_view_of(n, in, &v));
    float *scale;
    int32_t *zp;
    OCT_TRY(oct_quant_load_params(n, in[1], oct_quant_in(n, in, 2), v.len, &scale, &zp));
    ql_ctx c = {oct_quant_kernels_get(), &v, in[0], scale, zp, out[0]->data};
    int64_t total = oct_tensor_numel(in[0]);
    oct_pool_for(ex ? ex->pool : NULL, total, 1 << 16, ql_range, &c);
    free(scale);
    free(zp);
    return OCT_OK;
}

const oct_op_impl oct_op_QuantizeLinear = {
    .infer = ql_infer,
    .compute = ql_compute,
};
