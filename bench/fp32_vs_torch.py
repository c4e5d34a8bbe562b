#!/usr/bin/python3
"""FP32 throughput of the bundled models: octet vs PyTorch, side by side, same run.

Usage: /usr/bin/python3 bench/fp32_vs_torch.py [--threads 2] [--batch 64] [--rounds 5] [--md out.md]

Both engines classify the 10,000 Fashion-MNIST test images in batches of --batch with
--threads threads; the time counted is inference only (data already in memory, one
warm-up pass excluded). PyTorch runs the TorchScript twin of each model saved by
scripts/train_fmnist.py (bench/torch/<model>.pt, the same weights as model.onnx).
Rounds alternate octet / torch; the best round of each is reported, with the median.
"""
import argparse, gzip, json, os, platform, statistics, subprocess, sys, time

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
IDX = "/usr/share/datasets/fashion-mnist"


def load_images():
    with gzip.open(f"{IDX}/t10k-images-idx3-ubyte.gz") as f:
        raw = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28)
    return ((raw.astype(np.float32) / 255.0 - 0.2860) / 0.3530).astype(np.float32)


def torch_round(model, x, batch):
    t = 0.0
    with torch.no_grad():
        for b in range(0, len(x), batch):
            xb = torch.from_numpy(x[b:b + batch])
            t0 = time.perf_counter()
            model(xb)
            t += time.perf_counter() - t0
    return len(x) / t


def octet_round(octet, model, batch, threads):
    out = subprocess.run([octet, "eval", "--model", model, "--idx-images", f"{IDX}/t10k-images-idx3-ubyte.gz",
                          "--idx-labels", f"{IDX}/t10k-labels-idx1-ubyte.gz", "--batch", str(batch),
                          "--threads", str(threads), "--json"], check=True, capture_output=True, text=True).stdout
    return json.loads(out)["images_per_second"]


def cpu_name():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--models", default="fmnist_mlp,fmnist_cnn,fmnist_resnet")
    ap.add_argument("--octet", default=os.path.join(ROOT, "build", "octet"))
    ap.add_argument("--md", help="write the markdown table here")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    x = load_images()
    rows = []
    for name in a.models.split(","):
        onnx_path = os.path.join(ROOT, "models", name, "model.onnx")
        tm = torch.jit.load(os.path.join(ROOT, "bench", "torch", name + ".pt")).eval()
        torch_round(tm, x[:1024], a.batch)                      # warm-up
        octet_round(a.octet, onnx_path, a.batch, a.threads)      # warm-up (page cache)
        o, t = [], []
        for _ in range(a.rounds):
            o.append(octet_round(a.octet, onnx_path, a.batch, a.threads))
            t.append(torch_round(tm, x, a.batch))
        rows.append((name, max(o), statistics.median(o), max(t), statistics.median(t)))
        print(f"{name:15s} octet {max(o):9.0f} img/s (median {statistics.median(o):9.0f})   "
              f"torch {max(t):9.0f} img/s (median {statistics.median(t):9.0f})   ratio {max(o)/max(t):.2f}x",
              flush=True)
    lines = [f"Machine: {cpu_name()}, {os.cpu_count()} cores; torch {torch.__version__} "
             f"(threads={a.threads}); batch {a.batch}; 10,000 Fashion-MNIST test images; "
             f"best of {a.rounds} alternating rounds (median in parentheses).", "",
             "| model | octet FP32 img/s | PyTorch FP32 img/s | octet / PyTorch |", "|---|---|---|---|"]
    for name, ob, om, tb, tmed in rows:
        lines.append(f"| {name} | {ob:.0f} ({om:.0f}) | {tb:.0f} ({tmed:.0f}) | {ob/tb:.2f}x |")
    text = "\n".join(lines) + "\n"
    print(text)
    if a.md:
        with open(a.md, "w") as f:
            f.write(text)


if __name__ == "__main__":
    sys.exit(main())
