#!/usr/bin/env bash
# The long fuzzing runs: every libFuzzer target for SECONDS (default 600) over its
# seed corpus, two at a time, in a clang build with -DOCTET_FUZZ=ON. New inputs go
# to $OUT/found_<target> (the committed seeds are not touched); crashes to
# $OUT/crash_<target>-*; a summary line per target (executions, coverage, new
# inputs, crashes) at the end.
#   scripts/fuzz_long.sh [BUILD_DIR=build-fuzz] [SECONDS=600]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD=${1:-$ROOT/build-fuzz}
SECS=${2:-600}
OUT=${OUT:-$BUILD/fuzz-long}
if [[ ! -x "$BUILD/tests/fuzz/fuzz_json" ]]; then
  CC=clang cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Debug -DOCTET_FUZZ=ON -DCMAKE_C_COMPILER=clang >/dev/null
  cmake --build "$BUILD" -j"$(nproc)" >/dev/null
fi
mkdir -p "$OUT"
targets=(json infer v2 onnx config npy)
run() {
  local t=$1
  mkdir -p "$OUT/found_$t"
  "$BUILD/tests/fuzz/fuzz_$t" "$OUT/found_$t" "$ROOT/tests/fuzz/corpus/$t" -max_total_time="$SECS" \
    -rss_limit_mb=4096 -timeout=20 -print_final_stats=1 -artifact_prefix="$OUT/crash_$t-" >"$OUT/$t.log" 2>&1 || true
}
for ((i = 0; i < ${#targets[@]}; i += 2)); do
  run "${targets[i]}" &
  [[ -n "${targets[i + 1]:-}" ]] && run "${targets[i + 1]}" &
  wait
done
echo "target | seconds | executions | exec/s | coverage (edges) | features | new inputs | crashes"
for t in "${targets[@]}"; do
  log="$OUT/$t.log"
  ex=$(awk '/stat::number_of_executed_units/ {print $2}' "$log")
  eps=$(awk '/stat::average_exec_per_sec/ {print $2}' "$log")
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | awk '{print $2}')
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | awk '{print $2}')
  new=$(awk '/stat::new_units_added/ {print $2}' "$log")
  crashes=$(find "$OUT" -maxdepth 1 -name "crash_$t-*" | wc -l)
  echo "$t | $SECS | $ex | $eps | $cov | $ft | $new | $crashes"
done
