#!/usr/bin/env bash
# octet serve under valgrind memcheck: a repository with the MLP (int8 dynamic)
# and the CNN (static int8: calibration, artifact cache, NHWC integer kernels),
# good and bad requests on both endpoints, a client that leaves, then SIGTERM.
# Passes when memcheck reports no errors and nothing definitely or indirectly
# lost. The CPU path only (OCTET_DEVICE=cpu: the OpenCL driver is not ours to check).
#   scripts/valgrind_server.sh [path/to/octet]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OCTET=${1:-$ROOT/build/octet}
TMP=$(mktemp -d /tmp/octet-vg.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$TMP/repo/fmnist_mlp" "$TMP/repo/fmnist_cnn"
for m in fmnist_mlp fmnist_cnn; do
  ln -s "$ROOT/models/$m/model.onnx" "$TMP/repo/$m/model.onnx"
  sed 's/"samples": 512/"samples": 64/' "$ROOT/models/$m/config.json" >"$TMP/repo/$m/config.json"
done
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
OCTET_DEVICE=cpu OCTET_CACHE_DIR="$TMP/cache" valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite,indirect \
  --errors-for-leak-kinds=definite,indirect --error-exitcode=99 --log-file="$TMP/vg.log" \
  "$OCTET" serve --port "$PORT" --model-repository "$TMP/repo" --threads 1 --strict-readiness true &
PID=$!
for _ in $(seq 1 600); do
  [[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/v2/health/ready")" == 200 ]] && break
  kill -0 "$PID" 2>/dev/null || break
  sleep 1
done
body=$(python3 -c 'import json; print(json.dumps(json.load(open("'"$ROOT"'/docs/examples/infer_fmnist_cnn.json"))["inputs"]))')
U="http://127.0.0.1:$PORT"
for m in fmnist_mlp fmnist_cnn; do
  curl -s "$U/infer" -d "{\"model\": \"$m\", \"inputs\": $body, \"top_k\": 2}" | head -c 120; echo
  curl -s "$U/v2/models/$m/infer" -d @"$ROOT/docs/examples/v2_fmnist_cnn.json" | head -c 120; echo
done
curl -s "$U/infer" -d '{"model": "fmnist_cnn", "inputs": [1, 2' ; echo
curl -s "$U/infer" -d '{"model": "nosuch", "inputs": [1]}'; echo
curl -s "$U/v2/models/fmnist_cnn/infer" -d '{"inputs": [{"name": "input", "shape": [1,1,28,27], "datatype": "FP32", "data": [1]}]}'; echo
curl -s -o /dev/null -w '%{http_code}\n' "$U/metrics"
curl -s -o /dev/null -w '%{http_code}\n' "$U/v2/models/fmnist_mlp"
curl -s --max-time 0.001 "$U/infer" -d "{\"model\": \"fmnist_cnn\", \"inputs\": $body}" >/dev/null || true  # leaves early
sleep 2
kill -TERM "$PID"
rc=0
wait "$PID" || rc=$?
cp "$TMP/vg.log" /tmp/octet-valgrind-last.log
grep -E "ERROR SUMMARY|total heap usage|no leaks are possible|definitely lost|indirectly lost|possibly lost|still reachable" "$TMP/vg.log" || true
echo "octet serve under memcheck: exit code $rc"
[[ "$rc" == 0 ]] && grep -q "ERROR SUMMARY: 0 errors" "$TMP/vg.log"
