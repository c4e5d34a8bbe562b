#!/usr/bin/env python3
"""octet INT8 vs ONNX Runtime INT8 (and both FP32), side by side in one run.

For every model: ONNX Runtime's own INT8 model (quantize_static, QDQ, per-channel int8
weights, uint8 activations, MinMax calibration on the first 512 Fashion-MNIST training
images; quantize_dynamic for the mlp and the transformer), its top-1 accuracy on the 10k test set and
its throughput at batch 64; octet's INT8 (from the model's config.json quantization section;
`--activations dynamic` for the dynamic models: mlp, transformer) and FP32, measured with `octet eval` (accuracy)
and `octet bench` (throughput). Same threads for everyone. Each throughput is the best of
--rounds measurements taken in turn with the other engines', so all see the same machine.

Needs numpy + onnx + onnxruntime (pip) and a built octet.
usage: python3 bench/int8_vs_ort.py [--octet build/octet] [--threads 2] [--json out.json]
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

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
import fmnist_data  # noqa: E402

TEST = ["--idx-images", "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz",
        "--idx-labels", "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz"]
MODELS = [("fmnist_mlp", "models/fmnist_mlp", True), ("fmnist_cnn", "models/fmnist_cnn", False),
          ("fmnist_resnet", "models/fmnist_resnet", False),
          ("fmnist_transformer", "tests/models/fmnist_transformer", True)]


def ort_session(path, threads):
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])


def ort_accuracy(s, x, y):
    name = s.get_inputs()[0].name
    p = np.concatenate([s.run(None, {name: x[i:i + 500]})[0].argmax(1) for i in range(0, len(x), 500)])
    return float((p == y).mean())


def ort_throughput(s, x, batch, seconds):
    name = s.get_inputs()[0].name
    xb = np.ascontiguousarray(x[:batch])
    for _ in range(3):
        s.run(None, {name: xb})
    n, t0 = 0, time.perf_counter()
    while True:
        s.run(None, {name: xb})
        n += 1
        if n >= 10 and time.perf_counter() - t0 >= seconds:
            break
    return batch * n / (time.perf_counter() - t0)


def ort_quantize(src, dst, calib, dynamic, tmp):
    import onnx
    from onnxruntime.quantization import (CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType,
                                          quantize_dynamic, quantize_static)
    from onnxruntime.quantization.shape_inference import quant_pre_process
    pre = os.path.join(tmp, "pre.onnx")
    quant_pre_process(src, pre)
    if dynamic:
        quantize_dynamic(pre, dst, weight_type=QuantType.QInt8, per_channel=True)
        return
    name = onnx.load(pre).graph.input[0].name

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.it = iter([{name: calib[i:i + 64]} for i in range(0, len(calib), 64)])

        def get_next(self):
            return next(self.it, None)

    quantize_static(pre, dst, Reader(), quant_format=QuantFormat.QDQ, per_channel=True,
                    activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                    calibrate_method=CalibrationMethod.MinMax)


def octet(args, *cmd):
    r = subprocess.run([args.octet, *cmd], check=True, capture_output=True, text=True)
    return json.loads(r.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--octet", default="build/octet")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--rounds", type=int, default=3, help="interleaved measurements per engine (best kept)")
    ap.add_argument("--models", nargs="*", help="subset of model names")
    ap.add_argument("--json")
    a = ap.parse_args()
    import onnxruntime
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    print(f"machine: {cpu}, {os.cpu_count()} cores; {platform.platform()}; onnxruntime {onnxruntime.__version__}; "
          f"threads {a.threads}, batch {a.batch}")
    xtr, _ = fmnist_data.load_split("train")
    calib = fmnist_data.normalise(xtr[:512])
    xte, yte = fmnist_data.load_split("test")
    x, y = fmnist_data.normalise(xte), yte.astype(np.int64)
    rows = []
    t = str(a.threads)
    with tempfile.TemporaryDirectory() as tmp:
        for name, d, dynamic in MODELS:
            if a.models and name not in a.models:
                continue
            src = os.path.join(d, "model.onnx")
            cfg = os.path.join(d, "config.json") if os.path.exists(os.path.join(d, "config.json")) else None
            q = os.path.join(tmp, name + ".ort_int8.onnx")
            ort_quantize(src, q, calib, dynamic, tmp)
            s32, s8 = ort_session(src, a.threads), ort_session(q, a.threads)
            qflags = ["--precision", "int8"] + (["--activations", "dynamic"] if dynamic else [])
            cflags = ["--config", cfg] if cfg else []
            r = {"model": name, "mode": "dynamic" if dynamic else "static"}
            r["ort_fp32_acc"], r["ort_int8_acc"] = ort_accuracy(s32, x, y), ort_accuracy(s8, x, y)
            r["octet_fp32_acc"] = octet(a, "eval", "--model", src, "--json", "--threads", t, *cflags, *TEST)["accuracy"]
            r["octet_int8_acc"] = octet(a, "eval", "--model", src, "--json", "--threads", t, *cflags, *qflags,
                                        *TEST)["accuracy"]
            bench = ["bench", "--model", src, "--json", "--threads", t, "--batch", str(a.batch), "--seconds",
                     str(a.seconds), *cflags]
            # the best of --rounds interleaved measurements of each engine (the VM's speed drifts)
            for key in ("ort_fp32_ips", "octet_fp32_ips", "ort_int8_ips", "octet_int8_ips"):
                r[key] = 0.0
            for _ in range(a.rounds):
                r["ort_fp32_ips"] = max(r["ort_fp32_ips"], ort_throughput(s32, x, a.batch, a.seconds))
                r["octet_fp32_ips"] = max(r["octet_fp32_ips"], octet(a, *bench)["samples_per_second"])
                r["ort_int8_ips"] = max(r["ort_int8_ips"], ort_throughput(s8, x, a.batch, a.seconds))
                r["octet_int8_ips"] = max(r["octet_int8_ips"],
                                          octet(a, *bench, *qflags)["samples_per_second"])
            rows.append(r)
            print(f"{name:19s} {r['mode']:7s} acc fp32 ort {100 * r['ort_fp32_acc']:.2f} octet "
                  f"{100 * r['octet_fp32_acc']:.2f} | int8 ort {100 * r['ort_int8_acc']:.2f} octet "
                  f"{100 * r['octet_int8_acc']:.2f} || img/s fp32 ort {r['ort_fp32_ips']:.0f} octet "
                  f"{r['octet_fp32_ips']:.0f} | int8 ort {r['ort_int8_ips']:.0f} octet {r['octet_int8_ips']:.0f} "
                  f"(octet int8 / ort int8 {r['octet_int8_ips'] / r['ort_int8_ips']:.2f}x, / octet fp32 "
                  f"{r['octet_int8_ips'] / r['octet_fp32_ips']:.2f}x)", flush=True)
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"machine": cpu, "threads": a.threads, "batch": a.batch, "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
