#!/usr/bin/env python3
"""Regenerate tests/models/ort_qdq_cnn/: fmnist_cnn quantized by ONNX Runtime's own quantizer
(quantize_static, QDQ format, per-channel int8 weights, uint8 activations, MinMax calibration
on the first 512 Fashion-MNIST training images) and ONNX Runtime's predictions for the first
1000 test images (tests/data/fmnist_test1000_x.npy). tests/test_ort_qdq.c runs the model on
octet's integer kernels and compares. Needs numpy, onnx and onnxruntime (pip).

usage: python3 scripts/make_ort_qdq_fixture.py
"""
import os
import sys
import tempfile

import numpy as np
import onnxruntime as ort

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fmnist_data  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bench"))
from int8_vs_ort import ort_quantize  # noqa: E402

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
out = os.path.join(root, "tests", "models", "ort_qdq_cnn")
os.makedirs(out, exist_ok=True)
xtr, _ = fmnist_data.load_split("train")
calib = fmnist_data.normalise(xtr[:512])
with tempfile.TemporaryDirectory() as tmp:
    ort_quantize(os.path.join(root, "models", "fmnist_cnn", "model.onnx"), os.path.join(out, "model.onnx"),
                 calib, False, tmp)
x = np.load(os.path.join(root, "tests", "data", "fmnist_test1000_x.npy"))
s = ort.InferenceSession(os.path.join(out, "model.onnx"), providers=["CPUExecutionProvider"])
pred = s.run(None, {s.get_inputs()[0].name: x})[0].argmax(1).astype(np.int64)
np.save(os.path.join(out, "ort_pred1000.npy"), pred)
print(f"wrote {out}: onnxruntime {ort.__version__}, accuracy on the 1000 images "
      f"{(pred == np.load(os.path.join(root, 'tests', 'data', 'fmnist_test1000_y.npy'))).mean():.4f}")
