#!/usr/bin/python3
"""FP32 throughput of the bundled models: octet vs PyTorch, side by side, same run.

Usage: /usr/bin/python3 bench/fp32_vs_torch.py [--threads 2] [--batch 64] [--rounds 5] [--md out.md]

Both engines classify the 10,000 Fashion-MNIST test images in batches of --batch with
--threads threads; the time counted is inference only (data already in memory, one
warm-up pass excluded). PyTorch runs the TorchScript twin of each model saved by
scripts/train_fmnist.py with the same weights as model.onnx.
Rounds alternate octet / torch, each in its own process (torch's OpenMP threads spin
while idle and would steal a core from whatever runs next in the same process tree);
the best round of each is reported, with the median.

PyTorch runs the model classes of scripts/train_fmnist.py loaded with the weights of the
committed model.onnx (the initializer names are torch's state_dict keys), checked against
the reference logits before timing. Its Linear layers go through the system BLAS: install
libopenblas0-pthread for a fair peer (Debian's default is the slow reference BLAS) —
OpenBLAS mis-detects this CPU, so its core type is set to SkylakeX (AVX-512) unless
OCTET_BENCH_OPENBLAS_CORETYPE names another (e.g. Haswell).
"""
import argparse, gzip, json, os, platform, statistics, subprocess, sys, time

os.environ["OPENBLAS_CORETYPE"] = os.environ.get("OCTET_BENCH_OPENBLAS_CORETYPE", "SkylakeX")
os.environ.setdefault("OMP_WAIT_POLICY", "ACTIVE")  # torch's fastest setting when idle

import numpy as np
import onnx
from onnx import numpy_helper
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
IDX = "/usr/share/datasets/fashion-mnist"
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import train_fmnist  # noqa: E402  (model classes)

CLASSES = {"fmnist_mlp": train_fmnist.MLP, "fmnist_cnn": train_fmnist.CNN,
           "fmnist_resnet": train_fmnist.ResNet, "fmnist_transformer": train_fmnist.Transformer}


def torch_model(name, path):
    """The torch twin of model.onnx: same class, same weights, verified on reference logits."""
    m = CLASSES[name]().eval()
    init = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in onnx.load(path).graph.initializer}
    sd = m.state_dict()
    missing = [k for k in sd if k not in init and not k.endswith("num_batches_tracked")]
    if missing:
        raise SystemExit(f"{name}: weights missing in {path}: {missing[:5]}")
    m.load_state_dict({k: init.get(k, v) for k, v in sd.items()})
    x = np.load(os.path.join(ROOT, "tests", "data", "fmnist_test1000_x.npy"))[:256]
    ref = np.load(os.path.join(ROOT, "tests", "data", f"{name}_ref_logits.npy"))[:256]
    with torch.no_grad():
        d = np.abs(m(torch.from_numpy(x)).numpy() - ref).max()
    if d > 1e-4:
        raise SystemExit(f"{name}: torch twin differs from the reference logits by {d}")
    return m


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


def torch_round_subprocess(name, batch, threads):
    """One torch round in a fresh process, so its OpenMP threads (which spin while
    idle) are gone before octet runs."""
    out = subprocess.run([sys.executable, os.path.abspath(__file__), "--torch-worker", name,
                          "--batch", str(batch), "--threads", str(threads)],
                         check=True, capture_output=True, text=True).stdout
    return float(out.strip().splitlines()[-1])


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
    ap.add_argument("--torch-worker", help=argparse.SUPPRESS)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    x = load_images()
    if a.torch_worker:  # child process: warm up, one timed round, print img/s
        tm = torch_model(a.torch_worker, os.path.join(ROOT, "models", a.torch_worker, "model.onnx"))
        torch_round(tm, x[:1024], a.batch)
        print(torch_round(tm, x, a.batch))
        return 0
    rows = []
    for name in a.models.split(","):
        onnx_path = os.path.join(ROOT, "models", name, "model.onnx")
        octet_round(a.octet, onnx_path, a.batch, a.threads)      # warm-up (page cache)
        o, t = [], []
        for _ in range(a.rounds):
            o.append(octet_round(a.octet, onnx_path, a.batch, a.threads))
            t.append(torch_round_subprocess(name, a.batch, a.threads))
        rows.append((name, max(o), statistics.median(o), max(t), statistics.median(t)))
        print(f"{name:15s} octet {max(o):9.0f} img/s (median {statistics.median(o):9.0f})   "
              f"torch {max(t):9.0f} img/s (median {statistics.median(t):9.0f})   ratio {max(o)/max(t):.2f}x",
              flush=True)
    lines = [f"Machine: {cpu_name()}, {os.cpu_count()} cores; torch {torch.__version__} "
             f"(threads={a.threads}, BLAS via OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE')}); "
             f"batch {a.batch}; 10,000 Fashion-MNIST test images; "
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
