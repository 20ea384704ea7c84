#!/bin/bash
# Builds dist/l2vlan_<version>_<arch>.deb from this checkout and checks it with lintian.
#   usage: packaging/build-deb.sh [--arch ARCH] [--no-lintian] [VERSION]
# VERSION (optional) builds the same source under another version, e.g. a higher one for the
# e2e upgrade test; debian/changelog in the checkout is left as it is.
# ARCH (a Debian architecture, this machine's by default) other than this machine's cross-builds
# (dpkg-buildpackage -a ARCH) with the toolchain packaging/install-cross-toolchain.sh installs.
# The build runs in a copy of the checkout under /var/tmp: dpkg-buildpackage writes into
# debian/ and next to the source, and `dotnet publish` into src/*/obj, which others working
# in the same checkout (make build, dotnet test) must not see change under them.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
lintian=1
arch=$(dpkg --print-architecture)
while [ $# -gt 0 ]; do
    case $1 in
        --no-lintian) lintian=0; shift ;;
        --arch) arch=${2:?--arch needs a Debian architecture, e.g. arm64}; shift 2 ;;
        *) break ;;
    esac
done
version=${1:-}
# A cross build runs no tests (debian/rules runs none): the nocheck option and the cross and nocheck
# profiles say so to debhelper.
cross=()
if [ "$arch" != "$(dpkg --print-architecture)" ]; then
    cross=(-a"$arch" -Pcross,nocheck)
    export DEB_BUILD_OPTIONS="nocheck${DEB_BUILD_OPTIONS:+ $DEB_BUILD_OPTIONS}"
fi

log() { echo "[deb] $*"; }

# What a fresh Debian 12 machine lacks to build the package (the .NET SDK is not a Debian
# package: it must already be on PATH).
build_deps=(build-essential debhelper dpkg-dev fakeroot clang zlib1g-dev lintian)
missing=()
for p in "${build_deps[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    log "installing build dependencies: ${missing[*]}"
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
[ ${#cross[@]} -eq 0 ] || "$repo/packaging/install-cross-toolchain.sh" "$arch"
command -v dotnet >/dev/null || { echo "[deb] ERROR: no dotnet on PATH (the .NET 10 SDK builds l2vlan)" >&2; exit 2; }

work=$(mktemp -d /var/tmp/l2vlan-deb.XXXXXX)
trap 'rm -rf "$work"' EXIT
src=$work/l2vlan
mkdir -p "$src"
# The files git would commit (tracked and new, ignored ones left out), as they are now.
if git -C "$repo" rev-parse --git-dir >/dev/null 2>&1; then
    (cd "$repo" && git ls-files -z --cached --others --exclude-standard \
        | while IFS= read -r -d '' f; do [ -e "$f" ] || [ -L "$f" ] && printf '%s\0' "$f"; done \
        | tar --null -T - -cf -) | tar -C "$src" -xf -
else
    tar -C "$repo" --exclude=./out --exclude=./dist --exclude=bin --exclude=obj -cf - . | tar -C "$src" -xf -
fi

if [ -n "$version" ]; then
    # A new top entry, as `dch -v` would write it, without needing devscripts.
    { printf 'l2vlan (%s) unstable; urgency=medium\n\n  * Rebuild as %s.\n\n' "$version" "$version"
      sed -n '/^ -- /{p;q}' "$src/debian/changelog" | sed "s/>  .*/>  $(date -R)/"
      echo
      cat "$src/debian/changelog"; } >"$src/debian/changelog.new"
    mv "$src/debian/changelog.new" "$src/debian/changelog"
fi
version=$(dpkg-parsechangelog -l "$src/debian/changelog" -S Version)
deb=l2vlan_${version}_${arch}.deb

log "building $deb in $src"
(cd "$src" && dpkg-buildpackage "${cross[@]}" -b -us -uc)
mkdir -p "$repo/dist"
cp "$work/$deb" "$repo/dist/$deb"
log "built dist/$deb ($(du -k "$repo/dist/$deb" | cut -f1) KiB)"
dpkg-deb --info "$repo/dist/$deb" | sed -n 's/^ \(Version\|Architecture\|Depends\|Installed-Size\):/[deb]   &/p'

if [ "$lintian" = 1 ]; then
    log "lintian dist/$deb"
    lintian --fail-on error,warning --display-info "$repo/dist/$deb"
    log "lintian: no errors, no warnings"
fi
