#!/usr/bin/env bash
# `octet quantize --report` and the accuracy budget (automatic mixed precision, also in
# `octet eval` and at server start-up)
# as a user runs them: the files written, the summary printed, and the errors.
set -u
OCTET=$1; SRC=$2
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
fails=0; checks=0
ok()   { checks=$((checks+1)); }
fail() { checks=$((checks+1)); fails=$((fails+1)); echo "FAIL: $*"; }
expect() {
  local rc=$1 pat=$2; shift 2
  local out; out=$("$@" 2>&1); local got=$?
  if [ "$got" -ne "$rc" ]; then fail "$* -> exit $got (want $rc): $out"; return; fi
  if ! grep -qE -- "$pat" <<<"$out"; then fail "$* -> output lacks /$pat/: $out"; return; fi
  ok
}
file_has() { if grep -qE -- "$2" "$1" 2>/dev/null; then ok; else fail "$1 lacks /$2/"; fi; }
CNN=$SRC/models/fmnist_cnn/model.onnx
IDX=/usr/share/datasets/fashion-mnist
EV=(--eval-idx-images $IDX/t10k-images-idx3-ubyte.gz --eval-idx-labels $IDX/t10k-labels-idx1-ubyte.gz)

# the report needs evaluation data
expect 1 "needs labelled evaluation data.*--eval-idx-images" \
  "$OCTET" quantize --model "$CNN" --out "$T/q.onnx" --report "$T/r.html" --threads 1
expect 2 "--eval-idx-images and --eval-idx-labels go together" \
  "$OCTET" quantize --model "$CNN" --out "$T/q.onnx" --report "$T/r.html" --eval-idx-images $IDX/t10k-images-idx3-ubyte.gz
expect 1 "need static int8" \
  "$OCTET" quantize --model "$CNN" --out "$T/q.onnx" --report "$T/r.html" --activations dynamic "${EV[@]}"

# report on 300 test images
expect 0 "wrote $T/r.html and $T/r.json" \
  "$OCTET" quantize --model "$CNN" --out "$T/q.onnx" --report "$T/r.html" "${EV[@]}" --eval-limit 300 --threads 1 --calib-samples 128
file_has "$T/r.html" "<svg"
file_has "$T/r.html" "/conv2/Conv"
file_has "$T/r.html" "/fc3/Gemm"
file_has "$T/r.json" '"eval_samples": 300'
file_has "$T/r.json" '"name": "/fc1/Gemm"'
expect 0 "accuracy: 0\.[89]" "$OCTET" eval --model "$T/q.onnx" --idx-images $IDX/t10k-images-idx3-ubyte.gz \
  --idx-labels $IDX/t10k-labels-idx1-ubyte.gz --limit 300 --config "$SRC/models/fmnist_cnn/config.json" --threads 1

# an accuracy budget in the config: AMP runs and says what it kept in float
mkdir -p "$T/m"; cp "$CNN" "$T/m/model.onnx"
cat > "$T/m/config.json" <<JSON
{"name": "cnn", "platform": "onnx", "model_file": "model.onnx", "max_batch_size": 64,
 "inputs": [{"name": "input", "datatype": "FP32", "shape": [-1, 1, 28, 28]}],
 "outputs": [{"name": "logits", "datatype": "FP32", "shape": [-1, 10]}],
 "preprocess": {"scale": 0.00392156862745098, "mean": [0.286], "std": [0.353]},
 "quantization": {"precision": "int8", "calibration": {"method": "minmax", "samples": 128,
   "data": {"idx_images": "$IDX/train-images-idx3-ubyte.gz"}},
   "accuracy_budget": {"max_drop": 0, "samples": 300, "data": {"idx_images": "$IDX/t10k-images-idx3-ubyte.gz",
     "idx_labels": "$IDX/t10k-labels-idx1-ubyte.gz", "offset": 1000}}}}
JSON
expect 0 "mixed precision: budget 0 points on 300 samples.*budget met" \
  "$OCTET" quantize --model "$T/m/model.onnx" --out "$T/amp.onnx" --threads 1
if [ -s "$T/amp.onnx" ]; then ok; else fail "amp.onnx not written"; fi
# the same budget applies wherever the config is loaded: `octet eval` and the server at start-up
expect 0 "octet eval: mixed precision: [0-9]+ of [0-9]+ layers kept in fp32; top-1 on 300 samples.*budget met" \
  "$OCTET" eval --model "$T/m/model.onnx" --config "$T/m/config.json" --precision int8 --limit 200 \
  --idx-images $IDX/t10k-images-idx3-ubyte.gz --idx-labels $IDX/t10k-labels-idx1-ubyte.gz --threads 1
mkdir -p "$T/repo/cnn" && cp "$T/m/model.onnx" "$T/m/config.json" "$T/repo/cnn/"
PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$OCTET" serve --model-repository "$T/repo" --port "$PORT" --threads 1 --cache-dir "$T/cache" > "$T/serve.log" 2>&1 &
SPID=$!
for _ in $(seq 1 3000); do  # up to 300 s: AMP runs before the model is ready (slower under ASan)
  grep -q "model 'cnn' \(ready\|is not available\)" "$T/serve.log" 2>/dev/null && break
  kill -0 $SPID 2>/dev/null || break
  sleep 0.1
done
file_has "$T/serve.log" "octet serve: model 'cnn': mixed precision: [0-9]+ of [0-9]+ layers kept in fp32.*budget met"
if /usr/bin/python3 - "$PORT" "$SRC/tests/data/fmnist_test1000_x.npy" <<'PY'
import http.client, json, sys
sys.path.insert(0, sys.argv[2].rsplit("/data/", 1)[0])
import server_util
x = server_util.images(1)[0]
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=30)
body = json.dumps({"inputs": [{"name": "input", "shape": [1, 1, 28, 28], "datatype": "FP32", "data": x}]})
c.request("POST", "/v2/models/cnn/infer", body, {"Content-Type": "application/json"})
r = c.getresponse()
out = json.loads(r.read())
print("server with an accuracy budget: HTTP %d, logits %s" % (r.status, out.get("outputs", [{}])[0].get("shape")))
sys.exit(0 if r.status == 200 and len(out["outputs"][0]["data"]) == 10 else 1)
PY
then ok; else fail "the server with an accuracy budget does not answer: $(tail -5 "$T/serve.log")"; fi
kill $SPID 2>/dev/null; wait $SPID 2>/dev/null

# per-layer fallback in fp16: a hard model with equalization and bias correction turned off
# collapses in int8, so AMP must keep layers out of int8 to meet a 1-point budget; those get
# fp16 weights
mkdir -p "$T/h16"; cp "$3/hard_cnn_s15/model.onnx" "$T/h16/"
/usr/bin/python3 - "$3/hard_cnn_s15/config.json" "$T/h16/config.json" "$IDX" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
q = c["quantization"]
q.update({"equalization": False, "bias_correction": "off"})
q["calibration"]["samples"] = 128
q["accuracy_budget"] = {"max_drop": 1, "samples": 300, "fallback": "fp16",
                        "data": {"idx_images": sys.argv[3] + "/t10k-images-idx3-ubyte.gz",
                                 "idx_labels": sys.argv[3] + "/t10k-labels-idx1-ubyte.gz", "offset": 1000}}
json.dump(c, open(sys.argv[2], "w"))
PY
expect 0 "budget met" "$OCTET" quantize --model "$T/h16/model.onnx" --out "$T/amp16.onnx" --report "$T/amp16.html" \
  --threads 1
file_has "$T/amp16.html" "fp16 weights: kept out of int8 by AMP"
if /usr/bin/python3 - "$T/amp16.json" "$T/amp16.onnx" <<'PY'
import json, sys, onnx
r = json.load(open(sys.argv[1]))
kept = r["amp"]["kept_float"]
fp16 = [t.name for t in onnx.load(sys.argv[2]).graph.initializer if t.data_type == onnx.TensorProto.FLOAT16]
prec = {l["name"]: l["precision"] for l in r["layers"]}
ok = len(kept) > 0 and all(prec[k] == "fp16" for k in kept) and len(fp16) == len(kept)
print("kept out of int8: %s; fp16 initializers: %s" % (kept, fp16))
sys.exit(0 if ok else 1)
PY
then ok; else fail "fp16 fallback: kept layers and fp16 weights do not match"; fi

# a hard model (tests/CMakeLists.txt's hard_models fixture): the report shows the equalization,
# plain int8 collapsing, and the per-layer SQNR before / after
HM=$3/hard_cnn_s20
expect 0 "wrote $T/h.html" "$OCTET" quantize --model "$HM/model.onnx" --out "$T/h.onnx" --report "$T/h.html" \
  "${EV[@]}" --eval-limit 500 --threads 1 --calib-samples 128
file_has "$T/h.html" "Equalization and bias correction"
file_has "$T/h.html" "Output SQNR per layer before / after equalization"
file_has "$T/h.html" "/conv1/Conv</code> &rarr; <code>/conv2/Conv"
file_has "$T/h.html" "balanced on data"
if /usr/bin/python3 - "$T/h.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
e = r["equalization"]
layers = r["layers"]
ok = (len(e["pairs"]) == 4 and all(p["balanced_on"] == "data" for p in e["pairs"])
      and e["plain_int8_accuracy"] < 30 and r["int8_accuracy"] > r["fp32_accuracy"] - 1.5
      and all(l["output_sqnr_db"] > l["plain_output_sqnr_db"] + 10 for l in layers[1:4]))
print("plain %.2f%%, int8 %.2f%%, fp32 %.2f%%; output SQNR plain -> equalized: %s" % (
    e["plain_int8_accuracy"], r["int8_accuracy"], r["fp32_accuracy"],
    ", ".join("%.1f -> %.1f" % (l["plain_output_sqnr_db"], l["output_sqnr_db"]) for l in layers[:4])))
sys.exit(0 if ok else 1)
PY
then ok; else fail "hard model report: equalization figures"; fi

echo "$((checks-fails)) passed, $fails failed"
[ "$fails" -eq 0 ]
