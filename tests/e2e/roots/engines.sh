# The engines of the e2e matrix: which Debian suite each VM root is built from, and which
# packages go in. Sourced by build-root.sh and run-vm.sh; changing it rebuilds the roots.

ENGINES="deb12-docker20 deb13-docker26 deb13-docker28"

# What every scenario uses: systemd as PID 1, dockerd, the kernel with 802.1Q, ip/bridge,
# iptables, ps/sysctl, busybox-static (the initramfs and the containers' image).
# apparmor: only for E2E_KERNEL_ARGS= (AppArmor on), where dockerd needs apparmor_parser.
_base_packages="systemd dbus udev kmod iproute2 iptables procps busybox-static linux-image-amd64 docker.io apparmor"

engine_known() { case " $ENGINES " in *" $1 "*) return 0 ;; esac; return 1; }

engine_suite() {
    case $1 in
        deb12-*) echo bookworm ;;
        deb13-*) echo trixie ;;
    esac
}

# libssl3 is the package's run-time dependency (the adapter's SHA-256); the VM has no
# package lists, so it must already be there for apt to install the .deb. From Debian 13 on,
# the Docker CLI is a package of its own and is not pulled in without Recommends.
engine_packages() {
    case $1 in
        deb12-*) echo "$_base_packages libssl3" ;;
        deb13-*) echo "$_base_packages docker-cli libssl3t64 $_host_firewalls" ;;
    esac
}

# The host firewalls users run beside Docker, for the scenarios that build such a host: nftables
# (the nft tool and nftables.service) and firewalld, Debian 13's packages. Installed but disabled,
# so a VM boots with Docker's own rules only; a scenario that wants one starts it itself.
_host_firewalls="nftables firewalld"
engine_disabled_units() {
    case $1 in
        deb13-*) echo "nftables.service firewalld.service" ;;
    esac
}

# An engine newer than its suite's: packages taken from a later suite.
engine_newer_suite() {
    case $1 in
        deb13-docker28) echo forky ;;
    esac
}
engine_newer_packages() {
    case $1 in
        deb13-docker28) echo "docker.io docker-cli tini-static" ;;
    esac
}
# tini-static breaks trixie's tini (<< 0.19.0-5).
engine_removed_packages() {
    case $1 in
        deb13-docker28) echo "tini" ;;
    esac
}
