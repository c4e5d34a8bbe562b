/* com.octet QLinearConvNhwc: QLinearConv on channels-last (NHWC) uint8 / int8
 * activations, made by the layout pass (graph/pass_nhwc.c) for integer
 * chains; never read from or written to model files. Inputs and attributes
 * as QLinearConv (x and y are [N, H, W, C]); 2-D, group 1, constant int8
 * weights with zero zero points and constant scales (the pass checks).
 *
 * One integer GEMM per block of output pixels over the whole batch:
 *   A = im2col rows (pixels x K, K = (ky, kx, c) so every tap is C contiguous
 *       bytes; a 1x1 stride-1 unpadded conv reads x itself), u8 with the
 *       zero point za = x_zero_point (padding = that byte),
 *   B = W as K x M int8, packed at load,
 *   C = y rows: the GEMM's fixed-point epilogue requantizes straight into
 *       NHWC y: bias (int32), M0 * 2^-shift per channel (real multiplier
 *       x_scale * w_scale[m] / y_scale), zero point, ReLU/Clip as a clamp.
 * No transposes and no intermediate buffers beyond the im2col block. */
#include <stdlib.h>
#include <string.h>

#include "backend/cpu/qconv_amx.h"
#include "core/cpu.h"
#include "core/tscratch.h"
#include "ops/conv_attrs.h"
#include "ops/qconv_params.h"
#include "ops/qconv_nhwc_kern.h"
#include "ops/quant_util.h"

typedef struct nhwc_state {
    int64_t K, M;
    oct_qgemm_packed *pb; /* im2col + GEMM path, or */
    oct_qconv_amx *amx;   /* implicit GEMM on AMX (uint8 input, unit dilation in x) */
    int32_t *m0, *shift;  /* M values */
    int32_t zx, zo;
    int32_t q_lo, q_hi;
    oct_dtype xdt, ydt;
} nhwc_state;

/* NCHW view of an NHWC tensor header (for the shared geometry code). */
static void nchw_view(const oct_tensor *x, oct_tensor *v)
{
    *v = *x;
    v->dims[0] = x->dims[0];
    v->dims[1] = x->dims[3];
    v->dims[2] = x->dims[1];
    v->dims[3] = x->dims[2];
}

static oct_status geom(const oct_node *n, const oct_tensor *const *in, oct_conv_geom *g)
{
    OCT_TRY(oct_op_check_arity(n, in, 8, 9, 8));
    const oct_tensor *x = in[0], *w = in[3];
    if (x->rank != 4 || w->rank != 4) return oct_err(OCT_E_SHAPE, "%s: 2-D convolution expected", n->op_type);
    if (x->dtype != OCT_DT_U8 && x->dtype != OCT_DT_I8) return oct_op_bad_dtype(n, x->dtype);
    oct_tensor v;
    nchw_view(x, &v);
    OCT_TRY(oct_conv_attrs_geom(n, &v, w, 0, g));
    if (g->G != 1) return oct_err(OCT_E_UNSUPPORTED, "%s: groups are not supported", n->op_type);
    return OCT_OK;
}

static oct_status nhwc_infer(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out)
{
    oct_conv_geom g;
    OCT_TRY(geom(n, in, &g));
    int64_t d[4] = {g.N, g.out[1], g.out[2], g.M};
    return oct_out_shape(out[0], in[7]->dtype, 4, d);
}

static void nhwc_release(oct_node *n)
{
    nhwc_state *s = n->state;
    if (s) {
        oct_qgemm_packed_free(s->pb);
        oct_qconv_amx_free(s->amx);
        free(s->m0);
        free(s->shift);
        free(s);
    }
    n->state = NULL;
}

static const oct_tensor *cval(const oct_graph *g, const oct_node *n, int i)
{
    return i < n->n_in && n->in[i] >= 0 ? g->val[n->in[i]].constant : NULL;
}

static oct_status nhwc_prepare(oct_node *n, const oct_graph *g)
{
    oct_qconv_params qp;
    OCT_TRY(oct_qconv_params_make(n, g, &qp));
    const oct_tensor *w = cval(g, n, 3);
    if (w->rank != 4) {
        oct_qconv_params_free(&qp);
        return oct_err(OCT_E_INVALID, "%s: 2-D convolution weights expected", n->op_type);
    }
    int64_t M = w->dims[0], C = w->dims[1], KH = w->dims[2], KW = w->dims[3], K = C * KH * KW;
    nhwc_state *s = calloc(1, sizeof *s);
    int8_t *b = malloc((size_t)(K * M));
    if (!s || !b) {
        free(b);
        free(s);
        oct_qconv_params_free(&qp);
        return oct_err(OCT_E_NOMEM, "%s: out of memory", n->op_type);
    }
    n->state = s;
    s->m0 = qp.m0; /* the state owns the arrays now */
    s->shift = qp.shift;
    s->zx = qp.zx;
    s->zo = qp.zo;
    s->q_lo = qp.q_lo;
    s->q_hi = qp.q_hi;
    s->xdt = qp.xdt;
    s->ydt = qp.ydt;
    const int8_t *wd = w->data;
    for (int64_t m = 0; m < M; m++)
        for (int64_t c = 0; c < C; c++)
            for (int64_t ky = 0; ky < KH; ky++)
                for (int64_t kx = 0; kx < KW; kx++)
                    b[((ky * KW + kx) * C + c) * M + m] = wd[((m * C + c) * KH + ky) * KW + kx];
    const int64_t *dil = NULL;
    int nd = oct_attr_ints(n, "dilations", &dil);
    if (s->xdt == OCT_DT_U8 && (nd < 2 || dil[1] == 1)) s->amx = oct_qconv_amx_new(M, C, KH, KW, wd);
    if (!s->amx) s->pb = oct_qgemm_pack_b(OCT_QGEMM_AUTO, 0, K, M, b, M);
    free(b);
    if (!s->amx && !s->pb) {
        nhwc_release(n);
        return OCT_E_NOMEM;
    }
    s->K = K;
    s->M = M;
    return OCT_OK;
}

typedef struct nhwc_run {
    const oct_conv_geom *g;
    const nhwc_state *s;
    const uint8_t *x;
    uint8_t *y;
    const int32_t *bias;
    int64_t rows_per_blk, C;
    int64_t lda; /* row stride of the im2col block (K, or the GEMM's direct stride) */
    int pointwise, direct;
    size_t scratch;
    _Atomic int failed;
} nhwc_run;

/* im2col of output pixels [p0, p1) of the whole batch: row (p - p0), at
 * col + (p - p0) * lda, holds the K = KH * KW * C bytes of pixel p's window
 * (padding = the zero point's byte), then zeros up to lda. With unit dilation
 * in x, the KW taps of a window row are KW * C contiguous input bytes: one
 * copy per window row (on AVX-512 one masked move, borders included). */
static void im2col_nhwc(const nhwc_run *r, int64_t p0, int64_t p1, uint8_t *col)
{
    const oct_conv_geom *g = r->g;
    int64_t C = r->C, H = g->in[1], W = g->in[2], OH = g->out[1], OW = g->out[2];
    int64_t KH = g->k[1], KW = g->k[2], sy = g->s[1], sx = g->s[2], dy = g->d[1], dx = g->d[2];
    int64_t K = r->s->K, rowb = KW * C, lda = r->lda;
    uint8_t pad = (uint8_t)r->s->zx;
    const uint8_t *x_end = r->x + g->N * H * W * C;
    int64_t n = p0 / (OH * OW), oy = p0 / OW % OH, ox = p0 % OW;
    const uint8_t *rows[64]; /* the window's input rows for this output row (NULL: padding) */
    int64_t nrow = KH <= 64 ? KH : 0, cur_row = -1;
    int avx512 = oct_cpu_level_get() >= OCT_CPU_AVX512;
    uint8_t *dst = col;
    for (int64_t p = p0; p < p1; p++, dst += lda) {
        if (n * OH + oy != cur_row) {
            cur_row = n * OH + oy;
            for (int64_t ky = 0; ky < nrow; ky++) {
                int64_t iy = oy * sy - g->pb[1] + ky * dy;
                rows[ky] = iy < 0 || iy >= H ? NULL : r->x + ((n * H + iy) * W) * C;
            }
        }
        int64_t ix0 = ox * sx - g->pb[2];
        int fast = nrow && dx == 1 && ix0 >= 0 && ix0 + KW <= W;
        uint8_t *d = dst;
        if (nrow && dx == 1 && rowb <= 64 && avx512) {
            int64_t kx0 = ix0 < 0 ? -ix0 : 0, kx1 = W - ix0 < KW ? W - ix0 : KW;
            if (kx1 < kx0) kx1 = kx0;
            oct_nhwc_window_avx512(d, rows, KH, ix0 * C, rowb, kx0 * C, kx1 * C, pad, lda - K);
            goto next;
        } else if (fast && rowb <= 64) { /* 16-byte moves per window row: the bytes past rowb are */
            for (int64_t ky = 0; ky < KH; ky++, d += rowb) { /* rewritten by the next row / pixel */
                const uint8_t *src = rows[ky] ? rows[ky] + ix0 * C : NULL; /* (64 bytes of slack) */
                if (!src) {
                    memset(d, pad, (size_t)rowb);
                } else if (src + ((rowb + 15) & ~15) <= x_end) {
                    for (int64_t b = 0; b < rowb; b += 16) memcpy(d + b, src + b, 16);
                } else {
                    memcpy(d, src, (size_t)rowb);
                }
            }
        } else if (fast) {
            for (int64_t ky = 0; ky < KH; ky++, d += rowb) {
                if (!rows[ky]) memset(d, pad, (size_t)rowb);
                else memcpy(d, rows[ky] + ix0 * C, (size_t)rowb);
            }
        } else { /* a window over the border: per row, pad | valid taps | pad */
            for (int64_t ky = 0; ky < KH; ky++, d += rowb) {
                int64_t iy = oy * sy - g->pb[1] + ky * dy;
                if (iy < 0 || iy >= H) {
                    memset(d, pad, (size_t)rowb);
                    continue;
                }
                const uint8_t *src = r->x + ((n * H + iy) * W) * C;
                int64_t kx0 = 0, kx1 = KW;
                while (kx0 < KW && ix0 + kx0 * dx < 0) kx0++;
                while (kx1 > kx0 && ix0 + (kx1 - 1) * dx >= W) kx1--;
                if (kx0 * C <= 8) for (int64_t b = 0; b < kx0 * C; b++) d[b] = pad;
                else memset(d, pad, (size_t)(kx0 * C));
                if (dx == 1) {
                    const uint8_t *s0 = src + (ix0 + kx0) * C;
                    uint8_t *d0 = d + kx0 * C;
                    int64_t len = (kx1 - kx0) * C;
                    if (len <= 8) for (int64_t b = 0; b < len; b++) d0[b] = s0[b];
                    else memcpy(d0, s0, (size_t)len);
                } else {
                    for (int64_t kx = kx0; kx < kx1; kx++)
                        for (int64_t c = 0; c < C; c++) d[kx * C + c] = src[(ix0 + kx * dx) * C + c];
                }
                if (rowb - kx1 * C <= 8) for (int64_t b = kx1 * C; b < rowb; b++) d[b] = pad;
                else memset(d + kx1 * C, pad, (size_t)(rowb - kx1 * C));
            }
        }
        if (lda > K) memset(dst + K, 0, (size_t)(lda - K));
    next:
        if (++ox == OW) {
            ox = 0;
            if (++oy == OH) oy = 0, n++;
        }
    }
}

/* GEMM arguments holding the node's requantization epilogue. */
static void epilogue_args(const nhwc_state *s, const int32_t *bias, oct_qgemm_args *a)
{
    oct_qgemm_args_init(a, s->ydt == OCT_DT_I8 ? OCT_QGEMM_OUT_S8 : OCT_QGEMM_OUT_U8);
    a->bias = bias;
    a->per_channel = 1;
    a->m0 = s->m0;
    a->shift = s->shift;
    a->zo = s->zo;
    a->q_lo = s->q_lo;
    a->q_hi = s->q_hi;
}

static void gemm_block(nhwc_run *r, int64_t p0, int64_t p1, uint8_t *col)
{
    const nhwc_state *s = r->s;
    oct_qgemm_args a;
    epilogue_args(s, r->bias, &a);
    a.M = p1 - p0;
    a.N = s->M;
    a.K = s->K;
    if (r->pointwise) {
        a.A = r->x + p0 * r->C;
        a.lda = s->K;
    } else {
        im2col_nhwc(r, p0, p1, col);
        int64_t full = (p1 - p0 + OCT_QGEMM_DIRECT_ROWS - 1) / OCT_QGEMM_DIRECT_ROWS * OCT_QGEMM_DIRECT_ROWS;
        if (r->direct && full > p1 - p0) memset(col + (p1 - p0) * r->lda, 0, (size_t)((full - (p1 - p0)) * r->lda));
        a.A = col;
        a.lda = r->lda;
        a.a_direct = r->direct;
    }
    a.a_signed = s->xdt == OCT_DT_I8;
    a.za = s->zx;
    a.pb = s->pb;
    a.C = r->y + p0 * s->M;
    a.ldc = s->M;
    if (oct_qgemm_run(&a, NULL) != OCT_OK) r->failed = 1;
}

/* This thread's im2col block, kept between calls (a fresh 128 KB malloc per
 * call would be an mmap + page faults every time). */
static oct_tscratch col_ws = OCT_TSCRATCH_INIT;

static void blocks_task(void *ctx, int64_t b, int64_t e, int tid)
{
    (void)tid;
    nhwc_run *r = ctx;
    int64_t P = r->g->N * r->g->out_sp;
    uint8_t *col = r->pointwise ? NULL : oct_tscratch_get(&col_ws, r->scratch);
    if (!r->pointwise && !col) {
        r->failed = 1;
        return;
    }
    for (int64_t k = b; k < e; k++) {
        int64_t p0 = k * r->rows_per_blk, p1 = p0 + r->rows_per_blk < P ? p0 + r->rows_per_blk : P;
        gemm_block(r, p0, p1, col);
    }
}

static oct_status amx_compute(const oct_node *n, const oct_conv_geom *g, const nhwc_state *s, const uint8_t *x,
                              const int32_t *bias, void *y, const oct_exec *ex)
{
    if (g->d[2] != 1) return oct_err(OCT_E_INVALID, "%s: not prepared for dilation in x", n->op_type);
    oct_qconv_amx_geom ag = {
        .N = g->N, .H = g->in[1], .W = g->in[2], .C = g->C, .OH = g->out[1], .OW = g->out[2],
        .sy = g->s[1], .sx = g->s[2], .dy = g->d[1],
        .pt = g->pb[1], .pl = g->pb[2], .pb = g->pe[1], .pr = g->pe[2],
    };
    oct_qgemm_args e;
    epilogue_args(s, bias, &e);
    return oct_qconv_amx_run(s->amx, &ag, x, s->zx, y, &e, ex ? ex->pool : NULL);
}

static oct_status nhwc_compute(const oct_node *n, const oct_tensor *const *in, oct_tensor *const *out,
                               const oct_exec *ex)
{
    oct_conv_geom g;
    OCT_TRY(geom(n, in, &g));
    const nhwc_state *s = n->state;
    if (!s || s->K != g.Kg || s->M != g.M || in[0]->dtype != s->xdt)
        return oct_err(OCT_E_INVALID, "%s: not prepared for these inputs", n->op_type);
    const oct_tensor *B = oct_quant_in(n, in, 8);
    if (B && (B->dtype != OCT_DT_I32 || oct_tensor_numel(B) != g.M))
        return oct_err(OCT_E_SHAPE, "%s: bias must be %lld int32 values", n->op_type, (long long)g.M);
    if (s->amx) return amx_compute(n, &g, s, in[0]->data, B ? B->data : NULL, out[0]->data, ex);
    nhwc_run r;
    memset(&r, 0, sizeof r);
    r.g = &g;
    r.s = s;
    r.x = in[0]->data;
    r.y = out[0]->data;
    r.bias = B ? B->data : NULL;
    r.C = g.C;
    r.pointwise = g.k[1] == 1 && g.k[2] == 1 && g.s[1] == 1 && g.s[2] == 1 && g.pb[1] == 0 && g.pb[2] == 0 &&
                  g.pe[1] == 0 && g.pe[2] == 0;
    int64_t P = g.N * g.out_sp;
    /* im2col straight into the GEMM's A layout when its kernel reads A
     * unpacked (AMX: rows padded to 64 bytes, blocks of 32 rows) */
    int64_t dlda = r.pointwise || s->xdt != OCT_DT_U8 ? 0 : oct_qgemm_direct_lda(oct_qgemm_packed_path(s->pb), s->K);
    r.direct = dlda > 0;
    r.lda = r.direct ? dlda : s->K;
    int64_t unit = r.direct ? OCT_QGEMM_DIRECT_ROWS : 14; /* rows of the kernel's tile */
    /* blocks of whole tiles with the im2col block within ~128 KB */
    int64_t rows = (128 << 10) / (r.lda > 0 ? r.lda : 1);
    rows = rows / unit * unit;
    if (rows < unit) rows = unit;
    if (rows > 1008) rows = 1008 / unit * unit;
    r.rows_per_blk = rows;
    r.scratch = (size_t)(rows * r.lda) + 64;
    int64_t nblk = (P + rows - 1) / rows;
    oct_pool_for(ex ? ex->pool : NULL, nblk, 1, blocks_task, &r);
    if (r.failed) return oct_err(OCT_E_NOMEM, "%s: integer GEMM failed", n->op_type);
    return OCT_OK;
}

const oct_op_impl oct_op_QLinearConvNhwc = {
    .infer = nhwc_infer,
    .compute = nhwc_compute,
    .prepare = nhwc_prepare,
    .release = nhwc_release,
};
