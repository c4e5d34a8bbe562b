/* ConvInteger: y = Conv(x - x_zero_point, w - w_zero_point) in int32 (sums
 * wrap modulo 2^32), x and w uint8 or int8, attributes as Conv (groups,
 * strides, dilations, pads, auto_pad; 1-3 spatial dimensions). x's zero
 * point is per tensor, w's per tensor or per output channel; both optional.
 * Constant weights are converted to int8 and packed at load (quant_conv.c). */
#include <stdlib.h>

#include "ops/conv_attrs.h"
#include "ops/quant_util.h"

static int is_q8(oct_dtype t) { return t == OCT_DT_U8 || t == OCT_DT_I8; }

static oct_status ci_check(const oct_node *n, const oct_tensor *const *in, oct_conv_geom *g, int64_t *nzw)
{
    OCT_TRY(oct_op_check_arity(n, in, 2, 4, 2));
    const oct_tensor *x = in[0], *w = in[1], *zx = oct_quant_in(n, in, 2), *zw = oct_quant_in(n, in, 3);
    if (!is_q8(x->dtype)) return oct_op_bad_dtype(n, x->dtype);
    if (!is_q8(w->dtype)) return oct_op_bad_dtype(n, w->dtype);
    OCT_TRY(oct_conv_attrs_geom(n, x, w, 0, g));
    int64_t c;
    if (zx) {
        if (zx->dtype != x->dtype) return oct_err(OCT_E_DTYPE, "%s: x_zero_point's dtype differs from x's", n->op_type);
        OCT_TRY(oct_quant_param_count(n, "x_zero_point", zx, 0, &c));
    }
    *nzw = 1;
    if (zw) {
        if (zw->dtype != w->dtype) return oct_err(OCT_E_DTYPE, "%s: w_zero_point's dtype differs from w's", n->op_type);
        OCT_TRY(oct_quant_param_count(n, "w_zero_point", zw, g->M, nzw));
    }
    return OCT_OK;
}

static void out_dims(const oct_conv_geom *g, int64_t *d)
{
    d[0] = g->N;
    d[1] = g->M;
    for (int i = 0; i < g->nsp; i++) d[2 + i] = g->out[3 - g->nsp + i];
}

static oct_status ci_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    oct_conv_geom g;
    int64_t nzw, d[5];
    OCT_TRY(ci_check(n, in, &g, &nzw));
    out_dims(&g, d);
    return oct_out_shape(out[0], OCT_DT_I32, g.nsp + 2, d);
}

static oct_status ci_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                             const oct_exec *ex)
{
    oct_conv_geom g;
    int64_t nzw;
    OCT_TRY(ci_check(n, in, &g, &nzw));
    int32_t zx, *zw = malloc((size_t)nzw * sizeof *zw);
    if (!zw) return oct_err(OCT_E_NOMEM, "%s: out of memory", n->op_type);
    oct_quant_read_zp(oct_quant_in(n, in, 2), 1, &zx);
    oct_quant_read_zp(oct_quant_in(n, in, 3), nzw, zw);
    oct_qconv_job j = {
        .g = &g,
        .x = in[0]->data,
        .xdt = in[0]->dtype,
        .zx = zx,
        .w = in[1]->data,
        .wdt = in[1]->dtype,
        .zw = zw,
        .nzw = nzw,
        .prep = n->state,
        .ydt = OCT_DT_I32,
        .y = out[0]->data,
    };
    oct_status s = oct_qconv_run(&j, ex ? ex->pool : NULL);
    free(zw);
    return s;
}

static oct_status ci_prepare(oct_node *n, const oct_graph *g)
{
    oct_qconv_prep *p = NULL;
    OCT_TRY(oct_qconv_prepare(n, g, 1, 3, &p));
    n->state = p;
    return OCT_OK;
}

static void ci_release(oct_node *n)
{
    oct_qconv_prep_free(n->state);
    n->state = NULL;
}

const oct_op_impl oct_op_ConvInteger = {
    .infer = ci_infer,
    .compute = ci_compute,
    .prepare = ci_prepare,
    .release = ci_release,
};
