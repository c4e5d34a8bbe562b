/* QLinearMatMul: y = saturate(round_half_to_even(acc * M[n]) + y_zero_point)
 * with acc = (a - a_zero_point) x (b - b_zero_point[n]) (numpy.matmul, int32)
 * and M[n] = a_scale * b_scale[n] / y_scale in float32. a, b, y are uint8 or
 * int8; a's scale / zero point are per tensor (per-row ones are not
 * supported), b's per tensor or per column (N). A constant b is converted to
 * int8 and packed at load; the integer GEMM's float epilogue produces acc * M
 * (see quant_util.h for the rounding). */
#include <stdlib.h>

#include "ops/quant_util.h"

static int is_q8(oct_dtype t) { return t == OCT_DT_U8 || t == OCT_DT_I8; }

static oct_status qmm_check_scale(const oct_node *n, const char *what, const oct_tensor *t)
{
    if (t->dtype != OCT_DT_F32)
        return oct_err(OCT_E_UNSUPPORTED, "%s: %s of dtype %s is not supported (float32)", n->op_type, what,
                       oct_dtype_name(t->dtype));
    return OCT_OK;
}

static oct_status qmm_check_zp(const oct_node *n, const char *what, const oct_tensor *z, const oct_tensor *x)
{
    if (z->dtype != x->dtype)
        return oct_err(OCT_E_DTYPE, "%s: %s has dtype %s, its input %s", n->op_type, what, oct_dtype_name(z->dtype),
                       oct_dtype_name(x->dtype));
    return OCT_OK;
}

static oct_status qlmm_check(const oct_node *n, const oct_tensor *const *in, oct_mm_geom *g, int64_t *nb)
{
    OCT_TRY(oct_op_check_arity(n, in, 8, 8, 8));
    OCT_TRY(oct_quant_act_check(n));
    const oct_tensor *a = in[0], *as = in[1], *az = in[2], *b = in[3], *bs = in[4], *bz = in[5], *ys = in[6],
                     *yz = in[7];
    if (!is_q8(a->dtype)) return oct_op_bad_dtype(n, a->dtype);
    if (!is_q8(b->dtype)) return oct_op_bad_dtype(n, b->dtype);
    OCT_TRY(oct_quant_check_zp_dtype(n, "y_zero_point", yz));
    OCT_TRY(qmm_check_scale(n, "a_scale", as));
    OCT_TRY(qmm_check_scale(n, "b_scale", bs));
    OCT_TRY(qmm_check_scale(n, "y_scale", ys));
    OCT_TRY(qmm_check_zp(n, "a_zero_point", az, a));
    OCT_TRY(qmm_check_zp(n, "b_zero_point", bz, b));
    OCT_TRY(oct_mm_geometry(n->op_type, a, b, g));
    int64_t c1, c2;
    OCT_TRY(oct_qmm_param_count(n, "a_scale", as, a, 0, g, &c1));
    OCT_TRY(oct_qmm_param_count(n, "a_zero_point", az, a, 0, g, &c2));
    if (c1 != 1 || c2 != 1)
        return oct_err(OCT_E_UNSUPPORTED, "%s: per-row quantization of a is not supported", n->op_type);
    OCT_TRY(oct_qmm_param_count(n, "b_scale", bs, b, 1, g, &c1));
    OCT_TRY(oct_qmm_param_count(n, "b_zero_point", bz, b, 1, g, &c2));
    if (c1 != c2) return oct_err(OCT_E_SHAPE, "%s: b_scale and b_zero_point have different shapes", n->op_type);
    *nb = c1;
    OCT_TRY(oct_quant_param_count(n, "y_scale", ys, 0, &c1));
    OCT_TRY(oct_quant_param_count(n, "y_zero_point", yz, 0, &c1));
    return OCT_OK;
}

static oct_status qlmm_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    oct_mm_geom g;
    int64_t nb;
    OCT_TRY(qlmm_check(n, in, &g, &nb));
    return oct_out_shape(out[0], in[7]->dtype, g.out_rank, g.out);
}

static oct_status qlmm_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                               const oct_exec *ex)
{
    oct_mm_geom g;
    int64_t nb;
    OCT_TRY(qlmm_check(n, in, &g, &nb));
    int32_t za, zo, *zb = malloc((size_t)nb * sizeof *zb);
    float as, ys, *mult = malloc((size_t)nb * sizeof *mult);
    if (!zb || !mult) {
        free(zb);
        free(mult);
        return oct_err(OCT_E_NOMEM, "%s: out of memory", n->op_type);
    }
    oct_quant_read_zp(in[2], 1, &za);
    oct_quant_read_zp(in[5], nb, zb);
    oct_quant_read_zp(in[7], 1, &zo);
    oct_quant_read_scale(in[1], 1, &as);
    oct_quant_read_scale(in[6], 1, &ys);
    oct_quant_read_scale(in[4], nb, mult);
    for (int64_t i = 0; i < nb; i++) mult[i] = oct_quant_mult(as, mult[i], ys);
    int32_t clamp[2];
    int has_clamp = oct_quant_act_clamp(n, ys, zo, in[7]->dtype, clamp);
    oct_qmm_job j = {
        .g = &g,
        .A = in[0]->data,
        .adt = in[0]->dtype,
        .za = &za,
        .nza = 1,
        .B = in[3]->data,
        .bdt = in[3]->dtype,
        .zb = zb,
        .nzb = nb,
        .prep = n->state,
        .ydt = in[7]->dtype,
        .mult = mult,
        .nmult = nb,
        .zo = zo,
        .clamp = has_clamp ? clamp : NULL,
        .Y = out[0]->data,
    };
    oct_status s = oct_qmm_run(&j, ex ? ex->pool : NULL);
    free(zb);
    free(mult);
    return s;
}

static oct_status qlmm_prepare(oct_node *n, const oct_graph *g)
{
    oct_qmm_prep *p = NULL;
    OCT_TRY(oct_qmm_prepare(n, g, 3, 5, &p));
    n->state = p;
    return OCT_OK;
}

static void qlmm_release(oct_node *n)
{
    oct_qmm_prep_free(n->state);
    n->state = NULL;
}

const oct_op_impl oct_op_QLinearMatMul = {
    .infer = qlmm_infer,
    .compute = qlmm_compute,
    .prepare = qlmm_prepare,
    .release = qlmm_release,
};
