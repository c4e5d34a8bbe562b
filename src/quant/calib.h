/* octet — calibration statistics of one activation tensor and the four ways
 * of turning them into a clipping range [lo, hi] for quantization.
 *
 * Two passes over the calibration set (as onnxruntime's HistogramCalibrater):
 *   pass 1  oct_hist_observe_range: running min / max of the finite values
 *           (max |x| is max(-min, max)); non-finite values are counted in
 *           n_nonfinite (pass 1 only, so they are not counted twice) and
 *           otherwise ignored in both passes;
 *   freeze  oct_hist_freeze fixes the histogram range to the tensor's full
 *           signed range [min(min,0), max(max,0)] (so 0 is inside it);
 *   pass 2  oct_hist_observe: nbins (OCT_HIST_BINS = 2048) equal bins over that
 *           range (values outside it, impossible with the same data, are
 *           counted in the edge bins; calling it before freeze freezes first).
 * The |x|-based methods fold the negative side onto the positive one: an |x|
 * histogram with the same bin width starting at 0, a signed bin that does
 * not line up with the |x| bins being split in proportion to its overlap
 * (values assumed uniform inside a bin; exact when 0 is a bin edge, as for
 * ReLU outputs or a range symmetric about 0).
 * Exact zeros (n_zero, counted in pass 2) are kept apart from the bin that
 * holds 0: zero is a level of every grid (below), so they are never clipped
 * or rounded, and spreading a ReLU's spike of zeros over bin 0 would make the
 * entropy search shrink the range to keep that bin's group narrow (NVIDIA's
 * pytorch-quantization overwrites bin 0 with bin 1 for the same reason).
 * Other point masses (a background pixel value, a channel's constant output
 * on constant input) are found per bin by a majority vote in pass 2 (the
 * Boyer-Moore vote: `mode` and its `votes`, a lower bound of how often that
 * exact value occurs); a bin whose candidate keeps >= 2 votes holds an atom
 * of that mass at that value, which the fold puts into the |x| bin of the
 * value itself.
 *
 * Methods (oct_calib_range); t is a threshold on |x|, and a threshold gives
 * [-t, t] for int8 symmetric and [max(min, -t), min(max, t)] for uint8:
 *   minmax      [min(min,0), max(max,0)] (the histogram is not needed)
 *   percentile  t = the p-th percentile of |x| (p in (0, 100], e.g. 99.99),
 *               interpolated linearly inside the histogram bin that holds it
 *   entropy     TensorRT's calibrator on the |x| histogram: for each window of
 *               the first i bins (t = i * width, from i = the number of levels
 *               up to max |x|), P = those bins with everything beyond folded
 *               into the last one, Q = the window without the outliers merged
 *               into L equal groups (bin j in group floor(j*L/i)), each
 *               group's mass spread evenly over its bins where P is non-zero
 *               - except that atoms stay in their bin (quantization moves a
 *               point mass, it does not spread it), so only the rest of a
 *               group's mass is spread, over the bins where P has more than
 *               atoms; exact zeros are one more bin, equal in P and Q; both
 *               are smoothed (a zero bin gets 1e-4 of a sample, taken off the
 *               non-zero bins in proportion) and t minimises KL(P || Q); the
 *               first (smallest) t wins ties. L is the levels of the target
 *               grid over [0, t]: 128 for int8 (one side of [-128, 127]), and
 *               for uint8 the share of 256 levels that [0, t] gets of the
 *               clipped range: 256 * t / (min(max,t) - max(min,-t)), i.e. 256
 *               for one-sided (ReLU) tensors and about 128 for symmetric ones.
 *               (onnxruntime's HistogramCollector searches a two-sided window
 *               of the signed histogram and departs from TensorRT in its Q:
 *               integer averages, no mass on the last size mod L bins, mass on
 *               bins where P is 0; scripts/calib_reference.py switches those
 *               off, and tests/test_calib.c checks the agreement.)
 *   mse         the range minimising the expected squared error of
 *               quantize-dequantize (clipping + rounding, with the scale and
 *               zero point oct_quant_params gives, round-to-nearest and
 *               saturation at [0,255] / [-128,127]) over the histogram,
 *               integrated exactly with the values uniform inside each bin
 *               (exact zeros excluded: they carry no error).
 *               int8: t over every |x| bin edge (multiples of the bin width,
 *               and max |x|). uint8: the best threshold likewise, then refined
 *               by alternately searching hi over the multiples of the bin
 *               width in (0, max] (and max) with lo fixed and lo over those in
 *               [min, 0) with hi fixed (every 8th candidate, then the 15
 *               around the best of those), until neither improves (<= 8
 *               rounds).
 * A tensor with one distinct value v (min == max) gets [min(v,0), max(v,0)]
 * from every method, and an empty one (no finite values) [0, 0]. Every range
 * contains 0 (so zero is exactly representable). */
#ifndef OCT_QUANT_CALIB_H
#define OCT_QUANT_CALIB_H

#include <stdint.h>

#include "core/status.h"
#include "core/tensor.h"
#include "quant/qconfig.h"

#define OCT_HIST_BINS 2048

typedef struct oct_hist {
    double min, max;        /* pass 1 (+inf / -inf while empty) */
    int64_t n;              /* finite values seen in pass 1 */
    int64_t n_nonfinite;
    int nbins;              /* OCT_HIST_BINS */
    double lo, hi;          /* histogram range (set by oct_hist_freeze) */
    double *count;          /* nbins counts (pass 2) */
    int64_t n_hist;         /* values counted in pass 2 */
    int64_t n_zero;         /* of which exactly 0 (also in count) */
    float *mode;            /* per bin (nbins + 1): majority-vote candidate value (pass 2) */
    int64_t *votes;         /* per bin (nbins + 1): its surviving votes, <= its count */
} oct_hist;

oct_status oct_hist_init(oct_hist *h, int nbins);
void oct_hist_free(oct_hist *h);
void oct_hist_observe_range(oct_hist *h, const float *x, int64_t n);
/* End of pass 1: fix the histogram range to [min(min,0), max(max,0)]. */
void oct_hist_freeze(oct_hist *h);
void oct_hist_observe(oct_hist *h, const float *x, int64_t n);

/* The clipping range of method m for a tensor quantized to qdt (OCT_DT_U8
 * asymmetric or OCT_DT_I8 symmetric). An empty histogram gives [0, 0].
 * OCT_E_INVALID for a percentile outside (0, 100], an unknown method, or a
 * histogram method on statistics without pass 2; OCT_E_UNSUPPORTED for
 * another qdt. */
oct_status oct_calib_range(const oct_hist *h, oct_calib_method m, double percentile, oct_dtype qdt, float *lo,
                           float *hi);

/* Scale and zero point for a range: lo is first replaced by min(lo, 0) and hi
 * by max(hi, 0) (a NaN bound counts as 0, an infinite one as +-FLT_MAX). uint8:
 * scale = (hi - lo) / 255, zp = round(-lo / scale) (half to even) clamped to
 * [0, 255]; int8 symmetric: scale = max(|lo|, |hi|) / 127, zp = 0. A range
 * whose scale would be below FLT_MIN (e.g. [0, 0]) gives scale 1, zp 0. So
 * the scale is always finite and > 0, zp is in range and 0 is exact. */
void oct_quant_params(float lo, float hi, oct_dtype qdt, float *scale, int32_t *zp);

#endif
