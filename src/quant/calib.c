/* octet — calibration histograms (two passes), the |x| fold, the minmax and
 * percentile methods, the method dispatch and the quantization parameters of
 * a range. Entropy and MSE searches live in calib_entropy.c / calib_mse.c. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "quant/calib_internal.h"

#define CHUNK 4096

oct_status oct_hist_init(oct_hist *h, int nbins)
{
    memset(h, 0, sizeof *h);
    h->min = INFINITY;
    h->max = -INFINITY;
    if (nbins < 2 || nbins > (1 << 24))
        return oct_err(OCT_E_INVALID, "calibration histogram: %d bins (need 2 .. %d)", nbins, 1 << 24);
    h->count = calloc((size_t)nbins, sizeof *h->count);
    h->mode = calloc((size_t)nbins + 1, sizeof *h->mode);
    h->votes = calloc((size_t)nbins + 1, sizeof *h->votes);
    if (!h->count || !h->mode || !h->votes) {
        oct_hist_free(h);
        return oct_err(OCT_E_NOMEM, "calibration histogram: out of memory");
    }
    h->nbins = nbins;
    h->lo = 1.0; /* lo > hi: not frozen yet */
    h->hi = 0.0;
    return OCT_OK;
}

void oct_hist_free(oct_hist *h)
{
    free(h->count);
    free(h->mode);
    free(h->votes);
    h->count = NULL;
    h->mode = NULL;
    h->votes = NULL;
}

/* Careful scalar min/max of a chunk that holds a non-finite value. */
static void range_scalar(oct_hist *h, const float *x, int64_t n, float *mn, float *mx)
{
    for (int64_t i = 0; i < n; i++) {
        float v = x[i];
        if (!isfinite(v)) {
            h->n_nonfinite++;
            continue;
        }
        h->n++;
        if (v < *mn) *mn = v;
        if (v > *mx) *mx = v;
    }
}

void oct_hist_observe_range(oct_hist *h, const float *x, int64_t n)
{
    if (!x || n <= 0) return;
    float mn = isfinite(h->min) ? (float)h->min : INFINITY;
    float mx = isfinite(h->max) ? (float)h->max : -INFINITY;
    for (int64_t i0 = 0; i0 < n; i0 += CHUNK) {
        int64_t m = n - i0 < CHUNK ? n - i0 : CHUNK;
        const float *p = x + i0;
        float cmn = mn, cmx = mx;
        int bad = 0;
        /* Branch-free: a NaN fails both compares; an inf is caught by `bad`
         * and the chunk is redone carefully. */
        for (int64_t i = 0; i < m; i++) {
            float v = p[i];
            cmn = v < cmn ? v : cmn;
            cmx = v > cmx ? v : cmx;
            bad |= !(fabsf(v) <= FLT_MAX);
        }
        if (bad) {
            range_scalar(h, p, m, &mn, &mx);
        } else {
            mn = cmn;
            mx = cmx;
            h->n += m;
        }
    }
    if (h->n > 0) {
        h->min = mn;
        h->max = mx;
    }
}

void oct_hist_freeze(oct_hist *h)
{
    if (h->n > 0) {
        h->lo = h->min < 0 ? h->min : 0.0;
        h->hi = h->max > 0 ? h->max : 0.0;
    } else {
        h->lo = h->hi = 0.0;
    }
}

/* Slow path (no scratch memory): double counts. */
static void observe_double(oct_hist *h, const float *x, int64_t n, double scale)
{
    const int nb = h->nbins;
    for (int64_t i = 0; i < n; i++) {
        float v = x[i];
        if (!(fabsf(v) <= FLT_MAX)) continue;
        double u = ((double)v - h->lo) * scale;
        int k = u <= 0 ? 0 : u >= nb ? nb - 1 : (int)u;
        h->count[k] += 1.0;
        h->n_hist++;
        h->n_zero += v == 0.0f;
        if (h->votes[k] == 0) h->mode[k] = v;
        h->votes[k] += (h->mode[k] == v) ? 1 : -1;
    }
}

void oct_hist_observe(oct_hist *h, const float *x, int64_t n)
{
    if (!h->count || !h->mode || !h->votes || h->nbins < 2 || !x || n <= 0) return;
    if (h->lo > h->hi) oct_hist_freeze(h);
    const int nb = h->nbins;
    const double lo = h->lo, span = h->hi - h->lo;
    const double scale = span > 0 ? nb / span : 0.0, top = nb - 1;
    /* Integer counts per call, slot nb for the non-finite values. The clamps
     * are written so that values inside the range, 0 included, all take the
     * same side (predictable even for a ReLU's zeros). */
    uint32_t *c = calloc((size_t)nb + 1, sizeof *c);
    if (!c) {
        observe_double(h, x, n, scale);
        return;
    }
    int64_t zeros = 0, skipped = 0, *vt = h->votes;
    float *md = h->mode;
    for (int64_t i0 = 0; i0 < n; i0 += CHUNK) {
        int64_t i1 = n - i0 < CHUNK ? n : i0 + CHUNK;
        for (int64_t i = i0; i < i1; i++) {
            float v = x[i];
            int fin = fabsf(v) <= FLT_MAX;
            double u = ((double)(fin ? v : 0.0f) - lo) * scale;
            u = u < 0 ? 0.0 : u;
            u = u > top ? top : u;
            int k = fin ? (int)u : nb;
            c[k]++;
            zeros += v == 0.0f;
            /* the bin's majority vote: a new candidate when it has no votes
             * left, +1 for the candidate, -1 for any other value (on the bit
             * patterns, in integer selects: no branches to mispredict) */
            uint32_t vb, cb;
            memcpy(&vb, &v, 4);
            memcpy(&cb, md + k, 4);
            int64_t vk = vt[k];
            int64_t take = (vk == 0) | (vb == cb);
            cb = vk == 0 ? vb : cb;
            memcpy(md + k, &cb, 4);
            vt[k] = vk + 2 * take - 1;
        }
        if ((i0 / CHUNK) % 65536 == 65535 || i1 == n) { /* flush before a uint32 could overflow */
            for (int k = 0; k < nb; k++) h->count[k] += c[k];
            skipped += c[nb];
            memset(c, 0, ((size_t)nb + 1) * sizeof *c);
        }
    }
    free(c);
    h->n_hist += n - skipped;
    h->n_zero += zeros;
}

/* Spread `mass` uniformly over [u0, u1] (|x| units of one bin, u1 - u0 <= 1). */
static void deposit(double *cnt, int m, double mass, double u0, double u1)
{
    int j = (int)u0;
    if (j >= m) j = m - 1;
    if (j < 0) j = 0;
    if (u1 <= j + 1 || j + 1 >= m || !(u1 > u0)) {
        cnt[j] += mass;
        return;
    }
    double f = (j + 1 - u0) / (u1 - u0);
    cnt[j] += mass * f;
    cnt[j + 1] += mass * (1.0 - f);
}

oct_status oct_calib_abs_hist(const oct_hist *h, oct_abs_hist *a)
{
    memset(a, 0, sizeof *a);
    const int nb = h->nbins;
    const double span = h->hi - h->lo;
    if (!h->count || nb < 2 || !(span > 0))
        return oct_err(OCT_E_INVALID, "calibration: the histogram is empty or not frozen");
    /* Zero's position in bins; exact when 0 is a bin edge (lo = 0 or lo = -hi). */
    double z = -h->lo / span * nb;
    if (z < 0) z = 0;
    if (z > nb) z = nb;
    double ext = z > nb - z ? z : nb - z;
    int m = (int)ceil(ext);
    if (m < 1) m = 1;
    if (m > nb) m = nb;
    a->count = calloc(2 * (size_t)m, sizeof *a->count);
    if (!a->count) return oct_err(OCT_E_NOMEM, "calibration: out of memory");
    a->atom = a->count + m;
    a->n = m;
    a->width = span / nb;
    /* the bin where the exact zeros were counted (as oct_hist_observe bins 0) */
    double u = -h->lo * (nb / span);
    int kz = u <= 0 ? 0 : u >= nb ? nb - 1 : (int)u;
    a->zero = (double)h->n_zero;
    if (a->zero > h->count[kz]) a->zero = h->count[kz];
    a->total = a->zero;
    for (int k = 0; k < nb; k++) {
        double c = h->count[k] - (k == kz ? a->zero : 0.0);
        if (c <= 0) continue;
        a->total += c;
        /* a point mass goes to the |x| bin of its value (zeros are apart) */
        double am = h->mode && h->votes && h->votes[k] >= OCT_CALIB_ATOM_VOTES && h->mode[k] != 0.0f
                        ? (double)h->votes[k] : 0.0;
        if (am > c) am = c;
        if (am > 0) {
            double ua = fabs((double)h->mode[k]) / a->width;
            int j = ua >= m ? m - 1 : (int)ua;
            a->count[j] += am;
            a->atom[j] += am;
            c -= am;
            if (c <= 0) continue;
        }
        double u0 = k - z, u1 = k + 1 - z;
        if (u0 >= 0) {
            deposit(a->count, m, c, u0, u1);
        } else if (u1 <= 0) {
            deposit(a->count, m, c, -u1, -u0);
        } else { /* straddles 0: the part below 0 folds onto [0, -u0] */
            deposit(a->count, m, c * -u0, 0.0, -u0);
            deposit(a->count, m, c * u1, 0.0, u1);
        }
    }
    double amax = h->max > -h->min ? h->max : -h->min;
    a->amax = amax > 0 ? amax : 0.0;
    return OCT_OK;
}

void oct_calib_abs_hist_free(oct_abs_hist *a)
{
    free(a->count);
    a->count = NULL;
}

void oct_calib_threshold_range(const oct_hist *h, oct_dtype qdt, double t, double *lo, double *hi)
{
    if (qdt == OCT_DT_I8) {
        *lo = -t;
        *hi = t;
        return;
    }
    double l = h->min > -t ? h->min : -t, u = h->max < t ? h->max : t;
    *lo = l < 0 ? l : 0.0;
    *hi = u > 0 ? u : 0.0;
}

/* The p-th percentile of |x|, interpolated inside its bin. */
static double percentile_threshold(const oct_abs_hist *a, double p)
{
    if (p >= 100.0) return a->amax;
    double target = p / 100.0 * a->total, cum = a->zero, t = a->amax;
    if (cum >= target) return 0.0;
    for (int j = 0; j < a->n; j++) {
        double c = a->count[j];
        if (c > 0 && cum + c >= target) {
            double f = (target - cum) / c;
            if (f < 0) f = 0;
            if (f > 1) f = 1;
            t = (j + f) * a->width;
            break;
        }
        cum += c;
    }
    return t < a->amax ? t : a->amax;
}

static const char *method_name(oct_calib_method m)
{
    switch (m) {
    case OCT_CALIB_MINMAX: return "minmax";
    case OCT_CALIB_PERCENTILE: return "percentile";
    case OCT_CALIB_ENTROPY: return "entropy";
    case OCT_CALIB_MSE: return "mse";
    }
    return "?";
}

oct_status oct_calib_range(const oct_hist *h, oct_calib_method m, double percentile, oct_dtype qdt, float *lo,
                           float *hi)
{
    *lo = *hi = 0.0f;
    if (qdt != OCT_DT_U8 && qdt != OCT_DT_I8)
        return oct_err(OCT_E_UNSUPPORTED, "calibration: activations of dtype %s (need uint8 or int8)",
                       oct_dtype_name(qdt));
    if (m != OCT_CALIB_MINMAX && m != OCT_CALIB_PERCENTILE && m != OCT_CALIB_ENTROPY && m != OCT_CALIB_MSE)
        return oct_err(OCT_E_INVALID, "calibration: unknown method %d", (int)m);
    if (m == OCT_CALIB_PERCENTILE && !(percentile > 0.0 && percentile <= 100.0))
        return oct_err(OCT_E_INVALID, "calibration: percentile %g is outside (0, 100]", percentile);
    if (h->n <= 0 || !(h->min <= h->max)) return OCT_OK;
    double l = h->min < 0 ? h->min : 0.0, u = h->max > 0 ? h->max : 0.0;
    if (m != OCT_CALIB_MINMAX && h->min < h->max) {
        if (h->n_hist <= 0 || !h->count)
            return oct_err(OCT_E_INVALID, "calibration method '%s' needs the histogram pass (none was made)",
                           method_name(m));
        if (m == OCT_CALIB_MSE) {
            OCT_TRY(oct_calib_mse_range(h, qdt, &l, &u));
        } else {
            oct_abs_hist a;
            OCT_TRY(oct_calib_abs_hist(h, &a));
            double t;
            oct_status st = OCT_OK;
            if (m == OCT_CALIB_PERCENTILE)
                t = percentile_threshold(&a, percentile);
            else
                st = oct_calib_entropy_threshold(h, &a, qdt, &t);
            oct_calib_abs_hist_free(&a);
            OCT_TRY(st);
            oct_calib_threshold_range(h, qdt, t, &l, &u);
        }
    }
    *lo = l < 0 ? (float)l : 0.0f;
    *hi = u > 0 ? (float)u : 0.0f;
    return OCT_OK;
}

void oct_quant_params(float lo, float hi, oct_dtype qdt, float *scale, int32_t *zp)
{
    double l = isnan(lo) ? 0.0 : lo < -FLT_MAX ? -FLT_MAX : lo;
    double u = isnan(hi) ? 0.0 : hi > FLT_MAX ? FLT_MAX : hi;
    if (l > 0) l = 0;
    if (u < 0) u = 0;
    double s;
    if (qdt == OCT_DT_I8) {
        double a = -l > u ? -l : u;
        s = a / 127.0;
    } else {
        s = (u - l) / 255.0;
    }
    if (!(s >= FLT_MIN)) {
        *scale = 1.0f;
        *zp = 0;
        return;
    }
    float sf = (float)s;
    if (!(sf >= FLT_MIN)) sf = FLT_MIN;
    *scale = sf;
    if (qdt == OCT_DT_I8) {
        *zp = 0;
        return;
    }
    double z = nearbyint(-l / (double)sf);
    *zp = z < 0 ? 0 : z > 255 ? 255 : (int32_t)z;
}
