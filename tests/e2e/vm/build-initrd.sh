#!/bin/bash
# Builds the e2e initramfs: busybox-static, the modules needed to reach a 9p root
# with an overlay on it, and vm/init.
#   usage: build-initrd.sh KERNEL_VERSION OUTPUT.gz
set -euo pipefail

kver=$1 out=$2
here=$(cd "$(dirname "$0")" && pwd)
moddir=/lib/modules/$kver
[ -d "$moddir" ] || { echo "build-initrd: no $moddir (install linux-image-amd64)" >&2; exit 1; }
[ -x /bin/busybox ] || { echo "build-initrd: no /bin/busybox (install busybox-static)" >&2; exit 1; }

# Order matters: insmod does not resolve dependencies.
modules="virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci
         netfs fscache 9pnet 9pnet_virtio 9p overlay"

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,dev,proc,sys,modules}
cp /bin/busybox "$stage/bin/busybox"
install -m 755 "$here/init" "$stage/init"

: >"$stage/modules/order"
for m in $modules; do
    f=$(find "$moddir/kernel" -name "$m.ko" -o -name "$m.ko.xz" -o -name "$m.ko.zst" -o -name "$m.ko.gz" | head -n1)
    if [ -z "$f" ]; then
        # Built into this kernel: nothing to load.
        if grep -q "/$m.ko\$" "$moddir/modules.builtin"; then continue; fi
        echo "build-initrd: module $m is neither in $moddir nor built in" >&2
        exit 1
    fi
    # busybox insmod reads plain .ko only.
    case $f in
        *.ko.xz)  xz -dc "$f" ;;
        *.ko.zst) zstd -qdc "$f" ;;
        *.ko.gz)  gzip -dc "$f" ;;
        *)        cat "$f" ;;
    esac >"$stage/modules/$m.ko"
    echo "$m" >>"$stage/modules/order"
done

mkdir -p "$(dirname "$out")"
(cd "$stage" && find . | cpio -o -H newc --quiet | gzip -9) >"$out.tmp.$$"
mv "$out.tmp.$$" "$out"
echo "build-initrd: $out ($(wc -l <"$stage/modules/order") modules, kernel $kver)"
