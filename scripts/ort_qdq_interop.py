#!/usr/bin/env python3
"""QDQ interoperability between octet and ONNX Runtime on Fashion-MNIST (10k test set).

For each model:
  1. ONNX Runtime's quantize_static makes a QDQ model (per-channel int8 weights, uint8
     activations, MinMax calibration on the first N training images); ORT and octet run it;
     top-1 agreement and both accuracies are printed.
  2. `octet quantize` makes a QDQ model from the model's config (calibration as configured);
     octet and ORT run it; same figures.

Needs numpy, onnx and onnxruntime (pip) in this python, and a built octet.
usage: python3 scripts/ort_qdq_interop.py [--octet build/octet] [--models fmnist_cnn ...]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fmnist_data  # noqa: E402

TEST = ["--idx-images", "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz",
        "--idx-labels", "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz"]


def ort_predict(path, x, threads=2):
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    s = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    name = s.get_inputs()[0].name
    return np.concatenate([s.run(None, {name: x[i:i + 256]})[0].argmax(1) for i in range(0, len(x), 256)])


def octet_predict(octet, path, cfg, tmp, extra=()):
    pred = os.path.join(tmp, "pred.npy")
    cmd = [octet, "eval", "--model", path, "--save-pred", pred, "--json"] + TEST + list(extra)
    if cfg:
        cmd += ["--config", cfg]
    r = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return np.load(pred).astype(np.int64), json.loads(r.stdout.strip().splitlines()[-1])


def ort_quantize(src, dst, calib, tmp):
    from onnxruntime.quantization import (CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType,
                                          quantize_static)
    from onnxruntime.quantization.shape_inference import quant_pre_process

    class Reader(CalibrationDataReader):
        def __init__(self, name):
            self.it = iter([{name: calib[i:i + 64]} for i in range(0, len(calib), 64)])

        def get_next(self):
            return next(self.it, None)

    pre = os.path.join(tmp, "pre.onnx")
    quant_pre_process(src, pre)
    import onnx
    name = onnx.load(pre).graph.input[0].name
    quantize_static(pre, dst, Reader(name), quant_format=QuantFormat.QDQ, per_channel=True,
                    activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                    calibrate_method=CalibrationMethod.MinMax)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--octet", default="build/octet")
    ap.add_argument("--models", nargs="+", default=["fmnist_cnn", "fmnist_resnet", "fmnist_mlp"])
    ap.add_argument("--model-dir", default="models")
    ap.add_argument("--calib", type=int, default=512)
    ap.add_argument("--json", help="write the results here")
    a = ap.parse_args()
    xtr, _ = fmnist_data.load_split("train")
    calib = fmnist_data.normalise(xtr[:a.calib])
    xte, yte = fmnist_data.load_split("test")
    x = fmnist_data.normalise(xte)
    y = yte.astype(np.int64)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for m in a.models:
            src = os.path.join(a.model_dir, m, "model.onnx")
            cfg = os.path.join(a.model_dir, m, "config.json")
            ortq = os.path.join(tmp, m + ".ort_qdq.onnx")
            ort_quantize(src, ortq, calib, tmp)
            p_ort = ort_predict(ortq, x)
            p_oct, _ = octet_predict(a.octet, ortq, cfg, tmp)
            r1 = {"model": m, "qdq_by": "onnxruntime", "agreement": float((p_ort == p_oct).mean()),
                  "acc_ort": float((p_ort == y).mean()), "acc_octet": float((p_oct == y).mean())}
            octq = os.path.join(tmp, m + ".octet_qdq.onnx")
            subprocess.run([a.octet, "quantize", "--model", src, "--config", cfg, "--out", octq,
                            "--precision", "int8"], check=True, capture_output=True)
            p_oct2, _ = octet_predict(a.octet, octq, cfg, tmp)
            p_ort2 = ort_predict(octq, x)
            r2 = {"model": m, "qdq_by": "octet", "agreement": float((p_ort2 == p_oct2).mean()),
                  "acc_ort": float((p_ort2 == y).mean()), "acc_octet": float((p_oct2 == y).mean())}
            for r in (r1, r2):
                print(f"{r['model']:14s} QDQ by {r['qdq_by']:11s}: top-1 agreement {100 * r['agreement']:.2f}%  "
                      f"accuracy ORT {100 * r['acc_ort']:.2f}%  octet {100 * r['acc_octet']:.2f}%", flush=True)
                results.append(r)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
