/* octet — helpers shared by the calibration methods (calib.c, calib_entropy.c,
 * calib_mse.c). Not part of the public API. */
#ifndef OCT_QUANT_CALIB_INTERNAL_H
#define OCT_QUANT_CALIB_INTERNAL_H

#include "quant/calib.h"

/* The |x| histogram folded from h's signed one (see calib.h): n bins of
 * width `width` starting at 0 without the exact zeros, which are `zero`;
 * atom[j] is the part of count[j] that is point masses; total mass `total`
 * (zeros included); amax = max |x|. */
typedef struct oct_abs_hist {
    double *count, *atom;
    int n;
    double width, zero, total, amax;
} oct_abs_hist;

/* Votes a bin's candidate needs to count as a point mass. */
#define OCT_CALIB_ATOM_VOTES 2

oct_status oct_calib_abs_hist(const oct_hist *h, oct_abs_hist *a);
void oct_calib_abs_hist_free(oct_abs_hist *a);

/* The clipping range [max(min,-t), min(max,t)] (uint8) or [-t, t] (int8) of
 * threshold t for h's tensor. */
void oct_calib_threshold_range(const oct_hist *h, oct_dtype qdt, double t, double *lo, double *hi);

/* Method searches: the entropy threshold on |x|, and the mse range. */
oct_status oct_calib_entropy_threshold(const oct_hist *h, const oct_abs_hist *a, oct_dtype qdt, double *t);
oct_status oct_calib_mse_range(const oct_hist *h, oct_dtype qdt, double *lo, double *hi);

#endif
