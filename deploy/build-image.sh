#!/usr/bin/env bash
# Build, run and smoke-test octet's container image with podman (or docker).
#
#   deploy/build-image.sh build [--pocl]    # build the image (tag: $OCTET_IMAGE, default localhost/octet:latest)
#   deploy/build-image.sh run [--pocl]      # run it in the foreground on port $OCTET_PORT (default 8000)
#   deploy/build-image.sh test [--pocl]     # build, start, wait for readiness, POST a real /infer, stop
#   (`make image-test` = test)
#
# Works without a registry: when the base image (BASE, default debian:bookworm-slim)
# cannot be pulled, a Debian 12 base is made locally with `debootstrap --variant=minbase
# bookworm` and `podman import` (needs root and the debootstrap package; kept as
# localhost/octet-base:bookworm for later builds). With podman the script uses
# deploy/podman/containers.conf (runtime "runc", nofile 1024:1024; set CONTAINERS_CONF to
# use your own). Builds and the test run use the host network (no port mapping needed).
#
# Environment: ENGINE=podman|docker, BASE=image, OCTET_IMAGE=tag, OCTET_PORT=port,
# OCTET_BASE_DIR=where the debootstrap root file system is kept (/var/tmp/octet-image).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cmd=${1:-test}
shift || true
POCL=0
for a in "$@"; do
  case "$a" in
    --pocl) POCL=1 ;;
    *) echo "usage: $0 build|run|test [--pocl]" >&2; exit 2 ;;
  esac
done

ENGINE=${ENGINE:-$(command -v podman >/dev/null && echo podman || echo docker)}
command -v "$ENGINE" >/dev/null || { echo "build-image: neither podman nor docker is installed" >&2; exit 1; }
if [[ "$ENGINE" == podman && -z "${CONTAINERS_CONF:-}" ]]; then
  export CONTAINERS_CONF="$ROOT/deploy/podman/containers.conf"
fi
TAG=${OCTET_IMAGE:-localhost/octet:latest}
[[ "$POCL" == 1 ]] && TAG="${TAG%:*}:pocl"
PORT=${OCTET_PORT:-8000}
BASE_DIR=${OCTET_BASE_DIR:-/var/tmp/octet-image}
LOCAL_BASE=localhost/octet-base:bookworm
log() { echo "build-image: $*" >&2; }

# The base image: BASE if given, else debian:bookworm-slim if it can be pulled, else a
# local debootstrap one.
pick_base() {
  if [[ -n "${BASE:-}" ]]; then echo "$BASE"; return; fi
  if "$ENGINE" image inspect debian:bookworm-slim >/dev/null 2>&1 ||
     timeout 60 "$ENGINE" pull -q docker.io/library/debian:bookworm-slim >/dev/null 2>&1; then
    echo docker.io/library/debian:bookworm-slim; return
  fi
  if ! "$ENGINE" image inspect "$LOCAL_BASE" >/dev/null 2>&1; then
    log "no base image can be pulled: making $LOCAL_BASE with debootstrap (a few minutes, once)"
    [[ "$(id -u)" == 0 ]] || { log "debootstrap needs root"; exit 1; }
    command -v debootstrap >/dev/null || { log "install debootstrap (apt-get install debootstrap)"; exit 1; }
    if [[ ! -x "$BASE_DIR/rootfs/usr/bin/apt-get" ]]; then
      rm -rf "$BASE_DIR/rootfs"
      mkdir -p "$BASE_DIR"
      debootstrap --variant=minbase bookworm "$BASE_DIR/rootfs" http://deb.debian.org/debian >"$BASE_DIR/debootstrap.log" 2>&1 ||
        { tail -20 "$BASE_DIR/debootstrap.log" >&2; log "debootstrap failed"; exit 1; }
    fi
    # the same sources and apt settings as Debian's own images
    cat >"$BASE_DIR/rootfs/etc/apt/sources.list" <<'EOF'
deb http://deb.debian.org/debian bookworm main
deb http://deb.debian.org/debian bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
EOF
    rm -rf "$BASE_DIR/rootfs/var/cache/apt/archives/"*.deb "$BASE_DIR/rootfs/var/lib/apt/lists/"*
    tar -C "$BASE_DIR/rootfs" -c . | "$ENGINE" import --change 'CMD ["/bin/bash"]' - "$LOCAL_BASE" >/dev/null
  fi
  echo "$LOCAL_BASE"
}

build() {
  local base
  base=$(pick_base)
  log "building $TAG from $base with $ENGINE (POCL=$POCL)"
  local fmt=()
  [[ "$ENGINE" == podman ]] && fmt=(--format docker) # HEALTHCHECK is a docker-format field
  "$ENGINE" build "${fmt[@]}" --network host --build-arg BASE="$base" --build-arg POCL="$POCL" \
    -f "$ROOT/deploy/Dockerfile" -t "$TAG" "$ROOT"
  local size
  size=$("$ENGINE" image inspect "$TAG" --format '{{.Size}}')
  log "image $TAG: $((size / 1000000)) MB"
}

run_args() { # the container's options
  # explicit limits a nested host allows (podman's own nproc default is above the usual hard limit)
  local limits=""
  [[ "$ENGINE" == podman ]] && limits="--ulimit nofile=1024:1024 --ulimit nproc=4096:4096"
  echo --network host -e OCTET_PORT="$PORT" $limits
}

run() {
  # shellcheck disable=SC2046
  exec "$ENGINE" run --rm --name octet $(run_args) "$TAG"
}

smoke_test() {
  build
  local name="octet-image-test-$$"
  # shellcheck disable=SC2046
  "$ENGINE" run -d --name "$name" $(run_args) "$TAG" >/dev/null
  # shellcheck disable=SC2064 # expand now: name is local
  trap "\"$ENGINE\" rm -f \"$name\" >/dev/null 2>&1 || true" EXIT
  log "started $name; waiting for /v2/health/ready on 127.0.0.1:$PORT"
  local t0=$SECONDS
  until curl -fsS -o /dev/null "http://127.0.0.1:$PORT/v2/health/ready" 2>/dev/null; do
    if ! "$ENGINE" ps --format '{{.Names}}' | grep -qx "$name"; then
      "$ENGINE" logs "$name" >&2 || true
      log "the container exited"; exit 1
    fi
    (( SECONDS - t0 < 180 )) || { "$ENGINE" logs "$name" >&2; log "not ready in 180 s"; exit 1; }
    sleep 1
  done
  log "ready after $((SECONDS - t0)) s; container log:"
  "$ENGINE" logs "$name" 2>&1 | sed 's/^/  | /' >&2
  log "GET /v2/models"
  curl -fsS "http://127.0.0.1:$PORT/v2/models"; echo
  log "POST /infer (docs/examples/infer_fmnist_cnn.json: Fashion-MNIST test image 0, an ankle boot)"
  local answer
  answer=$(curl -fsS "http://127.0.0.1:$PORT/infer" -d @"$ROOT/docs/examples/infer_fmnist_cnn.json")
  echo "$answer"
  grep -q '"label":"Ankle boot"' <<<"$answer" || { log "unexpected answer"; exit 1; }
  log "the container's health check: $("$ENGINE" healthcheck run "$name" >/dev/null 2>&1 && echo healthy || echo "not run (docker runs it on its own schedule)")"
  log "user in the container: $("$ENGINE" exec "$name" id)"
  log "image $TAG: $(( $("$ENGINE" image inspect "$TAG" --format '{{.Size}}') / 1000000 )) MB"
  "$ENGINE" stop -t 20 "$name" >/dev/null
  local code
  code=$("$ENGINE" inspect "$name" --format '{{.State.ExitCode}}')
  log "stopped (SIGTERM): exit code $code"
  [[ "$code" == 0 ]] || { "$ENGINE" logs "$name" 2>&1 | tail -5 >&2; log "octet did not exit 0 on SIGTERM"; exit 1; }
  log "image test passed"
}

case "$cmd" in
  build) build ;;
  run) run ;;
  test) smoke_test ;;
  *) echo "usage: $0 build|run|test [--pocl]" >&2; exit 2 ;;
esac
