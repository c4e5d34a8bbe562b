#!/usr/bin/env bash
# Runs `octet conformance DIR` and requires: no failure among supported cases and
# at least MIN passing cases (guards against ops silently turning into skips).
# Usage: check_conformance.sh OCTET DIR MIN [extra octet args...]
# With MIN_DEVICE=K in the environment (and --device in the extra args), at least K
# passing cases must also have run nodes on the device.
set -u
octet=$1; dir=$2; min=$3; shift 3
if [ ! -d "$dir" ]; then
  echo "conformance data missing: $dir (apt-get install libonnx-testdata)"; exit 1
fi
out=$("$octet" conformance "$dir" "$@" 2>&1); rc=$?
echo "$out" | grep -E '^(FAIL|SKIP) ' || true
last=$(echo "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -n 1)
echo "$last"
dev=$(echo "$out" | sed -n 's/^\([0-9]*\) of the passed cases ran nodes on the device.*/\1/p')
[ -n "$dev" ] && echo "$dev passing cases ran nodes on the device"
passed=$(echo "$last" | sed -n 's/^\([0-9]*\) passed.*/\1/p')
if [ "$rc" -ne 0 ]; then echo "conformance: failures (exit $rc)"; exit 1; fi
if [ -z "$passed" ] || [ "$passed" -lt "$min" ]; then
  echo "conformance: only ${passed:-0} cases passed, expected at least $min"; exit 1
fi
if [ -n "${MIN_DEVICE:-}" ] && [ "${dev:-0}" -lt "$MIN_DEVICE" ]; then
  echo "conformance: only ${dev:-0} passing cases used the device, expected at least $MIN_DEVICE"; exit 1
fi
exit 0
