#!/usr/bin/env bash
# What makes Docker Engine (before 28.1) miscount a network's endpoints (moby/moby#42119),
# with the docker CLI alone: each round starts CONTAINERS busybox containers on a network of
# its own, tears them down in one way (a mode), then removes the network. A network that
# lists no container yet is refused for "active endpoints" after RETRY_S seconds is stuck:
# only a restart of dockerd clears it. Prints, per mode, the rounds stuck and the teardown's
# mean time.
#
#   HOST=$(bash tests/bench/private-engine.sh start /tmp/miscount-engine)
#   DOCKER_HOST=$HOST ROUNDS=10 nice -n 10 bash tests/bench/miscount.sh [MODE…]
#   bash tests/bench/private-engine.sh stop /tmp/miscount-engine
#
# Run it on an engine of its own: the stuck networks stay until that engine is restarted.
# Modes (PARALLEL calls at once where concurrent; each call acts on one container):
#   stop-par        concurrent `stop`, then serial `rm`
#   stop-serial     serial `stop` one right after the other, then serial `rm`
#   rm-par          serial `stop`, then concurrent `rm` of the stopped containers
#   mixed           half stopped serially; then `rm` of a stopped one beside `stop` of a
#                   running one, concurrently; then serial `rm`
#   stoprm-par      `stop` then `rm` of each container, the containers concurrently (as a
#                   compose `down` does)
#   rmf-par         concurrent `rm -f`
#   start-par       concurrent `start` (the others start serially), then serial `stop` and `rm`
#   stop-par-disc   concurrent `stop`, then serial `network disconnect`, then serial `rm`
#   disc-stop-par   serial `network disconnect` of the running containers, then concurrent
#                   `stop`, then serial `rm`
set -uo pipefail

ROUNDS=${ROUNDS:-10}
CONTAINERS=${CONTAINERS:-30}
PARALLEL=${PARALLEL:-10}
RETRY_S=${RETRY_S:-5}
MODES=("$@")
[ ${#MODES[@]} -gt 0 ] || MODES=(stop-par stop-serial rm-par mixed stoprm-par rmf-par start-par)
TAG=mc$$

names() { for ((i = 0; i < CONTAINERS; i++)); do echo "$1-$i"; done; }
each() { xargs -n1 -P1 docker "$@" >/dev/null 2>&1; }
each_at_once() { xargs -n1 -P"$PARALLEL" docker "$@" >/dev/null 2>&1; }

setup() { # net, start mode
  docker network create "$1" >/dev/null
  # Creating attaches no endpoint yet: done at once, to save time.
  names "$1" | xargs -I{} -P"$PARALLEL" docker create --init --network "$1" --name {} busybox:latest sleep 3600 >/dev/null
  if [ "$2" = par ]; then names "$1" | each_at_once start; else names "$1" | each start; fi
}

teardown() { # mode, net
  local net=$2 half=$((CONTAINERS / 2))
  case $1 in
    stop-par)
      names "$net" | each_at_once stop -t 10
      names "$net" | each rm
      ;;
    stop-par-disc)
      names "$net" | each_at_once stop -t 10
      names "$net" | each network disconnect "$net"
      names "$net" | each rm
      ;;
    disc-stop-par)
      names "$net" | each network disconnect "$net"
      names "$net" | each_at_once stop -t 10
      names "$net" | each rm
      ;;
    stop-serial | start-par)
      names "$net" | each stop -t 10
      names "$net" | each rm
      ;;
    rm-par)
      names "$net" | each stop -t 10
      names "$net" | each_at_once rm
      ;;
    mixed)
      names "$net" | head -n "$half" | each stop -t 10
      paste -d'\n' <(names "$net" | head -n "$half" | sed 's/^/rm /') <(names "$net" | tail -n +$((half + 1)) | sed 's/^/stop /') |
        xargs -n2 -P"$PARALLEL" docker >/dev/null 2>&1
      names "$net" | each rm
      ;;
    stoprm-par) names "$net" | xargs -I{} -P"$PARALLEL" sh -c 'docker stop -t 10 {} && docker rm {}' >/dev/null 2>&1 ;;
    rmf-par) names "$net" | each_at_once rm -f ;;
    *)
      echo "unknown mode $1" >&2
      exit 2
      ;;
  esac
}

# Removed, or stuck: refused for active endpoints while no container is on it.
stuck() { # net
  local tries=$((RETRY_S * 2))
  for ((t = 0; t < tries; t++)); do
    docker network rm "$1" >/dev/null 2>&1 && return 1
    sleep 0.5
  done
  [ "$(docker network inspect -f '{{len .Containers}}' "$1")" = 0 ] || return 1
  local said
  said=$(docker network rm "$1" 2>&1) && return 1
  grep -q 'active endpoints' <<<"$said"
}

echo "miscount: $ROUNDS rounds of $CONTAINERS containers per mode, $PARALLEL at once (engine ${DOCKER_HOST:-default})"
for mode in "${MODES[@]}"; do
  stuck_rounds=0
  total=0
  for ((r = 1; r <= ROUNDS; r++)); do
    net=$TAG-$mode-$r
    if [ "$mode" = start-par ]; then setup "$net" par; else setup "$net" serial; fi
    t0=$(date +%s.%N)
    teardown "$mode" "$net"
    total=$(awk -v s="$total" -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { print s + b - a }')
    left=$(docker ps -aq --filter "name=^/$net-" | wc -l)
    [ "$left" -eq 0 ] || echo "  $mode round $r: $left container(s) left by the teardown" >&2
    if stuck "$net"; then
      stuck_rounds=$((stuck_rounds + 1))
      echo "  $mode round $r: network $net stuck"
    fi
  done
  awk -v m="$mode" -v s="$stuck_rounds" -v r="$ROUNDS" -v t="$total" \
    'BEGIN { printf "%-15s stuck in %2d/%d rounds, teardown %.1f s on average\n", m, s, r, t / r }'
done
