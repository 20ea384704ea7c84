#!/bin/bash
# Writes a signed apt repository holding the given packages, with Debian's tools only
# (apt-ftparchive, gpg, gpgv).
#   usage: packaging/make-repo.sh OUT_DIR DEB...
# Layout (docs/release.md): OUT_DIR/pool/main/l/l2vlan/<package>_<version>_<arch>.deb,
# OUT_DIR/dists/stable/{InRelease,Release,Release.gpg}, OUT_DIR/dists/stable/main/binary-<arch>/Packages,
# and OUT_DIR/l2vlan-archive-keyring.gpg, the public key as a binary keyring for Signed-By.
# The signing key stays outside the checkout, in the GNUPGHOME named by L2VLAN_REPO_GNUPGHOME
# (default /var/lib/l2vlan-repo/gnupg); the first run makes one there, without a passphrase.
set -euo pipefail

out=${1:?usage: make-repo.sh OUT_DIR DEB...}
shift
[ $# -gt 0 ] || { echo "[repo] ERROR: no package given" >&2; exit 2; }
export GNUPGHOME=${L2VLAN_REPO_GNUPGHOME:-/var/lib/l2vlan-repo/gnupg}
suite=stable
component=main
log() { echo "[repo] $*"; }

for tool in apt-ftparchive gpg gpgv; do
    command -v "$tool" >/dev/null || { echo "[repo] ERROR: no $tool (make deps installs apt-utils, gnupg and gpgv)" >&2; exit 2; }
done

# gpg starts an agent for the key; it is stopped when this script ends.
trap 'gpgconf --kill gpg-agent 2>/dev/null || true' EXIT
if [ ! -d "$GNUPGHOME" ] || [ -z "$(gpg --batch --no-auto-check-trustdb --list-secret-keys --with-colons 2>/dev/null | grep '^sec')" ]; then
    mkdir -p "$GNUPGHOME"
    chmod 700 "$GNUPGHOME"
    gpg --batch --quiet --passphrase '' --quick-generate-key "l2vlan archive signing key" ed25519 sign never
    log "made a signing key in $GNUPGHOME (keep that folder: every copy of the repository is signed with it)"
fi
key=$(gpg --batch --quiet --no-auto-check-trustdb --list-secret-keys --with-colons | awk -F: '$1 == "fpr" { print $10; exit }')
log "signing with key $key from $GNUPGHOME"

# A new tree beside the old one, moved into place at the end: a reader never sees half a repository.
mkdir -p "$(dirname "$out")"
tmp=$(mktemp -d "$(cd "$(dirname "$out")" && pwd)/.apt.XXXXXX")
trap 'rm -rf "$tmp"; gpgconf --kill gpg-agent 2>/dev/null || true' EXIT
pool=pool/$component/l/l2vlan
mkdir -p "$tmp/$pool"
archs=()
for deb in "$@"; do
    read -r package version arch < <(dpkg-deb -W --showformat='${Package} ${Version} ${Architecture}\n' "$deb")
    cp "$deb" "$tmp/$pool/${package}_${version}_${arch}.deb"
    [[ " ${archs[*]} " == *" $arch "* ]] || archs+=("$arch")
    log "  $package $version $arch"
done

cd "$tmp"
for arch in "${archs[@]}"; do
    mkdir -p "dists/$suite/$component/binary-$arch"
    apt-ftparchive --arch "$arch" packages "pool/$component" >"dists/$suite/$component/binary-$arch/Packages"
done
apt-ftparchive \
    -o APT::FTPArchive::Release::Origin=l2vlan -o APT::FTPArchive::Release::Label=l2vlan \
    -o APT::FTPArchive::Release::Suite="$suite" -o APT::FTPArchive::Release::Codename="$suite" \
    -o APT::FTPArchive::Release::Architectures="${archs[*]}" -o APT::FTPArchive::Release::Components="$component" \
    -o APT::FTPArchive::Release::Description="l2vlan, a Docker network plugin for external 802.1Q VLANs" \
    release "dists/$suite" >"$tmp/Release"
mv "$tmp/Release" "dists/$suite/Release"
gpg --batch --yes --local-user "$key" --clearsign --output "dists/$suite/InRelease" "dists/$suite/Release"
gpg --batch --yes --local-user "$key" --armor --detach-sign --output "dists/$suite/Release.gpg" "dists/$suite/Release"
gpg --batch --export "$key" >l2vlan-archive-keyring.gpg

# What apt will check: both signatures, against the keyring that ships.
gpgv --quiet --keyring ./l2vlan-archive-keyring.gpg "dists/$suite/InRelease" 2>/dev/null
gpgv --quiet --keyring ./l2vlan-archive-keyring.gpg "dists/$suite/Release.gpg" "dists/$suite/Release" 2>/dev/null
cd - >/dev/null

rm -rf "$out.old"
[ ! -e "$out" ] || mv "$out" "$out.old"
mv "$tmp" "$out"
rm -rf "$out.old"
chmod -R a+rX "$out"
log "wrote $out: suite $suite, component $component, architectures ${archs[*]}; signatures checked with gpgv"
