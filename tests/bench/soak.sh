#!/usr/bin/env bash
# Soak (a benchmark, not a CI test): CYCLES rounds of `up -d`, `up -d --force-recreate` and
# `down` on a project of N services in dependency layers (the generator of engine.sh).
# After each `up` it checks that exactly N containers run, one per service; after each `down`
# that nothing of the project is left. It prints a line per cycle, then the failures and the
# leftovers found (containers, networks and volumes with the project's label, images with it,
# and containers named after the project without it). Expected: 0 and 0.
#
# A network the engine refuses to remove ("has active endpoints") while it lists no
# container on it is Docker Engine's endpoint miscount before 28.1 (moby/moby#42119), not the
# tool's: it is verified against the engine and reported apart, as "engine miscount", with the
# failed `down` it caused. Only a restart of dockerd clears one; with RESTART set (a command
# that restarts the engine) the soak restarts it and removes the network, so that each cycle
# starts clean and every miscount is counted; without it, a miscounted network stays and
# every later `down` fails on it again (reported as the same miscount).
#
#   bash tests/bench/soak.sh
#   CYCLES=5 SERVICES=20 bash tests/bench/soak.sh
#   DOCKHAND=target/debug/dockhand bash tests/bench/soak.sh   # skips the release build
#   TOOL=reference bash tests/bench/soak.sh                   # the reference docker compose
#
# Run it on an engine of its own (a miscount on the machine's engine needs a dockerd restart):
#   HOST=$(bash tests/bench/private-engine.sh start /tmp/soak-engine)
#   DOCKER_HOST=$HOST RESTART="bash tests/bench/private-engine.sh restart /tmp/soak-engine" \
#     nice -n 10 bash tests/bench/soak.sh
#   bash tests/bench/private-engine.sh stop /tmp/soak-engine
#
# Needs a reachable engine and the local image busybox:latest (.ci/run builds it). Exits 1
# when anything failed, was left or was miscounted.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CYCLES=${CYCLES:-20}
SERVICES=${SERVICES:-50}
TOOL=${TOOL:-dockhand}
RESTART=${RESTART:-}
case $TOOL in
  dockhand)
    if [ -z "${DOCKHAND:-}" ]; then
      (cd "$ROOT" && cargo build --release --locked --quiet) || exit 1
      DOCKHAND=${CARGO_TARGET_DIR:-$ROOT/target}/release/dockhand
    fi
    RUN=$(realpath "$DOCKHAND")
    ;;
  reference) RUN=${DOCKHAND_REFERENCE:-/opt/refcompose/bin/docker-compose} ;;
  *)
    echo "TOOL is dockhand or reference" >&2
    exit 2
    ;;
esac
# shellcheck source=tests/bench/projects.sh
source "$ROOT/tests/bench/projects.sh"

PROJECT=soak-$$
LABEL="label=com.docker.compose.project=$PROJECT"
WORK=$(mktemp -d)
LOG=$WORK/log
cleanup() {
  docker ps -aq --filter "$LABEL" | xargs -r docker rm -f -v >/dev/null 2>&1
  docker network ls -q --filter "$LABEL" | xargs -r docker network rm >/dev/null 2>&1
  docker volume ls -q --filter "$LABEL" | xargs -r docker volume rm >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT
generate layered "$SERVICES" >"$WORK/compose.yaml"

failures=0
leftovers=0
fail() {
  failures=$((failures + 1))
  echo "  FAIL cycle $cycle: $*"
}

# The endpoint count the engine keeps for a network (what its removal checks), read from its
# network store: ENGINE_DATA is the engine's data root (an engine of one's own, see above). The
# store is a bolt file of copy-on-write pages; the newest copy of the count is the one with the
# highest index (libkv writes it as 8 little-endian bytes before the value).
stored_count() { # network id
  python3 - "$ENGINE_DATA/network/files/local-kv.db" "$1" <<'EOF'
import re, struct, sys
data = open(sys.argv[1], "rb").read()
key = re.escape(b"endpoint_count/" + sys.argv[2].encode() + b"/")
found = [(struct.unpack("<Q", m.group(1))[0], int(m.group(2)))
         for m in re.finditer(key + rb'(.{8})\{"Count":(\d+)\}', data, re.S)]
print(max(found)[1] if found else "?")
EOF
}

# With ENGINE_DATA: a network whose count differs from the containers on it after a step is
# where the engine lost count (checked after every step, so that each miscount is placed).
check_count() { # step name
  local net counted attached
  [ -n "${ENGINE_DATA:-}" ] || return 0
  for net in $(docker network ls -q --no-trunc --filter "$LABEL"); do
    attached=$(docker network inspect -f '{{len .Containers}}' "$net" 2>/dev/null) || continue
    counted=$(stored_count "$net")
    if [ "$counted" != "$attached" ] && [[ " $drifted " != *" $net "* ]]; then
      drifted="$drifted $net"
      echo "  COUNT cycle $cycle after $1: the engine counts $counted endpoint(s) on $(docker network inspect -f '{{.Name}}' "$net"), $attached attached"
      drifts="$drifts$1;"
    fi
  done
}

# One step: the command must succeed; its first error lines are reported. Its duration goes
# to TOOK (not through a subshell, which would lose the failure count).
step() { # name, dockhand args...
  local name=$1 t0
  shift
  t0=$(date +%s.%N)
  if ! (cd "$WORK" && "$RUN" -p "$PROJECT" "$@") >"$LOG" 2>&1; then
    if [ "$name" = down ] && grep -q 'active endpoints' "$LOG"; then
      DOWN_REFUSED=1 # a miscount, or a leftover: check_down tells
    else
      fail "$name exited non-zero: $( (grep -i -m3 'error' "$LOG" || tail -n3 "$LOG") | tr '\n' ' ')"
    fi
  fi
  TOOK=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%6.1f", b - a }')
}

# Exactly one running container per service, each named as compose names it.
check_up() { # step name
  local names running expected
  names=$(docker ps -a --filter "$LABEL" --format '{{.Names}} {{.State}}' | sort)
  running=$(grep -c ' running$' <<<"$names")
  expected=$(for ((i = 0; i < SERVICES; i++)); do echo "$PROJECT-s$i-1 running"; done | sort)
  if [ "$names" != "$expected" ]; then
    fail "after $1: $running of $SERVICES running, $(grep -c . <<<"$names") containers: $(diff <(echo "$expected") <(echo "$names") | grep '^[<>]' | head -3 | tr '\n' ' ')"
  fi
}

count() { wc -l | tr -d ' '; }

# The engine's endpoint miscount (moby#42119), told by the engine itself: the network lists
# no container, yet its removal is refused for "active endpoints".
miscounted() { # network id
  local attached said
  attached=$(docker network inspect -f '{{len .Containers}}' "$1" 2>/dev/null) || return 1
  [ "$attached" = 0 ] || return 1
  said=$(docker network rm "$1" 2>&1) && return 1
  grep -q 'active endpoints' <<<"$said"
}

# What the project left: its labelled containers, networks, volumes and images, and any
# container named after it (a half-made one would carry the name without the label). A
# miscounted network is counted apart, once; with RESTART, the engine is restarted to remove it.
check_down() {
  local c n v i named total net stuck=0
  # Counted before the check below, whose removal attempt may succeed.
  n=$(docker network ls -q --filter "$LABEL" | count)
  for net in $(docker network ls -q --filter "$LABEL"); do
    miscounted "$net" || continue
    stuck=$((stuck + 1))
    if [[ " $stuck_ids " == *" $net "* ]]; then
      echo "  STUCK cycle $cycle: the same network, still miscounted"
      continue
    fi
    stuck_ids="$stuck_ids $net"
    miscounts=$((miscounts + 1))
    [ -n "$first_stuck" ] || first_stuck=$cycle
    echo "  STUCK cycle $cycle: network $(docker network inspect -f '{{.Name}}' "$net"): engine miscount (moby#42119): no container on it, removal refused for active endpoints"
  done
  if [ "$stuck" -eq 0 ] && [ "$DOWN_REFUSED" = 1 ]; then
    fail "down refused: $(grep -m1 'active endpoints' "$LOG")"
  fi
  if [ "$stuck" -gt 0 ] && [ -n "$RESTART" ]; then
    $RESTART >/dev/null && docker network ls -q --filter "$LABEL" | xargs -r docker network rm >/dev/null
  fi
  n=$((n - stuck))
  c=$(docker ps -aq --filter "$LABEL" | count)
  v=$(docker volume ls -q --filter "$LABEL" | count)
  i=$(docker image ls -aq --filter "$LABEL" | count)
  named=$(docker ps -aq --filter "name=^/?$PROJECT-" | count)
  total=$((c + n + v + i + named))
  if [ "$total" -ne 0 ]; then
    leftovers=$((leftovers + total))
    echo "  LEFT cycle $cycle: containers $c, networks $n, volumes $v, images $i, named containers $named"
    grep -i -m3 -e 'in use' -e 'warn' -e 'error' "$LOG" | sed 's/^/    down said: /'
    docker network ls -q --filter "$LABEL" | xargs -r docker network inspect -f '    network {{.Name}}: {{len .Containers}} endpoint(s) now'
  fi
}

miscounts=0
first_stuck=
drifted=
drifts=
stuck_ids=
echo "soak: $CYCLES cycles on $SERVICES services in layers of ten ($TOOL: $RUN, project $PROJECT, engine ${DOCKER_HOST:-default})"
echo "cycle     up  force   down  (seconds)"
started=$(date +%s)
for ((cycle = 1; cycle <= CYCLES; cycle++)); do
  step "up -d" up -d
  up=$TOOK
  check_up "up -d"
  check_count "up -d"
  step "up -d --force-recreate" up -d --force-recreate
  force=$TOOK
  check_up "up -d --force-recreate"
  check_count "up -d --force-recreate"
  DOWN_REFUSED=0
  step down down
  check_count down
  down=$TOOK
  check_down
  printf '%5d %s %s %s\n' "$cycle" "$up" "$force" "$down"
done
echo "soak: $CYCLES cycles in $(($(date +%s) - started)) s: $failures failure(s), $leftovers leftover(s), $miscounts engine miscount(s) (moby#42119)${first_stuck:+, the first in cycle $first_stuck}"
if [ -n "$drifts" ]; then
  echo "soak: counts lost after: $(tr ';' '\n' <<<"$drifts" | grep . | sort | uniq -c | awk '{ c = $1; $1 = ""; sub(/^ /, ""); printf "%s%s: %d", s, $0, c; s = ", " }')"
fi
[ "$failures" -eq 0 ] && [ "$leftovers" -eq 0 ] && [ "$miscounts" -eq 0 ]
