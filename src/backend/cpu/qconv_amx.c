/* octet — INT8 NHWC convolution as an implicit GEMM on AMX (see qconv_amx.h).
 * Work split: the padded copy by image rows; the output as runs of 16 pixels
 * along x (a tile's rows), two runs per kernel call, contiguous ranges of
 * runs per thread; every output channel panel of 32 for each pair of runs. */
#include "backend/cpu/qconv_amx.h"

#include <stdlib.h>
#include <string.h>

#include "backend/cpu/qgemm_kernels.h"
#include "core/tscratch.h"

struct oct_qconv_amx {
    int64_t M, C, KH, KW, nchunk;
    int fold; /* the whole window fits one chunk: window rows folded into channels */
    oct_qgemm_packed *pb;
};

oct_qconv_amx *oct_qconv_amx_new(int64_t M, int64_t C, int64_t KH, int64_t KW, const int8_t *w)
{
    if (!oct_qgemm_path_supported(OCT_QGEMM_AMX) || oct_qgemm_path_get() != OCT_QGEMM_AMX) return NULL;
    if (M <= 0 || C <= 0 || KH <= 0 || KW <= 0) return NULL;
    /* small windows (KH * KW * C <= 64, e.g. a first layer on 1 channel): the
     * input is rearranged so that a pixel holds its KH window rows' C bytes
     * side by side; then one chunk covers the window ([kx][ky][c]) */
    int fold = KH > 1 && KH * KW * C <= 64;
    int64_t nchunk = fold ? 1 : (KW * C + 63) / 64, K = (fold ? 1 : KH) * nchunk * 64;
    int8_t *b = calloc((size_t)(K * M), 1);
    oct_qconv_amx *p = calloc(1, sizeof *p);
    if (!b || !p) {
        free(b);
        free(p);
        oct_err(OCT_E_NOMEM, "conv: out of memory packing weights");
        return NULL;
    }
    for (int64_t m = 0; m < M; m++)
        for (int64_t c = 0; c < C; c++)
            for (int64_t ky = 0; ky < KH; ky++)
                for (int64_t kx = 0; kx < KW; kx++)
                    b[(fold ? (kx * KH + ky) * C + c : ky * nchunk * 64 + kx * C + c) * M + m] =
                        w[((m * C + c) * KH + ky) * KW + kx];
    p->pb = oct_qgemm_pack_b(OCT_QGEMM_AMX, 0, K, M, b, M);
    free(b);
    if (!p->pb) {
        free(p);
        return NULL;
    }
    p->M = M;
    p->C = C;
    p->KH = KH;
    p->KW = KW;
    p->nchunk = nchunk;
    p->fold = fold;
    return p;
}

void oct_qconv_amx_free(oct_qconv_amx *p)
{
    if (!p) return;
    oct_qgemm_packed_free(p->pb);
    free(p);
}

size_t oct_qconv_amx_bytes(const oct_qconv_amx *p) { return p ? oct_qgemm_packed_bytes(p->pb) + sizeof *p : 0; }

typedef struct run {
    const oct_qconv_amx *p;
    const oct_qconv_amx_geom *g;
    const uint8_t *x;
    uint8_t *xp; /* padded input: rows of Wp pixels; folded: one row per output row, KH * C bytes a pixel */
    int64_t Wp, Hp, runs_x, nruns;
    uint8_t za;
    char *y;
    size_t es;
    const oct_qgemm_tile *tiles; /* one per 32-channel panel */
} run;

static void pad_rows(void *ctx, int64_t b, int64_t e, int tid)
{
    (void)tid;
    const run *r = ctx;
    const oct_qconv_amx_geom *g = r->g;
    size_t rb = (size_t)(r->Wp * g->C), lb = (size_t)(g->pl * g->C), ib = (size_t)(g->W * g->C);
    for (int64_t row = b; row < e; row++) { /* row of the padded batch: n * Hp + yp */
        int64_t n = row / r->Hp, iy = row % r->Hp - g->pt;
        uint8_t *d = r->xp + row * (int64_t)rb;
        if (iy < 0 || iy >= g->H) {
            memset(d, r->za, rb);
            continue;
        }
        memset(d, r->za, lb);
        memcpy(d + lb, r->x + ((n * g->H + iy) * g->W) * g->C, ib);
        memset(d + lb + ib, r->za, rb - lb - ib);
    }
}

/* Folded rows: row (n, oy) holds, for each padded x, the C bytes of input
 * rows oy * sy - pt + ky * dy for ky < KH (the zero point outside). */
static void fold_rows(void *ctx, int64_t b, int64_t e, int tid)
{
    (void)tid;
    const run *r = ctx;
    const oct_qconv_amx_geom *g = r->g;
    int64_t C = g->C, KH = r->p->KH, px = KH * C;
    for (int64_t row = b; row < e; row++) {
        int64_t n = row / g->OH, oy = row % g->OH;
        uint8_t *d = r->xp + row * r->Wp * px;
        memset(d, r->za, (size_t)(r->Wp * px));
        for (int64_t ky = 0; ky < KH; ky++) {
            int64_t iy = oy * g->sy - g->pt + ky * g->dy;
            if (iy < 0 || iy >= g->H) continue;
            const uint8_t *s = r->x + ((n * g->H + iy) * g->W) * C;
            uint8_t *dk = d + g->pl * px + ky * C;
            if (C == 1)
                for (int64_t ix = 0; ix < g->W; ix++) dk[ix * px] = s[ix];
            else
                for (int64_t ix = 0; ix < g->W; ix++) memcpy(dk + ix * px, s + ix * C, (size_t)C);
        }
    }
}

/* Run i of the output: its first pixel's window in xp, its output rows. */
static void run_at(const run *r, int64_t i, const uint8_t **a, char **c, int *rows)
{
    const oct_qconv_amx_geom *g = r->g;
    int64_t orow = i / r->runs_x, ox0 = i % r->runs_x * 16, n = orow / g->OH, oy = orow % g->OH;
    if (r->p->fold) *a = r->xp + (orow * r->Wp + ox0 * g->sx) * r->p->KH * g->C;
    else *a = r->xp + ((n * r->Hp + oy * g->sy) * r->Wp + ox0 * g->sx) * g->C;
    *c = r->y + (size_t)((orow * g->OW + ox0) * r->p->M) * r->es;
    *rows = (int)(g->OW - ox0 < 16 ? g->OW - ox0 : 16);
}

static void conv_runs(void *ctx, int64_t b, int64_t e, int tid)
{
    (void)tid;
    const run *r = ctx;
    const oct_qconv_amx *p = r->p;
    const uint8_t *pbd = oct_qgemm_packed_data(p->pb);
    int64_t ng = oct_qgemm_packed_groups(p->pb);
    oct_qgemm_amx_conv j;
    memset(&j, 0, sizeof j);
    j.a_stride = r->g->sx * p->C * (p->fold ? p->KH : 1);
    j.row_step = r->g->dy * r->Wp * p->C;
    j.kh = p->fold ? 1 : (int)p->KH;
    j.nchunk = (int)p->nchunk;
    j.ldc = p->M;
    oct_qgemm_amx_begin();
    for (int64_t i = 2 * b; i < 2 * e && i < r->nruns; i += 2) {
        const uint8_t *a0, *a1 = NULL;
        char *c0, *c1 = NULL;
        int rows0, rows1 = 0;
        run_at(r, i, &a0, &c0, &rows0);
        if (i + 1 < r->nruns) run_at(r, i + 1, &a1, &c1, &rows1);
        for (int64_t j0 = 0, pn = 0; j0 < p->M; j0 += OCT_QGEMM_AMX_NR, pn++) {
            j.a[0] = a0;
            j.a[1] = a1;
            j.rows[0] = rows0;
            j.rows[1] = rows1;
            j.c[0] = c0 + (size_t)j0 * r->es;
            j.c[1] = c1 ? c1 + (size_t)j0 * r->es : NULL;
            j.b = pbd + j0 * ng * 4;
            j.nr = (int)(p->M - j0 < OCT_QGEMM_AMX_NR ? p->M - j0 : OCT_QGEMM_AMX_NR);
            j.t = &r->tiles[pn];
            oct_qgemm_amx_conv_tile(&j);
        }
    }
    oct_qgemm_amx_end();
}

static oct_tscratch pad_ws = OCT_TSCRATCH_INIT;

oct_status oct_qconv_amx_run(const oct_qconv_amx *p, const oct_qconv_amx_geom *g, const uint8_t *x, int32_t za,
                             void *y, const oct_qgemm_args *e, oct_pool *pool)
{
    if (!p || !g || g->C != p->C || g->sx < 1 || g->sy < 1 || g->dy < 1 || za < 0 || za > 255)
        return oct_err(OCT_E_INVALID, "conv (AMX): inconsistent arguments");
    if (e->out == OCT_QGEMM_OUT_U8 || e->out == OCT_QGEMM_OUT_S8) {
        if (!e->m0 || !e->shift) return oct_err(OCT_E_INVALID, "conv (AMX): requantization multipliers missing");
    }
    run r;
    memset(&r, 0, sizeof r);
    r.p = p;
    r.g = g;
    r.x = x;
    r.za = (uint8_t)za;
    r.y = y;
    r.es = e->out == OCT_QGEMM_OUT_U8 || e->out == OCT_QGEMM_OUT_S8 ? 1 : 4;
    r.Wp = g->W + g->pl + g->pr;
    r.Hp = g->H + g->pt + g->pb;
    r.runs_x = (g->OW + 15) / 16;
    r.nruns = g->N * g->OH * r.runs_x;
    if (r.nruns == 0 || p->M == 0) return OCT_OK;
    /* a tile reads up to 15 pixels past a run's end and a chunk past its
     * window row: guard bytes after the padded batch */
    size_t guard = (size_t)(16 * g->sx * p->C * p->KH + p->nchunk * 64 + 64);
    size_t xbytes = (size_t)(p->fold ? g->N * g->OH * r.Wp * p->KH * p->C : g->N * r.Hp * r.Wp * p->C);
    int64_t npanel = (p->M + OCT_QGEMM_AMX_NR - 1) / OCT_QGEMM_AMX_NR;
    size_t tbytes = (size_t)npanel * sizeof(oct_qgemm_tile);
    uint8_t *ws = oct_tscratch_get(&pad_ws, tbytes + xbytes + guard);
    if (!ws) return oct_err(OCT_E_NOMEM, "conv (AMX): cannot allocate %zu bytes", tbytes + xbytes + guard);
    oct_qgemm_tile *tiles = (oct_qgemm_tile *)ws; /* tscratch is 64-byte aligned; the tile is a multiple of 64 */
    const int32_t *colsum = oct_qgemm_packed_colsum(p->pb);
    for (int64_t pn = 0; pn < npanel; pn++) {
        int64_t j0 = pn * OCT_QGEMM_AMX_NR;
        oct_qgemm_tile_common(e, &tiles[pn]);
        oct_qgemm_tile_columns(e, za, colsum, j0, (int)(p->M - j0 < OCT_QGEMM_AMX_NR ? p->M - j0 : OCT_QGEMM_AMX_NR),
                               OCT_QGEMM_AMX_NR, &tiles[pn]);
    }
    r.tiles = tiles;
    r.xp = ws + tbytes;
    memset(r.xp + xbytes, r.za, guard);
    if (p->fold) oct_pool_for(pool, g->N * g->OH, 8, fold_rows, &r);
    else oct_pool_for(pool, g->N * r.Hp, 8, pad_rows, &r);
    oct_pool_for(pool, (r.nruns + 1) / 2, 4, conv_runs, &r);
    return OCT_OK;
}
