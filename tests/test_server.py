"""octet serve end to end: a real server on 127.0.0.1 and real HTTP clients.
Every endpoint; every error class with its status and message; 1,000
concurrent requests whose batched answers equal the single-request answers;
an expiring deadline (504); a full queue (503 + Retry-After); a client that
disconnects mid-request; graceful shutdown under load.
Usage: python3 tests/test_server.py path/to/octet"""
import json
import os
import socket
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from server_util import REPO_MODELS, Server, check, finish, images, make_repo, post_json, request  # noqa: E402

OCTET = sys.argv[1] if len(sys.argv) > 1 else "build/octet"
MODELS = REPO_MODELS


def v2_input(img, name="input"):
    return {"name": name, "shape": [1, 1, 28, 28], "datatype": "FP32", "data": img}


def test_metadata(port, states):
    check(states["fmnist_cnn"] == "READY" and states["fmnist_mlp"] == "READY", "bundled models ready: %s" % states)
    check(states["broken"] == "UNAVAILABLE" and states["badcfg"] == "UNAVAILABLE", "broken models unavailable")
    st, body, _ = request(port, "GET", "/v2/health/live")
    check(st == 200 and json.loads(body)["live"] is True, "live")
    st, body, _ = request(port, "GET", "/v2/health/ready")
    check(st == 200 and json.loads(body)["ready"] is True, "ready (one model or more): %s" % body)
    st, body, _ = request(port, "GET", "/v2")
    meta = json.loads(body)
    check(st == 200 and meta["name"] == "octet" and "binary_tensor_data" in meta["extensions"], "server metadata")
    st, body, _ = request(port, "GET", "/v2/models")
    models = {m["name"]: m for m in json.loads(body)["models"]}
    check(sorted(models) == MODELS, "model list: %s" % sorted(models))
    check("truncated" in models["broken"].get("reason", "") or "parse" in models["broken"].get("reason", "").lower(),
          "broken model says why: %s" % models["broken"].get("reason"))
    check("badcfg" in models and "config.json" in models["badcfg"].get("reason", ""),
          "bad config says why: %s" % models["badcfg"].get("reason"))
    check(models["fmnist_cnn"].get("precision") == "int8", "cnn serves int8")
    for name in ("nocalib", "badcalib"):
        check(models[name]["state"] == "UNAVAILABLE" and ("missing-images" in models[name].get("reason", "") or
                                                          "junk" in models[name].get("reason", "")),
              "%s: not ready, and says why: %s" % (name, models[name].get("reason")))
    st, body, _ = request(port, "POST", "/v2/repository/index", {})
    index = json.loads(body)
    check(st == 200 and isinstance(index, list) and {e["name"] for e in index} == set(MODELS) and
          all(e["version"] == "1" for e in index), "repository index")
    st, body, _ = request(port, "GET", "/v2/models/fmnist_cnn")
    m = json.loads(body)
    check(st == 200 and m["inputs"][0] == {"name": "input", "datatype": "FP32", "shape": [-1, 1, 28, 28]} and
          m["outputs"][0]["name"] == "logits" and m["versions"] == ["1"], "model metadata: %s" % body)
    st, _, _ = request(port, "GET", "/v2/models/fmnist_cnn/versions/1")
    check(st == 200, "model metadata with version")
    st, body, _ = request(port, "GET", "/v2/models/fmnist_cnn/versions/7")
    check(st == 404 and "version" in json.loads(body)["error"], "unknown version 404")
    st, _, _ = request(port, "GET", "/v2/models/fmnist_cnn/ready")
    check(st == 200, "model ready")
    st, body, hdr = request(port, "GET", "/v2/models/broken/ready")
    check(st == 503 and json.loads(body)["ready"] is False and hdr.get("retry-after") == "1", "broken model not ready")
    st, body, _ = request(port, "GET", "/v2/models/fmnist_cnn/config")
    cfg = json.loads(body)
    check(st == 200 and cfg["max_batch_size"] == 64 and "dynamic_batching" in cfg, "model config: %s" % body)


def test_infer(port, imgs):
    # the simple form: one example without the batch dimension, a batch, a flat list of examples
    st, a, _ = post_json(port, "/infer", {"model": "fmnist_cnn", "inputs": {"input": [[imgs[0][r * 28:(r + 1) * 28]
                                                                                          for r in range(28)]]},
                                          "top_k": 3})
    check(st == 200 and len(a["outputs"]["logits"]) == 1 and len(a["outputs"]["logits"][0]) == 10,
          "/infer one example: %s" % str(a)[:300])
    check(a.get("precision") == "int8" and a.get("device") == "cpu" and set(a["timing_us"]) ==
          {"queue", "compute", "total"}, "/infer answer fields")
    top = a["top_k"][0]
    logits = a["outputs"]["logits"][0]
    check(len(top) == 3 and top[0]["class"] == logits.index(max(logits)) and top[0]["label"] == "Ankle boot" and
          top[0]["score"] >= top[1]["score"] >= top[2]["score"], "top_k: %s" % top)
    st, b, _ = post_json(port, "/infer", {"model": "fmnist_cnn", "inputs": imgs[0] + imgs[1]})
    check(st == 200 and len(b["outputs"]["logits"]) == 2, "/infer flat list of two examples")
    check(st == 200 and b["outputs"]["logits"][0] == logits, "same answer for the same image in a batch of two")
    # v2 JSON, requested outputs, id
    st, c, _ = post_json(port, "/v2/models/fmnist_cnn/infer", {"id": "req-17", "inputs": [v2_input(imgs[0])],
                                                               "outputs": [{"name": "logits"}]})
    check(st == 200 and c["id"] == "req-17" and c["model_name"] == "fmnist_cnn" and c["outputs"][0]["shape"] ==
          [1, 10] and c["outputs"][0]["datatype"] == "FP32" and c["outputs"][0]["data"] == logits,
          "v2 infer JSON: %s" % str(c)[:300])
    # v2 binary tensor extension: binary input, binary output
    header = json.dumps({"inputs": [{"name": "input", "shape": [1, 1, 28, 28], "datatype": "FP32",
                                     "parameters": {"binary_data_size": 784 * 4}}],
                         "outputs": [{"name": "logits", "parameters": {"binary_data": True}}]}).encode()
    body = header + struct.pack("<784f", *imgs[0])
    st, data, hdr = request(port, "POST", "/v2/models/fmnist_cnn/infer", body,
                            headers={"Inference-Header-Content-Length": str(len(header)),
                                     "Content-Type": "application/octet-stream"})
    hl = int(hdr.get("inference-header-content-length", "0"))
    ok = st == 200 and hl > 0
    if check(ok, "v2 binary: status %d header %s" % (st, hdr)):
        meta = json.loads(data[:hl])
        out = struct.unpack("<10f", data[hl:])
        check(meta["outputs"][0]["parameters"]["binary_data_size"] == 40 and
              all(abs(x - y) <= 1e-6 * max(1, abs(y)) for x, y in zip(out, logits)), "v2 binary output values")
    # the MLP (dynamic int8) and the other datatypes
    st, d, _ = post_json(port, "/infer", {"model": "fmnist_mlp", "inputs": {"input": imgs[0]}})
    check(st == 200 and d["precision"] == "int8" and len(d["outputs"]["logits"][0]) == 10, "mlp /infer")
    vals = {"UINT8": [0, 7, 127], "INT8": [-64, 0, 63], "INT32": [-5, 100000, 3], "INT64": [-(2 ** 40), 1, 2],
            "FP16": [0.5, -1.25, 3.0], "FP32": [0.1, -2.5, 1e6]}
    names = {"UINT8": "u8", "INT8": "i8", "INT32": "i32", "INT64": "i64", "FP16": "f16", "FP32": "f32"}
    req = {"inputs": [{"name": "x_" + names[t], "shape": [1, 3], "datatype": t, "data": v} for t, v in vals.items()]}
    st, e, _ = post_json(port, "/v2/models/dtypes/infer", req)
    if check(st == 200, "dtypes infer: %s" % e):
        got = {o["name"]: o for o in e["outputs"]}
        for t, v in vals.items():
            o = got["y_" + names[t]]
            want = [2 * x for x in v]
            close = all(abs(a - b) <= 1e-6 * max(1, abs(b)) for a, b in zip(o["data"], want))
            check(o["datatype"] == t and o["shape"] == [1, 3] and close, "dtype %s: %s" % (t, o))
    # binary FP16 in, binary out for every output
    header = json.dumps({"inputs": [dict(r, parameters={"binary_data_size": 6}) if r["datatype"] == "FP16" else r
                                    for r in req["inputs"]],
                         "parameters": {"binary_data_output": True}}).encode()
    for r in json.loads(header)["inputs"]:
        if r["datatype"] == "FP16":
            check("data" in r, "test setup")
    fixed = json.loads(header)
    for r in fixed["inputs"]:
        if r["datatype"] == "FP16":
            del r["data"]
    header = json.dumps(fixed).encode()
    f16 = struct.pack("<3e", *vals["FP16"])
    st, data, hdr = request(port, "POST", "/v2/models/dtypes/infer", header + f16,
                            headers={"Inference-Header-Content-Length": str(len(header))})
    if check(st == 200, "dtypes binary: %d %s" % (st, data[:200])):
        hl = int(hdr["inference-header-content-length"])
        outs = json.loads(data[:hl])["outputs"]
        sizes = [o["parameters"]["binary_data_size"] for o in outs]
        check(sizes == [3, 3, 12, 24, 6, 12] and len(data) - hl == sum(sizes), "binary output sizes %s" % sizes)
        at = hl + 3 + 3 + 12 + 24
        check(list(struct.unpack("<3e", data[at:at + 6])) == [1.0, -2.5, 6.0], "binary FP16 round trip")


def test_files_changed(port, repo, imgs):
    """Model and config files changed on disk after load: no effect (models are read once, at load)."""
    before = post_json(port, "/infer", {"model": "fmnist_mlp", "inputs": imgs[3]})
    for f in ("model.onnx", "config.json"):
        p = os.path.join(repo, "fmnist_mlp", f)
        os.unlink(p)
        with open(p, "w") as out:
            out.write("{ garbage")
    after = post_json(port, "/infer", {"model": "fmnist_mlp", "inputs": imgs[3]})
    check(before[0] == 200 and after[0] == 200 and before[1]["outputs"] == after[1]["outputs"],
          "answers unchanged after the files changed on disk")
    st, body, _ = request(port, "GET", "/v2/models/fmnist_mlp/ready")
    check(st == 200, "still ready")


def expect_error(port, method, path, body, code, words, headers=None):
    st, data, hdr = request(port, method, path, body, headers=headers)
    try:
        msg = json.loads(data)["error"]
    except (ValueError, KeyError):
        msg = repr(data[:200])
    ok = st == code and all(w.lower() in msg.lower() for w in words)
    check(ok, "%s %s -> %d %r (expected %d with %s)" % (method, path, st, msg, code, words))
    return hdr


def test_errors(port, imgs):
    img = imgs[0]
    expect_error(port, "POST", "/infer", '{"model": "fmnist_cnn", "inputs": [1, 2', 400, ["malformed JSON: line 1, column"])
    expect_error(port, "POST", "/infer", {"model": "fmnist_cnn"}, 400, ["inputs", "missing"])
    expect_error(port, "POST", "/infer", {"model": "nosuch", "inputs": [1]}, 404, ["unknown model", "nosuch"])
    expect_error(port, "POST", "/infer", {"model": "fmnist_cnn", "inputs": img[:700]}, 400, ["input"])
    expect_error(port, "POST", "/infer", {"model": "fmnist_cnn", "inputs": {"pixels": img}}, 404, ["no input",
                                                                                                  "pixels"])
    expect_error(port, "POST", "/infer", {"model": "fmnist_cnn", "inputs": ["a"] * 784}, 400, ["not a number"])
    expect_error(port, "POST", "/infer", {"model": "fmnist_cnn", "inputs": img, "top_k": 0}, 400, ["top_k"])
    expect_error(port, "POST", "/infer", {"model": "fmnist_cnn", "inputs": img, "colour": 1}, 400, ["unknown key"])
    p = "/v2/models/fmnist_cnn/infer"
    expect_error(port, "POST", p, {"inputs": [dict(v2_input(img), shape=[1, 1, 28, 27])]}, 400, ["shape"])
    expect_error(port, "POST", p, {"inputs": [dict(v2_input(img), datatype="INT64")]}, 400, ["datatype", "INT64"])
    expect_error(port, "POST", p, {"inputs": [dict(v2_input(img), datatype="COMPLEX")]}, 400, ["datatype"])
    expect_error(port, "POST", p, {"inputs": [dict(v2_input(img), data=img[:-1])]}, 400, ["783 values"])
    expect_error(port, "POST", p, {"inputs": [dict(v2_input(img), name="pixels")]}, 404, ["no input", "pixels"])
    expect_error(port, "POST", p, {"inputs": [v2_input(img)], "outputs": [{"name": "probs"}]}, 404, ["no output"])
    expect_error(port, "POST", p, {"inputs": [dict(v2_input(img), shape=[65, 1, 28, 28], data=img * 65)]}, 400,
                 ["max_batch_size"])
    expect_error(port, "POST", p, {"inputs": []}, 400, ["missing"])
    expect_error(port, "POST", "/v2/models/dtypes/infer",
                 {"inputs": [{"name": "x_i8", "shape": [1, 3], "datatype": "INT8", "data": [1, 2, 300]}]}, 400,
                 ["INT8"])
    header = json.dumps({"inputs": [{"name": "input", "shape": [1, 1, 28, 28], "datatype": "FP32",
                                     "parameters": {"binary_data_size": 784 * 4}}]}).encode()
    expect_error(port, "POST", p, header + b"\0" * 100, 400, ["binary"],
                 headers={"Inference-Header-Content-Length": str(len(header))})
    expect_error(port, "POST", p, header, 400, ["length"], headers={"Inference-Header-Content-Length": "99999"})
    expect_error(port, "POST", "/v2/models/nosuch/infer", {"inputs": []}, 404, ["unknown model"])
    expect_error(port, "GET", "/v2/nothing", None, 404, ["no route"])
    hdr = expect_error(port, "GET", p, None, 405, ["not allowed"])
    check(hdr.get("allow") == "POST", "405 has Allow: %s" % hdr.get("allow"))
    hdr = expect_error(port, "POST", "/v2/models/broken/infer", {"inputs": []}, 503, ["not available"])
    check(hdr.get("retry-after") == "1", "503 has Retry-After")
    expect_error(port, "POST", "/infer", {"model": "badcfg", "inputs": img}, 503, ["config.json"])
    # 413: Content-Length over the limit (answered before the body), and a chunked body that grows past it
    s = socket.create_connection(("127.0.0.1", port), timeout=60)
    s.sendall(b"POST /infer HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
              b"Content-Length: %d\r\n\r\n[0,0,0" % (7 << 20))
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    check(data.startswith(b"HTTP/1.1 413") and b"over the limit" in data, "Content-Length over the limit -> %r" %
          data[:120])

    def chunks():
        for _ in range(240):
            yield b"0," * 16384
    import http.client
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    c.request("POST", "/infer", body=chunks(), headers={"Transfer-Encoding": "chunked"}, encode_chunked=True)
    r = c.getresponse()
    check(r.status == 413, "chunked body over the limit -> %d" % r.status)
    c.close()
    # the server still serves
    st, _, _ = post_json(port, "/infer", {"model": "fmnist_cnn", "inputs": img})
    check(st == 200, "serves after the errors")


def test_batching(port, imgs):
    """1,000 concurrent requests from 64 clients (some carrying 2 or 3 images): every answer equals the
    single-request answer for its images."""
    single = []
    for img in imgs:
        st, a, _ = post_json(port, "/infer", {"model": "fmnist_cnn", "inputs": img})
        single.append(a["outputs"]["logits"][0] if st == 200 else None)
    check(all(s is not None for s in single), "single answers")
    CNN_SINGLE.extend(single)
    results, errors = [None] * 1000, []
    lock = threading.Lock()

    def client(tid):
        import http.client
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        for i in range(tid, 1000, 64):
            try:
                k = i % len(imgs)
                rows = [k, (k + 1) % len(imgs), (k + 2) % len(imgs)][:1 + (i % 7 == 0) + (i % 14 == 0)]
                st, body, _ = request(port, "POST", "/infer", {"model": "fmnist_cnn",
                                                              "inputs": [imgs[r] for r in rows]}, conn=conn)
                a = json.loads(body)
                same = st == 200 and a["outputs"]["logits"] == [single[r] for r in rows]
                results[i] = (st, same, a.get("batch_size"))
            except Exception as e:  # noqa: BLE001 (reported)
                with lock:
                    errors.append(repr(e))
        conn.close()

    threads = [threading.Thread(target=client, args=(t,)) for t in range(64)]
    t0 = time.time()
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    dt = time.time() - t0
    check(not errors, "client errors: %s" % errors[:3])
    ok = sum(1 for r in results if r and r[0] == 200 and r[1])
    batched = sum(1 for r in results if r and r[2] and r[2] > 1)
    check(ok == 1000, "batched answers equal single answers: %d of 1000" % ok)
    check(batched > 100, "requests that ran in batches of more than one: %d" % batched)
    print("1000 concurrent requests in %.2f s; %d ran in batches > 1" % (dt, batched), flush=True)


def slow_body(batch=1):
    header = json.dumps({"inputs": [{"name": "x", "shape": [batch, 512, 512], "datatype": "FP32",
                                     "parameters": {"binary_data_size": batch * 512 * 512 * 4}}],
                         "outputs": [{"name": "y", "parameters": {"binary_data": True}}]}).encode()
    x = struct.pack("<%df" % (512 * 512), *([0.001] * (512 * 512))) * batch
    return header, x


def raw_post(port, path, header, payload):
    s = socket.create_connection(("127.0.0.1", port), timeout=120)
    body = header + payload
    s.sendall(("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %d\r\nInference-Header-Content-Length: %d\r\n"
               "Connection: close\r\n\r\n" % (path, len(body), len(header))).encode() + body)
    return s


def read_status(s):
    data = b""
    while b"\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    return int(data.split(b" ")[1]) if data.startswith(b"HTTP/1.1") else -1


def metric(port, name, labels):
    _, body, _ = request(port, "GET", "/metrics")
    for line in body.decode().splitlines():
        if (line.startswith(name + "{") or (not labels and line.startswith(name + " "))) and \
                all('%s="%s"' % kv in line for kv in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_queue_deadline_disconnect(port):
    header, x = slow_body()
    path = "/v2/models/slow/infer"
    t0 = time.time()
    s = raw_post(port, path, header, x)
    check(read_status(s) == 200, "slow model answers")
    run_s = time.time() - t0
    print("slow model: one run %.3f s" % run_s, flush=True)
    # queue full: one running + 2 queued (max_queue_size 2); the rest get 503 with Retry-After
    socks = [raw_post(port, path, header, x) for _ in range(8)]
    codes = sorted(read_status(s) for s in socks)
    check(codes.count(503) >= 4 and codes.count(200) >= 2 and set(codes) <= {200, 503}, "queue full: %s" % codes)
    st, body, hdr = request(port, "POST", path, header + x, headers={"Inference-Header-Content-Length":
                                                                     str(len(header))})
    # deadline: occupy the worker, then a request that may wait 1/5 of a run -> 504
    busy = raw_post(port, path, header, x)
    time.sleep(0.01)
    h2 = json.dumps(dict(json.loads(header), parameters={"timeout": int(run_s * 1e6 / 5)})).encode()
    st, body, _ = request(port, "POST", path, h2 + x, headers={"Inference-Header-Content-Length": str(len(h2))})
    check(st == 504 and "deadline" in json.loads(body)["error"], "deadline -> %d %s" % (st, body[:200]))
    check(read_status(busy) == 200, "the busy request completes")
    # disconnect: occupy the worker, queue one and close its socket; the job is dropped (499 in the metrics).
    # The busy request must be running before the other is sent: under load (or a sanitizer) the HTTP threads
    # may submit two requests sent 10 ms apart in either order. If the busy batch ends before the second
    # request is queued, the attempt is repeated.
    h4, x4 = slow_body(4)

    def wait_for(depth, suspended, limit):
        t = time.time()
        while time.time() - t < limit:
            if (metric(port, "octet_queue_depth", {"model": "slow"}) == depth and
                    metric(port, "octet_suspended_connections", {}) == suspended):
                return True
            time.sleep(0.002)
        return False

    for attempt in range(3):
        before = metric(port, "octet_requests_total", {"model": "slow", "code": "499"})
        busy = raw_post(port, path, h4, x4)
        running = wait_for(0, 1, 10)
        gone = raw_post(port, path, header, x)
        queued = running and wait_for(1, 2, 5)  # the batch of 4 runs and this one waits in the queue
        gone.close()
        check(read_status(busy) == 200, "the busy request completes (disconnect test)")
        if queued:
            break
        time.sleep(0.5)  # let the second request finish before trying again
    check(queued, "a request waits in the queue behind a running batch (3 attempts)")
    t = time.time()
    while metric(port, "octet_requests_total", {"model": "slow", "code": "499"}) <= before and time.time() - t < 120:
        time.sleep(0.05)
    after = metric(port, "octet_requests_total", {"model": "slow", "code": "499"})
    check(after == before + 1, "a disconnected client's job is dropped (499 counted: %g -> %g, attempt %d)" %
          (before, after, attempt + 1))
    s = raw_post(port, path, header, x)
    check(read_status(s) == 200, "serves after the disconnect")


def test_slow_clients(port):
    """A client that sends half a request and stalls, and one that never reads its answer: the server closes them
    after the idle timeout (2 s in this test) and keeps serving; nothing stays suspended."""
    stall = socket.create_connection(("127.0.0.1", port), timeout=30)
    stall.sendall(b"POST /infer HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{\"model\": ")
    header, x = slow_body(4)
    deaf = socket.create_connection(("127.0.0.1", port), timeout=30)
    deaf.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    body = header + x
    deaf.sendall(("POST /v2/models/slow/infer HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n"
                  "Inference-Header-Content-Length: %d\r\n\r\n" % (len(body), len(header))).encode() + body)
    t0 = time.time()
    closed = False
    while time.time() - t0 < 15 and not closed:
        try:
            closed = stall.recv(1024) == b""
        except (ConnectionResetError, socket.timeout):
            closed = True
    check(closed and time.time() - t0 < 10, "a stalled request is closed after the idle timeout (%.1f s)" %
          (time.time() - t0))
    stall.close()
    time.sleep(3)  # the deaf client's answer (4 MB) cannot drain: its connection times out too
    deaf.close()
    st, _, _ = post_json(port, "/infer", {"model": "fmnist_mlp", "inputs": images(1)[0]})
    check(st == 200, "serves after slow clients")
    t = time.time()
    while metric(port, "octet_suspended_connections", {}) != 0 and time.time() - t < 10:
        time.sleep(0.1)
    check(metric(port, "octet_suspended_connections", {}) == 0, "no connection left suspended")


def test_metrics(port):
    st, body, hdr = request(port, "GET", "/metrics")
    text = body.decode()
    check(st == 200 and hdr.get("content-type", "").startswith("text/plain"), "metrics content type")
    for want in ('octet_requests_total{model="fmnist_cnn",endpoint="infer",code="200"}',
                 'octet_requests_total{model="fmnist_cnn",endpoint="v2_infer",code="400"}',
                 'octet_requests_total{model="slow",endpoint="v2_infer",code="503"}',
                 'octet_requests_total{model="slow",endpoint="v2_infer",code="504"}',
                 'octet_request_duration_seconds_bucket{model="fmnist_cnn",le="+Inf"}',
                 'octet_queue_duration_seconds_count{model="fmnist_cnn"}',
                 'octet_compute_duration_seconds_sum{model="fmnist_mlp"}',
                 'octet_batch_size_bucket{model="fmnist_cnn",le="64"}', 'octet_queue_depth{model="fmnist_cnn"} 0',
                 'octet_models_loaded 4', 'octet_model_ready{model="broken"} 0',
                 'octet_model_ready{model="nocalib"} 0',
                 'octet_device_fallbacks_total{model="fmnist_cnn"} 0', "octet_suspended_connections 0"):
        check(want in text, "metrics has %s" % want)
    check(metric(port, "octet_batch_size_bucket", {"model": "fmnist_cnn", "le": "1"}) <
          metric(port, "octet_batch_size_count", {"model": "fmnist_cnn"}) or
          'octet_batch_size_count{model="fmnist_cnn"}' in text, "batch histogram")


def test_shutdown(server, port, imgs):
    """SIGTERM under load: every request gets an answer (200, or 503 once stopping) or a refused connection; exit 0."""
    stop = threading.Event()
    codes, errors = [], []
    lock = threading.Lock()

    def client(tid):
        import http.client
        while not stop.is_set():
            try:
                st, _, _ = request(port, "POST", "/infer", {"model": "fmnist_cnn", "inputs": imgs[tid]}, timeout=30)
                with lock:
                    codes.append(st)
                if st == 503:  # a well-behaved client: the server said it is going away
                    return
            except ConnectionRefusedError:
                return
            except (ConnectionResetError, http.client.RemoteDisconnected, BrokenPipeError) as e:
                with lock:
                    errors.append(repr(e))
                return
            except Exception as e:  # noqa: BLE001 (a hang would be a socket timeout)
                with lock:
                    errors.append(repr(e))
                return

    threads = [threading.Thread(target=client, args=(t,)) for t in range(16)]
    for t in threads:
        t.start()
    time.sleep(1.0)
    t0 = time.time()
    rc = server.stop(timeout=60)
    stop.set()
    for t in threads:
        t.join(60)
    check(rc == 0, "exit code after SIGTERM under load: %s" % rc)
    check(time.time() - t0 < 30, "stopped in %.1f s" % (time.time() - t0))
    check(set(codes) <= {200, 503} and codes.count(200) > 10, "answers during shutdown: %d x 200, others %s" %
          (codes.count(200), sorted(set(codes))))
    check(not errors, "connections cut during shutdown: %s" % errors)
    print("shutdown under load: %d answers, %d cut connections, %.2f s" % (len(codes), len(errors),
                                                                             time.time() - t0), flush=True)


def test_cache(first, repo, imgs):
    """A second start with the same cache loads the calibrated model from it: same answers, no calibration."""
    srv = Server(OCTET, repo, cache=first.cache)
    answers = []
    try:
        srv.wait_ready(["fmnist_cnn"])
        log = srv.log_text()
        check("fmnist_cnn': quantized artifact from the cache" in log and "fmnist_cnn': calibrating" not in log,
              "second start uses the cached artifact")
        for img in imgs[:20]:
            st, a, _ = post_json(srv.port, "/infer", {"model": "fmnist_cnn", "inputs": img})
            answers.append(a["outputs"]["logits"][0] if st == 200 else None)
    finally:
        srv.cleanup()
    check(answers == CNN_SINGLE[:20], "answers from the cached artifact equal the calibrated model's")


def test_device_fallback(repo, imgs):
    """An OpenCL enqueue failure (injected) sends the model to the CPU: same answers, counted in the metrics."""
    if os.environ.get("OCTET_CL_TESTS") == "skip":
        print("device fallback: skipped (OCTET_CL_TESTS=skip)")
        return
    srv = Server(OCTET, repo, args=["--device", "opencl"], env={"OCTET_CL_FAIL": "enqueue", "OCTET_QUIET": "1"})
    try:
        srv.wait_ready(["fmnist_cnn"])
        check("dropping the device" in srv.log_text() or "fall" in srv.log_text(), "the fallback is logged")
        st, body, _ = request(srv.port, "GET", "/v2/models/fmnist_cnn")
        check(st == 200 and json.loads(body)["device"] == "cpu", "metadata says where it runs now: %s" % body)
        answers = []
        for img in imgs[:5]:
            st, a, _ = post_json(srv.port, "/infer", {"model": "fmnist_cnn", "inputs": img})
            answers.append(a["outputs"]["logits"][0] if st == 200 else a)
        check(answers == CNN_SINGLE[:5], "answers after the device failed equal the CPU's")
        n = metric(srv.port, "octet_device_fallbacks_total", {"model": "fmnist_cnn"})
        check(n >= 1, "device fallback counted: %g" % n)
    finally:
        srv.cleanup()


def test_settings(repo):
    """Settings from a config file, the environment and flags (flags win); bad settings fail at start with a reason."""
    import subprocess
    import tempfile
    from server_util import free_port
    d = tempfile.mkdtemp(prefix="octet-settings-")
    bad = os.path.join(d, "bad.json")
    with open(bad, "w") as f:
        json.dump({"port": 8000, "colour": "red"}, f)
    r = subprocess.run([OCTET, "serve", "--config", bad], capture_output=True, text=True, timeout=60)
    check(r.returncode == 2 and "unknown key 'colour'" in r.stderr, "bad config file: %d %s" % (r.returncode, r.stderr))
    r = subprocess.run([OCTET, "serve"], capture_output=True, text=True, timeout=60, env=dict(os.environ,
                                                                                              OCTET_PORT="eighty"))
    check(r.returncode == 2 and "OCTET_PORT" in r.stderr, "bad environment value: %s" % r.stderr)
    r = subprocess.run([OCTET, "serve", "--prot", "1"], capture_output=True, text=True, timeout=60)
    check(r.returncode == 2 and "unknown option --prot" in r.stderr, "unknown flag: %s" % r.stderr)
    r = subprocess.run([OCTET, "serve", "--help"], capture_output=True, text=True, timeout=60)
    check(r.returncode == 0 and "OCTET_MODEL_REPOSITORY" in r.stdout and "--max-body-bytes" in r.stdout, "--help")
    r = subprocess.run([OCTET, "serve", "--model-repository", "/nonexistent/repo"], capture_output=True, text=True,
                       timeout=60)
    check(r.returncode == 1 and "/nonexistent/repo" in r.stderr, "missing repository: %s" % r.stderr)
    # file: port A + the repository; environment: max body; flag: port B (wins over the file)
    port_a, good = free_port(), os.path.join(d, "server.json")
    with open(good, "w") as f:
        json.dump({"port": port_a, "model_repository": repo, "http_threads": 3}, f)
    port_b = free_port()
    e = dict(os.environ, OCTET_MAX_BODY_BYTES="2048", OCTET_CACHE_DIR=d)
    p = subprocess.Popen([OCTET, "serve", "--config", good, "--port", str(port_b)], env=e, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    try:
        t = time.time()
        st = None
        while time.time() - t < 60 and st != 200:
            try:
                st, _, _ = request(port_b, "GET", "/v2/health/live")
            except OSError:
                time.sleep(0.1)
        check(st == 200, "the flag's port wins over the file's")
        st, body, _ = request(port_b, "POST", "/infer", {"model": "fmnist_mlp", "inputs": [0.5] * 784})
        check(st == 413, "the environment's body limit applies: %d" % st)
        st, body, _ = request(port_b, "GET", "/v2/models")
        check(st == 200 and "fmnist_cnn" in body.decode(), "the file's repository is served")
        t, rc = time.time(), 1  # `octet health`: the container's probe
        while rc != 0 and time.time() - t < 120:
            rc = subprocess.run([OCTET, "health", "--port", str(port_b)], capture_output=True).returncode
            time.sleep(0.2)
        check(rc == 0, "octet health: 0 once ready")
        r = subprocess.run([OCTET, "health", "--port", str(free_port())], capture_output=True, text=True)
        check(r.returncode == 1 and "cannot connect" in r.stderr, "octet health: 1 when nothing listens")
    finally:
        p.terminate()
        check(p.wait(60) == 0, "exit 0 on SIGTERM")
        import shutil
        shutil.rmtree(d, ignore_errors=True)


CNN_SINGLE = []


def main():
    imgs = images(100)
    repo = make_repo()
    server = Server(OCTET, repo, args=["--max-body-bytes", str(6 << 20), "--threads", "2",
                                            "--idle-timeout-seconds", "2"])
    try:
        states = server.wait_ready(MODELS)
        port = server.port
        test_metadata(port, states)
        test_infer(port, imgs)
        test_files_changed(port, repo, imgs)
        test_errors(port, imgs)
        test_batching(port, imgs)
        test_queue_deadline_disconnect(port)
        test_slow_clients(port)
        test_metrics(port)
        test_shutdown(server, port, imgs)
        log = server.log_text()
        check("stopped" in log, "server log ends with 'stopped'")
        check("calibrating" in log, "the first start calibrates the static int8 model")
        if FAILURES_PRESENT():
            print(log[-3000:])
        test_cache(server, repo, imgs)
        test_device_fallback(repo, imgs)
        test_settings(repo)
    finally:
        server.cleanup()
        import shutil
        shutil.rmtree(repo, ignore_errors=True)
    finish("test_server")


def FAILURES_PRESENT():
    from server_util import FAILURES
    return bool(FAILURES)


if __name__ == "__main__":
    main()
