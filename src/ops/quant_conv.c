/* octet — the integer Conv engine of ConvInteger and QLinearConv (NCHW,
 * 1-3 spatial dimensions, groups, strides, dilations, padding).
 *
 *   acc[n][m][p] = bias[m] + sum_{c,k} (x[..] - zx) * (w[m][c][k] - zw[m])   (int32, wraps)
 *
 * Padding contributes 0 (it stands for the value zx).
 *
 * GEMM path. The activations are the A operand (the GEMM's B must be the
 * int8 weights): rows = output pixels, K = Cg * prod(kernel), B = the
 * group's W - zw as int8 (K x Mg, packed once at prepare for constant W,
 * else once per run); when W - zw does not fit int8 (u8 weights,
 * asymmetric zero points) it is two int8 halves stacked along K and the
 * im2col rows are repeated (a GEMM over 2K, the same sums). One task per (image, group, block of output pixels): the im2col of
 * the block stored K x pixels (row copies padded with the activation zero
 * point's byte, read transposed by the GEMM's packing; a 1x1 stride-1
 * unpadded conv reads the image itself), the GEMM into a [pixels x Mg]
 * scratch (int32, or float acc * M for requantized outputs), and one pass
 * that transposes it into NCHW, rounding and saturating on the way. Blocks
 * are sized so both scratches stay in L2 between the steps. Tasks run over
 * the pool when there are at least two per thread, else one after the other
 * with the GEMM using the pool.
 * Direct path (generic): per output channel plane, int32 row loops over the
 * kernel taps, any zero points; used for depthwise-like convs (few output
 * channels per group, where the GEMM's column tiles would be empty) and
 * with OCTET_QUANT=generic. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/quant_kernels.h"
#include "ops/quant_util.h"

#define QCONV_MAX_K ((int64_t)1 << 24)

/* AUTO: the GEMM unless the groups are depthwise-like. Measured (1 thread,
 * 3x3): Mg 1 (depthwise) direct 2-3x faster; Mg 2, Cg 1: direct 1.3x; Mg 2,
 * Cg 2 and Mg 4, Cg 4: the GEMM 1.5-3x faster, despite its mostly empty
 * column tiles. */
static int use_gemm(oct_quant_algo a, int64_t Mg, int64_t Kg, int split)
{
    if (a == OCT_QUANT_GENERIC || split * Kg > QCONV_MAX_K) return 0;
    return a == OCT_QUANT_GEMM || Mg >= 8 || (Mg >= 2 && Kg >= 16);
}

/* ---- prepare ------------------------------------------------------------------------ */

void oct_qconv_prep_free(oct_qconv_prep *p)
{
    if (!p) return;
    if (p->pb)
        for (int64_t i = 0; i < p->G; i++) oct_qgemm_packed_free(p->pb[i]);
    free(p->pb);
    free(p->w8);
    free(p);
}

oct_status oct_qconv_prepare(oct_node *n, const oct_graph *g, int w_in, int wzp_in, oct_qconv_prep **out)
{
    *out = NULL;
    if (n->n_in <= w_in || n->in[w_in] < 0) return OCT_OK;
    const oct_tensor *W = g->val[n->in[w_in]].constant, *Z = NULL;
    if (!W || !W->data || W->rank < 3 || (W->dtype != OCT_DT_U8 && W->dtype != OCT_DT_I8)) return OCT_OK;
    int64_t M = W->dims[0], G = oct_attr_int(n, "group", 1);
    if (M <= 0 || G < 1 || M % G != 0) return OCT_OK; /* infer reports bad shapes */
    int64_t Kg = oct_tensor_numel(W) / M, nz = 1;
    if (Kg <= 0) return OCT_OK;
    if (wzp_in < n->n_in && n->in[wzp_in] >= 0) {
        Z = g->val[n->in[wzp_in]].constant;
        if (!Z || !Z->data || Z->dtype != W->dtype) return OCT_OK;
        nz = oct_tensor_numel(Z);
        if (nz != 1 && (nz != M || Z->rank != 1)) return OCT_OK;
    }
    int32_t *zw = NULL;
    if (Z) {
        zw = malloc((size_t)nz * sizeof *zw);
        if (!zw) return oct_err(OCT_E_NOMEM, "%s: out of memory", n->op_type);
        oct_quant_read_zp(Z, nz, zw);
    }
    int nomem = 0, split = 1;
    int8_t *w8 = oct_quant_weights_s8(W->data, W->dtype, 1, M, Kg, zw, nz, 1, 1, &split, &nomem);
    free(zw);
    if (!w8) return nomem ? OCT_E_NOMEM : OCT_OK;
    int64_t Mg = M / G, Kq = split * Kg;
    int gemm = use_gemm(oct_quant_algo_get(), Mg, Kg, split);
    if (!gemm && split == 2) { /* the direct path reads W and its zero points as they are */
        free(w8);
        return OCT_OK;
    }
    oct_qconv_prep *p = calloc(1, sizeof *p);
    if (!p) {
        free(w8);
        return oct_err(OCT_E_NOMEM, "%s: out of memory", n->op_type);
    }
    p->M = M;
    p->Kg = Kg;
    p->G = G;
    p->split = split;
    p->w8 = w8;
    if (gemm) {
        p->pb = calloc((size_t)G, sizeof *p->pb);
        for (int64_t i = 0; p->pb && i < G; i++) {
            p->pb[i] = oct_qgemm_pack_b(OCT_QGEMM_AUTO, 1, Kq, Mg, w8 + i * Mg * Kq, Kq);
            if (!p->pb[i]) {
                oct_qconv_prep_free(p);
                return oct_err(OCT_E_NOMEM, "%s: cannot pack the weights", n->op_type);
            }
        }
        if (!p->pb) {
            oct_qconv_prep_free(p);
            return oct_err(OCT_E_NOMEM, "%s: out of memory", n->op_type);
        }
        free(p->w8); /* the packing has it; the direct path converts W again if ever used */
        p->w8 = NULL;
    }
    *out = p;
    return OCT_OK;
}

/* ---- shared run state --------------------------------------------------------------- */

typedef struct run_ctx {
    const oct_qconv_job *j;
    const oct_quant_kernels *kern;
    /* direct path: the weights as given, or W - zw as int8 */
    const void *w;
    oct_dtype wdt;
    const int32_t *zw; /* NULL: 0 */
    int64_t nzw;
    /* GEMM path */
    const int8_t *wq;            /* W - zw as int8, M x Kq (unless packed at prepare) */
    int split;                   /* 2: two halves along K (oct_quant_weights_s8) */
    int64_t Kq;                  /* split * Kg: the GEMM's K */
    oct_qgemm_packed *const *pk; /* per group */
    int64_t pb, nblk;            /* pixels per block, blocks per (image, group) */
    int pointwise;
    /* tasks and per-worker scratch */
    int64_t ntask;
    void (*task)(struct run_ctx *c, int64_t u, void *scratch, oct_pool *pool);
    size_t scratch_bytes;
    atomic_llong next;
    atomic_int fail; /* a task failed: st and msg (the message is thread-local) */
    oct_status st;
    char msg[256];
} run_ctx;

static void ctx_fail(run_ctx *c, oct_status s)
{
    if (atomic_exchange(&c->fail, 1) == 0) {
        c->st = s;
        snprintf(c->msg, sizeof c->msg, "%s", oct_errmsg());
    }
}

static oct_status ctx_status(const run_ctx *c)
{
    return atomic_load(&c->fail) ? oct_err(c->st, "%s", c->msg) : OCT_OK;
}

/* One worker: its own scratch, tasks from the shared counter. */
static void worker(void *ctx_, int64_t b, int64_t e, int tid)
{
    (void)b, (void)e, (void)tid;
    run_ctx *c = ctx_;
    void *scratch = malloc(c->scratch_bytes ? c->scratch_bytes : 1);
    if (!scratch) {
        ctx_fail(c, oct_err(OCT_E_NOMEM, "integer conv: cannot allocate %zu bytes of scratch", c->scratch_bytes));
        return;
    }
    for (;;) {
        int64_t u = (int64_t)atomic_fetch_add(&c->next, 1);
        if (u >= c->ntask || atomic_load(&c->fail)) break;
        c->task(c, u, scratch, NULL);
    }
    free(scratch);
}

/* Run the tasks: in parallel (one scratch per worker) when there are enough
 * of them, else one after the other, each using the pool itself. */
static oct_status run_tasks(run_ctx *c, oct_pool *pool, int inner_pool)
{
    int T = oct_pool_size(pool);
    atomic_init(&c->next, 0);
    atomic_init(&c->fail, 0);
    c->st = OCT_OK;
    if (T > 1 && (!inner_pool || c->ntask >= 2 * T)) {
        oct_pool_for(pool, T < c->ntask ? T : c->ntask, 1, worker, c);
        return ctx_status(c);
    }
    void *scratch = malloc(c->scratch_bytes ? c->scratch_bytes : 1);
    if (!scratch) return oct_err(OCT_E_NOMEM, "integer conv: cannot allocate %zu bytes of scratch", c->scratch_bytes);
    for (int64_t u = 0; u < c->ntask && !atomic_load(&c->fail); u++) c->task(c, u, scratch, pool);
    free(scratch);
    return ctx_status(c);
}

/* ---- direct path ---------------------------------------------------------------------- */

/* first / one-past-last output index o with 0 <= o * s + off < in */
static void valid_range(int64_t out, int64_t s, int64_t off, int64_t in, int64_t *o0, int64_t *o1)
{
    int64_t a = off >= 0 ? 0 : (-off + s - 1) / s;
    int64_t b = in - off <= 0 ? 0 : (in - off - 1) / s + 1;
    if (b > out) b = out;
    if (a > out) a = out;
    *o0 = a;
    *o1 = b > a ? b : a;
}

/* Output channel plane u = (n, m): int32 row loops over the taps, then the
 * bias and the requantization. */
static void direct_task(run_ctx *c, int64_t u, void *scratch, oct_pool *pool)
{
    (void)pool;
    const oct_qconv_job *j = c->j;
    const oct_conv_geom *g = j->g;
    const oct_quant_kernels *kern = c->kern;
    int64_t n = u / g->M, m = u % g->M, gi = m / g->Mg;
    int64_t P = g->out_sp, OW = g->out[2], OH = g->out[1], sx = g->s[2];
    uint32_t *acc = scratch;
    memset(acc, 0, (size_t)P * sizeof *acc);
    int32_t zw = c->zw ? c->zw[c->nzw == 1 ? 0 : m] : 0, zx = j->zx;
    void (*mac)(uint32_t *, const uint8_t *, int64_t, int64_t, int32_t, int32_t) =
        j->xdt == OCT_DT_I8 ? kern->mac_s8 : kern->mac_u8;
    for (int64_t ci = 0; ci < g->Cg; ci++) {
        const uint8_t *xc = (const uint8_t *)j->x + (n * g->C + gi * g->Cg + ci) * g->in_sp;
        for (int64_t kz = 0; kz < g->k[0]; kz++)
            for (int64_t ky = 0; ky < g->k[1]; ky++)
                for (int64_t kx = 0; kx < g->k[2]; kx++) {
                    int64_t widx = m * g->Kg + ((ci * g->k[0] + kz) * g->k[1] + ky) * g->k[2] + kx;
                    int32_t wv = oct_quant_at(c->w, c->wdt, widx) - zw;
                    if (wv == 0) continue;
                    int64_t off = kx * g->d[2] - g->pb[2], o0, o1;
                    valid_range(OW, sx, off, g->in[2], &o0, &o1);
                    if (o0 >= o1) continue;
                    for (int64_t oz = 0; oz < g->out[0]; oz++) {
                        int64_t iz = oz * g->s[0] - g->pb[0] + kz * g->d[0];
                        if (iz < 0 || iz >= g->in[0]) continue;
                        for (int64_t oy = 0; oy < OH; oy++) {
                            int64_t iy = oy * g->s[1] - g->pb[1] + ky * g->d[1];
                            if (iy < 0 || iy >= g->in[1]) continue;
                            uint32_t *ar = acc + (oz * OH + oy) * OW;
                            const uint8_t *xr = xc + (iz * g->in[1] + iy) * g->in[2] + o0 * sx + off;
                            mac(ar + o0, xr, o1 - o0, sx, wv, zx);
                        }
                    }
                }
    }
    int64_t off = (n * g->M + m) * P;
    uint32_t bias = j->bias ? (uint32_t)j->bias[m] : 0u;
    if (j->ydt == OCT_DT_I32) {
        kern->finish_i32(acc, P, bias, (int32_t *)j->y + off);
        return;
    }
    float lo, hi;
    oct_quant_out_range(j->ydt, j->clamp, j->zo, &lo, &hi);
    kern->finish_q(acc, P, bias, j->mult[j->nmult == 1 ? 0 : m], lo, hi, j->zo, j->ydt == OCT_DT_I8,
                   (uint8_t *)j->y + off);
}

/* ---- GEMM path ------------------------------------------------------------------------- */

/* im2col of image n, group gi, output pixels [p0, p1): col[k][p - p0]
 * (Kg x (p1 - p0)), padding = the zero point's byte. */
static void im2col_block(const oct_qconv_job *j, int64_t n, int64_t gi, int64_t p0, int64_t p1, uint8_t *col)
{
    const oct_conv_geom *g = j->g;
    const uint8_t *x = (const uint8_t *)j->x + (n * g->C + gi * g->Cg) * g->in_sp;
    uint8_t pad = (uint8_t)j->zx; /* the zero point's byte (i8 two's complement) */
    int64_t OW = g->out[2], OH = g->out[1], sx = g->s[2], rows = p1 - p0;
    for (int64_t ci = 0; ci < g->Cg; ci++)
        for (int64_t kz = 0; kz < g->k[0]; kz++)
            for (int64_t ky = 0; ky < g->k[1]; ky++)
                for (int64_t kx = 0; kx < g->k[2]; kx++) {
                    int64_t k = ((ci * g->k[0] + kz) * g->k[1] + ky) * g->k[2] + kx;
                    uint8_t *dst = col + k * rows;
                    int64_t off = kx * g->d[2] - g->pb[2], v0, v1;
                    valid_range(OW, sx, off, g->in[2], &v0, &v1);
                    const uint8_t *xc = x + ci * g->in_sp;
                    int64_t p = p0, oz = p0 / (OH * OW), oy = p0 / OW % OH, ox = p0 % OW;
                    while (p < p1) {
                        int64_t seg = OW - ox < p1 - p ? OW - ox : p1 - p; /* pixels ox .. ox + seg of a row */
                        uint8_t *r = dst + (p - p0) - ox;                   /* r[ox'] for this row */
                        int64_t iz = oz * g->s[0] - g->pb[0] + kz * g->d[0];
                        int64_t iy = oy * g->s[1] - g->pb[1] + ky * g->d[1];
                        int64_t a = ox > v0 ? ox : v0, b = ox + seg < v1 ? ox + seg : v1;
                        if (iz < 0 || iz >= g->in[0] || iy < 0 || iy >= g->in[1] || a >= b) {
                            memset(r + ox, pad, (size_t)seg);
                        } else {
                            const uint8_t *xr = xc + (iz * g->in[1] + iy) * g->in[2];
                            if (a > ox) memset(r + ox, pad, (size_t)(a - ox));
                            if (sx == 1) memcpy(r + a, xr + a + off, (size_t)(b - a));
                            else
                                for (int64_t o = a; o < b; o++) r[o] = xr[o * sx + off];
                            if (b < ox + seg) memset(r + b, pad, (size_t)(ox + seg - b));
                        }
                        p += seg;
                        ox = 0;
                        if (++oy == OH) oy = 0, oz++;
                    }
                }
}

/* Task u = (image n, group gi, pixel block): im2col of the block (unless
 * pointwise), the GEMM into a [pixels x Mg] scratch, the NCHW scatter. */
static void gemm_task(run_ctx *c, int64_t u, void *scratch, oct_pool *pool)
{
    const oct_qconv_job *j = c->j;
    const oct_conv_geom *g = j->g;
    int64_t blk = u % c->nblk, gi = u / c->nblk % g->G, n = u / (c->nblk * g->G);
    int64_t P = g->out_sp, Mg = g->Mg, Kg = g->Kg, p0 = blk * c->pb, p1 = p0 + c->pb < P ? p0 + c->pb : P;
    int64_t rows = p1 - p0;
    void *ct = scratch;
    uint8_t *col = (uint8_t *)scratch + (size_t)(c->pb * Mg) * 4;
    oct_qgemm_args a;
    oct_qgemm_args_init(&a, j->ydt == OCT_DT_I32 ? OCT_QGEMM_OUT_S32 : OCT_QGEMM_OUT_F32);
    a.M = rows;
    a.N = Mg;
    a.K = c->Kq;
    a.transA = 1;
    if (c->pointwise) {
        a.A = (const uint8_t *)j->x + (n * g->C + gi * g->Cg) * g->in_sp + p0;
        a.lda = g->in_sp;
    } else {
        im2col_block(j, n, gi, p0, p1, col);
        if (c->split == 2) memcpy(col + Kg * rows, col, (size_t)(Kg * rows)); /* the K rows again */
        a.A = col;
        a.lda = rows;
    }
    a.a_signed = j->xdt == OCT_DT_I8;
    a.za = j->zx;
    a.pb = c->pk[gi];
    a.C = ct;
    a.ldc = Mg;
    a.bias = j->bias ? j->bias + gi * Mg : NULL;
    if (j->ydt != OCT_DT_I32) {
        a.a_scale = 1.f;
        a.per_channel = j->nmult > 1;
        a.w_scale = j->mult + (a.per_channel ? gi * Mg : 0);
    }
    oct_status st = oct_qgemm_run(&a, pool);
    if (st != OCT_OK) {
        ctx_fail(c, st);
        return;
    }
    int64_t off = (n * g->M + gi * Mg) * P + p0;
    if (j->ydt == OCT_DT_I32) {
        c->kern->scatter_i32(ct, Mg, rows, Mg, (int32_t *)j->y + off, P);
    } else {
        float lo, hi;
        oct_quant_out_range(j->ydt, j->clamp, j->zo, &lo, &hi);
        c->kern->scatter_q(ct, Mg, rows, Mg, (uint8_t *)j->y + off, P, lo, hi, j->zo, j->ydt == OCT_DT_I8);
    }
}

static int is_pointwise(const oct_conv_geom *g)
{
    for (int i = 0; i < 3; i++)
        if (g->k[i] != 1 || g->s[i] != 1 || g->pb[i] != 0 || g->pe[i] != 0) return 0;
    return 1;
}

/* Pixels per block: the [pixels x Mg] int32 / float block within ~256 KB and
 * the im2col block within ~512 KB (both stay in L2 between the GEMM and the
 * scatter), a multiple of 56 (= lcm of the kernels' 14-row tiles and the
 * scatter's 8). Measured single-thread against whole-image blocks:
 * 1x1 64 -> 256 on 56x56 1.3x faster; 3x3 convs about the same. */
static int64_t max_block; /* oct_qconv_tune */

void oct_qconv_tune(int64_t max_block_pixels) { max_block = max_block_pixels > 0 ? max_block_pixels : 0; }

static int64_t block_pixels(const oct_conv_geom *g, int64_t Kq, int pointwise)
{
    if (max_block > 0) return max_block >= g->out_sp ? g->out_sp : max_block;
    int64_t pb = (256 << 10) / (4 * g->Mg);
    if (!pointwise && Kq > 0 && (512 << 10) / Kq < pb) pb = (512 << 10) / Kq;
    pb = pb / 56 * 56;
    if (pb < 56) pb = 56;
    return pb >= g->out_sp ? g->out_sp : pb;
}

static oct_status run_gemm(run_ctx *c, const oct_qconv_prep *p, oct_pool *pool)
{
    const oct_conv_geom *g = c->j->g;
    oct_qgemm_packed **made = NULL;
    c->Kq = c->split * g->Kg;
    if (p && p->pb) {
        c->pk = p->pb;
    } else { /* pack this run's int8 weights once for all blocks */
        made = calloc((size_t)g->G, sizeof *made);
        if (!made) return oct_err(OCT_E_NOMEM, "integer conv: out of memory");
        for (int64_t i = 0; i < g->G; i++) {
            made[i] = oct_qgemm_pack_b(OCT_QGEMM_AUTO, 1, c->Kq, g->Mg, c->wq + i * g->Mg * c->Kq, c->Kq);
            if (!made[i]) {
                for (int64_t k = 0; k < i; k++) oct_qgemm_packed_free(made[k]);
                free(made);
                return OCT_E_NOMEM;
            }
        }
        c->pk = made;
    }
    c->pointwise = c->split == 1 && is_pointwise(g);
    c->pb = block_pixels(g, c->Kq, c->pointwise);
    c->nblk = (g->out_sp + c->pb - 1) / c->pb;
    c->ntask = g->N * g->G * c->nblk;
    c->task = gemm_task;
    c->scratch_bytes = (size_t)(c->pb * g->Mg) * 4 + (c->pointwise ? 0 : (size_t)(c->pb * c->Kq)) + 64;
    oct_status st = run_tasks(c, pool, 1);
    if (made) {
        for (int64_t i = 0; i < g->G; i++) oct_qgemm_packed_free(made[i]);
        free(made);
    }
    return st;
}

oct_status oct_qconv_run(const oct_qconv_job *j, oct_pool *pool)
{
    const oct_conv_geom *g = j->g;
    if (g->N == 0 || g->M == 0 || g->out_sp == 0) return OCT_OK;
    run_ctx c;
    memset(&c, 0, sizeof c);
    c.j = j;
    c.kern = oct_quant_kernels_get();
    c.w = j->w; /* the direct path's weights: as given ... */
    c.wdt = j->wdt;
    c.zw = j->zw;
    c.nzw = j->nzw;
    c.split = 1;
    oct_quant_algo algo = oct_quant_algo_get();
    int8_t *w8 = NULL;
    const oct_qconv_prep *p = j->prep;
    if (p && (p->M != g->M || p->Kg != g->Kg || p->G != g->G)) p = NULL;
    int gemm_ok = 0; /* c.wq / c.split (or p->pb) hold W - zw for the GEMM */
    if (p && p->pb) {
        c.split = p->split;
        gemm_ok = 1;
    } else if (p && p->w8) { /* split 1 */
        c.wq = p->w8;
        gemm_ok = 1;
    } else if (algo != OCT_QUANT_GENERIC) {
        int all_zero = 1;
        for (int64_t i = 0; j->zw && i < j->nzw; i++) all_zero &= j->zw[i] == 0;
        if (j->wdt == OCT_DT_I8 && all_zero) {
            c.wq = j->w;
        } else {
            int nomem = 0;
            w8 = oct_quant_weights_s8(j->w, j->wdt, 1, g->M, g->Kg, j->zw, j->nzw, 1, 1, &c.split, &nomem);
            if (!w8 && nomem) return OCT_E_NOMEM;
            c.wq = w8;
        }
        gemm_ok = c.wq != NULL;
    }
    oct_status st;
    if (gemm_ok && use_gemm(algo, g->Mg, g->Kg, c.split)) {
        st = run_gemm(&c, p && p->pb ? p : NULL, pool);
    } else {
        if (gemm_ok && c.split == 1 && c.wq) { /* ... or W - zw as int8 */
            c.w = c.wq;
            c.wdt = OCT_DT_I8;
            c.zw = NULL;
        }
        c.ntask = g->N * g->M;
        c.task = direct_task;
        c.scratch_bytes = (size_t)g->out_sp * sizeof(uint32_t);
        st = run_tasks(&c, pool, 0);
    }
    free(w8);
    return st;
}
