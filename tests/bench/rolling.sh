#!/usr/bin/env bash
# Benchmark of updating a running service on one host: a client container asks the service
# through its name every 100 ms while `up -d` replaces the service's container by one that
# starts serving after 2 s (healthy once it answers). Prints, for dockhand with
# `update_config.order: start-first`, dockhand with the default stop-first, and the reference
# (which ignores update_config): the requests that failed among the first 50 after `up`
# began, and the time from `up` to the old container gone.
#
#   bash tests/bench/rolling.sh
#   RUNS=3 bash tests/bench/rolling.sh
#
# Needs a reachable engine and the local image busybox:latest. The figures are measured,
# never asserted (tests/engine_rolling.rs asserts zero failures for start-first).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
RUNS=${RUNS:-1}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
DOCKHAND=${DOCKHAND:-$TARGET/debug/dockhand}
REFERENCE=${DOCKHAND_REFERENCE:-/opt/refcompose/bin/docker-compose}
PROJECT=dh-bench-rolling-$$
WINDOW=50

[ "${DOCKHAND_BUILD:-1}" = 1 ] && (cd "$ROOT" && cargo build --locked --quiet)
WORK=$(mktemp -d)
cleanup() {
  (cd "$WORK" && "$DOCKHAND" -p "$PROJECT" down -t 0 >/dev/null 2>&1) || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# $1: the version served, $2: the update order.
compose() {
  sed -e "s/REPLICAS/1/" -e "s/UPDATE/{order: $2}/" -e "s/VERSION/$1/" "$ROOT/tests/rolling/compose.yaml"
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# One update with tool $1 (dockhand or reference) and order $2: prints the failures among
# the first $WINDOW requests after `up` began, and the milliseconds until the old container
# was gone.
update() {
  local tool=$1 order=$2 bin=$DOCKHAND
  [ "$tool" = reference ] && bin=$REFERENCE
  compose 1 "$order" >"$WORK/compose.yaml"
  (cd "$WORK" && "$bin" -p "$PROJECT" up -d --wait >/dev/null 2>&1)
  local old
  old=$(docker ps -q --filter "label=com.docker.compose.project=$PROJECT" --filter "label=com.docker.compose.service=web")
  local mark
  mark=$(docker logs "$PROJECT-client-1" 2>/dev/null | wc -l)
  compose 2 "$order" >"$WORK/compose.yaml"
  local start
  start=$(now_ms)
  (cd "$WORK" && "$bin" -p "$PROJECT" up -d >/dev/null 2>&1) &
  local up=$!
  while docker inspect "$old" >/dev/null 2>&1; do sleep 0.05; done
  local gone=$(($(now_ms) - start))
  wait "$up"
  while [ "$(docker logs "$PROJECT-client-1" 2>/dev/null | wc -l)" -lt $((mark + WINDOW)) ]; do sleep 0.2; done
  local failed
  failed=$(docker logs "$PROJECT-client-1" 2>/dev/null | tail -n +$((mark + 1)) | head -n $WINDOW | grep -c FAIL || true)
  (cd "$WORK" && "$DOCKHAND" -p "$PROJECT" down -t 0 >/dev/null 2>&1)
  printf '%-10s %-12s %3s of %s requests failed   old container gone after %5s ms\n' "$tool" "$order" "$failed" "$WINDOW" "$gone"
}

for _ in $(seq "$RUNS"); do
  update dockhand start-first
  update dockhand stop-first
  [ -x "$REFERENCE" ] && update reference start-first
done
