#!/usr/bin/env bash
# Fault injection: interrupts dockhand at random moments and checks that the next command
# converges. Prints figures (rounds, failures, leftovers); it is a measurement, not a CI test.
#
#   bash tests/bench/faults.sh                 # every scenario, 10 rounds each
#   ROUNDS=50 SCENARIOS="kill-up" bash tests/bench/faults.sh
#
# Scenarios:
#   kill-up         `up -d` killed (SIGKILL or SIGINT, alternately) after a random delay, while it
#                   creates or recreates containers; at once another `up -d`, which must exit 0
#                   and leave exactly one running container per service, none named aside
#                   (`<id>_name`).
#   kill-down       `down` killed after a random delay; a second `down` must exit 0 and leave
#                   no container, network or volume of the project.
#   engine-restart  `up -d` against an engine of its own (a second dockerd in a network
#                   namespace, as tests/common/testengine.rs makes it), the engine killed after
#                   a random delay and started again; the interrupted `up` must exit non-zero
#                   naming the engine, without panic or hang, and the next `up -d` converge.
#                   Needs root (ip netns, nsenter); skipped otherwise.
#
# Project: 8 services in 3 dependency layers (3, 3, 2), each with an anonymous volume, on a
# network and a named volume of the project. Needs busybox:latest locally.
#
# DOCKHAND: the binary (default: target/debug/dockhand, built if missing).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
ROUNDS=${ROUNDS:-10}
SCENARIOS=${SCENARIOS:-"kill-up kill-down engine-restart"}
DOCKHAND=${DOCKHAND:-${CARGO_TARGET_DIR:-$ROOT/target}/debug/dockhand}
# Longest random delay before the signal, in ms. An 8-service `up -d` creates in its first
# ~700 ms and has started everything after ~3 s here; a `down` takes ~4 s (three layers, 1 s
# grace each).
UP_DELAY_MS=${UP_DELAY_MS:-700}
MAX_DELAY_MS=${MAX_DELAY_MS:-2500}

[ -x "$DOCKHAND" ] || (cd "$ROOT" && cargo build --locked --quiet) || exit 1
# The rounds run in directories of their own: the binary is named by its full path.
DOCKHAND=$(realpath "$DOCKHAND")
WORK=$(mktemp -d)
RUN=$$
PROJECT=dh-faults-$RUN
ENGINE_PID=
ENGINE_NS=dhfault$RUN
ENGINE_DIR=$WORK/engine

cleanup() {
  DOCKER_HOST= docker ps -aq --filter "label=com.docker.compose.project=$PROJECT" | xargs -r docker rm -f -v >/dev/null 2>&1
  DOCKER_HOST= docker network ls -q --filter "label=com.docker.compose.project=$PROJECT" | xargs -r docker network rm >/dev/null 2>&1
  DOCKER_HOST= docker volume ls -q --filter "label=com.docker.compose.project=$PROJECT" | xargs -r docker volume rm >/dev/null 2>&1
  stop_engine
  ip netns del "$ENGINE_NS" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

# compose file, with a MODE that changes every round so that half the rounds recreate.
generate() {
  local mode=$1 i
  echo "services:"
  for i in 0 1 2 3 4 5 6 7; do
    echo "  s$i:"
    echo "    image: busybox:latest"
    echo "    command: [\"sleep\", \"3600\"]"
    echo "    stop_grace_period: 1s"
    echo "    environment: {MODE: \"$mode\"}"
    echo "    volumes: [/anon, data:/data]"
    case $i in
      3|4|5) echo "    depends_on: [s0, s1, s2]" ;;
      6|7) echo "    depends_on: [s3, s4, s5]" ;;
    esac
  done
  echo "volumes: {data: {}}"
}

dh() { "$DOCKHAND" -p "$PROJECT" --progress plain "$@"; }

# Runs dockhand in the background and sends `signal` after a random delay; returns its status.
interrupt() { # signal, longest delay (ms), args...
  local signal=$1 max=$2 pid delay
  shift 2
  dh "$@" >"$WORK/killed.out" 2>&1 &
  pid=$!
  delay=$((RANDOM % max))
  sleep "$(awk -v d="$delay" 'BEGIN { printf "%.3f", d / 1000 }')"
  kill -"$signal" "$pid" 2>/dev/null
  { wait "$pid"; } 2>/dev/null
}

containers() { docker ps -a --filter "label=com.docker.compose.project=$PROJECT" --format '{{.Names}} {{.State}}' | sort; }
expected() { for i in 0 1 2 3 4 5 6 7; do echo "$PROJECT-s$i-1 running"; done; }

# Leftovers of a converged project: containers that are not exactly the expected ones.
leftovers_up() { diff <(containers) <(expected) | grep -c '^[<>]'; }
leftovers_down() {
  local c n v
  c=$(docker ps -aq --filter "label=com.docker.compose.project=$PROJECT" | wc -l)
  n=$(docker network ls -q --filter "label=com.docker.compose.project=$PROJECT" | wc -l)
  v=$(docker volume ls -q --filter "label=com.docker.compose.project=$PROJECT" | wc -l)
  echo $((c + n + v))
}

report() { # scenario, rounds, failures, leftovers, note
  printf '%-15s rounds %3d  failures %3d  leftovers %3d  %s\n' "$1" "$2" "$3" "$4" "$5"
}

# The `up -d` after a fault must exit 0 and leave one running container per service: counts
# into the caller's `failures` and `leftovers`.
next_up() {
  local what=$1 out l
  out=$(dh up -d 2>&1)
  if [ $? -ne 0 ]; then
    failures=$((failures + 1))
    echo "  $what: next up failed: $(echo "$out" | grep -m1 -i error)" >&2
  fi
  l=$(leftovers_up)
  [ "$l" -ne 0 ] && echo "  $what: $(containers | tr '\n' ' ')" >&2
  leftovers=$((leftovers + l))
}

kill_up() {
  local failures=0 leftovers=0 r signal
  cd "$WORK" || return
  for ((r = 1; r <= ROUNDS; r++)); do
    generate "m$((r / 2))" >compose.yaml
    signal=$([ $((r % 2)) -eq 0 ] && echo INT || echo KILL)
    interrupt "$signal" "$UP_DELAY_MS" up -d
    next_up "round $r ($signal)"
  done
  dh down -v -t 0 >/dev/null 2>&1
  report kill-up "$ROUNDS" "$failures" "$leftovers" "(second up -d non-zero; containers not exactly one running per service)"
}

kill_down() {
  local failures=0 leftovers=0 r signal out
  cd "$WORK" || return
  generate m >compose.yaml
  for ((r = 1; r <= ROUNDS; r++)); do
    dh up -d >/dev/null 2>&1 || echo "  round $r: up -d failed" >&2
    signal=$([ $((r % 2)) -eq 0 ] && echo INT || echo KILL)
    interrupt "$signal" "$MAX_DELAY_MS" down -v
    out=$(dh down -v 2>&1)
    if [ $? -ne 0 ]; then
      failures=$((failures + 1))
      echo "  round $r ($signal): second down failed: $(echo "$out" | grep -m1 -i error)" >&2
    fi
    leftovers=$((leftovers + $(leftovers_down)))
  done
  report kill-down "$ROUNDS" "$failures" "$leftovers" "(second down non-zero; containers+networks+volumes left)"
}

# --- a test engine of our own ------------------------------------------------------------

start_engine() {
  mkdir -p "$ENGINE_DIR/data" "$ENGINE_DIR/exec"
  echo '{}' >"$ENGINE_DIR/daemon.json"
  ip netns list | grep -q "^$ENGINE_NS" || ip netns add "$ENGINE_NS" || return 1
  nsenter --net="/var/run/netns/$ENGINE_NS" dockerd --config-file "$ENGINE_DIR/daemon.json" \
    --data-root "$ENGINE_DIR/data" --exec-root "$ENGINE_DIR/exec" --pidfile "$ENGINE_DIR/pid" \
    -H "unix://$ENGINE_DIR/sock" --storage-driver "$(docker info -f '{{.Driver}}')" \
    --cgroup-parent "$ENGINE_NS" --bridge none --iptables=false --ip-masq=false \
    >>"$ENGINE_DIR/log" 2>&1 &
  ENGINE_PID=$!
  local i
  for ((i = 0; i < 300; i++)); do
    DOCKER_HOST=unix://$ENGINE_DIR/sock docker version >/dev/null 2>&1 && return 0
    kill -0 "$ENGINE_PID" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# A crash: dockerd and the containerd it started (pid file in our exec root), by pid; the
# containers' shims stay, as in a crash, and the next dockerd takes them over.
kill_engine() {
  [ -n "$ENGINE_PID" ] || return 0
  local containerd
  containerd=$(cat "$ENGINE_DIR/exec/containerd/containerd.pid" 2>/dev/null)
  kill -KILL "$ENGINE_PID" 2>/dev/null
  wait "$ENGINE_PID" 2>/dev/null
  ENGINE_PID=
  if [ -n "$containerd" ]; then
    kill -KILL "$containerd" 2>/dev/null
    while [ -e "/proc/$containerd" ]; do sleep 0.05; done
  fi
}

# Everything the test engine made goes: its containers through the engine (started again if
# it is down, which ends a crashed one's shims), then the engine, its mounts and cgroups.
stop_engine() {
  [ -d "$ENGINE_DIR/data" ] || return 0
  if [ -z "$ENGINE_PID" ]; then start_engine || return 0; fi
  DOCKER_HOST=unix://$ENGINE_DIR/sock docker ps -aq | xargs -r env DOCKER_HOST=unix://$ENGINE_DIR/sock docker rm -f >/dev/null 2>&1
  kill -TERM "$ENGINE_PID" 2>/dev/null
  wait "$ENGINE_PID" 2>/dev/null
  ENGINE_PID=
  grep -o " $ENGINE_DIR[^ ]*" /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l 2>/dev/null
  local c
  for c in /sys/fs/cgroup/*/"$ENGINE_NS"; do [ -d "$c" ] && find "$c" -depth -type d -exec rmdir {} + 2>/dev/null; done
}

engine_restart() {
  local failures=0 leftovers=0 hangs=0 panics=0 named=0 r code
  if [ "$(id -u)" -ne 0 ]; then
    report engine-restart 0 0 0 "(skipped: needs root)"
    return
  fi
  start_engine || { report engine-restart 0 0 0 "(skipped: the test engine did not start; $ENGINE_DIR/log)"; return; }
  docker save busybox:latest | DOCKER_HOST=unix://$ENGINE_DIR/sock docker load >/dev/null
  cd "$WORK" || return
  export DOCKER_HOST=unix://$ENGINE_DIR/sock
  for ((r = 1; r <= ROUNDS; r++)); do
    generate "m$r" >compose.yaml
    dh up -d >"$WORK/inflight.out" 2>&1 &
    local pid=$!
    sleep "$(awk -v d="$((RANDOM % MAX_DELAY_MS))" 'BEGIN { printf "%.3f", d / 1000 }')"
    kill_engine
    local waited=0
    while kill -0 "$pid" 2>/dev/null && [ $waited -lt 600 ]; do sleep 0.1; waited=$((waited + 1)); done
    if kill -0 "$pid" 2>/dev/null; then
      hangs=$((hangs + 1)); kill -KILL "$pid"
    fi
    wait "$pid"; code=$?
    grep -q panicked "$WORK/inflight.out" && panics=$((panics + 1))
    if grep -q "Docker engine at" "$WORK/inflight.out"; then named=$((named + 1)); fi
    start_engine || { echo "  round $r: engine did not come back" >&2; break; }
    next_up "round $r (interrupted up exit $code)"
  done
  dh down -v -t 0 >/dev/null 2>&1
  unset DOCKER_HOST
  report engine-restart "$ROUNDS" "$failures" "$leftovers" "(interrupted up: hangs $hangs, panics $panics, error naming the engine $named/$ROUNDS)"
}

for s in $SCENARIOS; do
  case $s in
    kill-up) kill_up ;;
    kill-down) kill_down ;;
    engine-restart) engine_restart ;;
    *) echo "unknown scenario $s" >&2 ;;
  esac
done
