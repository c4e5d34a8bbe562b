/* QLinearAveragePool (com.microsoft, opset 1): AveragePool on the dequantized
 * uint8 / int8 X, requantized, computed as onnxruntime does:
 *   xf = (float)(x - x_zp) * x_scale                 (the whole plane)
 *   s  = sum of xf over the window, in float, row-major order from 0
 *   y  = saturate(round_half_to_even(s / (float)count / y_scale + (float)y_zp))
 * The window of output o along an axis is [o*stride - pad_begin, that + kernel)
 * clipped to the input (pads never extend it; ceil_mode windows are clipped
 * too); count is the product of the kernel sizes with count_include_pad, else
 * the number of input elements in the window. A window covering the whole
 * image without padding is QLinearGlobalAveragePool's integer algorithm (as
 * onnxruntime falls back to it). 1-3 spatial dims; attributes kernel_shape,
 * strides, pads, auto_pad, ceil_mode, count_include_pad (no dilations);
 * channels_last = 1 (NHWC) runs through NCHW copies. Planes are threaded;
 * the sums run over 8 outputs at once on AVX2 (qcontrib_kernels.h). */
#include <stdatomic.h>
#include <stdlib.h>

#include "ops/pool_common.h"
#include "ops/qcontrib_kernels.h"
#include "ops/qlinear_pool.h"
#include "ops/quant_kernels.h"
#include "ops/quant_util.h"

/* geometry of X seen as NCHW (channels_last: [N, spatial..., C] -> [N, C, spatial...]) */
static oct_status qap_geom(const oct_node *n, const oct_tensor *x, oct_pooling_geom *g)
{
    oct_tensor v = *x;
    if (oct_attr_int(n, "channels_last", 0)) {
        v.dims[1] = x->dims[x->rank - 1];
        for (int i = 2; i < x->rank; i++) v.dims[i] = x->dims[i - 1];
    }
    oct_pooling_opts o = {0, 1};
    return oct_pooling_geom_init(n, &v, &o, g);
}

static oct_status qap_check(const oct_node *n, const oct_tensor *const *in, oct_pooling_geom *g)
{
    OCT_TRY(oct_qpool_check_params(n, in));
    int64_t cip = oct_attr_int(n, "count_include_pad", 0);
    if (cip != 0 && cip != 1)
        return oct_err(OCT_E_INVALID, "%s '%s': count_include_pad must be 0 or 1, got %lld", n->op_type, n->name,
                       (long long)cip);
    return qap_geom(n, in[0], g);
}

static oct_status qap_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    oct_pooling_geom g;
    OCT_TRY(qap_check(n, in, &g));
    int64_t dims[5], d[5];
    oct_pooling_out_dims(&g, dims);
    int rank = in[0]->rank;
    if (oct_attr_int(n, "channels_last", 0)) { /* [N, C, out...] -> [N, out..., C] */
        d[0] = dims[0];
        for (int i = 2; i < rank; i++) d[i - 1] = dims[i];
        d[rank - 1] = dims[1];
        return oct_out_shape(out[0], in[0]->dtype, rank, d);
    }
    return oct_out_shape(out[0], in[0]->dtype, rank, dims);
}

typedef struct qap_ctx {
    const oct_pooling_geom *g;
    const oct_qpool_params *p;
    const oct_qc_kernels *k;
    const oct_quant_kernels *qk;
    const uint8_t *x;
    uint8_t *y;
    int cip;
    int64_t ix0, ix1; /* outputs along the innermost axis whose window is inside the input */
    atomic_int fail;
} qap_ctx;

/* [start, end) of output o's window along slot j, clipped to the input */
static void window(const oct_pooling_geom *g, int j, int64_t o, int64_t *s, int64_t *e)
{
    int64_t a = o * g->s[j] - g->pb[j], b = a + g->k[j];
    *e = b < g->in[j] ? b : g->in[j];
    *s = a > 0 ? a : 0;
}

static void qap_plane(const qap_ctx *c, const float *xf, int64_t *rows, uint8_t *y)
{
    const oct_pooling_geom *g = c->g;
    const float ys = c->p->ys, zy = (float)c->p->zy;
    const float lo = (float)oct_quant_lo(c->p->dt), hi = (float)oct_quant_hi(c->p->dt);
    const int64_t W = g->in[2], OW = g->out[2], sx = g->s[2], px = g->pb[2], kx = g->k[2];
    const int64_t ksize = g->k[0] * g->k[1] * g->k[2];
    for (int64_t oz = 0; oz < g->out[0]; oz++) {
        int64_t zs, ze;
        window(g, 0, oz, &zs, &ze);
        for (int64_t oy = 0; oy < g->out[1]; oy++) {
            int64_t ys0, ye;
            window(g, 1, oy, &ys0, &ye);
            int64_t nrows = 0;
            for (int64_t z = zs; z < ze; z++)
                for (int64_t yy = ys0; yy < ye; yy++) rows[nrows++] = (z * g->in[1] + yy) * W;
            uint8_t *yr = y + (oz * g->out[1] + oy) * OW;
            for (int64_t ox = 0; ox < OW; ox++) {
                if (ox == c->ix0 && c->ix1 > c->ix0) { /* the interior in one call */
                    float cnt = (float)(c->cip ? ksize : nrows * kx);
                    c->k->avg_run(xf + ox * sx - px, rows, nrows, kx, sx, c->ix1 - c->ix0, cnt, ys, zy, lo, hi, yr + ox);
                    ox = c->ix1 - 1;
                    continue;
                }
                int64_t xs0, xe;
                window(g, 2, ox, &xs0, &xe);
                int64_t kw = xe > xs0 ? xe - xs0 : 0;
                float cnt = (float)(c->cip ? ksize : nrows * kw);
                c->k->avg_run(xf + xs0, rows, nrows, kw, sx, 1, cnt, ys, zy, lo, hi, yr + ox);
            }
        }
    }
}

static void qap_planes(void *ctx_, int64_t b, int64_t e, int tid)
{
    (void)tid;
    qap_ctx *c = ctx_;
    const oct_pooling_geom *g = c->g;
    float *xf = malloc((size_t)(g->in_plane ? g->in_plane : 1) * sizeof *xf);
    int64_t *rows = malloc((size_t)(g->k[0] * g->k[1]) * sizeof *rows);
    if (!xf || !rows) {
        atomic_store(&c->fail, 1);
    } else {
        for (int64_t i = b; i < e; i++) {
            c->qk->dequantize(c->x + i * g->in_plane, g->in_plane, c->p->dt == OCT_DT_I8, c->p->zx, c->p->xs, xf);
            qap_plane(c, xf, rows, c->y + i * g->out_plane);
        }
    }
    free(xf);
    free(rows);
}

/* [N, S, C] <-> [N, C, S] (bytes) */
static void transpose_nsc(const uint8_t *src, uint8_t *dst, int64_t N, int64_t S, int64_t C, int to_nchw)
{
    for (int64_t n = 0; n < N; n++)
        for (int64_t s = 0; s < S; s++)
            for (int64_t c = 0; c < C; c++) {
                int64_t a = (n * S + s) * C + c, b = (n * C + c) * S + s;
                if (to_nchw) dst[b] = src[a];
                else dst[a] = src[b];
            }
}

static oct_status qap_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                              const oct_exec *ex)
{
    oct_pooling_geom g;
    OCT_TRY(qap_check(n, in, &g));
    oct_qpool_params p;
    oct_qpool_read_params(n, in, &p);
    int cl = (int)oct_attr_int(n, "channels_last", 0);
    oct_pool *pool = ex ? ex->pool : NULL;
    int global = 1;
    for (int j = 0; j < 3; j++) global &= g.k[j] == g.in[j] && g.pb[j] == 0 && g.pe[j] == 0;
    if (global) {
        oct_qpool_global_run(&p, in[0]->data, g.n, g.c, g.in_plane, cl, out[0]->data, pool);
        return OCT_OK;
    }
    const uint8_t *x = in[0]->data;
    uint8_t *y = out[0]->data, *xt = NULL, *yt = NULL;
    if (cl) {
        xt = malloc((size_t)(g.n * g.c * g.in_plane) + 1);
        yt = malloc((size_t)(g.n * g.c * g.out_plane) + 1);
        if (!xt || !yt) {
            free(xt);
            free(yt);
            return oct_err(OCT_E_NOMEM, "%s '%s': out of memory", n->op_type, n->name);
        }
        transpose_nsc(x, xt, g.n, g.in_plane, g.c, 1);
        x = xt;
        y = yt;
    }
    qap_ctx c;
    c.g = &g;
    c.p = &p;
    c.k = oct_qc_kernels_get();
    c.qk = oct_quant_kernels_get();
    c.x = x;
    c.y = y;
    c.cip = (int)oct_attr_int(n, "count_include_pad", 0);
    c.ix0 = (g.pb[2] + g.s[2] - 1) / g.s[2];
    c.ix1 = g.in[2] + g.pb[2] - g.k[2] < 0 ? 0 : (g.in[2] + g.pb[2] - g.k[2]) / g.s[2] + 1;
    if (c.ix1 > g.out[2]) c.ix1 = g.out[2];
    if (c.ix0 > c.ix1) c.ix0 = c.ix1;
    atomic_init(&c.fail, 0);
    int64_t work = g.in_plane + g.out_plane * g.k[0] * g.k[1] * g.k[2], grain = (1 << 16) / (work ? work : 1);
    oct_pool_for(pool, g.n * g.c, grain > 0 ? grain : 1, qap_planes, &c);
    if (cl && !atomic_load(&c.fail)) transpose_nsc(yt, out[0]->data, g.n, g.out_plane, g.c, 0);
    free(xt);
    free(yt);
    if (atomic_load(&c.fail)) return oct_err(OCT_E_NOMEM, "%s '%s': out of memory", n->op_type, n->name);
    return OCT_OK;
}

const oct_op_impl oct_op_QLinearAveragePool = {
    .infer = qap_infer,
    .compute = qap_compute,
};
