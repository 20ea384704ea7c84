#!/bin/bash
# The VM benchmarks, on a real kernel (802.1Q) with real dockerd: prints BENCH rows.
# Endpoint life cycle: 60 endpoints through l2vlan's socket against `ip -batch` of the same link operations.
# Bursts: 30 `docker run -d` at once, then `docker rm -f` of the 30, on l2vlan against Docker's macvlan on
# the same VLAN; one round each (l2vlan first). The goals are not checks: only that it measured.
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

section "bursts: 30 docker run at once, then docker rm -f, l2vlan against macvlan"
# One round each: under TCG a burst of 30 takes minutes (two rounds each overran the VM's 25 minutes).
bench_bursts 30 1 "" 2>&1 | tee /tmp/bench-bursts.out
rc=${PIPESTATUS[0]} out=$(cat /tmp/bench-bursts.out)
check_eq "the burst bench measured (exit 0, two BENCH rows)" "0 2" "$rc $(grep -c '^BENCH|3|' <<<"$out")"

section "afterwards"
check_eq "no l2vlan veth is left" 0 "$(l2vlan_veths)"
check_eq "no state file is left" 0 "$(l2vlan_state_files)"
finish
