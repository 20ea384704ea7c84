# Hosts with a firewall of their own beside Docker's (sourced after checks.sh, fixtures.sh and l2vlan.sh).

# The administrator's ruleset without counters, which traffic changes; trailing blanks and indentation folded.
admin_ruleset() {
    nft -s list ruleset | tr -s ' \t' ' '
}

# ruleset_changes BEFORE AFTER: the lines added (">") or removed ("<") between two admin_ruleset outputs.
ruleset_changes() {
    diff <(printf '%s\n' "$1") <(printf '%s\n' "$2") | grep '^[<>]' | tr -s ' '
}

# doctor_fix FINDING: runs l2vlan doctor, prints its whole output as notes, and sets DOCTOR_RC and DOCTOR_FIX (the
# fix printed under the first finding that contains FINDING).
doctor_fix() {
    local out
    out=$(l2vlan doctor 2>&1) && DOCTOR_RC=0 || DOCTOR_RC=$?
    printf '%s\n' "$out" | sed 's/^/#   /'
    DOCTOR_FIX=$(printf '%s\n' "$out" | grep -F -A2 -- "$1" | sed -n 's/^ *fix: //p' | head -n 1)
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
