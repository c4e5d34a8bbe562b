#!/usr/bin/env bash
# Every OpenCL kernel file compiles with clang's OpenCL front end for spir64
# in several feature configurations, so that the paths PoCL cannot run
# (integer dot product, fp16 arithmetic) still compile:
#   OpenCL C 1.2, no extensions         portable dot product, no half arithmetic (what PoCL runs)
#   OpenCL C 1.2, cl_khr_fp16           half arithmetic
#   OpenCL C 3.0 without fp16 (SPIR: the integer dot product features are on)
#   OpenCL C 3.0 with cl_khr_fp16 / __opencl_c_fp16
# Warnings are errors. Each configuration's macros are read back (-dM): the
# INT8 kernels must call dot_4x8packed_us_int exactly when OCT_DOT4_IS_NATIVE
# is 1, and over all configurations every file using OCT_DOT4 / OCT_HAVE_HALF
# must have compiled both ways.
# usage: test_cl_compile.sh SOURCE_DIR [CLANG]
set -euo pipefail
src="$1/kernels_cl"
cc="${2:-clang}"
command -v "$cc" >/dev/null || { echo "no $cc: install clang"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
configs=("CL1.2|-all" "CL1.2|-all,+cl_khr_fp16" "CL3.0|-cl_khr_fp16,-__opencl_c_fp16" "CL3.0|+cl_khr_fp16,+__opencl_c_fp16")
n=0
for f in "$src"/*.cl; do
  name=$(basename "$f")
  seen=""
  for c in "${configs[@]}"; do
    std="${c%%|*}"; ext="${c#*|}"
    # the front end itself (-cc1): clang 14's driver adds -fdeclare-opencl-builtins, whose
    # table lacks vload_half once -cl-ext is given; -finclude-default-header alone reads opencl-c.h
    args=(-cc1 -triple spir64 "-cl-std=$std" -finclude-default-header "-cl-ext=$ext" -I "$src")
    out="$tmp/$name.ll"
    if ! "$cc" "${args[@]}" -Werror -emit-llvm -o "$out" -x cl "$f" 2>"$tmp/log"; then
      head -30 "$tmp/log"; echo "FAIL: $name with $std $ext"; exit 1
    fi
    macros=$("$cc" "${args[@]}" -dM -E -x cl "$f")
    native=$(grep -c "define OCT_DOT4_IS_NATIVE 1" <<<"$macros" || true)
    half=$(grep -c "define OCT_HAVE_HALF 1" <<<"$macros" || true)
    if grep -q "OCT_DOT4" "$f"; then
      if [ "$native" = 1 ]; then
        grep -q "dot_4x8packed_us_int" "$out" || { echo "FAIL: $name: OCT_DOT4 does not reach the builtin ($std $ext)"; exit 1; }
      else
        ! grep -q "dot_4x8packed" "$out" || { echo "FAIL: $name: the builtin is called without the feature ($std $ext)"; exit 1; }
      fi
      seen="$seen dot$native"
    fi
    grep -q "OCT_HAVE_HALF" "$f" && seen="$seen half$half"
    n=$((n + 1))
  done
  if grep -q "OCT_DOT4" "$f"; then
    [[ "$seen" == *dot0* && "$seen" == *dot1* ]] || { echo "FAIL: $name: not compiled with and without the dot product"; exit 1; }
  fi
  if grep -q "OCT_HAVE_HALF" "$f"; then
    [[ "$seen" == *half0* && "$seen" == *half1* ]] || { echo "FAIL: $name: not compiled with and without fp16"; exit 1; }
  fi
done
echo "compiled $n (kernel file x feature configuration) for spir64 with $cc: every path of every kernel compiles"
