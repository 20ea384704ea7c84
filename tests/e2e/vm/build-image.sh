#!/bin/bash
# Makes (or finds) the disk image of an engine's root and prints its folder.
#   usage: build-image.sh ROOT
# The VM reads its root from this image over virtio-blk, read-only, with a tmpfs overlay on
# top (vm/init): a block device costs the guest one request per 4 KiB page where 9p cost a round
# trip per stat, open and read, and QEMU can save a VM that has no 9p export mounted.
# The image is ext4 without a journal or metadata checksums (the guest mounts it read-only, and
# ext4 then needs no crc32c module), made by mke2fs -d from the root folder.
# It lives in ROOT.image/ beside the root (the root's cache key names it), with the snapshots
# of VMs booted from it (run-vm.sh): a snapshot holds the guest's page cache of this very file,
# so the image is never rewritten in place; a new one goes into a new folder.
set -euo pipefail

root=${1:?usage: build-image.sh ROOT}
here=$(cd "$(dirname "$0")" && pwd)
key=$(sha256sum <"$here/build-image.sh" | cut -c1-12)
dir=$root.image-$key
log() { echo "[image ${root##*/}] $*" >&2; }

if [ -f "$dir/root.img" ]; then
    echo "$dir"
    exit 0
fi
start=$SECONDS
tmp=$dir.tmp.$$
rm -rf "$tmp"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp"
# Room for the files, their inodes and a margin; the guest writes nothing to it.
kib=$(du -sk --apparent-size "$root" | cut -f1)
size_mib=$((kib * 13 / 10 / 1024 + 256))
inodes=$(($(find "$root" -xdev | wc -l) + 20000))
truncate -s "${size_mib}M" "$tmp/root.img"
mke2fs -q -t ext4 -O ^has_journal,^metadata_csum -E root_owner=0:0 -L l2vlan-e2e -b 4096 -N "$inodes" \
    -d "$root" "$tmp/root.img" "${size_mib}M" >&2
# Images of this root made by an older build-image.sh: their snapshots go with them.
find "$(dirname "$root")" -maxdepth 1 -name "${root##*/}.image-*" ! -name "${dir##*/}" ! -name "*.tmp.*" -exec rm -rf {} +
mv "$tmp" "$dir"
trap - EXIT
log "built in $((SECONDS - start))s: $dir/root.img (${size_mib} MiB)"
echo "$dir"
