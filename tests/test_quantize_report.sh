#!/usr/bin/env bash
# `octet quantize --report` and the accuracy budget (automatic mixed precision)
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
