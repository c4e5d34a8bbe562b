"""Shared by the server tests: a test model repository, a real `octet serve` on
127.0.0.1 (a free port), HTTP helpers (standard library only) and the test
images. Every server started here is stopped by Server.stop() (SIGTERM, then
SIGKILL after a bound)."""
import http.client
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
FAILURES = []


def check(cond, what):
    if cond:
        return True
    FAILURES.append(what)
    print("FAIL:", what, flush=True)
    return False


def finish(name):
    if FAILURES:
        print("%s: %d check(s) failed" % (name, len(FAILURES)))
        sys.exit(1)
    print("%s: all checks passed" % name)


def load_npy_f32(path):
    """A little .npy reader (float32, C order): (shape, flat list)."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:6] != b"\x93NUMPY":
        raise ValueError(path + ": not .npy")
    hlen = struct.unpack("<H", data[8:10])[0] if data[6] == 1 else struct.unpack("<I", data[8:12])[0]
    start = 10 if data[6] == 1 else 12
    header = data[start:start + hlen].decode()
    if "'<f4'" not in header or "True" in header.split("fortran_order")[1][:8]:
        raise ValueError(path + ": expected little-endian float32, C order")
    shape = tuple(int(x) for x in header.split("shape")[1].split("(")[1].split(")")[0].split(",") if x.strip())
    body = data[start + hlen:]
    n = 1
    for d in shape:
        n *= d
    return shape, list(struct.unpack("<%df" % n, body[:4 * n]))


def images(count=100):
    """The first `count` Fashion-MNIST test images (normalised), each a flat list of 784 floats."""
    shape, flat = load_npy_f32(os.path.join(HERE, "data", "fmnist_test1000_x.npy"))
    per = shape[1] * shape[2] * shape[3]
    return [flat[i * per:(i + 1) * per] for i in range(min(count, shape[0]))]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


REPO_MODELS = ["badcalib", "badcfg", "broken", "dtypes", "fmnist_cnn", "fmnist_mlp", "nocalib", "slow"]  # make_repo()


def make_repo(extra=None):
    """A temporary repository: fmnist_mlp (int8 dynamic), fmnist_cnn (static int8,
    dynamic batching), dtypes, slow, and two broken models. extra(name) -> dict
    of config overrides per model."""
    d = tempfile.mkdtemp(prefix="octet-repo-")
    extra = extra or {}

    def add(name, model_src, cfg):
        os.mkdir(os.path.join(d, name))
        if model_src:
            os.symlink(model_src, os.path.join(d, name, "model.onnx"))
        cfg.update(extra.get(name, {}))
        with open(os.path.join(d, name, "config.json"), "w") as f:
            json.dump(cfg, f)

    for name in ("fmnist_mlp", "fmnist_cnn"):
        with open(os.path.join(ROOT, "models", name, "config.json")) as f:
            cfg = json.load(f)
        if name == "fmnist_cnn":
            cfg["dynamic_batching"] = {"max_queue_delay_us": 2000}
        else:
            cfg["instance_count"] = 2
        add(name, os.path.join(ROOT, "models", name, "model.onnx"), cfg)
    add("dtypes", os.path.join(HERE, "data", "server", "dtypes.onnx"), {"name": "dtypes", "max_batch_size": 8})
    add("slow", os.path.join(HERE, "data", "server", "slow.onnx"),
        {"name": "slow", "max_batch_size": 4, "max_queue_size": 2})
    # broken: a truncated model file, and a config that is not JSON
    os.mkdir(os.path.join(d, "broken"))
    with open(os.path.join(ROOT, "models", "fmnist_cnn", "model.onnx"), "rb") as f:
        head = f.read(3000)
    with open(os.path.join(d, "broken", "model.onnx"), "wb") as f:
        f.write(head)
    with open(os.path.join(d, "broken", "config.json"), "w") as f:
        json.dump({"name": "broken", "max_batch_size": 8}, f)
    # static INT8 whose calibration data is missing, or not an IDX file
    with open(os.path.join(ROOT, "models", "fmnist_cnn", "config.json")) as f:
        cnn = json.load(f)
    for name, data in (("nocalib", os.path.join(d, "missing-images.gz")), ("badcalib", os.path.join(d, "junk.gz"))):
        c = json.loads(json.dumps(cnn))
        c["name"] = name
        c["quantization"]["calibration"]["data"] = {"idx_images": data}
        add(name, os.path.join(ROOT, "models", "fmnist_cnn", "model.onnx"), c)
    with open(os.path.join(d, "junk.gz"), "wb") as f:
        f.write(b"\x1f\x8b this is not gzip data at all" * 10)
    os.mkdir(os.path.join(d, "badcfg"))
    os.symlink(os.path.join(ROOT, "models", "fmnist_mlp", "model.onnx"), os.path.join(d, "badcfg", "model.onnx"))
    with open(os.path.join(d, "badcfg", "config.json"), "w") as f:
        f.write('{"name": "badcfg", "max_batch_size": 8,')
    return d


class Server:
    def __init__(self, octet, repo, args=(), env=None, cache=None):
        self.port = free_port()
        self.own_cache = cache is None
        self.cache = cache or tempfile.mkdtemp(prefix="octet-cache-")
        e = dict(os.environ)
        e.update(env or {})
        e["OCTET_CACHE_DIR"] = self.cache
        self.log = tempfile.NamedTemporaryFile("w+", prefix="octet-serve-", suffix=".log", delete=False)
        self.proc = subprocess.Popen([octet, "serve", "--model-repository", repo, "--host", "127.0.0.1", "--port",
                                      str(self.port)] + list(args), stdout=self.log, stderr=subprocess.STDOUT, env=e)

    def wait_ready(self, models, timeout=180):
        """Wait until every named model is READY or UNAVAILABLE (loading done)."""
        t0 = time.time()
        while time.time() - t0 < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError("octet serve exited: " + self.log_text())
            try:
                st, body, _ = request(self.port, "GET", "/v2/models")
                if st == 200:
                    states = {m["name"]: m["state"] for m in json.loads(body)["models"]}
                    if all(states.get(m) in ("READY", "UNAVAILABLE") for m in models) and (
                            set(models) != set(states) or request(self.port, "GET", "/v2/health/ready")[0] == 200):
                        return states  # (the whole repository: also wait for the loader to mark it loaded)
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("models not loaded in %d s: %s" % (timeout, self.log_text()))

    def log_text(self):
        self.log.flush()
        with open(self.log.name) as f:
            return f.read()

    def stop(self, timeout=60):
        """SIGTERM; the exit code (SIGKILL and -9 after timeout)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                return -9
        return self.proc.returncode

    def cleanup(self):
        self.stop()
        self.log.close()
        os.unlink(self.log.name)
        if self.own_cache:
            shutil.rmtree(self.cache, ignore_errors=True)


def request(port, method, path, body=None, headers=None, timeout=60, conn=None):
    """(status, body bytes, headers dict with lower-case names)."""
    c = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    if isinstance(body, (dict, list)):
        body = json.dumps(body)
    h = {"Content-Type": "application/json"} if body is not None else {}
    h.update(headers or {})
    c.request(method, path, body=body, headers=h)
    r = c.getresponse()
    data = r.read()
    hdr = {k.lower(): v for k, v in r.getheaders()}
    if conn is None:
        c.close()
    return r.status, data, hdr


def post_json(port, path, obj, **kw):
    st, body, hdr = request(port, "POST", path, obj, **kw)
    try:
        return st, json.loads(body), hdr
    except ValueError:
        return st, {"_raw": body}, hdr
