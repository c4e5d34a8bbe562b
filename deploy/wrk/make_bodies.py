#!/usr/bin/env python3
"""Write the request bodies the wrk scripts send: one real Fashion-MNIST test
image (tests/data/fmnist_test1000_x.npy, float32 [1000,1,28,28], already
normalised) per (endpoint, model).

  python3 deploy/wrk/make_bodies.py --out DIR [--image 0] [--models fmnist_mlp,fmnist_cnn,fmnist_resnet]

Files: DIR/infer_<model>.json  POST /infer body, {"model", "inputs": {"input": [[[[28x28]]]]}}
       DIR/v2_<model>.json     POST /v2/models/<model>/infer body, KServe v2 JSON (shape [1,1,28,28], FP32)
Each value is the shortest decimal that reads back as the same float32."""
import argparse
import json
import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def f32(v):
    # shortest round-trip text of a float32 (valid JSON: no nan/inf in the data set)
    return np.format_float_positional(np.float32(v), unique=True, trim="-")


def nested(a):
    if a.ndim == 0:
        return f32(a)
    return "[" + ",".join(nested(x) for x in a) + "]"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, help="directory for the body files")
    ap.add_argument("--data", default=os.path.join(ROOT, "tests", "data", "fmnist_test1000_x.npy"))
    ap.add_argument("--image", type=int, default=0, help="index of the test image (default 0)")
    ap.add_argument("--models", default="fmnist_mlp,fmnist_cnn,fmnist_resnet")
    a = ap.parse_args()
    x = np.load(a.data)
    if x.dtype != np.float32 or x.ndim != 4 or x.shape[1:] != (1, 28, 28):
        sys.exit(f"{a.data}: expected float32 [N,1,28,28], got {x.dtype} {list(x.shape)}")
    img = x[a.image:a.image + 1]  # [1,1,28,28]
    os.makedirs(a.out, exist_ok=True)
    arr = nested(img)
    flat = "[" + ",".join(f32(v) for v in img.reshape(-1)) + "]"
    for m in [s for s in a.models.split(",") if s]:
        bodies = {
            f"infer_{m}.json": '{"model":%s,"inputs":{"input":%s}}' % (json.dumps(m), arr),
            f"v2_{m}.json": '{"inputs":[{"name":"input","shape":[1,1,28,28],"datatype":"FP32","data":%s}]}' % flat,
        }
        for name, text in bodies.items():
            back = json.loads(text)  # the body is valid JSON and holds the image exactly
            vals = back["inputs"]["input"] if name.startswith("infer_") else back["inputs"][0]["data"]
            if not np.array_equal(np.asarray(vals, dtype=np.float32).reshape(img.shape), img):
                sys.exit(f"{name}: the values do not read back as the image")
            with open(os.path.join(a.out, name), "w") as f:
                f.write(text)
    print(f"make_bodies: image {a.image} of {a.data} -> {a.out} ({len(arr)} bytes of pixels per body)")


if __name__ == "__main__":
    main()
