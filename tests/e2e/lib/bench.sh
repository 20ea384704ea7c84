# The VM benchmarks (sourced after checks.sh, fixtures.sh and l2vlan.sh); used by scenarios bench
# (full) and core (short). They print BENCH rows (tests/bench/table.sh reads them) and fail only when they could not measure.

# ms_since T0_NS: milliseconds since a `date +%s%N`.
ms_since() {
    echo $((($(date +%s%N) - $1) / 1000000))
}

# bench_row GOAL FIGURE VALUE_MS BASELINE BASE_MS TARGET_RATIO: a TARGET_RATIO of - shows the ratio only.
bench_row() {
    awk -v g="$1" -v f="$2" -v v="$3" -v b="$4" -v bv="$5" -v t="$6" 'BEGIN {
        r = bv > 0 ? v / bv : 0
        target = t == "-" ? "-" : "<= " t "x"
        met = t == "-" ? "-" : (r <= t ? "met" : "NOT met")
        printf "BENCH|%s|%s|%.0f ms|%s|%.0f ms|%.2fx|%s|%s\n", g, f, v, b, bv, r, target, met
    }'
}

# l2vlan_veths: how many l2vlan veths (host or container end) the host has.
l2vlan_veths() {
    ip -o link show | grep -c ': l2[vc]' || true
}

# l2vlan_ports_on BRIDGE: how many of l2vlan's veths are ports of BRIDGE.
l2vlan_ports_on() {
    ip -o link show master "$1" 2>/dev/null | grep -c ': l2v' || true
}

# bench_endpoints N SUFFIX: the endpoint life cycle through l2vlan's socket (tests/e2e/lib/endpoint-bench.pl).
bench_endpoints() {
    perl "$E2E_LIB/endpoint-bench.pl" "$1" "$2"
}

# l2vlan_metrics: the service's call counters, as Prometheus text (GET /metrics on its socket; perl, as the VM
# has no curl).
l2vlan_metrics() {
    perl -MIO::Socket::UNIX -e '
        my $s = IO::Socket::UNIX->new(Type => SOCK_STREAM(), Peer => "/run/l2vlan/l2vlan.sock") or die "connect: $!\n";
        print $s "GET /metrics HTTP/1.1\r\nHost: l2vlan\r\nConnection: close\r\n\r\n";
        local $/; my $answer = <$s>; $answer =~ s/^.*?\r\n\r\n//s; print $answer;'
}

# burst_round DRIVER N DIR: N `docker run -d` at once on the network "burst", then one `docker rm -f` of all;
# prints "RUN_MS RM_MS". Waits for l2vlan's background deletes before it returns. Leaves in DIR each container's
# own `docker run` time (run_ms, one a line) and, on l2vlan, the service's counters before the run burst, after it
# and after the remove burst (metrics.0, .1, .2).
burst_round() {
    local driver=$1 n=$2 dir=$3 i t0 run_ms rm_ms failed=0
    mkdir -p "$dir" && rm -f "$dir"/run_ms "$dir"/metrics.*
    [ "$driver" = macvlan ] || l2vlan_metrics >"$dir/metrics.0"
    t0=$(date +%s%N)
    for i in $(seq 1 "$n"); do
        (
            t=$(date +%s%N)
            docker run -d --name "burst$i" --network burst bb:latest sleep 3600 >/dev/null
            echo $((($(date +%s%N) - t) / 1000000)) >>"$dir/run_ms"
        ) &
    done
    wait
    run_ms=$(ms_since "$t0")
    [ "$driver" = macvlan ] || l2vlan_metrics >"$dir/metrics.1"
    [ "$(docker ps -q -f name=burst -f status=running | wc -l)" = "$n" ] || { echo "$driver: not all $n containers run" >&2; failed=1; }
    t0=$(date +%s%N)
    # shellcheck disable=SC2046
    docker rm -f $(seq -f 'burst%g' 1 "$n") >/dev/null || failed=1
    rm_ms=$(ms_since "$t0")
    # l2vlan deletes the veths in the background: the next round starts once they are gone.
    [ "$driver" = macvlan ] || wait_for 120 count_is 0 l2vlan_ports_on burst2050 \
        || { echo "l2vlan's veths still on burst2050 120 s after the remove burst" >&2; failed=1; }
    [ "$driver" = macvlan ] || l2vlan_metrics >"$dir/metrics.2"
    echo "$run_ms $rm_ms"
    return $failed
}

# burst_network DRIVER: the network "burst" on VLAN 2050 of eno1 (10.50.0.0/16), on l2vlan or on Docker's
# macvlan (parent eno1.2050, which macvlan makes). One at a time: macvlan cannot sit on l2vlan's bridge port.
# l2vlan's duplicate-address probe is off (driver l2vlan), as macvlan has none, or on (driver l2vlan-dad).
burst_network() {
    local dad=off
    case $1 in
        l2vlan-dad) dad=on ;&
        l2vlan) docker network create -d l2vlan --ipam-driver l2vlan --subnet 10.50.0.0/16 --gateway 10.50.0.1 \
            -o vlan_id=2050 -o ext_if=eno1 -o bridge_name=burst2050 -o dad=$dad burst >/dev/null ;;
        macvlan) docker network create -d macvlan --subnet 10.50.0.0/16 --gateway 10.50.0.1 -o parent=eno1.2050 burst >/dev/null ;;
    esac
}

# bench_warm_up DRIVER: two containers on the driver, not timed: images, caches and code paths warm.
bench_warm_up() {
    burst_network "$1" && burst_round "$1" 2 "/tmp/bench-warm-up" >/dev/null && docker network rm burst >/dev/null
}

# spread: "MIN-MAX" of the numbers on stdin, in seconds with one decimal.
spread() {
    sort -n | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.1f-%.1f s", lo / 1000, hi / 1000 }'
}

# call_account TITLE CONTAINERS_MS_FILE|- FROM TO DIR...: the calls l2vlan served between the counters metrics.FROM
# and metrics.TO of each round's DIR, per round (the rounds' mean): per call, how many, the time in l2vlan and its
# split into lock waits, the kernel, state writes and probes, and the rest (l2vlan's own computing, reading the
# request). With a file of each container's own `docker run` times, the time Docker spent outside l2vlan's calls.
# Prints ACCOUNT rows (tests/bench/table.sh prints them after its table).
call_account() {
    local title=$1 containers=$2 from=$3 to=$4; shift 4
    local files=() d
    for d in "$@"; do files+=("$d/metrics.$from" "$d/metrics.$to"); done
    local docker_ms=0 count=0
    [ "$containers" = - ] || read -r docker_ms count < <(awk '{ s += $1 } END { print s + 0, NR }' "$containers")
    awk -v title="$title" -v rounds=$# -v docker_ms="$docker_ms" -v containers="$count" '
        FNR == 1 { f++; sign = (f % 2 == 1) ? -1 : 1 }
        /^#/ { next }
        {
            if (!match($0, /call="[^"]*"/)) next
            call = substr($0, RSTART + 6, RLENGTH - 7)
            metric = $1; sub(/\{.*/, "", metric); value = $NF
            if (metric == "l2vlan_calls_total") n[call] += sign * value
            else if (metric == "l2vlan_call_seconds_sum") t[call] += sign * value
            else if (metric == "l2vlan_call_phase_seconds_total" && match($0, /phase="[^"]*"/))
                p[call, substr($0, RSTART + 7, RLENGTH - 8)] += sign * value
        }
        END {
            printf "ACCOUNT|%s, per burst (mean of %d)|calls|in l2vlan|lock wait|kernel|state write|probe|rest\n", title, rounds
            split("lock_wait kernel state_write probe", phase, " ")
            for (c in n) {
                if (n[c] == 0) continue
                ms = t[c] * 1000 / rounds; rest = ms
                line = sprintf("ACCOUNT|%s|%.0f|%.0f ms", c, n[c] / rounds, ms)
                for (i = 1; i <= 4; i++) {
                    v = p[c, phase[i]] * 1000 / rounds; rest -= v; total[i] += v
                    line = line sprintf("|%.0f ms", v)
                }
                print line sprintf("|%.0f ms", rest)
                all_n += n[c] / rounds; all += ms; all_rest += rest
            }
            line = sprintf("ACCOUNT|all calls|%.0f|%.0f ms", all_n, all)
            for (i = 1; i <= 4; i++) line = line sprintf("|%.0f ms", total[i])
            print line sprintf("|%.0f ms", all_rest)
            if (docker_ms == 0) exit
            printf "ACCOUNT|docker run of each container, summed|%d|%.0f ms|||||\n", containers / rounds, docker_ms / rounds
            printf "ACCOUNT|of which Docker, outside l2vlan calls||%.0f ms (%.1f%%)|||||\n",
                docker_ms / rounds - all, 100 - 100 * all * rounds / docker_ms
        }' "${files[@]}"
}

# bench_bursts N ROUNDS SUFFIX [DAD_ROUNDS]: bursts of docker run and rm -f, l2vlan (probe off) against macvlan in
# ABBA order (l2vlan first in odd rounds, macvlan first in even ones), and l2vlan with the probe on beside, in the
# first DAD_ROUNDS rounds (default none), last in odd rounds, first in even ones. Prints each round, medians and
# spread as BENCH rows, and the per-call account of l2vlan's bursts read from its /metrics.
bench_bursts() {
    local n=$1 rounds=$2 suffix=$3 dad_rounds=${4:-0} r driver order times failed=0 work=/tmp/bench-bursts
    local -A run rm
    rm -rf "$work"
    for r in $(seq 1 "$rounds"); do
        if [ $((r % 2)) = 1 ]; then order="l2vlan macvlan l2vlan-dad"; else order="l2vlan-dad macvlan l2vlan"; fi
        for driver in $order; do
            [ "$driver" != l2vlan-dad ] || [ "$r" -le "$dad_rounds" ] || continue
            burst_network "$driver" || { echo "could not create the $driver network" >&2; return 1; }
            times=$(burst_round "$driver" "$n" "$work/$driver.$r") || failed=1
            docker network rm burst >/dev/null || failed=1
            echo "# round $r $driver: run burst ${times% *} ms, remove burst ${times#* } ms"
            run[$driver]+="${times% *} " rm[$driver]+="${times#* } "
            # Each round's own account as it ends, so that a run cut short by the VM's time limit still shows it.
            [ "$driver" = macvlan ] || [ "$rounds" = 1 ] \
                || call_account "round $r, $driver, run burst of $n$suffix" "$work/$driver.$r/run_ms" 0 1 "$work/$driver.$r"
        done
    done
    local -A med spr
    for driver in "${!run[@]}"; do
        med[run.$driver]=$(tr ' ' '\n' <<<"${run[$driver]}" | grep . | median)
        med[rm.$driver]=$(tr ' ' '\n' <<<"${rm[$driver]}" | grep . | median)
        spr[run.$driver]=$(tr ' ' '\n' <<<"${run[$driver]}" | grep . | spread)
        spr[rm.$driver]=$(tr ' ' '\n' <<<"${rm[$driver]}" | grep . | spread)
    done
    local of="median of $rounds"
    bench_row 3 "run burst: $n docker run -d at once$suffix ($of; l2vlan ${spr[run.l2vlan]}, macvlan ${spr[run.macvlan]})" \
        "${med[run.l2vlan]}" "macvlan burst" "${med[run.macvlan]}" 1.1
    bench_row 3 "remove burst: docker rm -f of $n$suffix ($of; l2vlan ${spr[rm.l2vlan]}, macvlan ${spr[rm.macvlan]})" \
        "${med[rm.l2vlan]}" "macvlan burst" "${med[rm.macvlan]}" 1.0
    if [ -n "${run[l2vlan-dad]:-}" ]; then
        bench_row 3 "run burst, DAD on$suffix (median of $dad_rounds, ${spr[run.l2vlan-dad]})" \
            "${med[run.l2vlan-dad]}" "l2vlan burst, DAD off" "${med[run.l2vlan]}" -
        bench_row 3 "remove burst, DAD on$suffix (median of $dad_rounds, ${spr[rm.l2vlan-dad]})" \
            "${med[rm.l2vlan-dad]}" "l2vlan burst, DAD off" "${med[rm.l2vlan]}" -
    fi
    cat "$work"/l2vlan.*/run_ms >"$work/run_ms.l2vlan"
    call_account "run burst of $n, DAD off$suffix" "$work/run_ms.l2vlan" 0 1 "$work"/l2vlan.*
    call_account "remove burst of $n, DAD off$suffix" - 1 2 "$work"/l2vlan.*
    if [ -n "${run[l2vlan-dad]:-}" ]; then
        cat "$work"/l2vlan-dad.*/run_ms >"$work/run_ms.l2vlan-dad"
        call_account "run burst of $n, DAD on$suffix" "$work/run_ms.l2vlan-dad" 0 1 "$work"/l2vlan-dad.*
    fi
    return $failed
}
