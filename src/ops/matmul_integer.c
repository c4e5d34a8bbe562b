/* MatMulInteger: Y = (A - a_zero_point) x (B - b_zero_point) as numpy.matmul,
 * A and B uint8 or int8, int32 output (sums wrap modulo 2^32). Zero points
 * are optional: a per-tensor or per-row (M) one for A, per-tensor or
 * per-column (N) for B (per-batch ones are not supported). A constant B is
 * converted to int8 and packed for the integer GEMM at load (see
 * quant_matmul.c). */
#include <stdlib.h>

#include "ops/quant_util.h"

static int is_q8(oct_dtype t) { return t == OCT_DT_U8 || t == OCT_DT_I8; }

static oct_status mmi_check(const oct_node *n, const oct_tensor *const *in, oct_mm_geom *g, int64_t *nza,
                            int64_t *nzb)
{
    OCT_TRY(oct_op_check_arity(n, in, 2, 4, 2));
    const oct_tensor *A = in[0], *B = in[1], *za = oct_quant_in(n, in, 2), *zb = oct_quant_in(n, in, 3);
    if (!is_q8(A->dtype)) return oct_op_bad_dtype(n, A->dtype);
    if (!is_q8(B->dtype)) return oct_op_bad_dtype(n, B->dtype);
    OCT_TRY(oct_mm_geometry(n->op_type, A, B, g));
    *nza = *nzb = 1;
    if (za) {
        if (za->dtype != A->dtype)
            return oct_err(OCT_E_DTYPE, "%s: a_zero_point has dtype %s, A %s", n->op_type, oct_dtype_name(za->dtype),
                           oct_dtype_name(A->dtype));
        OCT_TRY(oct_qmm_param_count(n, "a_zero_point", za, A, 0, g, nza));
    }
    if (zb) {
        if (zb->dtype != B->dtype)
            return oct_err(OCT_E_DTYPE, "%s: b_zero_point has dtype %s, B %s", n->op_type, oct_dtype_name(zb->dtype),
                           oct_dtype_name(B->dtype));
        OCT_TRY(oct_qmm_param_count(n, "b_zero_point", zb, B, 1, g, nzb));
    }
    return OCT_OK;
}

static oct_status mmi_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    oct_mm_geom g;
    int64_t nza, nzb;
    OCT_TRY(mmi_check(n, in, &g, &nza, &nzb));
    return oct_out_shape(out[0], OCT_DT_I32, g.out_rank, g.out);
}

static oct_status mmi_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                              const oct_exec *ex)
{
    oct_mm_geom g;
    int64_t nza, nzb;
    OCT_TRY(mmi_check(n, in, &g, &nza, &nzb));
    int32_t *za = malloc((size_t)nza * sizeof *za), *zb = malloc((size_t)nzb * sizeof *zb);
    if (!za || !zb) {
        free(za);
        free(zb);
        return oct_err(OCT_E_NOMEM, "%s: out of memory", n->op_type);
    }
    oct_quant_read_zp(oct_quant_in(n, in, 2), nza, za);
    oct_quant_read_zp(oct_quant_in(n, in, 3), nzb, zb);
    oct_qmm_job j = {
        .g = &g,
        .A = in[0]->data,
        .adt = in[0]->dtype,
        .za = za,
        .nza = nza,
        .B = in[1]->data,
        .bdt = in[1]->dtype,
        .zb = zb,
        .nzb = nzb,
        .prep = n->state,
        .ydt = OCT_DT_I32,
        .Y = out[0]->data,
    };
    oct_status s = oct_qmm_run(&j, ex ? ex->pool : NULL);
    free(za);
    free(zb);
    return s;
}

static oct_status mmi_prepare(oct_node *n, const oct_graph *g)
{
    oct_qmm_prep *p = NULL;
    OCT_TRY(oct_qmm_prepare(n, g, 1, 3, &p));
    n->state = p;
    return OCT_OK;
}

static void mmi_release(oct_node *n)
{
    oct_qmm_prep_free(n->state);
    n->state = NULL;
}

const oct_op_impl oct_op_MatMulInteger = {
    .infer = mmi_infer,
    .compute = mmi_compute,
    .prepare = mmi_prepare,
    .release = mmi_release,
};
