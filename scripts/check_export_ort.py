#!/usr/bin/env python3
"""Check octet's ONNX export against ONNX Runtime.

For each model: `octet export` writes the optimised graph (fused activations and
residual sums written back as explicit nodes), `onnx.checker` (full check, with
shape inference) validates the file, ONNX Runtime runs it on the first N
Fashion-MNIST test images, and its outputs are compared with octet's own outputs
(`octet run` on the original model, saved as .npy). ORT on the original model is
reported too, as the yardstick for what "close" means.

Run with the interpreter that has onnxruntime and numpy (pyenv `python3`); the
checker runs under --onnx-python (Debian's /usr/bin/python3 has `onnx`).
Not part of CTest: CI may not have ONNX Runtime.

    python3 scripts/check_export_ort.py --octet build/octet [--n 64] [--tol 1e-4] [MODEL.onnx ...]
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnxruntime as ort

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = [
    "models/fmnist_mlp/model.onnx",
    "models/fmnist_cnn/model.onnx",
    "models/fmnist_resnet/model.onnx",
    "tests/models/fmnist_transformer/model.onnx",
]
CHECK = (
    "import sys, onnx\n"
    "m = onnx.load(sys.argv[1])\n"
    "onnx.checker.check_model(m, full_check=True)\n"
    "print('nodes', len(m.graph.node), 'opset', [(o.domain or 'ai.onnx', o.version) for o in m.opset_import])\n"
)


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (" ".join(cmd), p.returncode, (p.stderr or p.stdout).strip()))
    return p.stdout.strip()


def ort_run(path, x):
    so = ort.SessionOptions()
    so.intra_op_num_threads = 2
    s = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    return s.run(None, {s.get_inputs()[0].name: x})


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("models", nargs="*", help="ONNX models (default: the bundled ones)")
    ap.add_argument("--octet", default=os.path.join(ROOT, "build", "octet"), help="the octet executable")
    ap.add_argument("--onnx-python", default="/usr/bin/python3", help="a Python with the onnx package")
    ap.add_argument("--data", default=os.path.join(ROOT, "tests", "data", "fmnist_test1000_x.npy"))
    ap.add_argument("--n", type=int, default=64, help="images to run")
    ap.add_argument("--tol", type=float, default=1e-4, help="max abs difference allowed vs octet")
    ap.add_argument("--keep", help="directory to keep the exported models and outputs in")
    a = ap.parse_args()
    models = a.models or [os.path.join(ROOT, m) for m in MODELS]
    x = np.ascontiguousarray(np.load(a.data)[: a.n].astype(np.float32))
    work = a.keep or tempfile.mkdtemp(prefix="octet-export-")
    os.makedirs(work, exist_ok=True)
    xpath = os.path.join(work, "x.npy")
    np.save(xpath, x)
    failed = 0
    print("%-22s %-8s %-26s %-16s %s" % ("model", "checker", "max|ORT(exported)-octet|", "max|ORT(orig)-octet|",
                                          "max|ORT(exported)-ORT(orig)|"))
    for m in models:
        name = os.path.basename(os.path.dirname(m)) or os.path.basename(m)
        exported = os.path.join(work, name + ".octet.onnx")
        try:
            run([a.octet, "export", "--model", m, "--out", exported])
            checker = "ok"
            try:
                run([a.onnx_python, "-c", CHECK, exported])
            except RuntimeError as e:
                checker = "FAILED"
                print("  %s: onnx.checker: %s" % (name, str(e).splitlines()[-1]), file=sys.stderr)
            got = ort_run(exported, x)
            orig = ort_run(m, x)
            outs = [os.path.join(work, "%s.out%d.npy" % (name, i)) for i in range(len(got))]
            cmd = [a.octet, "run", "--model", m, "--input", xpath]
            for o in outs:
                cmd += ["--output", o]
            run(cmd)
            ours = [np.load(o) for o in outs]
        except RuntimeError as e:
            print("%-22s ERROR %s" % (name, e))
            failed += 1
            continue
        d_oct = max(float(np.max(np.abs(g.astype(np.float64) - o))) for g, o in zip(got, ours))
        d_orig = max(float(np.max(np.abs(r.astype(np.float64) - o))) for r, o in zip(orig, ours))
        d_ort = max(float(np.max(np.abs(g.astype(np.float64) - r))) for g, r in zip(got, orig))
        shapes_ok = all(g.shape == o.shape and g.dtype == o.dtype for g, o in zip(got, ours))
        ok = checker == "ok" and shapes_ok and d_oct <= a.tol
        failed += not ok
        print("%-22s %-8s %-26.3g %-16.3g %.3g%s" % (name, checker, d_oct, d_orig, d_ort,
                                                    "" if ok else "  <-- FAILED"))
    print("%d passed, %d failed" % (len(models) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
