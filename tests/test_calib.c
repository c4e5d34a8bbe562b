/* Calibration statistics (quant/calib.h): the histogram passes, the four
 * range methods on synthetic data with known answers, the measured
 * quantize-dequantize error they lead to, degenerate tensors, non-finite
 * values, point masses (background pixels, per-channel constants) in the
 * entropy search, which is also checked against a direct bin-by-bin
 * evaluation of its definition, oct_quant_params' guarantees, speed, and
 * onnxruntime's thresholds on fixed data sets (tests/data/calib, made by
 * scripts/calib_reference.py). */
#include <float.h>
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "io/npy.h"
#include "quant/calib.h"
#include "quant/calib_internal.h"
#include "test_util.h"

#define DATA_DIR OCTET_SOURCE_DIR "/tests/data/calib"

static const oct_calib_method METHODS[4] = {OCT_CALIB_MINMAX, OCT_CALIB_PERCENTILE, OCT_CALIB_ENTROPY, OCT_CALIB_MSE};
static const char *MNAME[4] = {"minmax", "percentile", "entropy", "mse"};
static const char *qname(oct_dtype q) { return q == OCT_DT_U8 ? "uint8" : "int8"; }

/* ---- deterministic random data ---- */
static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static double urand(void) /* (0, 1) */
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return ((double)(z >> 11) + 0.5) / 9007199254740992.0;
}
static double nrand(void) { return sqrt(-2.0 * log(urand())) * cos(6.283185307179586 * urand()); }
static double laplace_rand(void)
{
    double u = urand() - 0.5;
    return u < 0 ? log(1.0 + 2.0 * u) : -log(1.0 - 2.0 * u);
}

/* ---- helpers ---- */
static oct_status hist_nb(oct_hist *h, const float *x, int64_t n, int nbins)
{
    OCT_TRY(oct_hist_init(h, nbins));
    oct_hist_observe_range(h, x, n);
    oct_hist_freeze(h);
    oct_hist_observe(h, x, n);
    return OCT_OK;
}

static oct_status hist_of(oct_hist *h, const float *x, int64_t n)
{
    OCT_TRY(oct_hist_init(h, OCT_HIST_BINS));
    oct_hist_observe_range(h, x, n);
    oct_hist_freeze(h);
    oct_hist_observe(h, x, n);
    return OCT_OK;
}

static oct_status range_of(const float *x, int64_t n, oct_calib_method m, double p, oct_dtype q, float *lo, float *hi)
{
    oct_hist h;
    OCT_TRY(hist_of(&h, x, n));
    oct_status st = oct_calib_range(&h, m, p, q, lo, hi);
    oct_hist_free(&h);
    return st;
}

static float qdq(float x, float scale, int32_t zp, oct_dtype q)
{
    int qmin = q == OCT_DT_U8 ? 0 : -128, qmax = q == OCT_DT_U8 ? 255 : 127;
    float v = nearbyintf(x / scale) + (float)zp;
    v = v < qmin ? (float)qmin : v > qmax ? (float)qmax : v;
    return (v - (float)zp) * scale;
}

/* Measured quantize-dequantize MSE over the samples with |x| <= bound. */
static double qdq_mse(const float *x, int64_t n, float lo, float hi, oct_dtype q, double bound)
{
    float s;
    int32_t zp;
    oct_quant_params(lo, hi, q, &s, &zp);
    double e = 0;
    int64_t k = 0;
    for (int64_t i = 0; i < n; i++) {
        if (!(fabs(x[i]) <= bound)) continue;
        double d = (double)x[i] - qdq(x[i], s, zp, q);
        e += d * d;
        k++;
    }
    return k ? e / k : 0.0;
}

static int64_t count_abs_le(const float *x, int64_t n, double t)
{
    int64_t c = 0;
    for (int64_t i = 0; i < n; i++) c += fabs(x[i]) <= t;
    return c;
}

/* ---- tests ---- */

static void test_uniform_minmax(void)
{
    int64_t n = 100000;
    float *x = malloc(n * sizeof *x);
    for (int64_t i = 0; i < n; i++) x[i] = (float)(-1.0 + 4.0 * urand());
    float mn = x[0], mx = x[0];
    for (int64_t i = 1; i < n; i++) {
        if (x[i] < mn) mn = x[i];
        if (x[i] > mx) mx = x[i];
    }
    for (int qi = 0; qi < 2; qi++) {
        oct_dtype q = qi ? OCT_DT_I8 : OCT_DT_U8;
        float lo, hi;
        CHECK(range_of(x, n, OCT_CALIB_MINMAX, 99.99, q, &lo, &hi) == OCT_OK);
        CHECK_MSG(lo == mn && hi == mx, "%s minmax [%g, %g] vs data [%g, %g]", qname(q), lo, hi, mn, mx);
        /* Nothing to clip in a uniform distribution: every method keeps (almost) all of it. */
        for (int mi = 1; mi < 4; mi++) {
            CHECK(range_of(x, n, METHODS[mi], 99.99, q, &lo, &hi) == OCT_OK);
            CHECK_MSG(hi >= 0.96 * mx && hi <= mx, "%s %s hi %g (max %g)", qname(q), MNAME[mi], hi, mx);
            if (q == OCT_DT_U8) CHECK_MSG(lo <= 0.96 * mn && lo >= mn, "%s lo %g (min %g)", MNAME[mi], lo, mn);
            if (q == OCT_DT_I8) CHECK(lo == -hi);
        }
        /* percentile 100 is the max |x| */
        CHECK(range_of(x, n, OCT_CALIB_PERCENTILE, 100.0, q, &lo, &hi) == OCT_OK);
        CHECK(hi == mx);
    }
    free(x);
}

/* A Gaussian bulk with a few huge outliers (4 in 10^6, |x| 40 .. 46):
 * percentile / entropy / mse all clip them, and the bulk's measured error is
 * far below minmax's. mse stops in between (about +-19): there the outliers'
 * clipping error and the bulk's rounding error balance, and its total error
 * is the lowest of all methods. */
static void test_gauss_outliers(void)
{
    int64_t n = 1000000;
    float *x = malloc(n * sizeof *x);
    for (int64_t i = 0; i < n; i++) x[i] = (float)nrand();
    const float out[4] = {40.0f, -42.0f, 44.0f, -46.0f};
    for (int i = 0; i < 4; i++) x[(i + 1) * 199999] = out[i];
    for (int qi = 0; qi < 2; qi++) {
        oct_dtype q = qi ? OCT_DT_I8 : OCT_DT_U8;
        float lo, hi;
        CHECK(range_of(x, n, OCT_CALIB_MINMAX, 99.99, q, &lo, &hi) == OCT_OK);
        CHECK(hi == 44.0f && lo == -46.0f);
        double e_mm = qdq_mse(x, n, lo, hi, q, 6.0), t_mm = qdq_mse(x, n, lo, hi, q, INFINITY), tot[4] = {0};
        for (int mi = 1; mi < 4; mi++) {
            CHECK(range_of(x, n, METHODS[mi], 99.99, q, &lo, &hi) == OCT_OK);
            double e = qdq_mse(x, n, lo, hi, q, 6.0), t = qdq_mse(x, n, lo, hi, q, INFINITY);
            printf("gauss+4 outliers %-5s %-10s [%8.4f, %8.4f]  bulk mse %.3g (minmax %.3g), all %.3g (minmax %.3g)\n",
                   qname(q), MNAME[mi], lo, hi, e, e_mm, t, t_mm);
            tot[mi] = t;
            CHECK_MSG(hi > 3.0 && hi < 40.0 && lo < -3.0 && lo > -40.0, "%s %s: [%g, %g] keeps an outlier", qname(q),
                      MNAME[mi], lo, hi);
            if (METHODS[mi] != OCT_CALIB_MSE)
                CHECK_MSG(hi < 12.0 && lo > -12.0, "%s %s clipped to [%g, %g]", qname(q), MNAME[mi], lo, hi);
            CHECK_MSG(e < e_mm / (METHODS[mi] == OCT_CALIB_MSE ? 4 : 20), "%s %s bulk mse %g vs minmax %g", qname(q),
                      MNAME[mi], e, e_mm);
        }
        for (int mi = 1; mi < 3; mi++)
            CHECK_MSG(tot[3] < tot[mi] && tot[3] < t_mm, "%s: mse total %g vs %s %g, minmax %g", qname(q), tot[3],
                      MNAME[mi], tot[mi], t_mm);
    }
    free(x);
}

/* Ten outliers of |x| 60 .. 96 in 2 * 10^5 samples: clipping them would cost
 * more squared error than the coarser step does, so the mse method keeps
 * them (and has the lowest total error of all methods), while percentile and
 * entropy clip them. */
static void test_gauss_heavy_outliers(void)
{
    int64_t n = 200000;
    float *x = malloc(n * sizeof *x);
    for (int64_t i = 0; i < n; i++) x[i] = (float)nrand();
    for (int i = 0; i < 10; i++) x[(i * 7919) % n] = (float)((i % 2 ? -1 : 1) * (60.0 + 4.0 * i));
    for (int qi = 0; qi < 2; qi++) {
        oct_dtype q = qi ? OCT_DT_I8 : OCT_DT_U8;
        float lo[4], hi[4];
        double t[4];
        for (int mi = 0; mi < 4; mi++) {
            CHECK(range_of(x, n, METHODS[mi], 99.99, q, &lo[mi], &hi[mi]) == OCT_OK);
            t[mi] = qdq_mse(x, n, lo[mi], hi[mi], q, INFINITY);
            printf("gauss+10 outliers %-5s %-10s [%8.4f, %8.4f]  mse %.4g (bulk %.3g)\n", qname(q), MNAME[mi], lo[mi],
                   hi[mi], t[mi], qdq_mse(x, n, lo[mi], hi[mi], q, 6.0));
        }
        CHECK(lo[0] == -96.0f && hi[0] == 92.0f);
        CHECK(hi[1] < 12 && hi[2] < 12);
        CHECK(hi[3] > 50 && lo[3] < -50);
        for (int mi = 0; mi < 3; mi++)
            CHECK_MSG(t[3] <= t[mi], "%s: mse method %g vs %s %g", qname(q), t[3], MNAME[mi], t[mi]);
    }
    free(x);
}

/* Laplace: the mse range gives the lowest measured error of all methods,
 * far below minmax. */
static void test_laplace_mse(void)
{
    int64_t n = 300000;
    float *x = malloc(n * sizeof *x);
    for (int64_t i = 0; i < n; i++) x[i] = (float)laplace_rand();
    for (int qi = 0; qi < 2; qi++) {
        oct_dtype q = qi ? OCT_DT_I8 : OCT_DT_U8;
        double e[4];
        float lo[4], hi[4];
        for (int mi = 0; mi < 4; mi++) {
            CHECK(range_of(x, n, METHODS[mi], 99.99, q, &lo[mi], &hi[mi]) == OCT_OK);
            e[mi] = qdq_mse(x, n, lo[mi], hi[mi], q, INFINITY);
            printf("laplace %-5s %-10s [%8.4f, %8.4f]  mse %.4g\n", qname(q), MNAME[mi], lo[mi], hi[mi], e[mi]);
        }
        CHECK_MSG(e[3] < 0.85 * e[0], "%s: mse %g vs minmax %g", qname(q), e[3], e[0]);
        for (int mi = 1; mi < 3; mi++)
            CHECK_MSG(e[3] <= 1.01 * e[mi], "%s: mse method %g vs %s %g", qname(q), e[3], MNAME[mi], e[mi]);
        /* A nearby range is not better than the chosen one (a local optimum). */
        for (int d = -1; d <= 1; d += 2) {
            float f = 1.0f + 0.05f * d;
            double e2 = qdq_mse(x, n, lo[3] * f, hi[3] * f, q, INFINITY);
            CHECK_MSG(e[3] <= e2 * 1.005, "%s: mse range x%.2f gives %g < %g", qname(q), f, e2, e[3]);
        }
    }
    free(x);
}

static void test_degenerate(void)
{
    float z[1000], c[1000], neg[1000];
    for (int i = 0; i < 1000; i++) {
        z[i] = 0.0f;
        c[i] = 3.5f;
        neg[i] = -2.0f;
    }
    for (int qi = 0; qi < 2; qi++) {
        oct_dtype q = qi ? OCT_DT_I8 : OCT_DT_U8;
        for (int mi = 0; mi < 4; mi++) {
            float lo = 1, hi = 1, s;
            int32_t zp;
            CHECK(range_of(z, 1000, METHODS[mi], 99.99, q, &lo, &hi) == OCT_OK);
            CHECK_MSG(lo == 0.0f && hi == 0.0f, "zeros %s: [%g, %g]", MNAME[mi], lo, hi);
            oct_quant_params(lo, hi, q, &s, &zp);
            CHECK(s == 1.0f && zp == 0 && qdq(0.0f, s, zp, q) == 0.0f);

            CHECK(range_of(c, 1000, METHODS[mi], 99.99, q, &lo, &hi) == OCT_OK);
            CHECK_MSG(lo == 0.0f && hi == 3.5f, "constant %s %s: [%g, %g]", qname(q), MNAME[mi], lo, hi);
            oct_quant_params(lo, hi, q, &s, &zp);
            CHECK(zp == 0);
            CHECK_NEAR(qdq(3.5f, s, zp, q), 3.5, 1e-6);

            CHECK(range_of(neg, 1000, METHODS[mi], 99.99, q, &lo, &hi) == OCT_OK);
            CHECK_MSG(lo == -2.0f && hi == 0.0f, "constant -2 %s %s: [%g, %g]", qname(q), MNAME[mi], lo, hi);
            oct_quant_params(lo, hi, q, &s, &zp);
            CHECK(zp == (q == OCT_DT_U8 ? 255 : 0));
            CHECK_NEAR(qdq(-2.0f, s, zp, q), -2.0, 1e-6);
        }
    }
    /* no values at all / only non-finite ones: [0, 0] */
    oct_hist h;
    float lo = 1, hi = 1;
    float nan_only[3] = {NAN, INFINITY, -INFINITY};
    CHECK(hist_of(&h, nan_only, 3) == OCT_OK);
    CHECK(h.n == 0 && h.n_nonfinite == 3 && h.n_hist == 0);
    for (int mi = 0; mi < 4; mi++) {
        CHECK(oct_calib_range(&h, METHODS[mi], 99.99, OCT_DT_U8, &lo, &hi) == OCT_OK);
        CHECK(lo == 0.0f && hi == 0.0f);
    }
    oct_hist_free(&h);
}

/* NaN / inf are counted and otherwise ignored: every range equals the one of
 * the finite values alone. */
static void test_nonfinite(void)
{
    int64_t n = 50000, bad = 0;
    float *x = malloc(n * sizeof *x), *clean = malloc(n * sizeof *x);
    int64_t nc = 0;
    for (int64_t i = 0; i < n; i++) {
        double r = urand();
        if (r < 0.001) {
            x[i] = NAN;
        } else if (r < 0.002) {
            x[i] = INFINITY;
        } else if (r < 0.003) {
            x[i] = -INFINITY;
        } else {
            x[i] = (float)(nrand() * 2.0 + 0.5);
            clean[nc++] = x[i];
        }
        if (!isfinite(x[i])) bad++;
    }
    CHECK(bad > 50);
    oct_hist h, hc;
    CHECK(hist_of(&h, x, n) == OCT_OK);
    CHECK(hist_of(&hc, clean, nc) == OCT_OK);
    CHECK_MSG(h.n_nonfinite == bad && h.n == nc && h.n_hist == nc, "nonfinite %lld/%lld n %lld/%lld hist %lld",
              (long long)h.n_nonfinite, (long long)bad, (long long)h.n, (long long)nc, (long long)h.n_hist);
    CHECK(h.min == hc.min && h.max == hc.max && isfinite(h.min) && isfinite(h.max));
    CHECK(memcmp(h.count, hc.count, OCT_HIST_BINS * sizeof *h.count) == 0);
    for (int qi = 0; qi < 2; qi++)
        for (int mi = 0; mi < 4; mi++) {
            oct_dtype q = qi ? OCT_DT_I8 : OCT_DT_U8;
            float l1, h1, l2, h2;
            CHECK(oct_calib_range(&h, METHODS[mi], 99.9, q, &l1, &h1) == OCT_OK);
            CHECK(oct_calib_range(&hc, METHODS[mi], 99.9, q, &l2, &h2) == OCT_OK);
            CHECK_MSG(l1 == l2 && h1 == h2 && isfinite(l1) && isfinite(h1), "%s %s", qname(q), MNAME[mi]);
        }
    oct_hist_free(&h);
    oct_hist_free(&hc);
    /* observing in pieces gives the same statistics as at once */
    oct_hist hp;
    CHECK(oct_hist_init(&hp, OCT_HIST_BINS) == OCT_OK);
    for (int64_t i = 0; i < n; i += 777) oct_hist_observe_range(&hp, x + i, n - i < 777 ? n - i : 777);
    oct_hist_freeze(&hp);
    for (int64_t i = 0; i < n; i += 5001) oct_hist_observe(&hp, x + i, n - i < 5001 ? n - i : 5001);
    CHECK(hp.n == nc && hp.n_nonfinite == bad && hp.min == hc.min && hp.max == hc.max);
    CHECK(oct_hist_init(&hc, OCT_HIST_BINS) == OCT_OK); /* hc again, for the counts */
    oct_hist_observe_range(&hc, clean, nc);
    oct_hist_freeze(&hc);
    oct_hist_observe(&hc, clean, nc);
    CHECK(memcmp(hp.count, hc.count, OCT_HIST_BINS * sizeof *hp.count) == 0);
    oct_hist_free(&hp);
    oct_hist_free(&hc);
    free(x);
    free(clean);
}

/* ReLU outputs: uint8 ranges start at exactly 0 with zero point 0. */
static void test_relu(void)
{
    int64_t n = 100000;
    float *x = malloc(n * sizeof *x);
    for (int64_t i = 0; i < n; i++) {
        double v = nrand() + 0.5;
        x[i] = v > 0 ? (float)v : 0.0f;
    }
    for (int mi = 0; mi < 4; mi++) {
        float lo, hi, s;
        int32_t zp;
        CHECK(range_of(x, n, METHODS[mi], 99.99, OCT_DT_U8, &lo, &hi) == OCT_OK);
        oct_quant_params(lo, hi, OCT_DT_U8, &s, &zp);
        printf("relu  uint8 %-10s [%g, %g] scale %g zp %d\n", MNAME[mi], lo, hi, s, zp);
        CHECK_MSG(lo == 0.0f && zp == 0 && hi > 2.5f, "relu %s: [%g, %g] zp %d", MNAME[mi], lo, hi, zp);
        CHECK(range_of(x, n, METHODS[mi], 99.99, OCT_DT_I8, &lo, &hi) == OCT_OK);
        CHECK(hi > 2.5f && lo == (METHODS[mi] == OCT_CALIB_MINMAX ? 0.0f : -hi));
    }
    free(x);
}

/* percentile: the threshold splits the samples at the requested fraction,
 * up to one histogram bin. */
static void check_percentile_rank(const char *what, const float *x, int64_t n, double p)
{
    oct_hist h;
    float lo, hi;
    CHECK(hist_of(&h, x, n) == OCT_OK);
    CHECK(oct_calib_range(&h, OCT_CALIB_PERCENTILE, p, OCT_DT_I8, &lo, &hi) == OCT_OK);
    double w = (h.hi - h.lo) / h.nbins, want = p / 100.0 * n;
    int64_t below = count_abs_le(x, n, hi - w), above = count_abs_le(x, n, hi + w);
    CHECK_MSG(below <= want + 1e-6 && above >= want - 1e-6, "%s p%g: t %g: %lld .. %lld samples vs %g", what, p,
              hi, (long long)below, (long long)above, want);
    oct_hist_free(&h);
}

/* ---- entropy: point masses, and the prefix-sum search against a direct
 * evaluation of the definition in calib.h ---- */

/* KL(P || Q) of every window evaluated bin by bin, straight from calib.h. */
static double naive_entropy_threshold(const oct_hist *h, const oct_abs_hist *a, oct_dtype q)
{
    const int m = a->n;
    double eps = 1e-4 / a->total, best = INFINITY, best_t = a->amax;
    if (eps * (m + 1) > 0.5) eps = 0.5 / (m + 1);
    double *p = malloc((m + 1) * sizeof *p), *qq = malloc((m + 1) * sizeof *qq), *rest = malloc(m * sizeof *rest);
    double *rg = malloc(256 * sizeof *rg);
    int *ng = malloc(256 * sizeof *ng);
    for (int i = 1; i <= m; i++) {
        double t = i * a->width < a->amax ? i * a->width : a->amax;
        int L = 128;
        if (q == OCT_DT_U8) {
            double lo, hi;
            oct_calib_threshold_range(h, q, t, &lo, &hi);
            L = hi - lo > 0 ? (int)lround(256.0 * t / (hi - lo)) : 256;
            L = L < 128 ? 128 : L > 256 ? 256 : L;
        }
        if (i < L) continue;
        double inside = a->zero;
        for (int j = 0; j < i; j++) inside += a->count[j];
        double out = a->total - inside > 0 ? a->total - inside : 0;
        for (int g = 0; g < L; g++) rg[g] = 0, ng[g] = 0;
        for (int j = 0; j < i; j++) {
            double c = a->count[j], at = a->atom[j];
            rest[j] = at > 0 ? (c - at > 1e-6 ? c - at : 0.0) : c;
            rg[(int64_t)j * L / i] += rest[j];
            p[j] = c;
        }
        p[i - 1] += out;
        rest[i - 1] += out; /* outliers: in P's rest, not in the group's mass */
        for (int j = 0; j < i; j++) ng[(int64_t)j * L / i] += rest[j] > 0;
        for (int j = 0; j < i; j++) {
            int g = (int)((int64_t)j * L / i);
            qq[j] = a->atom[j] + (rest[j] > 0 ? rg[g] / ng[g] : 0.0);
        }
        int nb = i;
        if (a->zero > 0) p[nb] = qq[nb] = a->zero, nb++;
        int zp = 0, zq = 0;
        for (int j = 0; j < nb; j++) zp += p[j] == 0, zq += qq[j] == 0;
        double kl = 0;
        for (int j = 0; j < nb; j++) {
            double pp = p[j] > 0 ? p[j] / a->total * (1 - eps * zp) : eps;
            double qv = qq[j] > 0 ? qq[j] / inside * (1 - eps * zq) : eps;
            kl += pp * log(pp / qv);
        }
        if (kl < best) best = kl, best_t = t;
    }
    free(p), free(qq), free(rest), free(rg), free(ng);
    return best_t;
}

static void check_entropy_naive(const char *what, const float *x, int64_t n)
{
    oct_hist h;
    CHECK(hist_of(&h, x, n) == OCT_OK);
    oct_abs_hist a;
    CHECK(oct_calib_abs_hist(&h, &a) == OCT_OK);
    for (int qi = 0; qi < 2; qi++) {
        oct_dtype q = qi ? OCT_DT_I8 : OCT_DT_U8;
        double t = -1, ref = naive_entropy_threshold(&h, &a, q);
        CHECK(oct_calib_entropy_threshold(&h, &a, q, &t) == OCT_OK);
        CHECK_MSG(fabs(t - ref) <= 1e-9 * ref, "%s %s: prefix-sum search %.9g vs direct %.9g", what, qname(q), t, ref);
    }
    oct_calib_abs_hist_free(&a);
    oct_hist_free(&h);
}

/* Data with point masses: background pixels of a normalised 8-bit image, and
 * ReLU outputs with per-channel constants (a conv over constant background). */
static void test_entropy_atoms(void)
{
    int64_t n = 200000;
    float *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    /* 8-bit pixels, 60% background 0, normalised like (p/255 - 0.286)/0.353 */
    for (int64_t i = 0; i < n; i++) {
        int pix = urand() < 0.6 ? 0 : (int)(urand() * 256);
        x[i] = (float)((pix / 255.0 - 0.286) / 0.353);
    }
    float lo, hi, mlo, mhi;
    CHECK(range_of(x, n, OCT_CALIB_MINMAX, 99.99, OCT_DT_U8, &mlo, &mhi) == OCT_OK);
    CHECK(range_of(x, n, OCT_CALIB_ENTROPY, 99.99, OCT_DT_U8, &lo, &hi) == OCT_OK);
    printf("pixels: entropy [%g, %g], minmax [%g, %g]\n", lo, hi, mlo, mhi);
    /* 256 distinct values, each one atom: nothing is spread, keep it all */
    CHECK_MSG(lo == mlo && hi == mhi, "pixels: entropy [%g, %g] vs minmax [%g, %g]", lo, hi, mlo, mhi);
    oct_hist h;
    CHECK(hist_of(&h, x, n) == OCT_OK);
    oct_abs_hist a;
    CHECK(oct_calib_abs_hist(&h, &a) == OCT_OK);
    double atoms = 0;
    for (int j = 0; j < a.n; j++) atoms += a.atom[j];
    CHECK_MSG(atoms == a.total, "pixels: %g of %g in atoms", atoms, a.total);
    oct_calib_abs_hist_free(&a);
    oct_hist_free(&h);
    check_entropy_naive("pixels", x, n);

    /* ReLU(N(0.3, 1)), a third of the values replaced by 8 constants */
    for (int64_t i = 0; i < n; i++) {
        double v = nrand() + 0.3;
        y[i] = v > 0 ? (float)v : 0.0f;
        x[i] = urand() < 0.33 ? (float)(0.15 + 0.2 * (i % 8)) : y[i];
    }
    float hy, hx;
    CHECK(range_of(y, n, OCT_CALIB_ENTROPY, 99.99, OCT_DT_U8, &lo, &hy) == OCT_OK);
    CHECK(range_of(x, n, OCT_CALIB_ENTROPY, 99.99, OCT_DT_U8, &lo, &hx) == OCT_OK);
    printf("relu: entropy hi %g, with 8 spikes %g\n", hy, hx);
    CHECK_MSG(lo == 0 && hx > 0.85 * hy && hx < 1.15 * hy, "spikes moved the entropy threshold: %g vs %g", hx, hy);
    CHECK(hist_of(&h, x, n) == OCT_OK);
    CHECK(oct_calib_abs_hist(&h, &a) == OCT_OK);
    for (int c = 0; c < 8; c++) {
        int j = (int)((0.15f + 0.2f * c) / a.width);
        CHECK_MSG(a.atom[j] > 0.6 * n * 0.33 / 8, "spike %d: atom %g", c, a.atom[j]);
    }
    oct_calib_abs_hist_free(&a);
    oct_hist_free(&h);
    check_entropy_naive("relu+spikes", x, n);
    check_entropy_naive("relu", y, n);
    /* a signed, asymmetric tensor (0 not on a bin edge: split bins when folding) */
    for (int64_t i = 0; i < n; i++) x[i] = (float)(nrand() * 1.3 + 0.4 + (urand() < 0.1 ? -2.5 : 0.0));
    check_entropy_naive("asymmetric", x, n);
    for (int64_t i = 0; i < n; i++) x[i] = (float)laplace_rand();
    check_entropy_naive("laplace", x, n);
    free(x);
    free(y);
}

static void test_percentile(void)
{
    int64_t n = 200000;
    float *x = malloc(n * sizeof *x);
    for (int64_t i = 0; i < n; i++) x[i] = (float)(nrand() * 1.5 - 0.7);
    check_percentile_rank("gauss", x, n, 99.0);
    check_percentile_rank("gauss", x, n, 99.9);
    check_percentile_rank("gauss", x, n, 99.99);
    check_percentile_rank("gauss", x, n, 50.0);
    /* uint8: [max(min, -t), min(max, t)] with int8's t: at 99.9% both sides
     * reach t, at 99.999% only the negative one (the longer side) does */
    float mn = x[0], mx = x[0];
    for (int64_t i = 1; i < n; i++) {
        if (x[i] < mn) mn = x[i];
        if (x[i] > mx) mx = x[i];
    }
    for (int k = 0; k < 2; k++) {
        double p = k ? 99.999 : 99.9;
        float l8, h8, li, hi;
        CHECK(range_of(x, n, OCT_CALIB_PERCENTILE, p, OCT_DT_U8, &l8, &h8) == OCT_OK);
        CHECK(range_of(x, n, OCT_CALIB_PERCENTILE, p, OCT_DT_I8, &li, &hi) == OCT_OK);
        CHECK_MSG(l8 == (mn > li ? mn : li) && h8 == (mx < hi ? mx : hi), "p%g: uint8 [%g, %g], t %g, data [%g, %g]",
                  p, l8, h8, hi, mn, mx);
        CHECK(k ? h8 == mx && h8 < hi : h8 == hi);
    }
    free(x);
}

static void test_errors(void)
{
    float x[4] = {-1, 0, 2, 3}, lo, hi;
    oct_hist h;
    CHECK(hist_of(&h, x, 4) == OCT_OK);
    CHECK(oct_calib_range(&h, OCT_CALIB_PERCENTILE, 0.0, OCT_DT_U8, &lo, &hi) == OCT_E_INVALID);
    CHECK(strstr(oct_errmsg(), "percentile") != NULL);
    CHECK(oct_calib_range(&h, OCT_CALIB_PERCENTILE, 100.5, OCT_DT_U8, &lo, &hi) == OCT_E_INVALID);
    CHECK(oct_calib_range(&h, OCT_CALIB_PERCENTILE, NAN, OCT_DT_U8, &lo, &hi) == OCT_E_INVALID);
    CHECK(oct_calib_range(&h, (oct_calib_method)9, 99.0, OCT_DT_U8, &lo, &hi) == OCT_E_INVALID);
    CHECK(oct_calib_range(&h, OCT_CALIB_MINMAX, 99.0, OCT_DT_F32, &lo, &hi) == OCT_E_UNSUPPORTED);
    oct_hist_free(&h);
    /* pass 1 only: minmax works, the histogram methods say what is missing */
    CHECK(oct_hist_init(&h, OCT_HIST_BINS) == OCT_OK);
    oct_hist_observe_range(&h, x, 4);
    CHECK(oct_calib_range(&h, OCT_CALIB_MINMAX, 99.0, OCT_DT_U8, &lo, &hi) == OCT_OK && lo == -1 && hi == 3);
    CHECK(oct_calib_range(&h, OCT_CALIB_ENTROPY, 99.0, OCT_DT_U8, &lo, &hi) == OCT_E_INVALID);
    CHECK(strstr(oct_errmsg(), "entropy") != NULL);
    oct_hist_free(&h);
    CHECK(oct_hist_init(&h, 1) == OCT_E_INVALID);
    oct_hist_free(&h);
}

static void test_quant_params(void)
{
    float s;
    int32_t zp;
    oct_quant_params(-1.0f, 3.0f, OCT_DT_U8, &s, &zp);
    CHECK_NEAR(s, 4.0 / 255, 1e-9);
    CHECK(zp == 64); /* round(63.75) */
    oct_quant_params(-1.0f, 3.0f, OCT_DT_I8, &s, &zp);
    CHECK_NEAR(s, 3.0 / 127, 1e-9);
    CHECK(zp == 0);
    oct_quant_params(2.0f, 5.0f, OCT_DT_U8, &s, &zp); /* lo > 0 is taken as 0 */
    CHECK_NEAR(s, 5.0 / 255, 1e-9);
    CHECK(zp == 0);
    oct_quant_params(-5.0f, -2.0f, OCT_DT_U8, &s, &zp);
    CHECK(zp == 255);
    /* odd inputs: scale finite and > 0, zp in range, 0 exact */
    const float odd[][2] = {{0, 0}, {-1e-42f, 1e-42f}, {NAN, 1}, {-1, NAN}, {-INFINITY, INFINITY},
                            {-FLT_MAX, FLT_MAX}, {0, FLT_MAX}, {-FLT_MAX, 0}, {1e-30f, 1e-30f}, {-3e-38f, 2e-39f}};
    for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++)
        for (int qi = 0; qi < 2; qi++) {
            oct_dtype q = qi ? OCT_DT_I8 : OCT_DT_U8;
            oct_quant_params(odd[i][0], odd[i][1], q, &s, &zp);
            CHECK_MSG(isfinite(s) && s > 0 && zp >= 0 && zp <= (q == OCT_DT_U8 ? 255 : 0) && qdq(0.0f, s, zp, q) == 0.0f,
                      "[%g, %g] %s: scale %g zp %d", odd[i][0], odd[i][1], qname(q), s, zp);
        }
    for (int i = 0; i < 20000; i++) {
        float lo = (float)(-pow(10.0, 12 * urand() - 8) * (urand() < 0.2 ? 0 : 1));
        float hi = (float)(pow(10.0, 12 * urand() - 8) * (urand() < 0.2 ? 0 : 1));
        oct_quant_params(lo, hi, OCT_DT_U8, &s, &zp);
        if (!(isfinite(s) && s > 0 && zp >= 0 && zp <= 255 && qdq(0.0f, s, zp, OCT_DT_U8) == 0.0f)) {
            CHECK_MSG(0, "[%g, %g]: scale %g zp %d", lo, hi, s, zp);
            break;
        }
        /* the range's ends are reproduced to within half a step (the zero
         * point is rounded) */
        if (!(fabs(qdq(lo, s, zp, OCT_DT_U8) - lo) <= s * 0.501 && fabs(qdq(hi, s, zp, OCT_DT_U8) - hi) <= s * 0.501)) {
            CHECK_MSG(0, "[%g, %g]: ends off by more than half a step (scale %g zp %d)", lo, hi, s, zp);
            break;
        }
    }
}

/* 512 x 64 x 28 x 28 floats, both passes, and the searches on the result. */
static void test_speed(void)
{
    int64_t n = 512LL * 64 * 28 * 28;
    float *x = malloc((size_t)n * sizeof *x);
    CHECK(x != NULL);
    if (!x) return;
    /* signed and skewed (the uint8 mse refinement runs), half the negatives
     * zeroed (a spike of exact zeros) */
    for (int64_t i = 0; i < n; i++) {
        double v = laplace_rand();
        x[i] = v > 0 ? (float)v : (i & 1) ? 0.0f : (float)(0.3 * v);
    }
    oct_hist h;
    CHECK(oct_hist_init(&h, OCT_HIST_BINS) == OCT_OK);
    /* CPU time of this (single-threaded) code: the machine may be shared */
    struct timespec t0, t1, t2;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
    for (int64_t b = 0; b < 512; b++) oct_hist_observe_range(&h, x + b * (n / 512), n / 512);
    oct_hist_freeze(&h);
    for (int64_t b = 0; b < 512; b++) oct_hist_observe(&h, x + b * (n / 512), n / 512);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
    double obs = (t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec);
    CHECK(h.n == n && h.n_hist == n);
    double tm[4][2];
    for (int qi = 0; qi < 2; qi++)
        for (int mi = 0; mi < 4; mi++) {
            float lo, hi;
            clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
            CHECK(oct_calib_range(&h, METHODS[mi], 99.99, qi ? OCT_DT_I8 : OCT_DT_U8, &lo, &hi) == OCT_OK);
            clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t2);
            tm[mi][qi] = (t2.tv_sec - t1.tv_sec) + 1e-9 * (t2.tv_nsec - t1.tv_nsec);
        }
    printf("observe 2 x %lld floats: %.3f s CPU; search (uint8/int8): percentile %.1f/%.1f ms, entropy %.1f/%.1f ms, "
           "mse %.1f/%.1f ms\n",
           (long long)n, obs, 1e3 * tm[1][0], 1e3 * tm[1][1], 1e3 * tm[2][0], 1e3 * tm[2][1], 1e3 * tm[3][0],
           1e3 * tm[3][1]);
    /* speed is reported here and benchmarked, not asserted (sanitizer builds, loaded machines) */
    oct_hist_free(&h);
    free(x);
}

/* ---- onnxruntime's thresholds on the same data ----
 * The JSON (scripts/calib_reference.py) holds, per data set: onnxruntime's
 * own entropy thresholds ("ort_entropy", per num_quantized_bins); the same
 * search with onnxruntime's departures from TensorRT's definition switched
 * off ("ort_fixed"; the script checks that with them on it reproduces
 * onnxruntime exactly); octet's definition computed independently with numpy
 * ("trt_abs"); onnxruntime's and numpy's percentiles. Checked here:
 *   octet == trt_abs within one bin (the same definition, two implementations);
 *   octet ~ ort_fixed: within 4 bins, or so close that at most 0.05% of the
 *     samples lie between them (a flat KL minimum in a sparse tail);
 *   onnxruntime's own thresholds are printed: its departures (integer Q, no Q
 *     on the last size mod nq bins, Q on bins where P is 0) make it clip far
 *     more, so no closeness is asserted for them. */
static int64_t count_between(const float *x, int64_t n, double a, double b)
{
    if (a > b) {
        double t = a;
        a = b;
        b = t;
    }
    int64_t c = 0;
    for (int64_t i = 0; i < n; i++) c += fabs(x[i]) > a && fabs(x[i]) <= b;
    return c;
}

static double jnum(json_t *o, const char *k1, const char *k2)
{
    json_t *v = json_object_get(o, k1);
    if (k2) v = json_object_get(v, k2);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

/* octet's entropy threshold for x on nbins bins. */
static double octet_entropy(const float *x, int64_t n, int nbins, oct_dtype q, double *w)
{
    oct_hist h;
    float lo = NAN, hi = NAN;
    CHECK(hist_nb(&h, x, n, nbins) == OCT_OK);
    CHECK(oct_calib_range(&h, OCT_CALIB_ENTROPY, 99.99, q, &lo, &hi) == OCT_OK);
    *w = (h.hi - h.lo) / h.nbins;
    oct_hist_free(&h);
    return hi;
}

static void test_ort_reference(void)
{
    json_error_t jerr;
    json_t *root = json_load_file(DATA_DIR "/ort_thresholds.json", 0, &jerr);
    CHECK_MSG(root != NULL, "%s: %s", DATA_DIR "/ort_thresholds.json", jerr.text);
    if (!root) return;
    json_t *sets = json_object_get(root, "sets");
    CHECK(json_object_size(sets) == 3);
    const char *name;
    json_t *e;
    int compared = 0;
    json_object_foreach(sets, name, e)
    {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", DATA_DIR, json_string_value(json_object_get(e, "file")));
        oct_tensor *t = NULL;
        CHECK_MSG(oct_npy_read(path, &t) == OCT_OK, "%s: %s", path, oct_errmsg());
        if (!t) continue;
        CHECK(t->dtype == OCT_DT_F32);
        int64_t n = oct_tensor_numel(t);
        const float *x = t->data;
        CHECK(n == json_integer_value(json_object_get(e, "n")));
        oct_hist h;
        CHECK(hist_of(&h, x, n) == OCT_OK);
        CHECK(h.min == jnum(e, "min", NULL) && h.max == jnum(e, "max", NULL));
        int one_sided = h.min >= 0;
        oct_hist_free(&h);
        /* (key in trt_abs, bins, dtype, ORT's num_quantized_bins for the same levels or NULL) */
        struct {
            const char *key;
            int nbins;
            oct_dtype q;
            const char *nq;
        } cases[4] = {{"int8", 2048, OCT_DT_I8, one_sided ? NULL : "256"},
                      {"uint8", 2048, OCT_DT_U8, NULL},
                      {"int8_1024", 1024, OCT_DT_I8, "256"},
                      {"uint8_1024", 1024, OCT_DT_U8, "512"}};
        for (int c = 0; c < (one_sided ? 4 : 1); c++) {
            double w, mine = octet_entropy(x, n, cases[c].nbins, cases[c].q, &w);
            double ref = jnum(e, "trt_abs", cases[c].key);
            printf("%-14s entropy %-10s octet %.6g | numpy (same definition) %.6g (%+.1f bins)", name, cases[c].key,
                   mine, ref, (mine - ref) / w);
            CHECK_MSG(fabs(mine - ref) <= 1.01 * w, "%s %s: octet %g vs numpy %g", name, cases[c].key, mine, ref);
            if (cases[c].nq) {
                double fx = jnum(e, "ort_fixed", cases[c].nq);
                json_t *ort_range = json_object_get(json_object_get(e, "ort_entropy"), cases[c].nq);
                double ort = json_number_value(json_array_get(ort_range, 1));
                int64_t between = count_between(x, n, mine, fx);
                printf(" | ORT fixed nq%s %.6g (%+.1f bins, %lld samples between) | ORT %.6g (%+.1f bins)", cases[c].nq,
                       fx, (mine - fx) / w, (long long)between, ort, (mine - ort) / w);
                CHECK_MSG(fabs(mine - fx) <= 4.01 * w || between <= n / 2000, "%s %s: octet %g vs ORT fixed %g", name,
                          cases[c].key, mine, fx);
                compared++;
            }
            printf("\n");
        }
        /* percentile: the rank property for octet; onnxruntime's and numpy's printed */
        json_t *pc = json_object_get(e, "ort_percentile");
        const char *pk;
        json_t *pv;
        json_object_foreach(pc, pk, pv)
        {
            double p = atof(pk), w;
            float lo, hi;
            CHECK(hist_of(&h, x, n) == OCT_OK);
            CHECK(oct_calib_range(&h, OCT_CALIB_PERCENTILE, p, OCT_DT_I8, &lo, &hi) == OCT_OK);
            w = (h.hi - h.lo) / h.nbins;
            oct_hist_free(&h);
            double ort = jnum(pv, "threshold", NULL), np_p = jnum(e, "np_percentile_abs", pk);
            printf("%-14s percentile %-6s octet %.6g | ORT %.6g (%+.1f bins) | numpy %.6g (%+.1f bins)\n", name, pk, hi,
                   ort, (hi - ort) / w, np_p, (hi - np_p) / w);
            check_percentile_rank(name, x, n, p);
        }
        oct_tensor_free(t);
    }
    CHECK(compared == 4);
    json_decref(root);
}

int main(void)
{
    test_uniform_minmax();
    test_gauss_outliers();
    test_gauss_heavy_outliers();
    test_laplace_mse();
    test_degenerate();
    test_nonfinite();
    test_relu();
    test_entropy_atoms();
    test_percentile();
    test_errors();
    test_quant_params();
    test_ort_reference();
    test_speed();
    TEST_DONE();
}
