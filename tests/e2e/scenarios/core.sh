#!/bin/bash
# The example networks of README's quick start on a real kernel with real dockerd and systemd.
# Two --config-only networks that share subnet and gateway, local networks made from them,
# a container on each in VLAN 2000 with its fixed address; a /30 range that fills up; bad
# input; a restart of the service under running containers; hosts with their own nftables ruleset or firewalld;
# a complete teardown.
. "$E2E_LIB/checks.sh"
. "$E2E_LIB/fixtures.sh"
. "$E2E_LIB/l2vlan.sh"
. "$E2E_LIB/bench.sh"
. "$E2E_LIB/host-firewalls.sh"

section "setup: router on VLAN 2000, Docker, l2vlan under systemd"
standard_setup eno1 2000 192.168.1.1/24
check "l2vlan is active (Type=notify: the socket listens)" systemctl is-active l2vlan
check "socket present" test -S /run/l2vlan/l2vlan.sock

section "the example's config-only networks, local networks from them"
example_local_networks ""
t0=$SECONDS
check "c1 runs on net1" docker run -d --name c1 --network net1 bb:latest sleep 3600
note "docker run on l2vlan took $((SECONDS - t0))s"
check "c2 runs on net2" docker run -d --name c2 --network net2 bb:latest sleep 3600
check_eq "c1 has exactly 192.168.1.4/24" "192.168.1.4/24" "$(container_ipv4 c1)"
check_eq "c2 has exactly 192.168.1.6/24" "192.168.1.6/24" "$(container_ipv4 c2)"
check "c1's default route goes to the router" sh -c "docker exec c1 ip route | grep -q '^default via 192.168.1.1 dev eth0'"
check "c1 pings the router's gateway over VLAN 2000" docker exec c1 ping -c 3 -W 2 192.168.1.1
check "c2 pings the router's gateway over VLAN 2000" docker exec c2 ping -c 3 -W 2 192.168.1.1
check "c1 reaches c2" docker exec c1 ping -c 2 -W 2 192.168.1.6
check "the router learned c1 on trunk0.2000 with its address-derived MAC" \
    sh -c "ip -n router neigh show 192.168.1.4 dev trunk0.2000 | grep -qi '02:6c:c0:a8:01:04'"
check "no host interface carries the gateway 192.168.1.1" no_host_address ' 192[.]168[.]1[.]1/'
check "the host has no address in 192.168.1.0/24" no_host_address ' 192[.]168[.]1[.]'
check "no address of any scope (link-local included) on vlan2000 or eno1.2000" no_host_address '^(vlan2000|eno1[.]2000)(@[^ ]*)? '
ports=$(bridge_ports vlan2000)
check "vlan2000's ports: eno1.2000 and two veths" sh -c "[ '$(echo "$ports" | tr ' ' '\n' | grep -c '^l2v')' = 2 ] && echo '$ports' | grep -qw eno1.2000"
note "vlan2000 ports: $ports"
check_eq "eno1.2000 is 802.1Q VLAN 2000 of eno1" "2000 eno1" \
    "$(ip -d -j link show eno1.2000 | grep -o '"id":[0-9]*' | cut -d: -f2) $(ip -j link show eno1.2000 | grep -o '"link":"[^"]*"' | cut -d'"' -f4)"
check "l2vlan's firewall accept rule is in place" sh -c "iptables -S FORWARD | grep -q 'l2vlan bridge vlan2000'"

section "a /30 range: three addresses, then a clear refusal"
check "net3conf + net3 (--ip-range 192.168.1.252/30)" sh -c "docker network create -d l2vlan --ipam-driver l2vlan \
    --subnet 192.168.1.0/24 --gateway 192.168.1.1 --ip-range 192.168.1.252/30 \
    -o vlan_id=2000 -o ext_if=eno1 -o bridge_name=vlan2000 --config-only net3conf && docker network create -d l2vlan --config-from net3conf net3"
for i in 1 2 3; do check "r$i runs on net3" docker run -d --name "r$i" --network net3 bb:latest sleep 3600; done
addresses=$(for i in 1 2 3; do container_ipv4 "r$i"; echo; done | sort | tr '\n' ' ')
check_eq "the three got distinct addresses of the range (.255 is broadcast)" "192.168.1.252/24 192.168.1.253/24 192.168.1.254/24 " "$addresses"
check_fails --grep 'no free address left in --ip-range 192.168.1.252/30' "a fourth container is refused with a clear error" \
    docker run -d --name r4 --network net3 bb:latest sleep 3600
docker rm -f r4 >/dev/null 2>&1
check "r1 reaches the gateway" docker exec r1 ping -c 2 -W 2 192.168.1.1

section "bad input: clear errors through the docker CLI, nothing stored changes"
before=$(l2vlan_state_files)
check_fails --grep 'vlan_id=5000.*1 to 4094' "vlan_id out of range" docker network create -d l2vlan --ipam-driver l2vlan \
    --subnet 192.168.7.0/24 -o vlan_id=5000 -o ext_if=eno1 bad1
check_fails --grep 'needs --subnet' "no --subnet" docker network create -d l2vlan --ipam-driver l2vlan -o vlan_id=7 -o ext_if=eno1 bad2
check_fails --grep "ext_if: no such interface on this host: tried eno9" "missing NIC" docker network create -d l2vlan --ipam-driver l2vlan \
    --subnet 192.168.7.0/24 -o vlan_id=7 -o ext_if=eno9 bad3
check_fails --grep "unknown l2vlan option 'vlanid'" "a typo in an option" docker network create -d l2vlan --ipam-driver l2vlan \
    --subnet 192.168.7.0/24 -o vlanid=7 -o ext_if=eno1 bad4
check_fails --grep 'bridge_name=vlan2000 already carries VLAN 2000 of eno1' "bridge reused with another VLAN" \
    docker network create -d l2vlan --ipam-driver l2vlan --subnet 192.168.8.0/24 -o vlan_id=2001 -o ext_if=eno1 -o bridge_name=vlan2000 bad5
check_fails --grep 'already in use' "a static --ip already used" docker run -d --name dup --network net3 --ip 192.168.1.252 bb:latest true
docker rm -f dup >/dev/null 2>&1
# Docker 29 reads 0.0.0.0/24 as "any free /24" and hands it to a remote IPAM as it is; every engine before it does too.
check_fails --grep '--subnet 0.0.0.0/24 asks for any free /24 subnet.*e.g. --subnet 192.168.1.0/24' "a prefix size in place of the subnet" \
    docker network create -d l2vlan --ipam-driver l2vlan --subnet 0.0.0.0/24 -o vlan_id=7 -o ext_if=eno1 bad6
check_eq "state files unchanged by the refused requests" "$before" "$(l2vlan_state_files)"
check_eq "no network bad1..bad6 exists" "" "$(docker network ls -q -f name=bad)"
check "c1 still reaches the gateway" docker exec c1 ping -c 1 -W 2 192.168.1.1

section "an interface name for the container is refused, not silently ignored"
# Its own subnet and VLAN: Docker refuses a second interface of a container in a subnet it already has.
check "network ifn (VLAN 2077, --ip-range 192.168.77.20/32)" docker network create -d l2vlan --ipam-driver l2vlan \
    --subnet 192.168.77.0/24 --gateway 192.168.77.1 --ip-range 192.168.77.20/32 -o vlan_id=2077 -o ext_if=eno1 ifn
check_fails --grep 'com.docker.network.endpoint.ifname=lan0 cannot be honoured' "connect with driver-opt ifname=lan0" \
    docker network connect --driver-opt com.docker.network.endpoint.ifname=lan0 ifn c1
check "c1 has no lan0" sh -c "! docker exec c1 ip link show lan0 2>/dev/null"
check "connected without the option, c1 gets the address the refusal left free" docker network connect ifn c1
check_eq "c1's second interface" "eth1 192.168.77.20/24" "$(docker exec c1 ip -4 -o addr show eth1 | awk '{print $2, $4}')"
# Docker 28 orders a container's gateway candidates by --gw-priority, then by network name: ifn comes before net1.
if [ "$(docker_major)" -ge 28 ]; then
    check "c1's default route moved to ifn's interface (revoke on net1, program on ifn)" \
        sh -c "docker exec c1 ip route | grep -q '^default via 192.168.77.1 dev eth1'"
fi
check "docker network disconnect ifn c1; docker network rm ifn" sh -c "docker network disconnect ifn c1 && docker network rm ifn"
check "c1's default route is back on eth0" sh -c "docker exec c1 ip route | grep -q '^default via 192.168.1.1 dev eth0'"
check "c1 reaches the gateway after its gateway endpoint moved to ifn and back" docker exec c1 ping -c 2 -W 2 192.168.1.1
check "ifn's bridge vlan2077 and eno1.2077 are gone" sh -c "! ip link show vlan2077 2>/dev/null && ! ip link show eno1.2077 2>/dev/null"

section "restarting l2vlan under running containers"
docker exec c1 ping -c 30 -i 0.2 -W 1 192.168.1.1 >/tmp/ping-during-restart.txt 2>&1 &
pinger=$!
sleep 1
t0=$SECONDS
check "systemctl restart l2vlan" systemctl restart l2vlan
note "restart took $((SECONDS - t0))s"
wait $pinger
received=$(sed -n 's/.* \([0-9]*\) packets received.*/\1/p' /tmp/ping-during-restart.txt)
note "pings during the restart: ${received:-0}/30 answered"
check "traffic kept flowing during the restart (>= 28 of 30 answered)" test "${received:-0}" -ge 28
check "after restart c2 still reaches c1" docker exec c2 ping -c 2 -W 2 192.168.1.4
check "r3 removed" docker rm -f r3
check "a new container starts after the restart and gets the freed address" docker run -d --name r5 --network net3 bb:latest sleep 3600
check_eq "r5 has 192.168.1.254/24" "192.168.1.254/24" "$(container_ipv4 r5)"
check "r5 reaches the gateway" docker exec r5 ping -c 2 -W 2 192.168.1.1
check "l2vlan status shows the three networks" sh -c "l2vlan status | grep -q '^networks: 3$'"

section "restarting Docker: local networks live on in l2vlan's state"
check "systemctl restart docker" systemctl restart docker
check "dockerd answers again" wait_for_docker 180
check "the restart was clean: dockerd was not forced to shut down (vm/init sets its timeout)" \
    sh -c "! journalctl -u docker --no-pager | grep -q 'Force shutdown daemon'"
check "a container starts on net1 again" docker run -d --name c1b --network net1 bb:latest sleep 3600
check_eq "it has 192.168.1.4/24" "192.168.1.4/24" "$(container_ipv4 c1b)"
check "it reaches the gateway" docker exec c1b ping -c 2 -W 2 192.168.1.1
note "FORWARD: $(iptables -S FORWARD | head -n1); bridge-nf-call-iptables=$(cat /proc/sys/net/bridge/bridge-nf-call-iptables 2>/dev/null)"
check_eq "after both restarts, one accept rule for vlan2000 per front end (iptables, ip6tables)" "1 1" \
    "$(iptables -S FORWARD | grep -c 'l2vlan bridge vlan2000') $(ip6tables -S FORWARD | grep -c 'l2vlan bridge vlan2000')"

section "short benchmarks: 5 endpoints through the socket, a burst of 3 against macvlan (figures only)"
bench_endpoints 5 " (short)" 2>&1 | tee /tmp/bench-endpoints.out
rc=${PIPESTATUS[0]} out=$(cat /tmp/bench-endpoints.out)
check_eq "the endpoint bench measured (exit 0, two BENCH rows)" "0 2" "$rc $(grep -c '^BENCH|2|' <<<"$out")"
bench_bursts 3 1 " (short)" 2>&1 | tee /tmp/bench-bursts.out
rc=${PIPESTATUS[0]} out=$(cat /tmp/bench-bursts.out)
check_eq "the burst bench measured (exit 0, two BENCH rows)" "0 2" "$rc $(grep -c '^BENCH|3|' <<<"$out")"

section "docker rm: l2vlan answers first and deletes the veths in the background, within seconds"
check "network burst on l2vlan" burst_network l2vlan
check "b1 and b2 run on it" sh -c "docker run -d --name b1 --network burst bb:latest sleep 3600 && docker run -d --name b2 --network burst bb:latest sleep 3600"
ports=$(ip -o link show master burst2050 | awk -F': ' '/: l2v/ {sub(/@.*/, "", $2); print $2}' | tr '\n' ' ')
check_eq "two l2vlan veths on burst2050" 2 "$(wc -w <<<"$ports")"
check "docker rm -f b1 b2" docker rm -f b1 b2
check "their veths are gone within 5 s" wait_for 5 sh -c "for v in $ports; do ! ip link show \$v >/dev/null 2>&1 || exit 1; done"
check "no deleted endpoint's veth is left on record (the list is left out of the file while empty)" wait_for 5 sh -c "! grep -q PendingVethDeletes /var/lib/l2vlan/networks/*.json"
check "docker network rm burst" docker network rm burst
check "bridge burst2050 is gone" sh -c "! ip link show burst2050 2>/dev/null"

section "the host's own nftables table drops forwarded traffic: doctor names the rule that lets the bridge through"
# The usual hardened /etc/nftables.conf: an accept in iptables' FORWARD chain (l2vlan's rule) does not override it.
if ! command -v nft >/dev/null; then
    skip "a host with its own nftables forward chain" "this engine's root has no nft (only the Debian 13 roots have it)"
else
    t0=$SECONDS
    check "router: gateway 192.168.10.1/24 on VLAN 2010" setup_router eno1 2010 192.168.10.1/24
    printf '%s\n' 'table inet hostfw {' '  chain forward {' \
        '    type filter hook forward priority filter; policy drop;' \
        '    ct state established,related accept' '  }' '}' >/tmp/hostfw.nft
    check "the admin's table inet hostfw: forward policy drop, established and related accepted" nft -f /tmp/hostfw.nft
    nft -j list ruleset >"$E2E_OUT/nft-hostfw.json"
    before=$(admin_ruleset)
    check "network fw1 on VLAN 2010 is made all the same, with a container" fw_network fw1
    rule='nft insert rule inet hostfw forward iifname "vlan2010" oifname "vlan2010" accept'
    check "the journal warns, naming the bridge, the chain and the rule that allows it" wait_for 20 l2vlan_warned \
        "Bridge vlan2010: the host's nftables chain inet hostfw forward drops its traffic (its policy drop); \
containers on it cannot reach the VLAN. l2vlan leaves that firewall as it is; to allow the bridge: $rule"
    blocked_until_doctor_fix fw1 "nftables chain inet hostfw forward drops the traffic of bridge vlan2010" "$rule"
    nft -j list ruleset >"$E2E_OUT/nft-hostfw-fixed.json"
    check "doctor: no chain drops vlan2010's traffic any more" doctor_says_allowed vlan2010
    check "fw1 and its network removed, with bridge vlan2010 and l2vlan's rules" fw_network_gone fw1
    check_eq "the admin's ruleset is as before but for the rule the admin added" \
        '> iifname "vlan2010" oifname "vlan2010" accept' "$(ruleset_changes "$before" "$(admin_ruleset)")"
    check "the admin's table deleted" nft delete table inet hostfw
    note "nftables section took $((SECONDS - t0))s"
fi

section "firewalld (Debian's package, default configuration): doctor names the zone that lets the bridge through"
if ! command -v firewalld >/dev/null; then
    skip "a host with firewalld" "this engine's root has no firewalld (only the Debian 13 roots have it)"
else
    t0=$SECONDS
    docker_forward=$(iptables -S FORWARD; ip6tables -S FORWARD)
    check "firewalld starts" systemctl start firewalld
    check "firewalld is running" wait_for 60 firewall-cmd --state
    note "firewalld $(firewall-cmd --version), default zone $(firewall-cmd --get-default-zone)"
    nft -j list ruleset >"$E2E_OUT/nft-firewalld.json"
    before=$(admin_ruleset)
    check "network fw2 on VLAN 2010 is made all the same, with a container" fw_network fw2
    fix='firewall-cmd --permanent --zone=trusted --add-interface=vlan2010 && firewall-cmd --reload'
    check "the journal warns, naming the bridge, firewalld's chain and the zone that allows it" \
        wait_for 20 l2vlan_warned "Bridge vlan2010: the host's nftables chain inet firewalld "
    check "the journal's warning ends in the firewall-cmd commands" l2vlan_warned "to allow the bridge: $fix"
    blocked_until_doctor_fix fw2 "nftables chain inet firewalld filter_FORWARD drops the traffic of bridge vlan2010" \
        "$fix"
    nft -j list ruleset >"$E2E_OUT/nft-firewalld-trusted.json"
    check "doctor: no chain drops vlan2010's traffic any more" doctor_says_allowed vlan2010
    check "fw2 and its network removed, with bridge vlan2010 and l2vlan's rules" fw_network_gone fw2
    # firewalld makes the trusted zone's chains once an interface is in it, and keeps the interface there.
    check "the ruleset changed where firewalld put vlan2010 in its trusted zone" \
        sh -c "nft -s list chain inet firewalld filter_FORWARD_POLICIES | grep -q 'iifname \"vlan2010\"'"
    check "the admin takes vlan2010 out of the trusted zone again" \
        sh -c "firewall-cmd --permanent --zone=trusted --remove-interface=vlan2010 && firewall-cmd --reload"
    check_eq "then the ruleset is exactly as before" "" "$(ruleset_changes "$before" "$(admin_ruleset)")"
    check "firewalld stopped" systemctl stop firewalld
    check_eq "Docker's FORWARD chains are as they were before firewalld" "$docker_forward" \
        "$(iptables -S FORWARD; ip6tables -S FORWARD)"
    check "c1b reaches its router through Docker's firewall again" docker exec c1b ping -c 2 -W 2 192.168.1.1
    note "firewalld section took $((SECONDS - t0))s"
fi

section "teardown: nothing of l2vlan's is left"
check "containers removed" sh -c 'docker rm -f $(docker ps -aq) >/dev/null'
check "docker network rm net1 net2 net3" docker network rm net1 net2 net3
assert_clean_teardown
check "the config-only networks can be removed (no 'in use')" docker network rm net1conf net2conf net3conf
check "l2vlan logged to the journal" sh -c "journalctl -u l2vlan --no-pager | grep -q 'listening on /run/l2vlan/l2vlan.sock'"
finish
