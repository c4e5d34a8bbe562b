#!/usr/bin/env python3
"""Reference outputs of onnxruntime's com.microsoft quantized operators for
tests/test_ops_qcontrib.c.

Builds single-node models (QLinearAdd, QGemm, QLinearAveragePool,
QLinearGlobalAveragePool, QLinearConcat; domain com.microsoft, opset 1) with
onnx.helper, runs them with onnxruntime's CPU provider on fixed-seed inputs
and writes, under tests/data/qcontrib/:
    <case>/x<i>.npy   the present inputs (an omitted optional input has no file)
    <case>/y.npy      onnxruntime's output
    cases.txt         one line per case: name|op|n_inputs|attributes
attributes: ';'-separated key=type:value with type i (ints, comma-separated,
one value = a single int), f (float) or s (string).

Needs numpy, onnx and onnxruntime (pip). Run from anywhere:
    python3 scripts/qcontrib_reference.py
"""
import os
import shutil

import numpy as np
import onnx
import onnxruntime as ort
from onnx import helper

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "data", "qcontrib")
rng = np.random.default_rng(20240611)
f32 = np.float32


def qrange(dt):
    return (-128, 127) if dt == np.int8 else (0, 255)


def qrand(dt, shape, lo=None, hi=None):
    a, b = qrange(dt)
    return rng.integers(a if lo is None else lo, (b if hi is None else hi) + 1, size=shape).astype(dt)


def scal(v, dt=f32):
    return np.array(v, dtype=dt)


def zp(dt, lo=None, hi=None):
    a, b = qrange(dt)
    return scal(rng.integers(a if lo is None else lo, (b if hi is None else hi) + 1), dt)


def sc(lo=0.005, hi=0.1):
    return scal(rng.uniform(lo, hi))


def run(op, feeds, attrs, out_dtype):
    names = ["x%d" % i if v is not None else "" for i, v in enumerate(feeds)]
    node = helper.make_node(op, names, ["y"], domain="com.microsoft", **attrs)
    ins = [helper.make_tensor_value_info(n, helper.np_dtype_to_tensor_dtype(v.dtype), v.shape)
           for n, v in zip(names, feeds) if v is not None]
    out = helper.make_tensor_value_info("y", helper.np_dtype_to_tensor_dtype(np.dtype(out_dtype)), None)
    graph = helper.make_graph([node], op, ins, [out])
    model = helper.make_model(graph, ir_version=8, opset_imports=[helper.make_opsetid("", 13),
                                                                  helper.make_opsetid("com.microsoft", 1)])
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    sess = ort.InferenceSession(model.SerializeToString(), so, providers=["CPUExecutionProvider"])
    return sess.run(None, {n: v for n, v in zip(names, feeds) if v is not None})[0]


def attr_str(attrs):
    parts = []
    for k, v in attrs.items():
        if isinstance(v, str):
            parts.append("%s=s:%s" % (k, v))
        elif isinstance(v, float):
            parts.append("%s=f:%r" % (k, v))
        elif isinstance(v, (list, tuple)):
            parts.append("%s=i:%s" % (k, ",".join(str(int(x)) for x in v)))
        else:
            parts.append("%s=i:%d" % (k, int(v)))
    return ";".join(parts)


cases = []


def case(name, op, feeds, attrs, out_dtype):
    y = run(op, feeds, attrs, out_dtype)
    d = os.path.join(OUT, name)
    os.makedirs(d)
    for i, v in enumerate(feeds):
        if v is not None:
            np.save(os.path.join(d, "x%d.npy" % i), v)
    np.save(os.path.join(d, "y.npy"), y)
    cases.append("%s|%s|%d|%s" % (name, op, len(feeds), attr_str(attrs)))


def add_case(name, dt, sa, sb):
    a, b = qrand(dt, sa), qrand(dt, sb)
    feeds = [a, sc(0.01, 0.2), zp(dt), b, sc(0.01, 0.2), zp(dt), sc(0.01, 0.2), zp(dt)]
    case(name, "QLinearAdd", feeds, {}, dt)


def fma32(a, b, c):
    """float32 fma through float64 (a small integer: a * b is exact)"""
    return (np.asarray(a, np.float64) * np.float64(b) + np.asarray(c, np.float64)).astype(f32)


def add_variants(a, b, sa, sb, sc_, za, zb, zc):
    """onnxruntime's QLinearAdd (fma everywhere) and alternatives, unrounded"""
    ra, rb = f32(sa / sc_), f32(sb / sc_)
    fixed = f32(f32(zc) - fma32(f32(za), ra, f32(rb * f32(zb))))
    plain_fixed = f32(f32(zc) - f32(f32(ra * f32(za)) + f32(rb * f32(zb))))
    a, b = a.astype(f32), b.astype(f32)
    return fma32(a, ra, fma32(b, rb, fixed)), {
        "fixed": fma32(a, ra, fma32(b, rb, plain_fixed)),           # the constant part without fma
        "inner": fma32(a, ra, (fixed + b * rb).astype(f32)),        # B's term folded by a product and an add
        "plain": (a * ra + b * rb + plain_fixed).astype(f32)}       # no fma at all


def add_tie_case(name, dt, b_scalar, alt):
    """parameters and (A, B) pairs on which onnxruntime's float order decides
    the rounding against the alternative `alt`"""
    lo, hi = qrange(dt)
    vals = np.arange(lo, hi + 1)
    A = vals if b_scalar else np.repeat(vals, 256)
    for _ in range(20000):
        p = [sc(0.005, 0.3) for _ in range(3)] + [zp(dt) for _ in range(3)]
        bv = dt(rng.integers(lo, hi + 1))
        B = np.full_like(A, bv) if b_scalar else np.tile(vals, 256)
        v1, alts = add_variants(A, B, p[0], p[1], p[2], p[3], p[4], p[5])
        idx = np.nonzero(np.clip(np.rint(v1), lo, hi) != np.clip(np.rint(alts[alt]), lo, hi))[0]
        if len(idx):
            break
    idx = idx[:32]
    pick = np.concatenate([idx, rng.choice(len(A), size=64 - len(idx), replace=False)])
    a = A[pick].astype(dt)
    b = np.array([bv], dt) if b_scalar else B[pick].astype(dt)
    case(name, "QLinearAdd", [a, p[0], p[3], b, p[1], p[4], p[2], p[5]], {}, dt)


def avgpool_variants(x, xs, zx, ys, zy, k, st, pads, cip):
    """onnxruntime's QLinearAveragePool (2-D, floor mode) and alternatives, rounded"""
    n, c, h, w = x.shape
    oh, ow = (h + pads[0] + pads[2] - k[0]) // st[0] + 1, (w + pads[1] + pads[3] - k[1]) // st[1] + 1
    xf = np.zeros((n, c, h + pads[0] + pads[2], w + pads[1] + pads[3]), f32)  # zeros add nothing to a sum
    xf[:, :, pads[0]:pads[0] + h, pads[1]:pads[1] + w] = (x.astype(np.int32) - zx).astype(f32) * xs
    xi = np.zeros(xf.shape, np.int64)
    xi[:, :, pads[0]:pads[0] + h, pads[1]:pads[1] + w] = x.astype(np.int64) - zx
    s = np.zeros((n, c, oh, ow), f32)
    si = np.zeros((n, c, oh, ow), np.int64)
    for i in range(k[0]):
        for j in range(k[1]):
            s = (s + xf[:, :, i:i + st[0] * oh:st[0], j:j + st[1] * ow:st[1]]).astype(f32)
            si += xi[:, :, i:i + st[0] * oh:st[0], j:j + st[1] * ow:st[1]]
    r0 = np.arange(oh) * st[0] - pads[0]
    c0 = np.arange(ow) * st[1] - pads[1]
    rows = np.minimum(r0 + k[0], h) - np.maximum(r0, 0)
    cols = np.minimum(c0 + k[1], w) - np.maximum(c0, 0)
    cnt = np.full((oh, ow), k[0] * k[1]) if cip else np.outer(rows, cols)
    lo, hi = qrange(x.dtype.type)
    q = lambda v: np.clip(np.rint(v), lo, hi)
    ort_like = q((s / cnt.astype(f32) / f32(ys) + f32(zy)).astype(f32))
    return ort_like, {"exact": q(si * float(xs) / cnt / float(ys) + zy),
                      "zp_after": q((s / cnt.astype(f32) / f32(ys)).astype(f32)) + zy}


def avgpool_tie_case(name, dt, alt):
    k, st, pads = [2, 3], [1, 2], [1, 1, 0, 1]
    for _ in range(5000):
        x = qrand(dt, (1, 3, 6, 14))
        p = pool_feeds(x, dt)
        y1, alts = avgpool_variants(x, p[1], int(p[2]), p[3], int(p[4]), k, st, pads, 0)
        if (y1 != alts[alt]).any():
            break
    case(name, "QLinearAveragePool", p, {"kernel_shape": k, "strides": st, "pads": pads}, dt)


def qgemm_case(name, adt, bdt, M, N, K, ta=0, tb=0, per_col=False, c_shape=None, ydt=None, alpha=None):
    a = qrand(adt, (K, M) if ta else (M, K))
    b = qrand(bdt, (N, K) if tb else (K, N))
    if per_col:
        bs = rng.uniform(0.002, 0.02, size=N).astype(f32)
        bz = rng.integers(*((-20, 20) if bdt == np.int8 else (100, 156)), size=N).astype(bdt)
    else:
        bs, bz = sc(0.002, 0.02), zp(bdt, *((-20, 20) if bdt == np.int8 else (100, 156)))
    feeds = [a, sc(0.01, 0.05), zp(adt), b, bs, bz]
    if c_shape is not None or ydt is not None:
        feeds.append(rng.integers(-3000, 3000, size=c_shape).astype(np.int32) if c_shape is not None else None)
    if ydt is not None:
        feeds += [sc(0.05, 0.3), zp(ydt, *((-30, 30) if ydt == np.int8 else (100, 150)))]
    attrs = {}
    if ta:
        attrs["transA"] = 1
    if tb:
        attrs["transB"] = 1
    if alpha is not None:
        attrs["alpha"] = alpha
    case(name, "QGemm", feeds, attrs, ydt if ydt is not None else f32)


def pool_feeds(x, dt):
    return [x, sc(0.01, 0.1), zp(dt), sc(0.01, 0.1), zp(dt)]


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    # QLinearAdd: same shapes, row / column / scalar broadcasting (onnxruntime 1.31 rejects omitted
    # zero points in its type inference: the C test covers those)
    add_case("add_u8_same", np.uint8, (2, 3, 5, 13), (2, 3, 5, 13))
    add_case("add_i8_same", np.int8, (4, 77), (4, 77))
    add_case("add_u8_row", np.uint8, (3, 4, 40), (40,))
    add_case("add_i8_col", np.int8, (3, 4, 37), (4, 1))
    add_case("add_u8_scalar_a", np.uint8, (), (5, 33))
    add_case("add_i8_outer", np.int8, (6, 1), (1, 41))
    add_case("add_u8_one", np.uint8, (1,), (1, 1))
    # inputs on which the float order matters (each against one alternative order)
    add_tie_case("add_u8_ties_plain", np.uint8, False, "plain")
    add_tie_case("add_i8_ties_fixed", np.int8, False, "fixed")
    add_tie_case("add_u8_ties_fixed", np.uint8, False, "fixed")
    add_tie_case("add_u8_ties_inner", np.uint8, False, "inner")
    add_tie_case("add_i8_ties_scalar_b", np.int8, True, "inner")
    a = np.repeat(np.arange(256), 64).reshape(256, 64)[:, :1].astype(np.uint8)  # every byte of A ...
    b = rng.integers(0, 256, size=(1, 96)).astype(np.uint8)                      # ... against 96 of B
    case("add_u8_bytes", "QLinearAdd", [a, sc(), zp(np.uint8), b, sc(), zp(np.uint8), sc(0.02, 0.1), zp(np.uint8)],
         {}, np.uint8)
    # QGemm
    qgemm_case("qgemm_u8u8_q", np.uint8, np.uint8, 5, 9, 17, c_shape=(9,), ydt=np.uint8)
    qgemm_case("qgemm_u8i8_percol_tb", np.uint8, np.int8, 6, 11, 20, tb=1, per_col=True, c_shape=(6, 11),
               ydt=np.uint8, alpha=0.5)
    qgemm_case("qgemm_i8i8_ta_float", np.int8, np.int8, 7, 10, 13, ta=1, c_shape=(7, 1))
    qgemm_case("qgemm_i8i8_q_noc", np.int8, np.int8, 4, 35, 70, ydt=np.int8)
    qgemm_case("qgemm_u8u8_tatb_percol", np.uint8, np.uint8, 9, 8, 33, ta=1, tb=1, per_col=True, c_shape=(),
               ydt=np.uint8, alpha=2.0)
    qgemm_case("qgemm_u8i8_float_percol", np.uint8, np.int8, 3, 16, 24, per_col=True, c_shape=(1, 16))
    # QLinearAveragePool
    u8, i8 = np.uint8, np.int8
    x = qrand(u8, (1, 3, 9, 29))
    case("ap_u8_k3p1", "QLinearAveragePool", pool_feeds(x, u8), {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1]}, u8)
    x = qrand(u8, (2, 2, 10, 25))
    case("ap_u8_ceil_cip", "QLinearAveragePool", pool_feeds(x, u8),
         {"kernel_shape": [2, 3], "strides": [2, 2], "pads": [0, 1, 0, 1], "ceil_mode": 1, "count_include_pad": 1}, u8)
    x = qrand(i8, (2, 4, 41))
    case("ap_i8_1d", "QLinearAveragePool", pool_feeds(x, i8), {"kernel_shape": [4], "strides": [3], "pads": [2, 1]},
         i8)
    x = qrand(u8, (1, 2, 5, 6, 19))
    case("ap_u8_3d", "QLinearAveragePool", pool_feeds(x, u8),
         {"kernel_shape": [2, 3, 2], "strides": [1, 2, 1], "pads": [1, 0, 1, 0, 1, 1]}, u8)
    x = qrand(i8, (2, 5, 4, 4))
    case("ap_i8_global", "QLinearAveragePool", pool_feeds(x, i8), {"kernel_shape": [4, 4]}, i8)
    x = qrand(u8, (1, 6, 7, 5))
    case("ap_u8_nhwc", "QLinearAveragePool", pool_feeds(x, u8),
         {"kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 1, 1, 1], "channels_last": 1}, u8)
    x = qrand(i8, (1, 2, 8, 33))
    case("ap_i8_same_upper_cip", "QLinearAveragePool", pool_feeds(x, i8),
         {"kernel_shape": [3, 4], "strides": [1, 1], "auto_pad": "SAME_UPPER", "count_include_pad": 1}, i8)
    avgpool_tie_case("ap_u8_ties_exact", u8, "exact")
    avgpool_tie_case("ap_i8_ties_zp_after", i8, "zp_after")
    x = qrand(u8, (1, 2, 6, 40))
    case("ap_u8_s2_wide", "QLinearAveragePool", pool_feeds(x, u8),
         {"kernel_shape": [2, 5], "strides": [1, 2], "pads": [0, 2, 1, 2]}, u8)
    # QLinearGlobalAveragePool
    x = qrand(u8, (2, 5, 7, 9))
    case("gap_u8", "QLinearGlobalAveragePool", pool_feeds(x, u8), {}, u8)
    x = qrand(i8, (1, 3, 100))
    case("gap_i8_1d", "QLinearGlobalAveragePool", pool_feeds(x, i8), {}, i8)
    x = qrand(u8, (2, 4, 6, 12))
    case("gap_u8_nhwc", "QLinearGlobalAveragePool", pool_feeds(x, u8), {"channels_last": 1}, u8)
    # QLinearConcat: one input with Y's own parameters (a copy)
    ys, yz = sc(0.02, 0.05), zp(u8)
    feeds = [ys, yz, qrand(u8, (2, 3, 4)), sc(), zp(u8), qrand(u8, (2, 1, 4)), ys.copy(), yz.copy(),
             qrand(u8, (2, 5, 4)), sc(0.05, 0.2), zp(u8)]
    case("cat_u8_axis1", "QLinearConcat", feeds, {"axis": 1}, u8)
    ys, yz = sc(0.02, 0.05), zp(i8)
    feeds = [ys, yz, qrand(i8, (3, 7)), sc(), zp(i8), qrand(i8, (3, 2)), sc(0.01, 0.3), zp(i8)]
    case("cat_i8_axis_neg", "QLinearConcat", feeds, {"axis": -1}, i8)
    with open(os.path.join(OUT, "cases.txt"), "w") as f:
        f.write("\n".join(cases) + "\n")
    total = sum(os.path.getsize(os.path.join(dp, fn)) for dp, _, fns in os.walk(OUT) for fn in fns)
    print("%d cases, %d bytes under %s (onnxruntime %s, onnx %s)" % (len(cases), total, OUT, ort.__version__,
                                                                      onnx.__version__))


if __name__ == "__main__":
    main()
