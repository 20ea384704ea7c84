#!/bin/bash
# README's swarm example on one node: the v1 plugin l2vlan for the config-only networks, the
# managed adapter l2vlan-swarm:latest (registered by l2vlan-adapter.service, no registry) as the driver
# of the swarm-scoped networks, two stacks with fixed addresses reaching the router's gateway, a
# dockerd restart (swarm replays), a killed dockerd (nothing released: l2vlan reclaims), and a teardown
# that leaves nothing of l2vlan's behind. First, before the swarm exists (Docker refuses live-restore in swarm
# mode), local networks under live-restore: containers across restarts of dockerd and of l2vlan.
. "$E2E_LIB/checks.sh"
. "$E2E_LIB/fixtures.sh"
. "$E2E_LIB/l2vlan.sh"

# example_networks SUFFIX: the example's two config-only networks and the swarm networks made from them.
example_networks() {
    local n
    for n in 1 2; do
        example_config_network "$n" "$1"
        example_swarm_network "$n" "$1"
    done
}

# example_stacks SUFFIX: the example's two stacks, one service each on its external network.
example_stacks() {
    local n t0
    for n in 1 2; do
        write_stack_file "/tmp/stack$n.yml" "net$n"
        t0=$SECONDS
        check "docker stack deploy stack$n$1" docker stack deploy --resolve-image never -c "/tmp/stack$n.yml" "stack$n"
        check "stack${n}_app runs$1" wait_for 240 service_running "stack${n}_app"
        note "stack$n: deploy to running task took $((SECONDS - t0))s"
    done
}

# remove_stacks_and_swarm_networks SUFFIX
remove_stacks_and_swarm_networks() {
    local n
    check "docker stack rm stack1 stack2$1" docker stack rm stack1 stack2
    check "the tasks' containers are gone$1" wait_for 180 count_is "" docker ps -aq -f label=com.docker.stack.namespace
    for n in 1 2; do check "docker network rm net$n (swarm)$1" wait_for 120 docker network rm "net$n"; done
    check "l2vlan deleted both networks$1" wait_for 120 count_is 0 l2vlan_networks
}

# tasks_have_their_fixed_addresses SUFFIX: each stack's running task has its /32 address and reaches the gateway.
tasks_have_their_fixed_addresses() {
    local n c
    for n in 1 2; do
        c=$(service_container "stack${n}_app")
        check_eq "stack$n's task has 192.168.1.$((2 * n + 2))/24$1" "192.168.1.$((2 * n + 2))/24" "$(container_ipv4 "$c")"
        check "stack$n's task reaches the gateway$1" wait_for 30 docker exec "$c" ping -c 1 -W 2 192.168.1.1
    done
}

# new_task_runs SERVICE OLD_CONTAINER: a task of SERVICE runs in a container other than OLD_CONTAINER.
new_task_runs() {
    local c
    c=$(service_container "$1")
    [ -n "$c" ] && [ "$c" != "$2" ]
}

# doctor_finds DESC WHAT FIX: l2vlan doctor fails, names WHAT with the fix FIX; the fix as doctor printed it is
# run, and the next doctor is clean.
doctor_finds() {
    local out rc printed
    out=$(l2vlan doctor 2>&1) && rc=0 || rc=$?
    printed=$(printf '%s\n' "$out" | grep -F -A2 -- "$2" | sed -n 's/^ *fix: //p' | head -n 1)
    check_eq "doctor: $1: exit 1, '$2' with the fix '$3'" "1 $3" "$rc $printed"
    [ "$rc $printed" = "1 $3" ] || printf '%s\n' "$out" | sed 's/^/#   /'
    check "doctor: $1: running the fix it printed" sh -c "$printed"
    check "doctor: $1: the next doctor is clean" wait_for 60 l2vlan doctor
}

# live_restore on|off: dockerd reloads (SIGHUP) its daemon.json with "live-restore" set; off then puts back the
# file the VM booted with. A reload changes live-restore only when the file names it, hence the explicit false.
live_restore() {
    local want=true
    [ -e /tmp/daemon.json.default ] || cp /etc/docker/daemon.json /tmp/daemon.json.default || return 1
    [ "$1" = on ] || want=false
    sed "s/}[[:space:]]*\$/, \"live-restore\": $want}/" /tmp/daemon.json.default >/etc/docker/daemon.json || return 1
    systemctl reload docker && wait_for 30 count_is "$want" docker info -f '{{.LiveRestoreEnabled}}' || return 1
    [ "$want" = true ] || cp /tmp/daemon.json.default /etc/docker/daemon.json
}

# same_process NAME PID: the container still runs as the process PID.
same_process() {
    [ "$(docker inspect -f '{{.State.Running}} {{.State.Pid}}' "$1")" = "true $2" ]
}

# endpoint_id CONTAINER NETWORK
endpoint_id() {
    docker inspect -f "{{(index .NetworkSettings.Networks \"$2\").EndpointID}}" "$1"
}

# default_route_via CONTAINER GATEWAY
default_route_via() {
    docker exec "$1" ip route | grep -q "^default via $2 "
}

# answered_for_endpoint CALL ID: l2vlan's journal (debug) since $lr_since has CALL for the endpoint ID, none refused.
answered_for_endpoint() {
    local log
    log=$(journalctl -u l2vlan --no-pager --since "@$lr_since")
    grep -q "NetworkDriver.$1 .*$2" <<<"$log" && ! grep -q "$1 refused" <<<"$log"
}

section "setup: router on VLAN 2000, Docker, l2vlan and its swarm adapter under systemd"
standard_setup eno1 2000 192.168.1.1/24
t0=$SECONDS
check "l2vlan-adapter.service installed, enabled and started" install_l2vlan_adapter_from_build
note "registering the adapter took $((SECONDS - t0))s"
check "l2vlan-adapter.service is active (oneshot, RemainAfterExit)" systemctl is-active l2vlan-adapter
check "docker lists l2vlan-swarm:latest, enabled" adapter_enabled
check "l2vlan adapter status: up to date" l2vlan adapter status
check "a second install does nothing" sh -c "l2vlan adapter install | grep -q 'already registered and enabled'"
check "the v1 plugin is not shadowed: -d l2vlan local networks still work" docker network create -d l2vlan --ipam-driver l2vlan \
    --subnet 192.168.1.0/24 --gateway 192.168.1.1 --ip-range 192.168.1.8/32 \
    -o vlan_id=2000 -o ext_if=eno1 -o bridge_name=vlan2000 local1
check "a container on the local network" docker run -d --name local1c --network local1 bb:latest sleep 3600
check_eq "it has 192.168.1.8/24" "192.168.1.8/24" "$(container_ipv4 local1c)"
check "it pings the gateway" docker exec local1c ping -c 2 -W 2 192.168.1.1
check "local container and network removed" sh -c "docker rm -f local1c >/dev/null && docker network rm local1 >/dev/null"

section "live-restore: a container on l2vlan networks across restarts of dockerd and of l2vlan"
# Docker refuses live-restore in swarm mode (daemon/config/config_linux.go IsSwarmCompatible, checked by swarm init
# and join and by a dockerd that starts as a swarm node), so this section has local networks only, one of them made
# --config-from a config-only network, and runs before the swarm exists.
t0=$SECONDS
lr_start=$(date +%s) lr_since=$(date +%s)
check "l2vlan at log level debug (its journal then shows each call Docker makes)" \
    sh -c "echo L2VLAN_LOG_LEVEL=debug >/etc/default/l2vlan && systemctl restart l2vlan"
check "dockerd reloaded with \"live-restore\": true in daemon.json" live_restore on
check "dummy link lr0 with 10.98.9.1/24" \
    sh -c "ip link add lr0 type dummy && ip addr add 10.98.9.1/24 dev lr0 && ip link set lr0 up"
check_fails --grep 'incompatible with swarm mode' "Docker $(docker_major) refuses swarm mode under live-restore" \
    docker swarm init --advertise-addr 10.98.9.1
ip link delete lr0
check "router: VLAN 2002 with gateway 192.168.2.1/24" setup_router eno1 2002 192.168.2.1/24
example_config_network 1 " (live-restore)"
check "lr1 --config-from net1conf (VLAN 2000)" docker network create -d l2vlan --config-from net1conf lr1
check "lr2: a local network on VLAN 2002" docker network create -d l2vlan --ipam-driver l2vlan --subnet 192.168.2.0/24 \
    --gateway 192.168.2.1 -o vlan_id=2002 -o ext_if=eno1 -o bridge_name=vlan2002 lr2
check "lrc on lr1, lrd on lr2" sh -c "docker run -d --name lrc --network lr1 bb:latest sleep 3600 >/dev/null \
    && docker run -d --name lrd --network lr2 bb:latest sleep 3600 >/dev/null"
lrc_pid=$(docker inspect -f '{{.State.Pid}}' lrc)
lrd_pid=$(docker inspect -f '{{.State.Pid}}' lrd)
lrc_lr1=$(endpoint_id lrc lr1)
t1=$SECONDS
check "systemctl restart docker" systemctl restart docker
check "dockerd answers again" wait_for_docker 180
note "dockerd restart under live-restore took $((SECONDS - t1))s"
check "lrc kept running: the same process" same_process lrc "$lrc_pid"
check "lrd kept running: the same process" same_process lrd "$lrd_pid"
check "lrc reaches the router on VLAN 2000 after dockerd's restart" docker exec lrc ping -c 1 -W 2 192.168.1.1
check "lrd reaches the router on VLAN 2002 after dockerd's restart" docker exec lrd ping -c 1 -W 2 192.168.2.1
check "docker rm -f lrd, restored without a Join" docker rm -f lrd
check "lrd's veth is gone from vlan2002" wait_for 30 count_is 1 bridge_port_count vlan2002
check "docker network connect lr2 lrc" docker network connect lr2 lrc
check_eq "lrc has 192.168.1.4 and 192.168.2.2" "192.168.1.4/24 192.168.2.2/24" "$(container_ipv4 lrc)"
check "docker network disconnect lr1 lrc: its gateway moves to lr2" docker network disconnect lr1 lrc
check "lrc's default route goes to 192.168.2.1" default_route_via lrc 192.168.2.1
check "lrc reaches the router on VLAN 2002" docker exec lrc ping -c 1 -W 2 192.168.2.1
check "lrc's veth on lr1 is gone from vlan2000" wait_for 30 count_is 1 bridge_port_count vlan2000
if [ "$(docker_major)" -lt 29 ]; then
    check "Docker $(docker_major) revoked the gateway of lrc's restored lr1 endpoint; l2vlan answered" \
        answered_for_endpoint RevokeExternalConnectivity "$lrc_lr1"
else
    skip "the restored endpoint's revoke reached l2vlan" "Docker 29 revokes only endpoints joined since it started"
fi
lrc_lr2=$(endpoint_id lrc lr2)
t1=$SECONDS
check "systemctl restart l2vlan" systemctl restart l2vlan
note "l2vlan restart took $((SECONDS - t1))s"
check "lrc kept running" same_process lrc "$lrc_pid"
check "lrc reaches the router on VLAN 2002 after l2vlan's restart" docker exec lrc ping -c 1 -W 2 192.168.2.1
lr_since=$(date +%s)
check "docker network connect lr1 lrc: lr1 sorts first and takes over the gateway" docker network connect lr1 lrc
check "lrc's default route goes to 192.168.1.1" default_route_via lrc 192.168.1.1
check "lrc reaches the router on VLAN 2000" docker exec lrc ping -c 1 -W 2 192.168.1.1
check "docker network disconnect lr2 lrc" docker network disconnect lr2 lrc
check "lrc's veth on lr2 is gone from vlan2002" wait_for 30 count_is 1 bridge_port_count vlan2002
check "l2vlan answered the gateway's revoke for lrc's lr2 endpoint, joined before its restart" \
    answered_for_endpoint RevokeExternalConnectivity "$lrc_lr2"
check "dockerd logged no failed external connectivity call" \
    sh -c "! journalctl -u docker --no-pager --since @$lr_start | grep -Ei 'failed (programming|revoking) external'"
check "docker rm -f lrc" docker rm -f lrc
check "lr1, lr2 and net1conf removed" \
    sh -c "docker network rm lr1 lr2 >/dev/null && docker network rm net1conf >/dev/null"
check "the bridge vlan2002 and eno1.2002 are gone (live-restore)" \
    sh -c "! ip link show vlan2002 2>/dev/null && ! ip link show eno1.2002 2>/dev/null"
nothing_of_l2vlan_left " (live-restore)"
check "dockerd back to its own daemon.json, live-restore off" live_restore off
check "l2vlan back at its default log level" sh -c "rm /etc/default/l2vlan && systemctl restart l2vlan"
note "live-restore section took $((SECONDS - t0))s"

section "swarm: README's commands, with -d l2vlan-swarm:latest for the swarm networks"
# The VM has no NIC of its own: the manager advertises an address on a dummy link.
check "dummy link swarm0 with 10.99.0.1/24" sh -c "ip link add swarm0 type dummy && ip addr add 10.99.0.1/24 dev swarm0 && ip link set swarm0 up"
check "docker swarm init" docker swarm init --advertise-addr 10.99.0.1
example_networks ""
check_fails --grep 'legacy plugin' "the v1 plugin is refused for a swarm network, as Docker does (why the adapter exists)" \
    docker network create -d l2vlan --scope swarm --config-from net1conf net9
example_stacks ""
c1=$(service_container stack1_app)
c2=$(service_container stack2_app)
check_eq "stack1's task has exactly 192.168.1.4/24" "192.168.1.4/24" "$(container_ipv4 "$c1")"
check_eq "stack2's task has exactly 192.168.1.6/24" "192.168.1.6/24" "$(container_ipv4 "$c2")"
check "stack1's default route goes to the router" sh -c "docker exec $c1 ip route | grep -q '^default via 192.168.1.1 dev eth0'"
check "stack2's default route goes to the router" sh -c "docker exec $c2 ip route | grep -q '^default via 192.168.1.1 dev eth0'"
check "stack1 pings the router's gateway over VLAN 2000" docker exec "$c1" ping -c 3 -W 2 192.168.1.1
check "stack2 pings the router's gateway over VLAN 2000" docker exec "$c2" ping -c 3 -W 2 192.168.1.1
check "the router reaches both fixed addresses" in_router sh -c "busybox ping -c 2 -W 2 192.168.1.4 && busybox ping -c 2 -W 2 192.168.1.6"
check "no host interface carries the gateway 192.168.1.1" no_host_address ' 192[.]168[.]1[.]1/'
check "the host has no address in 192.168.1.0/24" no_host_address ' 192[.]168[.]1[.]'
check_eq "l2vlan serves both swarm networks" 2 "$(l2vlan_networks)"
ports_before=$(bridge_ports vlan2000)
files_before=$(l2vlan_state_files)
note "vlan2000 ports: $ports_before; state files: $files_before"
check_eq "vlan2000 has eno1.2000 and two veths" 3 "$(wc -w <<<"$ports_before")"

section "restarting Docker: swarm networks replayed with the same IDs, tasks come back"
t0=$SECONDS
check "systemctl restart docker" systemctl restart docker
check "dockerd answers again" wait_for_docker 180
check "the adapter unit ran again with Docker (PartOf) and is active" wait_for 60 systemctl is-active l2vlan-adapter
check "the adapter is still enabled" adapter_enabled
for n in 1 2; do
    check "stack${n}_app runs again" wait_for 240 service_running "stack${n}_app"
done
note "dockerd restart to both tasks running: $((SECONDS - t0))s"
if ! service_running stack1_app || ! service_running stack2_app; then
    note "diagnostics:"
    { docker service ps --no-trunc stack1_app stack2_app; l2vlan status; docker network ls; docker plugin ls
      journalctl -u l2vlan --no-pager | tail -n 60
      journalctl -u docker --no-pager | grep -Ei 'error|warn|fail' | tail -n 60; } 2>&1 | sed 's/^/#   /'
fi
tasks_have_their_fixed_addresses " after the restart"
# Old tasks' endpoints may still be on their way out: give Docker a moment to finish deleting them.
wait_for 60 count_is 3 bridge_port_count vlan2000
check_eq "no leaked bridge port: still eno1.2000 and two veths" 3 "$(wc -w <<<"$(bridge_ports vlan2000)")"
check_eq "no leaked state file" "$files_before" "$(l2vlan_state_files)"
check_eq "still exactly two l2vlan networks (replays found the same IDs)" 2 "$(l2vlan_networks)"
check "no 'already' errors from the replays in l2vlan's journal" sh -c "! journalctl -u l2vlan --no-pager | grep -Ei 'already (exists|in use|the address)'"

section "teardown: stacks, swarm networks, config-only networks; nothing of l2vlan's is left"
remove_stacks_and_swarm_networks ""
# Docker drops its own copy of a swarm network a moment after the driver's DeleteNetwork.
for n in 1 2; do check "docker network rm net${n}conf (no 'in use')" wait_for 60 docker network rm "net${n}conf"; done
assert_clean_teardown ""

section "dockerd killed: it never deletes its endpoints nor releases the fixed addresses; the next one gets them"
example_networks " (again)"
example_stacks " (again)"
files_before=$(l2vlan_state_files)
old1=$(service_container stack1_app)
old2=$(service_container stack2_app)
t0=$SECONDS
check "dockerd killed (SIGKILL); systemd starts it again" systemctl kill -s KILL --kill-whom=main docker
check "dockerd answers again" wait_for 240 docker info
check "stack1_app runs a new task" wait_for 300 new_task_runs stack1_app "$old1"
check "stack2_app runs a new task" wait_for 300 new_task_runs stack2_app "$old2"
note "dockerd kill to both tasks running: $((SECONDS - t0))s"
tasks_have_their_fixed_addresses " after the kill"
check "l2vlan reclaimed what the killed dockerd held" sh -c "journalctl -u l2vlan --no-pager | grep -q 're-created by a new dockerd'"
wait_for 60 count_is 3 bridge_port_count vlan2000
check_eq "no leaked bridge port: eno1.2000 and two veths" 3 "$(wc -w <<<"$(bridge_ports vlan2000)")"
check_eq "no leaked state file" "$files_before" "$(l2vlan_state_files)"
check_eq "no endpoint of the killed dockerd left in l2vlan's state" 0 "$(l2vlan status | grep -c 'deleted, address not yet released' || true)"

remove_stacks_and_swarm_networks " (after the kill)"
# Docker 20.10 counts the networks made from a config-only one in a counter it keeps on disk; the killed
# dockerd never counted its swarm networks down, and the next one counted them up again when it re-made
# them. Docker 26 still leaves it 'in use' after a kill (the matrix found it; only after a forced shutdown
# was it removable); Docker 28 does not. Asserted engine by engine, so a change of behaviour shows.
if [ "$(docker_major)" -lt 28 ]; then
    for n in 1 2; do
        check_fails --grep 'is in use' "Docker $(docker_major)'s bug: net${n}conf stays 'in use' after a killed dockerd (README, Troubleshooting)" \
            docker network rm "net${n}conf"
    done
else
    for n in 1 2; do
        check "Docker $(docker_major): net${n}conf is removable after a killed dockerd (20.10's stale 'in use' is gone)" \
            wait_for 60 docker network rm "net${n}conf"
    done
fi
assert_clean_teardown " (after the kill)"

section "l2vlan doctor: all is well on a healthy host; each fault is reported with the fix that clears it"
t0=$SECONDS
check "net9: a local network on VLAN 2009 with a container" sh -c "docker network create -d l2vlan --ipam-driver l2vlan \
    --subnet 192.168.9.0/24 --gateway 192.168.9.1 -o vlan_id=2009 -o ext_if=eno1 -o bridge_name=vlan2009 net9 >/dev/null \
    && docker run -d --name d1 --network net9 bb:latest sleep 3600"
check "doctor: all is well" l2vlan doctor
check "doctor --json: ok" sh -c "l2vlan doctor --json | grep -q '\"ok\": true'"
check_fails --grep 'Docker still knows network' "forget refuses a network Docker still has" \
    l2vlan forget "$(docker network inspect -f '{{.Id}}' net9 | cut -c1-12)"
iptables -w 5 -D FORWARD -i vlan2009 -o vlan2009 -m comment --comment "l2vlan bridge vlan2009" -j ACCEPT
doctor_finds "a deleted accept rule" "bridge vlan2009 has no accept rule" "systemctl restart l2vlan"
# While l2vlan runs it makes a deleted bridge again at once (LinkWatcher); stopped, it cannot.
systemctl stop l2vlan && ip link delete vlan2009
doctor_finds "a bridge deleted by hand while l2vlan was stopped" "bridge vlan2009 is missing" "systemctl restart l2vlan"
check_eq "vlan2009 has its sub-interface and d1's veth again" 2 "$(bridge_port_count vlan2009)"
docker plugin disable -f l2vlan-swarm:latest >/dev/null
doctor_finds "a stopped adapter" "l2vlan-swarm:latest is installed but disabled" "docker plugin enable l2vlan-swarm:latest"
check "net8 on ext_if nic9 (a veth)" sh -c "ip link add nic9 type veth peer name nic9p && ip link set nic9 up && docker network create -d l2vlan \
    --ipam-driver l2vlan --subnet 192.168.8.0/24 -o vlan_id=2008 -o ext_if=nic9 -o bridge_name=vlan2008 net8 >/dev/null"
net8=$(docker network inspect -f '{{.Id}}' net8)
ip link delete nic9
doctor_finds "a missing ext_if" "ext_if nic9 does not exist" "docker network rm $net8"
check "d1 and net9 removed" sh -c "docker rm -f d1 >/dev/null && docker network rm net9"
note "doctor section took $((SECONDS - t0))s"

section "l2vlan forget: a swarm network left by a killed dockerd, and removed while dockerd was down"
t0=$SECONDS
if [ "$(docker_major)" -lt 28 ]; then
    # Left by the section before: Docker before 28 keeps a config-only network 'in use' after a killed dockerd.
    check "net1conf is still there (Docker $(docker_major)) (forget)" docker network inspect net1conf
else
    example_config_network 1 " (forget)"
fi
example_swarm_network 1 " (forget)"
write_stack_file /tmp/stack1.yml net1
check "docker stack deploy stack1 (forget)" docker stack deploy --resolve-image never -c /tmp/stack1.yml stack1
check "stack1_app runs (forget)" wait_for 240 service_running stack1_app
net1=$(docker network inspect -f '{{.Id}}' net1)
check "dockerd killed (SIGKILL) and kept down" sh -c "systemctl kill -s KILL --kill-whom=main docker && systemctl stop docker"
systemctl stop docker.socket >/dev/null 2>&1
# This node's swarm, and net1 in it, are gone while dockerd is down: the next dockerd never knows net1.
check "the swarm is removed from the stopped dockerd's folder" rm -rf /var/lib/docker/swarm
check "dockerd started again" systemctl start docker
check "dockerd answers again" wait_for_docker 180
check_eq "l2vlan still keeps net1" 1 "$(l2vlan_networks)"
out=$(l2vlan doctor 2>&1) && rc=0 || rc=$?
check_eq "doctor: exit 1 and the fix 'l2vlan forget $net1'" "1 l2vlan forget $net1" \
    "$rc $(printf '%s\n' "$out" | grep -F -A2 'Docker no longer has it' | sed -n 's/^ *fix: //p' | head -n 1)"
printf '%s\n' "$out" | grep -v '^ok' | sed 's/^/#   /'
check "l2vlan forget ${net1:0:12} (a prefix)" sh -c "l2vlan forget ${net1:0:12} | grep -q 'forgotten'"
check "doctor is clean" l2vlan doctor
[ "$(docker_major)" -lt 28 ] || check "docker network rm net1conf" wait_for 60 docker network rm net1conf
assert_clean_teardown " (after forget)"
note "forget section took $((SECONDS - t0))s"

section "the adapter"
check "the adapter can be removed when unused" l2vlan adapter remove
check "and registered again" sh -c "l2vlan adapter install | grep -q 'registered and enabled'"
check "the adapter's relay logged to dockerd's journal" sh -c "journalctl -u docker --no-pager | grep -q 'relaying /run/docker/plugins/l2vlan-swarm.sock to /run/l2vlan/l2vlan.sock'"
finish
