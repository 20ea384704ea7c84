# Hosts with a firewall of their own beside Docker's (sourced after checks.sh, fixtures.sh and l2vlan.sh).

# The administrator's ruleset without counters, which traffic changes; trailing blanks and indentation folded.
admin_ruleset() {
    nft -s list ruleset | tr -s ' \t' ' '
}

# ruleset_changes BEFORE AFTER: the lines added (">") or removed ("<") between two admin_ruleset outputs.
ruleset_changes() {
    diff <(printf '%s\n' "$1") <(printf '%s\n' "$2") | grep '^[<>]' | tr -s ' '
}

# blocked_until_doctor_fix CONTAINER FINDING FIX: the container on VLAN 2010 cannot reach its router; l2vlan doctor
# (its whole output shown) fails with FINDING and the fix FIX; the fix as doctor printed it is run, and then the
# container reaches the router.
blocked_until_doctor_fix() {
    local out rc printed
    check_fails "$1 cannot reach its router" docker exec "$1" ping -c 2 -W 2 192.168.10.1
    out=$(l2vlan doctor 2>&1) && rc=0 || rc=$?
    note "l2vlan doctor:"
    printf '%s\n' "$out" | sed 's/^/#   /'
    printed=$(printf '%s\n' "$out" | grep -F -A2 -- "$2" | sed -n 's/^ *fix: //p' | head -n 1)
    check_eq "doctor: exit 1, '$2' with the fix that allows the bridge" "1 $3" "$rc $printed"
    check "the admin runs the fix doctor printed" sh -c "$printed"
    check "$1 reaches its router" docker exec "$1" ping -c 2 -W 2 192.168.10.1
}

# fw_network NAME: a network on VLAN 2010 (192.168.10.0/24, the router at .1) on bridge vlan2010, and a container
# NAME on it.
fw_network() {
    docker network create -d l2vlan --ipam-driver l2vlan --subnet 192.168.10.0/24 --gateway 192.168.10.1 \
        -o vlan_id=2010 -o ext_if=eno1 -o bridge_name=vlan2010 "$1" >/dev/null \
        && docker run -d --name "$1" --network "$1" bb:latest sleep 3600 >/dev/null
}

# fw_network_gone NAME: the container and its network removed, with l2vlan's bridge, sub-interface and rules.
fw_network_gone() {
    docker rm -f "$1" >/dev/null && docker network rm "$1" >/dev/null && ! ip link show vlan2010 >/dev/null 2>&1 \
        && ! { iptables -S FORWARD; ip6tables -S FORWARD; } | grep -q vlan2010
}

# doctor_says_allowed BRIDGE: l2vlan doctor finds no nftables chain that drops the bridge's traffic.
doctor_says_allowed() {
    l2vlan doctor | grep -qF "ok      nftables: no nftables chain on the forward hook drops the traffic of bridge $1"
}

# l2vlan_warned TEXT: the service's journal has a warning containing TEXT.
l2vlan_warned() {
    journalctl -u l2vlan --no-pager -p warning | grep -qF -- "$1"
}
