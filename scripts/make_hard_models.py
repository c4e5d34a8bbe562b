#!/usr/bin/env python3
"""The hard model family: trained models made hostile to INT8, function-preserving in FP32.

For every pair  layer1 (Conv / Gemm) -> [BatchNormalization] -> Relu -> [MaxPool] -> [Flatten]
-> layer2 (Conv with group 1 / Gemm)  whose intermediate values have no other consumer,
output channel c of layer1 is multiplied by s_c (through the BatchNormalization's scale and
bias when there is one, else layer1's weight rows and bias) and the matching input channel
of layer2 by 1 / s_c, with log10(s_c) uniform in [-spread, spread]. ReLU, MaxPool and Flatten
commute with a positive per-channel scale, so the FP32 function is unchanged (up to float
rounding); per-tensor activation ranges and per-channel weight rounding are not.

    python3 scripts/make_hard_models.py --out DIR [--models models] [--spread 1.5 2.0] [--seed 7]

writes DIR/hard_<model>_s<10*spread>/{model.onnx,config.json} (config: the source model's,
renamed) and prints, per model, the pairs scaled and the s range. The FP32 check (outputs
unchanged) is tests/test_hard_models.c, run by octet itself; with onnxruntime importable,
--check also compares the two models there.
"""
import argparse
import json
import os
import sys

import numpy as np
import onnx
from onnx import numpy_helper

SOURCES = ["fmnist_mlp", "fmnist_cnn", "fmnist_resnet"]


def consumers(graph, name):
    return [n for n in graph.node if name in n.input]


def is_output(graph, name):
    return any(o.name == name for o in graph.output)


def attr(node, key, default):
    for a in node.attribute:
        if a.name == key:
            return onnx.helper.get_attribute_value(a)
    return default


class Inits:
    """Initializers as numpy arrays, written back at the end."""

    def __init__(self, graph):
        self.graph = graph
        self.arr = {t.name: numpy_helper.to_array(t).copy() for t in graph.initializer}

    def has(self, name):
        return name in self.arr

    def save(self):
        for t in self.graph.initializer:
            t.CopyFrom(numpy_helper.from_array(self.arr[t.name], t.name))


def follow(graph, out):
    """From layer1's output through BN / Relu / MaxPool / Flatten to layer2.

    Returns (bn_node or None, flatten_node or None, layer2) or None."""
    bn = flat = None
    seen_relu = False
    v = out
    while True:
        if is_output(graph, v):
            return None
        cs = consumers(graph, v)
        if len(cs) != 1:
            return None
        n = cs[0]
        if n.op_type == "BatchNormalization" and not seen_relu and bn is None:
            bn = n
        elif n.op_type == "Relu":
            seen_relu = True
        elif n.op_type == "MaxPool" and seen_relu:
            pass
        elif n.op_type == "Flatten" and seen_relu and attr(n, "axis", 1) == 1:
            flat = n
        elif n.op_type in ("Conv", "Gemm") and seen_relu and n.input[0] == v:
            return bn, flat, n
        else:
            return None
        v = n.output[0]


def out_channels(node, inits):
    w = inits.arr[node.input[1]]
    if node.op_type == "Conv":
        return w.shape[0]
    return w.shape[0] if attr(node, "transB", 0) else w.shape[1]


def scale_layer1(node, bn, s, inits):
    if bn is not None:  # BN output channel c *= s_c: gamma and beta
        inits.arr[bn.input[1]] *= s.astype(np.float32)
        inits.arr[bn.input[2]] *= s.astype(np.float32)
        return
    w = inits.arr[node.input[1]]
    if node.op_type == "Conv" or attr(node, "transB", 0):
        w *= s.reshape((-1,) + (1,) * (w.ndim - 1)).astype(np.float32)
    else:
        w *= s.reshape(1, -1).astype(np.float32)
    if len(node.input) > 2 and node.input[2]:
        inits.arr[node.input[2]] *= s.astype(np.float32)


def scale_layer2(node, s, per_feature, inits):
    """Input channel c of layer2 /= s_c; per_feature: features per channel (Flatten)."""
    w = inits.arr[node.input[1]]
    inv = (1.0 / s).astype(np.float32)
    if node.op_type == "Conv":
        w *= inv.reshape(1, -1, *([1] * (w.ndim - 2)))
        return
    f = np.repeat(inv, per_feature)
    if attr(node, "transB", 0):
        w *= f.reshape(1, -1)
    else:
        w *= f.reshape(-1, 1)


def make(src_dir, dst_dir, spread, rng):
    model = onnx.load(os.path.join(src_dir, "model.onnx"))
    g = model.graph
    inits = Inits(g)
    shapes = {}
    inferred = onnx.shape_inference.infer_shapes(model)
    for vi in list(inferred.graph.value_info) + list(inferred.graph.input) + list(inferred.graph.output):
        shapes[vi.name] = [d.dim_value for d in vi.type.tensor_type.shape.dim]
    pairs = []
    for n in g.node:
        if n.op_type not in ("Conv", "Gemm") or not inits.has(n.input[1]):
            continue
        if n.op_type == "Conv" and attr(n, "group", 1) != 1:
            continue
        r = follow(g, n.output[0])
        if r is None:
            continue
        bn, flat, l2 = r
        if not inits.has(l2.input[1]) or (l2.op_type == "Conv" and attr(l2, "group", 1) != 1):
            continue
        c = out_channels(n, inits)
        per_feature = 1
        if flat is not None:
            dims = shapes.get(flat.input[0])
            if not dims or len(dims) < 2 or dims[1] != c:
                continue
            per_feature = int(np.prod(dims[2:])) if len(dims) > 2 else 1
        s = 10.0 ** rng.uniform(-spread, spread, size=c)
        scale_layer1(n, bn, s, inits)
        scale_layer2(l2, s, per_feature, inits)
        pairs.append((n.name, l2.name, float(s.min()), float(s.max())))
    inits.save()
    os.makedirs(dst_dir, exist_ok=True)
    onnx.save(model, os.path.join(dst_dir, "model.onnx"))
    return pairs


def check_ort(a, b):
    import onnxruntime as ort
    x = np.random.default_rng(0).standard_normal((256, 1, 28, 28)).astype(np.float32)
    ya = ort.InferenceSession(a, providers=["CPUExecutionProvider"]).run(None, {"input": x})[0]
    yb = ort.InferenceSession(b, providers=["CPUExecutionProvider"]).run(None, {"input": x})[0]
    return float(np.abs(ya - yb).max() / (np.abs(ya).max() + 1e-12))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", default=os.path.join(os.path.dirname(__file__), "..", "models"))
    ap.add_argument("--out", required=True)
    ap.add_argument("--spread", type=float, nargs="+", default=[1.5, 2.0],
                    help="orders of magnitude: log10(s) uniform in [-spread, spread]")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--only", nargs="*", default=SOURCES)
    ap.add_argument("--check", action="store_true", help="compare FP32 outputs with onnxruntime")
    a = ap.parse_args()
    for src in a.only:
        src_dir = os.path.join(a.models, src)
        with open(os.path.join(src_dir, "config.json")) as f:
            cfg = json.load(f)
        for spread in a.spread:
            name = "hard_%s_s%d" % (src.replace("fmnist_", ""), round(10 * spread))
            rng = np.random.default_rng(a.seed + round(10 * spread))
            dst = os.path.join(a.out, name)
            pairs = make(src_dir, dst, spread, rng)
            if not pairs:
                sys.exit("%s: no layer pair to scale" % src)
            c = dict(cfg)
            c["name"] = name
            with open(os.path.join(dst, "config.json"), "w") as f:
                json.dump(c, f, indent=2)
            msg = "%s: %d pairs scaled (%s), s in [%.3g, %.3g]" % (
                name, len(pairs), ", ".join("%s->%s" % (p[0], p[1]) for p in pairs),
                min(p[2] for p in pairs), max(p[3] for p in pairs))
            if a.check:
                msg += "; fp32 max |diff| / max |y| = %.2e" % check_ort(os.path.join(src_dir, "model.onnx"),
                                                                        os.path.join(dst, "model.onnx"))
            print(msg)


if __name__ == "__main__":
    main()
