#!/usr/bin/env bash
# Benchmark of `dockhand config` against the reference `docker compose config` on
# generated projects: 10, 50, 200 and 1000 services, "flat" (independent services) and
# "layered" (layers of ten; each service depends on every service of the layer before).
# Prints the median wall time of a few runs and the peak RSS of the slowest run.
#
#   bash tests/bench/config.sh            # all sizes, 5 runs each
#   RUNS=3 SIZES="10 200" bash tests/bench/config.sh
#
# DOCKHAND_REFERENCE selects the reference binary (default /opt/refcompose/bin/docker-compose);
# it is skipped when absent. Each reference run is cut off after TIMEOUT seconds (default 20).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
RUNS=${RUNS:-5}
SIZES=${SIZES:-"10 50 200 1000"}
TIMEOUT=${TIMEOUT:-20}
REFERENCE=${DOCKHAND_REFERENCE:-/opt/refcompose/bin/docker-compose}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
DOCKHAND=$TARGET/release/dockhand

if [ ! -x /usr/bin/time ]; then
  echo "installing GNU time for peak-RSS measurement" >&2
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo -n)
  "${sudo_cmd[@]}" apt-get install -y -qq time >/dev/null
fi

(cd "$ROOT" && cargo build --release --locked --quiet)

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

service() { # name, depends-on list (space separated)
  local name=$1 deps=$2
  cat <<YAML
  $name:
    image: busybox:latest
    command: ["sh", "-c", "echo $name && sleep 3600"]
    environment:
      SERVICE_NAME: $name
      LOG_LEVEL: \${LOG_LEVEL:-info}
    labels:
      com.example.service: $name
    ports:
      - "8080"
    volumes:
      - data:/data
    healthcheck:
      test: ["CMD", "true"]
      interval: 5s
YAML
  if [ -n "$deps" ]; then
    echo "    depends_on:"
    for d in $deps; do
      printf '      %s:\n        condition: service_started\n' "$d"
    done
  fi
}

generate() { # count, shape -> path of the compose file
  local n=$1 shape=$2; local file="$WORK/$shape-$1.yaml" i deps
  {
    echo "services:"
    for ((i = 0; i < n; i++)); do
      deps=""
      if [ "$shape" = layered ] && [ "$i" -ge 10 ]; then
        local first=$(((i / 10 - 1) * 10)) j
        for ((j = first; j < first + 10; j++)); do deps+="svc$j "; done
      fi
      service "svc$i" "$deps"
    done
    printf 'volumes:\n  data: {}\n'
  } >"$file"
  echo "$file"
}

# One measurement: "<wall ms> <peak rss KiB>", or "timeout".
measure() { # binary, file
  local start end status=0
  start=$(date +%s%N)
  /usr/bin/time -f %M -o "$WORK/rss" timeout -s KILL "$TIMEOUT" \
    "$1" -f "$2" -p bench config --format json >/dev/null 2>"$WORK/err" || status=$?
  end=$(date +%s%N)
  if [ "$status" -ne 0 ]; then
    # A run killed by timeout's SIGKILL is told apart from a failure by its duration.
    if [ $(((end - start) / 1000000)) -ge $((TIMEOUT * 1000)) ]; then echo timeout; else echo "error($status)"; fi
    return
  fi
  echo "$(((end - start) / 1000000)) $(tail -n 1 "$WORK/rss")"
}

# Median wall time over RUNS runs and the largest peak RSS, or the first failure.
bench() { # binary, file
  local times=() rss=0 r
  for ((k = 0; k < RUNS; k++)); do
    r=$(measure "$1" "$2")
    case $r in
      timeout | error*) echo "$r -"; return ;;
    esac
    times+=("${r% *}")
    [ "${r#* }" -gt "$rss" ] && rss=${r#* }
  done
  local median
  median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((RUNS + 1) / 2))p")
  echo "${median}ms $((rss / 1024))MiB"
}

have_reference=0
[ -x "$REFERENCE" ] && have_reference=1

printf '%-9s %-8s %14s %12s %14s %12s\n' services shape dockhand rss reference rss
for shape in flat layered; do
  for n in $SIZES; do
    file=$(generate "$n" "$shape")
    read -r d_time d_rss <<<"$(bench "$DOCKHAND" "$file")"
    r_time=-; r_rss=-
    if [ "$have_reference" = 1 ]; then
      read -r r_time r_rss <<<"$(bench "$REFERENCE" "$file")"
    fi
    printf '%-9s %-8s %14s %12s %14s %12s\n' "$n" "$shape" "$d_time" "$d_rss" "$r_time" "$r_rss"
  done
done
[ "$have_reference" = 1 ] || echo "(reference not found at $REFERENCE: its columns are empty)"
