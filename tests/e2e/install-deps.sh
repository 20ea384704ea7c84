#!/bin/bash
# Installs what the e2e harness needs on this machine (Debian 12). Idempotent: does nothing
# (and needs no network) when everything is already installed. The VMs' own systems (kernel,
# systemd, dockerd) are not installed here: roots/build-root.sh builds one root per engine.
set -euo pipefail

packages=(
    qemu-system-x86     # the VM (TCG; no KVM needed)
    mmdebstrap          # the engines' roots, from Debian's archive
    cpio gzip xz-utils zstd coreutils   # the initramfs (modules may ship compressed)
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
