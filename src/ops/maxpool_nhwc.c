/* com.octet MaxPoolNhwc: MaxPool on channels-last (NHWC) uint8 / int8 data,
 * made by the layout pass (graph/pass_nhwc.c) inside integer chains. The
 * attributes are MaxPool's (kernel_shape, strides, pads, dilations,
 * auto_pad, ceil_mode); 2-D only, no Indices output. Every output pixel is
 * the elementwise max of its window's C-byte pixel vectors (padding never
 * wins), which vectorises across channels. */
#include <string.h>

#include "ops/pool_common.h"

typedef struct mp_ctx {
    const oct_pooling_geom *g;
    const uint8_t *x;
    uint8_t *y;
    int is_signed;
} mp_ctx;

static oct_status mp_geom(const oct_node *n, const oct_tensor *x, oct_pooling_geom *g)
{
    if (x->rank != 4) return oct_err(OCT_E_SHAPE, "%s: rank-4 NHWC input expected", n->op_type);
    if (x->dtype != OCT_DT_U8 && x->dtype != OCT_DT_I8) return oct_op_bad_dtype(n, x->dtype);
    oct_tensor v = *x;
    v.dims[1] = x->dims[3];
    v.dims[2] = x->dims[1];
    v.dims[3] = x->dims[2];
    const oct_pooling_opts o = {1, 1};
    return oct_pooling_geom_init(n, &v, &o, g);
}

static oct_status mp_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    OCT_TRY(oct_op_check_arity(n, in, 1, 1, 1));
    if (n->n_out > 1 && n->out[1] >= 0) return oct_err(OCT_E_UNSUPPORTED, "%s: no Indices output", n->op_type);
    oct_pooling_geom g;
    OCT_TRY(mp_geom(n, in[0], &g));
    int64_t d[4] = {g.n, g.out[1], g.out[2], g.c};
    return oct_out_shape(out[0], in[0]->dtype, 4, d);
}

typedef uint8_t v16u __attribute__((vector_size(16)));
typedef int8_t v16s __attribute__((vector_size(16)));

/* acc = max(acc, src) over c bytes (16 at a time with vector extensions). */
static void max_row(uint8_t *acc, const uint8_t *src, int64_t c, int is_signed)
{
    int64_t i = 0;
    if (is_signed) {
        for (; i + 16 <= c; i += 16) {
            v16s a, b;
            memcpy(&a, acc + i, 16);
            memcpy(&b, src + i, 16);
            v16s m = (v16s)(a > b);
            a = (a & m) | (b & ~m);
            memcpy(acc + i, &a, 16);
        }
    } else {
        for (; i + 16 <= c; i += 16) {
            v16u a, b;
            memcpy(&a, acc + i, 16);
            memcpy(&b, src + i, 16);
            v16u m = (v16u)(a > b);
            a = (a & m) | (b & ~m);
            memcpy(acc + i, &a, 16);
        }
    }
    acc += i;
    src += i;
    c -= i;
    if (is_signed) {
        int8_t *a = (int8_t *)acc;
        const int8_t *s = (const int8_t *)src;
        for (int64_t i = 0; i < c; i++) a[i] = s[i] > a[i] ? s[i] : a[i];
    } else {
        for (int64_t i = 0; i < c; i++) acc[i] = src[i] > acc[i] ? src[i] : acc[i];
    }
}

/* 2x2 stride 2, no padding, C a multiple of 16 (the common case): four
 * vector loads per 16 channels, no per-tap calls. */
static void mp_rows_2x2(const mp_ctx *m, int64_t b, int64_t e)
{
    const oct_pooling_geom *g = m->g;
    int64_t W = g->in[2], OH = g->out[1], OW = g->out[2], C = g->c, H = g->in[1];
    for (int64_t r = b; r < e; r++) {
        int64_t n = r / OH, oy = r % OH;
        const uint8_t *r0 = m->x + ((n * H + 2 * oy) * W) * C, *r1 = r0 + W * C;
        uint8_t *dst = m->y + ((n * OH + oy) * OW) * C;
        for (int64_t ox = 0; ox < OW; ox++, dst += C)
            for (int64_t c = 0; c < C; c += 16) {
                v16u a, bb, cc, d;
                memcpy(&a, r0 + 2 * ox * C + c, 16);
                memcpy(&bb, r0 + (2 * ox + 1) * C + c, 16);
                memcpy(&cc, r1 + 2 * ox * C + c, 16);
                memcpy(&d, r1 + (2 * ox + 1) * C + c, 16);
                if (m->is_signed) {
                    v16s x = (v16s)a, y = (v16s)bb, z = (v16s)cc, w = (v16s)d, k;
                    k = (v16s)(x > y), x = (x & k) | (y & ~k);
                    k = (v16s)(z > w), z = (z & k) | (w & ~k);
                    k = (v16s)(x > z), x = (x & k) | (z & ~k);
                    memcpy(dst + c, &x, 16);
                } else {
                    v16u k;
                    k = (v16u)(a > bb), a = (a & k) | (bb & ~k);
                    k = (v16u)(cc > d), cc = (cc & k) | (d & ~k);
                    k = (v16u)(a > cc), a = (a & k) | (cc & ~k);
                    memcpy(dst + c, &a, 16);
                }
            }
    }
}

static int is_2x2(const oct_pooling_geom *g)
{
    return g->k[1] == 2 && g->k[2] == 2 && g->s[1] == 2 && g->s[2] == 2 && g->d[1] == 1 && g->d[2] == 1 &&
           g->pb[1] == 0 && g->pb[2] == 0 && g->c % 16 == 0 && 2 * g->out[1] <= g->in[1] && 2 * g->out[2] <= g->in[2];
}

static void mp_rows(void *ctx, int64_t b, int64_t e, int tid)
{
    (void)tid;
    const mp_ctx *m = ctx;
    const oct_pooling_geom *g = m->g;
    if (is_2x2(g)) {
        mp_rows_2x2(m, b, e);
        return;
    }
    int64_t H = g->in[1], W = g->in[2], OH = g->out[1], OW = g->out[2], C = g->c;
    for (int64_t r = b; r < e; r++) { /* r = n * OH + oy */
        int64_t n = r / OH, oy = r % OH;
        for (int64_t ox = 0; ox < OW; ox++) {
            uint8_t *dst = m->y + ((n * OH + oy) * OW + ox) * C;
            memset(dst, m->is_signed ? 0x80 : 0, (size_t)C);
            for (int64_t ky = 0; ky < g->k[1]; ky++) {
                int64_t iy = oy * g->s[1] - g->pb[1] + ky * g->d[1];
                if (iy < 0 || iy >= H) continue;
                for (int64_t kx = 0; kx < g->k[2]; kx++) {
                    int64_t ix = ox * g->s[2] - g->pb[2] + kx * g->d[2];
                    if (ix < 0 || ix >= W) continue;
                    max_row(dst, m->x + ((n * H + iy) * W + ix) * C, C, m->is_signed);
                }
            }
        }
    }
}

static oct_status mp_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                             const oct_exec *ex)
{
    oct_pooling_geom g;
    OCT_TRY(mp_geom(n, in[0], &g));
    mp_ctx m = {&g, in[0]->data, out[0]->data, in[0]->dtype == OCT_DT_I8};
    int64_t rows = g.n * g.out[1];
    oct_pool_for(ex ? ex->pool : NULL, rows, rows / 64 > 0 ? rows / 64 : 1, mp_rows, &m);
    return OCT_OK;
}

const oct_op_impl oct_op_MaxPoolNhwc = {
    .infer = mp_infer,
    .compute = mp_compute,
};
