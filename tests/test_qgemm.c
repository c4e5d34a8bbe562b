/* INT8 GEMM: every kernel path (scalar, avx2, avxvnni, avx512vnni — those the
 * CPU has) against an independent reference (int64 sums + a literal
 * transcription of gemmlowp's requantization), bit-exact, over odd shapes,
 * trans flags, u8/s8 activations, zero points, extreme values, all three
 * epilogues, per-channel parameters, clamps, pre-packed B, cache blocking and
 * threading; the fixed-point multiplier against double arithmetic; errors. */
#include <stdint.h>
#include <string.h>

#include "backend/cpu/qgemm.h"
#include "core/cpu.h"
#include "core/pool.h"
#include "core/status.h"
#include "test_util.h"

static uint32_t rng = 2463534242u;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

/* ---- reference --------------------------------------------------------------- */

/* gemmlowp fixedpoint.h, SaturatingRoundingDoublingHighMul (int32) */
static int32_t ref_srdhm(int32_t a, int32_t b)
{
    int overflow = a == b && a == INT32_MIN;
    int64_t ab = (int64_t)a * (int64_t)b;
    int32_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
    int32_t ab_x2_high32 = (int32_t)((ab + nudge) / ((int64_t)1 << 31));
    return overflow ? INT32_MAX : ab_x2_high32;
}

/* gemmlowp fixedpoint.h, RoundingDivideByPOT (int32) */
static int32_t ref_rdbpot(int32_t x, int exponent)
{
    const int32_t mask = (int32_t)(((int64_t)1 << exponent) - 1);
    const int32_t zero = 0, one = 1;
    const int32_t remainder = x & mask;
    const int32_t threshold = (mask >> 1) + (x < zero ? one : zero);
    return (x >> exponent) + (remainder > threshold ? one : zero);
}

/* TFLite MultiplyByQuantizedMultiplier with shift = -(its shift), the left
 * shift saturated (TFLite leaves overflow undefined) */
static int32_t ref_requant(int32_t x, int32_t m0, int shift)
{
    int left = shift < 0 ? -shift : 0, right = shift > 0 ? shift : 0;
    int64_t v = (int64_t)x * ((int64_t)1 << left);
    x = v > INT32_MAX ? INT32_MAX : v < INT32_MIN ? INT32_MIN : (int32_t)v;
    return ref_rdbpot(ref_srdhm(x, m0), right);
}

typedef struct qcase {
    int64_t M, N, K;
    int ta, tb, a_signed, packed, per_channel, out, clamp, fbias, bias;
    int32_t za;
    int fill; /* 0 random, 1 A max / B min, 2 A max / B max, 3 A min / B alternating */
} qcase;

typedef struct qdata {
    uint8_t *A;
    int8_t *B;
    int64_t lda, ldb, ldc;
    int32_t *bias, *m0, *shift;
    float *wsc, *fb;
    oct_qgemm_args args;
} qdata;

static size_t esz(int out) { return out >= OCT_QGEMM_OUT_U8 ? 1 : 4; }

static void ref_run(const qdata *d, void *C)
{
    const oct_qgemm_args *a = &d->args;
    for (int64_t m = 0; m < a->M; m++)
        for (int64_t n = 0; n < a->N; n++) {
            int64_t s = 0;
            for (int64_t k = 0; k < a->K; k++) {
                uint8_t raw = a->transA ? d->A[k * d->lda + m] : d->A[m * d->lda + k];
                int32_t av = a->a_signed ? (int8_t)raw : raw;
                int8_t bv = a->transB ? d->B[n * d->ldb + k] : d->B[k * d->ldb + n];
                s += (int64_t)(av - a->za) * bv;
            }
            if (a->bias) s += a->bias[n];
            int32_t acc = (int32_t)s;
            int64_t pc = a->per_channel ? n : 0;
            char *dst = (char *)C + (size_t)(m * a->ldc + n) * esz(a->out);
            if (a->out == OCT_QGEMM_OUT_S32) {
                memcpy(dst, &acc, 4);
            } else if (a->out == OCT_QGEMM_OUT_F32) {
                float sc = a->w_scale ? a->a_scale * a->w_scale[pc] : a->a_scale;
                float y = (float)acc;
                y = y * sc;
                if (a->f_bias) y = y + a->f_bias[n];
                if (a->clamp) {
                    y = y > a->f_lo ? y : a->f_lo;
                    y = y < a->f_hi ? y : a->f_hi;
                }
                memcpy(dst, &y, 4);
            } else {
                int64_t q = (int64_t)ref_requant(acc, a->m0[pc], a->shift[pc]) + a->zo;
                q = q < a->q_lo ? a->q_lo : q > a->q_hi ? a->q_hi : q;
                if (a->out == OCT_QGEMM_OUT_U8) *(uint8_t *)dst = (uint8_t)q;
                else *(int8_t *)dst = (int8_t)q;
            }
        }
}

/* ---- case setup ------------------------------------------------------------------ */

static void make_data(const qcase *c, qdata *d)
{
    int64_t M = c->M, N = c->N, K = c->K;
    d->lda = (c->ta ? M : K) + (int64_t)(rnd() % 5);
    d->ldb = (c->tb ? K : N) + (int64_t)(rnd() % 5);
    d->ldc = N + (int64_t)(rnd() % 4);
    size_t na = (size_t)((c->ta ? K : M) * d->lda) + 1, nb = (size_t)((c->tb ? N : K) * d->ldb) + 1;
    d->A = malloc(na);
    d->B = malloc(nb);
    for (size_t i = 0; i < na; i++) {
        uint8_t v = (uint8_t)rnd();
        if (c->fill == 1 || c->fill == 2) v = c->a_signed ? 127 : 255;
        if (c->fill == 3) v = c->a_signed ? 0x80 : 0;
        d->A[i] = v;
    }
    for (size_t i = 0; i < nb; i++) {
        int8_t v = (int8_t)rnd();
        if (c->fill == 1) v = -128;
        if (c->fill == 2) v = 127;
        if (c->fill == 3) v = (i & 1) ? 127 : -128;
        d->B[i] = v;
    }
    int64_t nc = N + 1;
    d->bias = malloc(sizeof(int32_t) * (size_t)nc);
    d->m0 = malloc(sizeof(int32_t) * (size_t)nc);
    d->shift = malloc(sizeof(int32_t) * (size_t)nc);
    d->wsc = malloc(sizeof(float) * (size_t)nc);
    d->fb = malloc(sizeof(float) * (size_t)nc);
    for (int64_t n = 0; n < nc; n++) {
        d->bias[n] = (int32_t)(rnd() % 200001) - 100000;
        /* multipliers around 1/(K * 64): outputs spread over the byte range;
         * every few columns a left shift (real > 1) or a tiny one */
        double real = (0.5 + (double)(rnd() % 1000) / 1000.0) / (double)(K * 64 + 1);
        if (rnd() % 7 == 0) real = 1.0 + (double)(rnd() % 3000) / 10.0;
        if (rnd() % 11 == 0) real = 1e-9;
        int sh;
        oct_quant_multiplier(real, &d->m0[n], &sh);
        d->shift[n] = sh;
        d->wsc[n] = (float)(rnd() % 1000 + 1) * 1e-4f;
        d->fb[n] = (float)((int)(rnd() % 2001) - 1000) * 0.01f;
    }
    oct_qgemm_args *a = &d->args;
    oct_qgemm_args_init(a, (oct_qgemm_out)c->out);
    a->M = M;
    a->N = N;
    a->K = K;
    a->A = d->A;
    a->lda = d->lda;
    a->transA = c->ta;
    a->a_signed = c->a_signed;
    a->za = c->za;
    a->B = d->B;
    a->ldb = d->ldb;
    a->transB = c->tb;
    a->ldc = d->ldc;
    a->bias = c->bias ? d->bias : NULL;
    a->per_channel = c->per_channel;
    a->a_scale = 0.0173f;
    a->w_scale = d->wsc;
    a->f_bias = c->fbias ? d->fb : NULL;
    a->clamp = c->clamp;
    a->f_lo = -3.5f;
    a->f_hi = 6.f;
    a->m0 = d->m0;
    a->shift = d->shift;
    int lo = c->out == OCT_QGEMM_OUT_U8 ? 0 : -128, hi = c->out == OCT_QGEMM_OUT_U8 ? 255 : 127;
    a->zo = lo + (int32_t)(rnd() % 256);
    if (c->clamp) { /* ReLU6-like: [zo, zo + 6/s] inside the range */
        a->q_lo = a->zo;
        a->q_hi = a->zo + 40 > hi ? hi : a->zo + 40;
    }
}

static void free_data(qdata *d)
{
    free(d->A);
    free(d->B);
    free(d->bias);
    free(d->m0);
    free(d->shift);
    free(d->wsc);
    free(d->fb);
}

static int npaths;
static oct_qgemm_path paths[OCT_QGEMM_NPATHS];

/* Runs the case on every path (and threaded if pool): 0 when all match. */
static int run_case(const qcase *c, oct_pool *pool)
{
    qdata d;
    make_data(c, &d);
    size_t bytes = (size_t)(c->M * d.ldc) * esz(c->out) + 16;
    uint8_t *ref = malloc(bytes), *got = malloc(bytes);
    memset(ref, 0xA5, bytes);
    ref_run(&d, ref);
    int bad = 0;
    for (int p = 0; p < npaths; p++) {
        oct_qgemm_args a = d.args;
        a.path = paths[p];
        oct_qgemm_packed *pb = NULL;
        if (c->packed) {
            pb = oct_qgemm_pack_b(paths[p], c->tb, c->K, c->N, d.B, d.ldb);
            CHECK(pb != NULL);
            a.pb = pb;
            a.B = NULL;
        }
        memset(got, 0xA5, bytes);
        a.C = got;
        oct_status s = oct_qgemm_run(&a, pool);
        int same = s == OCT_OK && memcmp(ref, got, bytes) == 0;
        if (!same) {
            bad++;
            fprintf(stderr, "mismatch: path %s M=%lld N=%lld K=%lld ta=%d tb=%d signed=%d za=%d packed=%d pc=%d "
                    "out=%d clamp=%d fbias=%d bias=%d fill=%d pool=%d status=%d %s\n",
                    oct_qgemm_path_name(paths[p]), (long long)c->M, (long long)c->N, (long long)c->K, c->ta, c->tb,
                    c->a_signed, (int)c->za, c->packed, c->per_channel, c->out, c->clamp, c->fbias, c->bias,
                    c->fill, pool != NULL, (int)s, s ? oct_errmsg() : "");
        }
        oct_qgemm_packed_free(pb);
    }
    free(ref);
    free(got);
    free_data(&d);
    return bad;
}

static void random_flags(qcase *c)
{
    c->ta = rnd() % 4 == 0;
    c->tb = rnd() % 2;
    c->a_signed = rnd() % 3 == 0;
    static const int32_t zu[] = {0, 128, 255, 3}, zs[] = {-128, 0, 127, -5};
    c->za = c->a_signed ? zs[rnd() % 4] : zu[rnd() % 4];
    c->packed = rnd() % 2;
    c->per_channel = rnd() % 2;
    c->out = (int)(rnd() % 4);
    c->clamp = rnd() % 2;
    c->fbias = rnd() % 2;
    c->bias = rnd() % 3 != 0;
    c->fill = rnd() % 8 == 0 ? 1 + (int)(rnd() % 3) : 0;
}

/* ---- tests ---------------------------------------------------------------------- */

static void test_shapes(void)
{
    static const int64_t Ms[] = {1, 2, 3, 5, 6, 7, 13, 14, 15, 16, 29, 33, 70};
    static const int64_t Ns[] = {1, 2, 15, 16, 17, 31, 32, 33, 47, 64, 70};
    static const int64_t Ks[] = {1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 31, 63, 64, 65, 70};
    int bad = 0, n = 0;
    for (size_t i = 0; i < sizeof Ms / sizeof *Ms; i++)
        for (size_t j = 0; j < sizeof Ns / sizeof *Ns; j++)
            for (size_t k = 0; k < sizeof Ks / sizeof *Ks; k++) {
                qcase c = {.M = Ms[i], .N = Ns[j], .K = Ks[k]};
                random_flags(&c);
                bad += run_case(&c, NULL);
                n++;
            }
    printf("shapes: %d cases x %d paths, %d mismatches\n", n, npaths, bad);
    CHECK(bad == 0);
}

static void test_every_option(void)
{
    /* each epilogue x signedness x zero point x trans x pack x per-channel */
    int bad = 0, n = 0;
    static const int32_t zu[] = {0, 128, 255}, zs[] = {-128, 0, 127};
    for (int out = 0; out < 4; out++)
        for (int sg = 0; sg < 2; sg++)
            for (int z = 0; z < 3; z++)
                for (int t = 0; t < 4; t++)
                    for (int pk = 0; pk < 2; pk++)
                        for (int pc = 0; pc < 2; pc++) {
                            qcase c = {.M = 1 + rnd() % 40, .N = 1 + rnd() % 70, .K = 1 + rnd() % 70};
                            random_flags(&c);
                            c.out = out;
                            c.a_signed = sg;
                            c.za = sg ? zs[z] : zu[z];
                            c.ta = t & 1;
                            c.tb = t >> 1;
                            c.packed = pk;
                            c.per_channel = pc;
                            c.clamp = (n & 1);
                            c.fbias = (n >> 1) & 1;
                            bad += run_case(&c, NULL);
                            n++;
                        }
    printf("options: %d cases, %d mismatches\n", n, bad);
    CHECK(bad == 0);
}

static void test_extremes(void)
{
    /* the worst case for 16-bit intermediates: A = 255, B = -128 / 127 */
    int bad = 0;
    static const int64_t Ks[] = {2, 4, 5, 64, 333, 1024, 4099};
    for (size_t i = 0; i < sizeof Ks / sizeof *Ks; i++)
        for (int fill = 1; fill <= 3; fill++)
            for (int out = 0; out < 4; out++)
                for (int sg = 0; sg < 2; sg++) {
                    qcase c = {.M = 15, .N = 33, .K = Ks[i], .fill = fill, .out = out, .a_signed = sg, .bias = 1,
                               .per_channel = 1, .tb = (int)(i & 1), .packed = (int)(i & 2) != 0};
                    c.za = sg ? -128 : 0;
                    bad += run_case(&c, NULL);
                    c.za = sg ? 127 : 255;
                    bad += run_case(&c, NULL);
                }
    CHECK(bad == 0);
}

static void test_blocking_threads(oct_pool *pool)
{
    int bad = 0;
    static const int64_t shapes[][3] = {{300, 200, 600}, {1000, 70, 300}, {97, 515, 260}, {1, 1000, 1000},
                                        {257, 129, 1}, {64, 64, 2051}};
    for (int tune = 0; tune < 2; tune++) {
        oct_qgemm_tune(tune ? 4096 : 768 << 10); /* small A blocks: many MC blocks */
        for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++)
            for (int pl = 0; pl < 2; pl++) {
                qcase c = {.M = shapes[i][0], .N = shapes[i][1], .K = shapes[i][2]};
                random_flags(&c);
                c.fill = 0;
                bad += run_case(&c, pl ? pool : NULL);
            }
    }
    oct_qgemm_tune(768 << 10);
    CHECK(bad == 0);
}

static void test_k0_and_colsum(void)
{
    /* K = 0: the epilogue of bias alone */
    qcase c = {.M = 5, .N = 37, .K = 0, .bias = 1, .out = OCT_QGEMM_OUT_S32};
    CHECK(run_case(&c, NULL) == 0);
    c.out = OCT_QGEMM_OUT_U8;
    c.per_channel = 1;
    CHECK(run_case(&c, NULL) == 0);
    int8_t B[3 * 5];
    for (int i = 0; i < 15; i++) B[i] = (int8_t)(i * 17 - 100);
    for (int p = 0; p < npaths; p++) {
        oct_qgemm_packed *pb = oct_qgemm_pack_b(paths[p], 0, 3, 5, B, 5);
        CHECK(pb && oct_qgemm_packed_path(pb) == paths[p] && oct_qgemm_packed_bytes(pb) > 0);
        for (int n = 0; pb && n < 5; n++) CHECK(oct_qgemm_packed_colsum(pb)[n] == B[n] + B[5 + n] + B[10 + n]);
        oct_qgemm_packed_free(pb);
    }
}

/* Fixed-point multiplier: real = m0 * 2^(-31 - shift) with m0 the nearest
 * integer (|m0 - real * 2^(31 + shift)| <= 1/2, m0 in [2^30, 2^31)); and
 * requant(x) is within 1 of round(x * real):
 *   |requant(x) - x * m0 * 2^(-31-shift)| <= 1/2 + 2^-(1 + max(shift, 0))   (two roundings)
 *   |x| * |m0 * 2^(-31-shift) - real| <= |x| * 2^(-32-shift) < 2^(-1-shift). */
static void test_multiplier(void)
{
    int bad_m = 0, bad_r = 0, bad_g = 0, n = 0;
    for (int i = 0; i < 4000; i++) {
        double real;
        if (i < 2000) real = (double)(rnd() % 1000000 + 1) / 1000001.0 * ldexp(1.0, -(int)(rnd() % 30)); /* (0, 1) */
        else real = 1.0 + (double)(rnd() % 1000000) / 1000.0 * ldexp(1.0, (int)(rnd() % 12));             /* > 1 */
        int32_t m0;
        int sh;
        if (oct_quant_multiplier(real, &m0, &sh) != OCT_OK) { bad_m++; continue; }
        if (real < ldexp(1.0, -32)) { /* flushed to zero */
            if (m0 != 0 || sh != 0) bad_m++;
            continue;
        }
        double exact = ldexp(real, 31 + sh);
        if (m0 < (1 << 30) || fabs((double)m0 - exact) > 0.5 || sh < -31 || sh > 31) bad_m++;
        double realq = ldexp((double)m0, -31 - sh);
        for (int j = 0; j < 50; j++) {
            int32_t x = (int32_t)rnd();
            if (j & 1) x >>= rnd() % 31;
            if (sh < 0 && fabs((double)x) * ldexp(1.0, -sh) >= 2147483647.0) x >>= -sh; /* no saturation */
            int32_t y = oct_qgemm_requant(x, m0, sh);
            double tol = 0.5 + ldexp(1.0, -1 - (sh > 0 ? sh : 0)) + 1e-9;
            if (fabs((double)y - (double)x * realq) > tol || fabs((double)y - nearbyint((double)x * real)) > 1.0)
                bad_r++;
            n++;
        }
    }
    /* bit-exact with the gemmlowp transcription over the full int32 range,
     * every shift (left shifts saturate) and any non-negative m0 */
    for (int i = 0; i < 200000; i++) {
        int32_t x = (int32_t)rnd(), m0 = (int32_t)(rnd() & 0x7fffffffu);
        if (i % 5 == 0) x = (int32_t)rnd() >> (rnd() % 32);
        if (i % 97 == 0) x = i & 1 ? INT32_MIN : INT32_MAX;
        int sh = (int)(rnd() % 63) - 31;
        if (oct_qgemm_requant(x, m0, sh) != ref_requant(x, m0, sh)) bad_g++;
    }
    printf("multiplier: %d reals, %d products, %d bad multipliers, %d outside the bound, %d != gemmlowp\n", 4000,
           n, bad_m, bad_r, bad_g);
    CHECK(bad_m == 0 && bad_r == 0 && bad_g == 0);
    /* rounding of exact ties (documented in qgemm.h) */
    CHECK(oct_qgemm_requant(1, 1 << 30, 0) == 1);   /* 0.5 -> 1 */
    CHECK(oct_qgemm_requant(-1, 1 << 30, 0) == 0);  /* -0.5 -> 0 (SRDHM rounds half up) */
    CHECK(oct_qgemm_requant(-3, 1 << 30, 0) == -1); /* -1.5 -> -1 */
    CHECK(oct_qgemm_requant(2, 1 << 30, 1) == 1);   /* 0.5 -> 1 (RDBPOT: away from zero) */
    CHECK(oct_qgemm_requant(-2, 1 << 30, 1) == -1); /* -0.5 -> -1 */
    CHECK(oct_qgemm_requant(INT32_MAX, 1 << 30, -2) == INT32_MAX / 2 + 1); /* saturated, then * 0.5 */
    int32_t m0;
    int sh;
    CHECK(oct_quant_multiplier(0.5, &m0, &sh) == OCT_OK && m0 == (1 << 30) && sh == 0);
    CHECK(oct_quant_multiplier(1.0, &m0, &sh) == OCT_OK && m0 == (1 << 30) && sh == -1);
    CHECK(oct_quant_multiplier(3.0, &m0, &sh) == OCT_OK && m0 == 3 << 29 && sh == -2);
    CHECK(oct_quant_multiplier(1.0 - 1e-12, &m0, &sh) == OCT_OK && m0 == (1 << 30) && sh == -1); /* rounds up */
    CHECK(oct_quant_multiplier(1e-12, &m0, &sh) == OCT_OK && m0 == 0 && sh == 0);
    CHECK(oct_quant_multiplier(0.0, &m0, &sh) == OCT_E_INVALID);
    CHECK(oct_quant_multiplier(-1.0, &m0, &sh) == OCT_E_INVALID);
    CHECK(oct_quant_multiplier(NAN, &m0, &sh) == OCT_E_INVALID);
    CHECK(oct_quant_multiplier(INFINITY, &m0, &sh) == OCT_E_INVALID);
    CHECK(oct_quant_multiplier(ldexp(1.0, 40), &m0, &sh) == OCT_E_INVALID);
    CHECK(strstr(oct_errmsg(), "too large") != NULL);
}

static void test_errors(void)
{
    uint8_t A[4] = {0};
    int8_t B[4] = {0};
    int32_t C[4], m0 = 1 << 30, shift = 40;
    oct_qgemm_args a;
    oct_qgemm_args_init(&a, OCT_QGEMM_OUT_S32);
    a.M = a.N = a.K = 2;
    a.A = A;
    a.lda = 2;
    a.B = B;
    a.ldb = 2;
    a.C = C;
    a.ldc = 2;
    CHECK(oct_qgemm_run(&a, NULL) == OCT_OK);
    a.za = 256;
    CHECK(oct_qgemm_run(&a, NULL) == OCT_E_INVALID && strstr(oct_errmsg(), "zero point of A"));
    a.za = 0;
    a.ldc = 1;
    CHECK(oct_qgemm_run(&a, NULL) == OCT_E_INVALID && strstr(oct_errmsg(), "ldc"));
    a.ldc = 2;
    a.lda = 1;
    CHECK(oct_qgemm_run(&a, NULL) == OCT_E_INVALID && strstr(oct_errmsg(), "lda"));
    a.lda = 2;
    a.K = -1;
    CHECK(oct_qgemm_run(&a, NULL) == OCT_E_INVALID);
    a.K = 2;
    a.out = OCT_QGEMM_OUT_U8;
    CHECK(oct_qgemm_run(&a, NULL) == OCT_E_INVALID && strstr(oct_errmsg(), "multipliers missing"));
    a.m0 = &m0;
    a.shift = &shift;
    a.q_lo = 0;
    a.q_hi = 255;
    CHECK(oct_qgemm_run(&a, NULL) == OCT_E_INVALID && strstr(oct_errmsg(), "bad multiplier"));
    shift = 3;
    a.out = OCT_QGEMM_OUT_S8;
    CHECK(oct_qgemm_run(&a, NULL) == OCT_E_INVALID && strstr(oct_errmsg(), "upper bound"));
    a.q_lo = 5;
    a.q_hi = 4;
    CHECK(oct_qgemm_run(&a, NULL) == OCT_E_INVALID && strstr(oct_errmsg(), "bounds"));
    a.q_lo = -128;
    a.q_hi = 127;
    CHECK(oct_qgemm_run(&a, NULL) == OCT_OK);
    oct_qgemm_packed *pb = oct_qgemm_pack_b(OCT_QGEMM_AUTO, 0, 2, 1, B, 2);
    a.pb = pb;
    CHECK(oct_qgemm_run(&a, NULL) == OCT_E_INVALID && strstr(oct_errmsg(), "packed B"));
    oct_qgemm_packed_free(pb);
    CHECK(oct_qgemm_pack_b(OCT_QGEMM_AUTO, 0, 2, 2, B, 1) == NULL && strstr(oct_errmsg(), "ldb"));
    a.pb = NULL;
    a.out = (oct_qgemm_out)7;
    CHECK(oct_qgemm_run(&a, NULL) == OCT_E_INVALID);
}

static void test_dispatch(void)
{
    oct_qgemm_path_set(OCT_QGEMM_AUTO); /* ignore OCTET_QGEMM from here on */
    oct_cpu_level lvl0 = oct_cpu_level_get();
    oct_qgemm_path best = oct_qgemm_path_get();
    CHECK(oct_qgemm_path_supported(best) && best != OCT_QGEMM_AUTO);
    for (int p = 0; p < npaths; p++) {
        oct_qgemm_path_set(paths[p]);
        CHECK(oct_qgemm_path_get() == paths[p]);
    }
    oct_qgemm_path_set(OCT_QGEMM_AUTO);
    CHECK(oct_qgemm_path_get() == best);
    /* the OCTET_CPU level caps AUTO: avx2 allows avxvnni (256-bit VEX), scalar is scalar */
    oct_cpu_level_set(OCT_CPU_AVX2);
    oct_qgemm_path want2 = oct_qgemm_path_supported(OCT_QGEMM_AVXVNNI) ? OCT_QGEMM_AVXVNNI
                           : oct_qgemm_path_supported(OCT_QGEMM_AVX2)  ? OCT_QGEMM_AVX2
                                                                       : OCT_QGEMM_SCALAR;
    CHECK(oct_qgemm_path_get() == want2);
    oct_cpu_level_set(OCT_CPU_SCALAR);
    CHECK(oct_qgemm_path_get() == OCT_QGEMM_SCALAR);
    oct_cpu_level_set(lvl0);
    CHECK(oct_qgemm_path_get() == best);
    CHECK(!strcmp(oct_qgemm_path_name(OCT_QGEMM_AVX512VNNI), "avx512vnni"));
}

int main(void)
{
    for (int p = OCT_QGEMM_SCALAR; p < OCT_QGEMM_NPATHS; p++)
        if (oct_qgemm_path_supported((oct_qgemm_path)p)) paths[npaths++] = (oct_qgemm_path)p;
    printf("paths:");
    for (int p = 0; p < npaths; p++) printf(" %s", oct_qgemm_path_name(paths[p]));
    printf(" (auto: %s)\n", oct_qgemm_path_name(oct_qgemm_path_get()));
    oct_pool *pool = oct_pool_new(3);
    CHECK(pool != NULL);
    test_dispatch();
    test_multiplier();
    test_errors();
    test_k0_and_colsum();
    test_extremes();
    test_every_option();
    test_shapes();
    test_blocking_threads(pool);
    oct_pool_free(pool);
    oct_qgemm_scratch_release();
    TEST_DONE();
}
