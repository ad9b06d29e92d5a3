#!/usr/bin/env bash
# A Docker engine of its own for the benchmarks, beside the machine's (as the tests'
# `tests/common/testengine.rs`): a `dockerd` in a network namespace of its own, with its own
# data root, exec root, socket and cgroup parent, on the machine's storage driver, holding a
# copy of the machine's busybox:latest. A benchmark that may leave the engine in a state only
# a restart clears (the soak: moby#42119) runs on one, never on the machine's engine.
#
#   bash tests/bench/private-engine.sh start DIR     # prints the DOCKER_HOST that reaches it
#   bash tests/bench/private-engine.sh restart DIR   # same data, its state recounted
#   bash tests/bench/private-engine.sh stop DIR      # everything it made goes, DIR too
#
# Needs root. `ip netns exec` would remount /sys (the engine then finds no devices cgroup),
# hence `nsenter --net`; the machine's daemon.json sets a data root, hence an empty one.
set -euo pipefail

action=${1:?start, restart or stop}
DIR=${2:?a directory for the engine}
mkdir -p "$DIR"
DIR=$(realpath "$DIR")
NAME=dhb$(printf '%s' "$DIR" | cksum | cut -c1-8)
SOCK=$DIR/sock
HOST=unix://$SOCK
private() { docker -H "$HOST" "$@"; }
machine() { env -u DOCKER_HOST docker "$@"; }

answers() { private version >/dev/null 2>&1; }

launch() {
  local driver
  driver=$(cat "$DIR/driver")
  DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1 nohup nice -n 10 nsenter --net="/var/run/netns/$NAME" \
    dockerd --config-file "$DIR/daemon.json" --data-root "$DIR/data" --exec-root "$DIR/exec" \
    --pidfile "$DIR/pid" -H "$HOST" --cgroup-parent "$NAME" --storage-driver "$driver" \
    --bridge none --iptables=false --ip-masq=false >>"$DIR/log" 2>&1 </dev/null &
  for _ in $(seq 300); do
    answers && return 0
    sleep 0.1
  done
  echo "private engine did not answer in 30 s:" >&2
  tail -n 20 "$DIR/log" >&2
  return 1
}

# dockerd by its pid file, then the containerd it started (its pid file is in our exec root).
halt() {
  local pid
  for file in "$DIR/pid" "$DIR/exec/containerd/containerd.pid"; do
    pid=$(cat "$file" 2>/dev/null) || continue
    kill -TERM "$pid" 2>/dev/null || continue
    for _ in $(seq 200); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
  done
}

case $action in
  start)
    mkdir -p "$DIR/data"
    echo '{}' >"$DIR/daemon.json"
    machine info -f '{{.Driver}}' >"$DIR/driver"
    [ -e "/var/run/netns/$NAME" ] || ip netns add "$NAME"
    launch
    machine save busybox:latest | private load -q >/dev/null
    echo "$HOST"
    ;;
  restart)
    halt
    launch
    ;;
  stop)
    if answers; then
      ids=$(private ps -aq)
      [ -z "$ids" ] || private rm -f $ids >/dev/null 2>&1 || true
    fi
    halt
    { grep -o " $DIR/[^ ]*" /proc/self/mountinfo || true; } | awk '{ print length, $1 }' | sort -rn | cut -d' ' -f2 |
      while read -r m; do umount -l "$m" 2>/dev/null || true; done
    for h in /sys/fs/cgroup/*/"$NAME" /sys/fs/cgroup/"$NAME"; do
      [ -d "$h" ] && find "$h" -depth -type d -exec rmdir {} \; 2>/dev/null
    done
    ip netns del "$NAME" 2>/dev/null || true
    rm -rf "$DIR"
    ;;
  *)
    echo "usage: $0 start|restart|stop DIR" >&2
    exit 2
    ;;
esac
