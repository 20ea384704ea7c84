#!/bin/bash
# Two swarm nodes in one VM (node 2: own netns, mount ns, l2vlan and dockerd; see start_node2), both
# trunked into a learning bridge in the router namespace. A service with a fixed address runs on
# node 2, then is moved to node 1 by a constraint update: it keeps its address and MAC, and the router
# reaches it on its new node once l2vlan's gratuitous ARP has moved the switch's FDB entry. Prints N,
# the seconds until the router reaches it there. On the way, node 1 refuses a duplicate of the task's address.
. "$E2E_LIB/checks.sh"
. "$E2E_LIB/fixtures.sh"
. "$E2E_LIB/l2vlan.sh"

on_node2() (
    export DOCKER_HOST="unix://$NODE2_SOCKET"
    "$@"
)
now() { date +%s.%N; }
seconds_since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
mac=02:6c:c0:a8:01:04

section "setup: router behind a switch, node 1 (systemd) and node 2 (namespaces), l2vlan and the adapter on both"
# The router's trunk0 is a port of the bridge 'switch', and the gateway is on switch.2000.
standard_setup --switch eno1 2000 192.168.1.1/24
check "node 1: adapter registered by l2vlan-adapter.service" install_l2vlan_adapter_from_build
t0=$SECONDS
check "node 2: its l2vlan and dockerd started, trunk eno1 on the switch" start_node2 "$E2E_OUT"
note "node 2 came up in $((SECONDS - t0))s"
check "node 2's l2vlan listens in its own /run/l2vlan" in_node2 test -S /run/l2vlan/l2vlan.sock
check "node 2: busybox image" on_node2 import_busybox_image bb:latest
check "node 2: adapter registered" l2vlan adapter install --docker-socket "$NODE2_SOCKET"

section "a swarm of two nodes; the example networks on both"
check "node 1: docker swarm init" docker swarm init --advertise-addr 10.99.0.1
token=$(docker swarm join-token -q worker)
check "node 2: docker swarm join" docker2 swarm join --token "$token" --advertise-addr 10.99.0.2 10.99.0.1:2377
check "both nodes ready" wait_for 120 count_is 2 sh -c "docker node ls --format '{{.Status}}' | grep -c Ready"
check "label node 1" docker node update --label-add l2vlan.node=1 "$(docker info -f '{{.Swarm.NodeID}}')"
check "label node 2" docker node update --label-add l2vlan.node=2 "$(docker2 info -f '{{.Swarm.NodeID}}')"
example_config_network 1 "" docker
example_config_network 1 "" docker2
example_swarm_network 1 ""

section "the service runs on node 2"
write_stack_file /tmp/stack1.yml net1
sed -i 's|^    networks: \[net1\]|    networks: [net1]\n    deploy:\n      placement:\n        constraints: ["node.labels.l2vlan.node==2"]|' /tmp/stack1.yml
check "docker stack deploy stack1 (placed on node 2)" docker stack deploy --resolve-image never -c /tmp/stack1.yml stack1
check "its task runs on node 2" wait_for 300 on_node2 service_running stack1_app
c=$(on_node2 service_container stack1_app)
check_eq "on node 2 it has 192.168.1.4/24" "192.168.1.4/24" "$(docker2 exec "$c" ip -4 -o addr show scope global | awk '{print $4}')"
check "it pings the router's gateway" docker2 exec "$c" ping -c 3 -W 2 192.168.1.1
check "the router reaches it" in_router busybox ping -c 2 -W 2 192.168.1.4
check "the switch learned its MAC on node 2's trunk" sh -c "ip netns exec router bridge fdb show br switch | grep -i '$mac' | grep -q trunk1"
check "node 1 has no task of it" count_is "" service_container stack1_app

section "a duplicate on the wire: node 2's task holds 192.168.1.4, so node 1 refuses it"
# Node 1, the manager, holds 192.168.1.4 in its IPAM for the task, so l2vlan's IPAM would refuse the address
# before any probe. A network with Docker's default IPAM knows nothing of it, as another swarm, another host or a
# machine outside Docker would not: only the wire can tell. The duplicate has the same address-derived MAC as
# the task, which is what a moved task meeting its old self looks like.
check "dup: a local l2vlan network on node 1, same VLAN, Docker's default IPAM" docker network create -d l2vlan \
    --subnet 192.168.1.0/24 --gateway 192.168.1.1 -o vlan_id=2000 -o ext_if=eno1 -o bridge_name=vlan2000 dup
t0=$(now)
refusal=$(docker run --rm --name dup4 --network dup --ip 192.168.1.4 bb:latest true 2>&1)
note "refused after $(seconds_since "$t0")s: $refusal"
check "node 1: docker run --ip 192.168.1.4 is refused, naming the address, the VLAN and the task's MAC $mac" \
    sh -c 'printf "%s" "$1" | grep -q "address 192.168.1.4 is already in use on VLAN 2000 (eno1.2000) by the station with MAC $2"' _ "$refusal" "$mac"
check_eq "nothing left behind on node 1: vlan2000's only port is eno1.2000" "eno1.2000" "$(bridge_ports vlan2000)"
check "docker network rm dup" docker network rm dup
check "node 2's task is undisturbed: the router still reaches it" in_router busybox ping -c 2 -W 2 192.168.1.4

section "moving it to node 1: same address, the router finds it on its new port"
t0=$(now)
check "constraint moved to node 1" docker service update --detach --constraint-rm 'node.labels.l2vlan.node==2' \
    --constraint-add 'node.labels.l2vlan.node==1' stack1_app
check "its task runs on node 1" wait_for 300 service_running stack1_app
running_after=$(seconds_since "$t0")
t1=$(now)
check "the router reaches 192.168.1.4 on node 1" wait_for 60 in_router busybox ping -c 1 -W 1 192.168.1.4
reach_after=$(seconds_since "$t1")
note "failover: task running on node 1 ${running_after}s after the update; the router reached it ${reach_after}s later (N = $(awk -v a="$running_after" -v b="$reach_after" 'BEGIN { printf "%.1f", a + b }')s in all)"
check "answered from node 1: the switch's FDB moved the MAC to trunk0" sh -c "ip netns exec router bridge fdb show br switch | grep -i '$mac' | grep -q trunk0"
c=$(service_container stack1_app)
check_eq "on node 1 it has 192.168.1.4/24" "192.168.1.4/24" "$(container_ipv4 "$c")"
check "with the same address-derived MAC" sh -c "docker exec $c ip link show eth0 | grep -qi '$mac'"
check "it pings the router's gateway from node 1" docker exec "$c" ping -c 3 -W 2 192.168.1.1
check "node 2 dropped the network once its task left (no vlan2000 there)" wait_for 120 sh -c "! ip -n node2 link show vlan2000"
check_eq "node 2's l2vlan has no network left" 0 "$(in_node2 find /var/lib/l2vlan/networks -name '*.json' 2>/dev/null | wc -l)"

section "teardown"
check "docker stack rm stack1" docker stack rm stack1
check "the task's container is gone" wait_for 180 count_is "" docker ps -aq -f label=com.docker.stack.namespace
check "docker network rm net1 (swarm)" wait_for 120 docker network rm net1
check "node 1's l2vlan deleted it" wait_for 120 count_is 0 l2vlan_networks
# Docker drops its own copy of a swarm network a moment after the driver's DeleteNetwork.
check "node 1: net1conf removed" wait_for 60 docker network rm net1conf
check "node 2: net1conf removed" wait_for 60 docker2 network rm net1conf
assert_clean_teardown " on node 1"
finish
