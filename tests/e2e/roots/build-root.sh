#!/bin/bash
# Builds (or finds in the cache) the VM root of one engine of the e2e matrix and prints its path.
#   usage: build-root.sh ENGINE        (ENGINE: see engines.sh)
# A root is a whole Debian system made by mmdebstrap from Debian's archive: its own kernel
# and modules, systemd, docker.io and what the scenarios use. It lives in
# $E2E_WORK/roots/ENGINE-KEY, where KEY hashes everything that went into it (this script,
# engines.sh), so a change rebuilds it and an unchanged one is reused. Roots of the same
# engine with another key are deleted. Progress goes to stderr, the path alone to stdout.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
work=${E2E_WORK:-/var/tmp/l2vlan-e2e}
engine=${1:?usage: build-root.sh ENGINE}
# shellcheck source=engines.sh
. "$here/engines.sh"
engine_known "$engine" || { echo "build-root: unknown engine '$engine' (known: $ENGINES)" >&2; exit 2; }

log() { echo "[root $engine] $*" >&2; }

key=$(cat "$here/build-root.sh" "$here/engines.sh" | sha256sum | cut -c1-12)
root=$work/roots/$engine-$key
if [ -f "$root/.l2vlan-e2e-root" ]; then
    log "cached: $root"
    echo "$root"
    exit 0
fi

# The archive this machine's apt already uses, read from its own sources: another suite of
# the same archive is reached without touching the machine's apt configuration.
host_uri() {   # host_uri REGEX: the first URI whose suites match REGEX
    { cat /etc/apt/sources.list.d/*.sources 2>/dev/null || true; } | awk -v re="$1" '
        /^URIs:/ { uri = $2 } /^Suites:/ { for (i = 2; i <= NF; i++) if ($i ~ re) { print uri; exit } }'
    { cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true; } |
        awk -v re="$1" '$1 == "deb" && $3 ~ re { print $2; exit }'
}
mirror=$(host_uri '^[a-z]+$' | head -n1)
security=$(host_uri '-security$' | head -n1)
[ -n "$mirror" ] || { echo "build-root: no Debian archive in this machine's apt sources" >&2; exit 1; }

suite=$(engine_suite "$engine")
sources="deb $mirror $suite main
deb $mirror $suite-updates main"
[ -z "$security" ] || sources+="
deb $security $suite-security main"

start=$SECONDS
mkdir -p "$work/roots"
tmp=$work/roots/.build-$engine-$$
rm -rf "$tmp"
trap 'rm -rf "$tmp"' EXIT
log "building from Debian $suite ($(engine_packages "$engine" | wc -w) packages named, plus their dependencies)"
# --variant=minbase and no Recommends: the kernel comes without initramfs-tools (the harness
# makes its own initramfs), docker.io without its optional tools.
echo "$sources" | mmdebstrap --mode=root --variant=minbase --quiet \
    --aptopt='APT::Install-Recommends "false"' \
    --include="$(engine_packages "$engine" | tr ' ' ',')" \
    "$suite" "$tmp" - >&2

# An engine newer than its suite's: its packages from a later suite, dependencies from the
# suite where it can (apt's PACKAGE/SUITE), as a user who takes one package from testing does.
newer_suite=$(engine_newer_suite "$engine")
if [ -n "$newer_suite" ]; then
    log "installing $(engine_newer_packages "$engine") from $newer_suite"
    echo "deb $mirror $newer_suite main" >"$tmp/etc/apt/sources.list.d/newer.list"
    # Testing's Release file is valid for a week only, and the archive reached here may be a
    # snapshot older than that: its signature is still checked, its age is not.
    chroot "$tmp" apt-get update -q -o Acquire::Check-Valid-Until=false >&2
    # shellcheck disable=SC2046
    DEBIAN_FRONTEND=noninteractive chroot "$tmp" apt-get install -y -q --no-install-recommends \
        $(engine_removed_packages "$engine" | sed 's/\([^ ]*\)/\1-/g') \
        $(engine_newer_packages "$engine" | sed "s|\([^ ]*\)|\1/$newer_suite|g") >&2
    rm -f "$tmp/etc/apt/sources.list.d/newer.list"
fi

# Services a package enables that no scenario may find running at boot.
for unit in $(engine_disabled_units "$engine"); do
    chroot "$tmp" systemctl disable "$unit" >&2
done

# The VM reads no package lists (the package scenario installs a local .deb with apt) and
# needs no downloaded packages: a smaller root that qemu serves faster over 9p.
chroot "$tmp" apt-get clean
rm -rf "$tmp"/var/lib/apt/lists/* "$tmp"/usr/share/doc/* "$tmp"/usr/share/man/* "$tmp"/usr/share/locale/*
# systemd makes a machine ID at boot when the file is empty.
: >"$tmp/etc/machine-id"
echo "l2vlan-e2e" >"$tmp/etc/hostname"

{
    echo "engine=$engine"
    echo "key=$key"
    echo "suite=$suite"
    echo "built=$(date -u +%FT%TZ)"
    echo "seconds=$((SECONDS - start))"
    echo "kernel=$(cd "$tmp/boot" && ls vmlinuz-* | sed 's/^vmlinuz-//' | sort -V | tail -n1)"
    chroot "$tmp" dpkg-query -W -f='version ${Package} ${Version}\n' docker.io containerd runc linux-image-amd64 systemd iptables nftables firewalld 2>/dev/null || true
} >"$tmp/.l2vlan-e2e-root"

find "$work/roots" -maxdepth 1 -name "$engine-*" ! -name "$engine-$key" -exec rm -rf {} +
mv "$tmp" "$root"
trap - EXIT
log "built in $((SECONDS - start))s: $root ($(du -sh "$root" | cut -f1))"
echo "$root"
