#!/bin/bash
# The VM benchmarks, on a real kernel (802.1Q) with real dockerd: prints BENCH rows.
# Endpoint life cycle: 60 endpoints through l2vlan's socket against `ip -batch` of the same link operations.
# Bursts: 30 `docker run -d` at once, then `docker rm -f` of the 30, on l2vlan against Docker's macvlan on
# the same VLAN, in rounds in ABBA order, with l2vlan's probe off and beside it on; and the per-call account of
# l2vlan's bursts from its /metrics. The goals are not checks: only that it measured.
. "$E2E_LIB/checks.sh"
. "$E2E_LIB/fixtures.sh"
. "$E2E_LIB/l2vlan.sh"
. "$E2E_LIB/bench.sh"

section "setup"
standard_setup eno1 2000 192.168.1.1/24
check "socket present" test -S /run/l2vlan/l2vlan.sock
# A first container on each driver, not timed: images, caches and code paths warm.
check "warm-up on l2vlan" bench_warm_up l2vlan
check "warm-up on macvlan" bench_warm_up macvlan

section "endpoint life cycle: 60 endpoints through the socket against ip -batch"
# Streamed, not captured: a run cut short by the VM's time limit still shows what it measured.
bench_endpoints 60 "" 2>&1 | tee /tmp/bench-endpoints.out
rc=${PIPESTATUS[0]} out=$(cat /tmp/bench-endpoints.out)
check_eq "the endpoint bench measured (exit 0, two BENCH rows)" "0 2" "$rc $(grep -c '^BENCH|2|' <<<"$out")"

# Rounds per side (L2VLAN_BENCH_ROUNDS, default 3) and rounds of l2vlan with the probe on (L2VLAN_BENCH_DAD_ROUNDS,
# default the same): under TCG one burst of 30 and its removal take about 3 minutes, so 3 and 3 take about 27.
rounds=${L2VLAN_BENCH_ROUNDS:-3}
dad_rounds=${L2VLAN_BENCH_DAD_ROUNDS:-$rounds}
section "bursts: 30 docker run at once, then docker rm -f, l2vlan against macvlan, $rounds rounds in ABBA order"
bench_bursts 30 "$rounds" "" "$dad_rounds" 2>&1 | tee /tmp/bench-bursts.out
rc=${PIPESTATUS[0]} out=$(cat /tmp/bench-bursts.out)
rows=$((dad_rounds > 0 ? 4 : 2))
check_eq "the burst bench measured (exit 0, $rows BENCH rows)" "0 $rows" "$rc $(grep -c '^BENCH|3|' <<<"$out")"
check "the per-call account was read from the service's /metrics" grep -q '^ACCOUNT|all calls|' /tmp/bench-bursts.out

section "afterwards"
check_eq "no l2vlan veth is left" 0 "$(l2vlan_veths)"
check_eq "no state file is left" 0 "$(l2vlan_state_files)"
finish
