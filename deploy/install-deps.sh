#!/usr/bin/env bash
# Installs every system package octet's build, tests and server need (Debian 12 /
# Ubuntu). Idempotent: packages already present are skipped by apt.
# Usage: sudo deploy/install-deps.sh [--runtime-only | --dev]
#   (default)       build + test dependencies (what `make test` and CI need)
#   --runtime-only  just the shared libraries the octet binary links
#   --dev           also the tools for retraining the bundled models and running the
#                   benchmarks against their peers (PyTorch, ONNX, OpenBLAS, wrk, valgrind)
set -euo pipefail

build_pkgs=(
  build-essential cmake pkg-config clang
  protobuf-c-compiler libprotobuf-c-dev libonnx-dev
  zlib1g-dev libjansson-dev libmicrohttpd-dev
  ocl-icd-opencl-dev opencl-headers
)
runtime_pkgs=(
  libprotobuf-c1 zlib1g libjansson4 libmicrohttpd12 ocl-icd-libopencl1
)
test_pkgs=(
  libonnx-testdata dataset-fashion-mnist pocl-opencl-icd python3 python3-venv python3-pip python3-yaml yamllint curl openssl
  python3-numpy python3-onnx
)
dev_pkgs=(
  python3 python3-numpy python3-onnx python3-torch python3-venv python3-pip libopenblas0-pthread
  clinfo libclblast-dev wrk valgrind podman buildah runc debootstrap uidmap
)

pkgs=("${runtime_pkgs[@]}")
case "${1:-}" in
  --runtime-only) ;;
  --dev) pkgs+=("${build_pkgs[@]}" "${test_pkgs[@]}" "${dev_pkgs[@]}") ;;
  "") pkgs+=("${build_pkgs[@]}" "${test_pkgs[@]}") ;;
  *) echo "usage: $0 [--runtime-only | --dev]" >&2; exit 2 ;;
esac

# clang's sanitizer and libFuzzer runtimes (make test-sanitize): their own package on Debian 12
# and newer Ubuntu, part of libclang-common-*-dev before
if [ "${1:-}" != "--runtime-only" ] && apt-cache show libclang-rt-14-dev >/dev/null 2>&1; then
  pkgs+=(libclang-rt-14-dev)
fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#pkgs[@]} packages present"
  exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
