/* octet — SGEMM driver: kernel dispatch, cache blocking, packing, threading.
 *
 * Loop nest (BLIS-like, with the roles of A and B as in row-major C):
 *   pack all of op(A) once:        [kb][MR-panel][kk][mr]   (tails compact)
 *   for jc (NC columns):           pack op(B)[:, jc:jc+NC]  [kb][NR-panel][kk][NR]
 *     split M panels or N panels over the pool; each task:
 *       for kb (KC):
 *         for ic (MC rows):        A block (MC x KC) stays in L2
 *           for NR-panel of B:     B micro-panel (KC x NR) stays in L1
 *             for MR-panel of A:   microkernel -> C tile, epilogue on the last kb
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "backend/cpu/f16cvt.h"
#include "backend/cpu/par.h"
#include "backend/cpu/sgemm.h"
#include "backend/cpu/sgemm_kernels.h"
#include "core/dtype.h"

typedef struct kern_info {
    int mr, nr;
    int64_t mc, kc, nc;
    oct_sgemm_ukr_fn ukr;
    void (*pack_a)(const float *A, int64_t lda, int transA, int64_t i0, int mr, int64_t k0, int64_t kc,
                   float *dst);
    void (*pack_b)(const float *B, int64_t ldb, int transB, int64_t j0, int64_t ncols, int nr,
                   int64_t k0, int64_t kc, float *dst);
} kern_info;

static kern_info kernels[3] = {
    [OCT_CPU_SCALAR] = {OCT_SGEMM_SCALAR_MR, OCT_SGEMM_SCALAR_NR, 256, 256, 512, oct_sgemm_ukr_scalar,
                         oct_sgemm_pack_a_panel, oct_sgemm_pack_b_panels},
    [OCT_CPU_AVX2] = {OCT_SGEMM_AVX2_MR, OCT_SGEMM_AVX2_NR, 512, 256, 1024, oct_sgemm_ukr_avx2,
                       oct_sgemm_pack_a_panel, oct_sgemm_pack_b_panels},
    [OCT_CPU_AVX512] = {OCT_SGEMM_AVX512_MR, OCT_SGEMM_AVX512_NR, 504, 512, 2048, oct_sgemm_ukr_avx512,
                         oct_sgemm_pack_a_avx512, oct_sgemm_pack_b_avx512},
};

/* Below this many multiply-adds the pool is not used. */
#define PAR_MIN_MACS (1 << 20)

struct oct_sgemm_packed {
    char which; /* 'A' or 'B' */
    oct_cpu_level level;
    int64_t rows, cols, kc;
    int f16;    /* 1: data holds fp16 (same layout), widened per block/panel at run time */
    void *data;
    size_t bytes;
};

/* ---- per-thread scratch ------------------------------------------------ */

typedef struct scratch { void *p; size_t cap; } scratch;
static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;
static int scratch_key_ok;

static void scratch_destroy(void *s)
{
    scratch *x = s;
    if (!x) return;
    free(x->p);
    free(x);
}

static void scratch_init(void) { scratch_key_ok = pthread_key_create(&scratch_key, scratch_destroy) == 0; }

static float *scratch_get(size_t n_floats)
{
    pthread_once(&scratch_once, scratch_init);
    if (!scratch_key_ok) return NULL;
    scratch *s = pthread_getspecific(scratch_key);
    if (!s) {
        s = calloc(1, sizeof *s);
        if (!s) return NULL;
        if (pthread_setspecific(scratch_key, s) != 0) { free(s); return NULL; }
    }
    size_t need = (n_floats * sizeof(float) + 63) & ~(size_t)63;
    if (need == 0) need = 64;
    if (need > s->cap) {
        free(s->p);
        s->p = aligned_alloc(64, need);
        s->cap = s->p ? need : 0;
    }
    return s->p;
}

void oct_sgemm_scratch_release(void)
{
    pthread_once(&scratch_once, scratch_init);
    if (!scratch_key_ok) return;
    scratch *s = pthread_getspecific(scratch_key);
    if (s) {
        free(s->p);
        s->p = NULL;
        s->cap = 0;
    }
}

/* ---- driver ------------------------------------------------------------- */

typedef struct drv {
    const oct_sgemm_args *a;
    const kern_info *k;
    oct_cpu_level lvl;
    int64_t M, N, K, kc;
    int64_t np_m;           /* MR panels of A */
    const float *pa;        /* packed A: [kb][panel][kk][mr], offset k0*M + i0*kcb */
    const uint16_t *pah;    /* the same in fp16 (pa NULL): widened per (kb, MC block) */
    const uint16_t *pbh;    /* pre-packed fp16 B (pb NULL): widened per micro-panel */
    _Atomic int nomem;      /* a task could not get its widening scratch */
    float *pa_dst;
    const float *pb;        /* B block: offset k0*pb_npad + (j0 - pb_j0)*kcb */
    float *pb_dst;
    int64_t pb_npad, pb_j0;
    int64_t jc, nc, np_n;   /* current N block and its panel count */
    int64_t mcp;            /* MC in panels */
    int T, split_m;
    int64_t units;          /* compute units of the current block */
    int64_t pack_total;     /* items of the current packing job */
} drv;

#define PACK_UNIT 8 /* panels per packing unit */

static int64_t min64(int64_t x, int64_t y) { return x < y ? x : y; }

/* K block size: at most the level's KC, split evenly (K = 600 -> 2 x 300). */
static int64_t kc_for(const kern_info *k, int64_t K)
{
    if (K <= k->kc) return K > 0 ? K : 1;
    int64_t nkb = (K + k->kc - 1) / k->kc;
    return (K + nkb - 1) / nkb;
}

static void pack_a_unit(void *ctx, int64_t u)
{
    drv *d = ctx;
    int64_t b = u * PACK_UNIT, e = min64(b + PACK_UNIT, d->pack_total);
    const oct_sgemm_args *a = d->a;
    for (int64_t idx = b; idx < e; idx++) {
        int64_t kb = idx / d->np_m, p = idx % d->np_m;
        int64_t k0 = kb * d->kc, kcb = min64(d->kc, d->K - k0);
        int64_t i0 = p * d->k->mr;
        int mr = (int)min64(d->k->mr, d->M - i0);
        float *dst = d->pa_dst + k0 * d->M + i0 * kcb;
        if (a->apanel) a->apanel(a->actx, i0, mr, k0, kcb, dst);
        else d->k->pack_a(a->A, a->lda, a->transA, i0, mr, k0, kcb, dst);
    }
}

static void pack_b_unit(void *ctx, int64_t u)
{
    drv *d = ctx;
    int64_t b = u * PACK_UNIT, e = min64(b + PACK_UNIT, d->pack_total);
    const oct_sgemm_args *a = d->a;
    int nr = d->k->nr;
    for (int64_t idx = b; idx < e;) {
        int64_t kb = idx / d->np_n, p = idx % d->np_n;
        int64_t k0 = kb * d->kc, kcb = min64(d->kc, d->K - k0);
        int64_t j0 = d->jc + p * nr;
        float *dst = d->pb_dst + k0 * d->pb_npad + p * nr * kcb;
        if (a->bpanel) {
            a->bpanel(a->bctx, k0, kcb, j0, (int)min64(nr, d->jc + d->nc - j0), nr, dst);
            idx++;
            continue;
        }
        /* a run of panels of the same K block in one call */
        int64_t p_end = min64(d->np_n, p + (e - idx));
        int64_t j_end = min64(d->jc + d->nc, d->jc + p_end * nr);
        d->k->pack_b(a->B, a->ldb, a->transB, j0, j_end - j0, nr, k0, kcb, dst);
        idx += p_end - p;
    }
}

static void split_range(int64_t n, int T, int t, int64_t *b, int64_t *e)
{
    int64_t q = n / T, r = n % T;
    *b = t * q + (t < r ? t : r);
    *e = *b + q + (t < r ? 1 : 0);
}

static void compute_unit(void *ctx, int64_t t)
{
    drv *d = ctx;
    const oct_sgemm_args *a = d->a;
    const kern_info *k = d->k;
    {
        int64_t pm0 = 0, pm1 = d->np_m, pn0 = 0, pn1 = d->np_n;
        if (d->split_m) split_range(d->np_m, (int)d->units, (int)t, &pm0, &pm1);
        else split_range(d->np_n, (int)d->units, (int)t, &pn0, &pn1);
        for (int64_t k0 = 0; k0 < d->K; k0 += d->kc) {
            int64_t kcb = min64(d->kc, d->K - k0);
            int last = k0 + kcb == d->K;
            oct_sgemm_epi epi;
            epi.alpha = a->alpha;
            epi.beta = k0 == 0 ? a->beta : 1.f;
            epi.load_c = k0 != 0 || a->beta != 0.f;
            epi.act = last && a->act.kind != OCT_ACT_NONE ? &a->act : NULL;
            /* A block (MC rows x KC) stays in L2; each B micro-panel (KC x NR)
             * stays in L1 while the A micro-panels of the block stream past it */
            for (int64_t ic = pm0; ic < pm1; ic += d->mcp) {
                int64_t icend = min64(pm1, ic + d->mcp);
                /* A rows [r0, r1) of this block: packed panels are contiguous */
                const int64_t r0 = ic * k->mr, r1 = min64(icend * k->mr, d->M);
                const float *ablk = d->pa ? d->pa + k0 * d->M + r0 * kcb : NULL;
                if (d->pah) {
                    float *w = oct_f16cvt_scratch(OCT_F16CVT_SLOT_A, (size_t)((r1 - r0) * kcb));
                    if (!w) {
                        atomic_store(&d->nomem, 1);
                        return;
                    }
                    oct_f16cvt_to_f32(d->pah + k0 * d->M + r0 * kcb, w, (r1 - r0) * kcb, d->lvl);
                    ablk = w;
                }
                for (int64_t pn = pn0; pn < pn1; pn++) {
                    int64_t j0 = d->jc + pn * k->nr;
                    int nrv = (int)min64(k->nr, d->jc + d->nc - j0);
                    const int64_t boff = k0 * d->pb_npad + (j0 - d->pb_j0) * kcb;
                    const float *bp = d->pbh ? NULL : d->pb + boff;
                    if (d->pbh) {
                        float *w = oct_f16cvt_scratch(OCT_F16CVT_SLOT_B, (size_t)(kcb * k->nr));
                        if (!w) {
                            atomic_store(&d->nomem, 1);
                            return;
                        }
                        oct_f16cvt_to_f32(d->pbh + boff, w, kcb * k->nr, d->lvl);
                        bp = w;
                    }
                    float *cc = a->C + j0;
                    epi.bias_col = last && a->bias_kind == OCT_SGEMM_BIAS_COL ? a->bias + j0 : NULL;
                    for (int64_t pm = ic; pm < icend; pm++) {
                        int64_t i0 = pm * k->mr;
                        int mr = (int)min64(k->mr, d->M - i0);
                        epi.bias_row = last && a->bias_kind == OCT_SGEMM_BIAS_ROW ? a->bias + i0 : NULL;
                        k->ukr(kcb, ablk + (i0 - r0) * kcb, bp, cc + i0 * a->ldc, a->ldc, mr, nrv, &epi);
                    }
                }
            }
        }
    }
}

static void run_units(oct_pool *pool, int T, int64_t n, oct_unit_fn fn, void *ctx)
{
    if (T > 1) {
        oct_par_units(pool, n, fn, ctx);
    } else {
        for (int64_t u = 0; u < n; u++) fn(ctx, u);
    }
}

static float act_scalar(float x, const oct_act *act)
{
    switch (act->kind) {
    case OCT_ACT_RELU: return x > 0.f ? x : 0.f;
    case OCT_ACT_CLIP: x = x < act->alpha ? act->alpha : x; return x > act->beta ? act->beta : x;
    case OCT_ACT_LEAKYRELU: return x < 0.f ? act->alpha * x : x;
    default: return x;
    }
}

/* K == 0: C = act(beta * C + bias). */
static void epilogue_only(const oct_sgemm_args *a)
{
    for (int64_t i = 0; i < a->M; i++) {
        float *c = a->C + i * a->ldc;
        for (int64_t j = 0; j < a->N; j++) {
            float x = a->beta != 0.f ? a->beta * c[j] : 0.f;
            if (a->bias_kind == OCT_SGEMM_BIAS_ROW) x += a->bias[i];
            else if (a->bias_kind == OCT_SGEMM_BIAS_COL) x += a->bias[j];
            c[j] = act_scalar(x, &a->act);
        }
    }
}

static oct_status check_args(const oct_sgemm_args *a)
{
    if (a->M < 0 || a->N < 0 || a->K < 0) return oct_err(OCT_E_INVALID, "sgemm: negative size");
    if (a->M == 0 || a->N == 0) return OCT_OK;
    if (!a->C || a->ldc < a->N) return oct_err(OCT_E_INVALID, "sgemm: bad C or ldc");
    if (a->bias_kind != OCT_SGEMM_BIAS_NONE && !a->bias) return oct_err(OCT_E_INVALID, "sgemm: bias missing");
    if (a->K == 0) return OCT_OK;
    if (a->pa) {
        if (a->pa->which != 'A' || a->pa->rows != a->M || a->pa->cols != a->K)
            return oct_err(OCT_E_INVALID, "sgemm: packed A does not match %lldx%lld",
                           (long long)a->M, (long long)a->K);
    } else if (!a->apanel && (!a->A || a->lda < (a->transA ? a->M : a->K))) {
        return oct_err(OCT_E_INVALID, "sgemm: bad A or lda");
    }
    if (a->pb) {
        if (a->pb->which != 'B' || a->pb->rows != a->K || a->pb->cols != a->N)
            return oct_err(OCT_E_INVALID, "sgemm: packed B does not match %lldx%lld",
                           (long long)a->K, (long long)a->N);
    } else if (!a->bpanel && (!a->B || a->ldb < (a->transB ? a->K : a->N))) {
        return oct_err(OCT_E_INVALID, "sgemm: bad B or ldb");
    }
    if (a->pa && a->pb && (a->pa->level != a->pb->level || a->pa->kc != a->pb->kc))
        return oct_err(OCT_E_INVALID, "sgemm: A and B were packed for different kernels");
    return OCT_OK;
}

void oct_sgemm_args_init(oct_sgemm_args *a)
{
    memset(a, 0, sizeof *a);
    a->alpha = 1.f;
}

oct_status oct_sgemm_run(const oct_sgemm_args *a, oct_pool *pool)
{
    OCT_TRY(check_args(a));
    if (a->M == 0 || a->N == 0) return OCT_OK;
    if (a->K == 0) {
        epilogue_only(a);
        return OCT_OK;
    }
    /* C (M x 1, contiguous) = op(A) op(B)  <=>  C^T (1 x M) = op(B)^T op(A)^T:
     * turns a matrix-vector product into a row that fills whole NR panels. */
    if (a->N == 1 && a->M > 1 && a->ldc == 1 && !a->pa && !a->pb && !a->bpanel && !a->apanel) {
        oct_sgemm_args s = *a;
        s.M = 1;
        s.N = a->M;
        s.A = a->B;
        s.lda = a->ldb;
        s.transA = !a->transB;
        s.B = a->A;
        s.ldb = a->lda;
        s.transB = !a->transA;
        s.ldc = a->M;
        s.bias_kind = a->bias_kind == OCT_SGEMM_BIAS_ROW ? OCT_SGEMM_BIAS_COL
                      : a->bias_kind == OCT_SGEMM_BIAS_COL ? OCT_SGEMM_BIAS_ROW : OCT_SGEMM_BIAS_NONE;
        return oct_sgemm_run(&s, pool);
    }

    oct_cpu_level lvl = a->pa ? a->pa->level : a->pb ? a->pb->level : oct_cpu_level_get();
    drv d;
    memset(&d, 0, sizeof d);
    atomic_init(&d.nomem, 0);
    d.a = a;
    d.k = &kernels[lvl];
    d.lvl = lvl;
    d.M = a->M;
    d.N = a->N;
    d.K = a->K;
    d.kc = a->pa ? a->pa->kc : a->pb ? a->pb->kc : kc_for(d.k, a->K);
    d.np_m = (a->M + d.k->mr - 1) / d.k->mr;
    d.mcp = d.k->mc / d.k->mr > 0 ? d.k->mc / d.k->mr : 1;
    int64_t nkb = (a->K + d.kc - 1) / d.kc;
    int64_t NC = d.k->nc;
    int T = oct_pool_size(pool);
    if ((double)a->M * (double)a->N * (double)a->K < (double)PAR_MIN_MACS) T = 1;
    d.T = T;

    int64_t ncmax = min64(NC, a->N);
    int64_t npad_blk = (ncmax + d.k->nr - 1) / d.k->nr * d.k->nr;
    size_t need_a = a->pa ? 0 : (size_t)(a->M * a->K);
    size_t need_b = a->pb ? 0 : (size_t)(a->K * npad_blk);
    float *ws = NULL;
    if (need_a + need_b) {
        ws = scratch_get(need_a + ((need_b + 15) & ~(size_t)15));
        if (!ws) return oct_err(OCT_E_NOMEM, "sgemm: cannot allocate %zu bytes of scratch",
                                (need_a + need_b) * sizeof(float));
    }
    if (a->pa) {
        if (a->pa->f16) d.pah = a->pa->data;
        else d.pa = a->pa->data;
    } else {
        d.pa_dst = ws;
        d.pa = ws;
        d.pack_total = nkb * d.np_m;
        run_units(pool, T, (d.pack_total + PACK_UNIT - 1) / PACK_UNIT, pack_a_unit, &d);
    }
    float *wsb = ws ? ws + ((need_a + 15) & ~(size_t)15) : NULL;

    for (int64_t jc = 0; jc < a->N; jc += NC) {
        d.jc = jc;
        d.nc = min64(NC, a->N - jc);
        d.np_n = (d.nc + d.k->nr - 1) / d.k->nr;
        if (a->pb) {
            if (a->pb->f16) d.pbh = a->pb->data;
            else d.pb = a->pb->data;
            d.pb_npad = (a->N + d.k->nr - 1) / d.k->nr * d.k->nr;
            d.pb_j0 = 0;
        } else {
            d.pb_dst = wsb;
            d.pb = wsb;
            d.pb_npad = d.np_n * d.k->nr;
            d.pb_j0 = jc;
            d.pack_total = nkb * d.np_n;
            run_units(pool, T, (d.pack_total + PACK_UNIT - 1) / PACK_UNIT, pack_b_unit, &d);
        }
        d.units = 1;
        if (T > 1) {
            /* split the dimension that balances best (idle fraction of the last
             * thread), in up to 4 units per thread handed out dynamically */
            int64_t qm = (d.np_m + T - 1) / T * d.k->mr, qn = (d.np_n + T - 1) / T * d.k->nr;
            double em = (double)a->M / T / (double)qm, en = (double)d.nc / T / (double)qn;
            d.split_m = em >= en;
            /* a pre-packed fp16 B is widened by every task that reads a panel:
             * split N when that still balances, so each panel is widened once */
            if (d.pbh && d.np_n >= 2 * T) d.split_m = 0;
            d.units = min64(d.split_m ? d.np_m : d.np_n, 4 * T);
        }
        run_units(pool, T, d.units, compute_unit, &d);
        if (atomic_load(&d.nomem))
            return oct_err(OCT_E_NOMEM, "sgemm: cannot allocate scratch to widen fp16 operands");
    }
    return OCT_OK;
}

oct_status oct_sgemm(int transA, int transB, int64_t M, int64_t N, int64_t K, float alpha,
                     const float *A, int64_t lda, const float *B, int64_t ldb, float beta, float *C,
                     int64_t ldc, oct_pool *pool)
{
    oct_sgemm_args a;
    oct_sgemm_args_init(&a);
    a.M = M;
    a.N = N;
    a.K = K;
    a.alpha = alpha;
    a.beta = beta;
    a.A = A;
    a.lda = lda;
    a.transA = transA;
    a.B = B;
    a.ldb = ldb;
    a.transB = transB;
    a.C = C;
    a.ldc = ldc;
    return oct_sgemm_run(&a, pool);
}

/* ---- pre-packed operands -------------------------------------------------- */

static oct_sgemm_packed *packed_new(char which, int64_t rows, int64_t cols, size_t n_elems, int f16)
{
    oct_sgemm_packed *p = calloc(1, sizeof *p);
    if (!p) {
        oct_err(OCT_E_NOMEM, "sgemm: out of memory");
        return NULL;
    }
    size_t esz = f16 ? sizeof(uint16_t) : sizeof(float);
    p->which = which;
    p->level = oct_cpu_level_get();
    p->rows = rows;
    p->cols = cols;
    p->f16 = f16;
    p->kc = kc_for(&kernels[p->level], which == 'A' ? cols : rows);
    p->bytes = (n_elems * esz + 63) & ~(size_t)63;
    if (p->bytes == 0) p->bytes = 64;
    p->data = aligned_alloc(64, p->bytes);
    if (!p->data) {
        free(p);
        oct_err(OCT_E_NOMEM, "sgemm: cannot allocate %zu bytes for a packed operand", n_elems * esz);
        return NULL;
    }
    return p;
}

oct_sgemm_packed *oct_sgemm_pack_a(int transA, int64_t M, int64_t K, const float *A, int64_t lda)
{
    if (M < 0 || K < 0) {
        oct_err(OCT_E_INVALID, "sgemm: negative size");
        return NULL;
    }
    oct_sgemm_packed *p = packed_new('A', M, K, (size_t)(M * K), 0);
    if (!p) return NULL;
    const kern_info *k = &kernels[p->level];
    float *data = p->data;
    for (int64_t k0 = 0; k0 < K; k0 += p->kc) {
        int64_t kcb = min64(p->kc, K - k0);
        for (int64_t i0 = 0; i0 < M; i0 += k->mr) {
            int mr = (int)min64(k->mr, M - i0);
            k->pack_a(A, lda, transA, i0, mr, k0, kcb, data + k0 * M + i0 * kcb);
        }
    }
    return p;
}

oct_sgemm_packed *oct_sgemm_pack_b(int transB, int64_t K, int64_t N, const float *B, int64_t ldb)
{
    if (N < 0 || K < 0) {
        oct_err(OCT_E_INVALID, "sgemm: negative size");
        return NULL;
    }
    const kern_info *k = &kernels[oct_cpu_level_get()];
    int64_t npad = (N + k->nr - 1) / k->nr * k->nr;
    oct_sgemm_packed *p = packed_new('B', K, N, (size_t)(K * npad), 0);
    if (!p) return NULL;
    float *data = p->data;
    for (int64_t k0 = 0; k0 < K; k0 += p->kc) {
        int64_t kcb = min64(p->kc, K - k0);
        k->pack_b(B, ldb, transB, 0, N, k->nr, k0, kcb, data + k0 * npad);
    }
    return p;
}

/* fp16 operands: widen the source, pack it as fp32 with the routines above
 * (one layout for both), narrow the packed panels back (exact: every value
 * came from fp16). The fp32 copies live only during the call (load time). */
static oct_sgemm_packed *pack_f16(char which, int trans, int64_t rows, int64_t cols, const uint16_t *X, int64_t ld)
{
    if (rows < 0 || cols < 0) {
        oct_err(OCT_E_INVALID, "sgemm: negative size");
        return NULL;
    }
    /* op(X) is rows x cols; X itself is stored (trans ? cols x rows : rows x cols) with ld */
    int64_t srows = trans ? cols : rows, scols = trans ? rows : cols;
    if (srows > 0 && scols > 0 && ld < scols) {
        oct_err(OCT_E_INVALID, "sgemm: leading dimension %lld < %lld", (long long)ld, (long long)scols);
        return NULL;
    }
    int64_t n = srows > 0 && scols > 0 ? (srows - 1) * ld + scols : 0;
    float *wide = oct_f16cvt_widen_alloc(X, n, "sgemm");
    if (!wide) return NULL;
    oct_sgemm_packed *p32 = which == 'A' ? oct_sgemm_pack_a(trans, rows, cols, wide, ld)
                                         : oct_sgemm_pack_b(trans, rows, cols, wide, ld);
    free(wide);
    if (!p32) return NULL;
    const kern_info *k = &kernels[p32->level];
    size_t elems = (size_t)(which == 'A' ? rows * cols : rows * ((cols + k->nr - 1) / k->nr * k->nr));
    oct_sgemm_packed *p = packed_new(which, rows, cols, elems, 1);
    if (p) {
        p->level = p32->level;
        p->kc = p32->kc;
        oct_f32_to_f16_n(p32->data, p->data, elems);
    }
    oct_sgemm_packed_free(p32);
    return p;
}

oct_sgemm_packed *oct_sgemm_pack_a_f16(int transA, int64_t M, int64_t K, const uint16_t *A, int64_t lda)
{
    return pack_f16('A', transA, M, K, A, lda);
}

oct_sgemm_packed *oct_sgemm_pack_b_f16(int transB, int64_t K, int64_t N, const uint16_t *B, int64_t ldb)
{
    return pack_f16('B', transB, K, N, B, ldb);
}

int oct_sgemm_packed_is_f16(const oct_sgemm_packed *p) { return p ? p->f16 : 0; }

void oct_sgemm_packed_free(oct_sgemm_packed *p)
{
    if (!p) return;
    free(p->data);
    free(p);
}

void oct_sgemm_packed_dims(const oct_sgemm_packed *p, int64_t *rows, int64_t *cols)
{
    *rows = p->rows;
    *cols = p->cols;
}

void oct_sgemm_tile(int *mr, int *nr)
{
    const kern_info *k = &kernels[oct_cpu_level_get()];
    *mr = k->mr;
    *nr = k->nr;
}

size_t oct_sgemm_packed_bytes(const oct_sgemm_packed *p) { return p ? p->bytes : 0; }

void oct_sgemm_tune(int64_t mc, int64_t kc, int64_t nc)
{
    for (int i = 0; i < 3; i++) {
        if (mc > 0) kernels[i].mc = mc;
        if (kc > 0) kernels[i].kc = kc;
        if (nc > 0) kernels[i].nc = nc;
    }
}
