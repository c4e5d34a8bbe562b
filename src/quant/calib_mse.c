/* octet — the MSE calibration range (calib.h documents the definition).
 *
 * The expected squared error of quantize-dequantize for a (scale, zp) is
 * integrated exactly over the signed histogram, the values of a bin taken as
 * uniform over it: inside the unsaturated part the rounding error
 * (x - round(x/s)*s)^2 has a closed-form antiderivative (phi below), so each
 * bin costs O(1) whatever the number of levels it spans; bins wholly in a
 * saturated tail add c * ((center - edge level)^2 + width^2 / 12), summed in
 * O(1) from prefix sums of c, c*center and c*center^2. One candidate costs
 * O(bins inside the range). */
#include <math.h>
#include <stdlib.h>

#include "quant/calib_internal.h"

typedef struct mse_ctx {
    const oct_hist *h;
    oct_dtype qdt;
    double w;
    const double *count;  /* the histogram without the exact zeros */
    double *c0, *c1, *c2; /* prefix sums of count, count*center, count*center^2 (nbins + 1) */
} mse_ctx;

static double cube(double x) { return x * x * x; }

/* Integral of (y - round(y))^2 from 0 to y (for y >= or < 0 alike, up to a
 * constant): round(y) / 12 + ((y - round(y))^3 + 1/8) / 3, continuous at the
 * half-integers, derivative (y - round(y))^2. */
static double phi(double y)
{
    /* any nearest integer will do (phi is continuous); a truncating convert
     * is much cheaper than a libm rounding call (|y| stays below 255 * nbins
     * here; the guard only keeps the convert defined) */
    if (!(fabs(y) < 1e15)) return y / 12.0;
    double r = (double)(int64_t)(y < 0 ? y - 0.5 : y + 0.5), f = y - r;
    return r / 12.0 + (f * f * f + 0.125) / 3.0;
}

/* Integral over [a, b] of the error of the values that saturate: below x_lo
 * to level v_lo, above x_hi to v_hi; [a, b] is narrowed to the rest. */
static double sat_err(double *a, double *b, double x_lo, double x_hi, double v_lo, double v_hi)
{
    double e = 0.0;
    if (*a < x_lo) {
        double u = *b < x_lo ? *b : x_lo;
        e += (cube(u - v_lo) - cube(*a - v_lo)) / 3.0;
        *a = u;
    }
    if (*b > x_hi) {
        double u = *a > x_hi ? *a : x_hi;
        e += (cube(*b - v_hi) - cube(u - v_hi)) / 3.0;
        *b = u;
    }
    return e;
}

/* Sum over bins [k0, k1) wholly mapped to level v of c * mean (x - v)^2. */
static double tail_err(const mse_ctx *m, int k0, int k1, double v)
{
    if (k1 <= k0) return 0.0;
    double n = m->c0[k1] - m->c0[k0], s1 = m->c1[k1] - m->c1[k0], s2 = m->c2[k1] - m->c2[k0];
    double e = s2 - 2.0 * v * s1 + v * v * n + n * m->w * m->w / 12.0;
    return e > 0 ? e : 0.0;
}

/* Expected squared error (times the count) of the range [lo, hi]. */
static double range_err(const mse_ctx *m, float lo, float hi)
{
    const oct_hist *h = m->h;
    float sf;
    int32_t zp;
    oct_quant_params(lo, hi, m->qdt, &sf, &zp);
    const double s = sf;
    const int qmin = m->qdt == OCT_DT_I8 ? -128 : 0, qmax = m->qdt == OCT_DT_I8 ? 127 : 255;
    const int nb = h->nbins;
    const double w = m->w;
    /* Values below x_lo round to qmin, above x_hi to qmax. */
    double x_lo = ((double)(qmin - zp) + 0.5) * s, x_hi = ((double)(qmax - zp) - 0.5) * s;
    double klo = floor((x_lo - h->lo) / w), khi = ceil((x_hi - h->lo) / w);
    int k0 = klo < 0 ? 0 : klo > nb ? nb : (int)klo; /* bins [0, k0) all at qmin */
    int k1 = khi < 0 ? 0 : khi > nb ? nb : (int)khi; /* bins [k1, nb) all at qmax */
    if (k1 < k0) k1 = k0;
    double e = tail_err(m, 0, k0, (double)(qmin - zp) * s) + tail_err(m, k1, nb, (double)(qmax - zp) * s);
    const double v_lo = (double)(qmin - zp) * s, v_hi = (double)(qmax - zp) * s, inv = 1.0 / s;
    /* Rounding error of bin [a, b] inside the unsaturated part: s^3 (phi(b/s)
     * - phi(a/s)); a bin's upper edge is the next one's lower edge, so phi is
     * evaluated once per edge. */
    double ea = h->lo + k0 * w, pa = phi(ea * inv), rnd = 0.0;
    for (int k = k0; k < k1; k++) {
        double eb = h->lo + (k + 1) * w, pb = phi(eb * inv), c = m->count[k];
        if (c > 0) {
            if (ea >= x_lo && eb <= x_hi) {
                rnd += c * (pb - pa);
            } else {
                double a = ea, b = eb;
                e += c / w * sat_err(&a, &b, x_lo, x_hi, v_lo, v_hi);
                if (b > a) rnd += c * (phi(b * inv) - phi(a * inv));
            }
        }
        ea = eb;
        pa = pb;
    }
    e += rnd * s * s * s / w;
    return e;
}

/* The best threshold range on the grid t = j * w (and max |x|). */
static void search_threshold(const mse_ctx *m, double *blo, double *bhi, double *best)
{
    const oct_hist *h = m->h;
    double amax = h->max > -h->min ? h->max : -h->min;
    int n = (int)ceil(amax / m->w);
    if (n < 1) n = 1;
    if (n > h->nbins) n = h->nbins;
    for (int j = 1; j <= n; j++) {
        double t = j == n || j * m->w > amax ? amax : j * m->w, lo, hi;
        oct_calib_threshold_range(h, m->qdt, t, &lo, &hi);
        double e = range_err(m, (float)lo, (float)hi);
        if (e < *best) {
            *best = e;
            *blo = (float)lo;
            *bhi = (float)hi;
        }
    }
}

/* Error of the uint8 range with side `side` (1: hi, 0: lo) at candidate j of
 * n (j * width, the last one the data's extreme `ext`), the other bound kept. */
static double side_err(const mse_ctx *m, int side, int j, int n, double ext, double lo, double hi, float *cl,
                       float *ch)
{
    double b = j >= n || j * m->w > ext ? ext : j * m->w;
    *cl = side ? (float)lo : (float)-b;
    *ch = side ? (float)b : (float)hi;
    return range_err(m, *cl, *ch);
}

/* One side of the uint8 range: hi over (0, max] (side 1) or lo over [min, 0)
 * (side 0) with the other bound fixed; every 8th candidate first, then the
 * ones around the best of those. Returns 1 when it improved. */
static int search_side(const mse_ctx *m, int side, double *blo, double *bhi, double *best)
{
    const oct_hist *h = m->h;
    double ext = side ? h->max : -h->min;
    if (!(ext > 0)) return 0;
    int n = (int)ceil(ext / m->w);
    if (n < 1) n = 1;
    if (n > h->nbins) n = h->nbins;
    const int step = n > 64 ? 8 : 1;
    const double lo0 = *blo, hi0 = *bhi;
    double cbest = INFINITY;
    int jbest = n;
    for (int j = step; j < n + step; j += step) {
        int jj = j < n ? j : n;
        float cl, ch;
        double e = side_err(m, side, jj, n, ext, lo0, hi0, &cl, &ch);
        if (e < cbest) {
            cbest = e;
            jbest = jj;
        }
    }
    int improved = 0;
    for (int j = jbest - step + 1; j < jbest + step; j++) {
        if (j < 1 || j > n) continue;
        float cl, ch;
        double e = side_err(m, side, j, n, ext, lo0, hi0, &cl, &ch);
        if (e < *best * (1.0 - 1e-12)) {
            *best = e;
            *blo = cl;
            *bhi = ch;
            improved = 1;
        }
    }
    return improved;
}

oct_status oct_calib_mse_range(const oct_hist *h, oct_dtype qdt, double *lo, double *hi)
{
    const int nb = h->nbins;
    const double span = h->hi - h->lo;
    if (!h->count || nb < 2 || !(span > 0))
        return oct_err(OCT_E_INVALID, "calibration (mse): the histogram is empty or not frozen");
    mse_ctx m = {h, qdt, span / nb, NULL, NULL, NULL, NULL};
    double *buf = malloc((size_t)(nb + 1) * 4 * sizeof *buf);
    if (!buf) return oct_err(OCT_E_NOMEM, "calibration (mse): out of memory");
    double *cnt = buf + 3 * (size_t)(nb + 1);
    m.c0 = buf;
    m.c1 = m.c0 + nb + 1;
    m.c2 = m.c1 + nb + 1;
    m.count = cnt;
    /* exact zeros carry no error under any range: take them out of their bin */
    for (int k = 0; k < nb; k++) cnt[k] = h->count[k];
    double u = -h->lo * (nb / span);
    int kz = u <= 0 ? 0 : u >= nb ? nb - 1 : (int)u;
    cnt[kz] -= (double)h->n_zero < cnt[kz] ? (double)h->n_zero : cnt[kz];
    m.c0[0] = m.c1[0] = m.c2[0] = 0.0;
    for (int k = 0; k < nb; k++) {
        double c = cnt[k], x = h->lo + (k + 0.5) * m.w;
        m.c0[k + 1] = m.c0[k] + c;
        m.c1[k + 1] = m.c1[k] + c * x;
        m.c2[k + 1] = m.c2[k] + c * x * x;
    }
    double best = INFINITY, blo = h->min < 0 ? h->min : 0.0, bhi = h->max > 0 ? h->max : 0.0;
    search_threshold(&m, &blo, &bhi, &best);
    if (qdt == OCT_DT_U8 && h->min < 0 && h->max > 0)
        for (int round = 0; round < 8; round++) {
            int imp = search_side(&m, 1, &blo, &bhi, &best);
            imp |= search_side(&m, 0, &blo, &bhi, &best);
            if (!imp) break;
        }
    free(buf);
    *lo = blo;
    *hi = bhi;
    return OCT_OK;
}
