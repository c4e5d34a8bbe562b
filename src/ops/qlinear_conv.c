/* QLinearConv: y = saturate(round_half_to_even(acc * M[m]) + y_zero_point)
 * with acc = B[m] + Conv(x - x_zero_point, w - w_zero_point[m]) (int32) and
 * M[m] = x_scale * w_scale[m] / y_scale in float32. x, w, y are uint8 or
 * int8; x and y have per-tensor parameters, w per tensor or per output
 * channel; the optional bias B is int32 at scale x_scale * w_scale.
 * Attributes as Conv. Constant weights are converted to int8 (W - w_zp,
 * when it fits: always for symmetric int8 weights) and packed for the
 * integer GEMM at load (quant_conv.c; rounding in quant_util.h). */
#include <stdlib.h>

#include "ops/conv_attrs.h"
#include "ops/quant_util.h"

static int is_q8(oct_dtype t) { return t == OCT_DT_U8 || t == OCT_DT_I8; }

static oct_status qc_scale(const oct_node *n, const char *what, const oct_tensor *t, int64_t len, int64_t *cnt)
{
    if (t->dtype != OCT_DT_F32)
        return oct_err(OCT_E_UNSUPPORTED, "%s: %s of dtype %s is not supported (float32)", n->op_type, what,
                       oct_dtype_name(t->dtype));
    return oct_quant_param_count(n, what, t, len, cnt);
}

static oct_status qc_zp(const oct_node *n, const char *what, const oct_tensor *z, oct_dtype want, int64_t len,
                        int64_t *cnt)
{
    if (z->dtype != want)
        return oct_err(OCT_E_DTYPE, "%s: %s has dtype %s, expected %s", n->op_type, what, oct_dtype_name(z->dtype),
                       oct_dtype_name(want));
    return oct_quant_param_count(n, what, z, len, cnt);
}

static oct_status qc_check(const oct_node *n, const oct_tensor *const *in, oct_conv_geom *g, int64_t *nw)
{
    OCT_TRY(oct_op_check_arity(n, in, 8, 9, 8));
    OCT_TRY(oct_quant_act_check(n));
    const oct_tensor *x = in[0], *w = in[3], *yz = in[7], *B = oct_quant_in(n, in, 8);
    if (!is_q8(x->dtype)) return oct_op_bad_dtype(n, x->dtype);
    if (!is_q8(w->dtype)) return oct_op_bad_dtype(n, w->dtype);
    OCT_TRY(oct_quant_check_zp_dtype(n, "y_zero_point", yz));
    OCT_TRY(oct_conv_attrs_geom(n, x, w, 0, g));
    int64_t c, cz;
    OCT_TRY(qc_scale(n, "x_scale", in[1], 0, &c));
    OCT_TRY(qc_zp(n, "x_zero_point", in[2], x->dtype, 0, &c));
    OCT_TRY(qc_scale(n, "w_scale", in[4], g->M, nw));
    OCT_TRY(qc_zp(n, "w_zero_point", in[5], w->dtype, g->M, &cz));
    /* the spec asks for equal shapes; a per-tensor zero point with per-channel scales is harmless */
    if (cz != 1 && cz != *nw)
        return oct_err(OCT_E_SHAPE, "%s: w_scale and w_zero_point have different shapes", n->op_type);
    OCT_TRY(qc_scale(n, "y_scale", in[6], 0, &c));
    OCT_TRY(qc_zp(n, "y_zero_point", yz, yz->dtype, 0, &c));
    if (B) {
        if (B->dtype != OCT_DT_I32) return oct_err(OCT_E_DTYPE, "%s: bias must be int32, got %s", n->op_type,
                                                   oct_dtype_name(B->dtype));
        if (B->rank != 1 || B->dims[0] != g->M)
            return oct_err(OCT_E_SHAPE, "%s: bias must be a 1-D tensor of %lld values", n->op_type, (long long)g->M);
    }
    return OCT_OK;
}

static oct_status qc_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    oct_conv_geom g;
    int64_t nw, d[5];
    OCT_TRY(qc_check(n, in, &g, &nw));
    d[0] = g.N;
    d[1] = g.M;
    for (int i = 0; i < g.nsp; i++) d[2 + i] = g.out[3 - g.nsp + i];
    return oct_out_shape(out[0], in[7]->dtype, g.nsp + 2, d);
}

static oct_status qc_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                             const oct_exec *ex)
{
    oct_conv_geom g;
    int64_t nw;
    OCT_TRY(qc_check(n, in, &g, &nw));
    int64_t nzw = oct_tensor_numel(in[5]) == 1 ? 1 : g.M;
    int32_t zx, zo, *zw = malloc((size_t)nzw * sizeof *zw);
    float xs, ys, *mult = malloc((size_t)nw * sizeof *mult);
    if (!zw || !mult) {
        free(zw);
        free(mult);
        return oct_err(OCT_E_NOMEM, "%s: out of memory", n->op_type);
    }
    oct_quant_read_zp(in[2], 1, &zx);
    oct_quant_read_zp(in[5], nzw, zw);
    oct_quant_read_zp(in[7], 1, &zo);
    oct_quant_read_scale(in[1], 1, &xs);
    oct_quant_read_scale(in[6], 1, &ys);
    oct_quant_read_scale(in[4], nw, mult);
    for (int64_t i = 0; i < nw; i++) mult[i] = oct_quant_mult(xs, mult[i], ys);
    int32_t clamp[2];
    int has_clamp = oct_quant_act_clamp(n, ys, zo, in[7]->dtype, clamp);
    const oct_tensor *B = oct_quant_in(n, in, 8);
    oct_qconv_job j = {
        .g = &g,
        .x = in[0]->data,
        .xdt = in[0]->dtype,
        .zx = zx,
        .w = in[3]->data,
        .wdt = in[3]->dtype,
        .zw = zw,
        .nzw = nzw,
        .prep = n->state,
        .bias = B ? B->data : NULL,
        .ydt = in[7]->dtype,
        .mult = mult,
        .nmult = nw,
        .zo = zo,
        .clamp = has_clamp ? clamp : NULL,
        .y = out[0]->data,
    };
    oct_status s = oct_qconv_run(&j, ex ? ex->pool : NULL);
    free(zw);
    free(mult);
    return s;
}

static oct_status qc_prepare(oct_node *n, const oct_graph *g)
{
    oct_qconv_prep *p = NULL;
    OCT_TRY(oct_qconv_prepare(n, g, 3, 5, &p));
    n->state = p;
    return OCT_OK;
}

static void qc_release(oct_node *n)
{
    oct_qconv_prep_free(n->state);
    n->state = NULL;
}

const oct_op_impl oct_op_QLinearConv = {
    .infer = qc_infer,
    .compute = qc_compute,
    .prepare = qc_prepare,
    .release = qc_release,
};
