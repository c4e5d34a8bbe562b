/* octet — the entropy (KL divergence) calibration threshold, after TensorRT's
 * calibrator (calib.h documents the definition).
 *
 * For a window of the first i |x| bins with L quantized levels, c_j the
 * count of bin j, a_j its atoms (point masses) and r_j = c_j - a_j the rest:
 *   p_j = c_j (j < i-1),  p_{i-1} = c_{i-1} + (mass beyond bin i),  sum T;
 *   group g (bins j with floor(j*L/i) = g): R_g = its rest inside the window,
 *   n_g = its bins with a non-zero rest of P (bin i-1's outliers count), and
 *   q_j = a_j + (R_g / n_g if the rest of p_j is non-zero),  sum S;
 *   the exact zeros are one more bin with p = q.
 * Smoothed with eps (probability) per zero bin: P' = eps on P's zero bins and
 * (1 - eps * zeros(P)) p_j / T elsewhere, likewise Q' with its zeros and S.
 * Where P is zero so is Q, so those bins add eps log(eps/eps) = 0, and
 *   KL = A/T * (sum_{p>0} p log p - sum_{q>0} p log q
 *               + A1 log(A/T / (B/S)) + A3 log(A/T / eps))
 * with A = 1 - eps zeros(P), B = 1 - eps zeros(Q), A1 the P mass where q > 0
 * and A3 where q = 0 (only possible in bin i-1: outliers beyond an empty
 * tail). Bins without atoms have q = R_g / n_g throughout their group, so
 * prefix sums of c, c log c and [c > 0] over them give a group's share in
 * O(1); the (few) bins with atoms are visited one by one. Each candidate
 * costs O(L + atoms in the window). */
#include <math.h>
#include <stdlib.h>

#include "quant/calib_internal.h"

static int levels_for(const oct_hist *h, oct_dtype qdt, double t)
{
    if (qdt == OCT_DT_I8) return 128;
    double lo, hi;
    oct_calib_threshold_range(h, qdt, t, &lo, &hi);
    double span = hi - lo;
    if (!(span > 0)) return 256;
    int l = (int)lround(256.0 * t / span);
    return l < 128 ? 128 : l > 256 ? 256 : l;
}

static double xlogx(double x) { return x > 0 ? x * log(x) : 0.0; }

/* Prefix sums over the |x| bins (n + 1 entries each). */
typedef struct ent_prefix {
    double *cs;   /* c */
    double *rs;   /* rest r = c - a */
    int *cn;      /* [c > 0] */
    int *rn;      /* [r > 0] */
    double *ns;   /* c over bins without atoms */
    double *nl;   /* c log c over bins without atoms */
    int *nn;      /* [c > 0] over bins without atoms */
    int *atoms;   /* indices of the bins with atoms, ascending */
    int n_atoms;
} ent_prefix;

/* The rest of bin j beside its atoms; in a bin with atoms a rest below a
 * millionth of a sample is rounding, none. */
static double rest_of(const oct_abs_hist *a, int j)
{
    double c = a->count[j], at = a->atom[j];
    if (!(at > 0)) return c;
    return c - at > 1e-6 ? c - at : 0.0;
}

static oct_status prefix_make(const oct_abs_hist *a, ent_prefix *p)
{
    const size_t m1 = (size_t)a->n + 1;
    double *d = malloc(4 * m1 * sizeof *d);
    int *k = malloc(5 * m1 * sizeof *k);
    if (!d || !k) {
        free(d);
        free(k);
        return oct_err(OCT_E_NOMEM, "calibration (entropy): out of memory");
    }
    p->cs = d, p->rs = d + m1, p->ns = d + 2 * m1, p->nl = d + 3 * m1;
    p->cn = k, p->rn = k + m1, p->nn = k + 2 * m1, p->atoms = k + 3 * m1;
    p->cs[0] = p->rs[0] = p->ns[0] = p->nl[0] = 0.0;
    p->cn[0] = p->rn[0] = p->nn[0] = 0;
    p->n_atoms = 0;
    for (int j = 0; j < a->n; j++) {
        double c = a->count[j], r = rest_of(a, j);
        int atom = a->atom[j] > 0;
        if (atom) p->atoms[p->n_atoms++] = j;
        p->cs[j + 1] = p->cs[j] + c;
        p->rs[j + 1] = p->rs[j] + r;
        p->cn[j + 1] = p->cn[j] + (c > 0);
        p->rn[j + 1] = p->rn[j] + (r > 0);
        p->ns[j + 1] = p->ns[j] + (atom ? 0.0 : c);
        p->nl[j + 1] = p->nl[j] + (atom ? 0.0 : xlogx(c));
        p->nn[j + 1] = p->nn[j] + (!atom && c > 0);
    }
    return OCT_OK;
}

/* KL(P || Q) of the window of the first i bins with L levels. */
static double window_kl(const oct_abs_hist *a, const ent_prefix *p, int i, int L, double eps, double log_eps)
{
    const double total = a->total, inside = p->cs[i] + a->zero; /* Q's total: the window without outliers */
    if (!(inside > 0)) return INFINITY;
    double out = total - inside;
    if (out < 0) out = 0;
    const int last = i - 1;
    const double p_last = a->count[last] + out, a_last = a->atom[last], r_last = rest_of(a, last) + out;
    const int nz_p = p->cn[last] + (p_last > 0);
    /* the exact zeros: p = q, they add only to A1 */
    double s = 0.0, a1 = a->zero, a3 = 0.0;
    int zq_extra = 0, ai = 0;
    for (int g = 0; g < L; g++) {
        /* bin j is in group floor(j * L / i): j in [ceil(g*i/L), ceil((g+1)*i/L)) */
        int b = (int)(((int64_t)g * i + L - 1) / L), e = (int)(((int64_t)(g + 1) * i + L - 1) / L);
        int is_last = g == L - 1, je = is_last ? last : e; /* bin i-1 is done apart */
        double rest = p->rs[e] - p->rs[b];
        int nr = p->rn[je] - p->rn[b] + (is_last ? (r_last > 0) : 0);
        double rbar = nr > 0 ? rest / nr : 0.0;
        /* bins without atoms: q = rbar on each with c > 0 */
        int nn = p->nn[je] - p->nn[b];
        if (nn > 0) {
            double ns = p->ns[je] - p->ns[b], nl = p->nl[je] - p->nl[b];
            if (rbar > 0) {
                s += nl - ns * log(rbar);
                a1 += ns;
            } else {
                s += nl;
                a3 += ns;
                zq_extra += nn;
            }
        }
        /* bins with atoms: q = atom (+ rbar where the rest is non-zero) */
        for (; ai < p->n_atoms && p->atoms[ai] < je; ai++) {
            int j = p->atoms[ai];
            double c = a->count[j], q = a->atom[j] + (rest_of(a, j) > 0 ? rbar : 0.0);
            s += xlogx(c) - c * log(q);
            a1 += c;
        }
        if (is_last && p_last > 0) {
            double q = a_last + (r_last > 0 ? rbar : 0.0);
            if (q > 0) {
                s += xlogx(p_last) - p_last * log(q);
                a1 += p_last;
            } else {
                s += xlogx(p_last);
                a3 += p_last;
                zq_extra++;
            }
        }
    }
    double za = 1.0 - eps * (i - nz_p), zb = 1.0 - eps * (i - nz_p + zq_extra);
    double alpha = za / total, beta = zb / inside;
    return alpha * (s + a1 * log(alpha / beta) + a3 * (log(alpha) - log_eps));
}

oct_status oct_calib_entropy_threshold(const oct_hist *h, const oct_abs_hist *a, oct_dtype qdt, double *t)
{
    const int m = a->n;
    const double w = a->width;
    *t = a->amax;
    if (!(a->total > 0) || m < 2) return OCT_OK;
    ent_prefix p = {0};
    OCT_TRY(prefix_make(a, &p));
    double eps = 1e-4 / a->total; /* 1e-4 of one sample, as MXNet / onnxruntime smooth counts */
    if (eps * (m + 1) > 0.5) eps = 0.5 / (m + 1);
    const double log_eps = log(eps);
    double best = INFINITY;
    for (int i = 1; i <= m; i++) {
        double ti = i * w < a->amax ? i * w : a->amax;
        int L = levels_for(h, qdt, ti);
        if (i < L) continue;
        double kl = window_kl(a, &p, i, L, eps, log_eps);
        if (kl < best) {
            best = kl;
            *t = ti;
        }
    }
    free(p.cs);
    free(p.cn);
    return OCT_OK;
}
