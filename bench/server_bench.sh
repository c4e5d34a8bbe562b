#!/usr/bin/env bash
# octet serve under HTTP load: wrk against /infer and /v2/models/<m>/infer for
# every bundled model at concurrency 1, 8 and 64, with dynamic batching off (the
# configs as bundled) and on (the same configs plus a dynamic_batching section),
# and a bare libmicrohttpd server (build/octet_bare_mhd: octet's daemon flags,
# a fixed JSON answer of the size of /infer's) at the same concurrencies in the
# same run: the HTTP layer's ceiling. Writes a markdown table (req/s, p50, p99,
# non-200 answers, mean batch size) to stdout and between the markers
# <!-- server_bench:begin --> / <!-- server_bench:end --> in docs/BENCHMARKS.md.
#
#   bench/server_bench.sh              # 10 s per point (~9 minutes in all)
#   QUICK=1 bench/server_bench.sh      # 3 s per point
#
# Settings (environment):
#   DURATION=10          seconds per wrk run (QUICK=1: 3)
#   WARMUP=1             seconds of unrecorded load per model and server before its runs
#   CONCURRENCY="1 8 64" wrk connections (threads: 2, or 1 at -c 1)
#   MODELS="fmnist_mlp fmnist_cnn fmnist_resnet"
#   ENDPOINTS="infer v2" infer: POST /infer; v2: POST /v2/models/<m>/infer (JSON data)
#   BIN_MODELS=fmnist_mlp  models also measured through v2 with the binary tensor extension
#                        (the image as 3136 raw bytes after the JSON header: no number parsing);
#                        "" to skip
#   BATCHING="off on"    which of the two repositories to run
#   BATCH_DELAY_US=500   dynamic_batching.max_queue_delay_us of the "on" repository
#   THREADS=1            octet serve --threads (compute threads per model instance)
#   HTTP_THREADS=2       octet serve --http-threads, and the bare server's thread pool
#   DOC=1                write the table into docs/BENCHMARKS.md (0: stdout only)
#   MARK=server_bench    the markers' name (<!-- MARK:begin -->): a second table, e.g. for DEVICE=opencl
#   DEVICE=cpu           octet serve --device
#   SKIP_BUILD=0         1: use the binaries in BUILD_DIR as they are
#   BUILD_DIR=build  OCTET_BIN=$BUILD_DIR/octet  BARE_BIN=$BUILD_DIR/octet_bare_mhd
#   READY_TIMEOUT=300    seconds to wait for the models to load (a static INT8 model
#                        calibrates on its first start; later starts use the artifact cache)
#
# --threads 1 (the default here), measured on the 2-core VM this was written on:
# the 2 HTTP threads are the bottleneck (parsing the ~9 KB JSON bodies takes
# ~0.5 ms of CPU per request; compute is ~50-75 us per image at batch 1), and
# every other runnable thread takes CPU from them. With --threads 2 the compute
# side burned 265 us of CPU per request against 75 us with --threads 1
# (fmnist_cnn /infer, c=64, batching off, per-thread CPU from /proc: the second
# pool thread spins after every node, src/core/pool.c) and served 1278 vs 1772
# req/s; in alternating QUICK runs the two were within the VM's noise
# otherwise. A batch of 64 on one thread still runs tens of thousands of
# images/s, more than the HTTP side delivers.
#
# BATCH_DELAY_US=500: in QUICK trials (fmnist_cnn, /infer and v2 binary, c=1/8/64)
# 500, 1000, 2000 and 5000 us gave the same req/s at c=64 within the noise (the
# HTTP side, not compute, limits it), while every request at c=1 waits the whole
# delay (p50 +0.6 ms at 500 us, +1.2 ms at 1000, +2.4 ms at 2000) and at c=8 a
# batch never fills max_batch_size, so it waits the delay too.
#
# Only 127.0.0.1 is used; every server this script starts is stopped on exit
# (trap), and every step is bounded in time (wrk by `timeout`, readiness by
# READY_TIMEOUT, shutdown by a TERM then KILL after 15 s).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

QUICK=${QUICK:-0}
if [[ "$QUICK" == 1 ]]; then DURATION=${DURATION:-3}; else DURATION=${DURATION:-10}; fi
WARMUP=${WARMUP:-1}
CONCURRENCY=${CONCURRENCY:-"1 8 64"}
MODELS=${MODELS:-"fmnist_mlp fmnist_cnn fmnist_resnet"}
ENDPOINTS=${ENDPOINTS:-"infer v2"}
BIN_MODELS=${BIN_MODELS-fmnist_mlp}
BATCHING=${BATCHING:-"off on"}
BATCH_DELAY_US=${BATCH_DELAY_US:-500}
THREADS=${THREADS:-1}
HTTP_THREADS=${HTTP_THREADS:-2}
DOC=${DOC:-1}
SKIP_BUILD=${SKIP_BUILD:-0}
BUILD_DIR=${BUILD_DIR:-build}
OCTET_BIN=${OCTET_BIN:-$BUILD_DIR/octet}
BARE_BIN=${BARE_BIN:-$BUILD_DIR/octet_bare_mhd}
READY_TIMEOUT=${READY_TIMEOUT:-300}
HOST=127.0.0.1
LUA="$ROOT/deploy/wrk/infer.lua"
DOCFILE="$ROOT/docs/BENCHMARKS.md"
MARK=${MARK:-server_bench}
DEVICE=${DEVICE:-cpu}

SERVER_LOG=""
die() {
    echo "server_bench: $*" >&2
    if [[ -n "$SERVER_LOG" && -f "$SERVER_LOG" ]]; then
        echo "server_bench: the last lines of the server's log ($SERVER_LOG):" >&2
        tail -n 20 "$SERVER_LOG" | sed 's/^/server_bench:   /' >&2
    fi
    exit 1
}
log() { echo "server_bench: $*" >&2; }

for tool in wrk curl python3 timeout; do
    command -v "$tool" >/dev/null || die "'$tool' is not installed (wrk: deploy/install-deps.sh --dev)"
done
python3 -c 'import numpy' 2>/dev/null || die "python3 has no numpy (needed by deploy/wrk/make_bodies.py)"

# ---- build ----
if [[ "$SKIP_BUILD" != 1 ]]; then
    [[ -f "$BUILD_DIR/CMakeCache.txt" ]] || timeout 600 cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release >&2 \
        || die "cmake configure failed"
    log "building octet and octet_bare_mhd in $BUILD_DIR"
    timeout 1800 cmake --build "$BUILD_DIR" -j2 --target octet octet_bare_mhd >&2 \
        || die "the build failed (SKIP_BUILD=1 uses the binaries as they are)"
fi
[[ -x "$OCTET_BIN" ]] || die "$OCTET_BIN is missing"
[[ -x "$BARE_BIN" ]] || die "$BARE_BIN is missing"

# ---- scratch space and the servers' clean-up ----
TMP=$(mktemp -d "${TMPDIR:-/tmp}/octet-server-bench.XXXXXX")
SERVER_PID=""
stop_server() {
    local pid=$SERVER_PID
    SERVER_PID=""
    [[ -n "$pid" ]] || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    for _ in $(seq 150); do
        kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
        sleep 0.1
    done
    log "server $pid did not stop in 15 s after SIGTERM: killing it"
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}
cleanup() {
    stop_server
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- request bodies: image 0 of the test set ----
python3 deploy/wrk/make_bodies.py --out "$TMP/bodies" --models "$(echo $MODELS | tr ' ' ',')" >&2
python3 - "$TMP/bodies" $BIN_MODELS <<'EOF'
# v2 with the binary tensor extension: a JSON header, then the image's 3136 raw float32 bytes.
import json, os, sys
import numpy as np
out = sys.argv[1]
x = np.load("tests/data/fmnist_test1000_x.npy")[0:1].astype("<f4")
for m in sys.argv[2:]:
    hdr = json.dumps({"inputs": [{"name": "input", "shape": [1, 1, 28, 28], "datatype": "FP32",
                                  "parameters": {"binary_data_size": x.nbytes}}]}, separators=(",", ":")).encode()
    with open(os.path.join(out, f"v2bin_{m}.bin"), "wb") as f:
        f.write(hdr + x.tobytes())
    with open(os.path.join(out, f"v2bin_{m}.hlen"), "w") as f:
        f.write(str(len(hdr)))
EOF

# ---- model repositories: as bundled (batching off) and with dynamic batching (on) ----
make_repo() { # dir on|off
    local dir=$1 mode=$2
    mkdir -p "$dir"
    for m in $MODELS; do
        [[ -d "models/$m" ]] || die "no model models/$m"
        mkdir -p "$dir/$m"
        for f in models/"$m"/*; do
            [[ "$(basename "$f")" == config.json ]] || ln -s "$ROOT/$f" "$dir/$m/"
        done
        python3 - "models/$m/config.json" "$dir/$m/config.json" "$mode" "$BATCH_DELAY_US" <<'EOF'
import json, sys
src, dst, mode, delay = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
c = json.load(open(src))
if mode == "on":
    c["dynamic_batching"] = {"max_queue_delay_us": delay}
else:
    c.pop("dynamic_batching", None)
json.dump(c, open(dst, "w"), indent=2)
EOF
    done
}

# ---- servers ----
PORT=""
wait_listening() { # log file, pid: sets PORT from the "listening on http://H:P" line
    PORT=""
    for _ in $(seq 300); do
        PORT=$(sed -n 's|.*listening on http://[0-9.]*:\([0-9]*\).*|\1|p' "$1" | head -1)
        [[ -n "$PORT" ]] && return 0
        kill -0 "$2" 2>/dev/null || { cat "$1" >&2; die "the server exited at start-up"; }
        sleep 0.1
    done
    cat "$1" >&2
    die "the server did not listen within 30 s"
}

start_bare() {
    SERVER_LOG="$TMP/bare.log"
    "$BARE_BIN" --host $HOST --port 0 --threads "$HTTP_THREADS" >"$TMP/bare.log" 2>&1 &
    SERVER_PID=$!
    wait_listening "$TMP/bare.log" "$SERVER_PID"
    log "bare libmicrohttpd server on port $PORT (pid $SERVER_PID)"
}

start_octet() { # repository, log
    SERVER_LOG=$2
    "$OCTET_BIN" serve --host $HOST --port 0 --model-repository "$1" --threads "$THREADS" --device "$DEVICE" \
        --http-threads "$HTTP_THREADS" --strict-readiness true >"$2" 2>&1 &
    SERVER_PID=$!
    wait_listening "$2" "$SERVER_PID"
    local t0=$SECONDS
    until [[ "$(curl -s -o /dev/null --max-time 2 -w '%{http_code}' "http://$HOST:$PORT/v2/health/ready")" == 200 ]]; do
        kill -0 "$SERVER_PID" 2>/dev/null || { cat "$2" >&2; die "octet serve exited while loading"; }
        (( SECONDS - t0 < READY_TIMEOUT )) || { cat "$2" >&2; die "the models were not ready in ${READY_TIMEOUT} s"; }
        sleep 0.5
    done
    log "octet serve ($1) ready on port $PORT after $((SECONDS - t0)) s (pid $SERVER_PID)"
}

# mean batch size of model m from /metrics: "sum count"
batch_stats() {
    { curl -s --max-time 5 "http://$HOST:$PORT/metrics" || true; } | awk -v m="$1" '
        $1 == "octet_batch_size_sum{model=\"" m "\"}" { s = $2 }
        $1 == "octet_batch_size_count{model=\"" m "\"}" { c = $2 }
        END { print (s == "" ? 0 : s), (c == "" ? 0 : c) }'
}

# ---- wrk ----
RESULTS="$TMP/results.tsv" # model endpoint batching conc rps p50_us p99_us non200 errors mean_batch
: >"$RESULTS"

wrk_run() { # url body conc seconds label [header...] -> the WRK_RESULT line on stdout
    local url=$1 body=$2 c=$3 secs=$4 label=$5
    shift 5
    local t=2
    (( c < 2 )) && t=1
    local out
    out=$(timeout $((secs + 30)) wrk -t"$t" -c"$c" -d"${secs}s" --timeout 5s --latency -s "$LUA" "$url" -- \
        "$body" "$label" "$@" 2>&1) || { echo "$out" >&2; die "wrk failed or timed out ($label)"; }
    [[ -z "$SERVER_PID" ]] || kill -0 "$SERVER_PID" 2>/dev/null || die "the server (pid $SERVER_PID) is gone ($label)"
    ! grep -q 'stopping\|stopped' "$SERVER_LOG" 2>/dev/null || die "the server was stopped by a signal from elsewhere ($label)"
    grep '^WRK_RESULT' <<<"$out" || { echo "$out" >&2; die "no result line from wrk ($label)"; }
}

field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }

record() { # model endpoint batching conc result-line mean_batch
    local r=$5
    local errs=$(( $(field connect_err "$r") + $(field read_err "$r") + $(field write_err "$r") + $(field timeout_err "$r") ))
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$(field rps "$r")" "$(field p50_us "$r")" \
        "$(field p99_us "$r")" "$(field non200 "$r")" "$errs" "$6" >>"$RESULTS"
    log "$(printf '%-14s %-8s batching %-3s c=%-3s %9s req/s  p50 %6s us  p99 %6s us  non-200 %s  socket errors %s  mean batch %s' \
        "$1" "$2" "$3" "$4" "$(field rps "$r")" "$(field p50_us "$r")" "$(field p99_us "$r")" "$(field non200 "$r")" "$errs" "$6")"
}

endpoint_args() { # model endpoint -> sets URL BODY HDR
    HDR=()
    case $2 in
    infer) URL="http://$HOST:$PORT/infer"; BODY="$TMP/bodies/infer_$1.json" ;;
    v2) URL="http://$HOST:$PORT/v2/models/$1/infer"; BODY="$TMP/bodies/v2_$1.json" ;;
    v2bin) URL="http://$HOST:$PORT/v2/models/$1/infer"; BODY="$TMP/bodies/v2bin_$1.bin"
        HDR=("Inference-Header-Content-Length: $(cat "$TMP/bodies/v2bin_$1.hlen")" "Content-Type: application/octet-stream") ;;
    *) die "unknown endpoint '$2' (infer, v2)" ;;
    esac
}

run_octet() { # on|off
    local mode=$1
    make_repo "$TMP/repo_$mode" "$mode"
    start_octet "$TMP/repo_$mode" "$TMP/octet_$mode.log"
    for m in $MODELS; do
        local eps=$ENDPOINTS
        [[ " $BIN_MODELS " == *" $m "* ]] && eps="$eps v2bin"
        for ep in $eps; do
            endpoint_args "$m" "$ep"
            if (( WARMUP > 0 )); then wrk_run "$URL" "$BODY" 8 "$WARMUP" warmup "${HDR[@]}" >/dev/null; fi
            for c in $CONCURRENCY; do
                local b0 b1
                b0=$(batch_stats "$m")
                local r
                r=$(wrk_run "$URL" "$BODY" "$c" "$DURATION" "$m/$ep/$mode/c$c" "${HDR[@]}")
                b1=$(batch_stats "$m")
                local mb
                mb=$(awk -v a="$b0" -v b="$b1" 'BEGIN { split(a, x, " "); split(b, y, " ");
                    n = y[2] - x[2]; printf (n > 0 ? "%.1f" : "-"), (n > 0 ? (y[1] - x[1]) / n : 0) }')
                record "$m" "$ep" "$mode" "$c" "$r" "$mb"
            done
        done
    done
    grep -E 'ready:|warning|error' "$TMP/octet_$mode.log" | sed 's/^/server_bench:   /' >&2 || true
    stop_server
}

# ---- the runs: the ceiling first, then octet with batching off and on ----
START=$(date -u '+%Y-%m-%d %H:%M UTC')
start_bare
for c in $CONCURRENCY; do
    (( WARMUP > 0 )) && [[ "$c" == "${CONCURRENCY%% *}" ]] && wrk_run "http://$HOST:$PORT/infer" \
        "$TMP/bodies/infer_${MODELS%% *}.json" 8 "$WARMUP" warmup >/dev/null
    r=$(wrk_run "http://$HOST:$PORT/infer" "$TMP/bodies/infer_${MODELS%% *}.json" "$c" "$DURATION" "bare/c$c")
    record "bare" "infer" "-" "$c" "$r" "-"
done
stop_server
for mode in $BATCHING; do run_octet "$mode"; done

# ---- the table ----
CPU=$(lscpu | sed -n 's/^Model name: *//p' | head -1)
NPROC=$(nproc)
CMD="bench/server_bench.sh"
[[ "$QUICK" == 1 ]] && CMD="QUICK=1 $CMD"
for v in DURATION WARMUP CONCURRENCY MODELS ENDPOINTS BIN_MODELS BATCHING BATCH_DELAY_US THREADS HTTP_THREADS MARK DEVICE; do
    def=""
    case $v in
    DURATION) [[ "$QUICK" == 1 ]] && def=3 || def=10 ;;
    WARMUP) def=1 ;; CONCURRENCY) def="1 8 64" ;; MODELS) def="fmnist_mlp fmnist_cnn fmnist_resnet" ;; ENDPOINTS) def="infer v2" ;;
    BIN_MODELS) def=fmnist_mlp ;; BATCHING) def="off on" ;; BATCH_DELAY_US) def=500 ;; THREADS) def=1 ;;
    HTTP_THREADS) def=2 ;; MARK) def=server_bench ;; DEVICE) def=cpu ;;
    esac
    [[ "${!v}" != "$def" ]] && CMD="$v=\"${!v}\" $CMD"
done

TABLE="$TMP/table.md"
python3 - "$RESULTS" "$CPU" "$NPROC" "$START" "$CMD" "$DURATION" "$THREADS" "$HTTP_THREADS" "$BATCH_DELAY_US" \
    "$(wrk --version 2>&1 | head -1 | awk '{print $2}')" "$DEVICE" >"$TABLE" <<'EOF'
import sys
res, cpu, nproc, start, cmd, dur, threads, http_threads, delay, wrkv, device = sys.argv[1:]
rows = [l.rstrip("\n").split("\t") for l in open(res) if l.strip()]
ep_name = {"infer": "/infer", "v2": "v2 JSON", "v2bin": "v2 binary"}
def num(s):
    try: return float(s)
    except ValueError: return None
print(f"Machine: {cpu}, {nproc} cores (`nproc`), shared with other work; {start}. "
      f"octet serve --device {device} --threads {threads} --http-threads {http_threads}; batching on = "
      f"`\"dynamic_batching\": {{\"max_queue_delay_us\": {delay}}}` added to each bundled config.json "
      f"(off = as bundled: one request per run); INT8 as each config.json says. "
      f"wrk {wrkv} on the same machine, -t2 (-t1 at -c1), {dur} s per point, keep-alive, "
      f"`deploy/wrk/infer.lua`; body: test image 0 of tests/data/fmnist_test1000_x.npy "
      f"(/infer nested, v2 JSON flat `data`: ~9.1 KB of JSON; v2 binary: the binary tensor extension, "
      f"a ~100-byte JSON header + 3136 raw bytes). The bare server (`build/octet_bare_mhd`, octet's "
      f"libmicrohttpd flags, {http_threads} threads) reads the same /infer body and answers a fixed "
      f"263-byte JSON.\n")
print(f"Command: `{cmd}`\n")
print("| model | endpoint | batching | concurrency | req/s | p50 ms | p99 ms | non-200 | mean batch |")
print("|---|---|---|---|---|---|---|---|---|")
for m, ep, b, c, rps, p50, p99, bad, errs, mb in rows:
    name = "bare libmicrohttpd (ceiling)" if m == "bare" else m
    bad_s = bad if errs == "0" else f"{bad} (+{errs} socket errors)"
    print(f"| {name} | {ep_name.get(ep, ep)} | {b if b != '-' else '—'} | {c} | {num(rps):,.0f} | "
          f"{num(p50) / 1000:.2f} | {num(p99) / 1000:.2f} | {bad_s} | {mb if mb != '-' else '—'} |")
def get(m, ep, b, c):
    for r in rows:
        if r[:4] == [m, ep, b, c]: return r
    return None
print()
bare = get("bare", "infer", "-", "64")
checks = []
for b in ("off", "on"):
    r = get("fmnist_mlp", "infer", b, "64")
    if bare and r:
        frac = num(r[4]) / num(bare[4])
        tail = num(r[6]) / max(num(r[5]), 1)
        checks.append(f"- fmnist_mlp /infer, c=64, batching {b}: {frac * 100:.1f}% of the bare server's req/s "
                      f"(goal ≥ 50%: {'met' if frac >= 0.5 else 'not met'}), p99/p50 = {tail:.2f} "
                      f"(goal ≤ 3: {'met' if tail <= 3 else 'not met'})")
r = get("fmnist_mlp", "v2bin", "off", "64")
if bare and r:
    checks.append(f"- for comparison, fmnist_mlp v2 binary (no numbers to parse), c=64, batching off: "
                  f"{num(r[4]) / num(bare[4]) * 100:.1f}% of the bare server's req/s")
for ep in ("infer", "v2", "v2bin"):
    on, off = get("fmnist_cnn", ep, "on", "64"), get("fmnist_cnn", ep, "off", "64")
    if on and off:
        ratio = num(on[4]) / num(off[4])
        checks.append(f"- fmnist_cnn {ep_name[ep]}, c=64: batching on / off = {ratio:.2f}× "
                      f"(goal ≥ 2×: {'met' if ratio >= 2 else 'not met'})")
if checks:
    print("Goals, this run:\n")
    print("\n".join(checks))
EOF

echo
cat "$TABLE"

if [[ "$DOC" == 1 ]]; then
    python3 "$ROOT/bench/doc_section.py" "$DOCFILE" "$TABLE" "$MARK" "Server under HTTP load (wrk)"
    log "table written to docs/BENCHMARKS.md"
fi
