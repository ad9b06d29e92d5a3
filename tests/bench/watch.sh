#!/usr/bin/env bash
# Benchmark of `dockhand watch`: the time from saving a file to its content being readable in
# the container (a `sync` rule), and from saving the compose file to the recreated container
# running (a busybox service). Prints p50 and p90 over RUNS saves of each.
#
#   bash tests/bench/watch.sh
#   RUNS=20 bash tests/bench/watch.sh
#
# Needs a reachable engine and the local image busybox:latest (.ci/run builds it). Reads
# the container through the Engine API (curl on the socket), which adds a few ms per poll.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
RUNS=${RUNS:-10}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
DOCKHAND=$TARGET/release/dockhand
SOCK=${DOCKER_SOCK:-/var/run/docker.sock}
API=http://localhost/v1.41
PROJECT=dh-bench-watch-$$

(cd "$ROOT" && cargo build --release --locked --quiet)
WORK=$(mktemp -d)
WATCHER=
cleanup() {
  [ -n "$WATCHER" ] && kill -INT "$WATCHER" 2>/dev/null && wait "$WATCHER" 2>/dev/null
  (cd "$WORK" && "$DOCKHAND" -p "$PROJECT" down -t 0 >/dev/null 2>&1) || true
  rm -rf "$WORK"
}
trap cleanup EXIT

compose() {
  cat <<YAML
services:
  app:
    image: busybox:latest
    command: ["sleep", "3600"]
    stop_grace_period: 0s
    environment:
      REVISION: "$1"
    develop:
      watch:
        - action: sync
          path: ./src
          target: /src
YAML
}

mkdir -p "$WORK/src"
echo start >"$WORK/src/file.txt"
compose 0 >"$WORK/compose.yaml"
cd "$WORK"
"$DOCKHAND" -p "$PROJECT" up -d >/dev/null 2>&1
"$DOCKHAND" -p "$PROJECT" watch --no-up >/dev/null 2>"$WORK/watch.log" &
WATCHER=$!
sleep 1

now_ns() { date +%s%N; }
file_in_container() {
  curl -s --unix-socket "$SOCK" "$API/containers/$PROJECT-app-1/archive?path=/src/file.txt" | grep -aq "$1"
}
running_revision() {
  curl -s --unix-socket "$SOCK" "$API/containers/$PROJECT-app-1/json" |
    grep -q "\"REVISION=$1\"" && curl -s --unix-socket "$SOCK" "$API/containers/$PROJECT-app-1/json" | grep -q '"Running":true'
}
# Waits until the check passes (30 s at most) and prints the elapsed ms since $1.
elapsed_until() {
  local t0=$1; shift
  local deadline=$(( $(date +%s) + 30 ))
  until "$@"; do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "timeout" >&2; return 1; }
  done
  echo $(( ($(now_ns) - t0) / 1000000 ))
}
percentiles() {
  sort -n | awk '{ v[NR] = $1 } END { printf "p50 %5d ms   p90 %5d ms   (n=%d)\n", v[int((NR + 1) / 2)], v[int(NR * 0.9 + 0.5)], NR }'
}

sync_times=()
for i in $(seq 1 "$RUNS"); do
  t0=$(now_ns)
  echo "revision-$i" >src/file.txt
  sync_times+=("$(elapsed_until "$t0" file_in_container "revision-$i")")
  sleep 0.2
done
recreate_times=()
for i in $(seq 1 "$RUNS"); do
  t0=$(now_ns)
  compose "$i" >compose.yaml
  recreate_times+=("$(elapsed_until "$t0" running_revision "$i")")
  sleep 0.5
done

echo "watch benchmark ($RUNS saves each, $(nproc) cores)"
printf 'sync: save → readable in the container          '
printf '%s\n' "${sync_times[@]}" | percentiles
printf 'compose edit → recreated container running      '
printf '%s\n' "${recreate_times[@]}" | percentiles
