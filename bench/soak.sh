#!/usr/bin/env bash
# Soak test: octet serve under wrk for DURATION seconds (default 600) at 64
# connections in all, over a mix of models, endpoints and bad requests; every
# answer is checked (status, and a piece of its body: the predicted class of the
# test image, the model name, the error message). The server's RSS is sampled
# every 5 s; the verdict: zero unexpected answers, zero socket errors, RSS growth
# after the warm-up (the first 20% of the run) under 5%, and a clean exit 0 on
# SIGTERM at the end. Writes the summary to stdout and, with DOC=1 (default),
# between <!-- soak:begin --> / <!-- soak:end --> in docs/BENCHMARKS.md.
# Only 127.0.0.1; the server is always stopped.
#   bench/soak.sh                 # 10 minutes
#   DURATION=60 bench/soak.sh     # a short run
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DURATION=${DURATION:-600}
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
OCTET_BIN=${OCTET_BIN:-$BUILD_DIR/octet}
DOC=${DOC:-1}
HOST=127.0.0.1
TMP=$(mktemp -d /tmp/octet-soak.XXXXXX)
PID=""
cleanup() {
  [[ -n "$PID" ]] && kill -TERM "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true
  jobs -p | xargs -r kill 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT
die() { echo "soak: $*" >&2; exit 1; }
log() { echo "soak: $*" >&2; }
command -v wrk >/dev/null || die "wrk is not installed (apt-get install wrk)"
[[ -x "$OCTET_BIN" ]] || cmake --build "$BUILD_DIR" -j"$(nproc)" --target octet >/dev/null

# repository: the bundled models, the CNN with dynamic batching
mkdir -p "$TMP/repo"
for m in fmnist_mlp fmnist_cnn fmnist_resnet; do
  mkdir "$TMP/repo/$m"
  ln -s "$ROOT/models/$m/model.onnx" "$TMP/repo/$m/model.onnx"
  python3 - "$ROOT/models/$m/config.json" "$TMP/repo/$m/config.json" "$m" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))
if sys.argv[3] == "fmnist_cnn":
    c["dynamic_batching"] = {"max_queue_delay_us": 500}
json.dump(c, open(sys.argv[2], "w"))
EOF
done
python3 "$ROOT/deploy/wrk/make_bodies.py" --out "$TMP/bodies" >/dev/null
python3 - "$TMP/bodies" <<'EOF'
import json, os, struct, sys
d = sys.argv[1]
v2 = json.load(open(os.path.join(d, "v2_fmnist_cnn.json")))
img = v2["inputs"][0]["data"]
json.dump({"model": "fmnist_mlp", "inputs": img, "top_k": 1}, open(os.path.join(d, "soak_mlp.json"), "w"))
json.dump({"model": "fmnist_cnn", "inputs": img, "top_k": 1}, open(os.path.join(d, "soak_cnn.json"), "w"))
bad = dict(v2)
bad["inputs"] = [dict(v2["inputs"][0], shape=[1, 1, 28, 27])]
json.dump(bad, open(os.path.join(d, "soak_badshape.json"), "w"))
open(os.path.join(d, "soak_badjson.json"), "w").write('{"model": "fmnist_mlp", "inputs": [1, 2')
json.dump({"model": "nosuch", "inputs": [1]}, open(os.path.join(d, "soak_nomodel.json"), "w"))
h = json.dumps({"inputs": [{"name": "input", "shape": [1, 1, 28, 28], "datatype": "FP32",
                            "parameters": {"binary_data_size": 784 * 4}}],
                "parameters": {"binary_data_output": True}}).encode()
open(os.path.join(d, "soak_bin.dat"), "wb").write(h + struct.pack("<784f", *img))
open(os.path.join(d, "soak_bin.hlen"), "w").write(str(len(h)))
EOF

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
OCTET_CACHE_DIR="$TMP/cache" "$OCTET_BIN" serve --host $HOST --port "$PORT" --model-repository "$TMP/repo" \
  --threads 1 --strict-readiness true >"$TMP/server.log" 2>&1 &
PID=$!
for _ in $(seq 1 600); do
  [[ "$(curl -s -o /dev/null -w '%{http_code}' "http://$HOST:$PORT/v2/health/ready")" == 200 ]] && break
  kill -0 "$PID" 2>/dev/null || { cat "$TMP/server.log" >&2; die "the server exited"; }
  sleep 0.5
done
log "server ready on port $PORT (pid $PID); soaking for $DURATION s"

# RSS every 5 s
( while kill -0 "$PID" 2>/dev/null; do
    echo "$(date +%s) $(awk '/VmRSS/ {print $2}' /proc/$PID/status 2>/dev/null)"
    sleep 5
  done ) >"$TMP/rss.txt" &

LUA="$ROOT/deploy/wrk/soak.lua"
B="$TMP/bodies"
U="http://$HOST:$PORT"
run() { # label conns path method body status text [header]
  local label=$1 c=$2 path=$3
  shift 3
  timeout $((DURATION + 60)) wrk -t1 -c"$c" -d"${DURATION}s" --timeout 10s --latency -s "$LUA" "$U$path" -- "$@" \
    >"$TMP/wrk_$label.log" 2>&1 || true
}
WRK=()
run infer_mlp 16 /infer POST "$B/soak_mlp.json" 200 '"class":9' infer_mlp & WRK+=($!)
run infer_cnn 16 /infer POST "$B/soak_cnn.json" 200 '"class":9' infer_cnn & WRK+=($!)
run v2_resnet 8 /v2/models/fmnist_resnet/infer POST "$B/v2_fmnist_resnet.json" 200 '"model_name":"fmnist_resnet"' \
  v2_resnet & WRK+=($!)
run v2bin_mlp 8 /v2/models/fmnist_mlp/infer POST "$B/soak_bin.dat" 200 '"binary_data_size":40' v2bin_mlp \
  "Inference-Header-Content-Length: $(cat "$B/soak_bin.hlen")" & WRK+=($!)
run bad_json 4 /infer POST "$B/soak_badjson.json" 400 'malformed JSON' bad_json & WRK+=($!)
run bad_model 4 /infer POST "$B/soak_nomodel.json" 404 'unknown model' bad_model & WRK+=($!)
run bad_shape 4 /v2/models/fmnist_cnn/infer POST "$B/soak_badshape.json" 400 'shape' bad_shape & WRK+=($!)
run health 2 /v2/health/ready GET - 200 '"ready":true' health & WRK+=($!)
run metrics 2 /metrics GET - 200 'octet_requests_total' metrics & WRK+=($!)
wait "${WRK[@]}"
sleep 1

kill -TERM "$PID"
rc=0
wait "$PID" || rc=$?
PID=""
tail -1 "$TMP/server.log" | grep -q stopped || log "warning: no 'stopped' line in the server log"

verdict=0
python3 - "$TMP" "$DURATION" "$rc" "$(date -u +%Y-%m-%d)" "$(lscpu | sed -n 's/^Model name: *//p' | head -1)" \
  "$(nproc)" >"$TMP/summary.md" <<'EOF' || verdict=$?
import glob, os, re, sys
tmp, dur, rc, day, cpu, nproc = sys.argv[1:]
rows, total, bad, errs = [], 0, 0, 0
for f in sorted(glob.glob(os.path.join(tmp, "wrk_*.log"))):
    text = open(f).read()
    m = re.search(r"SOAK_RESULT label=(\S+) requests=(\d+) rps=(\S+) p50_us=(\d+) p99_us=(\d+) unexpected=(\d+) "
                  r"errors=(\d+)", text)
    if not m:
        rows.append((os.path.basename(f), "no result", "", "", "", "", ""))
        bad += 1
        continue
    lab, n, rps, p50, p99, u, e = m.groups()
    s = re.search(r"SOAK_SAMPLE label=\S+ (.*)", text)
    rows.append((lab, n, rps, "%.2f" % (int(p50) / 1000), "%.2f" % (int(p99) / 1000), u, e + (" (" + s.group(1)[:80] + ")" if s else "")))
    total += int(n); bad += int(u); errs += int(e)
rss = [(int(t), int(k)) for t, k in (l.split() for l in open(os.path.join(tmp, "rss.txt")) if len(l.split()) == 2)]
t0 = rss[0][0]
warm = [k for t, k in rss if t - t0 >= 0.2 * int(dur)]
base, last, peak = warm[0], warm[-1], max(warm)
growth = 100.0 * (peak - base) / base
ok = bad == 0 and errs == 0 and growth < 5 and rc == "0"
print(f"Machine: {cpu}, {nproc} cores; {day}; `bench/soak.sh` (DURATION={dur}): octet serve --threads 1, "
      f"wrk on the same machine, 64 connections over 9 request kinds, every answer checked.\n")
print("| request | answers | req/s | p50 ms | p99 ms | unexpected | socket errors |")
print("|---|---|---|---|---|---|---|")
for r in rows:
    print("| " + " | ".join(r) + " |")
print(f"\nTotal {total:,} answers in {dur} s, {bad} unexpected, {errs} socket errors. RSS after the warm-up "
      f"(first 20%): {base / 1024:.1f} MiB, at the end {last / 1024:.1f} MiB, peak {peak / 1024:.1f} MiB: growth "
      f"{growth:+.2f}% (goal < 5%). Exit code on SIGTERM: {rc}. Verdict: {'PASS' if ok else 'FAIL'}.")
sys.exit(0 if ok else 3)
EOF
cat "$TMP/summary.md"
if [[ "$DOC" == 1 ]]; then
  python3 "$ROOT/bench/doc_section.py" "$ROOT/docs/BENCHMARKS.md" "$TMP/summary.md" soak "Soak test (bench/soak.sh)"
fi
exit $verdict
