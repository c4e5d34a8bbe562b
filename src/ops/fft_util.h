/* octet — complex FFT of any length for DFT and STFT: iterative radix-2 for
 * powers of two, Bluestein's chirp-z (through a radix-2 FFT) otherwise.
 * Double precision, unnormalised: the inverse is not divided by n. */
#ifndef OCT_OPS_FFT_UTIL_H
#define OCT_OPS_FFT_UTIL_H

#include <stdint.h>

#include "core/status.h"

typedef struct oct_fft {
    int64_t n;     /* transform length */
    int64_t m;     /* radix-2 length: n, or >= 2n - 1 for Bluestein */
    double *tw;    /* m/2 twiddles (cos, sin) pairs of the size-m radix-2 FFT */
    double *chirp; /* Bluestein: n (re, im) of exp(-i pi k^2 / n) */
    double *bf;    /* Bluestein: m (re, im) FFT of the conjugate chirp filter */
    double *work;  /* Bluestein: m (re, im) scratch */
} oct_fft;

/* Prepare a length-n transform (n >= 1). OCT_E_NOMEM / OCT_E_INVALID. */
oct_status oct_fft_init(oct_fft *f, int64_t n);
/* In place on n interleaved (re, im) pairs: forward (e^{-2 pi i jk/n}) or
 * inverse (e^{+2 pi i jk/n}), no scaling. Uses f's scratch: one thread per f. */
void oct_fft_run(const oct_fft *f, double *x, int inverse);
void oct_fft_free(oct_fft *f);

#endif
