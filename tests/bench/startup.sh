#!/bin/bash
# Start-up time to socket-ready and idle memory of the Native AOT l2vlan, against the same code
# run by the .NET runtime (framework-dependent, JIT) as the baseline, in one run on one machine.
#   usage: tests/bench/startup.sh AOT_BINARY JIT_DLL [--short]
# With L2VLAN_PREVIOUS_BIN (the last release's l2vlan, make bench unpacks it from its package), that build is
# started the same way, in the same run, and two more rows compare the native build with it.
# Prints one line per build, then the empty start's BENCH rows (tests/bench/table.sh): the native
# build's ready time and idle RSS with an empty state, against the JIT build as baseline. Medians of 7
# starts (3 with --short). Uses a throw-away state folder and socket.
set -euo pipefail
aot=$1 jit=$2 runs=7 suffix=""
if [ "${3:-}" = --short ]; then runs=3 suffix=" (short)"; fi
work=$(mktemp -d /var/tmp/l2vlan-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

# measure CMD...: prints "milliseconds-to-ready rss-kib" for one start.
measure() {
    local sock=$work/s.sock start pid ms rss
    rm -rf "$work/state" "$sock"
    start=$(date +%s%N)
    "$@" serve --socket "$sock" --state-dir "$work/state" --log-level Warning &
    pid=$!
    until curl -sf --unix-socket "$sock" -X POST http://plugin/Plugin.Activate >/dev/null 2>&1; do sleep 0.005; done
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    sleep 2 # idle
    rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")
    kill "$pid"; wait "$pid" 2>/dev/null || true
    echo "$ms $rss"
}

# median of a column of numbers
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

run() {
    local name=$1; shift
    local results
    results=$(for _ in $(seq "$runs"); do measure "$@"; done)
    local ms rss
    ms=$(cut -d' ' -f1 <<<"$results" | median)
    rss=$(cut -d' ' -f2 <<<"$results" | median)
    echo "$name $ms $rss"
}

aot_line=$(run aot "$aot")
jit_line=$(run jit dotnet "$jit")
read -r _ aot_ms aot_rss <<<"$aot_line"
read -r _ jit_ms jit_rss <<<"$jit_line"
printf '%-28s %10s %12s\n' "build ($runs runs, median)" "ready ms" "idle RSS KiB"
printf '%-28s %10s %12s\n' "native AOT ($(du -k "$aot" | cut -f1) KiB)" "$aot_ms" "$aot_rss"
printf '%-28s %10s %12s\n' "JIT baseline (dotnet)" "$jit_ms" "$jit_rss"
if [ -x "${L2VLAN_PREVIOUS_BIN:-}" ]; then
    read -r _ prev_ms prev_rss <<<"$(run previous "$L2VLAN_PREVIOUS_BIN")"
    printf '%-28s %10s %12s\n' "last release (native AOT)" "$prev_ms" "$prev_rss"
    awk -v a="$aot_ms" -v p="$prev_ms" -v ar="$aot_rss" -v pr="$prev_rss" -v s="$suffix" 'BEGIN {
        printf "BENCH|5|start to ready, empty state%s|%d ms|last release|%d ms|%.2fx|-|-\n", s, a, p, a / p
        printf "BENCH|5|idle RSS, empty state%s|%.1f MB|last release|%.1f MB|%.2fx|-|-\n", s, ar / 1024, pr / 1024, ar / pr
    }'
fi
awk -v a="$aot_ms" -v j="$jit_ms" -v ar="$aot_rss" -v jr="$jit_rss" -v s="$suffix" 'BEGIN {
    printf "ratio AOT/JIT: start-up %.2f, idle memory %.2f\n", a / j, ar / jr
    printf "BENCH|5|start to ready, empty state%s|%d ms|JIT build|%d ms|%.2fx|<= 25 ms|%s\n", s, a, j, a / j, a <= 25 ? "met" : "NOT met"
    printf "BENCH|5|idle RSS, empty state%s|%.1f MB|JIT build|%.1f MB|%.2fx|<= 16 MB|%s\n", s, ar / 1024, jr / 1024, ar / jr, ar / 1024 <= 16 ? "met" : "NOT met"
}'
