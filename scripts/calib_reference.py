#!/usr/bin/env python3
"""Reference calibration thresholds from onnxruntime for octet's calibration tests.

Generates a few fixed-seed activation-like data sets and prints, for each:
  * onnxruntime's own entropy and percentile thresholds (its HistogramCollector,
    onnxruntime.quantization.calibrate, 2048 bins);
  * the same entropy search re-implemented here with each of onnxruntime's
    departures from TensorRT's definition as a switch; with every switch on it
    must reproduce onnxruntime's number exactly (checked), with every switch
    off it is TensorRT's definition on onnxruntime's two-sided window
    ("ort_fixed");
  * TensorRT's definition on the |x| histogram, octet's own (calib.h), computed
    independently here with numpy ("trt_abs");
  * numpy's exact percentiles of |x|.

    python3 scripts/calib_reference.py                              # print only
    python3 scripts/calib_reference.py --write tests/data/calib     # (re)write .npy + JSON

Run it with the pip python that has numpy and onnxruntime (`python3` from pyenv).

onnxruntime's get_entropy_threshold departs from TensorRT's calibrator in:
  int_q         Q is an int64 array, so each group's average count is truncated;
  drop_tail     groups are size // nq bins wide and the remainder's mass is added
                to the last group's sum but spread only over its nominal bins, so
                the last (size mod nq) bins of the window (up to nq - 1) get Q = 0;
  q_on_zero_p   a group's mass is spread over all of its bins, also where P is 0;
  floor_groups  the remainder bins belong to the last group (rather than groups
                of size/nq bins each);
and it searches a two-sided window of 2i+1 bins of the signed histogram with
num_quantized_bins levels over the whole window (its default 128 is 64 per
side; 256 matches int8's 128 per side, 512 uint8's 256 over a ReLU output),
where TensorRT and octet search the |x| histogram.

The data sets are stratified samples (one uniformly jittered draw per 1/n of
probability, then the inverse CDF), so their histograms carry little sampling
noise and the KL minimum is well defined; the signed sets contain -M and +M
(M = max |x|), so onnxruntime's histogram over [-M, M] and octet's over
[min(min,0), max(max,0)] have the same 2048 bins. The ReLU set is one-sided:
onnxruntime still bins it over [-M, M] (half the bins empty), so the ReLU
references are compared with octet run on 1024 bins over [0, M] (same width).
"""
import argparse
import contextlib
import io
import json
import os
import sys
from statistics import NormalDist

import numpy as np

N = 7700          # samples per set: 3 sets x 7700 float32 = 92 KB of .npy
NUM_BINS = 2048   # as octet's OCT_HIST_BINS


def stratified(rng, n, icdf):
    u = (np.arange(n) + rng.uniform(0.0, 1.0, n)) / n
    return icdf(u)


def gauss_icdf(u):
    nd = NormalDist()
    return np.array([nd.inv_cdf(float(v)) for v in u])


def laplace_icdf(u):
    v = u - 0.5
    return -np.sign(v) * np.log1p(-2.0 * np.abs(v))


def make_sets():
    rng = np.random.default_rng(20240611)
    sets = {}
    # Gaussian bulk plus 4 huge outliers (0.05%): +-r and +-40.
    g = stratified(rng, N - 4, gauss_icdf)
    r = float(rng.uniform(15.0, 30.0))
    sets["gauss_outliers"] = np.concatenate([g, [r, -r, 40.0, -40.0]])
    # Laplace(0, 1), made symmetric by adding -M where M is the largest |x|.
    lap = stratified(rng, N - 1, laplace_icdf)
    i = int(np.argmax(np.abs(lap)))
    sets["laplace"] = np.concatenate([lap, [-lap[i]]])
    # ReLU of a shifted Gaussian: one-sided, a spike of exact zeros.
    sets["relu"] = np.maximum(stratified(rng, N, gauss_icdf) + 0.3, 0.0)
    for k in sets:
        a = sets[k].astype(np.float32)
        rng.shuffle(a)
        sets[k] = a
    return sets


def quiet(fn):
    with contextlib.redirect_stdout(io.StringIO()):
        return fn()


def ort_collector(method, symmetric, num_quantized_bins=128, percentile=99.99):
    from onnxruntime.quantization.calibrate import HistogramCollector

    return HistogramCollector(method=method, symmetric=symmetric, num_bins=NUM_BINS,
                              num_quantized_bins=num_quantized_bins, percentile=percentile,
                              scenario="same")


def ort_entropy(x, nq):
    """onnxruntime's entropy range and the histogram it was found on."""
    c = ort_collector("entropy", False, num_quantized_bins=nq)
    quiet(lambda: c.collect({"t": x}))
    r = quiet(c.compute_collection_result)["t"]
    hist, edges = c.get_histogram_dict()["t"][:2]
    return [float(r[0]), float(r[1])], hist, edges


def ort_percentile(x, p):
    c = ort_collector("percentile", True, percentile=p)
    quiet(lambda: c.collect({"t": x}))
    r = quiet(c.compute_collection_result)["t"]
    edges = c.get_histogram_dict()["t"][1]
    return float(r[1]), float(edges[1] - edges[0])


def ort_search(hist, edges, nq, int_q=True, drop_tail=True, q_on_zero_p=True, floor_groups=True):
    """onnxruntime's two-sided KL search; each switch is one of its departures
    from TensorRT's definition (module docstring). Returns the upper threshold."""
    from onnxruntime.quantization.calibrate import entropy
    from onnxruntime.quantization.quant_utils import smooth_distribution

    n = hist.size
    zb, half = n // 2, nq // 2
    kls, ths = [], []
    for i in range(half, zb + 1):
        s, e = zb - i, min(zb + i + 1, n)
        win = hist[s:e]
        p = win.copy()
        p[0] += hist[:s].sum()
        p[-1] += hist[e:].sum()
        nz = p != 0
        size = win.size
        if floor_groups:
            g = np.arange(size) // (size // nq)
            nominal = g < nq
            g = np.minimum(g, nq - 1)
        else:
            g = (np.arange(size) * nq) // size
            nominal = np.ones(size, bool)
        mass = np.bincount(g, weights=win, minlength=nq)
        spread = nominal if drop_tail else np.ones(size, bool)
        cnt = np.bincount(g[spread], weights=nz[spread], minlength=nq)
        avg = np.where(cnt > 0, mass / np.maximum(cnt, 1), 0.0)
        if int_q:
            avg = np.trunc(avg)
        q = np.where(spread, avg[g], 0.0)
        if not q_on_zero_p:
            q = np.where(nz, q, 0.0)
        if int_q:
            q = q.astype(np.int64)
        ps, qs = smooth_distribution(p), smooth_distribution(q)
        kl = np.inf if ps is None or qs is None else float(np.array(entropy(ps, qs), dtype=edges.dtype))
        kls.append(kl)
        ths.append(float(edges[e]))
    return ths[int(np.argmin(kls))]


def trt_abs(x, num_bins, levels):
    """octet's definition (calib.h): TensorRT's KL search on the |x| histogram
    folded from num_bins bins over [min(min,0), max(max,0)], `levels` groups,
    group of bin j = floor(j * levels / i), exact zeros one more bin equal in
    P and Q, smoothing 1e-4 of a sample. (octet also keeps other point masses
    in place in Q; these sets have none: every non-zero value is distinct.)"""
    nz = x[x != 0]
    assert np.unique(nz).size == nz.size, "a repeated value would be a point mass"
    lo, hi = min(float(x.min()), 0.0), max(float(x.max()), 0.0)
    h, _ = np.histogram(x.astype(np.float64), num_bins, range=(lo, hi))
    w = (hi - lo) / num_bins
    z = -lo / (hi - lo) * num_bins
    assert abs(z - round(z)) < 1e-9, "0 must be a bin edge for this reference"
    z = int(round(z))
    a = np.zeros(max(z, num_bins - z))
    a[: num_bins - z] += h[z:]
    a[:z] += h[:z][::-1]
    zeros = float(np.count_nonzero(x == 0))
    a[0] -= zeros
    amax = max(-lo, hi)
    total = a.sum() + zeros
    eps = min(1e-4 / total, 0.5 / a.size)
    best, best_t = np.inf, amax
    for i in range(levels, a.size + 1):
        p = a[:i].copy()
        inside = p.sum() + zeros
        p[-1] += total - inside
        g = (np.arange(i) * levels) // i
        mass = np.bincount(g, weights=a[:i], minlength=levels)
        cnt = np.bincount(g, weights=(p > 0), minlength=levels)
        q = np.where(p > 0, mass[g] / np.maximum(cnt[g], 1), 0.0)
        p, q = np.append(p, zeros), np.append(q, zeros)
        P, Q = p / total, q / inside
        P = np.where(P > 0, P * (1 - eps * (P == 0).sum()), eps)
        Q = np.where(Q > 0, Q * (1 - eps * (Q == 0).sum()), eps)
        kl = float(np.sum(P * np.log(P / Q)))
        if kl < best:
            best, best_t = kl, min(i * w, amax)
    return best_t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--write", metavar="DIR", help="write <set>.npy and ort_thresholds.json here")
    args = ap.parse_args()

    import onnxruntime

    sets = make_sets()
    ref = {"onnxruntime": onnxruntime.__version__, "num_bins": NUM_BINS, "sets": {}}
    for name, x in sets.items():
        one_sided = float(x.min()) >= 0
        e = {"file": name + ".npy", "n": int(x.size), "min": float(x.min()), "max": float(x.max()),
             "ort_entropy": {}, "ort_fixed": {}, "trt_abs": {}, "ort_percentile": {}, "np_percentile_abs": {}}
        print(f"{name}: n={x.size} min={x.min():.6g} max={x.max():.6g}")
        for nq in (128, 256, 512):
            rng_, hist, edges = ort_entropy(x, nq)
            again = ort_search(hist, edges, nq)
            if again != rng_[1]:
                sys.exit(f"{name}: the re-implementation gives {again}, onnxruntime {rng_[1]} (nq {nq})")
            fixed = ort_search(hist, edges, nq, False, False, False, False)
            e["ort_entropy"][str(nq)] = rng_
            e["ort_fixed"][str(nq)] = fixed
            print(f"  entropy nq={nq:>3}: onnxruntime [{rng_[0]:.6g}, {rng_[1]:.6g}] (re-implemented: same),"
                  f" without its departures {fixed:.6g}  (bin {edges[1] - edges[0]:.4g})")
        # octet's definition: int8 (128 levels) and, for ReLU, uint8 (256); the
        # ReLU set also on 1024 bins, onnxruntime's bin width there.
        variants = [("int8", NUM_BINS, 128)]
        if one_sided:
            variants += [("uint8", NUM_BINS, 256), ("int8_1024", 1024, 128), ("uint8_1024", 1024, 256)]
        for key, nb, lv in variants:
            e["trt_abs"][key] = trt_abs(x, nb, lv)
            print(f"  entropy |x| (octet's definition) {key}: {e['trt_abs'][key]:.6g}")
        for p in (99.9, 99.99):
            t, w = ort_percentile(x, p)
            e["ort_percentile"][str(p)] = {"threshold": t, "bin_width": w}
            e["np_percentile_abs"][str(p)] = float(np.percentile(np.abs(x), p))
            print(f"  percentile {p}: onnxruntime {t:.6g} (bin {w:.4g}), numpy |x| {e['np_percentile_abs'][str(p)]:.6g}")
        ref["sets"][name] = e

    if args.write:
        os.makedirs(args.write, exist_ok=True)
        for name, x in sets.items():
            np.save(os.path.join(args.write, name + ".npy"), x)
        with open(os.path.join(args.write, "ort_thresholds.json"), "w") as f:
            json.dump(ref, f, indent=1)
            f.write("\n")
        print(f"wrote {len(sets)} sets and ort_thresholds.json to {args.write}", file=sys.stderr)


if __name__ == "__main__":
    main()
