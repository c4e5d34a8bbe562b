"""octet serve's access control, end to end: HTTPS with a certificate made here
(openssl) and checked by curl and Python's ssl; the API key from a file
(Authorization: Bearer, 401 with WWW-Authenticate otherwise; health routes
open); model names confined to the repository (path traversal through the URL
finds nothing); bad TLS or key settings fail at start with a reason.
Usage: python3 tests/test_server_security.py path/to/octet"""
import http.client
import json
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from server_util import ROOT, check, finish, free_port, images  # noqa: E402

OCTET = sys.argv[1] if len(sys.argv) > 1 else "build/octet"
KEY = "s3cr3t-Key_for-octet.tests"


def https(port, ctx, method, path, body=None, headers=None):
    c = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=60)
    h = {"Content-Type": "application/json"}
    h.update(headers or {})
    c.request(method, path, body=json.dumps(body) if isinstance(body, dict) else body, headers=h)
    r = c.getresponse()
    data = r.read()
    hdr = {k.lower(): v for k, v in r.getheaders()}
    c.close()
    return r.status, data, hdr


def main():
    d = tempfile.mkdtemp(prefix="octet-sec-")
    repo = os.path.join(d, "repo")
    os.makedirs(os.path.join(repo, "fmnist_mlp"))
    for f in ("model.onnx", "config.json"):
        os.symlink(os.path.join(ROOT, "models", "fmnist_mlp", f), os.path.join(repo, "fmnist_mlp", f))
    with open(os.path.join(d, "secret.txt"), "w") as f:  # outside the repository: path traversal target
        f.write("not a model")
    cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
    r = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                        "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                       capture_output=True, text=True)
    check(r.returncode == 0, "openssl made a certificate: %s" % r.stderr[-300:])
    keyfile = os.path.join(d, "api.key")
    with open(keyfile, "w") as f:
        f.write(KEY + "\n")

    # bad settings fail at start, with the reason
    for args, want in ((["--tls-cert", cert], "both --tls-cert and --tls-key"),
                       (["--tls-cert", cert, "--tls-key", cert], "PEM"),
                       (["--api-key-file", os.path.join(d, "missing.key")], "API key file"),
                       (["--api-key", "a b"], "spaces"),
                       (["--api-key", "x", "--api-key-file", keyfile], "not both")):
        p = subprocess.run([OCTET, "serve", "--model-repository", repo, "--port", "0"] + args, capture_output=True,
                           text=True, timeout=60)
        check(p.returncode != 0 and want in p.stderr, "%s -> %d %s" % (args, p.returncode, p.stderr.strip()[-200:]))

    port = free_port()
    env = dict(os.environ, OCTET_CACHE_DIR=os.path.join(d, "cache"))
    proc = subprocess.Popen([OCTET, "serve", "--model-repository", repo, "--port", str(port), "--tls-cert", cert,
                             "--tls-key", key, "--api-key-file", keyfile], env=env, stdout=subprocess.DEVNULL,
                            stderr=open(os.path.join(d, "log"), "w"))
    ctx = ssl.create_default_context(cafile=cert)
    try:
        t, st = time.time(), None
        while time.time() - t < 120 and st != 200:
            try:
                st, _, _ = https(port, ctx, "GET", "/v2/health/ready")
            except OSError:
                pass
            if st != 200:
                time.sleep(0.2)
        check(st == 200, "health over HTTPS without a key: %s" % st)
        # curl checks the certificate made here
        c = subprocess.run(["curl", "-sS", "--cacert", cert, "https://127.0.0.1:%d/v2/health/live" % port],
                           capture_output=True, text=True, timeout=60)
        check(c.returncode == 0 and '"live":true' in c.stdout, "curl over TLS: %s %s" % (c.stdout, c.stderr))
        c = subprocess.run(["curl", "-sS", "https://127.0.0.1:%d/v2/health/live" % port], capture_output=True,
                           text=True, timeout=60)
        check(c.returncode != 0, "curl refuses the self-signed certificate without --cacert")
        c = subprocess.run(["curl", "-sS", "--max-time", "5", "http://127.0.0.1:%d/v2/health/live" % port],
                           capture_output=True, text=True, timeout=60)
        check('"live"' not in c.stdout, "plain HTTP gets no answer from the TLS port")
        body = {"model": "fmnist_mlp", "inputs": images(1)[0]}
        auth = {"Authorization": "Bearer " + KEY}
        for hdrs, what in (({}, "needed"), ({"Authorization": "Bearer wrong"}, "not valid"),
                           ({"Authorization": "Bearer " + KEY[:-1]}, "not valid"),
                           ({"Authorization": "Bearer " + KEY + "x"}, "not valid"),
                           ({"Authorization": "Basic " + KEY}, "not valid")):
            st, data, hdr = https(port, ctx, "POST", "/infer", body, hdrs)
            check(st == 401 and what in json.loads(data)["error"] and hdr.get("www-authenticate", "").startswith(
                "Bearer"), "/infer with %s -> %d %s" % (hdrs or "no key", st, data[:100]))
        for path in ("/v2/models", "/v2/models/fmnist_mlp", "/metrics", "/v2"):
            st, _, _ = https(port, ctx, "GET", path)
            check(st == 401, "%s without the key -> %d" % (path, st))
        st, data, _ = https(port, ctx, "POST", "/infer", body, auth)
        check(st == 200 and len(json.loads(data)["outputs"]["logits"][0]) == 10, "/infer with the key")
        c = subprocess.run(["curl", "-sS", "--cacert", cert, "-H", "Authorization: Bearer " + KEY,
                            "https://127.0.0.1:%d/v2/models/fmnist_mlp" % port], capture_output=True, text=True,
                           timeout=60)
        check(c.returncode == 0 and '"name":"fmnist_mlp"' in c.stdout, "curl with the key: %s" % c.stdout[:200])
        # model names never leave the repository
        for path in ("/v2/models/../secret.txt/ready", "/v2/models/..%2Fsecret.txt", "/v2/models/%2e%2e/ready",
                     "/v2/models/fmnist_mlp%2F..%2F..%2Fsecret.txt", "/v2/models/.hidden", "/v2/models/~root/ready"):
            st, data, _ = https(port, ctx, "GET", path, headers=auth)
            check(st == 404 and b"not a model" not in data, "%s -> %d %s" % (path, st, data[:120]))
        st, data, _ = https(port, ctx, "POST", "/infer", {"model": "../secret.txt", "inputs": [1]}, auth)
        check(st == 404 and "unknown model" in json.loads(data)["error"], "/infer with a path as the model name")
    finally:
        proc.terminate()
        check(proc.wait(60) == 0, "exit 0 on SIGTERM")
        shutil.rmtree(d, ignore_errors=True)
    finish("test_server_security")


if __name__ == "__main__":
    main()
