/* octet — INT8 GEMM driver: path dispatch, argument checks, packing, cache
 * blocking, threading. Loop nest (K is never split: the int32 tile stays in
 * registers for the whole sum, and int8 panels are small):
 *   pack op(A) once: [MR-panel][g][mr][kg]  (last panel compact)
 *   pack op(B) unless pre-packed: [NR-panel][g][NR][kg] + column sums
 *   split M panels or N panels over the pool; each task:
 *     for ic (MC rows):           A block (MC x K) stays in L2
 *       for NR-panel of B:        B micro-panel (K x NR) stays in L1/L2
 *         for MR-panel of A:      microkernel + epilogue -> C tile
 */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "backend/cpu/par.h"
#include "backend/cpu/qgemm_kernels.h"
#include "core/cpu.h"
#include "core/tscratch.h"

typedef struct path_info {
    int mr, nr, kg;
    oct_qgemm_ukr_fn ukr;
    oct_qgemm_pack_a_fn pack_a;
    int ng_align;              /* k-groups rounded up to a multiple of this */
    void (*begin)(void);       /* per work unit, on the thread running it (or NULL) */
    void (*end)(void);
} path_info;

static const path_info paths[OCT_QGEMM_NPATHS] = {
    [OCT_QGEMM_SCALAR] = {OCT_QGEMM_SCALAR_MR, OCT_QGEMM_SCALAR_NR, 4, oct_qgemm_ukr_scalar, oct_qgemm_pack_a_panel,
                          1, NULL, NULL},
    [OCT_QGEMM_AVX2] = {OCT_QGEMM_AVX2_MR, OCT_QGEMM_AVX2_NR, 2, oct_qgemm_ukr_avx2, oct_qgemm_pack_a_panel, 1, NULL,
                        NULL},
    [OCT_QGEMM_AVXVNNI] = {OCT_QGEMM_AVXVNNI_MR, OCT_QGEMM_AVXVNNI_NR, 4, oct_qgemm_ukr_avxvnni,
                           oct_qgemm_pack_a_panel, 1, NULL, NULL},
    [OCT_QGEMM_AVX512VNNI] = {OCT_QGEMM_AVX512_MR, OCT_QGEMM_AVX512_NR, 4, oct_qgemm_ukr_avx512vnni,
                              oct_qgemm_pack_a_avx512, 1, NULL, NULL},
#ifdef OCT_HAVE_AMX
    [OCT_QGEMM_AMX] = {OCT_QGEMM_AMX_MR, OCT_QGEMM_AMX_NR, 4, oct_qgemm_ukr_amx, oct_qgemm_pack_a_rows_amx, 16,
                       oct_qgemm_amx_begin, oct_qgemm_amx_end},
#endif
};

/* k-groups of a packed operand for path k (K padded with zero groups). */
static int64_t path_ng(const path_info *k, int64_t K)
{
    int64_t ng = (K + k->kg - 1) / k->kg;
    return (ng + k->ng_align - 1) / k->ng_align * k->ng_align;
}

static int64_t min64(int64_t x, int64_t y) { return x < y ? x : y; }

/* One B panel (columns j0 .. j0 + nrv - 1) with ng k-groups (zero past K). */
static void pack_b_one(const path_info *k, const int8_t *B, int64_t ldb, int transB, int64_t j0, int nrv,
                       int64_t K, int64_t ng, uint8_t *dst, int32_t *colsum)
{
    oct_qgemm_pack_b_panel(B, ldb, transB, j0, nrv, k->nr, K, k->kg, dst, colsum);
    int64_t ng0 = (K + k->kg - 1) / k->kg;
    size_t gbytes = (size_t)k->nr * 4;
    if (ng > ng0) memset(dst + ng0 * gbytes, 0, (size_t)(ng - ng0) * gbytes);
}

#define PAR_MIN_MACS (1 << 21) /* below this the pool is not used */
#define PACK_UNIT 8            /* panels per packing unit */
#define MAX_K ((int64_t)1 << 24)

static int64_t a_block_bytes = 768 << 10;

void oct_qgemm_tune(int64_t bytes)
{
    if (bytes > 0) a_block_bytes = bytes;
}

struct oct_qgemm_packed {
    oct_qgemm_path path;
    int64_t K, N;
    void *data;
    int32_t *colsum;
    size_t bytes;
};

/* ---- path selection -------------------------------------------------------- */

static atomic_int path_forced = -1; /* -1: OCTET_QGEMM not read yet; 0: none */

int oct_qgemm_path_supported(oct_qgemm_path p)
{
    const oct_cpu_features *f = oct_cpu_detect();
    switch (p) {
    case OCT_QGEMM_SCALAR: return 1;
    case OCT_QGEMM_AVX2: return f->avx2;
    case OCT_QGEMM_AVXVNNI: return f->avx2 && f->avxvnni;
    case OCT_QGEMM_AVX512VNNI: return f->avx512f && f->avx512bw && f->avx512vl && f->avx512vnni;
    case OCT_QGEMM_AMX:
#ifdef OCT_HAVE_AMX
        return f->avx512f && f->avx512bw && f->avx512vl && f->amx_int8;
#else
        return 0;
#endif
    default: return 0;
    }
}

const char *oct_qgemm_path_name(oct_qgemm_path p)
{
    static const char *const names[OCT_QGEMM_NPATHS] = {"auto", "scalar", "avx2", "avxvnni", "avx512vnni", "amx"};
    return (unsigned)p < OCT_QGEMM_NPATHS ? names[p] : "?";
}

void oct_qgemm_path_set(oct_qgemm_path p)
{
    atomic_store(&path_forced, (unsigned)p < OCT_QGEMM_NPATHS ? (int)p : 0);
}

/* OCTET_AMX=0 (read once, like OCTET_QGEMM). */
static int amx_disabled(void)
{
    static atomic_int off = -1;
    int v = atomic_load(&off);
    if (v < 0) {
        const char *e = getenv("OCTET_AMX");
        v = e && !strcmp(e, "0");
        atomic_store(&off, v);
    }
    return v;
}

oct_qgemm_path oct_qgemm_path_get(void)
{
    int f = atomic_load(&path_forced);
    if (f < 0) {
        int env = 0, expect = -1;
        const char *e = getenv("OCTET_QGEMM");
        for (int p = 1; e && p < OCT_QGEMM_NPATHS; p++)
            if (!strcmp(e, oct_qgemm_path_name((oct_qgemm_path)p))) env = p;
        atomic_compare_exchange_strong(&path_forced, &expect, env);
        f = atomic_load(&path_forced);
    }
    if (f > 0 && oct_qgemm_path_supported((oct_qgemm_path)f)) return (oct_qgemm_path)f;
    oct_cpu_level lvl = oct_cpu_level_get();
    if (lvl >= OCT_CPU_AVX512 && oct_qgemm_path_supported(OCT_QGEMM_AMX) && !amx_disabled()) return OCT_QGEMM_AMX;
    if (lvl >= OCT_CPU_AVX512 && oct_qgemm_path_supported(OCT_QGEMM_AVX512VNNI)) return OCT_QGEMM_AVX512VNNI;
    if (lvl >= OCT_CPU_AVX2 && oct_qgemm_path_supported(OCT_QGEMM_AVXVNNI)) return OCT_QGEMM_AVXVNNI;
    if (lvl >= OCT_CPU_AVX2) return OCT_QGEMM_AVX2;
    return OCT_QGEMM_SCALAR;
}

/* ---- fixed-point multiplier ---------------------------------------------- */

oct_status oct_quant_multiplier(double real, int32_t *m0, int *shift)
{
    if (!(real > 0) || !isfinite(real))
        return oct_err(OCT_E_INVALID, "quantization multiplier %g is not a positive finite number", real);
    int e;
    double q = frexp(real, &e); /* real = q * 2^e, q in [0.5, 1) */
    long long m = llround(ldexp(q, 31));
    if (m == (1ll << 31)) {
        m >>= 1;
        e++;
    }
    if (-e > 31) { /* real < 2^-32: every product rounds to 0 or +-1 at most; flush */
        *m0 = 0;
        *shift = 0;
        return OCT_OK;
    }
    if (-e < -31) return oct_err(OCT_E_INVALID, "quantization multiplier %g is too large (>= 2^31)", real);
    *m0 = (int32_t)m;
    *shift = -e;
    return OCT_OK;
}

/* ---- per-thread scratch (packed A, per-call packed B) ---------------------- */

static oct_tscratch qgemm_ws = OCT_TSCRATCH_INIT;

static void *scratch_get(size_t bytes) { return oct_tscratch_get(&qgemm_ws, bytes); }

void oct_qgemm_scratch_release(void) { oct_tscratch_release(&qgemm_ws); }

/* ---- driver ------------------------------------------------------------------ */

typedef struct drv {
    const oct_qgemm_args *a;
    const path_info *k;
    int64_t M, N, K, ng, np_m, np_n, mcp;
    uint8_t *pa;              /* packed A: panel p at pa + p * mr * ng * 4 */
    uint8_t *pb;              /* packed B: panel p at pb + p * nr * ng * 4 */
    int32_t *colsum;          /* N (padded to NR) column sums of B */
    int32_t za;               /* zero point in the uint8 domain */
    size_t csz;               /* bytes per C element */
    int split_m;
    int64_t units, pack_total;
} drv;

static void pack_a_unit(void *ctx, int64_t u)
{
    drv *d = ctx;
    const oct_qgemm_args *a = d->a;
    for (int64_t p = u * PACK_UNIT, e = min64(p + PACK_UNIT, d->np_m); p < e; p++) {
        int64_t i0 = p * d->k->mr;
        d->k->pack_a(a->A, a->lda, a->transA, a->a_signed, i0, (int)min64(d->k->mr, d->M - i0), d->K, d->k->kg,
                     d->pa ? d->pa + i0 * d->ng * 4 : NULL);
    }
}

static void pack_b_unit(void *ctx, int64_t u)
{
    drv *d = ctx;
    const oct_qgemm_args *a = d->a;
    int nr = d->k->nr;
    for (int64_t p = u * PACK_UNIT, e = min64(p + PACK_UNIT, d->np_n); p < e; p++) {
        int64_t j0 = p * nr;
        pack_b_one(d->k, a->B, a->ldb, a->transB, j0, (int)min64(nr, d->N - j0), d->K, d->ng,
                   d->pb + j0 * d->ng * 4, d->colsum + j0);
    }
}

static void split_range(int64_t n, int64_t T, int64_t t, int64_t *b, int64_t *e)
{
    int64_t q = n / T, r = n % T;
    *b = t * q + (t < r ? t : r);
    *e = *b + q + (t < r ? 1 : 0);
}

void oct_qgemm_tile_common(const oct_qgemm_args *a, oct_qgemm_tile *t)
{
    t->out = (int)a->out;
    t->has_fbias = a->f_bias != NULL;
    t->clamp = a->clamp;
    t->f_lo = a->f_lo;
    t->f_hi = a->f_hi;
    t->zo = a->zo;
    t->q_lo = a->q_lo - a->zo;
    t->q_hi = a->q_hi - a->zo;
}

void oct_qgemm_tile_columns(const oct_qgemm_args *a, int32_t za_u8, const int32_t *colsum, int64_t j0, int nrv,
                            int nr, oct_qgemm_tile *t)
{
    int pc = a->per_channel;
    t->any_left = 0;
    for (int c = 0; c < nr; c++) {
        int64_t n = j0 + c, s = pc ? n : 0;
        if (c >= nrv) {
            t->colterm[c] = t->m0[c] = t->lsh[c] = t->rsh[c] = 0;
            t->scale[c] = t->fbias[c] = 0.f;
            continue;
        }
        uint32_t ct = (a->bias ? (uint32_t)a->bias[n] : 0u) - (uint32_t)za_u8 * (uint32_t)colsum[n];
        t->colterm[c] = (int32_t)ct;
        if (a->out == OCT_QGEMM_OUT_F32) {
            t->scale[c] = a->w_scale ? a->a_scale * a->w_scale[s] : a->a_scale;
            t->fbias[c] = a->f_bias ? a->f_bias[n] : 0.f;
        } else if (a->out != OCT_QGEMM_OUT_S32) {
            int sh = a->shift[s];
            t->m0[c] = a->m0[s];
            t->lsh[c] = sh < 0 ? -sh : 0;
            t->rsh[c] = sh > 0 ? sh : 0;
            t->any_left |= sh < 0;
        }
    }
}

static void compute_unit(void *ctx, int64_t u)
{
    drv *d = ctx;
    const oct_qgemm_args *a = d->a;
    const path_info *k = d->k;
    int64_t pm0 = 0, pm1 = d->np_m, pn0 = 0, pn1 = d->np_n;
    if (d->split_m) split_range(d->np_m, d->units, u, &pm0, &pm1);
    else split_range(d->np_n, d->units, u, &pn0, &pn1);
    oct_qgemm_tile t;
    oct_qgemm_tile_common(a, &t);
    if (k->begin) k->begin();
    for (int64_t ic = pm0; ic < pm1; ic += d->mcp) {
        int64_t icend = min64(pm1, ic + d->mcp);
        for (int64_t pn = pn0; pn < pn1; pn++) {
            int64_t j0 = pn * k->nr;
            int nrv = (int)min64(k->nr, d->N - j0);
            oct_qgemm_tile_columns(a, d->za, d->colsum, j0, nrv, k->nr, &t);
            const uint8_t *bp = d->pb + j0 * d->ng * 4;
            for (int64_t pm = ic; pm < icend; pm++) {
                int64_t i0 = pm * k->mr;
                char *cp = (char *)a->C + (size_t)(i0 * a->ldc + j0) * d->csz;
                k->ukr(d->ng, d->pa ? d->pa + i0 * d->ng * 4 : NULL, bp, cp, a->ldc, (int)min64(k->mr, d->M - i0), nrv,
                       &t);
            }
        }
    }
    if (k->end) k->end();
}

static void run_units(oct_pool *pool, int T, int64_t n, oct_unit_fn fn, void *ctx)
{
    if (T > 1) oct_par_units(pool, n, fn, ctx);
    else
        for (int64_t u = 0; u < n; u++) fn(ctx, u);
}

static oct_status check_range(int32_t v, oct_qgemm_out out, const char *what)
{
    int32_t lo = out == OCT_QGEMM_OUT_U8 ? 0 : -128, hi = out == OCT_QGEMM_OUT_U8 ? 255 : 127;
    if (v < lo || v > hi) return oct_err(OCT_E_INVALID, "qgemm: %s %d outside [%d, %d]", what, (int)v, (int)lo, (int)hi);
    return OCT_OK;
}

static oct_status check_args(const oct_qgemm_args *a, oct_qgemm_path *path)
{
    if (a->M < 0 || a->N < 0 || a->K < 0) return oct_err(OCT_E_INVALID, "qgemm: negative size");
    if (a->K > MAX_K) return oct_err(OCT_E_UNSUPPORTED, "qgemm: K = %lld is too large", (long long)a->K);
    if ((unsigned)a->out > OCT_QGEMM_OUT_S8) return oct_err(OCT_E_INVALID, "qgemm: bad output kind %d", (int)a->out);
    *path = a->pb ? a->pb->path : a->path == OCT_QGEMM_AUTO ? oct_qgemm_path_get() : a->path;
    if ((unsigned)*path >= OCT_QGEMM_NPATHS || !oct_qgemm_path_supported(*path))
        return oct_err(OCT_E_UNSUPPORTED, "qgemm: kernel path %s is not supported by this CPU",
                       oct_qgemm_path_name(*path));
    if (a->a_direct) {
        int64_t want = oct_qgemm_direct_lda(*path, a->K);
        if (!want) return oct_err(OCT_E_INVALID, "qgemm: path %s cannot read A unpacked", oct_qgemm_path_name(*path));
        if (a->a_signed || a->transA || a->lda != want)
            return oct_err(OCT_E_INVALID, "qgemm: unpacked A must be uint8, not transposed, with lda %lld",
                           (long long)want);
    }
    if (a->pb && (a->pb->K != a->K || a->pb->N != a->N))
        return oct_err(OCT_E_INVALID, "qgemm: packed B is %lldx%lld, expected %lldx%lld", (long long)a->pb->K,
                       (long long)a->pb->N, (long long)a->K, (long long)a->N);
    if (a->M == 0 || a->N == 0) return OCT_OK;
    if (!a->C || a->ldc < a->N) return oct_err(OCT_E_INVALID, "qgemm: bad C or ldc");
    if (a->K > 0 && (!a->A || a->lda < (a->transA ? a->M : a->K))) return oct_err(OCT_E_INVALID, "qgemm: bad A or lda");
    if (!a->pb && a->K > 0 && (!a->B || a->ldb < (a->transB ? a->K : a->N)))
        return oct_err(OCT_E_INVALID, "qgemm: bad B or ldb");
    OCT_TRY(check_range(a->za, a->a_signed ? OCT_QGEMM_OUT_S8 : OCT_QGEMM_OUT_U8, "zero point of A"));
    if (a->out == OCT_QGEMM_OUT_U8 || a->out == OCT_QGEMM_OUT_S8) {
        if (!a->m0 || !a->shift) return oct_err(OCT_E_INVALID, "qgemm: requantization multipliers missing");
        OCT_TRY(check_range(a->zo, a->out, "output zero point"));
        OCT_TRY(check_range(a->q_lo, a->out, "output lower bound"));
        OCT_TRY(check_range(a->q_hi, a->out, "output upper bound"));
        if (a->q_lo > a->q_hi) return oct_err(OCT_E_INVALID, "qgemm: output bounds %d > %d", (int)a->q_lo, (int)a->q_hi);
        for (int64_t n = 0; n < (a->per_channel ? a->N : 1); n++)
            if (a->m0[n] < 0 || a->shift[n] < -31 || a->shift[n] > 31)
                return oct_err(OCT_E_INVALID, "qgemm: bad multiplier %d * 2^(-31 - %d) for column %lld",
                               (int)a->m0[n], (int)a->shift[n], (long long)n);
    }
    return OCT_OK;
}

void oct_qgemm_args_init(oct_qgemm_args *a, oct_qgemm_out out)
{
    memset(a, 0, sizeof *a);
    a->out = out;
    a->a_scale = 1.f;
    a->q_lo = out == OCT_QGEMM_OUT_U8 ? 0 : -128;
    a->q_hi = out == OCT_QGEMM_OUT_U8 ? 255 : 127;
}

oct_status oct_qgemm_run(const oct_qgemm_args *a, oct_pool *pool)
{
    oct_qgemm_path path = OCT_QGEMM_SCALAR;
    OCT_TRY(check_args(a, &path));
    if (a->M == 0 || a->N == 0) return OCT_OK;
    drv d;
    memset(&d, 0, sizeof d);
    d.a = a;
    d.k = &paths[path];
    d.M = a->M;
    d.N = a->N;
    d.K = a->K;
    d.ng = path_ng(d.k, a->K);
    d.np_m = (a->M + d.k->mr - 1) / d.k->mr;
    d.np_n = (a->N + d.k->nr - 1) / d.k->nr;
    d.za = a->a_signed ? a->za + 128 : a->za;
    d.csz = a->out == OCT_QGEMM_OUT_U8 || a->out == OCT_QGEMM_OUT_S8 ? 1 : 4;
    int64_t apanel = d.k->mr * d.ng * 4;
    d.mcp = apanel > 0 && a_block_bytes / apanel > 0 ? a_block_bytes / apanel : 1;
    int T = oct_pool_size(pool);
    if ((double)a->M * (double)a->N * (double)a->K < (double)PAR_MIN_MACS) T = 1;

    size_t need_a = a->a_direct ? 0 : ((size_t)(d.np_m * d.k->mr * d.ng * 4) + 63) & ~(size_t)63;
    size_t need_b = a->pb ? 0 : ((size_t)(d.np_n * d.k->nr * d.ng * 4) + 63) & ~(size_t)63;
    size_t need_s = a->pb ? 0 : (size_t)(d.np_n * d.k->nr) * sizeof(int32_t);
    size_t need = need_a + need_b + need_s;
    uint8_t *ws = need ? scratch_get(need) : NULL;
    if (need && !ws) return oct_err(OCT_E_NOMEM, "qgemm: cannot allocate %zu bytes of scratch", need_a + need_b + need_s);
    d.pa = a->a_direct ? (uint8_t *)(uintptr_t)a->A : ws;
    if (a->pb) {
        d.pb = a->pb->data;
        d.colsum = a->pb->colsum;
    } else {
        d.pb = ws + need_a;
        d.colsum = (int32_t *)(ws + need_a + need_b);
        run_units(pool, T, (d.np_n + PACK_UNIT - 1) / PACK_UNIT, pack_b_unit, &d);
    }
    if (!a->a_direct) run_units(pool, T, (d.np_m + PACK_UNIT - 1) / PACK_UNIT, pack_a_unit, &d);

    d.units = 1;
    if (T > 1) {
        /* split the dimension that balances best, up to 4 units per thread */
        int64_t qm = (d.np_m + T - 1) / T * d.k->mr, qn = (d.np_n + T - 1) / T * d.k->nr;
        double em = (double)a->M / T / (double)qm, en = (double)a->N / T / (double)qn;
        d.split_m = em >= en;
        d.units = min64(d.split_m ? d.np_m : d.np_n, 4 * T);
    }
    run_units(pool, T, d.units, compute_unit, &d);
    return OCT_OK;
}

int64_t oct_qgemm_direct_lda(oct_qgemm_path path, int64_t K)
{
    if (path == OCT_QGEMM_AUTO) path = oct_qgemm_path_get();
    if (path != OCT_QGEMM_AMX || !oct_qgemm_path_supported(path) || K < 0) return 0;
    return path_ng(&paths[path], K) * 4;
}

/* ---- pre-packed B ------------------------------------------------------------- */

oct_qgemm_packed *oct_qgemm_pack_b(oct_qgemm_path path, int transB, int64_t K, int64_t N, const int8_t *B,
                                   int64_t ldb)
{
    if (path == OCT_QGEMM_AUTO) path = oct_qgemm_path_get();
    if ((unsigned)path >= OCT_QGEMM_NPATHS || !oct_qgemm_path_supported(path)) {
        oct_err(OCT_E_UNSUPPORTED, "qgemm: kernel path %s is not supported by this CPU", oct_qgemm_path_name(path));
        return NULL;
    }
    if (K < 0 || N < 0 || K > MAX_K || (K > 0 && N > 0 && (!B || ldb < (transB ? K : N)))) {
        oct_err(OCT_E_INVALID, "qgemm: bad B to pack (%lldx%lld, ldb %lld)", (long long)K, (long long)N,
                (long long)ldb);
        return NULL;
    }
    const path_info *k = &paths[path];
    int64_t ng = path_ng(k, K), np = (N + k->nr - 1) / k->nr;
    oct_qgemm_packed *p = calloc(1, sizeof *p);
    size_t db = ((size_t)(np * k->nr * ng * 4) + 63) & ~(size_t)63;
    size_t cb = ((size_t)(np * k->nr) * sizeof(int32_t) + 63) & ~(size_t)63;
    if (p) {
        p->bytes = (db ? db : 64) + (cb ? cb : 64);
        p->data = aligned_alloc(64, db ? db : 64);
        p->colsum = aligned_alloc(64, cb ? cb : 64);
    }
    if (!p || !p->data || !p->colsum) {
        oct_qgemm_packed_free(p);
        oct_err(OCT_E_NOMEM, "qgemm: cannot allocate a packed B of %zu bytes", db + cb);
        return NULL;
    }
    p->path = path;
    p->K = K;
    p->N = N;
    for (int64_t j0 = 0; j0 < N; j0 += k->nr)
        pack_b_one(k, B, ldb, transB, j0, (int)min64(k->nr, N - j0), K, ng, (uint8_t *)p->data + j0 * ng * 4,
                   p->colsum + j0);
    return p;
}

void oct_qgemm_packed_free(oct_qgemm_packed *p)
{
    if (!p) return;
    free(p->data);
    free(p->colsum);
    free(p);
}

size_t oct_qgemm_packed_bytes(const oct_qgemm_packed *p) { return p ? p->bytes : 0; }
const void *oct_qgemm_packed_data(const oct_qgemm_packed *p) { return p->data; }
int64_t oct_qgemm_packed_groups(const oct_qgemm_packed *p) { return path_ng(&paths[p->path], p->K); }
oct_qgemm_path oct_qgemm_packed_path(const oct_qgemm_packed *p) { return p->path; }
const int32_t *oct_qgemm_packed_colsum(const oct_qgemm_packed *p) { return p->colsum; }
