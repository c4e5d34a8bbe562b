#!/usr/bin/python3
"""Trains and exports octet's Fashion-MNIST models and writes the reference data.

    /usr/bin/python3 scripts/train_fmnist.py --out .

(run from the repository root; uses Debian's torch 1.13 and onnx 1.12, and the IDX files of
Debian's dataset-fashion-mnist in /usr/share/datasets/fashion-mnist/.)

Writes, under --out:
  models/fmnist_mlp/      784-128-64-10 MLP                        } bundled models:
  models/fmnist_cnn/      LeNet-style CNN with BatchNorm            } model.onnx, config.json,
  models/fmnist_resnet/   small ResNet (16/32/64 channels)          } README.md
  tests/models/fmnist_transformer/  2-layer transformer encoder over the 28 image rows
  tests/data/fmnist_test1000_x.npy   first 1000 test images, normalised, float32 [1000,1,28,28]
  tests/data/fmnist_test1000_y.npy   their labels, int64 [1000]
  tests/data/<model>_ref_logits.npy  torch eval-mode logits on those 1000, float32 [1000,10]
  tests/data/<model>_torch_pred10k.npy  torch predictions on all 10,000 test images, uint8
  tests/data/torch_accuracy.json     torch FP32 accuracy on the 10,000 test images

Every model takes input "input" float32 [N,1,28,28] and returns "logits" float32 [N,10].
Exports are opset 13, dynamic batch, eval mode, BatchNormalization kept as a node (octet
folds it). Deterministic: fixed seeds, 2 threads, torch deterministic algorithms; the
same machine gives the same weights on every run.

Speed note: Debian's torch uses the reference (netlib) BLAS, so nn.Linear and batched
matmul train slowly. In training mode the Dense layers and the attention matmuls run as
(grouped) 1x1 convolutions, which go through oneDNN; in eval mode - which is what is
exported and what every accuracy and reference logit is measured with - they are the
plain F.linear / torch.matmul. Both compute the same function.
"""
import argparse
import collections
import hashlib
import json
import math
import os
import sys
import time
import warnings

# OpenMP threads sleep instead of spinning while they wait: on a shared, loaded machine
# spinning makes 2-thread training ~20x slower. Must be set before torch is imported.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402
import onnx  # noqa: E402
from onnx import numpy_helper  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fmnist_data  # noqa: E402

COMMAND = "/usr/bin/python3 scripts/train_fmnist.py --out ."
OPSET = 13
N_REF = 1000


# ---------------------------------------------------------------------------- layers
class Dense(nn.Linear):
    """nn.Linear; trains as a 1x1 convolution (oneDNN) instead of netlib sgemm."""

    def forward(self, x):
        if self.training:
            y = F.conv2d(x.reshape(-1, self.in_features, 1, 1),
                         self.weight.view(self.out_features, self.in_features, 1, 1),
                         self.bias)
            return y.reshape(x.shape[:-1] + (self.out_features,))
        return F.linear(x, self.weight, self.bias)


def batched_matmul(a, b, training):
    """a [B,H,T,K] @ b [B,H,K,S]; in training as a grouped 1x1 convolution."""
    if not training:
        return torch.matmul(a, b)
    bsz, heads, t, k = a.shape
    s = b.shape[-1]
    g = bsz * heads
    inp = b.reshape(1, g * k, s, 1)
    w = a.reshape(g * t, k, 1, 1)
    return F.conv2d(inp, w, groups=g).reshape(bsz, heads, t, s)


# ---------------------------------------------------------------------------- models
class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = Dense(784, 128)
        self.fc2 = Dense(128, 64)
        self.fc3 = Dense(64, 10)

    def forward(self, x):
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


class CNN(nn.Module):
    """LeNet-5 shape with BatchNorm: 28x28 -> conv5 pad2 -> pool -> conv5 -> pool -> 3 fc."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 5, padding=2, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.conv2 = nn.Conv2d(16, 32, 5, bias=False)
        self.bn2 = nn.BatchNorm2d(32)
        self.fc1 = Dense(32 * 5 * 5, 120)
        self.fc2 = Dense(120, 84)
        self.fc3 = Dense(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)   # 16x14x14
        x = F.max_pool2d(F.relu(self.bn2(self.conv2(x))), 2)   # 32x5x5
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = None
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                          nn.BatchNorm2d(cout))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        s = x if self.shortcut is None else self.shortcut(x)
        return F.relu(y + s)


class ResNet(nn.Module):
    """Stem conv3x3(16)+BN+ReLU; stages 16@28x28 (identity shortcut), 32@14x14 and 64@7x7
    (1x1 stride-2 projection shortcuts), one basic block each; global avg pool; fc 10."""

    def __init__(self, widths=(16, 32, 64)):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, widths[0], 3, 1, 1, bias=False),
                                  nn.BatchNorm2d(widths[0]), nn.ReLU())
        blocks, cin = [], widths[0]
        for i, w in enumerate(widths):
            blocks.append(BasicBlock(cin, w, 1 if i == 0 else 2))
            cin = w
        self.stages = nn.Sequential(*blocks)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = Dense(cin, 10)

    def forward(self, x):
        x = self.stages(self.stem(x))
        return self.fc(torch.flatten(self.pool(x), 1))


class SelfAttention(nn.Module):
    def __init__(self, dim, heads, tokens):
        super().__init__()
        self.h, self.hd, self.t = heads, dim // heads, tokens
        self.q = Dense(dim, dim)
        self.k = Dense(dim, dim)
        self.v = Dense(dim, dim)
        self.o = Dense(dim, dim)

    def forward(self, x):                                          # [B,T,D]
        t, h, hd = self.t, self.h, self.hd
        q = self.q(x).reshape(-1, t, h, hd).transpose(1, 2) * (1.0 / math.sqrt(hd))
        k = self.k(x).reshape(-1, t, h, hd).permute(0, 2, 3, 1)     # [B,H,hd,T]
        v = self.v(x).reshape(-1, t, h, hd).transpose(1, 2)         # [B,H,T,hd]
        a = torch.softmax(batched_matmul(q, k, self.training), dim=-1)
        y = batched_matmul(a, v, self.training).transpose(1, 2).reshape(-1, t, h * hd)
        return self.o(y)


class EncoderLayer(nn.Module):
    """Pre-norm transformer encoder layer: x + MHSA(LN(x)); x + FFN(LN(x)), GELU FFN."""

    def __init__(self, dim, heads, ff, tokens):
        super().__init__()
        self.ln1 = nn.LayerNorm(dim)
        self.attn = SelfAttention(dim, heads, tokens)
        self.ln2 = nn.LayerNorm(dim)
        self.ff1 = Dense(dim, ff)
        self.ff2 = Dense(ff, dim)

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.ff2(F.gelu(self.ff1(self.ln2(x))))


class Transformer(nn.Module):
    """The 28 image rows as 28 tokens of 28 pixels: linear embed 64 + learned positions,
    2 pre-norm encoder layers (4 heads, FFN 128, GELU), final LayerNorm, mean-pool, fc 10."""

    def __init__(self, dim=64, heads=4, ff=128, layers=2, tokens=28):
        super().__init__()
        self.tokens, self.feat = tokens, 784 // tokens
        self.embed = Dense(self.feat, dim)
        self.pos = nn.Parameter(torch.randn(1, tokens, dim) * 0.02)
        self.layers = nn.Sequential(*[EncoderLayer(dim, heads, ff, tokens)
                                      for _ in range(layers)])
        self.ln = nn.LayerNorm(dim)
        self.fc = Dense(dim, 10)

    def forward(self, x):
        x = self.embed(x.reshape(-1, self.tokens, self.feat)) + self.pos
        x = self.ln(self.layers(x))
        return self.fc(x.mean(dim=1))


# Training recipes: AdamW + one-cycle LR (cosine), batch 128, no augmentation.
SPECS = collections.OrderedDict([
    ("fmnist_mlp", dict(cls=MLP, dir="models/fmnist_mlp", bundled=True, epochs=8,
                        lr=2e-3, wd=1e-4, channels_last=False,
                        arch="784-128-64-10 MLP with ReLU (the [N,1,28,28] input is "
                             "flattened inside the model)")),
    ("fmnist_cnn", dict(cls=CNN, dir="models/fmnist_cnn", bundled=True, epochs=4,
                        lr=3e-3, wd=1e-4, channels_last=True,
                        arch="LeNet-style CNN: conv5x5(1->16, pad 2)+BN+ReLU+maxpool2 -> "
                             "conv5x5(16->32)+BN+ReLU+maxpool2 -> flatten 800 -> fc 120+ReLU "
                             "-> fc 84+ReLU -> fc 10")),
    ("fmnist_resnet", dict(cls=ResNet, dir="models/fmnist_resnet", bundled=True, epochs=4,
                           lr=4e-3, wd=1e-4, channels_last=True,
                           arch="small ResNet: stem conv3x3(1->16)+BN+ReLU; stage 1: basic "
                                "block 16ch 28x28 (identity shortcut); stage 2: basic block "
                                "32ch stride 2 (1x1 stride-2 conv+BN projection); stage 3: "
                                "basic block 64ch stride 2 (projection); basic block = "
                                "conv3x3-BN-ReLU-conv3x3-BN, Add shortcut, ReLU; global "
                                "average pool; fc 10")),
    ("fmnist_transformer", dict(cls=Transformer, dir="tests/models/fmnist_transformer",
                                bundled=False, epochs=3, lr=2e-3, wd=0.05,
                                channels_last=False,
                                arch="transformer encoder over the 28 image rows as 28 "
                                     "tokens of 28 features: linear embed 64 + learned "
                                     "positional embedding; 2 pre-norm encoder layers "
                                     "(LayerNorm, 4-head self-attention written as "
                                     "Linear/Reshape/Transpose/MatMul/Softmax/MatMul, "
                                     "residual Add, LayerNorm, FFN 64-128-64 with GELU (erf), "
                                     "residual Add); final LayerNorm; mean over tokens; "
                                     "fc 10")),
])
BATCH = 128


def log(msg):
    print(msg, flush=True)


def set_determinism(seed, threads):
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    np.random.seed(seed)
    torch.use_deterministic_algorithms(True)


def train(name, spec, xtr, ytr, seed, limit_batches):
    torch.manual_seed(seed)
    model = spec["cls"]()
    if spec["channels_last"]:
        model = model.to(memory_format=torch.channels_last)
    decay = [p for n, p in model.named_parameters() if p.ndim >= 2 and n != "pos"]
    no_decay = [p for n, p in model.named_parameters() if not (p.ndim >= 2 and n != "pos")]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": spec["wd"]},
                             {"params": no_decay, "weight_decay": 0.0}], lr=spec["lr"])
    n = xtr.shape[0]
    steps_per_epoch = (n + BATCH - 1) // BATCH
    if limit_batches:
        steps_per_epoch = min(steps_per_epoch, limit_batches)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=spec["lr"],
                                                epochs=spec["epochs"],
                                                steps_per_epoch=steps_per_epoch,
                                                pct_start=0.25)
    gen = torch.Generator().manual_seed(seed + 1)
    t0 = time.time()
    model.train()
    for epoch in range(spec["epochs"]):
        perm = torch.randperm(n, generator=gen)
        tot_loss, correct, seen = 0.0, 0, 0
        for step in range(steps_per_epoch):
            idx = perm[step * BATCH:(step + 1) * BATCH]
            xb, yb = xtr[idx], ytr[idx]
            if spec["channels_last"]:
                xb = xb.contiguous(memory_format=torch.channels_last)
            out = model(xb)
            loss = F.cross_entropy(out, yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            tot_loss += loss.item() * yb.shape[0]
            correct += (out.argmax(1) == yb).sum().item()
            seen += yb.shape[0]
        log(f"  {name} epoch {epoch + 1}/{spec['epochs']}: loss {tot_loss / seen:.4f} "
            f"train acc {correct / seen:.4f}  ({time.time() - t0:.0f} s)")
    model = model.to(memory_format=torch.contiguous_format)
    model.eval()
    return model, time.time() - t0


@torch.no_grad()
def torch_logits(model, x, batch=500):
    model.eval()
    return torch.cat([model(x[i:i + batch]) for i in range(0, x.shape[0], batch)]).numpy()


# --------------------------------------------------------------- ONNX export + checks
def export_onnx(model, path):
    dummy = torch.zeros(2, 1, 28, 28)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # the PRESERVE + constant-folding advice
        # PRESERVE on an eval-mode model exports inference graphs but skips torch's
        # eval peephole, which would fold BatchNormalization into Conv.
        torch.onnx.export(model, dummy, path, export_params=True, opset_version=OPSET,
                          input_names=["input"], output_names=["logits"],
                          dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
                          do_constant_folding=True,
                          training=torch.onnx.TrainingMode.PRESERVE)
    m = onnx.load(path)
    if _inline_identity_initializers(m):
        onnx.save(m, path)
    onnx.checker.check_model(m, full_check=True)
    inferred = onnx.shape_inference.infer_shapes(m, strict_mode=True)
    outs = {o.name: o for o in inferred.graph.output}
    dims = [d.dim_param or d.dim_value
            for d in outs["logits"].type.tensor_type.shape.dim]
    if dims != ["batch", 10]:
        raise RuntimeError(f"{path}: logits shape {dims}, expected ['batch', 10]")
    hist = collections.Counter(node.op_type for node in m.graph.node)
    return m, dict(sorted(hist.items()))


def _inline_identity_initializers(m):
    """torch's exporter de-duplicates equal initializers and re-creates the copies with
    Identity nodes. In the ResNet a block's bn2.bias and its projection BN's bias get equal
    gradients (both are added into the same sum) and stay equal, so two BatchNormalization
    nodes would take their bias from an Identity node. Turn those back into initializers
    so every BatchNormalization has constant inputs."""
    inits = {t.name: t for t in m.graph.initializer}
    keep, changed = [], False
    for node in m.graph.node:
        if node.op_type == "Identity" and node.input[0] in inits:
            t = onnx.TensorProto()
            t.CopyFrom(inits[node.input[0]])
            t.name = node.output[0]
            m.graph.initializer.append(t)
            changed = True
        else:
            keep.append(node)
    if changed:
        del m.graph.node[:]
        m.graph.node.extend(keep)
    return changed


def _np_erf(x):
    return np.vectorize(math.erf, otypes=[np.float64])(x).astype(x.dtype)


def _np_conv(x, w, b, strides, pads, group):
    if group != 1:
        raise NotImplementedError("grouped Conv")
    n, c, _, _ = x.shape
    m, _, kh, kw = w.shape
    x = np.pad(x, ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])))
    win = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(2, 3))
    win = win[:, :, ::strides[0], ::strides[1]]                # n,c,oh,ow,kh,kw
    y = np.einsum("ncxyij,mcij->nmxy", win, w, optimize=True)
    if b is not None:
        y = y + b.reshape(1, m, 1, 1)
    return y.astype(np.float32)


def onnx_numpy_run(m, x):
    """A small numpy interpreter for the ops these exports use (independent of torch),
    to check that the ONNX files compute the logits torch computed."""
    env = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}
    env[m.graph.input[0].name] = x
    for node in m.graph.node:
        a = {at.name: onnx.helper.get_attribute_value(at) for at in node.attribute}
        i = [env[n] if n else None for n in node.input]
        op = node.op_type
        if op == "Constant":
            y = numpy_helper.to_array(a["value"])
        elif op == "Conv":
            k = i[1].shape[2:]
            y = _np_conv(i[0], i[1], i[2] if len(i) > 2 else None,
                         a.get("strides", [1, 1]), a.get("pads", [0, 0, 0, 0]),
                         a.get("group", 1))
            if list(a.get("dilations", [1, 1])) != [1, 1] or \
                    list(a.get("kernel_shape", k)) != list(k):
                raise NotImplementedError("Conv attrs")
        elif op == "BatchNormalization":
            sh = (1, -1) + (1,) * (i[0].ndim - 2)
            y = ((i[0] - i[3].reshape(sh)) / np.sqrt(i[4].reshape(sh) + a.get("epsilon", 1e-5))
                 * i[1].reshape(sh) + i[2].reshape(sh))
        elif op == "Relu":
            y = np.maximum(i[0], 0)
        elif op == "Identity":
            y = i[0]
        elif op == "MaxPool":
            kh, kw = a["kernel_shape"]
            sh_, sw = a.get("strides", [1, 1])
            if any(a.get("pads", [0, 0, 0, 0])) or a.get("ceil_mode", 0):
                raise NotImplementedError("MaxPool pads")
            win = np.lib.stride_tricks.sliding_window_view(i[0], (kh, kw), axis=(2, 3))
            y = win[:, :, ::sh_, ::sw].max(axis=(4, 5))
        elif op == "GlobalAveragePool":
            y = i[0].mean(axis=(2, 3), keepdims=True)
        elif op == "Flatten":
            ax = a.get("axis", 1)
            y = i[0].reshape(int(np.prod(i[0].shape[:ax])), -1)
        elif op == "Gemm":
            A = i[0].T if a.get("transA", 0) else i[0]
            B = i[1].T if a.get("transB", 0) else i[1]
            y = a.get("alpha", 1.0) * (A @ B)
            if len(i) > 2 and i[2] is not None:
                y = y + a.get("beta", 1.0) * i[2]
        elif op == "MatMul":
            y = np.matmul(i[0], i[1])
        elif op == "Add":
            y = i[0] + i[1]
        elif op == "Sub":
            y = i[0] - i[1]
        elif op == "Mul":
            y = i[0] * i[1]
        elif op == "Div":
            y = i[0] / i[1]
        elif op == "Pow":
            y = np.power(i[0], i[1])
        elif op == "Sqrt":
            y = np.sqrt(i[0])
        elif op == "Erf":
            y = _np_erf(i[0])
        elif op == "Reshape":
            shape = [d if d != 0 else i[0].shape[j] for j, d in enumerate(i[1].tolist())]
            y = i[0].reshape(shape)
        elif op == "Transpose":
            y = np.transpose(i[0], a.get("perm"))
        elif op == "Softmax":
            ax = a.get("axis", -1)
            e = np.exp(i[0] - i[0].max(axis=ax, keepdims=True))
            y = e / e.sum(axis=ax, keepdims=True)
        elif op == "ReduceMean":
            y = i[0].mean(axis=tuple(a["axes"]), keepdims=bool(a.get("keepdims", 1)))
        else:
            raise NotImplementedError(f"numpy check: op {op}")
        env[node.output[0]] = np.asarray(y, dtype=np.float32) \
            if np.asarray(y).dtype.kind == "f" else np.asarray(y)
    return env[m.graph.output[0].name]


# ---------------------------------------------------------------------------- outputs
def config_json(name):
    return {
        "name": name,
        "platform": "onnx",
        "model_file": "model.onnx",
        "max_batch_size": 64,
        "inputs": [{"name": "input", "datatype": "FP32", "shape": [-1, 1, 28, 28]}],
        "outputs": [{"name": "logits", "datatype": "FP32", "shape": [-1, 10]}],
        "preprocess": {"scale": fmnist_data.SCALE, "mean": [fmnist_data.MEAN],
                       "std": [fmnist_data.STD]},
        "labels": list(fmnist_data.LABELS),
    }


def write_json(path, obj):
    """Indented JSON, but lists of numbers/strings and small dicts kept on one line."""
    def fmt(v, ind):
        pad = "  " * (ind + 1)
        if isinstance(v, dict):
            flat = json.dumps(v)
            if len(flat) <= 80 and not any(isinstance(x, (dict, list)) and len(x) > 4
                                            for x in v.values()):
                return flat
            items = [f"{pad}{json.dumps(k)}: {fmt(x, ind + 1)}" for k, x in v.items()]
            return "{\n" + ",\n".join(items) + "\n" + "  " * ind + "}"
        if isinstance(v, list) and any(isinstance(x, (dict, list)) for x in v):
            return "[" + ", ".join(fmt(x, ind + 1) for x in v) + "]"
        return json.dumps(v)
    with open(path, "w") as f:
        f.write(fmt(obj, 0) + "\n")


def readme(name, spec, info):
    hist = ", ".join(f"{k} {v}" for k, v in info["ops"].items())
    where = "bundled with octet" if spec["bundled"] else \
        "used by octet's tests (not bundled)"
    bn_note = ("; BatchNormalization is kept as a node\n  (octet folds it into the "
               "preceding Conv at load)") if "BatchNormalization" in info["ops"] else ""
    return f"""# {name}

Fashion-MNIST classifier, {where}. Produced by `scripts/train_fmnist.py`:

    {COMMAND}

(run from the repository root with Debian's torch {torch.__version__}, 2 threads, default
`--seed 20240601`, which seeds this model with {info['seed']}; the script trains and exports
all four Fashion-MNIST models in one run and is deterministic on a given machine.)

## Model

- Architecture: {spec['arch']}.
- Parameters: {info['params']:,} (float32).
- Input `input`: float32 `[N, 1, 28, 28]`, normalised as `(pixel * 1/255 - 0.2860) / 0.3530`
  (config.json `preprocess`). Output `logits`: float32 `[N, 10]` (no softmax), classes in
  config.json `labels` order.
- ONNX: opset {OPSET}, dynamic batch dimension `batch`, exported in eval mode by
  `torch.onnx.export` with constant folding{bn_note}. `model.onnx` is {info['onnx_bytes']:,} bytes,
  sha256 `{info['sha256'][:16]}...`.
- Nodes ({info['nodes']}): {hist}.

## Training

Fashion-MNIST train split (60,000 images, Debian's dataset-fashion-mnist IDX files),
{spec['epochs']} epochs, batch {BATCH}, AdamW (weight decay {spec['wd']} on weights, none on
biases/norms), one-cycle learning rate (peak {spec['lr']}, 25% warm-up, cosine decay), cross-entropy,
no augmentation. Training took {info['train_s']:.0f} s (wall clock, 2 threads, on the shared
machine that produced this file).

## Accuracy

torch FP32, eval mode, the exported model, on the 10,000 Fashion-MNIST test images:
**{info['correct']} / 10000 = {info['correct'] / 100:.2f}%**.

Reference data for octet's tests are in `tests/data/`: `{name}_ref_logits.npy` (torch logits
for the first 1000 test images, `fmnist_test1000_x.npy`), `{name}_torch_pred10k.npy` (torch's
predicted class for all 10,000), and `torch_accuracy.json`.
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, help="repository root to write into")
    ap.add_argument("--data", default=fmnist_data.DEFAULT_DIR)
    ap.add_argument("--only", nargs="*", choices=list(SPECS), help="models to train")
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--limit-batches", type=int, default=0,
                    help="debug: at most this many batches per epoch")
    args = ap.parse_args()

    t_start = time.time()
    set_determinism(args.seed, args.threads)
    xtr_u8, ytr_np = fmnist_data.load_split("train", args.data)
    xte_u8, yte_np = fmnist_data.load_split("test", args.data)
    xtr = torch.from_numpy(fmnist_data.normalise(xtr_u8))
    ytr = torch.from_numpy(ytr_np)
    xte_np = fmnist_data.normalise(xte_u8)
    xte = torch.from_numpy(xte_np)

    data_dir = os.path.join(args.out, "tests", "data")
    os.makedirs(data_dir, exist_ok=True)
    np.save(os.path.join(data_dir, "fmnist_test1000_x.npy"), xte_np[:N_REF])
    np.save(os.path.join(data_dir, "fmnist_test1000_y.npy"), yte_np[:N_REF].astype(np.int64))

    acc_path = os.path.join(data_dir, "torch_accuracy.json")
    accuracy = {}
    if os.path.exists(acc_path):
        with open(acc_path) as f:
            accuracy = json.load(f)

    summary = []
    for idx, (name, spec) in enumerate(SPECS.items()):
        if args.only and name not in args.only:
            continue
        seed = args.seed + 1000 * (idx + 1)
        log(f"== {name}: training {spec['epochs']} epochs")
        model, train_s = train(name, spec, xtr, ytr, seed, args.limit_batches)

        t_eval = time.time()
        logits = torch_logits(model, xte)
        pred = logits.argmax(1)
        correct = int((pred == yte_np).sum())
        log(f"  {name}: torch FP32 test accuracy {correct}/10000 = {correct / 100:.2f}% "
            f"(eval {time.time() - t_eval:.0f} s)")

        mdir = os.path.join(args.out, spec["dir"])
        os.makedirs(mdir, exist_ok=True)
        onnx_path = os.path.join(mdir, "model.onnx")
        m, ops = export_onnx(model, onnx_path)
        log(f"  {name}: ops {ops}")

        # the exported file must compute what torch computed (numpy interpreter, 16 images)
        ref = logits[:16]
        got = onnx_numpy_run(m, xte_np[:16])
        err = float(np.abs(got - ref).max())
        log(f"  {name}: numpy ONNX check max |diff| = {err:.2e} "
            f"(export+check {time.time() - t_eval:.0f} s since eval start)")
        if not err < 1e-3 or not np.array_equal(got.argmax(1), ref.argmax(1)):
            raise RuntimeError(f"{name}: exported ONNX disagrees with torch ({err})")
        # dynamic batch: batch 1 via torch gives the same as batch 500
        with torch.no_grad():
            one = model(xte[:1]).numpy()
        if not np.allclose(one, logits[:1], rtol=1e-4, atol=1e-5):
            raise RuntimeError(f"{name}: batch-1 logits differ")

        np.save(os.path.join(data_dir, f"{name}_ref_logits.npy"),
                logits[:N_REF].astype(np.float32))
        np.save(os.path.join(data_dir, f"{name}_torch_pred10k.npy"), pred.astype(np.uint8))
        accuracy[name] = {"correct": correct, "total": 10000, "accuracy": correct / 10000}

        with open(onnx_path, "rb") as f:
            blob = f.read()
        info = dict(seed=seed, params=sum(p.numel() for p in model.parameters()),
                    onnx_bytes=len(blob), sha256=hashlib.sha256(blob).hexdigest(),
                    nodes=len(m.graph.node), ops=ops, train_s=train_s, correct=correct)
        write_json(os.path.join(mdir, "config.json"), config_json(name))
        with open(os.path.join(mdir, "README.md"), "w") as f:
            f.write(readme(name, spec, info))
        summary.append((name, correct, info["params"], len(blob), train_s))

    write_json(acc_path, dict(sorted(accuracy.items())))
    log("== summary")
    for name, correct, params, size, train_s in summary:
        log(f"  {name:20s} {correct / 100:6.2f}%  params {params:7d}  onnx {size:8d} B  "
            f"train {train_s:5.0f} s")
    log(f"  total {time.time() - t_start:.0f} s")


if __name__ == "__main__":
    main()
