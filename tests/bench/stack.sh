#!/usr/bin/env bash
# Benchmark of `stack deploy` on one Swarm, for N small services (default 20 and 50):
#
#   engine    the engine's own convergence: a detached `docker stack deploy -d` polled until
#             every service has its task running (the lower bound of any deploy that waits)
#   docker    `docker stack deploy -d=false` (waits service after service), its unchanged
#             redeploy, and the detached unchanged redeploy
#   dockhand  `dockhand stack deploy --wait` and its unchanged redeploy (when the binary has
#             `stack`)
#
# For every redeploy: its time and the tasks it replaced (tasks of the stack, history
# included, after minus before). For each tool also `stack ps` (median of 5) and `stack rm`
# (its return, and until nothing of the stack is left on the engine).
#
#   bash tests/bench/stack.sh
#   SIZES=20 DOCKER_WAIT=0 bash tests/bench/stack.sh   # skip the slow -d=false rows
#
# The Swarm: DOCKER_HOST's engine when it is a Swarm manager; otherwise a single-node Swarm
# on an engine of the benchmark's own (a dockerd in a network namespace, as
# tests/common/testengine.rs makes it; needs root), so that the machine's engine is never put
# in swarm mode. Needs busybox:latest locally. A measurement, not a CI test.
#
# DOCKHAND: the binary (default: target/release/dockhand, built when not given).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SIZES=${SIZES:-"20 50"}
DOCKER_WAIT=${DOCKER_WAIT:-1}
TIMEOUT=${TIMEOUT:-600}
if [ -z "${DOCKHAND:-}" ]; then
  DOCKHAND=${CARGO_TARGET_DIR:-$ROOT/target}/release/dockhand
  (cd "$ROOT" && cargo build --release --locked --quiet) || exit 1
fi
DOCKHAND=$(realpath "$DOCKHAND")
WORK=$(mktemp -d)
RUN=$$
STACKS=()
ENGINE_PID=
ENGINE_NS=dhbench$RUN
ENGINE_DIR=$WORK/engine

now() { date +%s.%N; }
ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", (b - a) * 1000 }'; }

# --- the Swarm -----------------------------------------------------------------------------

is_manager() {
  [ "$(docker info -f '{{.Swarm.ControlAvailable}}' 2>/dev/null)" = true ]
}

start_engine() {
  mkdir -p "$ENGINE_DIR/data" "$ENGINE_DIR/exec"
  echo '{}' >"$ENGINE_DIR/daemon.json"
  ip netns add "$ENGINE_NS" || return 1
  # An address to advertise: the namespace has only its loopback otherwise (and the kernel
  # here has no dummy interfaces: a veth pair, both ends inside).
  ip -n "$ENGINE_NS" link add eth0 type veth peer name eth1 && ip -n "$ENGINE_NS" addr add 10.231.250.1/24 dev eth0 &&
    ip -n "$ENGINE_NS" link set eth0 up && ip -n "$ENGINE_NS" link set eth1 up && ip -n "$ENGINE_NS" link set lo up || return 1
  # Offline: otherwise every task waits ~20 s for a registry lookup that cannot answer.
  DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1 nsenter --net="/var/run/netns/$ENGINE_NS" dockerd \
    --config-file "$ENGINE_DIR/daemon.json" --data-root "$ENGINE_DIR/data" --exec-root "$ENGINE_DIR/exec" \
    --pidfile "$ENGINE_DIR/pid" -H "unix://$ENGINE_DIR/sock" --storage-driver "$(docker info -f '{{.Driver}}')" \
    --cgroup-parent "$ENGINE_NS" --bridge none --iptables=false --ip-masq=false >>"$ENGINE_DIR/log" 2>&1 &
  ENGINE_PID=$!
  local i
  for ((i = 0; i < 300; i++)); do
    DOCKER_HOST=unix://$ENGINE_DIR/sock docker version >/dev/null 2>&1 && break
    kill -0 "$ENGINE_PID" 2>/dev/null || return 1
    sleep 0.1
  done
  docker save busybox:latest | DOCKER_HOST=unix://$ENGINE_DIR/sock docker load -q >/dev/null || return 1
  DOCKER_HOST=unix://$ENGINE_DIR/sock docker swarm init --advertise-addr 10.231.250.1 >/dev/null || return 1
}

stop_engine() {
  [ -d "$ENGINE_DIR" ] || return 0
  if [ -n "$ENGINE_PID" ]; then
    # Named explicitly: DOCKER_HOST is only set once the engine is up.
    DOCKER_HOST=unix://$ENGINE_DIR/sock docker ps -aq |
      xargs -r env DOCKER_HOST="unix://$ENGINE_DIR/sock" docker rm -f >/dev/null 2>&1
    kill -TERM "$ENGINE_PID" 2>/dev/null
    wait "$ENGINE_PID" 2>/dev/null
    ENGINE_PID=
  fi
  grep -o " $ENGINE_DIR[^ ]*" /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l 2>/dev/null
  local c
  for c in /sys/fs/cgroup/*/"$ENGINE_NS"; do [ -d "$c" ] && find "$c" -depth -type d -exec rmdir {} + 2>/dev/null; done
  ip netns del "$ENGINE_NS" 2>/dev/null
}

cleanup() {
  local s
  for s in "${STACKS[@]}"; do docker stack rm "$s" >/dev/null 2>&1; done
  stop_engine
  rm -rf "$WORK"
}
trap cleanup EXIT

if is_manager; then
  echo "Swarm: DOCKER_HOST's engine (${DOCKER_HOST:-default socket})"
else
  [ "$(id -u)" = 0 ] || { echo "DOCKER_HOST is no Swarm manager and a benchmark engine needs root" >&2; exit 1; }
  start_engine || { echo "cannot start the benchmark's engine; its log:" >&2; tail -20 "$ENGINE_DIR/log" >&2; exit 1; }
  export DOCKER_HOST=unix://$ENGINE_DIR/sock
  echo "Swarm: a single-node Swarm on the benchmark's own engine"
fi

HAVE_DOCKHAND=0
"$DOCKHAND" stack --help >/dev/null 2>&1 && HAVE_DOCKHAND=1

# --- stacks --------------------------------------------------------------------------------

# compose file of N idle services; each task stops at once when asked.
generate() {
  local n=$1 i
  echo 'version: "3.8"'
  echo "services:"
  for ((i = 0; i < n; i++)); do
    echo "  s$i:"
    echo "    image: busybox:latest"
    echo "    command: [\"sh\", \"-c\", \"trap 'exit 0' TERM; sleep 100000 & wait\"]"
    echo "    deploy: {endpoint_mode: dnsrr}"
  done
}

# Services of the stack whose replicas all run, out of how many services.
converged() { # stack, n
  local reps
  reps=$(docker service ls --filter "label=com.docker.stack.namespace=$1" --format '{{.Replicas}}')
  [ "$(grep -c '^1/1' <<<"$reps")" -eq "$2" ]
}

wait_converged() { # stack, n
  local t0
  t0=$(now)
  until converged "$1" "$2"; do
    [ "$(ms "$t0" "$(now)")" -lt $((TIMEOUT * 1000)) ] || { echo "  ($1 did not converge)" >&2; return 1; }
    # Not faster: every poll is a CLI run, which takes CPU from the engine being measured.
    sleep 0.2
  done
}

tasks() { docker stack ps -q "$1" 2>/dev/null | wc -l; }

# Nothing of the stack left: services, containers, networks.
gone() {
  [ -z "$(docker service ls -q --filter "label=com.docker.stack.namespace=$1")" ] &&
    [ -z "$(docker ps -aq --filter "label=com.docker.stack.namespace=$1")" ] &&
    [ -z "$(docker network ls -q --filter "label=com.docker.stack.namespace=$1")" ]
}

timed() { # command...: its time in ms, its output dropped
  local t0
  t0=$(now)
  "$@" >/dev/null 2>&1 || echo "  ($* failed)" >&2
  ms "$t0" "$(now)"
}

median() { # command...
  local i
  for i in 1 2 3 4 5; do timed "$@"; echo; done | sort -n | sed -n 3p
}

# An unchanged redeploy: "<ms> ms, <k> tasks replaced".
redeploy() { # stack, n, command...
  local stack=$1 n=$2 before t
  shift 2
  wait_converged "$stack" "$n"
  before=$(tasks "$stack")
  t=$(timed "$@")
  # Replacements the engine starts after the command returned count too.
  sleep 2
  wait_converged "$stack" "$n"
  echo "$t ms, $(($(tasks "$stack") - before)) tasks replaced"
}

# "<return> ms, gone after <ms> ms".
remove() { # stack, command...
  local stack=$1 t0 back
  shift
  t0=$(now)
  "$@" >/dev/null 2>&1 || echo "  ($* failed)" >&2
  back=$(ms "$t0" "$(now)")
  until gone "$stack"; do sleep 0.1; done
  echo "$back ms, gone after $(ms "$t0" "$(now)") ms"
}

row() { printf '  %-42s %s\n' "$1" "$2"; }

# A warm-up: the first deploy on a fresh engine also pays for its first overlay network and
# image lookups, which would count against whichever row comes first.
mkdir -p "$WORK/warm" && generate 3 >"$WORK/warm/compose.yaml"
STACKS+=("bench${RUN}warm")
(cd "$WORK/warm" && docker stack deploy -d -c compose.yaml "bench${RUN}warm" >/dev/null 2>&1 &&
  wait_converged "bench${RUN}warm" 3 && remove "bench${RUN}warm" docker stack rm "bench${RUN}warm" >/dev/null)

for n in $SIZES; do
  dir=$WORK/n$n
  mkdir -p "$dir"
  generate "$n" >"$dir/compose.yaml"
  cd "$dir" || exit 1
  echo "$n services:"

  s=bench${RUN}e$n
  STACKS+=("$s")
  t0=$(now)
  docker stack deploy -d -c compose.yaml "$s" >/dev/null 2>&1
  wait_converged "$s" "$n"
  row "engine: detached deploy until all running" "$(ms "$t0" "$(now)") ms"
  row "docker: unchanged redeploy -d" "$(redeploy "$s" "$n" docker stack deploy -d -c compose.yaml "$s")"
  row "docker: stack ps" "$(median docker stack ps "$s") ms"
  row "docker: stack rm" "$(remove "$s" docker stack rm "$s")"

  if [ "$DOCKER_WAIT" = 1 ]; then
    s=bench${RUN}w$n
    STACKS+=("$s")
    row "docker: deploy -d=false" "$(timed docker stack deploy -d=false -c compose.yaml "$s") ms"
    row "docker: unchanged redeploy -d=false" "$(redeploy "$s" "$n" docker stack deploy -d=false -c compose.yaml "$s")"
    remove "$s" docker stack rm "$s" >/dev/null
  fi

  if [ "$HAVE_DOCKHAND" = 1 ]; then
    s=bench${RUN}d$n
    STACKS+=("$s")
    row "dockhand: deploy --wait" "$(timed "$DOCKHAND" stack deploy --wait -c compose.yaml "$s") ms"
    wait_converged "$s" "$n"
    row "dockhand: unchanged redeploy --wait" "$(redeploy "$s" "$n" "$DOCKHAND" stack deploy --wait -c compose.yaml "$s")"
    row "dockhand: stack ps" "$(median "$DOCKHAND" stack ps "$s") ms"
    row "dockhand: stack rm" "$(remove "$s" "$DOCKHAND" stack rm "$s")"
  else
    row "dockhand" "skipped: $DOCKHAND has no stack command"
  fi
done
