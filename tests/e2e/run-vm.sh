#!/bin/bash
# Boots one qemu VM per scenario (Debian kernel, the host's / as a read-only 9p
# root with an overlay, real systemd and dockerd) and runs
# tests/e2e/scenarios/<scenario>.sh in it. Exits non-zero if any check failed or
# a VM never reported.
#   usage: tests/e2e/run-vm.sh SCENARIO [SCENARIO...]
# Environment:
#   L2VLAN_BIN     path of a built l2vlan binary, passed on to scenarios (optional)
#   L2VLAN_*       every other L2VLAN_* variable is passed on too
#   E2E_WORK       work dir for the initrd and results (default /var/tmp/l2vlan-e2e)
#   E2E_TIMEOUT    wall-clock limit per VM in seconds (default 1500)
#   E2E_MEM        VM memory in MiB (default 3072)
#   E2E_KERNEL     kernel image (default: newest /boot/vmlinuz-*)
#   E2E_KERNEL_ARGS extra kernel arguments (default "lsm=landlock,lockdown,yama,integrity,bpf";
#                  set to "" to boot with AppArmor as a stock Debian host does)
#   E2E_SKIP_DEPS  set to 1 to skip install-deps.sh
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
work=${E2E_WORK:-/var/tmp/l2vlan-e2e}
vm_timeout=${E2E_TIMEOUT:-1500}
mem=${E2E_MEM:-3072}

log() { echo "[e2e] $*"; }
die() { echo "[e2e] ERROR: $*" >&2; exit 2; }

[ $# -ge 1 ] || die "usage: $0 SCENARIO [SCENARIO...]  (scenarios: $(cd "$here/scenarios" && ls ./*.sh | sed 's|^\./||; s|\.sh$||' | tr '\n' ' '))"
for s in "$@"; do
    [ -f "$here/scenarios/$s.sh" ] || die "no scenario $here/scenarios/$s.sh"
done
[ "$(id -u)" -eq 0 ] || die "run as root (qemu must read all of / to serve it as the VM's root)"
case $repo in *[[:space:]]*) die "the checkout path must not contain spaces: $repo" ;; esac

[ "${E2E_SKIP_DEPS:-}" = 1 ] || "$here/install-deps.sh"

kernel=${E2E_KERNEL:-$(ls -1 /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n1)}
[ -f "$kernel" ] || die "no kernel in /boot (install linux-image-amd64)"
kver=${kernel#/boot/vmlinuz-}
# Debian's kernel enables AppArmor, and dockerd then loads its docker-default
# profile with apparmor_parser (package apparmor): ~25 s more per boot under TCG.
# apparmor=0 alone is not enough: SELinux, next in the kernel's LSM list, would take
# over with no policy (and selinux=0 is not honoured by this kernel); so the list
# is given without the major LSMs.
kernel_args=${E2E_KERNEL_ARGS-lsm=landlock,lockdown,yama,integrity,bpf}

if [ -n "${L2VLAN_BIN:-}" ]; then
    [ -e "$L2VLAN_BIN" ] || die "L2VLAN_BIN=$L2VLAN_BIN does not exist"
    L2VLAN_BIN=$(realpath "$L2VLAN_BIN")
    # The VM sees the host's / except /tmp (its own tmpfs); the checkout is shared apart.
    case $L2VLAN_BIN in
        "$repo"/*) ;;
        /tmp/*) die "L2VLAN_BIN is under /tmp, which the VM cannot see: build it into the checkout or /var/tmp" ;;
    esac
fi

# The initrd is rebuilt whenever its sources or the kernel change.
mkdir -p "$work"
key=$(cat "$here/vm/build-initrd.sh" "$here/vm/init" | sha256sum | cut -c1-12)
initrd=$work/initrd-$kver-$key.gz
if [ ! -f "$initrd" ]; then
    "$here/vm/build-initrd.sh" "$kver" "$initrd"
    find "$work" -maxdepth 1 -name 'initrd-*.gz' ! -name "${initrd##*/}" -delete
fi

run_one() {
    local s=$1 out start rc result
    out=$work/out/$s
    rm -rf "$out"
    mkdir -p "$out"
    {
        printf 'E2E_REPO=%q\n' "$repo"
        printf 'E2E_KVER=%q\n' "$kver"
        while IFS='=' read -r name _; do
            printf '%s=%q\n' "$name" "${!name}"
        done < <(env | grep -E '^L2VLAN_[A-Za-z0-9_]*=' || true)
    } >"$out/env"

    log "scenario $s: booting VM (kernel $kver, ${mem} MiB, limit ${vm_timeout}s); results in $out"
    start=$SECONDS
    # The console is the VM's only output; \r comes from the serial line.
    set +e
    timeout --kill-after=10 "$vm_timeout" qemu-system-x86_64 \
        -accel tcg -cpu max -m "$mem" -smp 2 -nographic -no-reboot -nic none \
        -kernel "$kernel" -initrd "$initrd" \
        -append "console=ttyS0 quiet loglevel=3 panic=-1 systemd.show_status=0 systemd.unit=multi-user.target $kernel_args l2vlan.scenario=$s l2vlan.repo=$repo l2vlan.timeout=$((vm_timeout - 120))" \
        -fsdev local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap \
        -device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot \
        -fsdev local,id=repo,path="$repo",security_model=none,readonly=on,multidevs=remap \
        -device virtio-9p-pci,fsdev=repo,mount_tag=repo \
        -fsdev local,id=results,path="$out",security_model=none,multidevs=remap \
        -device virtio-9p-pci,fsdev=results,mount_tag=results \
        </dev/null 2>&1 | sed -u -e 's/\r$//' -e 's/\x1b\[[0-9;?]*[A-Za-z]//g; s/\x1bc//g' -e "s/^/[vm $s] /"
    rc=${PIPESTATUS[0]}
    set -e
    local took=$((SECONDS - start))

    result=$out/$s.result
    if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
        log "scenario $s: FAIL: VM killed after ${vm_timeout}s (E2E_TIMEOUT)"
        summaries+=("FAIL  $s: VM timed out after ${took}s")
        total_failed=$((total_failed + 1))
        return 1
    fi
    if [ ! -s "$result" ]; then
        log "scenario $s: FAIL: the VM never reported (qemu exit $rc after ${took}s); see the [vm $s] lines above"
        summaries+=("FAIL  $s: no result (qemu exit $rc, ${took}s)")
        total_failed=$((total_failed + 1))
        return 1
    fi
    local passed failed skipped
    passed=$(sed -n 's/^passed=//p' "$result")
    failed=$(sed -n 's/^failed=//p' "$result")
    skipped=$(sed -n 's/^skipped=//p' "$result")
    total_passed=$((total_passed + ${passed:-0})) total_failed=$((total_failed + ${failed:-1})) total_skipped=$((total_skipped + ${skipped:-0}))
    if [ "$failed" = 0 ] && [ "${passed:-0}" -gt 0 ]; then
        log "scenario $s: PASS ($passed passed, $skipped skipped) in ${took}s"
        summaries+=("PASS  $s: $passed passed, $skipped skipped, ${took}s")
        return 0
    fi
    log "scenario $s: FAIL ($passed passed, $failed failed, $skipped skipped) in ${took}s"
    sed -n 's/^failure=/[e2e]   not ok /p' "$result"
    log "logs: $out/$s.log, $out/journal.log"
    summaries+=("FAIL  $s: $passed passed, $failed failed, $skipped skipped, ${took}s")
    return 1
}

summaries=()
status=0
total_passed=0 total_failed=0 total_skipped=0
for s in "$@"; do
    run_one "$s" || status=1
done
log "summary:"
printf '[e2e]   %s\n' "${summaries[@]}"
# The closing line CI reads: every check of every scenario (a VM that never reported counts as one failure).
echo "e2e: $total_passed passed, $total_failed failed, $total_skipped skipped"
exit $status
