# Helpers for scenario scripts running inside the e2e VM (sourced after checks.sh).

# docker, wait_for, wait_for_docker and import_busybox_image: the VM's agent uses them too, to
# ready the engine before its snapshot.
# shellcheck source=../vm/ready.sh
. "$E2E_LIB/../vm/ready.sh"

# 8021q is the point of the project; the others are needed by some scenarios only.
setup_kernel_modules() {
    local m rc=0
    modprobe 8021q || rc=1
    for m in bridge veth br_netfilter macvlan dummy; do
        modprobe "$m" || echo "note: module $m not loaded"
    done
    return $rc
}

# setup_router [--switch] TRUNK_IF VLAN CIDR [VLAN CIDR]...
# A switch port plus router with no hardware: TRUNK_IF (e.g. eno1) is one end of a
# veth pair whose other end, trunk0, sits in the netns "router" with one 802.1Q
# sub-interface trunk0.VLAN per VLAN holding the gateway address(es). A VLAN may
# be given several times (dual stack). The router forwards between its VLANs.
# --switch: trunk0 is a port of a learning bridge "switch" (more trunks can join it,
# see start_node2) and the sub-interfaces are switch.VLAN.
setup_router() {
    local uplink=trunk0 trunk vlan cidr
    if [ "$1" = --switch ]; then uplink=switch; shift; fi
    trunk=$1
    shift
    ip netns list | grep -qw '^router' || ip netns add router || return 1
    if ! ip link show "$trunk" >/dev/null 2>&1; then
        ip link add "$trunk" type veth peer name trunk0 netns router || return 1
    fi
    ip link set "$trunk" up || return 1
    ip -n router link set lo up
    ip -n router link set trunk0 up || return 1
    if [ "$uplink" = switch ]; then
        ip -n router link show switch >/dev/null 2>&1 || ip -n router link add switch type bridge || return 1
        ip -n router link set trunk0 master switch && ip -n router link set switch up || return 1
    fi
    ip netns exec router sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
        net.ipv6.conf.default.accept_dad=0 || return 1
    while [ $# -ge 2 ]; do
        vlan=$1 cidr=$2
        shift 2
        if ! ip -n router link show "$uplink.$vlan" >/dev/null 2>&1; then
            ip -n router link add link "$uplink" name "$uplink.$vlan" type vlan id "$vlan" || return 1
        fi
        case $cidr in
            *:*) ip -n router addr add "$cidr" dev "$uplink.$vlan" nodad || return 1 ;;
            *)   ip -n router addr add "$cidr" dev "$uplink.$vlan" || return 1 ;;
        esac
        ip -n router link set "$uplink.$vlan" up || return 1
    done
    [ $# -eq 0 ] || { echo "setup_router: odd argument '$1' (want VLAN CIDR pairs)" >&2; return 1; }
}

# Deleting the namespace deletes trunk0 and with it the host end of the veth pair.
teardown_router() {
    ip netns del router 2>/dev/null || true
}

in_router() {
    ip netns exec router "$@"
}

# docker_major: the major version of the engine (20, 26, 28, ...).
docker_major() {
    docker version -f '{{.Server.Version}}' 2>/dev/null | cut -d. -f1
}

# median: the median of the numbers on stdin, one a line (0 when there is none; of two middle ones, their mean).
median() {
    sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print 0; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
