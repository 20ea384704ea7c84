#!/bin/bash
# Installs what the e2e harness needs on a fresh Debian 12 machine. Idempotent:
# does nothing (and needs no network) when everything is already installed.
set -euo pipefail

packages=(
    qemu-system-x86     # the VM (TCG; no KVM needed)
    linux-image-amd64   # the VM's kernel and its modules (8021q, macvlan, 9p, ...)
    busybox-static      # the initramfs and the containers' image
    systemd             # PID 1 inside the VM
    docker.io           # dockerd, containerd, runc inside the VM
    apparmor            # only for E2E_KERNEL_ARGS= (AppArmor on): dockerd then needs apparmor_parser
    iptables iproute2 kmod
    cpio gzip xz-utils zstd coreutils
)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps: all e2e packages are installed"
    exit 0
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
