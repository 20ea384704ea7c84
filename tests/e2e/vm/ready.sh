# Sourced by the VM's agent before the engine's snapshot (vm/agent.sh) and by every scenario
# (lib/fixtures.sh): what makes an engine ready for a scenario.

DOCKER=${DOCKER:-/usr/bin/docker}
# /usr/local/bin/docker on these machines is an unrelated newer CLI.
docker() { "$DOCKER" "$@"; }

# wait_for SECONDS COMMAND... : poll until COMMAND succeeds; 1 on timeout.
wait_for() {
    local deadline=$((SECONDS + $1))
    shift
    until "$@" >/dev/null 2>&1; do
        [ "$SECONDS" -lt "$deadline" ] || return 1
        sleep 0.5
    done
}

wait_for_docker() {
    local t=${1:-180}
    wait_for "$t" docker info || { echo "dockerd did not answer within ${t}s" >&2; systemctl status docker --no-pager >&2; return 1; }
}

# import_busybox_image [TAG]: a registry-free image holding busybox-static and
# every applet (sh ip ping sleep nc httpd arping udhcpc ...).
import_busybox_image() {
    local tag=${1:-bb:latest} root a
    docker image inspect "$tag" >/dev/null 2>&1 && return 0
    root=$(mktemp -d /tmp/bbroot.XXXXXX)
    mkdir -p "$root"/{bin,etc,proc,sys,dev,tmp,root,var/www}
    cp /bin/busybox "$root/bin/busybox"
    for a in $(/bin/busybox --list); do
        [ "$a" = busybox ] || ln -s busybox "$root/bin/$a"
    done
    echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"
    echo 'root:x:0:' >"$root/etc/group"
    tar -C "$root" -c . | docker import -c 'CMD ["/bin/sh"]' -c 'ENV PATH=/bin' - "$tag" >/dev/null
    local rc=$?
    rm -rf "$root"
    return $rc
}
