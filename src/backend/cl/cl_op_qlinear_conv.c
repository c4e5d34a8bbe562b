/* octet — ONNX QLinearConv (NCHW, 2-D, any groups: depthwise included) on the
 * OpenCL device (kernels_cl/qconv_i8.cl: oct_qlinear_conv_i8). The CPU op's
 * arithmetic (ops/qlinear_conv.c): int32 sums of (x - zx) * (W - zw[m]) plus
 * the bias, times the float32 multiplier x_scale * w_scale[m] / y_scale,
 * rounded half to even and saturated (or clamped by a fused ReLU / Clip); bit
 * for bit the same. Runs when the scales, zero points, weights and bias are
 * constants and every W - zw fits int8 (symmetric int8 weights always do). */
#include <stdlib.h>

#include "backend/cl/cl_ops.h"
#include "ops/conv_attrs.h"
#include "ops/quant_util.h"

typedef struct qlconv_dev {
    cl_mem w, colterm, mult;
    cl_kernel k;
    oct_dtype xdt, ydt;
    int32_t zx, zo;
    float lo, hi;
    int M, Cg, KH, KW;
} qlconv_dev;

static const oct_tensor *cval(const oct_graph *g, const oct_node *n, int i)
{
    return i < n->n_in && n->in[i] >= 0 ? g->val[n->in[i]].constant : NULL;
}

static int is_q8(oct_dtype t) { return t == OCT_DT_U8 || t == OCT_DT_I8; }

/* W - zw[m] as int8 into wq (M * per values), 0 if a value does not fit. */
static int weights_int8(const oct_tensor *w, const oct_tensor *wz, int8_t *wq)
{
    int64_t M = w->dims[0], per = oct_tensor_numel(w) / (M ? M : 1), nz = oct_tensor_numel(wz);
    for (int64_t m = 0; m < M; m++) {
        int32_t z = oct_quant_at(wz->data, wz->dtype, nz == 1 ? 0 : m);
        for (int64_t i = 0; i < per; i++) {
            int32_t v = oct_quant_at(w->data, w->dtype, m * per + i) - z;
            if (v < -128 || v > 127) return 0;
            if (wq) wq[m * per + i] = (int8_t)v;
        }
    }
    return 1;
}

static int supports(const oct_node *n, const oct_graph *g, const oct_cl *cl)
{
    (void)cl;
    if (n->n_out != 1 || n->n_in < 8 || n->in[0] < 0 || !is_q8(g->val[n->in[0]].dtype)) return 0;
    if (oct_quant_act_check(n) != OCT_OK) return 0;
    for (int i = 1; i < 8; i++)
        if (!cval(g, n, i)) return 0;
    const oct_tensor *w = cval(g, n, 3), *ws = cval(g, n, 4), *wz = cval(g, n, 5), *b = cval(g, n, 8);
    if (w->rank != 4 || !is_q8(w->dtype) || w->dims[0] <= 0 || wz->dtype != w->dtype) return 0;
    int64_t M = w->dims[0], nws = oct_tensor_numel(ws), nwz = oct_tensor_numel(wz);
    if (ws->dtype != OCT_DT_F32 || (nws != 1 && nws != M) || (nwz != 1 && nwz != M)) return 0;
    if (cval(g, n, 1)->dtype != OCT_DT_F32 || cval(g, n, 6)->dtype != OCT_DT_F32) return 0;
    if (oct_tensor_numel(cval(g, n, 1)) != 1 || oct_tensor_numel(cval(g, n, 2)) != 1 ||
        oct_tensor_numel(cval(g, n, 6)) != 1 || oct_tensor_numel(cval(g, n, 7)) != 1)
        return 0;
    if (cval(g, n, 2)->dtype != g->val[n->in[0]].dtype || !is_q8(cval(g, n, 7)->dtype)) return 0;
    if (n->n_in > 8 && n->in[8] >= 0 && (!b || b->dtype != OCT_DT_I32 || oct_tensor_numel(b) != M)) return 0;
    return weights_int8(w, wz, NULL);
}

static void release(void *state)
{
    qlconv_dev *d = state;
    if (!d) return;
    cl_mem m[] = {d->w, d->colterm, d->mult};
    for (int i = 0; i < 3; i++)
        if (m[i]) clReleaseMemObject(m[i]);
    if (d->k) clReleaseKernel(d->k);
    free(d);
}

static oct_status prepare(const oct_node *n, const oct_graph *g, oct_cl *cl, void **state)
{
    const oct_tensor *w = cval(g, n, 3), *b = cval(g, n, 8);
    int M = (int)w->dims[0], Cg = (int)w->dims[1], KH = (int)w->dims[2], KW = (int)w->dims[3], KW4 = (KW + 3) / 4;
    qlconv_dev *d = calloc(1, sizeof *d);
    size_t per = (size_t)Cg * KH * KW, words = (size_t)M * Cg * KH * KW4;
    int8_t *wq = malloc((size_t)M * per);
    uint32_t *pk = calloc(words ? words : 1, sizeof *pk);
    int32_t *ct = malloc(sizeof(int32_t) * (size_t)M);
    float *mult = malloc(sizeof(float) * (size_t)M), xs, ys;
    oct_status st = d && wq && pk && ct && mult ? OCT_OK : oct_err(OCT_E_NOMEM, "out of memory");
    if (st == OCT_OK && !weights_int8(w, cval(g, n, 5), wq))
        st = oct_err(OCT_E_UNSUPPORTED, "%s: weights minus their zero points do not fit int8", n->op_type);
    if (st == OCT_OK) {
        d->M = M, d->Cg = Cg, d->KH = KH, d->KW = KW;
        d->xdt = g->val[n->in[0]].dtype;
        d->ydt = cval(g, n, 7)->dtype;
        oct_quant_read_zp(cval(g, n, 2), 1, &d->zx);
        oct_quant_read_zp(cval(g, n, 7), 1, &d->zo);
        oct_quant_read_scale(cval(g, n, 1), 1, &xs);
        oct_quant_read_scale(cval(g, n, 6), 1, &ys);
        oct_quant_read_scale(cval(g, n, 4), M, mult);
        for (int m = 0; m < M; m++) mult[m] = oct_quant_mult(xs, mult[m], ys);
        int32_t clamp[2];
        int has_clamp = oct_quant_act_clamp(n, ys, d->zo, d->ydt, clamp);
        oct_quant_out_range(d->ydt, has_clamp ? clamp : NULL, d->zo, &d->lo, &d->hi);
        uint32_t za = (uint32_t)(d->xdt == OCT_DT_I8 ? d->zx + 128 : d->zx);
        for (int m = 0; m < M; m++) {
            uint32_t colsum = 0;
            for (int c = 0; c < Cg; c++)
                for (int ky = 0; ky < KH; ky++)
                    for (int kx = 0; kx < KW; kx++) {
                        int8_t v = wq[(size_t)m * per + ((size_t)c * KH + ky) * KW + kx];
                        size_t at = (((size_t)m * Cg + c) * KH + ky) * KW4 + kx / 4;
                        pk[at] |= (uint32_t)(uint8_t)v << (8 * (kx % 4));
                        colsum += (uint32_t)(int32_t)v;
                    }
            uint32_t bias = b ? (uint32_t)((const int32_t *)b->data)[m] : 0u;
            ct[m] = (int32_t)(bias - za * colsum);
        }
        d->w = oct_cl_upload(cl, pk, words * sizeof *pk, &st);
    }
    if (st == OCT_OK) d->colterm = oct_cl_upload(cl, ct, sizeof(int32_t) * (size_t)M, &st);
    if (st == OCT_OK) d->mult = oct_cl_upload(cl, mult, sizeof(float) * (size_t)M, &st);
    if (st == OCT_OK && !(d->k = oct_cl_kernel(cl, "oct_qlinear_conv_i8"))) st = OCT_E_DEVICE;
    free(wq);
    free(pk);
    free(ct);
    free(mult);
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
    qlconv_dev *d = state;
    const oct_tensor *x = in[0];
    if (x->rank != 4 || x->dtype != d->xdt || oct_tensor_numel(out[0]) > (1 << 30) ||
        oct_tensor_numel(x) > (1 << 30))
        return oct_err(OCT_E_SHAPE, "%s: input is not a 4-D %s tensor", n->op_type, oct_dtype_name(d->xdt));
    oct_conv_geom g;
    OCT_TRY(oct_conv_attrs_geom(n, x, in[3], 0, &g));
    if (g.N == 0 || g.out_sp == 0) return OCT_OK;
    uint32_t za = (uint32_t)(d->xdt == OCT_DT_I8 ? d->zx + 128 : d->zx) & 0xffu;
    OCT_TRY(oct_cl_args(d->k, "oct_qlinear_conv_i8", "mmmmmiiiiiiiiiiiiiiiuuffii", in_mem[0], d->w, d->colterm,
                        d->mult, out_mem[0], (int)g.C, (int)g.in[1], (int)g.in[2], d->M, (int)g.G, (int)g.out[1],
                        (int)g.out[2], d->KH, d->KW, (int)g.s[1], (int)g.s[2], (int)g.d[1], (int)g.d[2],
                        (int)g.pb[1], (int)g.pb[2], d->xdt == OCT_DT_I8 ? 0x80u : 0u, za, (double)d->lo,
                        (double)d->hi, d->zo, d->ydt == OCT_DT_I8));
    size_t gws[3] = {(size_t)(g.out[2] + 3) / 4, (size_t)g.out[1], (size_t)(g.N * g.M)};
    return oct_cl_launch(cl, d->k, 3, gws, "enqueueing oct_qlinear_conv_i8");
}

static unsigned consumed(const oct_node *n)
{
    (void)n;
    return 0x1FEu; /* every input but x: scales, zero points, weights, bias */
}

const oct_cl_op oct_cl_op_qlinear_conv = {"QLinearConv", "", supports, prepare, run, release, consumed};
