/* Complex FFT for DFT / STFT (see fft_util.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ops/fft_util.h"

#define FFT_PI 3.14159265358979323846

/* In-place forward radix-2 FFT of m (power of two) interleaved complex values. */
static void fft_pow2(double *x, int64_t m, const double *tw)
{
    for (int64_t i = 1, j = 0; i < m; i++) { /* bit reversal */
        int64_t bit = m >> 1;
        for (; j & bit; bit >>= 1) j ^= bit;
        j |= bit;
        if (i < j) {
            double tr = x[2 * i], ti = x[2 * i + 1];
            x[2 * i] = x[2 * j], x[2 * i + 1] = x[2 * j + 1];
            x[2 * j] = tr, x[2 * j + 1] = ti;
        }
    }
    for (int64_t len = 2; len <= m; len <<= 1) {
        int64_t half = len >> 1, step = m / len;
        for (int64_t s = 0; s < m; s += len)
            for (int64_t k = 0; k < half; k++) {
                double wr = tw[2 * k * step], wi = tw[2 * k * step + 1];
                double *a = x + 2 * (s + k), *b = x + 2 * (s + k + half);
                double br = b[0] * wr - b[1] * wi, bi = b[0] * wi + b[1] * wr;
                b[0] = a[0] - br, b[1] = a[1] - bi;
                a[0] += br, a[1] += bi;
            }
    }
}

oct_status oct_fft_init(oct_fft *f, int64_t n)
{
    memset(f, 0, sizeof *f);
    if (n < 1 || n > ((int64_t)1 << 28)) return oct_err(OCT_E_INVALID, "FFT length %lld is out of range", (long long)n);
    f->n = n;
    int pow2 = (n & (n - 1)) == 0;
    int64_t m = 1;
    while (m < (pow2 ? n : 2 * n - 1)) m <<= 1;
    f->m = m;
    f->tw = malloc((size_t)(m > 1 ? m : 2) * sizeof(double));
    if (!f->tw) goto nomem;
    for (int64_t k = 0; k < m / 2; k++) {
        double a = -2 * FFT_PI * (double)k / (double)m;
        f->tw[2 * k] = cos(a);
        f->tw[2 * k + 1] = sin(a);
    }
    if (pow2) return OCT_OK;
    f->chirp = malloc((size_t)(2 * n) * sizeof(double));
    f->bf = calloc((size_t)(2 * m), sizeof(double));
    f->work = malloc((size_t)(2 * m) * sizeof(double));
    if (!f->chirp || !f->bf || !f->work) goto nomem;
    for (int64_t k = 0; k < n; k++) {
        /* k^2 mod 2n keeps the angle small and exact */
        double a = -FFT_PI * (double)((k * k) % (2 * n)) / (double)n;
        f->chirp[2 * k] = cos(a);
        f->chirp[2 * k + 1] = sin(a);
    }
    /* filter b[t] = conj(chirp[|t|]) for t in (-n, n), wrapped into [0, m) */
    for (int64_t k = 0; k < n; k++) {
        f->bf[2 * k] = f->chirp[2 * k];
        f->bf[2 * k + 1] = -f->chirp[2 * k + 1];
        if (k > 0) {
            f->bf[2 * (m - k)] = f->chirp[2 * k];
            f->bf[2 * (m - k) + 1] = -f->chirp[2 * k + 1];
        }
    }
    fft_pow2(f->bf, m, f->tw);
    return OCT_OK;
nomem:
    oct_fft_free(f);
    return oct_err(OCT_E_NOMEM, "FFT of length %lld: out of memory", (long long)n);
}

static void conj_n(double *x, int64_t n)
{
    for (int64_t i = 0; i < n; i++) x[2 * i + 1] = -x[2 * i + 1];
}

void oct_fft_run(const oct_fft *f, double *x, int inverse)
{
    int64_t n = f->n, m = f->m;
    if (inverse) conj_n(x, n); /* ifft(x) = conj(fft(conj(x))) */
    if (!f->chirp) {
        fft_pow2(x, m, f->tw);
    } else {
        double *w = f->work;
        memset(w, 0, (size_t)(2 * m) * sizeof *w);
        for (int64_t k = 0; k < n; k++) {
            double cr = f->chirp[2 * k], ci = f->chirp[2 * k + 1];
            w[2 * k] = x[2 * k] * cr - x[2 * k + 1] * ci;
            w[2 * k + 1] = x[2 * k] * ci + x[2 * k + 1] * cr;
        }
        fft_pow2(w, m, f->tw);
        for (int64_t k = 0; k < m; k++) { /* multiply, conjugate for the inverse transform */
            double ar = w[2 * k], ai = w[2 * k + 1], br = f->bf[2 * k], bi = f->bf[2 * k + 1];
            w[2 * k] = ar * br - ai * bi;
            w[2 * k + 1] = -(ar * bi + ai * br);
        }
        fft_pow2(w, m, f->tw);
        double s = 1.0 / (double)m;
        for (int64_t k = 0; k < n; k++) {
            double cr = f->chirp[2 * k], ci = f->chirp[2 * k + 1];
            double vr = w[2 * k] * s, vi = -w[2 * k + 1] * s; /* conj back */
            x[2 * k] = vr * cr - vi * ci;
            x[2 * k + 1] = vr * ci + vi * cr;
        }
    }
    if (inverse) conj_n(x, n);
}

void oct_fft_free(oct_fft *f)
{
    free(f->tw);
    free(f->chirp);
    free(f->bf);
    free(f->work);
    memset(f, 0, sizeof *f);
}
