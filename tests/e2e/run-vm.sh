#!/bin/bash
# Runs tests/e2e/scenarios/<scenario>.sh in one qemu VM per scenario and engine: a Debian root
# built by roots/build-root.sh with its own kernel, real systemd and dockerd, booted once per
# engine and saved once dockerd answers; each scenario's VM is restored from that snapshot
# (tests/e2e/README.md, "How the VM is put together"). E2E_JOBS VMs run at a time. Exits
# non-zero if any check failed or a VM never reported. Ends with a summary and a timing table.
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
#   E2E_JOBS       VMs at a time (default 2, one per core: each VM then has one vCPU; 1 runs
#                  them one after another with two vCPUs each)
#   E2E_SNAPSHOT   set to 0 to boot every scenario's VM instead of restoring a snapshot
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
work=${E2E_WORK:-/var/tmp/l2vlan-e2e}
vm_timeout=${E2E_TIMEOUT:-1500}
mem=${E2E_MEM:-3072}
lanes=${E2E_JOBS:-2}
[[ $lanes =~ ^[1-9][0-9]*$ ]] || { echo "[e2e] ERROR: E2E_JOBS=$lanes is not a number of VMs" >&2; exit 2; }
# Two lanes on two cores: one vCPU each, so no vCPU thread waits for a core while it holds a
# guest lock. One lane: two vCPUs.
smp=$((lanes > 1 ? 1 : 2))
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

# Every engine's root, disk image, kernel, initramfs and ready snapshot, before the first
# scenario: one that cannot be made fails the run at once. Each is cached (roots/build-root.sh,
# vm/build-image.sh; the initramfs by its sources and the kernel; the snapshot in the image's
# folder by everything that went into the VM).
declare -A image_of kernel_of initrd_of snapshot_of
initrd_key=$(cat "$here/vm/build-initrd.sh" "$here/vm/init" "$here/vm/agent.sh" "$here/vm/ready.sh" | sha256sum | cut -c1-12)
qemu_version=$(qemu-system-x86_64 --version | head -n1)
cmdline="console=ttyS0 quiet loglevel=3 panic=-1 systemd.show_status=0 systemd.unit=multi-user.target $kernel_args"
snapshots=${E2E_SNAPSHOT:-1}

# The guest's terminal control sequences (CSI, OSC, reset), which only clutter a log.
console_clean='s/\x1b\[[0-9;?!]*[A-Za-z]//g; s/\x1b\][0-9;]*\(\x07\|\x1b\\\)\?//g; s/\x1bc//g'

# qemu_args ENGINE REPO_SHARE RESULTS_SHARE CONTROL: the machine every VM of ENGINE is, the
# snapshot's and the scenarios' alike (a snapshot restores only into the same devices).
# CONTROL is a folder with the FIFOs of the control port (ctl.in/out) and the monitor (mon.in/out).
qemu_args() {
    local e=$1 repo_share=$2 results=$3 control=$4
    vm=(-accel tcg -cpu max -m "$mem" -smp "$smp" -nographic -no-reboot -nic none
        -kernel "${kernel_of[$e]}" -initrd "${initrd_of[$e]}" -append "$cmdline"
        -drive "file=${image_of[$e]}/root.img,format=raw,if=virtio,readonly=on"
        -fsdev "local,id=repo,path=$repo_share,security_model=none,readonly=on,multidevs=remap"
        -device virtio-9p-pci,fsdev=repo,mount_tag=repo
        -fsdev "local,id=results,path=$results,security_model=none,multidevs=remap"
        -device virtio-9p-pci,fsdev=results,mount_tag=results
        -device virtio-serial-pci -chardev "pipe,id=ctl,path=$control/ctl"
        -device virtserialport,chardev=ctl,name=e2e.control
        -monitor "pipe:$control/mon")
}

# control_dir: a fresh folder with the control FIFOs, and readers that copy what the guest and
# the monitor say into ctl.log and mon.log.
control_dir() {
    local d
    d=$(mktemp -d "$work/vm.XXXXXX")
    mkfifo "$d/ctl.in" "$d/ctl.out" "$d/mon.in" "$d/mon.out"
    : >"$d/ctl.log"
    : >"$d/mon.log"
    cat "$d/ctl.out" >>"$d/ctl.log" &
    cat "$d/mon.out" >>"$d/mon.log" &
    echo "$d"
}

# monitor DIR COMMAND: one command to QEMU's monitor. QEMU holds the FIFO open for reading and
# writing, so this never blocks once QEMU is up; before that, for at most 30 s.
monitor() {
    timeout 30 sh -c 'printf "%s\n" "$2" >"$1/mon.in"' sh "$1" "$2"
}

# wait_log SECONDS FILE REGEX [PID]: until FILE has a line matching REGEX; 1 on timeout, or when
# PID (qemu) is gone first.
wait_log() {
    local deadline=$((SECONDS + $1))
    until grep -Eq "$3" "$2" 2>/dev/null; do
        [ "$SECONDS" -lt "$deadline" ] || return 1
        [ -z "${4:-}" ] || kill -0 "$4" 2>/dev/null || return 1
        sleep 0.2
    done
}

# prepare ENGINE: boots the engine once, lets the agent ready it, and saves the VM to its snapshot.
prepare() {
    local e=$1 d empty pid t0=$SECONDS snapshot=${snapshot_of[$1]}
    d=$(control_dir)
    empty=$d/empty
    mkdir "$empty"
    qemu_args "$e" "$empty" "$empty" "$d"
    log "engine $e: booting to snapshot it once dockerd is ready"
    qemu-system-x86_64 "${vm[@]}" -pidfile "$d/pid" </dev/null 2>&1 |
        sed -u -e 's/\r$//' -e "$console_clean" -e "s|^|[vm $e/ready] |" &
    wait_log 30 "$d/pid" . || { log "engine $e: qemu did not start"; wait; rm -rf "$d"; return 1; }
    pid=$(cat "$d/pid")
    if ! wait_log 900 "$d/ctl.log" '^ready' "$pid"; then
        kill "$pid" 2>/dev/null
        wait
        rm -rf "$d"
        log "engine $e: FAIL: the engine never became ready (see the [vm $e/ready] lines above)"
        return 1
    fi
    local booted=$((SECONDS - t0))
    monitor "$d" stop
    monitor "$d" "migrate \"exec:zstd -q -1 -T0 -o $snapshot.tmp\""
    local deadline=$((SECONDS + 300))
    until grep -Eq 'Migration status: (completed|failed|cancelled)' "$d/mon.log"; do
        kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ] || break
        sleep 0.5
        monitor "$d" "info migrate"
    done
    monitor "$d" quit || kill "$pid" 2>/dev/null
    wait
    if ! grep -q 'Migration status: completed' "$d/mon.log" || [ ! -s "$snapshot.tmp" ]; then
        log "engine $e: FAIL: the snapshot was not saved: $(grep -i 'migrat\|error' "$d/mon.log" | tail -n 3)"
        rm -rf "$d" "$snapshot.tmp"
        return 1
    fi
    rm -rf "$d"
    mv "$snapshot.tmp" "$snapshot"
    log "engine $e: ready after ${booted}s of boot, snapshot saved in $((SECONDS - t0 - booted))s ($(du -h "$snapshot" | cut -f1)): $snapshot"
}

unready=()
for p in "${plan[@]}"; do
    e=${p%% *}
    [ -z "${image_of[$e]:-}" ] || continue
    t0=$SECONDS
    root=$("$here/roots/build-root.sh" "$e")
    image_of[$e]=$("$here/vm/build-image.sh" "$root")
    log "engine $e: root and image ready in $((SECONDS - t0))s: ${image_of[$e]}"
    kver=$(sed -n 's/^kernel=//p' "$root/.l2vlan-e2e-root")
    kernel_of[$e]=$root/boot/vmlinuz-$kver
    initrd_of[$e]=$work/initrd-$e-$kver-$initrd_key.gz
    if [ ! -f "${initrd_of[$e]}" ]; then
        "$here/vm/build-initrd.sh" "$root" "$kver" "${initrd_of[$e]}"
        find "$work" -maxdepth 1 -name "initrd-$e-*.gz" ! -name "${initrd_of[$e]##*/}" -delete
    fi
    [ "$snapshots" = 1 ] || continue
    snapshot_key=$(printf '%s\n' "$initrd_key" "$kver" "$qemu_version" "$mem" "$smp" "$cmdline" | sha256sum | cut -c1-12)
    snapshot_of[$e]=${image_of[$e]}/ready-$snapshot_key.zst
    # Snapshots of other settings stay a day, for a run that goes back to them.
    find "${image_of[$e]}" -maxdepth 1 -name 'ready-*' ! -name "${snapshot_of[$e]##*/}" -mtime +0 -delete
    [ -f "${snapshot_of[$e]}" ] || unready+=("$e")
done
for e in "${unready[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$lanes" ]; do wait -n || true; done
    prepare "$e" &
done
wait || true
for e in "${unready[@]}"; do
    [ -f "${snapshot_of[$e]}" ] || die "engine $e: no snapshot (see above); E2E_SNAPSHOT=0 boots each scenario instead"
done

# timing_row NAME START RUNNING EXIT TIMING_FILE: one row of the closing timing table, in
# seconds: boot (qemu's start to dockerd answering the scenario), setup (to the first section not
# named "setup..."), scenario (to the results), power-off (to qemu's exit), total.
timing_row() {
    local name=$1 start=$2 running=$3 stopped=$4 file=$5
    awk -v name="$name" -v start="$start" -v running="$running" -v stopped="$stopped" '
        $1 == "dockerd-answers" { ready = $2 }
        $1 == "section" && !work && $3 !~ /^setup/ { work = $2 }
        $1 == "done" { done = $2 }
        function span(a, b) { return (a && b) ? sprintf("%.1f", b - a) : "-" }
        END {
            if (!work) work = done
            printf "%-28s %8s %8s %8s %9s %10s %8s\n", name, span(start, running), span(start, ready),
                span(ready, work), span(work, done), span(done, stopped), span(start, stopped)
        }' "$file" 2>/dev/null
}

# report OUT SUMMARY [PASSED FAILED SKIPPED]: what run_one tells the summary, in files beside
# the results (run_one runs in a lane of its own).
report() {
    echo "$2" >"$1/harness.summary"
    echo "${3:-0} ${4:-1} ${5:-0}" >"$1/harness.counts"
}

run_one() {
    local e=$1 s=$2 out start rc result var name="$1/$2" d pid running
    out=$work/out/$e/$s
    rm -rf "$out"
    mkdir -p "$out"
    {
        printf 'E2E_REPO=%q\n' "$repo"
        printf 'E2E_ENGINE=%q\n' "$e"
        printf 'E2E_KVER=%q\n' "${kernel_of[$e]##*/vmlinuz-}"
        while IFS='=' read -r var _; do
            printf '%s=%q\n' "$var" "${!var}"
        done < <(env | grep -E '^L2VLAN_[A-Za-z0-9_]*=' || true)
    } >"$out/env"

    local limit=$vm_timeout
    if [ -n "${E2E_DEADLINE:-}" ]; then
        local left=$((E2E_DEADLINE - $(date +%s)))
        if [ "$left" -lt 180 ]; then
            log "scenario $name: FAIL: not started, ${left}s left before E2E_DEADLINE"
            report "$out" "FAIL  $name: not started (E2E_DEADLINE)"
            return 1
        fi
        [ "$left" -ge "$limit" ] || limit=$left
    fi
    d=$(control_dir)
    qemu_args "$e" "$repo" "$out" "$d"
    if [ "$snapshots" = 1 ]; then
        vm+=(-incoming "exec:zstd -dcq ${snapshot_of[$e]}")
        log "scenario $name: restoring the ready $e (${mem} MiB, limit ${limit}s); results in $out"
    else
        log "scenario $name: booting VM (kernel ${kernel_of[$e]##*/vmlinuz-}, ${mem} MiB, limit ${limit}s); results in $out"
    fi
    start=$(date +%s.%N)
    local t0=$SECONDS
    # guest-run.sh powers the VM off itself once the results are written; should the VM
    # still be up a minute after its marker, qemu is stopped here.
    local watcher
    (
        while [ ! -e "$out/powering-off" ]; do sleep 2 >/dev/null 2>&1; done
        sleep 60 >/dev/null 2>&1
        if [ -s "$d/pid" ] && kill "$(cat "$d/pid")" 2>/dev/null; then
            log "scenario $name: the VM was still up 60 s after its results; qemu stopped"
        fi
    ) &
    watcher=$!
    # The console is the VM's only output; \r comes from the serial line.
    {
        timeout --kill-after=10 "$limit" qemu-system-x86_64 "${vm[@]}" -pidfile "$d/pid" </dev/null 2>&1
        echo $? >"$d/rc"
    } | sed -u -e 's/\r$//' -e "$console_clean" -e "s|^|[vm $name] |" &
    local console=$!
    # The request goes once the VM runs: restored from the snapshot, or booted and ready.
    running=
    if wait_log 30 "$d/pid" . && pid=$(cat "$d/pid"); then
        if [ "$snapshots" = 1 ]; then
            # The snapshot was taken with the VM stopped, and QEMU restores it stopped.
            local status=
            while kill -0 "$pid" 2>/dev/null && [ "$status" != running ]; do
                monitor "$d" "info status"
                sleep 0.2
                status=$(tr -d '\r' <"$d/mon.log" | sed -n 's/^VM status: //p' | tail -n1)
                [ "$status" != paused ] || monitor "$d" cont
            done
        else
            wait_log "$limit" "$d/ctl.log" '^ready' "$pid"
        fi
        running=$(date +%s.%N)
        timeout 30 sh -c 'printf "%s\n" "$2" >"$1/ctl.in"' sh "$d" \
            "run scenario=$s repo=$repo timeout=$((limit > 240 ? limit - 120 : limit / 2)) epoch=$(date +%s.%N) seed=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')" || true
        # A guest that never takes the request would otherwise wait for it until the VM's limit.
        if ! wait_log 180 "$out/timing" '^dockerd-answers' "$pid" && kill "$pid" 2>/dev/null; then
            log "scenario $name: FAIL: the VM did not take the request within 180 s; qemu stopped"
        fi
    fi
    wait "$console"
    rc=$(cat "$d/rc" 2>/dev/null || echo 1)
    local exit_time
    exit_time=$(date +%s.%N)
    kill "$watcher" 2>/dev/null || true
    wait "$watcher" 2>/dev/null || true
    wait
    rm -rf "$d"
    local took=$((SECONDS - t0))
    timing_row "$name" "$start" "$running" "$exit_time" "$out/timing" >"$out/harness.timing"
    mkdir -p "$work/durations" && echo "$took" >"$work/durations/$e-$s"

    result=$out/$s.result
    if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
        log "scenario $name: FAIL: VM killed after ${limit}s (E2E_TIMEOUT or E2E_DEADLINE)"
        report "$out" "FAIL  $name: VM timed out after ${took}s"
        return 1
    fi
    if [ ! -s "$result" ]; then
        log "scenario $name: FAIL: the VM never reported (qemu exit $rc after ${took}s); see the [vm $name] lines above"
        report "$out" "FAIL  $name: no result (qemu exit $rc, ${took}s)"
        return 1
    fi
    local passed failed skipped
    passed=$(sed -n 's/^passed=//p' "$result")
    failed=$(sed -n 's/^failed=//p' "$result")
    skipped=$(sed -n 's/^skipped=//p' "$result")
    if [ "$failed" = 0 ] && [ "${passed:-0}" -gt 0 ]; then
        log "scenario $name: PASS ($passed passed, $skipped skipped) in ${took}s"
        report "$out" "PASS  $name: $passed passed, $skipped skipped, ${took}s" "$passed" 0 "$skipped"
        return 0
    fi
    log "scenario $name: FAIL ($passed passed, $failed failed, $skipped skipped) in ${took}s"
    sed -n 's/^failure=/[e2e]   not ok /p' "$result"
    log "logs: $out/$s.log, $out/journal.log"
    report "$out" "FAIL  $name: $passed passed, $failed failed, $skipped skipped, ${took}s" "${passed:-0}" "${failed:-1}" "${skipped:-0}"
    sed -n -e "s|^failure=|FAIL  $name: not ok |p" -e 's/^detail=/        /p' "$result" >"$out/harness.failures"
    return 1
}

# The longest VMs first (their times of the last run), so that the lanes end together.
vms_start=$SECONDS
mapfile -t order < <(for p in "${plan[@]}"; do
    echo "$(cat "$work/durations/${p% *}-${p#* }" 2>/dev/null || echo 0) $p"
done | sort -s -k1,1nr | cut -d' ' -f2-)
for p in "${order[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$lanes" ]; do wait -n || true; done
    { run_one ${p% *} ${p#* } || true; } &
done
wait || true
vms_took=$((SECONDS - vms_start))

summaries=() failures=() timings=()
total_passed=0 total_failed=0 total_skipped=0 vms_sum=0
for p in "${plan[@]}"; do
    out=$work/out/${p% *}/${p#* }
    vms_sum=$((vms_sum + $(cat "$work/durations/${p% *}-${p#* }" 2>/dev/null || echo 0)))
    summaries+=("$(cat "$out/harness.summary" 2>/dev/null || echo "FAIL  ${p% *}/${p#* }: the harness lost it")")
    read -r passed failed skipped 2>/dev/null <"$out/harness.counts" || { passed=0 failed=1 skipped=0; }
    total_passed=$((total_passed + passed)) total_failed=$((total_failed + failed)) total_skipped=$((total_skipped + skipped))
    [ ! -s "$out/harness.failures" ] || failures+=("$(cat "$out/harness.failures")")
    [ ! -s "$out/harness.timing" ] || timings+=("$(cat "$out/harness.timing")")
done
log "summary: ${#plan[@]} VMs in ${vms_took}s, $lanes at a time (${vms_sum}s one after another)"
printf '[e2e]   %s\n' "${summaries[@]}"
# Where each VM's time went, in seconds (restore: qemu's start to the VM running, 0 when booted).
log "timings:"
printf '[e2e]   %-28s %8s %8s %8s %9s %10s %8s\n' "engine/scenario" restore boot setup scenario power-off total
printf '[e2e]   %s\n' "${timings[@]}"
# Repeated here because CI shows only the end of the log.
[ ${#failures[@]} -eq 0 ] || { log "failed checks, with the first lines of what they saw:"; printf '%s\n' "${failures[@]}" | sed 's/^/[e2e]   /'; }
# The closing line CI reads: every check of every scenario (a VM that never reported counts as one failure).
echo "e2e: $total_passed passed, $total_failed failed, $total_skipped skipped"
[ "$total_failed" -eq 0 ]
