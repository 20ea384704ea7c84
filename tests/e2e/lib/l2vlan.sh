# l2vlan in the VM (sourced after checks.sh and fixtures.sh).

# install_l2vlan_from_build: the freshly built binary, the project's unit, spec file and
# tmpfiles, as the package lays them out; then the service is started under systemd.
install_l2vlan_from_build() {
    [ -x "${L2VLAN_BIN:-}" ] || { echo "L2VLAN_BIN is not set to a built l2vlan" >&2; return 1; }
    install -m 0755 "$L2VLAN_BIN" /usr/bin/l2vlan
    install -m 0644 "$E2E_REPO/systemd/l2vlan.service" /etc/systemd/system/l2vlan.service
    install -D -m 0644 "$E2E_REPO/packaging/l2vlan.spec" /etc/docker/plugins/l2vlan.spec
    install -D -m 0644 "$E2E_REPO/packaging/l2vlan.tmpfiles" /usr/lib/tmpfiles.d/l2vlan.conf
    systemd-tmpfiles --create /usr/lib/tmpfiles.d/l2vlan.conf
    systemctl daemon-reload
    systemctl enable --now l2vlan.service
}

# standard_setup ROUTER_ARGS...: how a scenario with l2vlan under systemd begins: the kernel modules, the router
# namespace (setup_router's arguments), dockerd, the busybox image, and l2vlan installed from the build and started.
standard_setup() {
    check "kernel modules" setup_kernel_modules
    check "router namespace: $*" setup_router "$@"
    check "dockerd answers" wait_for_docker 180
    check "busybox image" import_busybox_image bb:latest
    check "l2vlan installed and started" install_l2vlan_from_build
}

# Every address the host itself holds, IPv4 and IPv6, as "ifname address" lines.
host_addresses() {
    ip -o addr show | awk '{print $2, $4}'
}

# The names of a bridge's ports, sorted, one line.
bridge_ports() {
    ip -o link show master "$1" 2>/dev/null | awk -F': ' '{sub(/@.*/, "", $2); print $2}' | sort | tr '\n' ' ' | sed 's/ $//'
}

# The l2vlan rules in the firewall (iptables and ip6tables).
l2vlan_firewall_rules() {
    { iptables -S FORWARD; ip6tables -S FORWARD; } 2>/dev/null | grep -c 'l2vlan' || true
}

# Files in l2vlan's state folders (not the quarantine).
l2vlan_state_files() {
    find /var/lib/l2vlan -name '*.json' -not -path '*/quarantine/*' 2>/dev/null | wc -l
}

# container_ipv4 NAME: the container's IPv4 addresses on its l2vlan interfaces, "a.b.c.d/n" sorted.
container_ipv4() {
    docker exec "$1" ip -4 -o addr show scope global | awk '{print $4}' | sort | tr '\n' ' ' | sed 's/ $//'
}

# no_host_address REGEX: no "ifname address" line of the host matches.
no_host_address() {
    ! host_addresses | grep -Eq "$1"
}

# install_l2vlan_adapter_from_build: the swarm adapter's unit as the package ships it, enabled
# (WantedBy=docker.service) and started: it registers the managed plugin l2vlan-swarm:latest.
install_l2vlan_adapter_from_build() {
    install -m 0644 "$E2E_REPO/systemd/l2vlan-adapter.service" /etc/systemd/system/l2vlan-adapter.service
    systemctl daemon-reload
    systemctl enable --now l2vlan-adapter.service
}

# adapter_enabled: Docker lists l2vlan-swarm:latest as an enabled plugin.
adapter_enabled() {
    [ "$(docker plugin inspect -f '{{.Enabled}}' l2vlan-swarm:latest 2>/dev/null)" = true ]
}

# service_container SERVICE: the ID of the running container of a swarm service's task (empty if none).
service_container() {
    docker ps -q -f "label=com.docker.swarm.service.name=$1" -f status=running | head -n1
}

# write_stack_file FILE NETWORK: a compose v3 stack of one busybox service "app" on an external network.
# Like nginx, the app ends at SIGTERM: a bare "sleep" as PID 1 would ignore it, each dockerd stop would
# wait 10 s for it, and under TCG that pushes dockerd past its 15 s shutdown limit ("Force shutdown
# daemon"), where it exits with its own network clean-up unfinished. vm/init raises that limit to 60 s
# for every scenario; ending at SIGTERM still saves the 10 s per stop.
write_stack_file() {
    cat >"$1" <<YAML
version: "3.8"
services:
  app:
    image: bb:latest
    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 86400 & wait"]
    networks: [$2]
networks:
  $2:
    external: true
YAML
}

# l2vlan_networks: how many networks l2vlan's state holds.
l2vlan_networks() {
    find /var/lib/l2vlan/networks -name '*.json' 2>/dev/null | wc -l
}

# service_running SERVICE: a task of the swarm service runs (for wait_for).
service_running() {
    [ -n "$(service_container "$1")" ]
}

# count_is N COMMAND...: COMMAND prints N (for wait_for).
count_is() {
    local n=$1
    shift
    [ "$("$@")" = "$n" ]
}

# bridge_port_count BRIDGE
bridge_port_count() {
    ip -o link show master "$1" 2>/dev/null | wc -l
}

# --- a second swarm node in the same VM (scenario swarm2) ---
# Node 2 is a network namespace "node2" (its own links, addresses and firewall) plus a mount and UTS
# namespace in which /run/l2vlan, /var/lib/l2vlan, /run/containerd and Docker's folders are its own:
# its own l2vlan service, its own dockerd (with its own containerd) on /run/docker2.sock, hostname node2.
# Its "eno1" is a veth into the router namespace, where a bridge "switch" joins it to node 1's trunk;
# the router's gateway sits on switch.2000. Swarm traffic runs over the veth pair sw1 (10.99.0.1,
# node 1) / sw2 (10.99.0.2, node 2).
NODE2_SOCKET=/run/docker2.sock
docker2() { "$DOCKER" -H "unix://$NODE2_SOCKET" "$@"; }

# start_node2 OUT_DIR: creates node 2 and starts its l2vlan and dockerd (logs in OUT_DIR).
start_node2() {
    local out=$1
    ip netns add node2 || return 1
    ip -n node2 link set lo up
    ip link add sw1 type veth peer name sw2 netns node2 || return 1
    ip addr add 10.99.0.1/24 dev sw1 && ip link set sw1 up || return 1
    ip -n node2 addr add 10.99.0.2/24 dev sw2 && ip -n node2 link set sw2 up || return 1
    # Made under another name: node 1 already has an eno1.
    ip link add n2eno1 type veth peer name trunk1 netns router || return 1
    ip link set n2eno1 netns node2 && ip -n node2 link set n2eno1 name eno1 && ip -n node2 link set eno1 up || return 1
    in_router ip link set trunk1 master switch && in_router ip link set trunk1 up || return 1
    mkdir -p /run/containerd /run/l2vlan /var/lib/docker2
    setsid ip netns exec node2 unshare --mount --uts --propagation private sh -c "
        hostname node2
        # ip netns exec mounted a fresh /sys for node2, without the cgroup tree dockerd needs.
        mount -t cgroup2 cgroup2 /sys/fs/cgroup
        mount -t tmpfs -o mode=755 tmpfs /run/containerd
        mount -t tmpfs -o mode=750 tmpfs /run/l2vlan
        mount -t tmpfs -o mode=700 tmpfs /var/lib/l2vlan
        mount -t tmpfs -o mode=710 tmpfs /var/lib/docker2
        /usr/bin/l2vlan serve >'$out/node2-l2vlan.log' 2>&1 &
        exec dockerd --data-root /var/lib/docker2 --exec-root /run/docker2 --pidfile /run/docker2.pid \
            -H 'unix://$NODE2_SOCKET' >'$out/node2-dockerd.log' 2>&1" </dev/null >/dev/null 2>&1 &
    wait_for 180 docker2 info
}

# in_node2 COMMAND...: run in node 2's network and mount namespaces (its l2vlan socket, its links).
in_node2() {
    nsenter --net=/run/netns/node2 --mount=/proc/"$(cat /run/docker2.pid)"/ns/mnt "$@"
}

# --- the example networks of README's quick start and swarm example, shared by the scenarios ---

# example_config_network N SUFFIX [CLI]: the example's config-only network netNconf (subnet 192.168.1.0/24,
# gateway .1, --ip-range 192.168.1.(2N+2)/32, VLAN 2000 of eno1 on bridge vlan2000), made with CLI
# (default docker; docker2 on node 2).
example_config_network() {
    local n=$1 suffix=$2 cli=${3:-docker} range=192.168.1.$((2 * $1 + 2))/32
    check "${3:+$3: }net${n}conf (--config-only, --ip-range $range)$suffix" $cli network create -d l2vlan --ipam-driver l2vlan \
        --subnet 192.168.1.0/24 --gateway 192.168.1.1 --ip-range "$range" \
        -o vlan_id=2000 -o ext_if=eno1 -o bridge_name=vlan2000 --config-only "net${n}conf"
}

# example_local_networks SUFFIX: net1conf and net2conf, and the local networks net1 and net2 made from them.
example_local_networks() {
    local n
    for n in 1 2; do
        example_config_network "$n" "$1"
        check "net$n --config-from net${n}conf$1" docker network create -d l2vlan --config-from "net${n}conf" "net$n"
    done
}

# example_swarm_network N SUFFIX: the swarm network netN made from netNconf through the adapter.
example_swarm_network() {
    check "net$1: -d l2vlan-swarm:latest --scope swarm --config-from net${1}conf$2" \
        docker network create -d l2vlan-swarm:latest --scope swarm --config-from "net${1}conf" "net$1"
}

# assert_clean_teardown [SUFFIX]: once the networks are removed, no bridge vlan2000, sub-interface eno1.2000, firewall
# rule, state file or veth of l2vlan's is left, and eno1 itself is. SUFFIX ends each check's name.
assert_clean_teardown() {
    check "the bridge is gone$1" sh -c "! ip link show vlan2000 2>/dev/null"
    check "the sub-interface is gone$1" sh -c "! ip link show eno1.2000 2>/dev/null"
    check "eno1 itself is left alone$1" ip link show eno1
    check_eq "no l2vlan firewall rule is left$1" 0 "$(l2vlan_firewall_rules)"
    check_eq "no state file is left$1" 0 "$(l2vlan_state_files)"
    check "no l2vlan veth is left$1" sh -c "! ip -o link show | grep -q ': l2[vc]'"
}
