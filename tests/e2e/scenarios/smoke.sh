#!/bin/bash
# Proves the harness without l2vlan: real systemd as PID 1, dockerd, an 802.1Q
# sub-interface towards a router namespace, and a macvlan container that reaches
# the router's gateway over VLAN 2000.
. "$E2E_LIB/checks.sh"
. "$E2E_LIB/fixtures.sh"

system_running() {
    local s
    s=$(timeout 120 systemctl is-system-running --wait)
    echo "$s"
    [ "$s" = running ] || systemctl --failed --no-legend --no-pager
    [ "$s" = running ]
}

section "systemd and docker"
check_eq "PID 1 is systemd" systemd "$(cat /proc/1/comm)"
check "systemd reports the system running" system_running
check "dockerd answers" wait_for_docker 180
note "dockerd up $(cut -d' ' -f1 /proc/uptime)s after kernel start"
check_eq "docker storage driver" overlay2 "$(docker info -f '{{.Driver}}' 2>&1)"
check_eq "iptables FORWARD policy under dockerd is DROP" "-P FORWARD DROP" "$(iptables -S FORWARD 2>&1 | head -n1)"
check "busybox image imported" import_busybox_image bb:latest

section "802.1Q to the router namespace"
check "kernel modules" setup_kernel_modules
check "router: VLAN 2000 with gateway 192.168.1.1/24" setup_router eno1 2000 192.168.1.1/24
check "create eno1.2000" ip link add link eno1 name eno1.2000 type vlan id 2000
check "eno1.2000 up" ip link set eno1.2000 up
check_eq "eno1.2000 is VLAN 2000" "2000" "$(ip -d -j link show eno1.2000 | grep -o '"id":[0-9]*' | cut -d: -f2)"

section "macvlan container on VLAN 2000"
check "docker network mv (macvlan on eno1.2000)" \
    docker network create -d macvlan --subnet 192.168.1.0/24 --gateway 192.168.1.1 -o parent=eno1.2000 mv
check_fails --grep 'overlaps' "default IPAM refuses a second pool with the same subnet" \
    docker network create -d macvlan --subnet 192.168.1.0/24 --gateway 192.168.1.1 -o parent=eno1.2000 mv2
t0=$SECONDS
check "container c1 started with --ip 192.168.1.50" \
    docker run -d --name c1 --network mv --ip 192.168.1.50 bb:latest sleep 3600
note "docker run -d took $((SECONDS - t0))s"
check "container c1 has 192.168.1.50" sh -c "docker exec c1 ip -4 addr show eth0 | grep -w 'inet 192.168.1.50/24'"
check "container c1 default route via 192.168.1.1" sh -c "docker exec c1 ip route | grep '^default via 192.168.1.1'"
check "container c1 pings the gateway 192.168.1.1" docker exec c1 ping -c 2 -W 2 192.168.1.1
c1_mac=$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.MacAddress}}{{end}}' c1)
check "router learned c1's MAC on trunk0.2000 (the frames were tagged 2000)" \
    sh -c "ip -n router neigh show 192.168.1.50 dev trunk0.2000 | grep -i '$c1_mac'"
check "the host holds no 192.168.1.x address" sh -c "! ip -4 addr show | grep -w 'inet 192.168.1'"

section "cleanup"
check "remove c1" docker rm -f c1
check "remove network mv" docker network rm mv
check "delete eno1.2000" ip link del eno1.2000
teardown_router
check "router namespace gone" sh -c "! ip netns list | grep -qw router"

finish
