#!/usr/bin/python3
"""Seed corpora for the libFuzzer targets (tests/fuzz/corpus/<target>/): small,
valid inputs of each format, so fuzzing starts from the interesting structure.
`/usr/bin/python3 scripts/make_fuzz_seeds.py` (numpy; small ONNX node tests from
Debian's libonnx-testdata)."""
import glob
import json
import os
import shutil
import struct

import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "tests", "fuzz", "corpus")


def put(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


img = [round(float(v), 3) for v in np.load(os.path.join(ROOT, "tests", "data", "fmnist_test1000_x.npy"))[0].ravel()]
# JSON reader
put("json", "infer.json", json.dumps({"model": "fmnist_mlp", "inputs": img[:64], "top_k": 3}))
put("json", "escapes.json", '{"a\\u00e9\\ud83d\\ude00": ["x\\ty", true, false, null, -0.0, 1e-7, 12345678901234567890]}')
put("json", "nested.json", "[[[[1,2],[3,4]],[[5,6],[7,8]]]]")
put("json", "numbers.json", "[0, -1, 1.5, 2e10, -3.25E-3, 9007199254740993, 1e400, 0.1]")
# /infer
put("infer", "flat.json", json.dumps({"model": "fmnist_mlp", "inputs": img, "top_k": 2}))
put("infer", "nested.json", json.dumps({"model": "fmnist_mlp", "inputs": {"input": [[[img[r * 28:(r + 1) * 28]
                                                                                        for r in range(28)]]]},
                                        "outputs": ["logits"], "timeout_us": 100000, "id": "x"}))
put("infer", "dtypes.json", json.dumps({"model": "dtypes", "inputs": {
    "x_u8": [[1, 2, 3]], "x_i8": [[-1, 0, 1]], "x_i32": [[7, 8, 9]], "x_i64": [[1, 2, 3]],
    "x_f16": [[0.5, 1, 2]], "x_f32": [[1, 2, 3]]}}))
# v2: 2 bytes (bit 15: no binary extension; else the JSON part's length), then the body
def v2(name, obj, binary=b""):
    h = json.dumps(obj).encode()
    n = len(h) if binary else 0x8000
    put("v2", name, struct.pack(">H", n) + h + binary)


names = {"UINT8": "u8", "INT8": "i8", "INT32": "i32", "INT64": "i64", "FP16": "f16", "FP32": "f32"}
v2("dtypes.bin", {"id": "1", "inputs": [{"name": "x_" + n, "shape": [1, 3], "datatype": t, "data": [1, 2, 3]}
                                        for t, n in names.items()], "outputs": [{"name": "y_f32"}]})
x = np.array(img, np.float32).reshape(1, 1, 28, 28)
v2("mlp_json.bin", {"inputs": [{"name": "input", "shape": [1, 1, 28, 28], "datatype": "FP32", "data": img}]})
v2("mlp_binary.bin", {"inputs": [{"name": "input", "shape": [1, 1, 28, 28], "datatype": "FP32",
                                  "parameters": {"binary_data_size": x.nbytes}}],
                      "parameters": {"binary_data_output": True}}, x.tobytes())
# config.json
def copy(target, src, name):
    os.makedirs(os.path.join(OUT, target), exist_ok=True)
    shutil.copy(src, os.path.join(OUT, target, name))


for m in ("fmnist_mlp", "fmnist_cnn", "fmnist_resnet"):
    copy("config", os.path.join(ROOT, "models", m, "config.json"), m + ".json")
put("config", "serving.json", json.dumps({"max_batch_size": 8, "dynamic_batching": {
    "max_queue_delay_us": 100, "preferred_batch_sizes": [2, 4]}, "instance_count": 2, "max_queue_size": 9,
    "default_timeout_us": 5, "inputs": [{"name": "x", "datatype": "FP32", "shape": [-1, 3]}],
    "quantization": {"precision": "int8", "activations": {"mode": "dynamic"}}}))
# .npy
import io
for dt in ("<f4", "<f2", "|u1", "|i1", "<i8", "<f8", "|b1"):
    b = io.BytesIO()
    np.save(b, np.arange(6).reshape(2, 3).astype(dt))
    put("npy", "a_%s.npy" % dt.strip("<|"), b.getvalue())
b = io.BytesIO()
np.save(b, np.zeros((1, 1, 4, 4), np.float32))
put("npy", "nchw.npy", b.getvalue())
# ONNX: octet's own small test models and a few of ONNX's node tests (the smallest)
for f in glob.glob(os.path.join(ROOT, "tests", "data", "server", "*.onnx")):
    copy("onnx", f, os.path.basename(f))
for case in ("test_conv_with_strides_padding", "test_gemm_all_attributes", "test_reshape_reordered_all_dims",
             "test_qlinearconv", "test_lstm_defaults", "test_resize_upsample_scales_linear", "test_einsum_batch_matmul",
             "test_quantizelinear", "test_topk", "test_layer_normalization_2d_axis0"):
    src = "/usr/share/libonnx-testdata/data/node/%s/model.onnx" % case
    if os.path.exists(src):
        copy("onnx", src, case + ".onnx")
print("wrote", OUT)
