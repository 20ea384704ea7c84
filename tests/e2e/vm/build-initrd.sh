#!/bin/bash
# Builds the e2e initramfs of an engine's root: its busybox-static, the modules of its
# kernel needed to mount the root's disk image with an overlay on it, reach the 9p shares and
# the control port, and vm/init with the agent it installs (vm/agent.sh, vm/ready.sh).
#   usage: build-initrd.sh ROOT KERNEL_VERSION OUTPUT.gz
set -euo pipefail

root=$1 kver=$2 out=$3
here=$(cd "$(dirname "$0")" && pwd)
moddir=$root/lib/modules/$kver
[ -d "$moddir" ] || { echo "build-initrd: no $moddir (the root lacks linux-image-amd64)" >&2; exit 1; }
[ -x "$root/bin/busybox" ] || { echo "build-initrd: no $root/bin/busybox (the root lacks busybox-static)" >&2; exit 1; }

# What the root needs; their dependencies come from the kernel's modules.dep (which
# modules exist differs between kernels: 6.12 folded fscache into netfs).
# ext4 asks the crypto API for crc32c at mount, which no modules.dep line names.
wanted="virtio_pci virtio_blk crc32c_generic ext4 overlay 9pnet_virtio 9p virtio_console"

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,dev,proc,sys,modules}
cp "$root/bin/busybox" "$stage/bin/busybox"
install -m 755 "$here/init" "$stage/init"
install -m 755 "$here/agent.sh" "$stage/agent.sh"
install -m 644 "$here/ready.sh" "$stage/ready.sh"

# add MODULE: its dependencies first, then itself (busybox insmod resolves nothing).
: >"$stage/modules/order"
add() {
    local m=$1 path dep
    grep -qx "$m" "$stage/modules/order" && return 0
    path=$(awk -F: -v m="$m" '{ n = $1; sub(/.*\//, "", n); sub(/\.ko(\.(xz|zst|gz))?$/, "", n); gsub(/-/, "_", n) } n == m { print $1; exit }' "$moddir/modules.dep")
    if [ -z "$path" ]; then
        # Built into this kernel: nothing to load.
        grep -q "/$m.ko\$" "$moddir/modules.builtin" && return 0
        echo "build-initrd: module $m is neither in $moddir nor built in" >&2
        exit 1
    fi
    for dep in $(grep "^$path:" "$moddir/modules.dep" | cut -d: -f2); do
        dep=${dep##*/}; dep=${dep%%.ko*}
        add "${dep//-/_}"
    done
    # busybox insmod reads plain .ko only.
    case $path in
        *.ko.xz)  xz -dc "$moddir/$path" ;;
        *.ko.zst) zstd -qdc "$moddir/$path" ;;
        *.ko.gz)  gzip -dc "$moddir/$path" ;;
        *)        cat "$moddir/$path" ;;
    esac >"$stage/modules/$m.ko"
    echo "$m" >>"$stage/modules/order"
}
for m in $wanted; do add "$m"; done

mkdir -p "$(dirname "$out")"
(cd "$stage" && find . | cpio -o -H newc --quiet | gzip -9) >"$out.tmp.$$"
mv "$out.tmp.$$" "$out"
echo "build-initrd: $out ($(wc -l <"$stage/modules/order") modules, kernel $kver)"
