#!/usr/bin/env python3
"""Top-1 accuracy of every bundled model (and the test transformer) on the 10k Fashion-MNIST
test set at fp32, fp16 and int8 — static int8 with each calibration method (minmax,
percentile, entropy, mse; uint8 activations, 512 training images) and dynamic int8, weights
per channel or per tensor as the model's config.json says (per tensor for the mlp) — measured with `octet eval`. Prints a markdown table (drop in points vs fp32).

usage: python3 bench/quant_accuracy.py [--octet build/octet] [--json out.json]
"""
import argparse
import json
import subprocess

TEST = ["--idx-images", "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz",
        "--idx-labels", "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz"]
MODELS = [("fmnist_mlp", "models/fmnist_mlp"), ("fmnist_cnn", "models/fmnist_cnn"),
          ("fmnist_resnet", "models/fmnist_resnet"), ("fmnist_transformer", "tests/models/fmnist_transformer")]
STATIC_CFG = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"
COLS = [("fp32", []), ("fp16", ["--precision", "fp16"]),
        ("int8 dynamic", ["--precision", "int8", "--activations", "dynamic"])] + [
    (f"int8 static {m}", ["--precision", "int8", "--activations", "static", "--calib-method", m])
    for m in ("minmax", "percentile", "entropy", "mse")]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--octet", default="build/octet")
    ap.add_argument("--json")
    a = ap.parse_args()
    rows = {}
    for name, d in MODELS:
        cfg = f"{d}/config.json"
        rows[name] = {}
        for col, flags in COLS:
            if "static" in col:
                # static columns: calibration on the first 512 training images for every model
                flags = flags + ["--config", cfg, "--calib-data", STATIC_CFG]
            r = subprocess.run([a.octet, "eval", "--model", f"{d}/model.onnx", "--json", *flags, *TEST],
                               capture_output=True, text=True)
            if r.returncode != 0:
                rows[name][col] = None
                print(f"{name} {col}: {r.stderr.strip()}", flush=True)
                continue
            rows[name][col] = json.loads(r.stdout.strip().splitlines()[-1])["accuracy"]
            print(f"{name} {col}: {100 * rows[name][col]:.2f}", flush=True)
    print()
    print("| model | " + " | ".join(c for c, _ in COLS) + " |")
    print("|---|" + "---|" * len(COLS))
    for name, r in rows.items():
        base = r["fp32"]
        cells = []
        for c, _ in COLS:
            v = r[c]
            if v is None:
                cells.append("n/a")
            elif c == "fp32":
                cells.append(f"{100 * v:.2f}")
            else:
                cells.append(f"{100 * v:.2f} ({100 * (v - base):+.2f})")
        print(f"| {name} | " + " | ".join(cells) + " |")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
