#!/usr/bin/python3
"""PyTorch's own post-training quantization of octet's Fashion-MNIST models (the peer octet's
int8 path is compared against).

Usage: /usr/bin/python3 bench/torch_ptq.py [--threads 2] [--batch 64] [--json out.json]

For each model (models/fmnist_{mlp,cnn,resnet}, tests/models/fmnist_transformer):
  fp32     the torch twin of model.onnx (bench/fp32_vs_torch.py: model class of
           scripts/train_fmnist.py + the ONNX initializers), checked against the reference
           logits and against tests/data/torch_accuracy.json (same 10k accuracy, exactly).
  static   torch.ao.quantization FX graph mode: prepare_fx / convert_fx with the backend's
           default QConfigMapping (HistogramObserver activations, per-channel symmetric qint8
           weights, Conv+BN(+ReLU) fused), calibrated on the first --calib (512) Fashion-MNIST
           *training* images. The engine is fbgemm when this torch build has it; Debian's
           torch 1.13 has only onednn and qnnpack, so it runs on onednn (x86, VNNI) and
           additionally reports the accuracy of fbgemm's own qconfig (reduce_range=True,
           i.e. 7-bit activations) on that engine.
  dynamic  torch.ao.quantization.quantize_dynamic({nn.Linear}, qint8) for the MLP and the
           transformer (activation scales computed per batch, so the batch size matters).
For the transformer the full static graph is tried (LayerNorm, Softmax, GELU, MatMul, mean
quantized where torch can) and, as the variant that keeps those in fp32, static int8
Linear layers only.

Accuracy: top-1 on the 10,000 test images, in batches of --batch. Throughput: images/s at
batch --batch with torch.set_num_threads(--threads) over the first --batches batches of the
test set; one warm-up pass excluded, then --passes timed passes interleaving fp32 / int8
(the machine may be shared: interleaving makes them see the same load); median reported.
"""
import argparse
import copy
import json
import os
import platform
import statistics
import sys
import time
import traceback
import warnings

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
# fp32_vs_torch sets OPENBLAS_CORETYPE / OMP_WAIT_POLICY before importing torch (fp32 Linear
# goes through the system BLAS) and provides the verified torch twins of the ONNX models.
import fp32_vs_torch  # noqa: E402
import fmnist_data  # noqa: E402
import train_fmnist  # noqa: E402

import numpy as np  # noqa: E402
import onnx  # noqa: E402
from onnx import numpy_helper  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
from torch.ao.quantization import (QConfigMapping, get_default_qconfig,  # noqa: E402
                                   get_default_qconfig_mapping, quantize_dynamic)
from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx  # noqa: E402

MODELS = {
    "fmnist_mlp": "models/fmnist_mlp",
    "fmnist_cnn": "models/fmnist_cnn",
    "fmnist_resnet": "models/fmnist_resnet",
    "fmnist_transformer": "tests/models/fmnist_transformer",
}
DYNAMIC = ("fmnist_mlp", "fmnist_transformer")


def log(msg):
    print(msg, flush=True)


def pick_engine(requested):
    engines = torch.backends.quantized.supported_engines
    if requested != "auto":
        if requested not in engines:
            raise SystemExit(f"quantized engine {requested!r} not in this torch build {engines}")
        return requested
    for e in ("fbgemm", "x86", "onednn", "qnnpack"):
        if e in engines:
            return e
    raise SystemExit(f"no quantized engine in this torch build ({engines})")


def onnx_weights(path):
    """ONNX initializers as torch tensors keyed by torch's state_dict names. The exporter
    keeps those names except for Linear layers exported as MatMul (the transformer's 3-D
    ones): their weight is an anonymous, transposed initializer 'onnx::MatMul_N', named here
    after the MatMul node's scope ('/layers/layers.0/attn/q/MatMul' -> layers.0.attn.q)."""
    g = onnx.load(path).graph
    init = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in g.initializer}
    for node in g.node:
        if node.op_type != "MatMul" or node.input[1] not in init or \
                not node.input[1].startswith("onnx::"):
            continue
        parts = []
        for seg in node.name.strip("/").split("/")[:-1]:
            if parts and seg.startswith(parts[-1] + "."):
                parts[-1] = seg            # Sequential child scopes repeat the parent
            else:
                parts.append(seg)
        init[".".join(parts) + ".weight"] = init[node.input[1]].t().contiguous()
    return init


def torch_twin(name, path):
    """fp32_vs_torch.torch_model, also for the transformer (whose MatMul weights it cannot
    name): the model class of train_fmnist.py with model.onnx's weights, checked against
    tests/data/<name>_ref_logits.npy."""
    if name != "fmnist_transformer":
        return fp32_vs_torch.torch_model(name, path)
    m = fp32_vs_torch.CLASSES[name]().eval()
    init, sd = onnx_weights(path), m.state_dict()
    bad = [k for k, v in sd.items() if k not in init or init[k].shape != v.shape]
    if bad:
        raise SystemExit(f"{name}: weights missing or mis-shaped in {path}: {bad[:5]}")
    m.load_state_dict({k: init[k] for k in sd})
    x = np.load(os.path.join(ROOT, "tests", "data", "fmnist_test1000_x.npy"))[:256]
    ref = np.load(os.path.join(ROOT, "tests", "data", f"{name}_ref_logits.npy"))[:256]
    with torch.no_grad():
        d = float(np.abs(m(torch.from_numpy(x)).numpy() - ref).max())
    if d > 1e-4:
        raise SystemExit(f"{name}: torch twin differs from the reference logits by {d}")
    return m


def plain_linear(model):
    """train_fmnist.Dense is an nn.Linear subclass (it trains as a 1x1 conv); in eval mode it
    is F.linear. torch's quantization matches module types exactly, so make them nn.Linear."""
    for m in model.modules():
        if isinstance(m, train_fmnist.Dense):
            m.__class__ = nn.Linear
    return model


@torch.no_grad()
def predict(model, x, batch):
    return torch.cat([model(x[i:i + batch]).argmax(1) for i in range(0, len(x), batch)]).numpy()


@torch.no_grad()
def static_fx(model, mapping, calib, batch):
    """FX graph mode post-training static quantization, calibrated on `calib`."""
    prepared = prepare_fx(copy.deepcopy(model).eval(), mapping, example_inputs=(calib[:2],))
    for i in range(0, len(calib), batch):
        prepared(calib[i:i + batch])
    q = convert_fx(prepared)
    q(calib[:2])  # unsupported quantized kernels only show up when run
    return q


def quantized_ops(qmodel):
    """What a converted FX graph computes in int8 and what it dequantizes to run in fp32."""
    def short(t):
        t = str(t)
        for pre in ("<built-in method ", "<built-in function "):
            if t.startswith(pre):
                t = t[len(pre):].split(" ")[0].rstrip(">")
        return t
    qmods = sorted({type(m).__name__ for m in qmodel.modules()
                    if ".quantized" in type(m).__module__ and "PackedParams" not in type(m).__name__})
    qfuncs = sorted({short(n.target) for n in qmodel.graph.nodes
                     if n.op == "call_function" and "quantized" in str(n.target)})
    fp32 = sorted({short(u.target) if u.op != "call_module"
                   else type(qmodel.get_submodule(u.target)).__name__
                   for n in qmodel.graph.nodes if n.op == "call_method" and n.target == "dequantize"
                   for u in n.users if u.op != "output"})
    return (f"int8 modules {qmods}" + (f", int8 functions {qfuncs}" if qfuncs else "")
            + (f"; dequantized to fp32 for {fp32}" if fp32 else ""))


@torch.no_grad()
def throughput(models, x, batch, nbatches, passes):
    """{key: median images/s}; one warm-up pass each, then interleaved timed passes."""
    xs = [x[i * batch:(i + 1) * batch] for i in range(nbatches)]
    times = {k: [] for k in models}
    for k, m in models.items():
        for xb in xs:
            m(xb)
    for _ in range(passes):
        for k, m in models.items():
            t0 = time.perf_counter()
            for xb in xs:
                m(xb)
            times[k].append(time.perf_counter() - t0)
    return {k: batch * nbatches / statistics.median(t) for k, t in times.items()}


def pct(v):
    return "-" if v is None else f"{100 * v:.2f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--batches", type=int, default=20, help="batches per timed pass")
    ap.add_argument("--passes", type=int, default=5, help="timed passes (median reported)")
    ap.add_argument("--calib", type=int, default=512, help="training images for calibration")
    ap.add_argument("--engine", default="auto", help="quantized engine (auto: fbgemm, x86, "
                    "onednn, qnnpack - the first this torch build has)")
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--data", default=fmnist_data.DEFAULT_DIR)
    ap.add_argument("--json", help="write the results here")
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    engine = pick_engine(a.engine)
    torch.backends.quantized.engine = engine
    warnings.filterwarnings("ignore", module="torch.ao.quantization")
    warnings.filterwarnings("ignore", category=UserWarning)

    cpu = fp32_vs_torch.cpu_name()
    log(f"torch {torch.__version__}; CPU {cpu} ({os.cpu_count()} logical CPUs); "
        f"threads {a.threads}; quantized engines {torch.backends.quantized.supported_engines},"
        f" using {engine}; OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE')}")

    xtr_u8, _ = fmnist_data.load_split("train", a.data)
    xte_u8, yte = fmnist_data.load_split("test", a.data)
    calib = torch.from_numpy(fmnist_data.normalise(xtr_u8[:a.calib]))
    xte = torch.from_numpy(fmnist_data.normalise(xte_u8))
    with open(os.path.join(ROOT, "tests", "data", "torch_accuracy.json")) as f:
        ref_acc = json.load(f)

    results = {}
    for name in a.models.split(","):
        if name not in MODELS:
            raise SystemExit(f"unknown model {name!r} (known: {', '.join(MODELS)})")
        log(f"== {name}")
        path = os.path.join(ROOT, MODELS[name], "model.onnx")
        fp32 = plain_linear(torch_twin(name, path))
        r = {"notes": []}
        pred_fp = predict(fp32, xte, a.batch)
        correct = int((pred_fp == yte).sum())
        r["fp32_acc"] = correct / len(yte)
        ref = ref_acc[name]["correct"]
        r["fp32_matches_torch_accuracy_json"] = correct == ref
        log(f"  fp32: {correct}/{len(yte)} (torch_accuracy.json: {ref})"
            + ("" if correct == ref else "  ** MISMATCH **"))

        def evaluate(key, model):
            pred = predict(model, xte, a.batch)
            r[key] = float((pred == yte).mean())
            r[key.replace("_acc", "_agree_fp32")] = float((pred == pred_fp).mean())
            log(f"  {key}: {pct(r[key])}%  (top-1 agrees with fp32 on "
                f"{pct(r[key.replace('_acc', '_agree_fp32')])}%)")

        timed = {"fp32": fp32}
        mapping = get_default_qconfig_mapping(engine)
        static = None
        try:
            static = static_fx(fp32, mapping, calib, a.batch)
            evaluate("ptq_static_acc", static)
            r["notes"].append(f"static: FX prepare_fx/convert_fx, default {engine} "
                              f"QConfigMapping, {len(calib)} calib images; "
                              + quantized_ops(static))
            timed["int8_static"] = static
        except Exception as e:  # report what torch cannot do, keep going
            r["ptq_static_acc"] = None
            msg = str(e).strip().splitlines()[0][:300]
            r["notes"].append(f"static (full FX graph, {engine}) FAILED: {type(e).__name__}: {msg}")
            log(f"  static FX failed: {type(e).__name__}: {msg}")
            if os.environ.get("TORCH_PTQ_TRACEBACK"):
                traceback.print_exc()

        if engine != "fbgemm":
            # fbgemm's qconfig (7-bit activations, reduce_range=True) run on this engine:
            # the accuracy torch would get with its x86 default on an fbgemm build.
            try:
                fb = static_fx(fp32, get_default_qconfig_mapping("fbgemm"), calib, a.batch)
                evaluate("ptq_static_fbgemm_qconfig_acc", fb)
            except Exception as e:
                r["ptq_static_fbgemm_qconfig_acc"] = None
                r["notes"].append(f"static with fbgemm qconfig FAILED: {type(e).__name__}")

        if name == "fmnist_transformer":
            lin = QConfigMapping().set_object_type(nn.Linear, get_default_qconfig(engine))
            try:
                sl = static_fx(fp32, lin, calib, a.batch)
                evaluate("ptq_static_linear_only_acc", sl)
                r["notes"].append("static linear-only: FX with a qconfig for nn.Linear only "
                                  "(LayerNorm/Softmax/GELU/attention MatMul/mean stay fp32, "
                                  "quantize/dequantize around every Linear)")
                timed["int8_static_linear_only"] = sl
            except Exception as e:
                r["ptq_static_linear_only_acc"] = None
                r["notes"].append(f"static linear-only FAILED: {type(e).__name__}: {e}")

        if name in DYNAMIC:
            dyn = quantize_dynamic(copy.deepcopy(fp32), {nn.Linear}, dtype=torch.qint8)
            evaluate("ptq_dynamic_acc", dyn)
            r["notes"].append(f"dynamic: quantize_dynamic({{nn.Linear}}, qint8), per-tensor "
                              f"weights, activation range per batch of {a.batch}")
            timed["int8_dynamic"] = dyn
        else:
            r["ptq_dynamic_acc"] = None

        ips = throughput(timed, xte, a.batch, a.batches, a.passes)
        r["fp32_ips"] = ips["fp32"]
        r["int8_ips"] = ips.get("int8_static")
        r["int8_dynamic_ips"] = ips.get("int8_dynamic")
        if "int8_static_linear_only" in ips:
            r["int8_static_linear_only_ips"] = ips["int8_static_linear_only"]
        log("  img/s: " + ", ".join(f"{k} {v:.0f}" for k, v in ips.items()))
        results[name] = r

    # ------------------------------------------------------------------ table
    hdr = (f"{'model':20s} {'fp32 %':>7s} {'static %':>8s} {'fbgemm-qc %':>11s} "
           f"{'dynamic %':>9s} {'fp32 img/s':>10s} {'int8 img/s':>10s} {'dyn img/s':>9s}")
    log("")
    log(f"torch {torch.__version__}, CPU: {cpu}, threads {a.threads}, batch {a.batch}, "
        f"engine {engine}, calib {a.calib} train images, 10k test images")
    log(hdr)
    log("-" * len(hdr))

    def num(v):
        return "-" if v is None else f"{v:.0f}"
    for name, r in results.items():
        static = r.get("ptq_static_acc")
        ips8 = r.get("int8_ips")
        mark = ""
        if static is None and r.get("ptq_static_linear_only_acc") is not None:
            static, ips8, mark = r["ptq_static_linear_only_acc"], \
                r.get("int8_static_linear_only_ips"), "L"
        log(f"{name:20s} {pct(r['fp32_acc']):>7s} {pct(static) + mark:>8s} "
            f"{pct(r.get('ptq_static_fbgemm_qconfig_acc')):>11s} {pct(r['ptq_dynamic_acc']):>9s} "
            f"{num(r['fp32_ips']):>10s} {num(ips8):>10s} {num(r.get('int8_dynamic_ips')):>9s}")
    if any(r.get("ptq_static_acc") is None and r.get("ptq_static_linear_only_acc") is not None
           for r in results.values()):
        log("L = full static graph failed; static int8 Linear layers only (rest fp32)")
    for name, r in results.items():
        if name == "fmnist_transformer" and r.get("ptq_static_acc") is not None \
                and r.get("ptq_static_linear_only_acc") is not None:
            log(f"{name}: static Linear-only {pct(r['ptq_static_linear_only_acc'])}% "
                f"({num(r.get('int8_static_linear_only_ips'))} img/s)")
    for name, r in results.items():
        for n in r["notes"]:
            log(f"  {name}: {n}")

    if a.json:
        meta = {"torch": torch.__version__, "cpu": cpu, "threads": a.threads,
                "batch": a.batch, "engine": engine, "calib_images": a.calib,
                "timed_batches": a.batches, "passes": a.passes,
                "python": platform.python_version(),
                "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE")}
        with open(a.json, "w") as f:
            json.dump({"meta": meta, "models": results}, f, indent=1)
            f.write("\n")
        log(f"wrote {a.json}")
    bad = [n for n, r in results.items() if not r["fp32_matches_torch_accuracy_json"]]
    if bad:
        log(f"fp32 accuracy differs from tests/data/torch_accuracy.json for {bad}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
