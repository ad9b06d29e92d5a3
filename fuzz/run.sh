#!/usr/bin/env bash
# Fuzzes the loader: each target for SECONDS (default 60), JOBS targets at a time (default 1),
# at the lowest CPU priority. Builds the seed corpus from our own fixtures first.
#
#   fuzz/run.sh [SECONDS] [TARGET...]       e.g. fuzz/run.sh 600 load
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`) and the nightly toolchain (or RUSTC_BOOTSTRAP=1
# with stable, or SANITIZER=none). Corpora grow in fuzz/corpus/TARGET, failing inputs land in
# fuzz/artifacts/TARGET, logs in fuzz/logs. Exit status 1 if any target found a failure.
set -u
cd "$(dirname "$0")"
SECONDS_EACH=${1:-60}
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(load dotenv interpolate)
JOBS=${JOBS:-1}
TOOLCHAIN=${TOOLCHAIN:-+nightly}
SANITIZER=${SANITIZER:-address}

mkdir -p logs
python3 seeds.py seeds >/dev/null || exit 2
nice -n 19 cargo $TOOLCHAIN fuzz build --sanitizer "$SANITIZER" >logs/build.log 2>&1 || { tail -20 logs/build.log; exit 2; }

fuzz_one() {
    local t=$1 dict=()
    [ -f "$t.dict" ] && dict=(-dict="$t.dict")
    mkdir -p "corpus/$t" "artifacts/$t"
    nice -n 19 cargo $TOOLCHAIN fuzz run --sanitizer "$SANITIZER" "$t" "corpus/$t" "seeds/$t" -- \
        -max_total_time="$SECONDS_EACH" -timeout=1 -rss_limit_mb=2048 -max_len=65536 \
        -print_final_stats=1 "${dict[@]}" >"logs/$t.log" 2>&1
    echo $? >"logs/$t.rc"
}

running=0
for t in "${TARGETS[@]}"; do
    fuzz_one "$t" &
    running=$((running + 1))
    if [ "$running" -ge "$JOBS" ]; then wait -n; running=$((running - 1)); fi
done
wait

failed=0
printf '%-12s %6s %12s %8s %6s %6s  %s\n' target secs execs exec/s cov corpus failures
for t in "${TARGETS[@]}"; do
    log=logs/$t.log
    stat() { grep -o "^stat::$1: *[0-9]*" "$log" | tail -1 | grep -o '[0-9]*$'; }
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*')
    corp=$(ls "corpus/$t" | wc -l)
    fails=$(ls "artifacts/$t" | wc -l)
    printf '%-12s %6s %12s %8s %6s %6s  %s\n' "$t" "$SECONDS_EACH" "$(stat number_of_executed_units)" \
        "$(stat average_exec_per_sec)" "${cov:-?}" "$corp" "$fails"
    if [ "$(cat "logs/$t.rc")" != 0 ]; then
        failed=1
        grep -E '^==[0-9]+==|panicked|ERROR: libFuzzer|SUMMARY|Test unit written' "$log" | head -8
    fi
done
exit $failed
