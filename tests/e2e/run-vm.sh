#!/bin/bash
# Boots one qemu VM per scenario and engine (a Debian root built by roots/build-root.sh with
# its own kernel, served read-only over 9p with an overlay; real systemd and dockerd) and
# runs tests/e2e/scenarios/<scenario>.sh in it. Exits non-zero if any check failed or a VM
# never reported.
#   usage: tests/e2e/run-vm.sh [ENGINE/]SCENARIO...
# A bare SCENARIO runs on every engine of E2E_ENGINES; ENGINE/SCENARIO on that engine only.
# Engines (roots/engines.sh): deb12-docker20 deb13-docker26 deb13-docker28.
# Environment:
#   E2E_ENGINES    engines for bare scenarios (default: all of them, in that order)
#   L2VLAN_BIN     path of a built l2vlan binary, passed on to scenarios (optional)
#   L2VLAN_*       every other L2VLAN_* variable is passed on too
#   E2E_WORK       work dir for roots, initrds and results (default /var/tmp/l2vlan-e2e)
#   E2E_TIMEOUT    wall-clock limit per VM in seconds (default 1500)
#   E2E_DEADLINE   a time (seconds since the epoch) the whole run must end by: each VM's limit
#                  is cut to it, and a scenario with under 3 minutes left is not started but
#                  counted as failed, so the summary still prints (CI sets it)
#   E2E_MEM        VM memory in MiB (default 3072)
#   E2E_KERNEL_ARGS extra kernel arguments (default "lsm=landlock,lockdown,yama,integrity,bpf";
#                  set to "" to boot with AppArmor as a stock Debian host does)
#   E2E_SKIP_DEPS  set to 1 to skip install-deps.sh
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
work=${E2E_WORK:-/var/tmp/l2vlan-e2e}
vm_timeout=${E2E_TIMEOUT:-1500}
mem=${E2E_MEM:-3072}
# shellcheck source=roots/engines.sh
. "$here/roots/engines.sh"
engines=${E2E_ENGINES:-$ENGINES}

log() { echo "[e2e] $*"; }
die() { echo "[e2e] ERROR: $*" >&2; exit 2; }

[ $# -ge 1 ] || die "usage: $0 [ENGINE/]SCENARIO...  (scenarios: $(cd "$here/scenarios" && ls ./*.sh | sed 's|^\./||; s|\.sh$||' | tr '\n' ' '); engines: $ENGINES)"
for e in $engines; do engine_known "$e" || die "unknown engine '$e' in E2E_ENGINES (known: $ENGINES)"; done
# The plan: "engine scenario" pairs, engine by engine in the order of E2E_ENGINES.
plan=()
for e in $engines; do
    for arg in "$@"; do
        case $arg in */*) continue ;; esac
        plan+=("$e $arg")
    done
done
for arg in "$@"; do
    case $arg in */*) plan+=("${arg%%/*} ${arg#*/}") ;; esac
done
for p in "${plan[@]}"; do
    set -- $p
    engine_known "$1" || die "unknown engine '$1' (known: $ENGINES)"
    [ -f "$here/scenarios/$2.sh" ] || die "no scenario $here/scenarios/$2.sh"
done
[ "$(id -u)" -eq 0 ] || die "run as root (mmdebstrap builds the roots, qemu must read all of them)"
case $repo in *[[:space:]]*) die "the checkout path must not contain spaces: $repo" ;; esac

[ "${E2E_SKIP_DEPS:-}" = 1 ] || "$here/install-deps.sh"

# Debian's kernel enables AppArmor, and dockerd then loads its docker-default
# profile with apparmor_parser: ~25 s more per boot under TCG.
# apparmor=0 alone is not enough: SELinux, next in the kernel's LSM list, would take
# over with no policy (and selinux=0 is not honoured by this kernel); so the list
# is given without the major LSMs.
kernel_args=${E2E_KERNEL_ARGS-lsm=landlock,lockdown,yama,integrity,bpf}

if [ -n "${L2VLAN_BIN:-}" ]; then
    [ -e "$L2VLAN_BIN" ] || die "L2VLAN_BIN=$L2VLAN_BIN does not exist"
    L2VLAN_BIN=$(realpath "$L2VLAN_BIN")
    # The VM sees its engine's root and the checkout, nothing else of this machine.
    case $L2VLAN_BIN in
        "$repo"/*) ;;
        *) die "L2VLAN_BIN must be inside the checkout, the only folder of this machine the VM sees" ;;
    esac
fi

# Every engine's root, kernel and initramfs, before the first VM: a root that cannot be
# built fails the run at once. Each is cached (roots/build-root.sh; the initrd by its
# sources and the kernel).
declare -A root_of kernel_of initrd_of
initrd_key=$(cat "$here/vm/build-initrd.sh" "$here/vm/init" | sha256sum | cut -c1-12)
for p in "${plan[@]}"; do
    e=${p%% *}
    [ -z "${root_of[$e]:-}" ] || continue
    t0=$SECONDS
    root_of[$e]=$("$here/roots/build-root.sh" "$e")
    log "engine $e: root ready in $((SECONDS - t0))s: ${root_of[$e]}"
    kver=$(sed -n 's/^kernel=//p' "${root_of[$e]}/.l2vlan-e2e-root")
    kernel_of[$e]=${root_of[$e]}/boot/vmlinuz-$kver
    initrd_of[$e]=$work/initrd-$e-$kver-$initrd_key.gz
    if [ ! -f "${initrd_of[$e]}" ]; then
        "$here/vm/build-initrd.sh" "${root_of[$e]}" "$kver" "${initrd_of[$e]}"
        find "$work" -maxdepth 1 -name "initrd-$e-*.gz" ! -name "${initrd_of[$e]##*/}" -delete
    fi
done

run_one() {
    local e=$1 s=$2 out start rc result var name="$1/$2"
    local root=${root_of[$e]} kernel=${kernel_of[$e]} initrd=${initrd_of[$e]}
    out=$work/out/$e/$s
    rm -rf "$out"
    mkdir -p "$out"
    {
        printf 'E2E_REPO=%q\n' "$repo"
        printf 'E2E_ENGINE=%q\n' "$e"
        printf 'E2E_KVER=%q\n' "${kernel##*/vmlinuz-}"
        while IFS='=' read -r var _; do
            printf '%s=%q\n' "$var" "${!var}"
        done < <(env | grep -E '^L2VLAN_[A-Za-z0-9_]*=' || true)
    } >"$out/env"

    local limit=$vm_timeout
    if [ -n "${E2E_DEADLINE:-}" ]; then
        local left=$((E2E_DEADLINE - $(date +%s)))
        if [ "$left" -lt 180 ]; then
            log "scenario $name: FAIL: not started, ${left}s left before E2E_DEADLINE"
            summaries+=("FAIL  $name: not started (E2E_DEADLINE)")
            total_failed=$((total_failed + 1))
            return 1
        fi
        [ "$left" -ge "$limit" ] || limit=$left
    fi
    log "scenario $name: booting VM (kernel ${kernel##*/vmlinuz-}, ${mem} MiB, limit ${limit}s); results in $out"
    start=$SECONDS
    # guest-run.sh powers the VM off itself once the results are written; should the VM
    # still be up a minute after its marker, qemu is stopped here.
    local pidfile=$work/qemu-$e-$s.pid watcher
    rm -f "$pidfile"
    (
        while [ ! -e "$out/powering-off" ]; do sleep 2 >/dev/null 2>&1; done
        sleep 60 >/dev/null 2>&1
        if [ -s "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null; then
            log "scenario $name: the VM was still up 60 s after its results; qemu stopped"
        fi
    ) &
    watcher=$!
    # The console is the VM's only output; \r comes from the serial line.
    set +e
    timeout --kill-after=10 "$limit" qemu-system-x86_64 \
        -accel tcg -cpu max -m "$mem" -smp 2 -nographic -no-reboot -nic none -pidfile "$pidfile" \
        -kernel "$kernel" -initrd "$initrd" \
        -append "console=ttyS0 quiet loglevel=3 panic=-1 systemd.show_status=0 systemd.unit=multi-user.target $kernel_args l2vlan.scenario=$s l2vlan.repo=$repo l2vlan.timeout=$((limit > 240 ? limit - 120 : limit / 2))" \
        -fsdev local,id=root,path="$root",security_model=none,readonly=on,multidevs=remap \
        -device virtio-9p-pci,fsdev=root,mount_tag=root \
        -fsdev local,id=repo,path="$repo",security_model=none,readonly=on,multidevs=remap \
        -device virtio-9p-pci,fsdev=repo,mount_tag=repo \
        -fsdev local,id=results,path="$out",security_model=none,multidevs=remap \
        -device virtio-9p-pci,fsdev=results,mount_tag=results \
        </dev/null 2>&1 | sed -u -e 's/\r$//' -e 's/\x1b\[[0-9;?]*[A-Za-z]//g; s/\x1bc//g' -e "s|^|[vm $name] |"
    rc=${PIPESTATUS[0]}
    kill "$watcher" 2>/dev/null || true
    wait "$watcher" 2>/dev/null || true
    set -e
    local took=$((SECONDS - start))

    result=$out/$s.result
    if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
        log "scenario $name: FAIL: VM killed after ${limit}s (E2E_TIMEOUT or E2E_DEADLINE)"
        summaries+=("FAIL  $name: VM timed out after ${took}s")
        total_failed=$((total_failed + 1))
        return 1
    fi
    if [ ! -s "$result" ]; then
        log "scenario $name: FAIL: the VM never reported (qemu exit $rc after ${took}s); see the [vm $name] lines above"
        summaries+=("FAIL  $name: no result (qemu exit $rc, ${took}s)")
        total_failed=$((total_failed + 1))
        return 1
    fi
    local passed failed skipped
    passed=$(sed -n 's/^passed=//p' "$result")
    failed=$(sed -n 's/^failed=//p' "$result")
    skipped=$(sed -n 's/^skipped=//p' "$result")
    total_passed=$((total_passed + ${passed:-0})) total_failed=$((total_failed + ${failed:-1})) total_skipped=$((total_skipped + ${skipped:-0}))
    if [ "$failed" = 0 ] && [ "${passed:-0}" -gt 0 ]; then
        log "scenario $name: PASS ($passed passed, $skipped skipped) in ${took}s"
        summaries+=("PASS  $name: $passed passed, $skipped skipped, ${took}s")
        return 0
    fi
    log "scenario $name: FAIL ($passed passed, $failed failed, $skipped skipped) in ${took}s"
    sed -n 's/^failure=/[e2e]   not ok /p' "$result"
    log "logs: $out/$s.log, $out/journal.log"
    summaries+=("FAIL  $name: $passed passed, $failed failed, $skipped skipped, ${took}s")
    failures+=("$(sed -n -e "s|^failure=|FAIL  $name: not ok |p" -e 's/^detail=/        /p' "$result")")
    return 1
}

summaries=()
failures=()
status=0
total_passed=0 total_failed=0 total_skipped=0
for p in "${plan[@]}"; do
    run_one ${p% *} ${p#* } || status=1
done
log "summary:"
printf '[e2e]   %s\n' "${summaries[@]}"
# Repeated here because CI shows only the end of the log.
[ ${#failures[@]} -eq 0 ] || { log "failed checks, with the first lines of what they saw:"; printf '%s\n' "${failures[@]}" | sed 's/^/[e2e]   /'; }
# The closing line CI reads: every check of every scenario (a VM that never reported counts as one failure).
echo "e2e: $total_passed passed, $total_failed failed, $total_skipped skipped"
exit $status
