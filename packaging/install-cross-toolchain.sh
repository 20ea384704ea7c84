#!/bin/bash
# Installs from Debian what cross-building l2vlan for another architecture needs, and what runs the result:
#   usage: packaging/install-cross-toolchain.sh ARCH      (ARCH: a Debian architecture, e.g. arm64)
# Native AOT compiles and links with the host's clang (--target=aarch64-linux-gnu); the target's C library,
# start files, libgcc and zlib come from Debian's multiarch packages of that architecture (the sysroot is /);
# the linker, objcopy and strip from binutils-<triple>; qemu-user runs the executable (debian/rules' version
# check and tests/arm64/smoke.sh). Idempotent: does nothing, and needs no network, when all is installed.
set -euo pipefail
arch=${1:?usage: install-cross-toolchain.sh ARCH}
[ "$arch" != "$(dpkg --print-architecture)" ] || exit 0
triple=$(dpkg-architecture -a"$arch" -qDEB_HOST_GNU_TYPE 2>/dev/null)
# libgcc's development files come with the release's default GCC (12 on Debian 12, 14 on Debian 13).
gcc_major=$(gcc -dumpversion 2>/dev/null | cut -d. -f1)

packages=(
    "libc6-dev:$arch" "zlib1g-dev:$arch" "libgcc-${gcc_major:-12}-dev:$arch"
    "binutils-$triple"
    qemu-user
)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -gt 0 ] || { echo "cross toolchain for $arch: installed"; exit 0; }

echo "cross toolchain for $arch: installing ${missing[*]}"
dpkg --print-foreign-architectures | grep -qx "$arch" || dpkg --add-architecture "$arch"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# Multi-Arch: same libraries must match their amd64 twins' versions: apt may upgrade those, and must
# never remove an amd64 package to get there.
apt-get install -y -q --no-install-recommends --no-remove "${missing[@]}"
