#!/usr/bin/env bash
# Benchmark of the engine commands: cold `up -d`, no-op `up -d`, `ps` and `down` for dockhand,
# the reference `docker compose` (when installed) and a raw lower bound made of direct
# concurrent Engine API calls (curl on the socket: create all, start in dependency layers,
# then stop and remove in reverse dependency layers, as `down` must: a dependency stops only
# after its dependents). Projects: 10 and 50 flat services, 50 services in five
# layers (each depends on every service of the layer before) and 200 flat services.
#
#   bash tests/bench/engine.sh
#   PROJECTS="flat:10 layered:50" bash tests/bench/engine.sh
#   DOCKHAND=/path/to/dockhand bash tests/bench/engine.sh   # another build; no cargo build
#
# Needs a reachable engine and the local image busybox:latest (.ci/run builds it).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PROJECTS=${PROJECTS:-"flat:10 flat:50 layered:50 flat:200"}
REFERENCE=${DOCKHAND_REFERENCE:-/opt/refcompose/bin/docker-compose}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
SOCK=${DOCKER_SOCK:-/var/run/docker.sock}
API=http://localhost/v1.41
# The raw bound's calls in flight: 5 per core, dockhand's default, which was also the raw
# bound's fastest setting here (10 at a time beat 32 by ~10% on 2 cores).
PAR=${RAW_PARALLEL:-$(($(nproc) * 5))}

if [ -z "${DOCKHAND:-}" ]; then
  (cd "$ROOT" && cargo build --release --locked --quiet) || exit 1
  DOCKHAND=$TARGET/release/dockhand
fi
WORK=$(mktemp -d)
# Project names carry this run's id, so that what a failed run left cannot collide with them;
# whatever a run leaves is removed on exit.
RUN=$$
cleanup() {
  docker ps -aq --filter "name=-$RUN-" | xargs -r docker rm -f >/dev/null 2>&1 || true
  docker network ls -q --filter "name=-$RUN-" | xargs -r docker network rm >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

now() { date +%s.%N; }
ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%8.0f", (b - a) * 1000 }'; }

# generate KIND N
# shellcheck source=tests/bench/projects.sh
source "$ROOT/tests/bench/projects.sh"

time_cmd() { # label, command...
  local t0 t1
  t0=$(now)
  "$@" >/dev/null 2>&1 || echo "  ($1 failed)" >&2
  t1=$(now)
  ms "$t0" "$t1"
}

# The median of five runs: a no-op up or a ps takes milliseconds, and one run is mostly noise.
median_cmd() {
  local i
  for i in 1 2 3 4 5; do time_cmd "$@"; echo; done | sort -n | sed -n 3p | tr -d '\n'
}

tool_row() { # name, binary, dir, project
  local name=$1 bin=$2 dir=$3 p=$4
  local up noop ps down
  up=$(cd "$dir" && time_cmd "$bin" -p "$p" up -d)
  noop=$(cd "$dir" && median_cmd "$bin" -p "$p" up -d)
  ps=$(cd "$dir" && median_cmd "$bin" -p "$p" ps)
  down=$(cd "$dir" && time_cmd "$bin" -p "$p" down)
  printf '  %-10s %s %s %s %s\n' "$name" "$up" "$noop" "$ps" "$down"
}

api() { # method, path, [json body]
  curl -sf --unix-socket "$SOCK" -X "$1" -H 'Content-Type: application/json' ${3:+-d "$3"} "$API$2" >/dev/null
}
export -f api
export SOCK API

raw_row() { # kind, n, project
  local kind=$1 n=$2 p=$3 t0 t1 up down layers l
  t0=$(now)
  api POST /networks/create "{\"Name\":\"${p}_default\",\"Labels\":{\"com.docker.compose.project\":\"$p\"}}"
  seq 0 $((n - 1)) | xargs -P "$PAR" -I{} bash -c "api POST '/containers/create?name=$p-s{}-1' '{\"Image\":\"busybox:latest\",\"Cmd\":[\"sleep\",\"3600\"],\"Labels\":{\"com.docker.compose.project\":\"$p\"},\"HostConfig\":{\"Init\":true,\"NetworkMode\":\"${p}_default\"}}'"
  layers=1
  [ "$kind" = layered ] && layers=$(((n + 9) / 10))
  for ((l = 0; l < layers; l++)); do
    if [ "$kind" = layered ]; then seq $((l * 10)) $((l * 10 + 9)); else seq 0 $((n - 1)); fi |
      xargs -P "$PAR" -I{} bash -c "api POST '/containers/$p-s{}-1/start'"
  done
  t1=$(now)
  up=$(ms "$t0" "$t1")
  t0=$(now)
  for ((l = layers - 1; l >= 0; l--)); do
    if [ "$kind" = layered ]; then seq $((l * 10)) $((l * 10 + 9)); else seq 0 $((n - 1)); fi |
      xargs -P "$PAR" -I{} bash -c "api POST '/containers/$p-s{}-1/stop?t=10' && api DELETE '/containers/$p-s{}-1'"
  done
  api DELETE "/networks/${p}_default"
  t1=$(now)
  down=$(ms "$t0" "$t1")
  printf '  %-10s %s %8s %8s %s\n' raw "$up" - - "$down"
}

echo "times in ms        cold-up  noop-up       ps     down"
for spec in $PROJECTS; do
  kind=${spec%%:*}
  n=${spec##*:}
  dir=$WORK/$kind-$n
  mkdir -p "$dir"
  generate "$kind" "$n" >"$dir/compose.yaml"
  echo "$kind, $n services"
  tool_row dockhand "$DOCKHAND" "$dir" "bench-dh-$RUN-$kind-$n"
  if [ -x "$REFERENCE" ]; then
    tool_row reference "$REFERENCE" "$dir" "bench-ref-$RUN-$kind-$n"
  fi
  raw_row "$kind" "$n" "bench-raw-$RUN-$kind-$n"
done
