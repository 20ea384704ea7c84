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
