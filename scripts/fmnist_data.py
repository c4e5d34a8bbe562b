"""Fashion-MNIST loading for octet's scripts (numpy only, no torchvision).

The data is Debian's dataset-fashion-mnist package: IDX files, gzip-compressed, in
/usr/share/datasets/fashion-mnist/. Normalisation used by every bundled model:

    x = (pixel * SCALE - MEAN) / STD      SCALE = 1/255, MEAN = 0.2860, STD = 0.3530

computed in float32 in that order (as config.json's "preprocess" describes it).
"""
import gzip
import os

import numpy as np

DEFAULT_DIR = "/usr/share/datasets/fashion-mnist"
SCALE = 0.00392156862745098  # 1/255
MEAN = 0.2860
STD = 0.3530
LABELS = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
          "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]

_FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}
# IDX type codes -> numpy dtypes (big-endian on disk)
_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path):
    """Reads one (optionally gzip-compressed) IDX file into a numpy array."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise ValueError(f"{path}: not an IDX file (bad magic)")
    code, ndim = raw[2], raw[3]
    if code not in _IDX_TYPES:
        raise ValueError(f"{path}: unknown IDX type code 0x{code:02x}")
    hdr = 4 + 4 * ndim
    if len(raw) < hdr:
        raise ValueError(f"{path}: truncated header")
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    dtype = np.dtype(_IDX_TYPES[code])
    count = int(np.prod(dims)) if dims else 1
    if len(raw) != hdr + count * dtype.itemsize:
        raise ValueError(f"{path}: size {len(raw)} does not match dims {dims}")
    arr = np.frombuffer(raw, dtype=dtype, count=count, offset=hdr).reshape(dims)
    return arr.astype(dtype.newbyteorder("="))


def load_split(split, data_dir=DEFAULT_DIR):
    """Returns (images uint8 [N,28,28], labels int64 [N]) of 'train' or 'test'."""
    img_file, lbl_file = _FILES[split]
    x = read_idx(os.path.join(data_dir, img_file))
    y = read_idx(os.path.join(data_dir, lbl_file)).astype(np.int64)
    if x.ndim != 3 or x.shape[1:] != (28, 28) or x.shape[0] != y.shape[0]:
        raise ValueError(f"unexpected Fashion-MNIST shapes {x.shape} {y.shape}")
    return x, y


def normalise(images_u8):
    """uint8 [N,28,28] -> float32 [N,1,28,28] with the models' preprocessing."""
    x = images_u8.astype(np.float32) * np.float32(SCALE)
    x = (x - np.float32(MEAN)) / np.float32(STD)
    return x.reshape(-1, 1, 28, 28).astype(np.float32)
