#!/usr/bin/env bash
# The octet CLI as a user runs it: help, inspect, run, eval, conformance, and the
# error each bad input gets (exit status and message).
set -u
OCTET=$1; SRC=$2
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
fails=0; checks=0
ok()   { checks=$((checks+1)); }
fail() { checks=$((checks+1)); fails=$((fails+1)); echo "FAIL: $*"; }
# expect RC PATTERN CMD...: exit status RC and output (stdout+stderr) matching PATTERN
expect() {
  local rc=$1 pat=$2; shift 2
  local out; out=$("$@" 2>&1); local got=$?
  if [ "$got" -ne "$rc" ]; then fail "$* -> exit $got (want $rc): $out"; return; fi
  if ! grep -qE -- "$pat" <<<"$out"; then fail "$* -> output lacks /$pat/: $out"; return; fi
  ok
}
CNN=$SRC/models/fmnist_cnn/model.onnx
X=$SRC/tests/data/fmnist_test1000_x.npy
IDX=/usr/share/datasets/fashion-mnist

expect 0 "usage: octet <command>" "$OCTET" --help
expect 2 "unknown command 'frobnicate'" "$OCTET" frobnicate
expect 0 "usage: octet inspect" "$OCTET" inspect --help
expect 0 "peak activation memory \(batch 64\)" "$OCTET" inspect --batch 64 "$CNN"
expect 0 "Conv +[0-9]+ -> [0-9]+" "$OCTET" inspect "$CNN"
expect 0 '"peak_activation_bytes": [0-9]+' "$OCTET" inspect --json "$CNN"
expect 1 "/nonexistent/m.onnx: cannot open" "$OCTET" inspect /nonexistent/m.onnx
head -c 3000 "$CNN" > "$T/trunc.onnx"
expect 1 "trunc.onnx: .*(truncated|corrupt)" "$OCTET" inspect "$T/trunc.onnx"
echo "this is not a model" > "$T/text.onnx"
expect 1 "text.onnx" "$OCTET" inspect "$T/text.onnx"

expect 0 "" "$OCTET" run --model "$CNN" --input "$X" --output "$T/out.npy"
[ -s "$T/out.npy" ] && ok || fail "run wrote no output"
expect 0 "" "$OCTET" run --model "$CNN" --input input="$X" --output logits="$T/out2.npy"
cmp -s "$T/out.npy" "$T/out2.npy" && ok || fail "named and positional run differ"
expect 1 "no input named nope" "$OCTET" run --model "$CNN" --input nope="$X" --output "$T/o.npy"
expect 1 "not a .npy file" "$OCTET" run --model "$CNN" --input "$T/text.onnx" --output "$T/o.npy"
"$OCTET" run --model "$SRC/models/fmnist_mlp/model.onnx" --input "$X" --output "$T/mlp.npy" >/dev/null 2>&1
expect 1 "input 'input': expected shape \[batch?,?1,28,28\]|expected shape" "$OCTET" run --model "$CNN" --input "$T/mlp.npy" --output "$T/o.npy"

expect 0 "accuracy: 0\.[89][0-9]+ \([0-9]+ / 500\)" "$OCTET" eval --model "$CNN" --idx-images $IDX/t10k-images-idx3-ubyte.gz --idx-labels $IDX/t10k-labels-idx1-ubyte.gz --limit 500
expect 0 '"total": 300' "$OCTET" eval --model "$CNN" --idx-images $IDX/t10k-images-idx3-ubyte.gz --idx-labels $IDX/t10k-labels-idx1-ubyte.gz --limit 300 --batch 7 --json --mean 0.2860 --std 0.3530 --scale 0.00392156862745098
expect 1 "labels must be integers" "$OCTET" eval --model "$CNN" --inputs "$X" --labels "$X"
expect 1 "nolabels.npy: cannot open" "$OCTET" eval --model "$CNN" --inputs "$X" --labels "$T/nolabels.npy"
expect 2 "expects an integer" "$OCTET" eval --model "$CNN" --inputs "$X" --labels "$X" --batch 0

mkdir -p "$T/empty"
expect 0 "^0 passed, 0 failed, 0 skipped" "$OCTET" conformance "$T/empty"
expect 0 "1 passed, 0 failed, 0 skipped" "$OCTET" conformance /usr/share/libonnx-testdata/data/node/test_relu
expect 2 "cannot read directory" "$OCTET" conformance /nonexistent

echo "$((checks-fails)) passed, $fails failed"
[ "$fails" -eq 0 ]
