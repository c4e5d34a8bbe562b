#!/usr/bin/env python3
"""INT8 on the hard model family and on the bundled models, side by side with ONNX Runtime.

For each model (the bundled fmnist_* and the hard family from scripts/make_hard_models.py),
top-1 on the 10k Fashion-MNIST test set of:
  fp32            octet, the model as it is
  octet int8      the model's config.json (equalization and bias correction on: the default)
  no equalization the same config with "equalization": false (bias correction still on)
  plain int8      the same config with equalization and bias correction off
  plain static    per-channel static int8, minmax on 512 training images, no equalization or
                  bias correction (the mlp's own config is dynamic per-tensor)
  ORT static      onnxruntime.quantization.quantize_static: QDQ, per-channel int8 weights,
                  uint8 activations, MinMax on the same 512 images, run by onnxruntime
and writes the table between the hard_models markers of docs/BENCHMARKS.md (--doc).

Needs numpy, onnx and onnxruntime in this python (a venv: python3 -m venv V &&
V/bin/pip install numpy onnx onnxruntime sympy) and a built octet.
usage: V/bin/python bench/hard_models.py [--octet build/octet] [--doc docs/BENCHMARKS.md]
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import fmnist_data  # noqa: E402
from ort_qdq_interop import octet_predict, ort_predict, ort_quantize  # noqa: E402

TRAIN = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"
TRAIN_LABELS = "/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz"


def octet_train_acc(octet, src, cfg, extra):
    """Top-1 (%) on the 60k training images (a second, larger sample for the equalization column)."""
    r = subprocess.run([octet, "eval", "--model", src, "--config", cfg, "--idx-images", TRAIN, "--idx-labels",
                        TRAIN_LABELS, "--json"] + list(extra), check=True, capture_output=True, text=True)
    return 100.0 * json.loads(r.stdout.strip().splitlines()[-1])["accuracy"]


def machine():
    cpu = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return "%s, %d cores, %s" % (cpu, os.cpu_count(), platform.platform())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--octet", default=os.path.join(ROOT, "build", "octet"))
    ap.add_argument("--doc", help="write the table into this markdown file (between hard_models markers)")
    ap.add_argument("--json", help="write the results here")
    a = ap.parse_args()
    xtr, _ = fmnist_data.load_split("train")
    calib = fmnist_data.normalise(xtr[:512])
    xte, yte = fmnist_data.load_split("test")
    x = fmnist_data.normalise(xte)
    y = yte.astype(np.int64)
    rows = []
    t0 = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        hard = os.path.join(tmp, "hard")
        out = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "make_hard_models.py"), "--out", hard,
                              "--models", os.path.join(ROOT, "models")], check=True, capture_output=True, text=True)
        print(out.stdout, end="", flush=True)
        models = [(m, os.path.join(ROOT, "models", m)) for m in ("fmnist_mlp", "fmnist_cnn", "fmnist_resnet")]
        models += [(m, os.path.join(hard, m)) for m in sorted(os.listdir(hard))]
        for name, d in models:
            src, cfg = os.path.join(d, "model.onnx"), os.path.join(d, "config.json")

            preds = {}

            def octet(*extra):
                p, _ = octet_predict(a.octet, src, cfg, tmp, extra)
                preds[extra] = p
                return 100.0 * float((p == y).mean())

            r = {"model": name,
                 "fp32": octet("--precision", "fp32"),
                 "octet": octet("--precision", "int8"),
                 "no_eq": octet("--precision", "int8", "--equalization", "off"),
                 "plain": octet("--precision", "int8", "--equalization", "off", "--bias-correction", "off"),
                 "plain_static": octet("--precision", "int8", "--equalization", "off", "--bias-correction", "off",
                                       "--activations", "static", "--weights", "per_channel", "--calib-method",
                                       "minmax", "--calib-samples", "512", "--calib-data", TRAIN)}
            p_eq, p_no = preds[("--precision", "int8")], preds[("--precision", "int8", "--equalization", "off")]
            r["eq_only_right"] = int(((p_eq == y) & (p_no != y)).sum())
            r["noeq_only_right"] = int(((p_eq != y) & (p_no == y)).sum())
            if name.startswith("fmnist_") and json.load(open(cfg))["quantization"]["activations"]["mode"] == "dynamic":
                # dynamic activations take their scale from the batch: the same model scores differently
                # with the evaluation batch size, which bounds what the equalization column can resolve
                r["by_batch"] = {b: (octet("--precision", "int8", "--batch", str(b)),
                                     octet("--precision", "int8", "--equalization", "off", "--batch", str(b)))
                                 for b in (1, 16, 64, 256)}
            if name.startswith("fmnist_"):
                r["train_eq"] = octet_train_acc(a.octet, src, cfg, ("--precision", "int8"))
                r["train_noeq"] = octet_train_acc(a.octet, src, cfg, ("--precision", "int8", "--equalization", "off"))
            ortq = os.path.join(tmp, name + ".ort.onnx")
            ort_quantize(src, ortq, calib, tmp)
            r["ort"] = 100.0 * float((ort_predict(ortq, x) == y).mean())
            print("%-16s fp32 %.2f  octet %.2f  no-eq %.2f  plain %.2f  plain-static %.2f  ORT %.2f" %
                  (name, r["fp32"], r["octet"], r["no_eq"], r["plain"], r["plain_static"], r["ort"]), flush=True)
            rows.append(r)
    import onnxruntime
    lines = ["Measured by `bench/hard_models.py` (%s; onnxruntime %s; %.0f s) on %s. Top-1 (%%) on the 10k "
             "Fashion-MNIST test set; every column of a row in the same run. `octet int8` is the model's "
             "config.json as it is (equalization and bias correction on by default); `no equalization` sets "
             "`\"equalization\": false`; `plain` turns bias correction off too; `plain static` is per-channel "
             "static int8 with minmax calibration on 512 training images and neither pass (the mlp's config is "
             "dynamic per-tensor); `ORT static` is onnxruntime's `quantize_static` (QDQ, per-channel int8 "
             "weights, uint8 activations, MinMax, the same 512 images) run by onnxruntime." %
             (time.strftime("%Y-%m-%d"), onnxruntime.__version__, time.time() - t0, machine()), "",
             "| model | fp32 | octet int8 | no equalization | plain | plain static | ORT static | octet - fp32 "
             "| equalization - none | images only right with / without it |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append("| %s | %.2f | **%.2f** | %.2f | %.2f | %.2f | %.2f | %+.2f | %+.2f | %d / %d |" %
                     (r["model"], r["fp32"], r["octet"], r["no_eq"], r["plain"], r["plain_static"], r["ort"],
                      r["octet"] - r["fp32"], r["octet"] - r["no_eq"], r["eq_only_right"], r["noeq_only_right"]))
    lines += ["", "The same equalization column on the 60k training images (the bundled models were trained "
              "on them and calibrate on their first 512; a six times larger sample of the same difference):", "",
              "| model | octet int8 | no equalization | equalization - none |", "|---|---:|---:|---:|"]
    for r in rows:
        if "train_eq" in r:
            lines.append("| %s | %.3f | %.3f | %+.3f |" % (r["model"], r["train_eq"], r["train_noeq"],
                                                          r["train_eq"] - r["train_noeq"]))
    for r in rows:
        if "by_batch" in r:
            lines += ["", "%s quantizes its activations dynamically (the scale comes from each batch), so its top-1 "
                      "moves with the evaluation batch size (10k test set):" % r["model"], "",
                      "| batch | octet int8 | no equalization | equalization - none |", "|---:|---:|---:|---:|"]
            for b, (e, n) in sorted(r["by_batch"].items()):
                lines.append("| %d | %.2f | %.2f | %+.2f |" % (b, e, n, e - n))
    table = "\n".join(lines) + "\n"
    print(table)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(rows, f, indent=1)
    if a.doc:
        with tempfile.NamedTemporaryFile("w", suffix=".md", delete=False) as f:
            f.write(table)
        subprocess.run([sys.executable, os.path.join(HERE, "doc_section.py"), a.doc, f.name, "hard_models",
                        "INT8 on hostile weight distributions (the hard model family)"], check=True)
        os.unlink(f.name)


if __name__ == "__main__":
    main()
