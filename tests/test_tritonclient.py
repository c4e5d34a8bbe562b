"""Triton's own HTTP client (tritonclient[http] from PyPI), unchanged, against
octet serve: health, server / model metadata, model config, repository index,
inference with JSON tensors and with the binary tensor extension (both
directions), requested outputs, and errors surfacing as
InferenceServerException. Answers are compared with octet's /infer.
Usage: python tests/test_tritonclient.py path/to/octet"""
import os
import sys

import numpy as np
import tritonclient.http as httpclient
from tritonclient.utils import InferenceServerException

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from server_util import REPO_MODELS, Server, check, finish, images, make_repo, post_json  # noqa: E402

OCTET = sys.argv[1] if len(sys.argv) > 1 else "build/octet"


def main():
    imgs = images(8)
    x = np.array(imgs[:4], dtype=np.float32).reshape(4, 1, 28, 28)
    repo = make_repo()
    server = Server(OCTET, repo)
    try:
        server.wait_ready(REPO_MODELS)  # all loaded or failed: the server is ready only then
        port = server.port
        client = httpclient.InferenceServerClient(url="127.0.0.1:%d" % port)
        check(client.is_server_live(), "is_server_live")
        check(client.is_server_ready(), "is_server_ready")
        check(client.is_model_ready("fmnist_cnn"), "is_model_ready(fmnist_cnn)")
        check(not client.is_model_ready("broken"), "is_model_ready(broken) is False")
        meta = client.get_server_metadata()
        check(meta["name"] == "octet" and "binary_tensor_data" in meta["extensions"], "server metadata %s" % meta)
        mm = client.get_model_metadata("fmnist_cnn")
        check(mm["inputs"][0]["name"] == "input" and mm["inputs"][0]["datatype"] == "FP32" and
              mm["outputs"][0]["name"] == "logits", "model metadata %s" % mm)
        cfg = client.get_model_config("fmnist_cnn")
        check(cfg["max_batch_size"] == 64, "model config %s" % cfg)
        index = client.get_model_repository_index()
        check({e["name"] for e in index} >= {"fmnist_cnn", "fmnist_mlp", "broken"}, "repository index %s" % index)

        # the reference: octet's own /infer
        st, ref, _ = post_json(port, "/infer", {"model": "fmnist_cnn", "inputs": x.tolist()})
        check(st == 200, "/infer reference")
        want = np.array(ref["outputs"]["logits"], dtype=np.float32)
        for binary_in in (False, True):
            for binary_out in (False, True):
                inp = httpclient.InferInput("input", list(x.shape), "FP32")
                inp.set_data_from_numpy(x, binary_data=binary_in)
                out = httpclient.InferRequestedOutput("logits", binary_data=binary_out)
                res = client.infer("fmnist_cnn", [inp], outputs=[out], request_id="t-%d%d" % (binary_in, binary_out))
                got = res.as_numpy("logits")
                check(got is not None and got.shape == (4, 10) and np.allclose(got, want, rtol=1e-6, atol=1e-6),
                      "infer binary_in=%s binary_out=%s: %s" % (binary_in, binary_out, got))
                check(res.get_response().get("id") == "t-%d%d" % (binary_in, binary_out), "request id echoed")
        # several datatypes through the client's numpy conversion
        arrays = {"x_u8": np.array([[1, 2, 3]], np.uint8), "x_i8": np.array([[-1, 0, 60]], np.int8),
                  "x_i32": np.array([[7, -8, 9]], np.int32), "x_i64": np.array([[1 << 40, 2, -3]], np.int64),
                  "x_f16": np.array([[0.5, 1.5, -2]], np.float16), "x_f32": np.array([[0.25, 8, -1]], np.float32)}
        dts = {"x_u8": "UINT8", "x_i8": "INT8", "x_i32": "INT32", "x_i64": "INT64", "x_f16": "FP16", "x_f32": "FP32"}
        inputs = []
        for i, (n, a) in enumerate(arrays.items()):
            t = httpclient.InferInput(n, list(a.shape), dts[n])
            t.set_data_from_numpy(a, binary_data=bool(i % 2))
            inputs.append(t)
        res = client.infer("dtypes", inputs)
        for n, a in arrays.items():
            y = res.as_numpy("y" + n[1:])
            check(y is not None and y.dtype == a.dtype and np.array_equal(y, a + a), "dtype %s: %s" % (n, y))
        # errors reach the client as exceptions with octet's message
        try:
            client.infer("nosuch", [inp])
            check(False, "unknown model raises")
        except InferenceServerException as e:
            check("unknown model" in str(e), "unknown model message: %s" % e)
        bad = httpclient.InferInput("input", [1, 1, 28, 27], "FP32")
        bad.set_data_from_numpy(np.zeros((1, 1, 28, 27), np.float32))
        try:
            client.infer("fmnist_cnn", [bad])
            check(False, "bad shape raises")
        except InferenceServerException as e:
            check("shape" in str(e), "bad shape message: %s" % e)
        client.close()
    finally:
        server.cleanup()
        import shutil
        shutil.rmtree(repo, ignore_errors=True)
    finish("test_tritonclient")


if __name__ == "__main__":
    main()
