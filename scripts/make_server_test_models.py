#!/usr/bin/python3
"""Small ONNX models for the server tests (tests/data/server/*.onnx), made with
Debian's python3-onnx: `/usr/bin/python3 scripts/make_server_test_models.py`.

- dtypes.onnx: one input per KServe datatype the server takes (UINT8, INT8,
  INT32, INT64, FP16, FP32), each [-1, 3], and an output per input that is
  the input plus itself (Add), so answers are checkable.
- slow.onnx: x [-1, 512, 512] FP32 -> y = x @ x @ x ... (16 MatMuls, no
  weights): tens of milliseconds per run, for the queue, deadline and
  disconnect tests.
"""
import os

import onnx
from onnx import TensorProto, helper

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "server")
os.makedirs(OUT, exist_ok=True)

types = [("u8", TensorProto.UINT8), ("i8", TensorProto.INT8), ("i32", TensorProto.INT32),
         ("i64", TensorProto.INT64), ("f16", TensorProto.FLOAT16), ("f32", TensorProto.FLOAT)]
inputs = [helper.make_tensor_value_info("x_" + n, t, ["batch", 3]) for n, t in types]
outputs = [helper.make_tensor_value_info("y_" + n, t, ["batch", 3]) for n, t in types]
nodes = [helper.make_node("Add", ["x_" + n, "x_" + n], ["y_" + n], name="add_" + n) for n, _ in types]
g = helper.make_graph(nodes, "dtypes", inputs, outputs)
m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)], producer_name="octet-tests")
onnx.checker.check_model(m)
onnx.save(m, os.path.join(OUT, "dtypes.onnx"))

n_mm = 16
nodes, prev = [], "x"
for i in range(n_mm):
    out = "y" if i == n_mm - 1 else "h%d" % i
    nodes.append(helper.make_node("MatMul", [prev, "x"], [out], name="mm%d" % i))
    prev = out
g = helper.make_graph(nodes, "slow", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 512, 512])],
                      [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 512, 512])])
m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)], producer_name="octet-tests")
onnx.checker.check_model(m)
onnx.save(m, os.path.join(OUT, "slow.onnx"))
print("wrote", OUT)
