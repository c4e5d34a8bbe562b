/* octet — com.microsoft QGemm on the OpenCL device through the INT8 GEMM
 * (kernels_cl/gemm_i8.cl) with ONNX Runtime's arithmetic, as the CPU op
 * (ops/qgemm_op.c): acc = C + sum (A - a_zp) * B, s[n] = alpha * a_scale *
 * b_scale[n] (/ y_scale), Y = (float)acc * s[n] or rne(clamp(...)) + y_zp.
 * The device takes: transA 0, a constant int8 B with zero zero points, C
 * absent or a constant row (N values or one), every scale / zero point
 * constant; any other QGemm stays on the CPU. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "backend/cl/cl_ops.h"
#include "backend/cl/cl_qgemm.h"
#include "ops/quant_util.h"

typedef struct qgemm_dev {
    oct_cl_qweights w;
    cl_mem colterm, scale;
    cl_kernel k;
    int a_signed, zo, q_lo, q_hi, clamp;
    float f_lo, f_hi;
    oct_dtype ydt;
} qgemm_dev;

static const oct_tensor *cval(const oct_graph *g, const oct_node *n, int i)
{
    return i < n->n_in && n->in[i] >= 0 ? g->val[n->in[i]].constant : NULL;
}

static int supports(const oct_node *n, const oct_graph *g, const oct_cl *cl)
{
    (void)cl;
    const oct_tensor *b = cval(g, n, 3), *bz = cval(g, n, 5), *c = cval(g, n, 6), *ys = cval(g, n, 7);
    const oct_tensor *yz = cval(g, n, 8);
    if (n->n_out != 1 || n->n_in < 5 || n->in[0] < 0 || oct_attr_int(n, "transA", 0)) return 0;
    if (!cval(g, n, 1) || !cval(g, n, 2) || !b || !cval(g, n, 4) || b->dtype != OCT_DT_I8 || b->rank != 2) return 0;
    int64_t N = oct_attr_int(n, "transB", 0) ? b->dims[0] : b->dims[1];
    if (bz)
        for (int64_t i = 0; i < oct_tensor_numel(bz); i++)
            if (oct_dtype_get(bz->dtype, bz->data, (size_t)i) != 0) return 0;
    if (n->n_in > 6 && n->in[6] >= 0 &&
        (!c || c->dtype != OCT_DT_I32 || (oct_tensor_numel(c) != N && oct_tensor_numel(c) != 1) ||
         (c->rank == 2 && c->dims[0] != 1)))
        return 0;
    int has_y = n->n_in > 7 && n->in[7] >= 0;
    if (has_y && (!ys || !yz || (yz->dtype != OCT_DT_U8 && yz->dtype != OCT_DT_I8))) return 0;
    oct_dtype adt = g->val[n->in[0]].dtype;
    return adt == OCT_DT_U8 || adt == OCT_DT_I8 || adt == OCT_DT_UNDEFINED;
}

static void release(void *state)
{
    qgemm_dev *d = state;
    if (!d) return;
    oct_cl_qweights_free(&d->w);
    if (d->colterm) clReleaseMemObject(d->colterm);
    if (d->scale) clReleaseMemObject(d->scale);
    if (d->k) clReleaseKernel(d->k);
    free(d);
}

static oct_status prepare(const oct_node *n, const oct_graph *g, oct_cl *cl, void **state)
{
    const oct_tensor *as = cval(g, n, 1), *az = cval(g, n, 2), *b = cval(g, n, 3), *bs = cval(g, n, 4);
    const oct_tensor *c = cval(g, n, 6), *ys = cval(g, n, 7), *yz = cval(g, n, 8);
    int tb = oct_attr_int(n, "transB", 0) != 0;
    int K = (int)(tb ? b->dims[1] : b->dims[0]), N = (int)(tb ? b->dims[0] : b->dims[1]);
    qgemm_dev *d = calloc(1, sizeof *d);
    if (!d) return oct_err(OCT_E_NOMEM, "out of memory");
    oct_status st = oct_cl_qweights_upload(cl, b->data, K, N, tb, (int)b->dims[1], &d->w);
    int32_t *ct = malloc(sizeof(int32_t) * (size_t)N), *bias = c ? malloc(sizeof(int32_t) * (size_t)N) : NULL;
    float *s = malloc(sizeof(float) * (size_t)N);
    if (st == OCT_OK && (!ct || !s || (c && !bias))) st = oct_err(OCT_E_NOMEM, "out of memory");
    if (st == OCT_OK) {
        float a_scale, y_scale = 1.f, alpha = oct_attr_float(n, "alpha", 1.f);
        int32_t za;
        oct_quant_read_scale(as, 1, &a_scale);
        oct_quant_read_zp(az, 1, &za);
        d->a_signed = az->dtype == OCT_DT_I8;
        d->ydt = OCT_DT_F32;
        if (ys) {
            oct_quant_read_scale(ys, 1, &y_scale);
            oct_quant_read_zp(yz, 1, &d->zo);
            d->ydt = yz->dtype;
        }
        int64_t nbs = oct_tensor_numel(bs);
        oct_quant_read_scale(bs, nbs == N ? N : 1, s);
        for (int j = 0; j < N; j++) { /* the CPU's order: alpha * a_scale * b_scale, then / y_scale */
            float v = alpha * a_scale * s[nbs == N ? j : 0];
            s[j] = ys ? v / y_scale : v;
        }
        if (c)
            for (int j = 0; j < N; j++) bias[j] = ((const int32_t *)c->data)[oct_tensor_numel(c) == 1 ? 0 : j];
        oct_cl_qgemm_colterm(&d->w, bias, d->a_signed ? za + 128 : za, ct);
        int32_t clamp[2];
        if (ys && oct_quant_act_clamp(n, y_scale, d->zo, d->ydt, clamp)) {
            d->q_lo = clamp[0];
            d->q_hi = clamp[1];
        } else if (ys) {
            d->q_lo = oct_quant_lo(d->ydt);
            d->q_hi = oct_quant_hi(d->ydt);
        } else if (n->act.kind == OCT_ACT_RELU || n->act.kind == OCT_ACT_CLIP) { /* a float Y clamps in float */
            d->clamp = 1;
            d->f_lo = n->act.kind == OCT_ACT_RELU ? 0.f : n->act.alpha;
            d->f_hi = n->act.kind == OCT_ACT_RELU ? (float)INFINITY : n->act.beta;
        }
        d->colterm = oct_cl_upload(cl, ct, sizeof(int32_t) * (size_t)N, &st);
        if (st == OCT_OK) d->scale = oct_cl_upload(cl, s, sizeof(float) * (size_t)N, &st);
    }
    if (st == OCT_OK && !(d->k = oct_cl_kernel(cl, "oct_gemm_i8"))) st = OCT_E_DEVICE;
    free(ct);
    free(bias);
    free(s);
    if (st != OCT_OK) {
        release(d);
        return st;
    }
    *state = d;
    return OCT_OK;
}

static oct_status run(oct_cl *cl, const oct_node *n, void *state, const oct_tensor *const *in, const cl_mem *in_mem,
                      oct_tensor *const *out, const cl_mem *out_mem)
{
    qgemm_dev *d = state;
    const oct_tensor *a = in[0];
    if (a->rank != 2 || a->dims[1] != d->w.K || a->dtype != (d->a_signed ? OCT_DT_I8 : OCT_DT_U8) ||
        out[0]->dtype != d->ydt || oct_tensor_numel(a) > (1 << 30))
        return oct_err(OCT_E_SHAPE, "%s: input does not match the prepared weights", n->op_type);
    oct_qgemm_out kind = d->ydt == OCT_DT_F32 ? OCT_QGEMM_OUT_F32 : d->ydt == OCT_DT_U8 ? OCT_QGEMM_OUT_U8
                                                                                           : OCT_QGEMM_OUT_S8;
    oct_cl_qgemm_args ga = {(int)a->dims[0], in_mem[0], d->w.K, d->a_signed, &d->w, d->colterm, kind, out_mem[0],
                            d->w.N, NULL, NULL, d->zo, d->q_lo, d->q_hi, d->scale, NULL, d->clamp, d->f_lo, d->f_hi, 1};
    return oct_cl_qgemm(cl, d->k, &ga);
}

static unsigned consumed(const oct_node *n)
{
    (void)n;
    return 0x1FEu; /* all but A */
}

const oct_cl_op oct_cl_op_qgemm = {"QGemm", "com.microsoft", supports, prepare, run, release, consumed};
