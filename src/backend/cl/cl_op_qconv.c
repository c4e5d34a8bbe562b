/* octet — com.octet QLinearConvNhwc on the OpenCL device
 * (kernels_cl/qconv_i8.cl): the CPU op's requantization parameters
 * (ops/qconv_params.h), weights packed once as 4-channel words, the column
 * term bias - za * colsum made on the host; bit-exact with the CPU. */
#include <stdlib.h>
#include <string.h>

#include "backend/cl/cl_ops.h"
#include "ops/conv_attrs.h"
#include "ops/qconv_params.h"

typedef struct qconv_dev {
    oct_qconv_params qp;
    cl_mem w, colterm, m0, shift;
    cl_kernel k;
    int C, M, KH, KW;
} qconv_dev;

static const oct_tensor *cval(const oct_graph *g, const oct_node *n, int i)
{
    return i < n->n_in && n->in[i] >= 0 ? g->val[n->in[i]].constant : NULL;
}

static int supports(const oct_node *n, const oct_graph *g, const oct_cl *cl)
{
    (void)cl;
    const oct_tensor *w = cval(g, n, 3), *b = cval(g, n, 8);
    if (!w || w->dtype != OCT_DT_I8 || w->rank != 4 || n->n_out != 1 || n->in[0] < 0) return 0;
    if (oct_attr_int(n, "group", 1) != 1) return 0;
    if (n->n_in > 8 && n->in[8] >= 0 && (!b || b->dtype != OCT_DT_I32 || oct_tensor_numel(b) != w->dims[0])) return 0;
    for (int i = 1; i < 8; i++)
        if (i != 3 && i != 5 && !cval(g, n, i)) return 0;
    return 1;
}

static void release(void *state)
{
    qconv_dev *d = state;
    if (!d) return;
    oct_qconv_params_free(&d->qp);
    cl_mem m[] = {d->w, d->colterm, d->m0, d->shift};
    for (int i = 0; i < 4; i++)
        if (m[i]) clReleaseMemObject(m[i]);
    if (d->k) clReleaseKernel(d->k);
    free(d);
}

static oct_status prepare(const oct_node *n, const oct_graph *g, oct_cl *cl, void **state)
{
    qconv_dev *d = calloc(1, sizeof *d);
    if (!d) return oct_err(OCT_E_NOMEM, "out of memory");
    oct_status st = oct_qconv_params_make(n, g, &d->qp);
    if (st != OCT_OK) {
        free(d);
        return st;
    }
    const oct_tensor *w = cval(g, n, 3), *b = cval(g, n, 8);
    int M = (int)w->dims[0], C = (int)w->dims[1], KH = (int)w->dims[2], KW = (int)w->dims[3];
    int C4 = (C + 3) / 4, Mp = (M + 15) / 16 * 16;
    d->C = C, d->M = M, d->KH = KH, d->KW = KW;
    size_t words = (size_t)KH * KW * C4 * Mp;
    uint32_t *pk = calloc(words, sizeof *pk);
    int32_t *ct = calloc((size_t)M, sizeof *ct);
    if (!pk || !ct) st = oct_err(OCT_E_NOMEM, "out of memory");
    const int8_t *wd = w->data;
    int32_t za = d->qp.xdt == OCT_DT_I8 ? d->qp.zx + 128 : d->qp.zx;
    for (int m = 0; st == OCT_OK && m < M; m++) {
        int32_t colsum = 0;
        for (int c = 0; c < C; c++)
            for (int ky = 0; ky < KH; ky++)
                for (int kx = 0; kx < KW; kx++) {
                    int8_t v = wd[(((size_t)m * C + c) * KH + ky) * KW + kx];
                    size_t at = ((size_t)(ky * KW + kx) * C4 + c / 4) * Mp + m;
                    pk[at] |= (uint32_t)(uint8_t)v << (8 * (c % 4));
                    colsum += v;
                }
        uint32_t bias = b ? (uint32_t)((const int32_t *)b->data)[m] : 0u;
        ct[m] = (int32_t)(bias - (uint32_t)za * (uint32_t)colsum);
    }
    if (st == OCT_OK) d->w = oct_cl_upload(cl, pk, words * sizeof *pk, &st);
    if (st == OCT_OK) d->colterm = oct_cl_upload(cl, ct, sizeof(int32_t) * (size_t)M, &st);
    if (st == OCT_OK) d->m0 = oct_cl_upload(cl, d->qp.m0, sizeof(int32_t) * (size_t)M, &st);
    if (st == OCT_OK) d->shift = oct_cl_upload(cl, d->qp.shift, sizeof(int32_t) * (size_t)M, &st);
    if (st == OCT_OK && !(d->k = oct_cl_kernel(cl, "oct_qconv_nhwc_i8"))) st = OCT_E_DEVICE;
    free(pk);
    free(ct);
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
    qconv_dev *d = state;
    const oct_tensor *x = in[0];
    if (x->rank != 4 || x->dtype != d->qp.xdt || x->dims[3] != d->C || oct_tensor_numel(out[0]) > (1 << 30))
        return oct_err(OCT_E_SHAPE, "%s: input is not NHWC with %d channels", n->op_type, d->C);
    oct_tensor v = *x; /* the NCHW view of the NHWC input, for the shared geometry */
    v.dims[1] = x->dims[3];
    v.dims[2] = x->dims[1];
    v.dims[3] = x->dims[2];
    oct_conv_geom g;
    OCT_TRY(oct_conv_attrs_geom(n, &v, in[3], 0, &g));
    if (g.N == 0 || g.out_sp == 0) return OCT_OK;
    uint32_t za = (uint32_t)(d->qp.xdt == OCT_DT_I8 ? d->qp.zx + 128 : d->qp.zx) & 0xffu;
    OCT_TRY(oct_cl_args(d->k, "oct_qconv_nhwc_i8", "mmmmmmiiiiiiiiiiiiiiuuiiii", in_mem[0], d->w, d->colterm, d->m0,
                        d->shift, out_mem[0], (int)g.in[1], (int)g.in[2], d->C, d->M, (int)g.out[1], (int)g.out[2],
                        d->KH, d->KW, (int)g.s[1], (int)g.s[2], (int)g.d[1], (int)g.d[2], (int)g.pb[1], (int)g.pb[2],
                        d->qp.xdt == OCT_DT_I8 ? 0x80808080u : 0u, za * 0x01010101u, d->qp.zo,
                        d->qp.q_lo - d->qp.zo, d->qp.q_hi - d->qp.zo, d->qp.ydt == OCT_DT_I8));
    size_t gws[3] = {(size_t)(d->M + 15) / 16, (size_t)g.out[2], (size_t)(g.N * g.out[1])};
    return oct_cl_launch(cl, d->k, 3, gws, "enqueueing oct_qconv_nhwc_i8");
}

static unsigned consumed(const oct_node *n)
{
    (void)n;
    return 0x1FEu; /* every input but x: scales, zero points, weights, bias */
}

const oct_cl_op oct_cl_op_qconv_nhwc = {"QLinearConvNhwc", "com.octet", supports, prepare, run, release, consumed};
