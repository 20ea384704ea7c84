# The VM benchmarks (sourced after checks.sh, fixtures.sh and l2vlan.sh); used by scenarios bench
# (full) and core (short). They print BENCH rows (tests/bench/table.sh reads them) and fail only when they could not measure.

# ms_since T0_NS: milliseconds since a `date +%s%N`.
ms_since() {
    echo $((($(date +%s%N) - $1) / 1000000))
}

# bench_row GOAL FIGURE VALUE_MS BASELINE BASE_MS TARGET_RATIO
bench_row() {
    awk -v g="$1" -v f="$2" -v v="$3" -v b="$4" -v bv="$5" -v t="$6" 'BEGIN {
        r = bv > 0 ? v / bv : 0
        printf "BENCH|%s|%s|%.0f ms|%s|%.0f ms|%.2fx|<= %sx|%s\n", g, f, v, b, bv, r, t, (r <= t ? "met" : "NOT met")
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

# burst_round DRIVER N: N `docker run -d` at once on the network "burst", then one `docker rm -f` of all;
# prints "RUN_MS RM_MS". Waits for l2vlan's background deletes before it returns.
burst_round() {
    local driver=$1 n=$2 i t0 run_ms rm_ms failed=0
    t0=$(date +%s%N)
    for i in $(seq 1 "$n"); do
        docker run -d --name "burst$i" --network burst bb:latest sleep 3600 >/dev/null &
    done
    wait
    run_ms=$(ms_since "$t0")
    [ "$(docker ps -q -f name=burst -f status=running | wc -l)" = "$n" ] || { echo "$driver: not all $n containers run" >&2; failed=1; }
    t0=$(date +%s%N)
    # shellcheck disable=SC2046
    docker rm -f $(seq -f 'burst%g' 1 "$n") >/dev/null || failed=1
    rm_ms=$(ms_since "$t0")
    # l2vlan deletes the veths in the background: the next round starts once they are gone.
    [ "$driver" != l2vlan ] || wait_for 120 count_is 0 l2vlan_ports_on burst2050 \
        || { echo "l2vlan's veths still on burst2050 120 s after the remove burst" >&2; failed=1; }
    echo "$run_ms $rm_ms"
    return $failed
}

# burst_network DRIVER: the network "burst" on VLAN 2050 of eno1 (10.50.0.0/16), on l2vlan or on Docker's
# macvlan (parent eno1.2050, which macvlan makes). One at a time: macvlan cannot sit on l2vlan's bridge port.
# l2vlan's duplicate-address probe is off, as macvlan has none: its fixed 250 ms per Join (in parallel across
# a burst) is measured by scenario vlans.
burst_network() {
    case $1 in
        l2vlan) docker network create -d l2vlan --ipam-driver l2vlan --subnet 10.50.0.0/16 --gateway 10.50.0.1 \
            -o vlan_id=2050 -o ext_if=eno1 -o bridge_name=burst2050 -o dad=off burst >/dev/null ;;
        macvlan) docker network create -d macvlan --subnet 10.50.0.0/16 --gateway 10.50.0.1 -o parent=eno1.2050 burst >/dev/null ;;
    esac
}

# bench_warm_up DRIVER: two containers on the driver, not timed: images, caches and code paths warm.
bench_warm_up() {
    burst_network "$1" && burst_round "$1" 2 >/dev/null && docker network rm burst >/dev/null
}

# bench_bursts N ROUNDS SUFFIX: bursts of docker run and rm -f, l2vlan against macvlan, interleaved rounds, medians.
bench_bursts() {
    local n=$1 rounds=$2 suffix=$3 r driver times failed=0
    local -A run rm
    for r in $(seq 1 "$rounds"); do
        for driver in l2vlan macvlan; do
            burst_network "$driver" || { echo "could not create the $driver network" >&2; return 1; }
            times=$(burst_round "$driver" "$n") || failed=1
            docker network rm burst >/dev/null || failed=1
            echo "# round $r $driver: run burst ${times% *} ms, remove burst ${times#* } ms"
            run[$driver]+="${times% *} " rm[$driver]+="${times#* } "
        done
    done
    local l2run l2rm mvrun mvrm
    l2run=$(tr ' ' '\n' <<<"${run[l2vlan]}" | grep . | median)
    l2rm=$(tr ' ' '\n' <<<"${rm[l2vlan]}" | grep . | median)
    mvrun=$(tr ' ' '\n' <<<"${run[macvlan]}" | grep . | median)
    mvrm=$(tr ' ' '\n' <<<"${rm[macvlan]}" | grep . | median)
    bench_row 3 "run burst: $n docker run -d at once$suffix" "$l2run" "macvlan burst" "$mvrun" 1.1
    bench_row 3 "remove burst: docker rm -f of $n$suffix" "$l2rm" "macvlan burst" "$mvrm" 1.0
    return $failed
}
