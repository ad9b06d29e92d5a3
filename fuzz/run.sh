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
    # Fork mode keeps fuzzing past a timeout: on a loaded machine a niced process can wait
    # longer than the 1 s limit for the CPU, so every timeout is timed again alone below.
    nice -n 19 cargo $TOOLCHAIN fuzz run --sanitizer "$SANITIZER" "$t" "corpus/$t" "seeds/$t" -- \
        -fork=1 -ignore_timeouts=1 -ignore_ooms=0 -ignore_crashes=0 \
        -max_total_time="$SECONDS_EACH" -timeout=1 -rss_limit_mb=2048 -max_len=65536 \
        "${dict[@]}" >"logs/$t.log" 2>&1
    echo $? >"logs/$t.rc"
}

running=0
for t in "${TARGETS[@]}"; do
    fuzz_one "$t" &
    running=$((running + 1))
    if [ "$running" -ge "$JOBS" ]; then wait -n; running=$((running - 1)); fi
done
wait

# A timeout counts as a hang only if the input still takes a second when run alone.
retime() {
    local bin=${CARGO_TARGET_DIR:-target}/x86_64-unknown-linux-gnu/release/$1 f ms
    for f in artifacts/$1/timeout-*; do
        [ -e "$f" ] || continue
        ms=$("$bin" -runs=3 "$f" 2>&1 | grep -o 'in [0-9]* ms' | grep -o '[0-9]*' | sort -n | tail -1)
        if [ "${ms:-0}" -ge 1000 ]; then echo "  HANG $f: ${ms} ms alone"; else echo "  $f: ${ms:-?} ms alone (waited for the CPU)"; mv "$f" logs/; fi
    done
}

failed=0
printf '%-12s %6s %12s %8s %6s %6s  %s\n' target secs execs exec/s cov corpus failures
for t in "${TARGETS[@]}"; do
    log=logs/$t.log
    last=$(grep -E '^#[0-9]+: cov:' "$log" | tail -1)
    execs=$(echo "$last" | grep -oE '^#[0-9]+' | tr -d '#')
    cov=$(echo "$last" | grep -oE 'cov: [0-9]+' | grep -oE '[0-9]+')
    rate=$(echo "$last" | grep -oE 'exec/s: [0-9]+' | grep -oE '[0-9]+')
    notes=$(retime "$t")
    fails=$(ls "artifacts/$t" | wc -l)
    printf '%-12s %6s %12s %8s %6s %6s  %s\n' "$t" "$SECONDS_EACH" "${execs:-?}" "${rate:-?}" "${cov:-?}" \
        "$(ls "corpus/$t" | wc -l)" "$fails"
    [ -n "$notes" ] && echo "$notes"
    if [ "$(cat "logs/$t.rc")" != 0 ] || [ "$fails" != 0 ]; then
        failed=1
        grep -E '^==[0-9]+==|panicked|ERROR: libFuzzer|SUMMARY|Test unit written' "$log" | head -8
    fi
done
exit $failed
