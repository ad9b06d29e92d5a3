#!/usr/bin/env bash
# Soak (a benchmark, not a CI test): CYCLES rounds of `up -d`, `up -d --force-recreate` and
# `down` on a project of N services in dependency layers (the generator of engine.sh).
# After each `up` it checks that exactly N containers run, one per service; after each `down`
# that nothing of the project is left. It prints a line per cycle, then the failures and the
# leftovers found (containers, networks and volumes with the project's label, images with it,
# and containers named after the project without it). Expected: 0 and 0.
#
#   bash tests/bench/soak.sh
#   CYCLES=5 SERVICES=20 bash tests/bench/soak.sh
#   DOCKHAND=target/debug/dockhand bash tests/bench/soak.sh   # skips the release build
#
# Needs a reachable engine and the local image busybox:latest (.ci/run builds it). Exits 1
# when anything failed or was left.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CYCLES=${CYCLES:-20}
SERVICES=${SERVICES:-50}
if [ -z "${DOCKHAND:-}" ]; then
  (cd "$ROOT" && cargo build --release --locked --quiet) || exit 1
  DOCKHAND=${CARGO_TARGET_DIR:-$ROOT/target}/release/dockhand
fi
DOCKHAND=$(realpath "$DOCKHAND")
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

# One step: the command must succeed; its first error lines are reported. Its duration goes
# to TOOK (not through a subshell, which would lose the failure count).
step() { # name, dockhand args...
  local name=$1 t0
  shift
  t0=$(date +%s.%N)
  if ! (cd "$WORK" && "$DOCKHAND" -p "$PROJECT" "$@") >"$LOG" 2>&1; then
    fail "$name exited non-zero: $( (grep -i -m3 'error' "$LOG" || tail -n3 "$LOG") | tr '\n' ' ')"
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

# What the project left: its labelled containers, networks, volumes and images, and any
# container named after it (a half-made one would carry the name without the label).
check_down() {
  local c n v i named total
  c=$(docker ps -aq --filter "$LABEL" | count)
  n=$(docker network ls -q --filter "$LABEL" | count)
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

echo "soak: $CYCLES cycles on $SERVICES services in layers of ten ($DOCKHAND, project $PROJECT)"
echo "cycle     up  force   down  (seconds)"
started=$(date +%s)
for ((cycle = 1; cycle <= CYCLES; cycle++)); do
  step "up -d" up -d
  up=$TOOK
  check_up "up -d"
  step "up -d --force-recreate" up -d --force-recreate
  force=$TOOK
  check_up "up -d --force-recreate"
  step down down
  down=$TOOK
  check_down
  printf '%5d %s %s %s\n' "$cycle" "$up" "$force" "$down"
done
echo "soak: $CYCLES cycles in $(($(date +%s) - started)) s: $failures failure(s), $leftovers leftover(s)"
[ "$failures" -eq 0 ] && [ "$leftovers" -eq 0 ]
