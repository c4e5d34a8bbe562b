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

echo "$((checks-fails)) passed, $fails failed"
[ "$fails" -eq 0 ]
