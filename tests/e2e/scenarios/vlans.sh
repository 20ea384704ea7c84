#!/bin/bash
# What users of Docker's macvlan expect. Two VLANs 10 and 20,
# dual stack, static v4 and v6 addresses, one container in both VLANs, the router routing
# between them; parent lists, parent files, sub-interface ownership, several subnets with aux
# addresses, MTU, MAC, routes, --internal, and the errors for a missing parent or a typo; the host's own
# VLAN sub-interface and an ext_if that is no NIC refused; one address per VLAN across networks and IPAMs.
. "$E2E_LIB/checks.sh"
. "$E2E_LIB/fixtures.sh"
. "$E2E_LIB/l2vlan.sh"

section "setup: a router on VLANs 10 to 90 (dual stack on 10, 20, 50; IPv6 only on 90)"
standard_setup eno1 10 192.168.10.1/24 10 2001:db8:10::1/64 20 192.168.20.1/24 20 2001:db8:20::1/64 \
    30 192.168.30.1/24 40 192.168.40.1/24 50 192.168.50.1/24 50 192.168.51.1/24 50 192.168.52.1/24 50 2001:db8:50::1/64 \
    80 192.168.80.1/24 90 2001:db8:90::1/64

section "two dual-stack VLANs, static addresses, a container in both"
check "v10: dual stack, macvlan's parent=eno1.10 form" docker network create -d l2vlan --ipam-driver l2vlan --ipv6 \
    --subnet 192.168.10.0/24 --gateway 192.168.10.1 --subnet 2001:db8:10::/64 --gateway 2001:db8:10::1 -o parent=eno1.10 v10
check "v20: dual stack, ext_if as a list whose first entry does not exist" docker network create -d l2vlan --ipam-driver l2vlan --ipv6 \
    --subnet 192.168.20.0/24 --gateway 192.168.20.1 --subnet 2001:db8:20::/64 --gateway 2001:db8:20::1 -o 'ext_if=bond0, eno1' -o vlan_id=20 v20
check "c10 with --ip 192.168.10.10 --ip6 2001:db8:10::10" docker run -d --name c10 --network v10 --ip 192.168.10.10 --ip6 2001:db8:10::10 bb:latest sleep 3600
check "c20 with --ip 192.168.20.20 --ip6 2001:db8:20::20" docker run -d --name c20 --network v20 --ip 192.168.20.20 --ip6 2001:db8:20::20 bb:latest sleep 3600
check_eq "c10's IPv4" "192.168.10.10/24" "$(container_ipv4 c10)"
check "c10's IPv6" sh -c "docker exec c10 ip -6 addr show dev eth0 scope global | grep -q 'inet6 2001:db8:10::10/64'"
check "c10's IPv6 default route goes to the router" sh -c "docker exec c10 ip -6 route | grep -q '^default via 2001:db8:10::1'"
check "c10 pings its gateway over IPv4 and IPv6" sh -c "docker exec c10 ping -c 2 -W 2 192.168.10.1 && docker exec c10 ping6 -c 2 -W 2 2001:db8:10::1"
check "VLAN 10 reaches VLAN 20 through the router (IPv4)" docker exec c10 ping -c 2 -W 2 192.168.20.20
check "VLAN 10 reaches VLAN 20 through the router (IPv6)" docker exec c10 ping6 -c 2 -W 2 2001:db8:20::20
check "cboth starts on v10" docker run -d --name cboth --network v10 --ip 192.168.10.30 --ip6 2001:db8:10::30 bb:latest sleep 3600
check "docker network connect cboth to v20 with static v4 and v6" docker network connect --ip 192.168.20.30 --ip6 2001:db8:20::30 v20 cboth
check_eq "cboth has one address in each VLAN" "192.168.10.30/24 192.168.20.30/24" "$(container_ipv4 cboth)"
check "cboth has both IPv6 addresses" sh -c "docker exec cboth ip -6 addr | grep -q 2001:db8:10::30/64 && docker exec cboth ip -6 addr | grep -q 2001:db8:20::30/64"
check "cboth's routes: one default, both VLANs on-link" sh -c "r=\$(docker exec cboth ip -4 route); echo \"\$r\"; [ \$(echo \"\$r\" | grep -c '^default') = 1 ] && echo \"\$r\" | grep -q '192.168.10.0/24 dev' && echo \"\$r\" | grep -q '192.168.20.0/24 dev'"
check "cboth reaches c20 directly on VLAN 20" docker exec cboth ping -c 2 -W 2 192.168.20.20
check "cboth reaches both gateways" sh -c "docker exec cboth ping -c 1 -W 2 192.168.10.1 && docker exec cboth ping -c 1 -W 2 192.168.20.1"
check "two bridges, one per VLAN" sh -c "ip link show vlan10 && ip link show vlan20"
check "no address of any scope on the bridges or sub-interfaces" no_host_address '^(vlan10|vlan20|eno1[.]10|eno1[.]20)(@[^ ]*)? '
check "docker network disconnect v20 cboth" docker network disconnect v20 cboth
check_eq "cboth is back to one address" "192.168.10.30/24" "$(container_ipv4 cboth)"

section "parents, ownership, several subnets, aux addresses"
printf '# the NIC for l2vlan\n[l2vlan]\next_if = "eno1"\n' >/etc/l2vlan-parent.toml
check "v30 from a parent_file (TOML)" docker network create -d l2vlan --ipam-driver l2vlan --subnet 192.168.30.0/24 --gateway 192.168.30.1 \
    -o parent_file=/etc/l2vlan-parent.toml -o vlan_id=30 v30
check "eno1.30 was created on eno1" sh -c "ip -d link show eno1.30 | grep -q 'vlan protocol 802.1Q id 30'"
check "c30 on v30 reaches its gateway" sh -c "docker run -d --name c30 --network v30 bb:latest sleep 3600 && docker exec c30 ping -c 2 -W 2 192.168.30.1"
check "a sub-interface made by the user: eno1.40" sh -c "ip link add link eno1 name eno1.40 type vlan id 40 && ip link set eno1.40 up"
check "v40 uses the user's eno1.40" docker network create -d l2vlan --ipam-driver l2vlan --subnet 192.168.40.0/24 --gateway 192.168.40.1 \
    -o ext_if=eno1 -o vlan_id=40 v40
check "c40 on v40 reaches its gateway" sh -c "docker run -d --name c40 --network v40 bb:latest sleep 3600 && docker exec c40 ping -c 2 -W 2 192.168.40.1"
check "remove c30, c40, v30, v40" sh -c "docker rm -f c30 c40 >/dev/null && docker network rm v30 v40"
check "eno1.30, made by l2vlan, is gone" sh -c "! ip link show eno1.30 2>/dev/null"
check "eno1.40, made by the user, is still there" ip link show eno1.40
check "both bridges l2vlan made are gone" sh -c "! ip link show vlan30 2>/dev/null && ! ip link show vlan40 2>/dev/null"
check "v50: dual stack, aux addresses, a /30 range" docker network create -d l2vlan --ipam-driver l2vlan --ipv6 \
    --subnet 192.168.50.0/24 --gateway 192.168.50.1 --ip-range 192.168.50.4/30 --aux-address a1=192.168.50.5 \
    --subnet 2001:db8:50::/64 --gateway 2001:db8:50::1 --ip-range 2001:db8:50::4/126 --aux-address a6=2001:db8:50::5 -o parent=eno1.50 v50
for i in 1 2; do check "d$i on v50" docker run -d --name "d$i" --network v50 bb:latest sleep 3600; done
v4s=$(for i in 1 2; do container_ipv4 "d$i"; echo; done | sort | tr '\n' ' ')
check_eq "IPv4 from the range, never the aux address .5" "192.168.50.4/24 192.168.50.6/24 " "$v4s"
v6s=$(for i in 1 2; do docker exec "d$i" ip -6 -o addr show scope global | awk '{print $4}'; done | sort | tr '\n' ' ')
check_eq "IPv6 from the range, never the aux address ::5" "2001:db8:50::4/64 2001:db8:50::6/64 " "$v6s"
check "d1 reaches the IPv6 gateway" docker exec d1 ping6 -c 2 -W 2 2001:db8:50::1
# Which of two IPv4 subnets a dynamic address comes from is Docker's choice: the first of its list, and the
# docker CLI collects the subnets in a Go map, so that order is not the command line's (the matrix found it:
# Docker 26 asked for the second subnet's pool first).
# Static addresses in each subnet are deterministic.
check "v51: two IPv4 subnets on VLAN 50 (its bridge shared with v50)" docker network create -d l2vlan --ipam-driver l2vlan \
    --subnet 192.168.51.0/24 --gateway 192.168.51.1 --subnet 192.168.52.0/24 --gateway 192.168.52.1 -o parent=eno1.50 v51
check "e1 with --ip 192.168.51.10" docker run -d --name e1 --network v51 --ip 192.168.51.10 bb:latest sleep 3600
check "e2 with --ip 192.168.52.10" docker run -d --name e2 --network v51 --ip 192.168.52.10 bb:latest sleep 3600
check_eq "each has its address" "192.168.51.10/24 192.168.52.10/24" "$(container_ipv4 e1) $(container_ipv4 e2)"
check "each one's default route goes to its own subnet's gateway" sh -c "docker exec e1 ip route | grep -q '^default via 192.168.51.1' && docker exec e2 ip route | grep -q '^default via 192.168.52.1'"
check "each reaches its gateway" sh -c "docker exec e1 ping -c 2 -W 2 192.168.51.1 && docker exec e2 ping -c 2 -W 2 192.168.52.1"
check_fails --grep 'no such interface on this host: tried bond7, eth9' "a missing parent names what was tried" \
    docker network create -d l2vlan --ipam-driver l2vlan --subnet 192.168.60.0/24 -o 'ext_if=bond7 eth9' -o vlan_id=60 bad1
check_fails --grep "unknown l2vlan option 'mode'.*known options are" "an unknown option lists the known ones" \
    docker network create -d l2vlan --ipam-driver l2vlan --subnet 192.168.60.0/24 -o parent=eno1.60 -o mode=bridge bad2
check_fails --grep 'mtu=9000 is larger than the MTU 1500 of eno1' "an MTU above the NIC's" \
    docker network create -d l2vlan --ipam-driver l2vlan --subnet 192.168.60.0/24 -o parent=eno1.60 -o mtu=9000 bad3

section "hostile options: files that are not a NIC's name, bridge names that are not plain"
# Hostile options: the service runs as root, so what -o names must not become a way to read
# or to widen the firewall.
shadow_refusal=$(docker network create -d l2vlan --ipam-driver l2vlan --subnet 192.168.61.0/24 -o vlan_id=61 \
    -o parent_file=/etc/shadow bad5 2>&1)
note "refusal: $shadow_refusal"
check "parent_file=/etc/shadow is refused, naming the option" sh -c 'printf "%s" "$1" | grep -q "parent_file=/etc/shadow"' _ "$shadow_refusal"
check "and the refusal quotes nothing of the file" sh -c '! printf "%s" "$1" | grep -q "root:"' _ "$shadow_refusal"
check_eq "no network bad5 exists" "" "$(docker network ls -q -f name=bad5)"
check "nor does l2vlan's journal" sh -c "! journalctl -u l2vlan --no-pager | grep -q 'root:'"
check_fails --grep 'parent_file=/dev/zero.*not a regular file' "parent_file=/dev/zero is refused at once" \
    timeout 30 docker network create -d l2vlan --ipam-driver l2vlan --subnet 192.168.61.0/24 -o vlan_id=61 -o parent_file=/dev/zero bad6
check_fails --grep 'bridge_name' "bridge_name=+ (an iptables wildcard) is refused" \
    docker network create -d l2vlan --ipam-driver l2vlan --subnet 192.168.61.0/24 -o parent=eno1.61 -o bridge_name=+ bad7
check_fails --grep 'bridge_name=docker0' "bridge_name=docker0 (Docker's bridge) is refused" \
    docker network create -d l2vlan --ipam-driver l2vlan --subnet 192.168.61.0/24 -o parent=eno1.61 -o bridge_name=docker0 bad8
check "no accept rule for any bridge but l2vlan's own" sh -c "! { iptables -S FORWARD; ip6tables -S FORWARD; } | grep 'l2vlan bridge' | grep -Evq 'l2vlan bridge vlan[0-9]+'"
check "eno1.61 was never made" sh -c "! ip link show eno1.61 2>/dev/null"
# A second service would delete the live socket and share the state.
check_fails --grep 'another l2vlan serve holds the state directory /var/lib/l2vlan' "a second l2vlan serve is refused, naming what it found held" \
    timeout 60 l2vlan serve
check "the running service's socket is still there, and Docker still reaches it" \
    sh -c "test -S /run/l2vlan/l2vlan.sock && docker network create -d l2vlan --ipam-driver l2vlan --subnet 192.168.63.0/24 -o parent=eno1.63 lockcheck >/dev/null && docker network rm lockcheck >/dev/null"
# A bridge l2vlan did not make is used only when plainly meant for the VLAN (README, Options).
check "a host bridge br9 with a port of its own" sh -c "ip link add br9 type bridge && ip link add dummy9 type dummy && ip link set dummy9 master br9"
check_fails --grep 'bridge_name=br9: that bridge exists and has other ports \(dummy9\)' "an existing bridge with other ports is refused" \
    docker network create -d l2vlan --ipam-driver l2vlan --subnet 192.168.62.0/24 -o parent=eno1.62 -o bridge_name=br9 bad9
check "br9 keeps its port; no eno1.62, no rule for br9" sh -c "ip -o link show dummy9 | grep -q 'master br9' && ! ip link show eno1.62 2>/dev/null && ! iptables -S FORWARD | grep -q 'l2vlan bridge br9'"
check "a Docker bridge network under the bridge name dk9" docker network create -o com.docker.network.bridge.name=dk9 --subnet 172.30.9.0/24 dk9
check_fails --grep 'bridge_name=dk9: that bridge exists and the host has the address 172.30.9.1' "a bridge the host has an address on is refused" \
    docker network create -d l2vlan --ipam-driver l2vlan --subnet 192.168.62.0/24 -o parent=eno1.62 -o bridge_name=dk9 bad10
check "br9, dummy9 and dk9 removed by their owners" sh -c "ip link del dummy9 && ip link del br9 && docker network rm dk9 >/dev/null"

section "mtu, --mac-address, routes, --internal"
check "v60 with mtu 1400 and an extra route" docker network create -d l2vlan --ipam-driver l2vlan --subnet 192.168.60.0/24 --gateway 192.168.60.1 \
    -o parent=eno1.60 -o mtu=1400 -o routes=10.99.0.0/16 v60
check "m1 on v60 with --mac-address 02:42:de:ad:be:ef" docker run -d --name m1 --network v60 --mac-address 02:42:de:ad:be:ef bb:latest sleep 3600
check_eq "m1's MTU" 1400 "$(docker exec m1 cat /sys/class/net/eth0/mtu)"
check_eq "the bridge's MTU" 1400 "$(cat /sys/class/net/vlan60/mtu)"
check_eq "the sub-interface's MTU" 1400 "$(cat /sys/class/net/eno1.60/mtu)"
check_eq "m1's MAC" "02:42:de:ad:be:ef" "$(docker exec m1 cat /sys/class/net/eth0/address)"
check "m1 routes 10.99.0.0/16 via the gateway" sh -c "docker exec m1 ip route | grep -q '^10.99.0.0/16 via 192.168.60.1'"
check "vi: an --internal network" docker network create -d l2vlan --ipam-driver l2vlan --internal --subnet 192.168.70.0/24 --gateway 192.168.70.1 \
    -o parent=eno1.70 vi
check "i1 on vi" docker run -d --name i1 --network vi bb:latest sleep 3600
check "i1 has no default route" sh -c "! docker exec i1 ip route | grep -q '^default'"

section "the gateway is the router's, with or without --gateway (Docker 28 asks drivers GwAllocCheck)"
check "vg: no --gateway, Docker's own spelling of the MTU option" docker network create -d l2vlan --ipam-driver l2vlan \
    --subnet 192.168.80.0/24 -o parent=eno1.80 -o com.docker.network.driver.mtu=1400 vg
check "g1 on vg" docker run -d --name g1 --network vg bb:latest sleep 3600
check_eq "g1 got the first address after the gateway" "192.168.80.2/24" "$(container_ipv4 g1)"
check "g1's default route goes to the subnet's first address, the router" sh -c "docker exec g1 ip route | grep -q '^default via 192.168.80.1 dev eth0'"
check "g1 reaches the router" docker exec g1 ping -c 2 -W 2 192.168.80.1
check_eq "g1's MTU (com.docker.network.driver.mtu)" 1400 "$(docker exec g1 cat /sys/class/net/eth0/mtu)"
check_fails --grep 'mtu.*com.docker.network.driver.mtu' "mtu and com.docker.network.driver.mtu that disagree are refused" \
    docker network create -d l2vlan --ipam-driver l2vlan --subnet 192.168.81.0/24 -o parent=eno1.81 -o mtu=1400 \
    -o com.docker.network.driver.mtu=1300 bad4

section "a state file that cannot be read: what runs on it stays"
vg_file=/var/lib/l2vlan/networks/$(docker network inspect -f '{{.Id}}' vg).json
vg_pool=/var/lib/l2vlan/pools/192.168.80.0_24.json
cp "$vg_file" /tmp/vg-network.json
check "vg's network file made unreadable, l2vlan restarted" sh -c "echo '{' >'$vg_file' && systemctl restart l2vlan"
check "vlan80, eno1.80 and vlan80's accept rule are still there" \
    sh -c "ip link show vlan80 >/dev/null && ip link show eno1.80 >/dev/null && iptables -S FORWARD | grep -q 'l2vlan bridge vlan80'"
check "g1 still reaches the router" docker exec g1 ping -c 2 -W 2 192.168.80.1
check "the journal says what was kept" sh -c "journalctl -u l2vlan --no-pager | grep -q 'keeping the bridge, eno1.80'"
check "vg's network file repaired (moved back), l2vlan restarted" \
    sh -c "cp /tmp/vg-network.json '$vg_file' && rm -r /var/lib/l2vlan/networks/quarantine && systemctl restart l2vlan"
check "vg's pool file made unreadable, l2vlan restarted" sh -c "echo '{' >'$vg_pool' && systemctl restart l2vlan"
check_fails --grep 'address 192.168.80.2 is already in use' "g1's address is not handed out again (--ip 192.168.80.2)" \
    docker run --rm --network vg --ip 192.168.80.2 bb:latest true
check "a new container on vg starts" docker run -d --name g2 --network vg bb:latest sleep 3600
check_eq "and gets the next free address, neither the router's nor g1's" "192.168.80.3/24" "$(container_ipv4 g2)"
# The re-made pool file is current: the user deletes the quarantined one.
check "the quarantined pool file deleted, l2vlan restarted" sh -c "rm -r /var/lib/l2vlan/pools/quarantine && systemctl restart l2vlan"

section "networks that share a subnet: removing one leaves the others whole, no router's address is handed out"
check "pa on vg's subnet with the router 192.168.80.1" docker network create -d l2vlan --ipam-driver l2vlan \
    --subnet 192.168.80.0/24 --gateway 192.168.80.1 -o parent=eno1.80 pa
check "pb on the same subnet with a second router, 192.168.80.254" docker network create -d l2vlan --ipam-driver l2vlan \
    --subnet 192.168.80.0/24 --gateway 192.168.80.254 -o parent=eno1.80 pb
check_fails --grep 'address 192.168.80.1 is the gateway' "pa's router address is not given to a container of pb" \
    docker run --rm --network pb --ip 192.168.80.1 bb:latest true
check_fails --grep 'address 192.168.80.254 is the gateway' "nor pb's to a container of vg" \
    docker run --rm --network vg --ip 192.168.80.254 bb:latest true
check "docker network rm pa" docker network rm pa
check "pb still starts a container after pa is gone" docker run -d --name p1 --network pb bb:latest sleep 3600
check_eq "p1 gets the next free address (g1 has .2, g2 .3)" "192.168.80.4/24" "$(container_ipv4 p1)"
check "p1 reaches g1" docker exec p1 ping -c 2 -W 2 192.168.80.2

section "an IPv6-only network (--ipv4=false, Docker 28)"
if [ "$(docker_major)" -ge 28 ]; then
    v4_pools() { journalctl -u l2vlan --no-pager | grep -cE 'Pool [0-9]+[.][0-9]+[.][0-9]+[.][0-9]+/[0-9]+[^ ]* created' || true; }
    v4_pools_before=$(v4_pools)
    check "v90: --ipv4=false --ipv6" docker network create -d l2vlan --ipam-driver l2vlan --ipv4=false --ipv6 \
        --subnet 2001:db8:90::/64 --gateway 2001:db8:90::1 -o parent=eno1.90 v90
    check "s90 with --ip6 2001:db8:90::10" docker run -d --name s90 --network v90 --ip6 2001:db8:90::10 bb:latest sleep 3600
    check "d90 with a dynamic address" docker run -d --name d90 --network v90 bb:latest sleep 3600
    check "s90 has its static 2001:db8:90::10/64" sh -c "docker exec s90 ip -6 -o addr show dev eth0 scope global | grep -q ' 2001:db8:90::10/64 '"
    check "d90 has the first free 2001:db8:90::2/64" sh -c "docker exec d90 ip -6 -o addr show dev eth0 scope global | grep -q ' 2001:db8:90::2/64 '"
    check_eq "neither has an IPv4 address" "" "$(container_ipv4 s90)$(container_ipv4 d90)"
    check "d90's IPv6 default route goes to the router" sh -c "docker exec d90 ip -6 route | grep -q '^default via 2001:db8:90::1'"
    check "both reach the router over IPv6" sh -c "docker exec s90 ping6 -c 2 -W 2 2001:db8:90::1 && docker exec d90 ping6 -c 2 -W 2 2001:db8:90::1"
    check "the router reaches d90" in_router busybox ping6 -c 2 -W 2 2001:db8:90::2
    check_eq "the IPAM was asked for no IPv4 pool" "$v4_pools_before" "$(v4_pools)"
else
    skip "IPv6-only network" "Docker $(docker_major) has no --ipv4=false (it came with Docker 28)"
fi

section "a NIC that goes and comes back gets its VLAN link back"
late_vlan_up() { ip -o link show lateif.95 | grep -q 'master vlan95' && ip -o link show lateif.95 | grep -Eq '[<,]UP[,>]'; }
check "a dummy NIC lateif, up" sh -c "ip link add lateif type dummy && ip link set lateif up"
check "vlate on lateif, VLAN 95" docker network create -d l2vlan --ipam-driver l2vlan --subnet 192.168.95.0/24 \
    -o ext_if=lateif -o vlan_id=95 vlate
check "clate runs on vlate" docker run -d --name clate --network vlate bb:latest sleep 3600
late_ports=$(bridge_ports vlan95)
check "vlan95's ports are lateif.95 and clate's veth" sh -c "echo '$late_ports' | grep -Eq '^l2v[^ ]+ lateif[.]95$'"
check "lateif deleted" ip link del lateif
check "the kernel deleted lateif.95 with it" sh -c "! ip link show lateif.95 2>/dev/null"
check "vlan95 and vlate's records stay" sh -c "ip link show vlan95 && test -f /var/lib/l2vlan/bridges/vlan95.json && docker network inspect vlate >/dev/null"
check "the journal says lateif is missing and lateif.95 is made again when it appears" \
    wait_for 5 sh -c "journalctl -u l2vlan --no-pager | grep -q 'lateif, the NIC of bridge vlan95, is missing; lateif.95 is made again when lateif appears'"
check "lateif re-created, up" sh -c "ip link add lateif type dummy && ip link set lateif up"
check "within 5 s lateif.95 is back, a port of vlan95, up" wait_for 5 late_vlan_up
check_eq "vlan95's ports are as before: clate's veth is still on it" "$late_ports" "$(bridge_ports vlan95)"
check_eq "clate is still running" "true" "$(docker inspect -f '{{.State.Running}}' clate)"
check "clean up: clate, vlate, lateif" sh -c "docker rm -f clate >/dev/null && docker network rm vlate && ip link del lateif"
check "vlan95 and its record are gone" sh -c "! ip link show vlan95 2>/dev/null && ! test -e /var/lib/l2vlan/bridges/vlan95.json"

section "duplicate address detection and the IPv6 announcement"
check "router: VLAN 31 with gateway 10.30.1.1 and a station at 10.30.1.50, 2001:db8:31::1 and ::50" \
    setup_router eno1 31 10.30.1.1/24 31 10.30.1.50/24 31 2001:db8:31::1/64 31 2001:db8:31::50/64
router_mac=$(in_router cat /sys/class/net/trunk0.31/address)
# Docker 28 sends its own unsolicited ARP/NA from the container; turned off here, the router can learn the
# container's IPv6 address only from l2vlan's advertisement.
check "v31: dual stack, dad on by default, Docker's own advertisements off" docker network create -d l2vlan --ipam-driver l2vlan --ipv6 \
    --subnet 10.30.1.0/24 --gateway 10.30.1.1 --subnet 2001:db8:31::/64 --gateway 2001:db8:31::1 -o parent=eno1.31 \
    -o com.docker.network.advertise_addr_nmsgs=0 v31
refusal=$(docker run --rm --name dup4 --network v31 --ip 10.30.1.50 bb:latest true 2>&1)
note "refusal: $refusal"
check "docker run --ip 10.30.1.50 is refused, naming the address, the VLAN and the router's MAC $router_mac" \
    sh -c 'printf "%s" "$1" | grep -q "address 10.30.1.50 is already in use on VLAN 31 (eno1.31) by the station with MAC $2"' _ "$refusal" "$router_mac"
check_eq "nothing left behind: vlan31's only port is eno1.31" "eno1.31" "$(bridge_ports vlan31)"
check "nor in l2vlan's records: no endpoint, no held address 10.30.1.50" sh -c "! l2vlan status --json | grep -q '10[.]30[.]1[.]50'"
check_fails --grep 'address 2001:db8:31::50 is already in use on VLAN 31 .* by the station with MAC' "an IPv6 address the router holds is refused too" \
    docker run --rm --name dup6 --network v31 --ip 10.30.1.51 --ip6 2001:db8:31::50 bb:latest true
check_eq "nothing left behind after it either" "eno1.31" "$(bridge_ports vlan31)"
check "nor in the records: no 10.30.1.51, no 2001:db8:31::50" sh -c "! l2vlan status --json | grep -Eq '10[.]30[.]1[.]51|2001:db8:31::50'"
check_fails --grep 'dad=maybe.*on or off' "-o dad=maybe is refused, naming the option" \
    docker network create -d l2vlan --ipam-driver l2vlan --subnet 10.31.1.0/24 -o parent=eno1.32 -o dad=maybe bad11
check "the router accepts unsolicited advertisements for new neighbours (RFC 9131, accept_untracked_na)" \
    in_router sysctl -qw net.ipv6.conf.trunk0/31.accept_untracked_na=1
check "f31 with --ip 10.30.1.60 --ip6 2001:db8:31::60 starts" docker run -d --name f31 --network v31 --ip 10.30.1.60 --ip6 2001:db8:31::60 bb:latest sleep 3600
neigh=$(in_router ip -6 neigh show 2001:db8:31::60 dev trunk0.31)
note "router's entry right after docker run, before any traffic: ${neigh:-none}"
f31_mac=$(docker exec f31 cat /sys/class/net/eth0/address)
check "the router learned 2001:db8:31::60 at f31's MAC $f31_mac from the advertisement (REACHABLE or STALE)" \
    sh -c 'printf "%s" "$1" | grep -Eq "lladdr $2 .*(REACHABLE|STALE)"' _ "$neigh" "$f31_mac"
check "the journal gives the probe time" sh -c "journalctl -u l2vlan --no-pager | grep -q 'No other station on VLAN 31 (eno1.31) holds .* (probed for 250 ms)'"
check "v31off: the same VLAN and subnet with -o dad=off" docker network create -d l2vlan --ipam-driver l2vlan \
    --subnet 10.30.1.0/24 --gateway 10.30.1.1 -o parent=eno1.31 -o dad=off v31off
check "with dad off, a container takes the router's 10.30.1.50 and starts" docker run -d --name dupoff --network v31off --ip 10.30.1.50 bb:latest sleep 3600
check_eq "and holds it: the duplicate is real" "10.30.1.50/24" "$(container_ipv4 dupoff)"
run_ms() { local t0 t1; t0=$(date +%s%N); docker run --rm --network "$1" bb:latest true >/dev/null 2>&1 || return 1; t1=$(date +%s%N); echo $(((t1 - t0) / 1000000)); }
on=$(for i in 1 2 3 4 5; do run_ms v31; done | median)
off=$(for i in 1 2 3 4 5; do run_ms v31off; done | median)
note "docker run --rm (median of 5): ${on} ms with dad on, ${off} ms with dad off: the probe adds $((on - off)) ms (its bound: 250 ms)"
check "docker run timings measured" test "$on" -gt 0 -a "$off" -gt 0
check "clean up: f31, dupoff, v31, v31off" sh -c "docker rm -f f31 dupoff >/dev/null && docker network rm v31 v31off"

section "links l2vlan did not make: the host's own VLAN sub-interface, and an ext_if that is no NIC"
# A host reached through its management VLAN: eno1.3010 carries its address. A network on VLAN 3010 would put that
# sub-interface on a bridge and cut the host off.
link_facts() { echo "$(ip -o link show "$1" | grep -Eo 'mtu [0-9]+|master [^ ]+|state [A-Z]+' | tr '\n' ' ')$(ip -o addr show dev "$1" | awk '{print $4}' | sort | tr '\n' ' ')"; }
check "the host's own eno1.3010: 10.98.0.2/24, MTU 1450, up" \
    sh -c "ip link add link eno1 name eno1.3010 mtu 1450 type vlan id 3010 && ip addr add 10.98.0.2/24 dev eno1.3010 && ip link set eno1.3010 up"
sleep 2 # the kernel's IPv6 link-local address and the operational state settle first
mgmt_before=$(link_facts eno1.3010)
files_before=$(l2vlan_state_files)
refusal=$(docker network create -d l2vlan --ipam-driver l2vlan --subnet 10.98.0.0/24 -o vlan_id=3010 -o ext_if=eno1 -o mtu=1400 mgmt 2>&1)
note "refusal: $refusal"
check "docker network create -o vlan_id=3010 -o ext_if=eno1 is refused, naming both options, eno1.3010 and the host's address" \
    sh -c 'printf "%s" "$1" | grep -q "ext_if=eno1 -o vlan_id=3010: the VLAN sub-interface eno1.3010 exists, l2vlan did not make it, and the host has the address 10.98.0.2 on it"' _ "$refusal"
note "eno1.3010 before: $mgmt_before"
check_eq "eno1.3010 is as it was: its addresses, no master, MTU 1450, its state" "$mgmt_before" "$(link_facts eno1.3010)"
check "no bridge vlan3010, no network mgmt" sh -c "! ip link show vlan3010 2>/dev/null && ! docker network inspect mgmt >/dev/null 2>&1"
check_eq "no state file was written" "$files_before" "$(l2vlan_state_files)"
check "eno1.3010 removed by its owner" ip link del eno1.3010
if ip link show docker0 >/dev/null 2>&1; then
    check_fails --grep 'ext_if=docker0 is a bridge; expected the NIC that carries the VLAN' "ext_if=docker0 is refused, naming ext_if and what it expects" \
        docker network create -d l2vlan --ipam-driver l2vlan --subnet 10.97.0.0/24 -o ext_if=docker0 -o vlan_id=3020 bad12
else
    skip "ext_if=docker0 is refused" "this dockerd has no docker0"
fi
check_fails --grep 'ext_if=vlan10 is a bridge; expected the NIC that carries the VLAN' "ext_if=vlan10, l2vlan's own bridge, is refused" \
    docker network create -d l2vlan --ipam-driver l2vlan --subnet 10.97.0.0/24 -o ext_if=vlan10 -o vlan_id=3020 bad13
check "neither made a link" sh -c "! ip link show docker0.3020 2>/dev/null && ! ip link show vlan10.3020 2>/dev/null && ! ip link show vlan3020 2>/dev/null"

section "one address, one container per VLAN: two networks of one VLAN and subnet, l2vlan's IPAM and Docker's default"
check "va: VLAN 33, 10.33.1.0/24, l2vlan's IPAM" docker network create -d l2vlan --ipam-driver l2vlan \
    --subnet 10.33.1.0/24 --gateway 10.33.1.1 -o parent=eno1.33 va
check "vd: the same VLAN and subnet with Docker's default IPAM" docker network create -d l2vlan \
    --subnet 10.33.1.0/24 --gateway 10.33.1.1 -o parent=eno1.33 vd
check "a1 on va with --ip 10.33.1.10" docker run -d --name a1 --network va --ip 10.33.1.10 bb:latest sleep 3600
a1_endpoint=$(docker inspect -f '{{(index .NetworkSettings.Networks "va").EndpointID}}' a1 | cut -c1-12)
va_id=$(docker network inspect -f '{{.Id}}' va | cut -c1-12)
held_by() { printf "%s" "$1" | grep -q "address 10.33.1.10 is already used on VLAN 33 (vlan33) of this host by endpoint $a1_endpoint of l2vlan network $va_id"; }
refusal=$(docker run --rm --network vd --ip 10.33.1.10 bb:latest true 2>&1)
note "refusal: $refusal"
check "docker run --network vd --ip 10.33.1.10 fails, naming a1's endpoint $a1_endpoint and network va $va_id" held_by "$refusal"
check_eq "vlan33's ports: eno1.33 and a1's veth only" "1" "$(bridge_ports vlan33 | tr ' ' '\n' | grep -c '^l2v')"
check "l2vlan restarted" systemctl restart l2vlan
refusal=$(docker run --rm --network vd --ip 10.33.1.10 bb:latest true 2>&1)
check "after the restart the holder is still known, from the state records" held_by "$refusal"
check "a1 removed" docker rm -f a1
check "now a2 on vd takes 10.33.1.10" docker run -d --name a2 --network vd --ip 10.33.1.10 bb:latest sleep 3600
check_eq "and holds it" "10.33.1.10/24" "$(container_ipv4 a2)"
check "clean up: a2, va, vd" sh -c "docker rm -f a2 >/dev/null && docker network rm va vd"

section "teardown"
check "containers removed" sh -c 'docker rm -f $(docker ps -aq) >/dev/null'
check "networks removed" sh -c "docker network rm v10 v20 v50 v51 v60 vi vg pb && { [ \"\$(docker network ls -q -f name=v90)\" = '' ] || docker network rm v90; }"
check_eq "no l2vlan state file is left" 0 "$(l2vlan_state_files)"
check "no l2vlan bridge or sub-interface is left" sh -c "! ip -o link show | grep -Eq ': (vlan[0-9]+|eno1[.](10|20|50|60|70|80|90))[@:]'"
check "the user's eno1.40 is still there" ip link show eno1.40
check_eq "no l2vlan firewall rule is left" 0 "$(l2vlan_firewall_rules)"
finish
