/* octet — direct flat convolution, AVX-512: source build (pad + stride
 * phases), 8 x 48 microkernel reading B straight from the source, masked
 * epilogue that drops the junk columns (see conv.h). */
#include <immintrin.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "backend/cpu/conv.h"
#include "backend/cpu/f16cvt.h"
#include "backend/cpu/par.h"

#define MR OCT_CONV_DFLAT_MR
#define NR OCT_CONV_DFLAT_NR

static inline __mmask16 lanes(int64_t lo, int64_t hi) /* lanes [lo, hi) of 16 */
{
    if (lo < 0) lo = 0;
    if (hi > 16) hi = 16;
    if (hi <= lo) return 0;
    return (__mmask16)(((1u << (hi - lo)) - 1u) << lo);
}

/* ---- source build ----------------------------------------------------------- */

/* Masks of one source row split (the same for every row of an image):
 * chunk c covers dst[16c, 16c + 16); it loads 16 (sx = 1) or 32 (sx = 2)
 * source elements from e[c] under ld0 / ld1 and stores under st. */
#define PLAN_MAX 16
typedef struct row_plan {
    int nch;
    int64_t e[PLAN_MAX];
    __mmask16 ld0[PLAN_MAX], ld1[PLAN_MAX], st[PLAN_MAX];
} row_plan;

/* dst[j] = row[j * sx + off] where 0 <= j * sx + off < W, else 0; j < n.
 * Returns 0 when the row does not fit a plan (generic path). */
static int plan_row(row_plan *p, int64_t n, int64_t W, int64_t off, int64_t sx)
{
    if ((sx != 1 && sx != 2) || n > 16 * PLAN_MAX) return 0;
    p->nch = (int)((n + 15) / 16);
    for (int c = 0; c < p->nch; c++) {
        int64_t e = 16 * c * sx + off;
        p->e[c] = e;
        p->ld0[c] = lanes(-e, W - e);
        p->ld1[c] = lanes(-(e + 16), W - (e + 16));
        p->st[c] = lanes(0, n - 16 * c);
    }
    return 1;
}

static const int32_t even_idx[16] = {0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30};

static inline void split_plan1(float *dst, const float *row, const row_plan *p)
{
    for (int c = 0; c < p->nch; c++)
        _mm512_mask_storeu_ps(dst + 16 * c, p->st[c], _mm512_maskz_loadu_ps(p->ld0[c], row + p->e[c]));
}

/* stride 2: the even elements from e (d0) and, when d1, the odd ones (d1) */
static inline void split_plan2(float *d0, float *d1, const float *row, const row_plan *p)
{
    const __m512i even = _mm512_loadu_si512(even_idx), odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
    for (int c = 0; c < p->nch; c++) {
        __m512 lo = _mm512_maskz_loadu_ps(p->ld0[c], row + p->e[c]);
        __m512 hi = _mm512_maskz_loadu_ps(p->ld1[c], row + p->e[c] + 16);
        _mm512_mask_storeu_ps(d0 + 16 * c, p->st[c], _mm512_permutex2var_ps(lo, even, hi));
        if (d1) _mm512_mask_storeu_ps(d1 + 16 * c, p->st[c], _mm512_permutex2var_ps(lo, odd, hi));
    }
}

static void split_row_generic(float *dst, int64_t n, const float *row, int64_t W, int64_t off, int64_t sx)
{
    for (int64_t j = 0; j < n; j++) {
        int64_t e = j * sx + off;
        dst[j] = e >= 0 && e < W ? row[e] : 0.f;
    }
}

/* Channels [c0, c1) of the source. */
static void build_source(const oct_conv_geom *g, const oct_conv_dflat_geom *df, const float *x, float *S, int64_t c0,
                         int64_t c1)
{
    const int64_t H = g->in[1], W = g->in[2], sy = g->s[1], sx = g->s[2];
    const int64_t Hp = df->Hp, Wp = df->Wp, plane = Hp * Wp, nb = df->nb;
    /* stride 2 with both column phases: one split writes the two */
    const int both2 = sx == 2 && nb == 2 && df->pb[0] == 0 && df->pb[1] == 1;
    row_plan plan[2];
    int planned = nb <= 2;
    for (int64_t ib = 0; ib < nb && planned; ib++) planned = plan_row(&plan[ib], Wp, W, df->pb[ib] - g->pb[2], sx);
    for (int64_t ci = c0; ci < c1; ci++)
        for (int64_t ia = 0; ia < df->na; ia++) {
            float *o = S + (ci * df->na + ia) * nb * plane;
            for (int64_t i = 0; i < Hp; i++, o += Wp) {
                int64_t iy = i * sy + df->pa[ia] - g->pb[1];
                if (iy < 0 || iy >= H) {
                    for (int64_t ib = 0; ib < nb; ib++) memset(o + ib * plane, 0, (size_t)Wp * sizeof(float));
                    continue;
                }
                const float *row = x + ci * g->in_sp + iy * W;
                if (!planned) {
                    for (int64_t ib = 0; ib < nb; ib++)
                        split_row_generic(o + ib * plane, Wp, row, W, df->pb[ib] - g->pb[2], sx);
                } else if (sx == 1) {
                    split_plan1(o, row, &plan[0]);
                } else if (both2) {
                    split_plan2(o, o + plane, row, &plan[0]);
                } else {
                    for (int64_t ib = 0; ib < nb; ib++) split_plan2(o + ib * plane, NULL, row, &plan[ib]);
                }
            }
        }
}

/* ---- microkernel: 8 rows x NC column vectors, K steps ------------------------ */

#define DF_ROW(r)                                                             \
    {                                                                         \
        __m512 av = _mm512_set1_ps(w[r]);                                     \
        c##r##_0 = _mm512_fmadd_ps(av, b0, c##r##_0);                         \
        if (NC > 1) c##r##_1 = _mm512_fmadd_ps(av, b1, c##r##_1);             \
        if (NC > 2) c##r##_2 = _mm512_fmadd_ps(av, b2, c##r##_2);             \
    }
#define DF_DECL(r) __m512 c##r##_0 = _mm512_setzero_ps(), c##r##_1 = c##r##_0, c##r##_2 = c##r##_0;
#define DF_STORE(r)                                                           \
    _mm512_store_ps(acc + (r) * NR, c##r##_0);                                \
    if (NC > 1) _mm512_store_ps(acc + (r) * NR + 16, c##r##_1);               \
    if (NC > 2) _mm512_store_ps(acc + (r) * NR + 32, c##r##_2);
#define DF_ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7)

/* acc[r * NR + c] = sum_k w[k * 8 + r] * x[koff[k] + c], c < 16 * NC; the
 * last column vector is loaded under mlast. Not inlined: in the caller the
 * 24 accumulators would compete with the epilogue's registers (spills). */
#define DF_KERNEL(NAME, NCV)                                                                   \
    static __attribute__((noinline)) void NAME(int64_t K, const float *w, const float *x,      \
                                               const int64_t *koff, __mmask16 mlast, float *acc) \
    {                                                                                          \
        enum { NC = NCV };                                                                     \
        DF_ROWS(DF_DECL)                                                                       \
        for (int64_t k = 0; k < K; k++, w += MR) {                                             \
            const float *s = x + koff[k];                                                      \
            __m512 b0, b1 = _mm512_setzero_ps(), b2 = _mm512_setzero_ps();                     \
            if (NC == 1) {                                                                     \
                b0 = _mm512_maskz_loadu_ps(mlast, s);                                          \
            } else {                                                                           \
                b0 = _mm512_loadu_ps(s);                                                       \
                if (NC == 2) b1 = _mm512_maskz_loadu_ps(mlast, s + 16);                        \
                else {                                                                         \
                    b1 = _mm512_loadu_ps(s + 16);                                              \
                    b2 = _mm512_maskz_loadu_ps(mlast, s + 32);                                 \
                }                                                                              \
            }                                                                                  \
            DF_ROWS(DF_ROW)                                                                    \
        }                                                                                      \
        DF_ROWS(DF_STORE)                                                                      \
    }

DF_KERNEL(df_kernel_1, 1)
DF_KERNEL(df_kernel_2, 2)
DF_KERNEL(df_kernel_3, 3)

/* ---- epilogue ------------------------------------------------------------------ */

/* A run of lanes of column vector h that belong to one output row. */
typedef struct df_seg {
    int h;
    __mmask16 m;
    int64_t yoff; /* output index of lane 0 */
} df_seg;

/* Segments of the panel at q0 (w columns). */
static int panel_segments(const oct_conv_geom *g, const oct_conv_dflat_geom *df, int64_t q0, int64_t w,
                          df_seg *seg)
{
    const int64_t Wp = df->Wp, OW = g->out[2], skip = Wp - OW;
    int n = 0;
    for (int h = 0; 16 * h < w; h++) {
        int64_t l = 0, lend = w - 16 * h < 16 ? w - 16 * h : 16, qh = q0 + 16 * h;
        while (l < lend) {
            int64_t q = qh + l, oy = q / Wp, ox = q % Wp;
            int64_t row_end = l + (Wp - ox); /* first lane of the next row */
            if (ox < OW) {
                int64_t e = l + (OW - ox), yoff = qh - oy * skip;
                if (e > lend) e = lend;
                if (n > 0 && seg[n - 1].h == h && seg[n - 1].yoff == yoff) { /* no junk between: merge */
                    seg[n - 1].m |= lanes(l, e);
                } else {
                    seg[n].h = h;
                    seg[n].m = lanes(l, e);
                    seg[n].yoff = yoff;
                    n++;
                }
            }
            l = row_end;
        }
    }
    return n;
}

static inline __attribute__((always_inline)) __m512 act_vec(__m512 x, int kind, __m512 lo, __m512 hi)
{
    switch (kind) {
    case OCT_ACT_RELU: return _mm512_max_ps(x, _mm512_setzero_ps());
    case OCT_ACT_CLIP: return _mm512_min_ps(_mm512_max_ps(x, lo), hi);
    case OCT_ACT_LEAKYRELU: {
        __mmask16 neg = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_LT_OQ);
        return _mm512_mask_mul_ps(x, neg, x, lo);
    }
    default: return x;
    }
}

typedef struct df_epi {
    const df_seg *seg;
    int nseg;
    const float *bias, *res; /* of the tile's first row, or NULL */
    float *y;
    int64_t ystride;
    int kind;
    __m512 lo, hi;
} df_epi;

/* y = act(acc + bias + res) on the segments; instantiated per (act, res). */
static inline __attribute__((always_inline)) void epilogue_t(const df_epi *e, const float *acc, int mr, int kind,
                                                             int has_res)
{
    for (int r = 0; r < mr; r++) {
        const __m512 b = _mm512_set1_ps(e->bias ? e->bias[r] : 0.f);
        float *yr = e->y + r * e->ystride;
        const float *rr = has_res ? e->res + r * e->ystride : NULL;
        for (int s = 0; s < e->nseg; s++) {
            const df_seg *sg = &e->seg[s];
            __m512 v = _mm512_add_ps(_mm512_load_ps(acc + r * NR + sg->h * 16), b);
            if (has_res) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(sg->m, rr + sg->yoff));
            v = act_vec(v, kind, e->lo, e->hi);
            _mm512_mask_storeu_ps(yr + sg->yoff, sg->m, v);
        }
    }
}

static void epilogue(const df_epi *e, const float *acc, int mr)
{
    int res = e->res != NULL;
    switch (e->kind) {
    case OCT_ACT_RELU:
        if (res) epilogue_t(e, acc, mr, OCT_ACT_RELU, 1);
        else epilogue_t(e, acc, mr, OCT_ACT_RELU, 0);
        break;
    case OCT_ACT_CLIP:
    case OCT_ACT_LEAKYRELU: epilogue_t(e, acc, mr, e->kind, res); break;
    default:
        if (res) epilogue_t(e, acc, mr, OCT_ACT_NONE, 1);
        else epilogue_t(e, acc, mr, OCT_ACT_NONE, 0);
        break;
    }
}

/* ---- one (image, group) ---------------------------------------------------------- */

/* Work items (panel, tile) [u0, u1) of one (image, group), item u = panel *
 * tiles + tile. fp16 weights (dfw_h) are widened one tile at a time into this
 * thread's scratch. 0 when that scratch cannot be allocated. */
static int run_items(const oct_conv_job *j, const float *S, int64_t n, int64_t gi, int64_t u0, int64_t u1)
{
    const oct_conv_geom *g = j->g;
    const oct_conv_dflat_geom *df = &j->df;
    const int64_t ybase = (n * g->M + gi * g->Mg) * g->out_sp;
    float *y = j->y + ybase;
    const float *res = j->res ? j->res + ybase : NULL;
    const int64_t tiles = (g->Mg + MR - 1) / MR, K = g->Kg;
    const float *wg = j->dfw ? j->dfw + gi * tiles * K * MR : NULL;
    const uint16_t *wgh = j->dfw_h ? j->dfw_h + gi * tiles * K * MR : NULL;
    float *wide = NULL;
    int64_t wide_t = -1;
    if (wgh && !(wide = oct_f16cvt_scratch(OCT_F16CVT_SLOT_DFLAT, (size_t)(K * MR)))) return 0;
    const float *bias = j->bias ? j->bias + gi * g->Mg : NULL;
    _Alignas(64) float acc[MR * NR];
    df_seg seg[NR];
    df_epi e;
    e.seg = seg;
    e.ystride = g->out_sp;
    e.kind = (int)j->act.kind;
    e.lo = _mm512_set1_ps(j->act.alpha);
    e.hi = _mm512_set1_ps(j->act.beta);
    /* fp32: panel-major (a panel's source stays cached across the tiles);
     * fp16: tile-major, so each widened tile serves every panel of the range */
    const int64_t p0 = u0 / tiles, np = (u1 + tiles - 1) / tiles - p0;
    const int64_t outer = wgh ? tiles : np, inner = wgh ? np : tiles;
    int64_t seg_q0 = -1;
    for (int64_t oi = 0; oi < outer; oi++)
        for (int64_t ii = 0; ii < inner; ii++) {
            const int64_t p = p0 + (wgh ? ii : oi), t = wgh ? oi : ii, u = p * tiles + t;
            if (u < u0 || u >= u1) continue;
            const int64_t q0 = p * NR;
            const int64_t w = df->nq - q0 < NR ? df->nq - q0 : NR;
            const int nc = (int)((w + 15) / 16);
            const __mmask16 mlast = lanes(0, w - 16 * (nc - 1));
            if (q0 != seg_q0) e.nseg = panel_segments(g, df, q0, w, seg);
            seg_q0 = q0;
            const float *wt;
            if (wgh) {
                if (wide_t != t) oct_f16cvt_to_f32(wgh + t * K * MR, wide, K * MR, OCT_CPU_AVX512);
                wide_t = t;
                wt = wide;
            } else {
                wt = wg + t * K * MR;
            }
            if (nc == 3) df_kernel_3(K, wt, S + q0, j->koff, mlast, acc);
            else if (nc == 2) df_kernel_2(K, wt, S + q0, j->koff, mlast, acc);
            else df_kernel_1(K, wt, S + q0, j->koff, mlast, acc);
            int mr = (int)(g->Mg - t * MR < MR ? g->Mg - t * MR : MR);
            e.bias = bias ? bias + t * MR : NULL;
            e.res = res ? res + t * MR * g->out_sp : NULL;
            e.y = y + t * MR * g->out_sp;
            epilogue(&e, acc, mr);
        }
    return 1;
}

static int64_t n_items(const oct_conv_job *j)
{
    return (j->df.nq + NR - 1) / NR * ((j->g->Mg + MR - 1) / MR);
}

oct_status oct_conv_dflat_task_avx512(const oct_conv_job *j, int64_t n, int64_t gi)
{
    const oct_conv_geom *g = j->g;
    const float *x = j->x + (n * g->C + gi * g->Cg) * g->in_sp;
    const float *S = x;
    if (!j->df.direct) {
        float *buf = oct_conv_dflat_scratch((size_t)j->df.src_floats);
        if (!buf) return oct_err(OCT_E_NOMEM, "Conv: out of memory");
        build_source(g, &j->df, x, buf, 0, g->Cg);
        S = buf;
    }
    if (!run_items(j, S, n, gi, 0, n_items(j))) return oct_err(OCT_E_NOMEM, "Conv: out of memory");
    return OCT_OK;
}

/* ---- one (image, group) over the pool -------------------------------------------- */
/* The calling thread builds the source (its scratch, read by all), the pool
 * shares the items. */

typedef struct img_ctx {
    const oct_conv_job *j;
    const float *x;
    float *S;
    int64_t n, gi, per, total;
    _Atomic int nomem;
} img_ctx;

static void items_unit(void *ctx, int64_t u)
{
    img_ctx *c = ctx;
    int64_t u0 = u * c->per, u1 = u0 + c->per < c->total ? u0 + c->per : c->total;
    if (!run_items(c->j, c->S ? c->S : c->x, c->n, c->gi, u0, u1)) atomic_store(&c->nomem, 1);
}

oct_status oct_conv_dflat_image_avx512(const oct_conv_job *j, int64_t n, int64_t gi, oct_pool *pool)
{
    const oct_conv_geom *g = j->g;
    const int T = oct_pool_size(pool);
    img_ctx c;
    c.j = j;
    c.x = j->x + (n * g->C + gi * g->Cg) * g->in_sp;
    c.S = NULL;
    c.n = n;
    c.gi = gi;
    if (!j->df.direct) {
        /* built by this thread: a second hand-out would cost more than it saves */
        c.S = oct_conv_dflat_scratch((size_t)j->df.src_floats);
        if (!c.S) return oct_err(OCT_E_NOMEM, "Conv: out of memory");
        build_source(g, &j->df, c.x, c.S, 0, g->Cg);
    }
    c.total = n_items(j);
    c.per = (c.total + 4 * T - 1) / (4 * T);
    atomic_init(&c.nomem, 0);
    oct_par_units(pool, (c.total + c.per - 1) / c.per, items_unit, &c);
    return atomic_load(&c.nomem) ? oct_err(OCT_E_NOMEM, "Conv: out of memory") : OCT_OK;
}
